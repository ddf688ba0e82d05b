"""Snapshot tests: what a person sees, with a frozen clock and a fixed theme.

Update after an intended change with `pytest tests/ui/test_ui_snapshots.py --snapshot-update` and
look at the SVGs in tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.library import Library
from ui_fixtures import build_demo_cache, copy_cache, make_app, settle

WIDE = (150, 42)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("snap-template") / "data"
    # A failing feed (a closed loopback port) so the feed-health view has something to show.
    build_demo_cache(target, broken_url="http://127.0.0.1:9/feed.xml")
    return target


@pytest.fixture
def app(template, tmp_path):
    return make_app(copy_cache(template, tmp_path / "data"), tmp_path)


def test_three_panes_with_article_and_related(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_headlines_only_at_start(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_narrow_terminal_shows_the_headlines_alone(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_narrow_terminal_gives_the_open_article_the_screen(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_wide_terminal_puts_three_panes_side_by_side(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(200, 50), run_before=run_before)


def test_stacked_at_120_columns_and_zoomed(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter", "z")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_help_screen(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_search_results(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"Streik", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_feed_health(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_welcome_screen_on_first_run(snap_compare, tmp_path):
    Library.open(tmp_path / "empty").close()
    assert snap_compare(make_app(tmp_path / "empty", tmp_path), terminal_size=(100, 30))


@pytest.fixture
def german_app(template, tmp_path):
    from newsreader.ui.app import NewsReaderApp
    from ui_fixtures import frozen_now, open_library

    library = open_library(copy_cache(template, tmp_path / "data"))
    library.settings.ui.language = "de"  # as `[ui] language = "de"` in config.toml
    return NewsReaderApp(
        library, now=frozen_now, state_file=tmp_path / "ui.json", refresh_on_start=False
    )


def test_german_article_with_related_stories(snap_compare, german_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter", "z")
        await settle(pilot)
        pilot.app.screen.article_view.scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(german_app, terminal_size=(120, 40), run_before=run_before)


def test_german_three_panes_and_help(snap_compare, german_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter", "question_mark")
        await settle(pilot)

    assert snap_compare(german_app, terminal_size=(200, 50), run_before=run_before)
