"""View: which headline list is shown (all, unread, starred, a tag, a feed, a search, a saved
search).

A value, not a string to slice: the tag pane, the main screen and the history pass Views
around; `key` is the one string form (the tag pane's row ids: "tag:Politik", "feed:ID").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class ViewKind(StrEnum):
    ALL = "all"
    UNREAD = "unread"
    STARRED = "starred"
    TAG = "tag"
    FEED = "feed"
    SEARCH = "search"
    QUERY = "query"  # a saved search, by name


_PLAIN = (ViewKind.ALL, ViewKind.UNREAD, ViewKind.STARRED)


@dataclass(frozen=True, slots=True)
class View:
    kind: ViewKind
    value: str = ""  # the tag, the feed id or the query; "" for the plain lists

    ALL: ClassVar[View]
    UNREAD: ClassVar[View]
    STARRED: ClassVar[View]

    @classmethod
    def tag(cls, tag: str) -> View:
        return cls(ViewKind.TAG, tag)

    @classmethod
    def feed(cls, feed_id: str) -> View:
        return cls(ViewKind.FEED, feed_id)

    @classmethod
    def search(cls, query: str) -> View:
        return cls(ViewKind.SEARCH, query)

    @classmethod
    def query(cls, name: str) -> View:
        return cls(ViewKind.QUERY, name)

    @classmethod
    def from_key(cls, key: str) -> View:
        """The View whose `key` this is; ValueError for anything else."""
        kind, sep, value = key.partition(":")
        if not sep:
            plain = ViewKind(key)
            if plain not in _PLAIN:
                raise ValueError(f"not a view: {key!r}")
            return cls(plain)
        found = ViewKind(kind)
        if found in _PLAIN:
            raise ValueError(f"not a view: {key!r}")
        return cls(found, value)

    @property
    def key(self) -> str:
        return self.kind.value if self.kind in _PLAIN else f"{self.kind.value}:{self.value}"

    def __str__(self) -> str:
        return self.key


View.ALL = View(ViewKind.ALL)
View.UNREAD = View(ViewKind.UNREAD)
View.STARRED = View(ViewKind.STARRED)
