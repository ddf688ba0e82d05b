"""The reader with a feed-server account: `r` syncs it (in a `newsreader sync` process of its
own) and shows what came; `E` shows the account's last sync and last error."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from greader_server import GReaderServer

from newsreader.library import Library
from newsreader.sync.accounts import Account, Accounts
from newsreader.sync.engine import sync_account
from newsreader.ui.app import NewsReaderApp
from ui_fixtures import frozen_now, settle

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    with GReaderServer() as s:
        feed = s.add_feed(1, "https://news.example/a.xml", "Nachrichten", ["Politik"])
        for n in range(3):
            s.add_item(feed, f"Story {n}", published=int(time.time()) - 600 * (n + 1))
        yield s
    assert not s.errors, s.errors


def add_account(data_dir, server) -> Account:  # noqa: ANN001 - a Path and the test server
    account = Account("home", "greader", server.url, server.user, password="s3cret")
    Accounts(data_dir.parent / "config").add(account)
    return account


def reader(data_dir, tmp_path, *, refresh_on_start: bool) -> NewsReaderApp:  # noqa: ANN001
    return NewsReaderApp(
        Library.open(data_dir),
        now=frozen_now,
        state_file=tmp_path / "ui.json",
        refresh_on_start=refresh_on_start,
    )


async def test_refresh_syncs_and_feed_health_shows_the_account(data_dir, server, tmp_path):
    account = add_account(data_dir, server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, account).error is None
    server.add_item("feed/1", "Fresh from the server")
    app = reader(data_dir, tmp_path, refresh_on_start=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        assert "Fresh from the server" not in {a.headline for a in app.library.articles.values()}
        await pilot.press("r")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            a.headline == "Fresh from the server" for a in app.library.articles.values()
        ):
            await pilot.pause(0.1)
        await settle(pilot, app)
        assert any(a.headline == "Fresh from the server" for a in app.library.articles.values())
        status = str(app.screen.query_one("#status").render())
        assert "home: 1 new" in status
        await pilot.press("E")
        await settle(pilot, app)
        line = str(app.screen.query_one("#health-accounts").render())
        assert "home (greader)" in line and "synced" in line
        feeds = str(app.screen.query_one("#health-table").get_row_at(0))
        assert "Synced with the account home" in feeds
        await pilot.press("escape")
        server.stop()
        await pilot.press("r")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "cannot connect" not in str(
            app.screen.query_one("#status").render()
        ):
            await pilot.pause(0.1)
        assert "cannot connect" in str(app.screen.query_one("#status").render())
        await pilot.press("E")
        await settle(pilot, app)
        line = str(app.screen.query_one("#health-accounts").render())
        assert "error: 127.0.0.1: cannot connect" in line
    app.library.close()


async def test_an_account_and_no_feeds_yet_opens_the_reader_and_syncs(data_dir, server, tmp_path):
    """Not the welcome screen: the account brings its feeds with the first refresh."""
    from newsreader.ui.screens.main import MainScreen

    add_account(data_dir, server)
    app = reader(data_dir, tmp_path, refresh_on_start=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(app.library.articles) < 3:
            await pilot.pause(0.1)
        assert len(app.library.articles) == 3
        await settle(pilot, app)
        status = str(app.screen.query_one("#status").render())
        assert status.startswith("home: 3 new")  # no "0 feeds" before it
    app.library.close()
