"""The engine's service object: the cache in memory, its indexes, and every user operation.

The CLI and the TUI talk to the engine only through a `Library`. It owns the `Store` (disk), the
in-memory feeds and articles, the related-stories and search indexes, and keeps them current
after every commit. Nothing here imports textual; blocking calls are the caller's to put in a
worker.

By job: `core` (opening, loading, the indexes, reading, commits), `counts` (orders and counts
over every article), `subscriptions` (feeds added and removed, full text, the user's tags).
Marks are written by marks.py, ingest is ingest/, the indexes live in indexes/.
"""

from newsreader.feed_urls import LibraryError, normalise_feed_url
from newsreader.library.core import Library
from newsreader.library.counts import TagCount
from newsreader.store import CommitResult, Snapshot, StoreError

__all__ = [
    "CommitResult",
    "Library",
    "LibraryError",
    "Snapshot",
    "StoreError",
    "TagCount",
    "normalise_feed_url",
]
