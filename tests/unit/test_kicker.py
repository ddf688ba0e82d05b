"""The kicker: the item's own first specific category, never boilerplate nor a user tag."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.ingest.kicker import feed_wide, kicker
from newsreader.ingest.parse import parse_feed
from newsreader.models import Article, Feed, tag_key
from shared_paths import shared_dir

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
USER_TAGS = ["Tech", "Deutsch"]


def articles(path: Path, tags: list[str] = USER_TAGS) -> list[Article]:
    feed = Feed.new("https://feeds.example/" + path.name, tags=tags)
    return parse_feed(path.read_bytes(), feed=feed, url=feed.url, now=NOW).articles


def rss(*items: tuple[str, ...], channel: str = "") -> bytes:
    body = "".join(
        f"<item><guid>{n}</guid><title>t{n}</title>"
        + "".join(f"<category>{c}</category>" for c in cats)
        + "</item>"
        for n, cats in enumerate(items)
    )
    return f'<rss version="2.0"><channel><title>C</title>{channel}{body}</channel></rss>'.encode()


def kickers(data: bytes, tags: list[str] = USER_TAGS) -> list[str]:
    feed = Feed.new("https://feeds.example/x.xml", tags=tags)
    return [a.kicker for a in parse_feed(data, feed=feed, url=feed.url, now=NOW).articles]


# -- the rule ---------------------------------------------------------------------------------


def test_the_first_specific_category_is_the_kicker() -> None:
    assert kicker(["News", "Brexit"], frozenset({"news"})) == "Brexit"
    assert kicker(["", "  NEWS ", "Brexit"], frozenset({"news"})) == "Brexit"
    assert kicker(["News"], frozenset({"news"})) == ""
    assert kicker([], frozenset()) == ""


def test_feed_wide_categories() -> None:
    items = [["Video games", "E3"], ["video  games", "Zelda"], ["VIDEO GAMES"]]
    assert feed_wide(items, ["Info"], ["Tech"]) == {"video games", "info", "tech"}
    # Two items: "on every item" says nothing yet.
    assert feed_wide(items[:2], [], []) == frozenset()
    # A Blogger label cloud at channel level is a list of topics, not one for the feed.
    cloud = [f"label {i}" for i in range(30)]
    assert feed_wide(items, cloud, []) == {"video games"}


def test_boilerplate_on_every_item_and_user_tags_are_skipped() -> None:
    doc = rss(("Video games", "E3"), ("video games",), ("Video Games", "tech", "Zelda"))
    assert kickers(doc) == ["E3", "", "Zelda"]
    # With two items a shared category is still a topic.
    assert kickers(rss(("Sport",), ("Sport", "Golf"))) == ["Sport", "Sport"]


def test_no_category_means_no_kicker_not_a_user_tag() -> None:
    assert kickers(rss((), (), ())) == ["", "", ""]
    assert kickers(rss((), ()), tags=["Deutsch"]) == ["", ""]


def test_channel_category_is_not_a_kicker() -> None:
    doc = rss((), ("Info", "Wahl"), channel="<category>Info</category>")
    assert kickers(doc) == ["", "Wahl"]


# -- real feeds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["rssparser__heise.atom", "miniflux__parser_rdf_UTF8.xml"]  # heise
    + ["miniflux__parser_encoding_ISO-8859-1.xml"],  # Golem
)
def test_heise_and_golem_are_not_headed_with_the_user_tags(realfeeds: Path, name: str) -> None:
    arts = articles(realfeeds / name)
    assert len(arts) >= 15
    assert {a.kicker for a in arts} == {""}  # they carry no categories of their own
    assert all({"Tech", "Deutsch"} <= set(a.tags) for a in arts)  # still tagged, though


def test_giant_bomb_boilerplate_is_no_kicker(realfeeds: Path) -> None:
    arts = articles(realfeeds / "rssparser__giantbomb-podcast.rss")
    assert len(arts) == 730
    assert all("video games" in (tag_key(t) for t in a.tags) for a in arts)
    # Every one of its categories is on every item: none says what an episode is about.
    assert {a.kicker for a in arts} == {""}


def test_guardian_keeps_its_specific_first_category(realfeeds: Path) -> None:
    arts = articles(realfeeds / "rssparser__guardian.rss")
    assert arts[0].kicker == "Donald Trump"
    assert all(a.kicker == a.tags[0] for a in arts)  # nothing on it is boilerplate


def test_blogger_label_cloud_keeps_item_topics(realfeeds: Path) -> None:
    arts = articles(realfeeds / "rssparser__many-links.rss")
    assert all(a.kicker for a in arts)
    assert Counter(a.kicker for a in arts)["Code Health"] >= 3


def test_real_german_news_kickers() -> None:
    realnews = shared_dir("realnews") / "2024-12-21-de"
    if not realnews.is_dir():
        pytest.skip(f"real news not found at {realnews}")
    # ntv and SPIEGEL head each item with its section.
    assert Counter(a.kicker for a in articles(realnews / "ntv.xml"))["Politik"] >= 10
    spiegel = Counter(a.kicker for a in articles(realnews / "spiegel.xml"))
    assert spiegel["Panorama"] >= 5 and "" not in spiegel
    # Deutschlandfunk says "Info" at channel level only, tagesschau nothing: no kicker at all.
    for name in ("deutschlandfunk-nachrichten.xml", "tagesschau.xml"):
        assert {a.kicker for a in articles(realnews / name)} == {""}
