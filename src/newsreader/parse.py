"""Parse feed bytes (RSS, Atom, RDF, JSON Feed) into sanitised `Article`s and body HTML.

A pure function of its inputs: it runs in worker processes (parse_pool.py). Only this module
calls feedparser (through feed_salvage.py, which reads what it can when feedparser raises).
Bytes are decoded here (not by feedparser) so that wrong charset labels, a DOCTYPE with
entities and leading junk are dealt with before feedparser sees the document.
"""

from __future__ import annotations

import codecs
import html
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.entities import html5 as _HTML5
from typing import Any
from urllib.parse import urlsplit

from newsreader.feed_salvage import KNOWN_ROOT, Unreadable, cap_items, parse_document
from newsreader.html_clean import clean_body_html
from newsreader.kicker import feed_wide, kicker
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
    strip_tracking,
)
from newsreader.to_markdown import plain_text

MAX_TAG = 80
MAX_AUTHOR = 200
MAX_BODY_INPUT = 400_000  # characters of body HTML looked at per article
FIRST_PARAGRAPH = 400  # lead made from the content when there is no separate summary
MIN_DATE = datetime(1990, 1, 1, tzinfo=UTC)
# Items kept per document: feedparser costs ~0.5 ms per item, so 100,000 items would outlast
# the parse timeout; retention keeps 500 per feed by default and feeds list the newest first.
MAX_ITEMS = 2_000
_AUTHOR_TEXT_CAP = 512  # feedparser's author-email regex is quadratic in this length

_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_XML_DECL = '<?xml version="1.0" encoding="utf-8"?>'
_JSON_TYPES = ("application/feed+json", "application/json", "text/json")
_WHATWG_LATIN1 = frozenset({"latin_1", "iso8859_1", "ascii"})
_BAD_CODECS = ("escape", "utf_7", "punycode", "idna", "undefined", "mbcs", "oem")

