"""The headers of a polite fetch: conditional GET from stored validators, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from newsreader.ingest.fetch.results import FetchRequest

DEFAULT_RETRY_AFTER = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(days=7)


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime:
    """Retry-After (delta seconds or HTTP-date) as a UTC time; missing or bad -> now + 1 h.

    The wait is clamped to [0, 7 days]: a server cannot park a feed for years.
    """
    now = now or datetime.now(UTC)
    text = (value or "").strip()
    delay: timedelta | None = None
    if text.isdecimal():
        delay = timedelta(seconds=min(int(text[:12]), MAX_RETRY_AFTER.total_seconds()))
    elif text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            delay = when - now
    if delay is None:
        delay = DEFAULT_RETRY_AFTER
    return now + min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


def conditional_headers(req: FetchRequest) -> dict[str, str]:
    headers: dict[str, str] = {}
    # Validators come from earlier responses, but the store is not trusted to be clean:
    # a value that is not a printable ASCII header value is dropped, not sent.
    if req.etag and _header_safe(req.etag):
        headers["If-None-Match"] = req.etag
    if req.last_modified and _header_safe(req.last_modified):
        headers["If-Modified-Since"] = req.last_modified
    return headers


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable() and len(value) <= 1024
