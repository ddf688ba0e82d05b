"""What a sync client gives the engine, whatever the protocol speaks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class SyncError(Exception):
    """The server could not be used; the message is one line for the user."""


class AuthError(SyncError):
    """The server refused the credentials (a wrong password, a revoked key)."""


@dataclass(slots=True)
class RemoteFeed:
    id: str  # the server's id for the feed
    url: str  # the feed's own URL
    title: str = ""
    site: str = ""
    folders: list[str] = field(default_factory=list)  # become the local feed's tags


@dataclass(slots=True)
class RemoteItem:
    id: str  # the server's id for the item (as its id lists spell it)
    feed_id: str  # RemoteFeed.id
    title: str = ""
    url: str = ""
    author: str = ""
    html: str = ""
    summary: str = ""  # a separate teaser, when the server has one
    published: datetime | None = None
    categories: list[str] = field(default_factory=list)  # topics, not read/starred states
    read: bool = False
    starred: bool = False


@dataclass(slots=True)
class Page:
    """Items from one request, and where the next request starts (saved after each page, so a
    first sync of a large account that is cut off goes on from there)."""

    items: list[RemoteItem]
    cursor: str  # opaque to the engine; "" before the first page
    total: int | None = None  # items in the whole listing, when the server says


class Client(Protocol):
    """One account on one server. Every call may raise `SyncError` (`AuthError` for refused
    credentials); none is made before `login`."""

    def login(self) -> None: ...

    def feeds(self) -> list[RemoteFeed]: ...

    def unread_ids(self) -> set[str]: ...

    def starred_ids(self) -> set[str]: ...

    def new_items(
        self, cursor: str, known: set[str] | frozenset[str] = frozenset()
    ) -> Iterator[Page]:
        """Items this cache has not seen: after `cursor` ("": everything the server keeps),
        or all but `known` where the protocol lists every id; each page carries the cursor to
        save after it."""
        ...

    def items(self, ids: Iterable[str]) -> list[RemoteItem]:
        """The items with these ids (unread or starred ones this cache has not seen)."""
        ...

    def mark(
        self, ids: Iterable[str], *, read: bool | None = None, starred: bool | None = None
    ) -> None: ...

    def close(self) -> None: ...
