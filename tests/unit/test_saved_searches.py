"""Saved searches (queries.py): kept in the data folder and in config.toml, counted live."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from newsreader.config import Settings
from newsreader.library import Library
from newsreader.models import Article, Feed, utcnow
from newsreader.queries import FILE_NAME, QueryError
from newsreader.store import Batch

FEED = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")


def _art(i: int, headline: str) -> Article:
    return Article(
        id=f"a{i}",
        feed_id="f1",
        guid=f"g{i}",
        headline=headline,
        link=f"https://x/{i}",
        published=utcnow() - timedelta(hours=i),  # recent: kept by the default retention
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with Library.open(data) as lib:
        arts = [_art(1, "Waffenruhe in der Ukraine"), _art(2, "Kiew meldet Angriffe")]
        arts.append(_art(3, "Wetter in Berlin"))
        lib.commit(Batch(feeds=[FEED], articles=arts))
    return data


def test_add_list_replace_remove(data: Path) -> None:
    with Library.open(data) as lib:
        saved = lib.saved
        saved.add("Ukraine", "Ukraine OR Kiew")
        saved.add("Wetter", "Wetter")
        saved.add("ukraine", "Ukraine")  # the same name in another case: replaced
        assert [(s.name, s.query) for s in saved.all()] == [
            ("Wetter", "Wetter"),
            ("ukraine", "Ukraine"),
        ]
        assert saved.get("UKRAINE") is not None
        assert saved.remove("Wetter") and not saved.remove("Wetter")
    with Library.open(data) as lib:  # another process sees the file
        assert [s.name for s in lib.saved.all()] == ["ukraine"]
    with Library.open(data) as lib:
        for name, query in (("", "Ukraine"), ("Leer", ""), ("Nur Stoppwörter", "der die das")):
            with pytest.raises(QueryError):
                lib.saved.add(name, query)


def test_counts_follow_marks_new_articles_and_the_index(data: Path) -> None:
    with Library.open(data) as lib:
        lib.saved.add("Ukraine", "Ukraine OR Kiew")
        lib.sync_search()
        assert [(s.name, u, t) for s, u, t in lib.saved.counts()] == [("Ukraine", 2, 2)]
        lib.commit(Batch(read={"a1": True}))
        assert [(u, t) for _s, u, t in lib.saved.counts()] == [(1, 2)]  # a mark: recounted
        lib.commit(Batch(articles=[_art(4, "Ukraine: neue Gespräche")]))
        lib.sync_search()
        assert [(u, t) for _s, u, t in lib.saved.counts()] == [(2, 3)]
        renamed = replace(lib.articles["a2"], headline="Lyon meldet Regen")
        lib.commit(Batch(articles=[renamed]))
        lib.sync_search()
        assert [a.id for a in lib.saved.articles(lib.saved.all()[0])] == ["a1", "a4"]
        assert [(u, t) for _s, u, t in lib.saved.counts()] == [(1, 2)]
        lib.saved.add("Ungelesen", "unread Ukraine")  # read/starred in the query: run each time
        lib.commit(Batch(read={"a4": True}))
        assert [(s.name, u, t) for s, u, t in lib.saved.counts()][1] == ("Ungelesen", 0, 0)


def test_config_queries_are_listed_and_not_removed_by_commands(data: Path) -> None:
    config = data.parent / "cfg"
    config.mkdir()
    (config / "config.toml").write_text(
        "[queries]\nBerlin = 'Berlin'\nKaputt = 'der'\nUkraine = 'Kiew'\n", encoding="utf-8"
    )
    from newsreader.config import load_settings

    settings = load_settings(config / "config.toml")
    assert settings.queries == {"Berlin": "Berlin", "Kaputt": "der", "Ukraine": "Kiew"}
    with Library.open(data, settings=settings) as lib:
        lib.saved.add("Ukraine", "Ukraine")  # the data folder's wins over the config's
        found = {s.name: s for s in lib.saved.all()}
        assert found["Ukraine"].query == "Ukraine" and not found["Ukraine"].from_config
        assert found["Berlin"].from_config and "Kaputt" not in found
        assert any("Kaputt" in w for w in lib.warnings)
        with pytest.raises(QueryError):
            lib.saved.remove("Berlin")


def test_a_damaged_file_is_moved_aside(data: Path) -> None:
    (data / FILE_NAME).write_text("{not json", encoding="utf-8")
    with Library.open(data, settings=Settings()) as lib:
        assert lib.saved.all() == []
        assert any("moved aside" in w for w in lib.warnings)
        lib.saved.add("Neu", "Berlin")
        assert [s.name for s in lib.saved.all()] == ["Neu"]
    assert list(data.glob(FILE_NAME + ".corrupt-*"))
