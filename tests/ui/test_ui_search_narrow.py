"""Search in the narrow layout and from a zoomed article: the box shows, the results replace
the headlines, and the list is what the screen shows afterwards."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from newsreader.ui.panes import Pane
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.views import ViewKind
from ui_fixtures import make_app, settle

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("size", "zoom"), [((80, 24), False), ((80, 24), True), ((200, 50), True)])
async def test_search_works_narrow_and_from_a_zoomed_article(data, tmp_path, size, zoom):
    app = make_app(data, tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        screen = app.screen
        if zoom:
            await pilot.press("enter")
            await settle(pilot, app)
            if screen.panes.solo is not Pane.ARTICLE:
                await pilot.press("z")
                await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        box = screen.query_one("#search", Input)
        assert box.display and app.focused is box and box.region.width > 0
        await pilot.press(*"Streik", "enter")
        await settle(pilot, app)
        headlines = screen.query_one(HeadlineList)
        assert screen.view.kind is ViewKind.SEARCH
        assert headlines.articles and headlines.region.height > 0 and app.focused is headlines
        assert all("streik" in (a.headline + a.lead).lower() for a in headlines.articles[:3])
        # Esc closes an open search box first, whatever the layout.
        await pilot.press("enter")
        await settle(pilot, app)
        if screen.panes.solo is not Pane.ARTICLE:
            await pilot.press("z")
            await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not box.display and screen.panes.solo is Pane.ARTICLE
