"""The tag pane's counts (Library.tag_counts, unread_counts) stay exact while they are worked
out from the smaller side: every article's counts (kept per change) less the read ones, or the
unread ones counted directly."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from newsreader.library import Library
from newsreader.marks import Marks
from newsreader.models import tag_key
from ui_fixtures import open_library


def naive(lib: Library) -> tuple[dict[str, tuple[int, int]], Counter[str]]:
    """Per tag key (total, unread) and unread per feed, counted the plain way."""
    totals: Counter[str] = Counter()
    unread: Counter[str] = Counter()
    for art in lib.articles.values():
        for tag in art.tags:
            totals[tag_key(tag)] += 1
            unread[tag_key(tag)] += not art.read
    per_feed = Counter(a.feed_id for a in lib.articles.values() if not a.read)
    return {k: (totals[k], unread[k]) for k in totals}, per_feed


def counted(lib: Library) -> tuple[dict[str, tuple[int, int]], Counter[str]]:
    tags = {tc.key: (tc.total, tc.unread) for tc in lib.tag_counts() if tc.total}
    return tags, lib.unread_counts()


def test_counts_stay_exact_through_marks_and_reloads(data: Path) -> None:
    rng = random.Random(5)
    with open_library(data) as lib:
        arts = list(lib.articles.values())
        assert len(arts) > 20
        for step in range(60):
            if step == 30:  # a reload (another process's commit): the kept totals start over
                lib.adopt(lib.store.load())
                arts = list(lib.articles.values())
            # From mostly unread to mostly read and back, so both ways of counting are used.
            read_share = step / 29 if step < 30 else (59 - step) / 29
            Marks(lib).set_read(arts, False)
            Marks(lib).set_read(rng.sample(arts, round(len(arts) * read_share)), True)
            assert counted(lib) == naive(lib), step
