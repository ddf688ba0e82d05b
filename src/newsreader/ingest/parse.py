"""Parse feed bytes (RSS, Atom, RDF, JSON Feed) into sanitised `Article`s and body HTML.

A pure function of its inputs: it runs in worker processes (pool.py). The steps live in their
own modules: decode.py (bytes to text), xmlfeed.py (feedparser, with salvage.py) or
jsonfeed.py (into raw.py's types), then normalise.py (the sanitiser, ids, dates, lead, bodies).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from newsreader.i18n import N_
from newsreader.ingest import fastpath
from newsreader.ingest.decode import charset_of, decode_document
from newsreader.ingest.jsonfeed import parse_json_feed
from newsreader.ingest.normalise import MIN_DATE, normalise
from newsreader.ingest.raw import (
    MAX_ITEMS,
    FastDeclined,
    ParsedFeed,
    ParseError,
    RawEntry,
    RawFeed,
)
from newsreader.ingest.xmlfeed import one_line, parse_xml
from newsreader.models import Feed

_JSON_TYPES = ("application/feed+json", "application/json", "text/json")
# Documents up to this size may be parsed in the calling process by the compiled path (every
# step of it linear); larger ones, and all others, go to a worker under a time limit.
INLINE_MAX_BYTES = 4 * 1024 * 1024

__all__ = [
    "MAX_ITEMS",
    "MIN_DATE",
    "ParseError",
    "ParsedFeed",
    "RawEntry",
    "RawFeed",
    "decode_document",
    "parse_feed",
    "parse_feed_fast",
    "parse_raw",
]


def parse_feed(
    data: bytes,
    *,
    feed: Feed,
    url: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    fast: bool = True,
    fast_only: bool = False,
) -> ParsedFeed:
    """Parse one fetched document into a `ParsedFeed`; anything unusable raises ParseError.
    `fast=False` keeps feedparser for every XML feed (the fast path's equivalence test);
    `fast_only` raises FastDeclined where the compiled path does not answer."""
    now = now or datetime.now(UTC)
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    content_type = hdrs.get("content-type", "")
    try:
        raw = parse_raw(data, content_type, fast=fast, fast_only=fast_only)
        return normalise(raw, feed=feed, url=url, now=now)
    except (ParseError, FastDeclined):
        raise
    except RecursionError:
        raise ParseError(N_("parse failed: document nested too deeply")) from None
    except MemoryError:
        raise ParseError(N_("parse failed: out of memory")) from None
    except Exception as exc:  # feedparser raises odd things on odd input (shared/FACTS.md)
        raise ParseError(N_("parse failed: {x0}").format(x0=one_line(exc))) from None


def parse_raw(
    data: bytes, content_type: str, *, fast: bool = True, fast_only: bool = False
) -> RawFeed:
    text, mime = _decoded(data, content_type)
    if _is_json(text, mime):
        if fast_only:
            raise FastDeclined
        return parse_json_feed(text)
    return parse_xml(text, mime, use_fast=fast, fast_only=fast_only)


def parse_feed_fast(
    data: bytes,
    *,
    feed: Feed,
    url: str,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ParsedFeed | None:
    """`parse_feed` for a document the compiled path answers (fastpath.py); None for any other
    (JSON Feed, documents it declines, anything that fails), which then goes to a worker
    process where feedparser runs under a time limit and says what is wrong."""
    if not fastpath.available() or len(data) > INLINE_MAX_BYTES:
        return None
    try:
        return parse_feed(data, feed=feed, url=url, headers=headers, now=now, fast_only=True)
    except (FastDeclined, ParseError):
        return None


def _decoded(data: bytes, content_type: str) -> tuple[str, str]:
    if not data or not data.strip():
        raise ParseError(N_("empty response"))
    mime = content_type.split(";", 1)[0].strip().lower()
    text, _encoding = decode_document(data, charset_of(content_type))
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError(N_("empty response"))
    return text, mime


def _is_json(text: str, mime: str) -> bool:
    return text[0] in "{[" or (text[0] != "<" and (mime in _JSON_TYPES or mime.endswith("+json")))
