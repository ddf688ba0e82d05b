"""The user's own tags on single articles: kept by the store beside the index fields, through
refreshes and reloads, and everywhere feed tags are (tag pane, search, lists, related)."""

from __future__ import annotations

from pathlib import Path

from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from sample_feeds import item, rss


def test_own_tags_survive_refreshes_and_reloads_and_are_searchable(feed_server, tmp_path: Path):
    feed_server.route("/f.xml", body=rss("Feed", [item(1, "Erste", ("Welt",)), item(2, "Zweite")]))
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/f.xml"))
        refresh_sync(lib)
        first = next(a for a in lib.articles.values() if a.headline == "Erste")
        kept = lib.tag_article(first, add=["Später lesen", "welt", "  Später  lesen "])
        assert kept == [] and first.own_tags == ["Später lesen"]  # "welt" it has already
        assert first.tags == ["Welt", "Später lesen"]
        assert lib.tag_article(first, remove=["Welt"]) == ["Welt"]  # the item's: not removable
        counts = {t.tag: t for t in lib.tag_counts()}
        assert counts["Später lesen"].total == 1 and counts["Später lesen"].user
        assert [a.id for a in lib.with_tag("später lesen")] == [first.id]
        lib.sync_search()
        assert [a.id for a in lib.search('tag:"Später lesen"')] == [first.id]
        # a refresh rewrites the article from the feed: its own tags stay, on disk and here
        feed_server.route(
            "/f.xml", body=rss("Feed", [item(1, "Erste (neu)", ("Welt",)), item(2, "Zweite")])
        )
        refresh_sync(lib)
        again = lib.articles[first.id]
        assert again.headline == "Erste (neu)" and again.own_tags == ["Später lesen"]
        assert "Später lesen" in again.tags
    with Library.open(data) as lib:  # another process, later
        art = lib.articles[first.id]
        assert art.own_tags == ["Später lesen"] and art.tags == ["Welt", "Später lesen"]
        lib.sync_search()
        assert [a.id for a in lib.search('tag:"Später lesen"')] == [first.id]
        lib.tag_article(art, remove=["später LESEN"])
        assert art.own_tags == [] and art.tags == ["Welt"]
        lib.sync_search()
        assert lib.search('tag:"Später lesen"') == []
    with Library.open(data) as lib:
        assert lib.articles[first.id].tags == ["Welt"]
        assert "Später lesen" not in {t.tag for t in lib.tag_counts()}
