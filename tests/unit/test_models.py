"""Article <-> index document: the load path builds articles positionally, so a field added or
moved in `Article` must be caught here, not by a cache that reads headlines into links."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from newsreader.models import Article, Enclosure


def _every_field_set() -> Article:
    return Article(
        id="a1",
        feed_id="f1",
        guid="guid-1",
        headline="Headline",
        link="https://example.org/1",
        author="Author",
        published=datetime(2024, 12, 21, 10, 30, tzinfo=UTC),
        kicker="Kicker",
        lead="Lead paragraph",
        tags=["Politik", "Mine"],
        source="Source",
        enclosures=[Enclosure("https://example.org/a.mp3", "audio/mpeg", 123)],
        read=True,
        starred=True,
        first_seen=datetime(2024, 12, 22, 8, 0, tzinfo=UTC),
        dated=False,
        extracted=True,
        extract_error="timed out",
        images=["https://example.org/i.png"],
        own_tags=["Mine"],
    )


def test_index_round_trip_keeps_every_field() -> None:
    art = _every_field_set()
    doc = art.index_dict()
    doc["own_tags"] = art.own_tags  # the store keeps them beside the index fields
    back = Article.from_index_dict(doc, read=True, starred=True)
    assert back == art
    for f in fields(Article):  # each value distinct, so a swapped position cannot pass
        assert getattr(back, f.name) == getattr(art, f.name), f.name


def test_defaults_from_a_minimal_document() -> None:
    back = Article.from_index_dict({"id": "a", "feed_id": "f"})
    assert (back.guid, back.headline, back.read, back.starred, back.dated) == (
        "a",
        "",
        False,
        False,
        True,
    )
    assert back.published == datetime.fromtimestamp(0, UTC)
    assert back.tags == [] and back.own_tags == [] and back.enclosures == []


def test_first_seen_times_reused_across_articles_stay_each_articles_own() -> None:
    # The load reuses the last first-seen datetime it made; articles of different fetches,
    # interleaved, must still each get their own.
    stamps = [1_700_000_000.5, 1_700_000_000.5, 1_800_000_000.25, 1_700_000_000.5, 0.0, 0.0]
    arts = [
        Article.from_index_dict({"id": f"a{i}", "feed_id": "f", "first_seen": s})
        for i, s in enumerate(stamps)
    ]
    assert [a.first_seen.timestamp() for a in arts] == stamps
    assert all(a.first_seen.tzinfo is UTC for a in arts)
