"""Keeping the on-disk term index equal to the cache: per feed, O(what changed).

The index records, per feed, the generations of the article-index and body files it was made
from. A sync reads the manifest, and for each feed whose files changed reads them, hashes each
article (`fulltext.signature`) and re-indexes only the articles whose hash changed; feeds gone
from the cache leave the index. Every feed is one transaction, so a sync stopped at any point
(SIGKILL, power cut) leaves an index that is right for each feed it names, and the next sync
carries on. Several processes may sync at once: a feed another process brought up to date
meanwhile is skipped. A file deleted under us (a newer commit) leaves that feed for the next
sync; a damaged one for `Store.open` to repair.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsreader.indexes.fulltext import TermIndex, signature
from newsreader.indexes.search import doc_for
from newsreader.sanitize import search_text
from newsreader.store import peek


@dataclass(slots=True)
class SyncResult:
    feeds: int = 0  # feeds brought up to date
    indexed: int = 0  # articles (re)indexed
    removed: int = 0  # feeds dropped
    left: list[str] = field(default_factory=list)  # feeds to retry (changed under us, damaged)
    seconds: float = 0.0


def sync(
    index: TermIndex,
    root: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SyncResult:
    """Bring `index` up to date with the cache in `root`; `progress(done, total)` per feed."""
    started = time.perf_counter()
    result = SyncResult()
    m = peek.manifest(root)
    want = peek.generations(m) if m is not None else {}
    have = index.fed()
    gone = [fid for fid in have if fid not in want]
    if gone:
        index.drop_feeds(gone)
        result.removed = len(gone)
    stale = [fid for fid, gens in want.items() if have.get(fid) != gens]
    for i, fid in enumerate(stale):
        assert m is not None
        try:
            articles = peek.feed_articles(root, m, fid, marks=False)
            bodies = peek.feed_bodies(root, m, fid)
        except (FileNotFoundError, peek.CorruptFile):
            result.left.append(fid)
            continue
        old = index.signatures(fid)
        changed = []
        for art in articles:
            html = bodies.get(art.id, "")
            sig = signature(art, html)
            if old.pop(art.id, None) != sig:
                changed.append(doc_for(art, search_text(html) if html else "", sig=sig))
        if index.replace_feed(fid, want[fid], changed, list(old), expect=have.get(fid)):
            result.feeds += 1
            result.indexed += len(changed)
        if progress is not None:
            progress(i + 1, len(stale))
    result.seconds = time.perf_counter() - started
    return result
