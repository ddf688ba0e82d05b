"""Raw entries to sanitised `Article`s and cleaned body HTML: the one place feed text goes
through the sanitiser (sanitize.py) on its way in. Ids, headlines, the lead (the summary, or the
text's first paragraph), dates (undated or absurd ones get the fetch order), tags and the
kicker, enclosures; bodies through nh3 (body_html.py)."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from newsreader.ingest.body_html import clean_body_html
from newsreader.ingest.kicker import feed_wide, kicker
from newsreader.ingest.raw import MAX_ITEMS, ParsedFeed, RawEntry, RawFeed
from newsreader.models import Article, Enclosure, Feed, article_id_for, merge_tags, short_hash
from newsreader.sanitize import (
    MAX_HEADLINE,
    MAX_LEAD,
    MAX_LINE,
    MAX_TAGS,
    MAX_URL,
    OPENABLE_SCHEMES,
    clean_headline,
    clean_line,
    clean_text,
    clean_url,
    html_to_text,
    strip_tracking,
)

MAX_TAG = 80
MAX_AUTHOR = 200
MAX_BODY_INPUT = 400_000  # characters of body HTML looked at per article
FIRST_PARAGRAPH = 400  # lead made from the content when there is no separate summary
MIN_DATE = datetime(1990, 1, 1, tzinfo=UTC)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")


def normalise(raw: RawFeed, *, feed: Feed, url: str, now: datetime) -> ParsedFeed:
    base = url if urlsplit(url).scheme.lower() in OPENABLE_SCHEMES else ""
    parsed_title = (
        clean_headline(raw.title[: 2 * MAX_LINE]) if raw.title_html else clean_line(raw.title)
    )[:MAX_LINE]
    source_default = (
        (feed.title if feed.user_title else "")
        or parsed_title
        or feed.title
        or (urlsplit(url).hostname or "" if base else "")
    )
    wide = feed_wide([e.categories for e in raw.entries[:MAX_ITEMS]], raw.categories, feed.tags)
    latest = now + timedelta(days=1)
    articles: list[Article] = []
    bodies: dict[str, str] = {}
    seen: set[str] = set()
    warning = raw.warning
    if len(raw.entries) > MAX_ITEMS:
        dropped = f"kept the first {MAX_ITEMS:,} of {len(raw.entries):,} items"
        warning = f"{dropped}; {warning}" if warning else dropped
    for index, entry in enumerate(raw.entries[:MAX_ITEMS]):
        article, body = _article(
            entry,
            index,
            feed=feed,
            base=base,
            now=now,
            latest=latest,
            source_default=source_default,
            wide=wide,
        )
        if article.id in seen:  # a guid repeated in one document: the first one wins
            continue
        seen.add(article.id)
        articles.append(article)
        if body:
            bodies[article.id] = body
    return ParsedFeed(
        title=parsed_title,
        link=strip_tracking(clean_url(raw.link, base)),
        articles=articles,
        bodies=bodies,
        warning=warning,
        format=raw.format,
    )


def _article(
    entry: RawEntry,
    index: int,
    *,
    feed: Feed,
    base: str,
    now: datetime,
    latest: datetime,
    source_default: str,
    wide: frozenset[str],
) -> tuple[Article, str]:
    # Without a guid the link is the key: stripped, so a campaign tag that changes with each
    # fetch cannot turn one story into many.
    link = strip_tracking(clean_url(entry.link, base))
    key = clean_line(entry.key, MAX_URL) or link
    if not key:
        basis = entry.summary or entry.content
        key = "hash:" + short_hash(entry.title, entry.date_text, basis[:2_000])
    lead = ""
    if entry.summary and entry.summary != entry.content:
        lead = _text(entry.summary, entry.summary_html, MAX_LEAD)
    if not lead:  # no summary, or it is the full text: the first paragraph of the text
        text, is_html = (
            (entry.content, entry.content_html)
            if entry.content
            else (entry.summary, entry.summary_html)
        )
        lead = _first_paragraph(_text(text, is_html, 5 * FIRST_PARAGRAPH)) if text else ""
    headline = (
        clean_headline(entry.title[: 4 * MAX_HEADLINE])
        if entry.title_html
        else clean_line(entry.title, MAX_HEADLINE)
    )
    if not headline:
        headline = _cut_words(lead.replace("\n", " "), 80) if lead else "(no title)"
    item_tags = [t for t in (clean_line(c, MAX_TAG) for c in entry.categories) if t]
    published = entry.published
    dated = published is not None and MIN_DATE <= published <= latest
    if published is None or not dated:
        published = now - timedelta(seconds=index)
    body_source, body_is_html = (
        (entry.content, entry.content_html)
        if entry.content
        else (entry.summary, entry.summary_html)
    )
    article = Article(
        id=article_id_for(feed.id, key),
        feed_id=feed.id,
        guid=key,
        headline=headline,
        link=link,
        author=clean_line(entry.author, MAX_AUTHOR),
        published=published,
        kicker=kicker(item_tags, wide),  # the item's own topic, never the feed's or user's
        lead=lead,
        tags=merge_tags(item_tags[: max(0, MAX_TAGS - len(feed.tags))], feed.tags),
        source=clean_line(entry.source) or source_default,
        enclosures=_enclosures(entry.enclosures, base),
        read=False,
        starred=False,
        first_seen=now,
        dated=dated,
    )
    return article, body_html(body_source, body_is_html, link or base)


def _text(value: str, is_html: bool, limit: int) -> str:
    if is_html:
        return html_to_text(value, limit)
    text = clean_text(value[: limit * 4], limit * 2)
    paragraphs = (_WS.sub(" ", p).strip() for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)[:limit]


def _first_paragraph(text: str) -> str:
    out = ""
    for para in _PARAGRAPH_BREAK.split(text):
        para = _WS.sub(" ", para).strip()
        if para:
            out = f"{out} {para}" if out else para
        if len(out) >= 100:  # a dateline or photo credit alone is not a lead
            break
    return _cut_words(out, FIRST_PARAGRAPH)


def _cut_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def body_html(value: str, is_html: bool, base: str = "") -> str:
    if not value:
        return ""
    value = value[:MAX_BODY_INPUT]
    if is_html:  # controls are removed after nh3 (it decodes references to them)
        return clean_body_html(value, base)
    text = clean_text(value)
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    return "".join(
        "<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs
    ).strip()


def _enclosures(items: list[tuple[Any, Any, Any]], base: str) -> list[Enclosure]:
    out: list[Enclosure] = []
    seen: set[str] = set()
    for href, mime, length in items[:20]:
        url = strip_tracking(clean_url(href, base, OPENABLE_SCHEMES))
        if not url or url in seen:
            continue
        seen.add(url)
        out.append(Enclosure(url=url, type=clean_line(mime, 100), length=_int(length)))
    return out


def _int(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(0, min(value, 2**53))
    if isinstance(value, float):
        return max(0, min(int(value), 2**53)) if math.isfinite(value) else 0
    digits = re.match(r"\s*(\d{1,16})", value if isinstance(value, str) else str(value))
    return int(digits.group(1)) if digits else 0