_PROLOG_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_NAMED_REF = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_ROOT_NAME = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_AUTHORISH = re.compile(
    r"(<(?:[\w.-]+:)?(?:author|creator|name|email|managingEditor|webMaster|publisher"
    r"|contributor|owner)\b[^<>]{0,500}>(?:\s*<!\[CDATA\[)?)"
    rf"([^<\]]{{{_AUTHOR_TEXT_CAP}}})[^<\]]*",
    re.I,
)
_MARKUP = re.compile(r"<[?!A-Za-z_:\u0080-\U0010ffff]")
_DECL_SPECIAL = re.compile(r"[\"'\[\]>]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


class ParseError(Exception):
    """The document is not a usable feed; the message is one line for the user."""


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str
    articles: list[Article]  # body == "" ; read/starred False; first_seen = now
    bodies: dict[str, str]  # article id -> cleaned body HTML (full content, else summary)
    warning: str | None = None  # bozo but entries came out: a warning, not an error
    format: str = ""  # "rss20", "atom10", "json1.1"...


@dataclass(slots=True)
class RawEntry:
    """One item as the format gave it, before any cleaning (shared by feedparser and JSON)."""

    key: str = ""  # id/guid as given
    link: str = ""
    title: str = ""
    title_html: bool = False
    summary: str = ""
    summary_html: bool = True
    content: str = ""
    content_html: bool = True
    author: str = ""
    published: datetime | None = None
    date_text: str = ""  # the raw date, for a stable key when there is no id nor link
    categories: list[str] = field(default_factory=list)
    source: str = ""
    enclosures: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (url, type, length)


@dataclass(slots=True)
class RawFeed:
    title: str = ""
    title_html: bool = False
    link: str = ""
    categories: list[str] = field(default_factory=list)
    entries: list[RawEntry] = field(default_factory=list)
    format: str = ""
    warning: str | None = None


def parse_feed(
    data: bytes,
    *,
    feed: Feed,
    url: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse one fetched document into a `ParsedFeed`; anything unusable raises ParseError."""
    now = now or datetime.now(UTC)
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    content_type = hdrs.get("content-type", "")
    try:
        raw = _parse_raw(data, content_type)
        return _normalise(raw, feed=feed, url=url, now=now)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("parse failed: document nested too deeply") from None
    except MemoryError:
        raise ParseError("parse failed: out of memory") from None
    except Exception as exc:  # feedparser raises odd things on odd input (shared/FACTS.md)
        raise ParseError(f"parse failed: {_one_line(exc)}") from None


def _parse_raw(data: bytes, content_type: str) -> RawFeed:
    if not data or not data.strip():
        raise ParseError("empty response")
    mime = content_type.split(";", 1)[0].strip().lower()
    text, _encoding = decode_document(data, _charset_of(content_type))
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError("empty response")
    if text[0] in "{[" or (text[0] != "<" and (mime in _JSON_TYPES or mime.endswith("+json"))):
        from newsreader import jsonfeed  # jsonfeed imports this module

        return jsonfeed.parse_json_feed(text)
    return _parse_xml(text, mime)


# -- decoding ---------------------------------------------------------------------------------


def decode_document(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode feed bytes to text; returns (text, codec name).

    Order (as Miniflux): a BOM; UTF-16/32 without BOM; bytes that are valid UTF-8 are UTF-8
    whatever the labels say; then the HTTP charset; then the XML prolog; else windows-1252.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    wide = _sniff_wide(data, http_charset)
    if wide:
        return data.decode(wide, "replace"), wide
    try:
        # A body cut at a size cap may end inside a character: that alone must not demote it.
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=False), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _PROLOG_ENCODING.match(data[:300])
    prolog = match.group(1).decode("ascii") if match else None
    declared = [c for c in (_codec(http_charset), _codec(prolog)) if c]
    for name in declared:
        if name == "utf-8":
            continue
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    mostly = data.decode("utf-8", "replace")
    bad = mostly.count("\ufffd")
    non_ascii = len(mostly) - len(mostly.encode("ascii", "ignore"))
    if non_ascii - bad >= 4 * bad:
        return mostly, "utf-8"  # UTF-8 with a few stray bytes
    for name in declared:
        if name not in ("utf-8", "cp1252") and not _single_byte(name):
            return data.decode(name, "replace"), name
    return data.decode("cp1252", "replace"), "cp1252"


def _sniff_wide(data: bytes, http_charset: str | None) -> str | None:
    head = data[:4]
    if len(head) < 4:
        return None
    if head == b"<\x00\x00\x00":
        return "utf-32-le"
    if head == b"\x00\x00\x00<":
        return "utf-32-be"
    if head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    name = _codec(http_charset)
    # A UTF-16/32 label on bytes with no NUL at all is wrong (single-byte XML never has one):
    # trusting it would turn a plain feed into "no XML element found".
    if name and name.startswith(("utf-16", "utf-32")) and b"\x00" in data[:256]:
        return name
    return None


def _codec(label: str | None) -> str | None:
    """A Python text codec for a charset label, or None; latin-1 labels mean windows-1252."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    name = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or any(b in name for b in _BAD_CODECS):
        return None
    if name in _WHATWG_LATIN1:
        return "cp1252"
    if name in ("utf_8", "utf_8_sig"):
        return "utf-8"
    if name == "utf_16":
        return "utf-16"
    return info.name


def _single_byte(name: str) -> bool:
    try:
        return len(bytes(range(256)).decode(name, "replace")) == 256
    except (LookupError, UnicodeDecodeError, ValueError):
        return False


def _charset_of(content_type: str) -> str | None:
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


# -- XML --------------------------------------------------------------------------------------


def _parse_xml(text: str, mime: str) -> RawFeed:
    text = _strip_prolog(text, mime)
    text = _XML_ILLEGAL.sub("", text)
    if "&#" in text:
        text = _CHAR_REF.sub(_char_ref, text)
    if "&" in text:
        text = _NAMED_REF.sub(_named_ref, text)
    if len(text) > 2 * _AUTHOR_TEXT_CAP:
        text = _AUTHORISH.sub(r"\1\2", text)
    text, cut_warning = cap_items(text, MAX_ITEMS)
    try:  # feedparser raising on one element costs that element, not the feed
        result, salvage_warning = parse_document(text)
    except Unreadable as exc:
        raise ParseError(f"parse failed: {exc}") from None
    raw = _from_feedparser(result)
    problem = _bozo_message(result) if result.get("bozo") else None
    if not raw.entries and not raw.title:
        if problem:
            raise ParseError(f"not a feed: {problem}")
        if not raw.format:
            raise ParseError("not a feed: no RSS, Atom or JSON Feed found")
    warnings = (cut_warning, salvage_warning, problem)
    raw.warning = "; ".join(w for w in warnings if w) or None
    return raw


def _strip_prolog(text: str, mime: str) -> str:
    """Drop everything before the root element (DOCTYPE included) and declare UTF-8.

    Removing the DOCTYPE stops entity expansion (shared/FACTS.md); keeping the line count keeps
    feedparser's line numbers in error messages right.
    """
    pos, n = 0, len(text)
    while pos < n:
        markup = _MARKUP.search(text, pos)
        if markup is None:
            pos = n
            break
        lt = markup.start()
        nxt = text[lt + 1]
        if nxt == "?":
            end = text.find("?>", lt + 2)
            pos = n if end < 0 else end + 2
        elif text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            pos = n if end < 0 else end + 3
        elif nxt == "!":
            pos = _skip_declaration(text, lt)
        else:
            pos = lt
            break
    if pos >= n:
        raise ParseError("not a feed: no XML element found")
    match = _ROOT_NAME.match(text, pos)
    root = (match.group(2) if match else "").lower()
    if root not in _FEED_ROOTS:
        # A feed after junk (a PHP warning) or wrapped in a page still counts; a page does not.
        known = KNOWN_ROOT.search(text, pos, pos + 16_384)
        if known:
            pos = known.start()
        elif root == "html" or mime in ("text/html", "application/xhtml+xml"):
            raise ParseError("not a feed: got an HTML page")
    return _XML_DECL + "\n" * text.count("\n", 0, pos) + text[pos:]


def _skip_declaration(text: str, start: int) -> int:
    """End of a `<!...>` declaration, skipping quoted strings and an internal `[...]` subset."""
    depth, pos, n = 0, start + 2, len(text)
    while True:
        match = _DECL_SPECIAL.search(text, pos)
        if match is None:
            return n
        ch, pos = match.group(), match.end()
        if ch in "\"'":
            end = text.find(ch, pos)
            if end < 0:
                return n
            pos = end + 1
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            return pos


def _char_ref(match: re.Match[str]) -> str:
    """Drop references to characters XML forbids (feedparser raises or lets ESC through)."""
    hexa, dec = match.group(1), match.group(2)
    if len(hexa or dec) > 10:
        return ""
    code = int(hexa, 16) if hexa else int(dec)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return match.group(0)
    if 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return ""


def _named_ref(match: re.Match[str]) -> str:
    """HTML entity names become numeric references: expat knows only the five XML ones."""
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = _HTML5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(ch)};" for ch in value)


def _bozo_message(result: Mapping[str, Any]) -> str:
    exc = result.get("bozo_exception")
    if exc is None:
        return "malformed feed"
    get_line = getattr(exc, "getLineNumber", None)
    get_message = getattr(exc, "getMessage", None)
    if callable(get_line) and callable(get_message):
        try:
            return f"XML error at line {get_line()}: {_one_line(get_message())}"
        except Exception:  # a message is all we want from it
            pass
    return _one_line(exc)


def _one_line(value: object, limit: int = 200) -> str:
    text = clean_line(value, limit)
    if not text and isinstance(value, BaseException):
        text = type(value).__name__
    return text or "unknown error"


def _from_feedparser(result: Mapping[str, Any]) -> RawFeed:
    fdict = result.get("feed") or {}
    title_detail = fdict.get("title_detail") or {}
    raw = RawFeed(
        title=_s(fdict.get("title")),
        title_html=_is_html(title_detail.get("type")),
        link=_s(fdict.get("link")),
        categories=_categories(fdict.get("tags")),
        format=_s(result.get("version")),
    )
    for entry in result.get("entries") or []:
        raw.entries.append(_entry_from_feedparser(entry))
    return raw


def _entry_from_feedparser(entry: Mapping[str, Any]) -> RawEntry:
    # Skip FeedParserDict's keymap: plain dict.get on the (dict subclass) entry.
    get: Callable[[Any, str], Any] = dict.get if isinstance(entry, dict) else type(entry).get
    title_detail = get(entry, "title_detail") or {}
    summary_detail = get(entry, "summary_detail") or {}
    content, content_html = "", True
    contents = [c for c in get(entry, "content") or [] if isinstance(c, Mapping)]
    if contents:
        best = next((c for c in contents if _is_html(c.get("type"))), contents[0])
        content, content_html = _s(best.get("value")), _is_html(best.get("type"))
    source = get(entry, "source") or {}
    names = [a.get("name") for a in get(entry, "authors") or [] if isinstance(a, Mapping)]
    authors = [_s(a) for a in names if a]
    author = ", ".join(authors) if len(authors) > 1 else _s(get(entry, "author"))
    detail = get(entry, "author_detail") or {}
    if len(authors) <= 1 and detail.get("name"):
        author = _s(detail.get("name"))
    return RawEntry(
        key=_s(get(entry, "id")),
        link=_s(get(entry, "link")),
        title=_s(get(entry, "title")),
        title_html=_is_html(title_detail.get("type")),
        summary=_s(get(entry, "summary")),
        summary_html=_is_html(summary_detail.get("type") or "text/html"),
        content=content,
        content_html=content_html,
        author=author,
        published=_struct_time_to_dt(
            get(entry, "published_parsed")
            or get(entry, "updated_parsed")
            or get(entry, "created_parsed")
        ),
        date_text=_s(get(entry, "published") or get(entry, "updated") or get(entry, "created")),
        categories=_categories(get(entry, "tags")),
        source=_s(source.get("title")) if isinstance(source, Mapping) else "",
        enclosures=[
            (e.get("href") or e.get("url"), e.get("type"), e.get("length"))
            for e in entry.get("enclosures") or []
            if isinstance(e, Mapping)
        ],
    )


def _s(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _is_html(mime: object) -> bool:
    return isinstance(mime, str) and ("html" in mime.lower())


def _categories(tags: object) -> list[str]:
    out: list[str] = []
    if not isinstance(tags, list):
        return out
    for tag in tags[: MAX_TAGS * 4]:
        if not isinstance(tag, Mapping):
            continue
        label, term = _s(tag.get("label")), _s(tag.get("term"))
        if label.strip():
            out.append(label)
        elif term.strip() and not term.lstrip().lower().startswith(("http://", "https://")):
            out.append(term)  # Blogger and others put scheme URLs in term: not a topic
    return out


def _struct_time_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = tuple(value)[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# -- normalisation ----------------------------------------------------------------------------


def _normalise(raw: RawFeed, *, feed: Feed, url: str, now: datetime) -> ParsedFeed:
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
        body="",
        tags=merge_tags(item_tags[: max(0, MAX_TAGS - len(feed.tags))], feed.tags),
        source=clean_line(entry.source) or source_default,
        enclosures=_enclosures(entry.enclosures, base),
        read=False,
        starred=False,
        first_seen=now,
        dated=dated,
    )
    return article, _body_html(body_source, body_is_html, link or base)


def _text(value: str, is_html: bool, limit: int) -> str:
    if is_html:
        return plain_text(value, limit)
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


def _body_html(value: str, is_html: bool, base: str = "") -> str:
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
    digits = re.match(r"\s*(\d{1,16})", _s(value))
    return int(digits.group(1)) if digits else 0
