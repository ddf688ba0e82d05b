"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org) into the same raw form feedparser's output takes.

feedparser does not read JSON Feed at all (shared/FACTS.md). Cleaning happens in normalise.py,
as for every other format; this module only maps fields.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from newsreader.i18n import N_
from newsreader.ingest.raw import ParseError, RawEntry, RawFeed

MAX_ITEMS = 5_000


def parse_json_feed(text: str) -> RawFeed:
    """Map a JSON Feed document to a RawFeed; anything else raises ParseError."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ParseError(N_("not a feed: JSON nested too deeply")) from None
    except ValueError as exc:
        raise ParseError(N_("not a feed: invalid JSON ({x0})").format(x0=_msg(exc))) from None
    if not isinstance(doc, dict):
        raise ParseError(N_("not a feed: JSON but not a JSON Feed"))
    version = _str(doc.get("version"))
    items = doc.get("items")
    if "jsonfeed.org" not in version and not isinstance(items, list):
        raise ParseError(N_("not a feed: JSON but not a JSON Feed"))
    if version.rstrip("/").endswith("/1.1"):
        fmt = "json1.1"
    elif version.rstrip("/").endswith("/1"):
        fmt = "json1.0"
    else:
        fmt = "json"
    feed_authors = _authors(doc)
    raw = RawFeed(
        title=_str(doc.get("title")),
        title_html=False,
        link=_str(doc.get("home_page_url")),
        format=fmt,
    )
    for item in (items if isinstance(items, list) else [])[:MAX_ITEMS]:
        if isinstance(item, dict):
            raw.entries.append(_entry(item, feed_authors))
    return raw


def _entry(item: dict[str, Any], feed_authors: list[str]) -> RawEntry:
    content_html, content_text = _str(item.get("content_html")), _str(item.get("content_text"))
    date_text = _str(item.get("date_published") or item.get("date_modified"))
    authors = _authors(item) or feed_authors
    attachments = item.get("attachments")
    tags = item.get("tags")
    return RawEntry(
        key=_str(item.get("id")),
        link=_str(item.get("url") or item.get("external_url")),
        title=_str(item.get("title")),
        title_html=False,
        summary=_str(item.get("summary")),
        summary_html=False,
        content=content_html or content_text,
        content_html=bool(content_html),
        author=", ".join(authors),
        published=_date(date_text),
        date_text=date_text,
        categories=[_str(t) for t in tags[:200] if isinstance(t, str | int | float)]
        if isinstance(tags, list)
        else [],
        enclosures=[
            (a.get("url"), a.get("mime_type"), a.get("size_in_bytes"))
            for a in (attachments if isinstance(attachments, list) else [])[:20]
            if isinstance(a, dict)
        ],
    )


def _authors(obj: dict[str, Any]) -> list[str]:
    """Names from 1.1 `authors` or 1.0 `author` (name, else url)."""
    found = obj.get("authors")
    if not isinstance(found, list):
        found = [obj.get("author")]
    names = []
    for author in found[:20]:
        if isinstance(author, dict):
            name = _str(author.get("name")) or _str(author.get("url"))
            if name.strip():
                names.append(name)
    return names


def _date(text: str) -> datetime | None:
    if not text:
        return None
    value: datetime | None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _msg(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120]
