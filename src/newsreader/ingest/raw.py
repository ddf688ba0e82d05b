"""The raw types between the format readers and normalisation: what a feed said, before any
cleaning (`RawFeed`, `RawEntry`), what comes out (`ParsedFeed`) and the error for a document that
is not a usable feed. Both format readers (xmlfeed, jsonfeed) build these, so neither imports
the other, nor the entry point."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsreader.models import Article

# Items kept per document: feedparser costs ~0.5 ms per item, so 100,000 items would outlast
# the parse timeout; retention keeps 500 per feed by default and feeds list the newest first.
MAX_ITEMS = 2_000


class ParseError(Exception):
    """The document is not a usable feed; the message is one line for the user."""


class FastDeclined(Exception):
    """Only the compiled path was asked (the in-process lane, pool.py) and it did not answer:
    the document goes to a worker, where feedparser reads it."""


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str
    articles: list[Article]  # read/starred False; first_seen = now; bodies apart
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


# -- shared by the readers that build these from a parser's result (xmlfeed, fastpath) ----------


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def is_html(mime: object) -> bool:
    return isinstance(mime, str) and ("html" in mime.lower())


def categories_of(pairs: Iterable[tuple[object, object]]) -> list[str]:
    """Topics from (label, term) pairs: the label, else a term that is not a scheme URL."""
    out: list[str] = []
    for raw_label, raw_term in pairs:
        label, term = text_of(raw_label), text_of(raw_term)
        if label.strip():
            out.append(label)
        elif term.strip() and not term.lstrip().lower().startswith(("http://", "https://")):
            out.append(term)  # Blogger and others put scheme URLs in term: not a topic
    return out


def struct_time_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = tuple(value)[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
