"""Tags stay true: a feed's tags apply to its articles as they are now, in every view (search,
tag pane counts, `show`, `list`, related stories), at once, without a refresh, and after the
cache is opened again. The issue's own example: `tag 4 Spiele --remove Deutsch`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsreader import cli
from newsreader.library import Library
from newsreader.models import tag_key
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from ui_fixtures import test_settings as quiet_settings

ANZEIGER = "Neustädter Anzeiger"  # the demo feed tagged Demo, Regional, Deutsch


@pytest.fixture
def env(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "config"))
    return data


def run(capsys, *args: str) -> str:
    capsys.readouterr()
    assert cli.main(list(args)) == 0, args
    return capsys.readouterr().out


def counts(lib: Library) -> dict[str, int]:
    return {tag_key(c.tag): c.total for c in lib.tag_counts()}


def test_removing_and_adding_a_feed_tag_holds_in_every_view(env: Path, capsys) -> None:
    with Library.open(env, settings=quiet_settings()) as lib:
        feed = lib.find_feed(ANZEIGER)
        own = [a for a in lib.articles.values() if a.feed_id == feed.id]
        deutsch_before = counts(lib)["deutsch"]
        assert own and all("Deutsch" in a.tags for a in own)
        one = own[0]
    number = next(
        line.split()[0].rstrip(".") for line in run(capsys, "list").splitlines() if ANZEIGER in line
    )
    out = run(capsys, "tag", number, "Spiele", "--remove", "Deutsch")
    assert "Spiele" in out and "Deutsch" not in out
    listed = next(line for line in run(capsys, "list").splitlines() if ANZEIGER in line)
    assert "Spiele" in listed and "Deutsch" not in listed
    found = json.loads(run(capsys, "search", "tag:Spiele", "--json"))
    assert {a["id"] for a in found} == {a.id for a in own}
    capsys.readouterr()
    assert cli.main(["search", f"tag:Deutsch feed:{ANZEIGER.split()[0]}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    shown = run(capsys, "show", one.id[:10])
    tags_line = next(line for line in shown.splitlines() if line.startswith("Tags:"))
    assert "Spiele" in tags_line and "Deutsch" not in tags_line
    # The same in a library opened again (what the reader loads), with its indexes.
    with Library.open(env, settings=quiet_settings()) as lib:
        tags = counts(lib)
        assert tags["spiele"] == len(own)
        assert tags["deutsch"] == deutsch_before - len(own)
        user = {tag_key(c.tag) for c in lib.tag_counts() if c.user}
        assert "spiele" in user
        assert {a.id for a in lib.with_tag("Spiele")} == {a.id for a in own}
        assert not [a for a in lib.with_tag("Deutsch") if a.feed_id == own[0].feed_id]
        assert len(lib.search("tag:spiele")) == len(own)
        # Related stories never count the user's own tags: "Spiele" is no reason.
        for rel in lib.related(lib.articles[one.id], 5):
            assert "spiele" not in {tag_key(t) for t in rel.shared_tags}


def test_a_tag_is_renamed_on_every_feed_and_its_articles(env: Path, capsys) -> None:
    with Library.open(env, settings=quiet_settings()) as lib:
        regional = {a.id for a in lib.with_tag("Regional")}
        assert regional
    out = run(capsys, "rename-tag", "regional", "Lokal")
    assert "2 feeds" in out
    with Library.open(env, settings=quiet_settings()) as lib:
        assert {a.id for a in lib.with_tag("Lokal")} == regional
        assert lib.with_tag("Regional") == []
        assert all("Regional" not in f.tags for f in lib.feeds.values())
        assert len(lib.search("tag:lokal")) == len(regional)
    capsys.readouterr()
    assert cli.main(["rename-tag", "nothing-has-this", "x"]) == 1
    assert "no feed has the tag" in capsys.readouterr().err


def test_setting_a_feeds_tags_respells_and_keeps_the_items_own(env: Path) -> None:
    with Library.open(env, settings=quiet_settings()) as lib:
        feed = lib.find_feed(ANZEIGER)
        lib.set_feed_tags(feed, ["demo", "Regional", "Zeitung"])
        arts = [a for a in lib.articles.values() if a.feed_id == feed.id]
        assert lib.feeds[feed.id].tags == ["demo", "Regional", "Zeitung"]
        for article in arts:
            keys = [tag_key(t) for t in article.tags]
            assert "deutsch" not in keys and "zeitung" in keys
            assert "demo" in article.tags and "Demo" not in article.tags  # respelled
        # The items' own categories stay (the demo's kicker topics).
        assert any(len(a.tags) > 3 for a in arts)
        # A refresh that finds the feed unchanged changes nothing back.
        before = {a.id: list(a.tags) for a in arts}
    with Library.open(env, settings=quiet_settings()) as lib:
        assert {a.id: list(a.tags) for a in lib.articles.values() if a.id in before} == before
