"""The Library: the cache in memory (feeds, articles), its indexes, and the commits that
keep them current. The orders and counts over the articles (counts.py) and the changes to
what it holds (subscriptions.py) are mixed in; the marks are marks.py's, ingest is ingest/."""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsreader import image_cache
from newsreader.collector import paused
from newsreader.config import Retention, Settings, load_settings
from newsreader.feed_urls import LibraryError
from newsreader.filters import Rule, rules_from
from newsreader.i18n import N_
from newsreader.indexes.fulltext import TermIndex
from newsreader.indexes.on_disk import index_for, sync_or_recover
from newsreader.indexes.related import Related, RelatedIndex
from newsreader.indexes.search import SearchIndex
from newsreader.lead_once import drop_repeated_lead
from newsreader.library.counts import Counts
from newsreader.library.subscriptions import Subscriptions
from newsreader.models import Article, Feed, merge_tags, sort_newest_first
from newsreader.paths import Dirs, resolve_dirs
from newsreader.queries import SavedSearches
from newsreader.store import Batch, CommitResult, Snapshot, Store
from newsreader.to_markdown import article_markdown


@dataclass(slots=True)
class Library(Counts, Subscriptions):
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
        if ref.isdecimal():
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
