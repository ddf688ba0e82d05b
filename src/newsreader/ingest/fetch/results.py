"""What a fetch returns: the request, how it ended, and the result (never an exception)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from newsreader.i18n import N_
from newsreader.sanitize import clean_line

ERROR_LIMIT = 300  # characters in an error line


@dataclass(slots=True)
class FetchRequest:
    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


class Fetched(StrEnum):
    """How a fetch ended."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304: nothing to parse
    GONE = "gone"  # 410: stop polling
    RETRY_LATER = "retry_later"  # 429/503, with Retry-After
    ERROR = "error"


@dataclass(slots=True)
class FetchResult:
    """What happened; `outcome` says how it ended (a `Fetched`)."""

    feed_id: str
    url: str  # as requested
    outcome: Fetched
    status: int | None = None  # final HTTP status (None for transport errors and files)
    body: bytes = b""  # decompressed, only for "ok"
    headers: dict[str, str] = field(default_factory=dict)  # final response, lower-cased names
    final_url: str = ""  # after redirects
    new_url: str | None = None  # >= 1 redirect, every hop 301/308, and the end was ok/304
    etag: str | None = None
    last_modified: str | None = None
    retry_after: datetime | None = None  # tz-aware UTC, for 429/503
    error: str | None = None  # one line; also set for "gone" and "retry_later"
    elapsed: float = 0.0  # seconds from the first slot acquired to the result

    @property
    def ok(self) -> bool:
        return self.outcome == Fetched.OK


class FetchError(Exception):
    """A fetch failed for a reason this module words itself (one line)."""


def fail(res: FetchResult, message: str) -> None:
    # Validators and body of a failed fetch must never be stored as if it had worked.
    res.outcome = Fetched.ERROR
    res.error = clean_line(message, ERROR_LIMIT) or N_("fetch failed")
    res.body = b""
    res.etag = res.last_modified = res.new_url = None
    res.retry_after = None
