"""The query language's fields, dates, attachments and OR (issue 13): what the parser makes of
them, and the same answers from the three ways a query runs (the reader's in-memory path, the
CLI's on-demand path, and an index of everything in memory as the reference)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.indexes.on_disk import CacheSearch
from newsreader.indexes.query import parse_query
from newsreader.indexes.search import SearchIndex
from newsreader.library import Library
from newsreader.models import Article, Enclosure, Feed
from newsreader.store import Batch

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def test_or_joins_words_into_one_group() -> None:
    q = parse_query("Ukraine OR Kyjiw OR Kiew Waffenruhe")
    assert q.any_of == [["Ukraine", "Kyjiw", "Kiew"]] and q.words == ["Waffenruhe"]
    q = parse_query("a1 OR b1 c1 OR d1")
    assert q.any_of == [["a1", "b1"], ["c1", "d1"]] and not q.words
    # lower-case "or" is a stop word; OR with nothing (or a negation) after it is ignored
    assert parse_query("Krieg or Frieden").words == ["Krieg", "Frieden"]
    q = parse_query("Krieg OR")
    assert q.words == ["Krieg"] and not q.any_of and "OR" in q.ignored
    q = parse_query("Krieg OR -Frieden")
    assert q.words == ["Krieg"] and q.not_words == ["Frieden"] and "OR" in q.ignored
    q = parse_query("Ukraine OR Kyj")  # the last word, still being typed, is a prefix
    assert q.prefix and q.prefix_in_group
    assert str(q) == "Ukraine OR Kyj*"


def test_fields_dates_and_attachments_parse() -> None:
    now = NOW.timestamp()
    q = parse_query('title:"Weihnachtsmarkt in" author:Müller -title:Sport', now=now)
    assert q.titles == ["Weihnachtsmarkt in"] and q.authors == ["Müller"]
    assert q.not_titles == ["Sport"]
    q = parse_query("newer:3d older:12h", now=now)
    assert q.after == now - 3 * 86400 and q.before == now - 12 * 3600
    assert parse_query("newer:2w", now=now).after == now - 14 * 86400
    assert parse_query("newer:5", now=now).after == now - 5 * 86400  # a bare number: days
    assert parse_query("-newer:1d", now=now).before == now - 86400  # negated: older
    q = parse_query("after:2025-12-01 before:2025-12-24", now=now)
    assert q.after == datetime(2025, 12, 1).timestamp()  # local midnight
    assert q.before == datetime(2025, 12, 24).timestamp()
    q = parse_query("after:2025-12-01 after:2025-11-01 newer:2y", now=now)  # the narrowest
    assert q.after == datetime(2025, 12, 1).timestamp()
    q = parse_query("has:enclosure -is:extracted", now=now)
    assert q.enclosure is True and q.extracted is False
    for bad in ("after:yesterday", "before:2025-13-40", "newer:soon", "has:wings", "title:-"):
        q = parse_query(bad, now=now)
        assert q.is_empty() and q.ignored == [bad], bad
    assert str(parse_query("has:enclosure -is:extracted title:Zug")) == (
        "title:Zug has:enclosure -is:extracted"
    )


def _articles() -> list[Article]:
    def art(i: int, headline: str, days: float, **kw: object) -> Article:
        return Article(
            id=f"a{i}",
            feed_id="f1",
            guid=f"g{i}",
            headline=headline,
            link=f"https://example.org/{i}",
            published=NOW - timedelta(days=days),
            **kw,  # type: ignore[arg-type]
        )

    podcast = [Enclosure(url="https://example.org/x.mp3", type="audio/mpeg")]
    return [
        art(1, "Waffenruhe in der Ukraine", 0.5, author="Anna Müller"),
        art(2, "Gespräche in Kyjiw", 2, lead="Die Ukraine verhandelt", author="Ben Bauer"),
        art(3, "Kiew meldet Angriffe", 10, enclosures=podcast),
        art(4, "Sport: Ukraine gewinnt", 40, extracted=True, author="Anna Müller"),
        art(5, "Wetter in Berlin", 400, enclosures=podcast, extracted=True),
    ]


CASES = {
    "Ukraine OR Kiew": ["a1", "a2", "a3", "a4"],
    "Kyjiw OR Kiew": ["a2", "a3"],
    "Kyj OR Kie": ["a3"],  # only the last word is being typed: "Kyj" is whole, "Kie" a prefix
    "title:Ukraine": ["a1", "a4"],
    "Ukraine -title:Ukraine": ["a2"],
    'title:"in der"': ["a1"],
    "author:Müller": ["a1", "a4"],
    "author:Muller -title:Sport": ["a1"],
    "newer:3d": ["a1", "a2"],
    "older:3d": ["a3", "a4", "a5"],
    "older:3d newer:1m": ["a3"],
    "Ukraine newer:1d": ["a1"],
    "has:enclosure": ["a3", "a5"],
    "-has:enclosure Ukraine": ["a1", "a2", "a4"],
    "is:extracted": ["a4", "a5"],
    "is:extracted has:enclosure older:100d": ["a5"],
}


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with Library.open(data) as lib:
        feed = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")
        lib.commit(Batch(feeds=[feed], articles=_articles()))
    return data


def test_every_path_answers_the_new_language_alike(cache: Path) -> None:
    now = NOW.timestamp()
    with Library.open(cache) as lib:
        ref = SearchIndex(lib.articles, lib.feed_title)
        ref.add_many(list(lib.articles.values()))
        lib.sync_search()
        quick = CacheSearch(cache)
        try:
            for text, expected in CASES.items():
                q = parse_query(text, now=now)
                assert ref.search(q) == expected, text
                assert [a.id for a in lib.search_index.find(q) or []] == expected, text
                assert [a.id for a in quick.search(q)] == expected, text
        finally:
            quick.close()
