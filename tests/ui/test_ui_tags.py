"""Editing and renaming the user's tags from the reader (`+`): the tag pane, its counts, the
headlines and the open article's tag row follow at once, and the cache has the change."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from newsreader.models import tag_key
from newsreader.ui.screens.main import MainScreen
from newsreader.ui.screens.text_prompt import TextPrompt
from newsreader.ui.widgets.tag_row import TagRow
from newsreader.views import View
from ui_fixtures import make_app, open_library, settle

pytestmark = pytest.mark.anyio


def tag_keys(screen: MainScreen) -> set[str]:
    return {tag_key(v.value) for v in screen.tags.views if v.kind.value == "tag"}


async def test_plus_edits_the_open_articles_feed_tags_everywhere(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        lib = app.library
        feed = next(f for f in lib.feeds.values() if f.display_title == "Neustädter Anzeiger")
        article = next(a for a in lib.newest_first() if a.feed_id == feed.id)
        screen._open(article.id)
        await settle(pilot, app)
        await pilot.press("plus")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        box = prompt.query_one(Input)
        assert box.value == "Demo, Regional, Deutsch"
        box.value = "Demo, Regional, Spiele"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is screen
        assert lib.feeds[feed.id].tags == ["Demo", "Regional", "Spiele"]
        assert "spiele" in tag_keys(screen)
        row = screen.query_one(TagRow)
        assert "Spiele" in row.tags and "Deutsch" not in row.tags
        assert {a.id for a in lib.search("tag:spiele")} == {
            a.id for a in lib.articles.values() if a.feed_id == feed.id
        }
        # Esc in the prompt changes nothing.
        await pilot.press("plus")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot, app)
        assert lib.feeds[feed.id].tags == ["Demo", "Regional", "Spiele"]
    with open_library(data) as again:  # written to the cache
        assert again.feeds[feed.id].tags == ["Demo", "Regional", "Spiele"]
        assert all(
            "Spiele" in a.tags and "Deutsch" not in a.tags
            for a in again.articles.values()
            if a.feed_id == feed.id
        )


async def test_plus_on_a_tag_in_the_tag_pane_renames_it(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        lib = app.library
        regional = {a.id for a in lib.with_tag("Regional")}
        tags = screen.tags
        tags.focus()
        tags.highlighted = tags.get_option_index(View.tag("Regional").key)
        await pilot.press("enter")  # the headlines show the tag
        await settle(pilot, app)
        tags.focus()
        await pilot.press("plus")
        await pilot.pause()
        box = app.screen.query_one(Input)
        assert box.value == "Regional"
        box.value = "Lokal"
        await pilot.press("enter")
        await settle(pilot, app)
        assert "lokal" in tag_keys(screen) and "regional" not in tag_keys(screen)
        assert screen.view == View.tag("Lokal")  # the view follows its tag
        assert {a.id for a in screen.headlines.articles} == regional
        assert {a.id for a in lib.with_tag("Lokal")} == regional
