"""Changing what the library holds: subscribing (one URL, an OPML import, the demo's feeds),
unsubscribing, a feed's full-text setting, and the user's tags on feeds and articles. Each
change is one commit, so the articles follow their feed's tags in the same write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from newsreader import tagging
from newsreader.config import FULL_TEXT_MODES
from newsreader.feed_urls import LibraryError, normalise_feed_url
from newsreader.i18n import N_
from newsreader.models import Article, Feed, merge_tags
from newsreader.opml import AddedFeeds, Skipped
from newsreader.sanitize import clean_line
from newsreader.store import Batch, CommitResult


class Subscriptions:
    """Subscribing and tagging (mixed into Library, whose state and commits they use)."""

    if TYPE_CHECKING:
        feeds: dict[str, Feed]
        articles: dict[str, Article]

        def commit(self, batch: Batch) -> CommitResult: ...

        async def commit_async(self, batch: Batch) -> CommitResult: ...
    else:  # no __dict__ on Library (its dataclass has slots); hidden from mypy, which
        # would refuse the Library's own slots assigned here
        __slots__ = ()

    def add_feed(
        self, url: str, *, tags: Iterable[str] = (), title: str = "", account: str = ""
    ) -> Feed:
        """Subscribe to `url`; with `account`, on that feed-server account at its next sync
        (until then the feed waits, unfetched: sync/engine.py)."""
        url = normalise_feed_url(url)
        if any(f.url == url for f in self.feeds.values()):
            raise LibraryError(N_("already subscribed: {url}").format(url=url))
        feed = Feed.new(url, title=clean_line(title), tags=[clean_line(t, 80) for t in tags])
        feed.account = account
        while feed.id in self.feeds:  # the id of a removed-and-re-added URL is taken
            feed.id = feed.id[:-1] + format((int(feed.id[-1], 16) + 1) % 16, "x")
        self.commit(Batch(feeds=[feed]))
        return feed

    def add_feeds(self, entries: Iterable[tuple[str, str, list[str]]]) -> AddedFeeds:
        """Subscribe to many feeds at once (OPML import). Each entry ends up in exactly one list
        of the result: added, already subscribed (new tags merged in), or skipped with the
        reason (a URL `add_feed` would refuse, or the same feed as an earlier entry). Unpacks as
        `(added, not added)` too."""
        result = AddedFeeds()
        existing = {f.url: f for f in self.feeds.values()}
        taken = set(self.feeds)
        fresh: dict[str, Feed] = {}
        changed: dict[str, Feed] = {}
        for url, title, tags in entries:
            try:
                url = normalise_feed_url(url)
            except LibraryError as exc:
                reason = str(exc).partition(": ")[0]
                result.skipped.append(Skipped(clean_line(url, 200), clean_line(title, 60), reason))
                continue
            feed = existing.get(url)
            if feed is not None:
                merged = merge_tags(feed.tags, tags)
                if merged != feed.tags:
                    feed.tags = merged
                    changed[feed.id] = feed
                result.already.append(url)
                continue
            feed = fresh.get(url)
            if feed is not None:  # `feed:` and `http:`, a path and its file: URL ...
                feed.tags = merge_tags(feed.tags, tags)
                reason = N_("the same feed as an earlier entry (its tags were added to it)")
                result.skipped.append(Skipped(url, clean_line(title, 60), reason))
                continue
            feed = Feed.new(url, title=clean_line(title), tags=tags)
            while feed.id in taken:  # the id of a feed whose URL has since changed
                feed.id = feed.id[:-1] + format((int(feed.id[-1], 16) + 1) % 16, "x")
            taken.add(feed.id)
            fresh[url] = feed
            result.added.append(feed)
        batch = [*changed.values(), *fresh.values()]
        if batch:
            self.commit(Batch(feeds=batch))
        return result

    def subscribe(self, feeds: Iterable[Feed]) -> int:
        """Subscribe to ready-made feeds (the demo's, with ids of their own) that are not there
        yet, by id or URL; returns how many were added."""
        known = {f.url for f in self.feeds.values()}
        new = [f for f in feeds if f.id not in self.feeds and f.url not in known]
        if new:
            self.commit(Batch(feeds=new))
        return len(new)

    def remove_feed(self, feed: Feed) -> None:
        self.commit(Batch(removed_feeds=[feed.id]))

    def set_full_text(self, feed: Feed, mode: str) -> Feed:
        """The feed's own full-text setting ("auto", "always", "never"; "" for the config's)."""
        feed = self._with_full_text(feed, mode)
        self.commit(Batch(feeds=[feed]))
        return feed

    async def set_full_text_async(self, feed: Feed, mode: str) -> Feed:
        """`set_full_text` with the disk write in a thread (the reader)."""
        feed = self._with_full_text(feed, mode)
        await self.commit_async(Batch(feeds=[feed]))
        return feed

    @staticmethod
    def _with_full_text(feed: Feed, mode: str) -> Feed:
        if mode and mode not in FULL_TEXT_MODES:
            raise LibraryError(
                N_("full text must be one of {x0}").format(x0=", ".join(FULL_TEXT_MODES))
            )
        return replace(feed, full_text=str(mode))

    def tag_feed(self, feed: Feed, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Feed:
        """Add and remove the feed's tags; its articles follow in the same commit."""
        return self._retag(tagging.retag_feed(feed, self._articles_of(feed.id), add, remove))

    def set_feed_tags(self, feed: Feed, tags: Iterable[str]) -> Feed:
        """The feed's tags are now `tags` (the reader's edit box); its articles follow."""
        return self._retag(tagging.set_feed_tags(feed, self._articles_of(feed.id), tags))

    async def set_feed_tags_async(self, feed: Feed, tags: Iterable[str]) -> Feed:
        """`set_feed_tags` with the disk write in a thread (the reader)."""
        batch = tagging.set_feed_tags(feed, self._articles_of(feed.id), tags)
        await self.commit_async(batch)
        return batch.feeds[0]

    def rename_tag(self, old: str, new: str) -> int:
        """Rename one of the user's tags on every feed that has it; the number of feeds."""
        batch = self._rename_batch(old, new)
        if batch.feeds:
            self.commit(batch)
        return len(batch.feeds)

    async def rename_tag_async(self, old: str, new: str) -> int:
        batch = self._rename_batch(old, new)
        if batch.feeds:
            await self.commit_async(batch)
        return len(batch.feeds)

    def _rename_batch(self, old: str, new: str) -> Batch:
        by_feed: dict[str, list[Article]] = {}
        for article in self.articles.values():
            by_feed.setdefault(article.feed_id, []).append(article)
        return tagging.rename_tag(list(self.feeds.values()), by_feed, old, new)

    def tag_article(
        self, article: Article, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[str]:
        """Add and remove the user's own tags on one article; returns the tags it could not
        remove (the feed's or the item's own categories)."""
        batch, kept = tagging.article_tags_batch(article, add, remove)
        self.commit(batch)
        return kept

    async def tag_article_async(
        self, article: Article, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[str]:
        batch, kept = tagging.article_tags_batch(article, add, remove)
        await self.commit_async(batch)
        return kept

    def _articles_of(self, feed_id: str) -> list[Article]:
        return [a for a in self.articles.values() if a.feed_id == feed_id]

    def _retag(self, batch: Batch) -> Feed:
        self.commit(batch)
        return batch.feeds[0]
