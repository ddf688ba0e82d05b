"""The reader at every width (ui/panes.py): the headline gets the room, narrow terminals show
one pane at a time, `z` zooms the article anywhere and `t` hides the tag pane. Pilot tests of
the whole app on the demo data."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import DataTable

from newsreader.ui.panes import Mode, Pane
from newsreader.ui.screens.main import MainScreen
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.ui.widgets.tag_pane import TagPane
from newsreader.views import View
from ui_fixtures import make_app, settle

pytestmark = pytest.mark.anyio

HEADLINE_60 = "Stadtrat beschließt neuen Haushalt mit Rekordinvestitionen 2"
assert len(HEADLINE_60) == 60


def screen_lines(app: App[object]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def shown_of(app: App[object], text: str) -> int:
    """How many leading characters of `text` one screen line shows (its longest prefix)."""
    best = 0
    for line in screen_lines(app):
        for n in range(len(text), 0, -1):
            if text[:n] in line:
                best = max(best, n)
                break
    return best


def visible(widget) -> bool:  # noqa: ANN001
    return widget.display and widget.region.area > 0


@pytest.mark.parametrize(
    ("width", "mode", "at_least"),
    [(80, Mode.NARROW, 40), (100, Mode.STACKED, 45), (120, Mode.STACKED, 45),
     (160, Mode.WIDE, 45), (200, Mode.WIDE, 55)],
)  # fmt: skip
async def test_a_60_character_headline_gets_the_room(data, tmp_path, width, mode, at_least):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.panes.mode is mode
        first = screen.headlines.articles[0]
        first.headline = HEADLINE_60
        screen.headlines.set_articles(screen.headlines.articles, quiet=True)
        await pilot.pause()
        shown = shown_of(app, HEADLINE_60)
        assert shown >= at_least, (width, shown, screen_lines(app)[:6])
        # One feed's headlines need no feed column: the headline takes its room too.
        screen.view = View.feed(first.feed_id)
        screen._fill_headlines(quiet=True)
        await pilot.pause()
        assert shown_of(app, HEADLINE_60) >= min(60, shown + 8)


async def test_narrow_shows_one_pane_at_a_time_and_back_comes_home(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        tags, headlines, article = (
            screen.query_one(TagPane),
            screen.query_one(HeadlineList),
            screen.query_one(ArticleView),
        )
        assert visible(headlines) and not visible(tags) and not visible(article)
        await pilot.press("j", "enter")
        await settle(pilot, app)
        assert visible(article) and not visible(headlines) and article.region.height >= 18
        assert app.focused is article
        opened = article.article_id
        # A related story followed from the zoomed article: Backspace returns to the article
        # first, then to the list, on the row it came from.
        await pilot.press("1")
        await settle(pilot, app)
        assert article.article_id != opened and visible(article)
        await pilot.press("backspace")
        await settle(pilot, app)
        assert article.article_id == opened and visible(article)
        await pilot.press("backspace")
        await settle(pilot, app)
        assert visible(headlines) and not visible(article) and app.focused is headlines
        assert headlines.article_id == opened
        # Esc leaves too; h shows the tags, Enter on one shows its headlines.
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert visible(headlines) and not visible(article)
        await pilot.press("h")
        await pilot.pause()
        assert visible(tags) and not visible(headlines) and app.focused is tags
        assert tags.region.height >= 18
        await pilot.press("j", "enter")
        await settle(pilot, app)
        assert visible(headlines) and not visible(tags)
        assert screen.view != View.ALL


async def test_z_zooms_the_article_at_any_width_and_t_hides_the_tags(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        tags, headlines, article = (
            screen.query_one(TagPane),
            screen.query_one(HeadlineList),
            screen.query_one(ArticleView),
        )
        await pilot.press("enter")
        await settle(pilot, app)
        assert visible(tags) and visible(headlines) and visible(article)
        await pilot.press("z")
        await pilot.pause()
        assert screen.panes.solo is Pane.ARTICLE
        assert not visible(tags) and not visible(headlines) and article.region.width == 200
        assert app.focused is article
        await pilot.press("z")
        await pilot.pause()
        assert visible(headlines) and visible(article) and app.focused is headlines
        await pilot.press("enter", "z")
        await settle(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert visible(headlines) and visible(article)
        before = headlines.region.width
        await pilot.press("t")
        await pilot.pause()
        assert not visible(tags) and headlines.region.width > before
        await pilot.press("t")
        await pilot.pause()
        assert visible(tags)
        # The zoom key is in the footer and in the help.
        assert any("Zoom" in line for line in screen_lines(app)[-2:])
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = "\n".join(screen_lines(app))
        assert "Zoom the article" in help_text  # on screen; the rest a scroll away
        table = app.screen.query_one(DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any("Hide or show the tag pane" in row for row in rows)


async def test_resizing_keeps_the_open_article(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        await pilot.press("j", "enter")
        await settle(pilot, app)
        article = screen.query_one(ArticleView)
        opened = article.article_id
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.panes.mode is Mode.NARROW and visible(screen.query_one(HeadlineList))
        await pilot.press("l")  # the article beside the list
        await pilot.pause()
        assert visible(article) and article.article_id == opened
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert screen.panes.mode is Mode.WIDE and visible(article)
