"""Marks: read and starred, changed in one place for the reader and the CLI alike.

A change shows at once (the Article objects in memory are the truth the panes draw from) and is
written behind: queued changes go to the store in one batch, and changes made while a write is
in flight wait for the next one, so a burst of keys costs one write. A write that fails (disk
full, folder gone, lock held) keeps the changes queued and says why once; the caller retries
every RETRY_INTERVAL seconds and drains the queue on exit and on signals. On a read-only cache
nothing is written: the marks last for the session.

Order is kept: a flush never runs while a write is in flight (`drain` waits for it), so an older
batch can never land after a newer change to the same article (star, unstar, quit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from newsreader.library import Library
from newsreader.models import Article, newest_first_key
from newsreader.store import Batch, CommitResult, StoreError

RETRY_INTERVAL = 3.0  # seconds between tries while writes fail


class Written(StrEnum):
    """What a write of the queue did; the value is the word a status line may show."""

    NOTHING = "nothing"  # the queue was empty, or another write is running
    SAVED = "saved"
    FAILED = "failed"  # kept queued: `error` says why
    READ_ONLY = "read-only"  # kept in memory for the session


@dataclass(slots=True)
class WriteResult:
    outcome: Written
    results: list[CommitResult]
    error: str | None = None


class Marks:
    """The write-behind queue of read and starred changes over one Library."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._pending = Batch()
        self._writing = False
        self.error: str | None = None  # the last write's failure, until a write succeeds

    @property
    def pending(self) -> bool:
        return not self._pending.is_empty()

    @property
    def writing(self) -> bool:
        return self._writing

    def reapply(self) -> None:
        """After the library reloaded from disk: queued changes are not there yet, so put them
        on the fresh Article objects again (they are still what the user sees)."""
        articles = self.library.articles
        for article_id, read in self._pending.read.items():
            if article_id in articles:
                articles[article_id].read = read
        for article_id, starred in self._pending.starred.items():
            if article_id in articles:
                articles[article_id].starred = starred

    # ------------------------------------------------------------------ changes

    def set_read(self, articles: Iterable[Article], read: bool = True) -> list[Article]:
        """Mark articles read or unread; the ones that changed."""
        changed = [a for a in articles if a.read != read]
        for article in changed:
            article.read = read
            self._pending.read[article.id] = read
        return changed

    def set_starred(self, articles: Iterable[Article], starred: bool) -> list[Article]:
        changed = [a for a in articles if a.starred != starred]
        for article in changed:
            article.starred = starred
            self._pending.starred[article.id] = starred
        return changed

    def toggle_star(self, article: Article) -> bool:
        """Star or unstar; the new state."""
        self.set_starred([article], not article.starred)
        return article.starred

    # ------------------------------------------------------------------ writing

    async def write(self) -> WriteResult:
        """Write the queue, batch after batch, until it is empty or a write fails (the event
        loop stays free: the disk work runs in a thread). One write at a time."""
        if self._writing or not self.pending:
            return WriteResult(Written.NOTHING, [])
        if self.library.read_only:
            return WriteResult(Written.READ_ONLY, [])
        self._writing = True
        results: list[CommitResult] = []
        try:
            while self.pending:
                batch, self._pending = self._pending, Batch()
                try:
                    results.append(await self.library.commit_async(batch))
                except StoreError as exc:
                    self._requeue(batch)
                    self.error = str(exc)
                    return WriteResult(Written.FAILED, results, self.error)
            self.error = None
            return WriteResult(Written.SAVED, results)
        finally:
            self._writing = False

    def save(self) -> None:
        """Write the queue now, on this thread (the CLI; quitting); StoreError when it cannot,
        with the changes still queued. Read-only: nothing to do."""
        if not self.pending or self.library.read_only:
            return
        batch, self._pending = self._pending, Batch()
        try:
            self.library.commit(batch)
        except StoreError as exc:
            self._requeue(batch)
            self.error = str(exc)
            raise
        self.error = None

    def flush(self) -> str | None:
        """`save`, with the error as text (quitting, after `drain` waited for a write in
        flight)."""
        try:
            self.save()
        except StoreError as exc:
            return str(exc)
        return None

    async def drain(self, timeout: float | None = None) -> str | None:
        """Wait for the write in flight, then `flush` the rest; the error, if any."""
        if timeout is None:
            timeout = self.library.store.lock_timeout + 5
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._writing:
            if loop.time() > deadline:
                return "a write did not finish in time"
            await asyncio.sleep(0.02)
        return self.flush()

    def _requeue(self, batch: Batch) -> None:
        """Put a failed batch back under the changes queued since (newer ones win)."""
        batch.read.update(self._pending.read)
        batch.starred.update(self._pending.starred)
        self._pending = batch


def around(articles: Sequence[Article], article_id: str, *, newer: bool) -> list[Article]:
    """The articles listed before (`newer`: above, in a newest-first list) or after (below)
    the one with `article_id`; [] when it is not listed. What "mark above/below read" marks."""
    for i, art in enumerate(articles):
        if art.id == article_id:
            return list(articles[:i] if newer else articles[i + 1 :])
    return []


def choose(
    library: Library,
    query: str = "",
    *,
    older_than: str | None = None,
    newer_than: str | None = None,
) -> list[Article]:
    """The articles a query finds (every article without one), newest first; with
    `older_than`/`newer_than` (an article id, a unique prefix is enough) only those below or
    above that article in that list. LibraryError for an unknown or ambiguous id."""
    listed = library.search(query) if query.strip() else library.newest_first()
    if older_than is not None:  # below it in the newest-first order (found by the query or not)
        key = newest_first_key(library.find_article(older_than))
        listed = [a for a in listed if newest_first_key(a) > key]
    if newer_than is not None:
        key = newest_first_key(library.find_article(newer_than))
        listed = [a for a in listed if newest_first_key(a) < key]
    return listed
