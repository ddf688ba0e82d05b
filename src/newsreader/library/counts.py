"""Orders and counts over every article: newest first, unread, per feed and per tag, each
worked out once per change to the articles (marking one read recounts the smaller side)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

from newsreader.models import Article, Feed, merge_tags, sort_newest_first, tag_key


@dataclass(slots=True)
class TagCount:
    tag: str
    total: int = 0
    unread: int = 0
    user: bool = False  # the user's own (on some feed's `Feed.tags`), else a feed's category
    key: str = ""  # tag_key(tag), when the maker knows it


class Counts:
    """The Library's orders and counts (mixed into Library, whose state they read)."""

    if TYPE_CHECKING:
        feeds: dict[str, Feed]
        articles: dict[str, Article]
        _ordered: tuple[int, list[Article]] | None
        _order_version: int
        _totals: tuple[int, Counter[str], Counter[str], list[str]] | None
    else:  # no __dict__ on Library (its dataclass has slots); hidden from mypy, which
        # would refuse the Library's own slots assigned here
        __slots__ = ()

    def _newest_first_cached(self) -> list[Article]:
        """Every article newest first, sorted once per change (search's "everything but"
        queries walk it instead of 100,000 index rows). Callers must not change it."""
        version = self._order_version
        cached = self._ordered
        if cached is None or cached[0] != version:
            cached = (version, sort_newest_first(list(self.articles.values())))
            if version == self._order_version:
                self._ordered = cached
        return cached[1]

    def newest_first(self, articles: Iterable[Article] | None = None) -> list[Article]:
        if articles is None:  # every article: the list sorted once per change, copied
            return list(self._newest_first_cached())
        return sort_newest_first(articles)

    def unread(self) -> list[Article]:
        return [a for a in self._newest_first_cached() if not a.read]

    def unread_counts(self) -> Counter[str]:
        """Unread articles per feed id."""
        return self._unread(self._all_counts()[1], _feeds_of)

    def _all_counts(self) -> tuple[Counter[str], Counter[str]]:
        """Tag uses by spelling and articles per feed, over every article: counted once per
        change to the articles (marks do not change them)."""
        version = self._order_version
        cached = self._totals
        if cached is None or cached[0] != version:
            arts = list(self.articles.values())
            own = merge_tags(*(a.own_tags for a in arts if a.own_tags))
            cached = (version, _tags_of(arts), _feeds_of(arts), own)
            if version == self._order_version:
                self._totals = cached
        return cached[1], cached[2]

    def _own_tags(self) -> list[str]:
        """Every tag the user put on some article (counted with the totals, once per change)."""
        self._all_counts()
        return self._totals[3] if self._totals is not None else []

    def _unread(
        self, totals: Counter[str], count: Callable[[list[Article]], Counter[str]]
    ) -> Counter[str]:
        """Counts over the unread articles, from whichever side is smaller: the unread ones
        themselves, or every article's (counted once per change) less the read ones. Marking
        one article read in a cache of 100,000 recounts one side, not the whole cache."""
        arts = self.articles.values()
        read = [a for a in arts if a.read]
        if len(read) * 2 > len(self.articles):
            return count([a for a in arts if not a.read])
        unread = totals.copy()
        unread.subtract(count(read))
        return +unread  # without the zeros, as counting the unread ones gives

    def tag_counts(self) -> list[TagCount]:
        """Every tag with its article and unread counts, spelled as first seen; the user's own
        tags are marked, spelled as the user did, and listed even while no article has them."""
        totals = self._all_counts()[0]
        unread = self._unread(totals, _tags_of)
        counts: dict[str, TagCount] = {}
        for tag, total in totals.items():
            key = tag_key(tag)
            entry = counts.get(key)
            if entry is None:
                entry = counts[key] = TagCount(tag, key=key)
            entry.total += total
            entry.unread += unread[tag]
        for tag in [t for feed in self.feeds.values() for t in feed.tags] + self._own_tags():
            key = tag_key(tag)
            entry = counts.setdefault(key, TagCount(tag, key=key))
            if not entry.user:
                entry.tag, entry.user = tag, True
        return list(counts.values())

    def with_tag(self, tag: str) -> list[Article]:
        key = tag_key(tag)
        return [a for a in self._newest_first_cached() if any(tag_key(t) == key for t in a.tags)]


def _tags_of(articles: list[Article]) -> Counter[str]:
    # Counted by spelling in C, then merged by key: 100,000 tag uses, far fewer spellings.
    return Counter(chain.from_iterable(a.tags for a in articles))


def _feeds_of(articles: list[Article]) -> Counter[str]:
    return Counter(a.feed_id for a in articles)
