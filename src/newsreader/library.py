"""The engine's service object: the cache in memory, its indexes, and every user operation.

The CLI and the TUI talk to the engine only through a `Library`. It owns the `Store` (disk), the
in-memory feeds and articles, the related-stories and search indexes, and keeps them current
after every commit. Nothing here imports textual; blocking calls are the caller's to put in a
worker.

Why a little over 400 lines: it is the one service object (feeds, articles, indexes, commits);
writes of marks (marks.py), ingest (ingest/), the indexes (indexes/), the rules for tags
(tagging.py) and for subscribable URLs (feed_urls.py) already live apart.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

from newsreader import image_cache, tagging
from newsreader.collector import paused
from newsreader.config import FULL_TEXT_MODES, Retention, Settings, load_settings
from newsreader.feed_urls import LibraryError, normalise_feed_url
from newsreader.filters import Rule, rules_from
from newsreader.i18n import N_
from newsreader.indexes.fulltext import TermIndex
from newsreader.indexes.on_disk import index_for, sync_or_recover
from newsreader.indexes.related import Related, RelatedIndex
from newsreader.indexes.search import SearchIndex
from newsreader.lead_once import drop_repeated_lead
from newsreader.models import Article, Feed, merge_tags, sort_newest_first, tag_key
from newsreader.opml import AddedFeeds, Skipped
from newsreader.paths import Dirs, resolve_dirs
from newsreader.queries import SavedSearches
from newsreader.sanitize import clean_line
from newsreader.store import Batch, CommitResult, Snapshot, Store, StoreError
from newsreader.to_markdown import article_markdown


@dataclass(slots=True)
class TagCount:
    tag: str
    total: int = 0
    unread: int = 0
    user: bool = False  # the user's own (on some feed's `Feed.tags`), else a feed's category
    key: str = ""  # tag_key(tag), when the maker knows it


@dataclass(slots=True)
class Library:
    dirs: Dirs
    settings: Settings
    store: Store
    feeds: dict[str, Feed] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Built on first use: `refresh`, `list` and `unread` never need them, and building both
    # costs more than loading the cache itself.
    _related: RelatedIndex | None = None
    _search: SearchIndex | None = None
    _terms: TermIndex | None = None  # the search index on disk (search.sqlite), synced on use
    _ordered: tuple[int, list[Article]] | None = None  # (version, every article newest first)
    _order_version: int = 0  # bumped whenever articles come, go or change
    # (version, tag uses by spelling, articles per feed) over every article, read or not
    _totals: tuple[int, Counter[str], Counter[str], list[str]] | None = None
    revision: int = 0  # bumped when the article objects are replaced (a reload)
    search_version: int = 0  # bumped when a sync changed the search index
    _saved: SavedSearches | None = None
    _rules: list[Rule] | None = None
    # One related-index build at a time: the screen's index worker and an article's worker
    # both ask for it at start; each had built its own (twice the CPU and memory).
    _related_lock: threading.Lock = field(default_factory=threading.Lock)

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(
        cls, data_dir: str | os.PathLike[str] | None = None, settings: Settings | None = None
    ) -> Library:
        """Open (or create) the cache: clean, migrate, load, and build the indexes."""
        dirs = resolve_dirs(data_dir)
        if settings is None:
            settings = load_settings(dirs.config_file)
        try:
            dirs.data.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(
                N_("cannot create data dir {data}: {strerror}").format(
                    data=dirs.data, strerror=exc.strerror
                )
            ) from None
        store = Store(Path(dirs.data))
        with paused():  # ~10 objects per article, no cycles among them (collector.py)
            warnings = store.open()
            lib = cls(dirs=dirs, settings=settings, store=store, warnings=list(warnings))
            lib._load()
        return lib

    @property
    def read_only(self) -> bool:
        """The cache folder cannot be written: everything reads, changes stay in memory."""
        return self.store.read_only

    def _load(self) -> None:
        self.adopt(self.store.load())

    def load_if_changed(self) -> Snapshot | None:
        """Another process committed? Then the new state, read in the caller's thread."""
        if self.store.disk_generation() == self.store.generation:
            return None
        return self.store.load()

    def adopt(self, snap: Snapshot) -> None:
        """Swap in a loaded state (on the thread that owns the in-memory state)."""
        self.revision += 1
        self._order_version += 1
        self.feeds = snap.feeds
        self.articles = snap.articles
        self._related = None

    @property
    def related_index(self) -> RelatedIndex:
        index = self._related
        if index is not None:
            return index
        with self._related_lock:
            index = self._related
            if index is None:
                articles = self.articles
                index = RelatedIndex(articles, self.feed_title, self._user_feed_tags)
                index.add_many(list(articles.values()))  # a copy: the UI may add meanwhile
                if self.articles is articles:  # not replaced by a reload meanwhile
                    self._related = index
        return index

    @property
    def related_ready(self) -> bool:
        """The related index is built: asking for related stories will not build it."""
        return self._related is not None

    @property
    def search_index(self) -> SearchIndex:
        """Queries over the term index on disk; `sync_search` brings it up to date."""
        if self._search is None:
            self._terms = index_for(self.store.root, writable=not self.read_only)
            self._search = SearchIndex(
                self.articles,
                self.feed_title,
                index=self._terms,
                live=lambda: self.articles,
                ordered=self._newest_first_cached,
            )
        return self._search

    def sync_search(self) -> int:
        """Index what changed in the cache since the search index was last brought up to date
        (any process's commits); returns the number of articles indexed. Cheap when nothing
        changed (the manifest against one table); the UI calls it in a worker after commits."""
        search = self.search_index
        assert self._terms is not None
        result, index = sync_or_recover(self._terms, self.store.root)
        if index is not self._terms:
            self._terms = search.index = index
            self.search_version += 1
        if result.indexed or result.removed:
            self.search_version += 1
        self.warnings += index.warnings
        index.warnings.clear()
        return result.indexed

    @property
    def filter_rules(self) -> list[Rule]:
        """`[[filters]]` of the config (filters.py); warnings for the ones that make no sense."""
        if self._rules is None:
            self._rules = rules_from(self.settings.filters, self.warnings)
        return self._rules

    @property
    def saved(self) -> SavedSearches:
        """The saved searches (queries.py)."""
        if self._saved is None:
            self._saved = SavedSearches(self)
        return self._saved

    def build_indexes(self) -> None:
        """Build the related index and bring the search index up to date (the UI does it in a
        worker at start)."""
        self.related_index  # noqa: B018 - property builds on access
        self.sync_search()

    def close(self) -> None:
        if self._terms is not None:
            self._terms.close()
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- reading

    def _user_feed_tags(self, feed_id: str) -> list[str]:
        feed = self.feeds.get(feed_id)
        return feed.tags if feed else []

    def feed_title(self, feed_id: str) -> str:
        feed = self.feeds.get(feed_id)
        return feed.display_title if feed else ""

    def sorted_feeds(self) -> list[Feed]:
        return sorted(self.feeds.values(), key=lambda f: (f.display_title.casefold(), f.id))

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

    def find_article(self, ref: str) -> Article:
        """An article by id or unambiguous id prefix."""
        ref = ref.strip()
        if ref in self.articles:
            return self.articles[ref]
        matches = [a for i, a in self.articles.items() if i.startswith(ref)] if ref else []
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise LibraryError(N_("no article with id {ref}").format(ref=repr(ref)))
        raise LibraryError(
            N_("article id {ref} is ambiguous ({n_matches} match)").format(
                ref=repr(ref), n_matches=len(matches)
            )
        )

    def find_feed(self, ref: str) -> Feed:
        """A feed by id, id prefix, URL, title (case-insensitive) or its number in `list`."""
        ref = ref.strip()
        if ref in self.feeds:
            return self.feeds[ref]
        by_url = [f for f in self.feeds.values() if f.url == ref]
        if by_url:
            return by_url[0]
        if ref.isdigit():
            ordered = self.sorted_feeds()
            if 1 <= int(ref) <= len(ordered):
                return ordered[int(ref) - 1]
        folded = ref.casefold()
        for candidates in (
            [f for f in self.feeds.values() if f.display_title.casefold() == folded],
            [f for f in self.feeds.values() if f.id.startswith(ref)] if ref else [],
        ):
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                raise LibraryError(
                    N_("{ref} matches {n_candidates} feeds; use its id").format(
                        ref=repr(ref), n_candidates=len(candidates)
                    )
                )
        raise LibraryError(N_("no feed {ref} (see `newsreader list`)").format(ref=repr(ref)))

    def body_html(self, article: Article) -> str:
        return self.store.body(article.feed_id, article.id)

    def image_file(self, url: str) -> Path | None:
        """The cached file of an article image (ingest/images.py kept it), if any."""
        return image_cache.cached_path(Path(self.dirs.data), url)

    def body_markdown(self, article: Article) -> str:
        """The article body as Markdown, converted from the stored HTML when first shown."""
        html = drop_repeated_lead(self.body_html(article), article.lead)
        return article_markdown(html, article.link) if html else ""

    def related(self, article: Article, k: int = 5) -> list[Related]:
        return self.related_index.related(article.id, k)

    def coverage(self, article: Article, k: int = 8) -> list[Article]:
        """The same story from other feeds ("also reported by"), copies first."""
        ids = self.related_index.coverage(article.id, k)
        return [self.articles[i] for i in ids if i in self.articles]

    def copies(self, article: Article) -> list[Article]:
        """The same article again (same link, or same headline within two days), any feed."""
        return [
            self.articles[i] for i in self.related_index.copies(article.id) if i in self.articles
        ]

    def copy_map(self) -> Mapping[str, list[str]]:
        """`copies` of every article that has any, as ids, worked out per article when asked
        (indexes/related/copies.py): what folding the headline list reads."""
        return self.related_index.copy_map()

    def story_groups(self) -> dict[str, list[str]]:
        """Every article's same-story group (copies, and other feeds' reports of the event),
        newest first decides which article heads a group: id -> the other members' ids."""
        ordered = sort_newest_first(list(self.articles.values()))
        return self.related_index.stories(a.id for a in ordered)

    def search(self, query: str, limit: int | None = None, *, sync: bool = True) -> list[Article]:
        """Articles matching `query`, newest first; marks are this library's. `sync`: bring the
        index up to date first (a no-op unless some process committed since); the UI passes
        False and syncs in a worker after commits instead."""
        if sync:
            self.sync_search()
        found = self.search_index.find(query, limit=limit)
        if found is not None:
            return found
        ids = self.search_index.search(query, limit=limit)
        return [self.articles[i] for i in ids if i in self.articles]

    # ----------------------------------------------------------------- writing

    def commit(self, batch: Batch) -> CommitResult:
        """Write a batch and bring memory and indexes up to date with it."""
        before, result = self.write(batch)
        self.absorb(batch, result, before)
        return result

    def write(self, batch: Batch) -> tuple[int, CommitResult]:
        """The disk half of `commit` (safe in a worker thread: touches no in-memory state).

        Returns the generation seen before writing and the result; hand both to `absorb` on the
        thread that owns the in-memory state (the UI's), so readers there never see a dict
        change under them.
        """
        before = self.store.generation
        if batch.retention is None:
            batch.retention = self._retention
        return before, self.store.commit(batch)

    async def commit_async(self, batch: Batch) -> CommitResult:
        """`commit` with the disk write in a thread and the in-memory update on this loop."""
        before, result = await asyncio.to_thread(self.write, batch)
        self.absorb(batch, result, before)
        return result

    def absorb(self, batch: Batch, result: CommitResult, before: int) -> None:
        """The in-memory half of `commit`."""
        if result.generation != before + 1:
            # Another process committed in between: the store merged on disk; reload all.
            self._load()
        else:
            self._apply(batch, result)

    def _retention(self, feed_id: str) -> Retention:
        feed = self.feeds.get(feed_id)
        return self.settings.retention_for(feed_id, feed.url if feed else "")

    def _apply(self, batch: Batch, result: CommitResult) -> None:
        if batch.articles or batch.removed_feeds or result.pruned or batch.removed_articles:
            self._order_version += 1
        for feed_id in batch.removed_feeds:
            self.feeds.pop(feed_id, None)
            gone = [i for i, a in self.articles.items() if a.feed_id == feed_id]
            self._drop(gone)
        for feed in batch.feeds:
            self.feeds[feed.id] = feed
        changed: list[Article] = []
        for art in batch.articles:
            old = self.articles.get(art.id)
            if old is not None:
                art.read, art.starred, art.first_seen = old.read, old.starred, old.first_seen
                if old.own_tags and not art.own_tags:  # the store kept them: so does memory
                    art.own_tags = list(old.own_tags)
                    art.tags = merge_tags(art.tags, art.own_tags)
            self.articles[art.id] = art
            changed.append(art)
        for article_id, own in batch.article_tags.items():
            tagged = self.articles.get(article_id)
            if tagged is not None:
                before_own = {t.casefold() for t in tagged.own_tags}
                base = [t for t in tagged.tags if t.casefold() not in before_own]
                tagged.own_tags = list(own)
                tagged.tags = merge_tags(base, own)
                changed.append(tagged)
        if batch.article_tags:
            self._totals = None  # tag counts follow; the order is the same
        if changed and self._related is not None:
            self._related.add_many(changed)
        self._drop(result.pruned)
        for article_id, value in batch.read.items():
            if article_id in self.articles:
                self.articles[article_id].read = value
        for article_id, value in batch.starred.items():
            if article_id in self.articles:
                self.articles[article_id].starred = value

    def _drop(self, ids: Iterable[str]) -> None:
        for article_id in ids:
            if self.articles.pop(article_id, None) is not None and self._related is not None:
                self._related.remove(article_id)

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

    # ----------------------------------------------------------------- the user's tags

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


__all__ = [
    "CommitResult",
    "Library",
    "LibraryError",
    "Snapshot",
    "StoreError",
    "TagCount",
    "normalise_feed_url",
]


def _tags_of(articles: list[Article]) -> Counter[str]:
    # Counted by spelling in C, then merged by key: 100,000 tag uses, far fewer spellings.
    return Counter(chain.from_iterable(a.tags for a in articles))


def _feeds_of(articles: list[Article]) -> Counter[str]:
    return Counter(a.feed_id for a in articles)
