"""Marking many articles at once (marks.py): above/below an article, or what a search finds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from newsreader.library import Library, LibraryError
from newsreader.marks import around, choose
from newsreader.models import Article, Feed, utcnow
from newsreader.store import Batch


@pytest.fixture
def lib(tmp_path: Path):  # noqa: ANN201
    with Library.open(tmp_path / "data") as lib:
        feed = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")
        now = utcnow()
        arts = [
            Article(
                id=f"a{i}",
                feed_id="f1",
                guid=f"g{i}",
                headline=f"{'Ukraine' if i % 2 else 'Sport'} Meldung {i}",
                link=f"https://example.org/{i}",
                published=now - timedelta(hours=i),
            )
            for i in range(1, 7)
        ]
        lib.commit(Batch(feeds=[feed], articles=arts))
        lib.sync_search()
        yield lib


def test_around_an_article_in_a_list(lib: Library) -> None:
    listed = lib.newest_first()
    assert [a.id for a in around(listed, "a3", newer=True)] == ["a1", "a2"]
    assert [a.id for a in around(listed, "a3", newer=False)] == ["a4", "a5", "a6"]
    assert around(listed, "a1", newer=True) == [] and around(listed, "zz", newer=False) == []


def test_choose_by_search_and_position(lib: Library) -> None:
    ids = lambda arts: [a.id for a in arts]  # noqa: E731
    assert ids(choose(lib)) == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert ids(choose(lib, "Ukraine")) == ["a1", "a3", "a5"]
    assert ids(choose(lib, "Ukraine", older_than="a1")) == ["a3", "a5"]
    # the anchor need not be found by the search: its place in time counts
    assert ids(choose(lib, "Ukraine", older_than="a2")) == ["a3", "a5"]
    assert ids(choose(lib, "Ukraine", newer_than="a4")) == ["a1", "a3"]
    assert ids(choose(lib, older_than="a2", newer_than="a5")) == ["a3", "a4"]
    with pytest.raises(LibraryError):
        choose(lib, older_than="nope")
