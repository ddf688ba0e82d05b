"""Filters (filters.py): rules from the config, applied to new articles at a refresh and to the
cache on demand, logged and undoable; the store's article removal they use."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from newsreader.config import Settings
from newsreader.filters import HitLog, Rule, apply_to_batch, apply_to_cache, rules_from, undo
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.models import Article, Feed, utcnow
from newsreader.store import Batch
from sample_feeds import item, rss

FEED = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")


def art(i: int, headline: str, tags: tuple[str, ...] = ()) -> Article:
    return Article(
        id=f"a{i}",
        feed_id="f1",
        guid=f"g{i}",
        headline=headline,
        link=f"https://example.org/{i}",
        published=utcnow() - timedelta(hours=i),
        tags=list(tags),
    )


def test_rules_from_the_config_and_what_makes_no_sense() -> None:
    warnings: list[str] = []
    rules = rules_from(
        [
            {"query": "tag:Sport", "action": "read"},
            {"query": "Werbung", "action": "HIDE", "name": "Keine Werbung"},
            {"query": "x", "action": "delete"},
            {"query": "der die", "action": "star"},
            {"query": "Zug", "action": "tag: Bahn \x1b[0m"},
        ],
        warnings,
    )
    assert rules == [
        Rule("tag:Sport", "tag:Sport", "read"),
        Rule("Keine Werbung", "Werbung", "hide"),
        Rule("Zug", "Zug", "tag:Bahn [0m"),  # the tag cleaned like any of the user's tags
    ]
    assert len(warnings) == 2 and "delete" in warnings[0] and "nothing to search" in warnings[1]


def test_new_articles_are_marked_or_kept_out_before_the_commit(tmp_path: Path) -> None:
    with Library.open(tmp_path / "data") as lib:
        lib.commit(Batch(feeds=[FEED], articles=[art(1, "Werbung: alt")]))
        rules = [
            Rule("sport", "tag:Sport", "read"),
            Rule("ads", "Werbung", "hide"),
            Rule("wichtig", "Eilmeldung", "star"),
        ]
        batch = Batch(
            articles=[
                art(1, "Werbung: alt"),
                art(2, "Fußball", ("Sport",)),
                art(3, "Werbung: neu"),
                art(4, "Eilmeldung: Zug entgleist"),
            ],
            bodies={"a3": "<p>Kaufen!</p>", "a2": "<p>Tor</p>"},
        )
        hits = apply_to_batch(lib, rules, batch)
        assert sorted((h.rule, h.id) for h in hits) == [
            ("ads", "a3"),
            ("sport", "a2"),
            ("wichtig", "a4"),
        ]
        assert [a.id for a in batch.articles] == ["a1", "a2", "a4"]  # a1 is known: left alone
        assert (
            "a3" not in batch.bodies
            and batch.read == {"a2": True}
            and batch.starred == {"a4": True}
        )


def test_a_refresh_applies_the_rules_and_logs_them(feed_server, tmp_path: Path) -> None:
    feed_server.route(
        "/f.xml",
        body=rss(
            "Feed",
            [item(1, "Werbung für alles"), item(2, "Nachricht", ("Sport",)), item(3, "Bleibt")],
        ),
    )
    settings = Settings()
    settings.filters = [
        {"query": "Werbung", "action": "hide"},
        {"query": "tag:Sport", "action": "read"},
    ]
    data = tmp_path / "data"
    with Library.open(data, settings=settings) as lib:
        lib.add_feed(feed_server.url("/f.xml"))
        summary = refresh_sync(lib)
        assert summary.filtered == 2 and "2 filtered" in summary.line()
        heads = {a.headline: a for a in lib.articles.values()}
        assert set(heads) == {"Nachricht", "Bleibt"} and heads["Nachricht"].read
        assert len(summary.new_ids) == 2  # the hidden one is not new (the hook never sees it)
        hits, kept = HitLog(data).read()
        assert sorted(h.action for h in hits) == ["hide", "read"] and not kept
        again = refresh_sync(lib)  # the hidden one comes again and is kept out again
        assert "Werbung für alles" not in {a.headline for a in lib.articles.values()}
        assert again.filtered == 0 and len(HitLog(data).read()[0]) == 2  # not counted twice
        marks, exempt = undo(lib, "Werbung")
        assert (marks, exempt) == (0, 1)
        refresh_sync(lib)  # exempted: stored now
        assert "Werbung für alles" in {a.headline for a in lib.articles.values()}
        assert undo(lib, "tag:Sport") == (1, 0)
        assert not next(a for a in lib.articles.values() if a.headline == "Nachricht").read


def test_applying_to_the_cache_removes_hidden_ones_for_good(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.commit(
            Batch(
                feeds=[FEED],
                articles=[art(1, "Werbung"), art(2, "Sport", ("Sport",)), art(3, "Rest")],
                bodies={"a1": "<p>Kaufen</p>"},
            )
        )
        lib.sync_search()
        hits = apply_to_cache(lib, [Rule("ads", "Werbung", "hide"), Rule("s", "tag:Sport", "star")])
        assert sorted((h.rule, h.id) for h in hits) == [("ads", "a1"), ("s", "a2")]
        assert set(lib.articles) == {"a2", "a3"} and lib.articles["a2"].starred
        assert apply_to_cache(lib, [Rule("s", "tag:Sport", "star")]) == []  # nothing left to do
    with Library.open(data) as lib:  # on disk: index, body and marks of a1 are gone
        assert set(lib.articles) == {"a2", "a3"} and lib.articles["a2"].starred
        assert lib.store.body("f1", "a1") == ""
        assert [a.id for a in lib.search("Werbung")] == []


@pytest.mark.parametrize("damage", [b"{not json", b'{"hits": [{"rule": 1}]}'])
def test_a_damaged_log_is_moved_aside(tmp_path: Path, damage: bytes) -> None:
    (tmp_path / "filter-hits.json").write_bytes(damage)
    assert HitLog(tmp_path).read() == ([], set())
    assert list(tmp_path.glob("filter-hits.json.corrupt-*"))


def test_a_tag_rule_puts_an_own_tag_on_new_and_cached_articles(feed_server, tmp_path: Path):
    feed_server.route("/f.xml", body=rss("Feed", [item(1, "Zug entgleist"), item(2, "Wetter")]))
    settings = Settings()
    settings.filters = [{"query": "Zug", "action": "tag:Bahn"}]
    data = tmp_path / "data"
    with Library.open(data, settings=settings) as lib:
        lib.add_feed(feed_server.url("/f.xml"))
        assert refresh_sync(lib).filtered == 1
        zug = next(a for a in lib.articles.values() if a.headline == "Zug entgleist")
        assert zug.own_tags == ["Bahn"] and "Bahn" in zug.tags
        other = next(a for a in lib.articles.values() if a.headline == "Wetter")
        lib.tag_article(other, ["Zug"])  # now "Zug" finds it too (its tag)
        lib.sync_search()
        hits = apply_to_cache(lib, [Rule("Zug", "Zug", "tag:Bahn")])
        assert [h.id for h in hits] == [other.id] and other.own_tags == ["Zug", "Bahn"]
        assert undo(lib, "Zug") == (2, 0)
        assert zug.own_tags == [] and other.own_tags == ["Zug"]
    with Library.open(data) as lib:
        assert lib.articles[zug.id].own_tags == [] and lib.articles[other.id].own_tags == ["Zug"]
