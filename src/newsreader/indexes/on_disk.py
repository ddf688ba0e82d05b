"""Searching a cache from a fresh process without loading it (the CLI's `search`).

`Library.open` reads every article of the cache (about 1.5 s at 100,000); a query needs only
the term index (search.sqlite, synced here for the feeds that changed since it was last used),
the feed titles, and the articles it returns: those feeds' files are read on demand. Readers
take no lock (store/peek.py); a file deleted under us by another process's commit means a newer
manifest, and the query runs again on it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from newsreader.indexes.fulltext import FILE_NAME, TermIndex
from newsreader.indexes.search import SearchIndex
from newsreader.indexes.search_sync import SyncResult, sync
from newsreader.models import Article
from newsreader.store import peek

_ATTEMPTS = 3


class Unavailable(Exception):
    """This cache cannot be searched this way (none yet, an older layout, damage): open it."""


def index_for(root: Path, *, writable: bool = True) -> TermIndex:
    """The term index of the cache in `root` (in memory when the folder cannot be written)."""
    return TermIndex(Path(root) / FILE_NAME if writable else None)


def sync_or_recover(index: TermIndex, root: Path) -> tuple[SyncResult, TermIndex]:
    """`sync`, surviving a damaged index file (moved aside, rebuilt) and a folder that cannot
    be written (the index is then kept in memory for this process). Returns the index to use."""
    try:
        return sync(index, root), index
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or index.path is None:
            raise
        memory = index_for(root, writable=False)
        memory.warnings.append(
            f"search index cannot be written ({exc}); searching from memory this time"
        )
        index.close()
        return sync(memory, root), memory
    except sqlite3.DatabaseError as exc:
        index.recover(exc)
        return sync(index, root), index


class CacheSearch:
    """One process's view of a cache for queries; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.warnings: list[str] = []
        self._titles: dict[str, str] = {}
        self._loaded: dict[str, Article] = {}  # the articles of the feeds read so far
        self._feeds_loaded: set[str] = set()
        self._marks: dict[str, dict[str, tuple[bool, bool]]] = {}  # feed id -> its marks
        self._manifest: peek.Manifest | None = None
        # A folder we cannot write (a read-only mount): the index lives in memory this time.
        self.index = index_for(self.root, writable=os.access(self.root, os.W_OK))

    def feed_title(self, feed_id: str) -> str:
        return self._titles.get(feed_id, "")

    def search(self, query: str, limit: int | None = None) -> list[Article]:
        for _ in range(_ATTEMPTS):
            try:
                m = peek.manifest(self.root)
            except (OSError, peek.CorruptFile) as exc:
                raise Unavailable(str(exc)) from None
            if m is None:
                raise Unavailable("no cache of this version here")
            self._manifest = m
            self._loaded.clear()
            self._feeds_loaded.clear()
            self._marks.clear()
            try:
                self._titles = peek.feed_titles(self.root, m)
                self._sync()
                searcher = SearchIndex(
                    {},
                    self.feed_title,
                    index=self.index,
                    article=self._article,
                    marks=self._mark,
                )
                return [self._loaded[aid] for aid in searcher.search(query, limit=limit)]
            except FileNotFoundError:
                continue  # a commit replaced a file we were about to read: again, on it
            except peek.CorruptFile as exc:
                raise Unavailable(str(exc)) from None
        raise Unavailable("the cache kept changing while being searched")

    def _sync(self) -> None:
        result, self.index = sync_or_recover(self.index, self.root)
        self.warnings += self.index.warnings
        self.index.warnings.clear()
        if result.left:
            raise FileNotFoundError  # changed under us: run again on the newer manifest

    def _article(self, aid: str, feed_id: str) -> Article | None:
        if feed_id not in self._feeds_loaded:
            assert self._manifest is not None
            for art in peek.feed_articles(self.root, self._manifest, feed_id):
                self._loaded[art.id] = art
            self._feeds_loaded.add(feed_id)
        return self._loaded.get(aid)

    def _mark(self, aid: str, feed_id: str) -> tuple[bool, bool]:
        """(read, starred) from the feed's small marks file, not its articles."""
        marks = self._marks.get(feed_id)
        if marks is None:
            assert self._manifest is not None
            marks = self._marks[feed_id] = peek.feed_marks(self.root, self._manifest, feed_id)
        return marks.get(aid, (False, False))

    def close(self) -> None:
        self.index.close()
