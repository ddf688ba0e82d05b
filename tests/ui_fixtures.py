"""A deterministic reader for UI tests: the demo feeds, a frozen clock, a fixed theme."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.config import Settings, UiSettings
from newsreader.demo import demo_feeds
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.store import Batch

FROZEN_NOW = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


def frozen_now() -> datetime:
    return FROZEN_NOW


def test_settings() -> Settings:
    return Settings(
        parse_workers=1,
        ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1),
    )


def build_demo_cache(data_dir: Path, *, broken_url: str | None = None) -> None:
    """Ingest the demo feeds into data_dir, with fixed fetch times (and one failing feed)."""
    with Library.open(data_dir, settings=test_settings()) as lib:
        lib.subscribe(demo_feeds())
        if broken_url:
            lib.add_feed(broken_url, title="Broken Example Feed", tags=["Demo"])
        refresh_sync(lib)
        feeds = []
        for n, feed in enumerate(lib.sorted_feeds()):
            feed.last_fetched = FROZEN_NOW - timedelta(minutes=5 + n)
            if feed.last_error:
                feed.error_at = feed.last_fetched
            feeds.append(feed)
        lib.commit(Batch(feeds=feeds))


def copy_cache(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def open_library(data_dir: Path) -> Library:
    return Library.open(data_dir, settings=test_settings())


def make_app(data_dir: Path, state_dir: Path):  # noqa: ANN201 - NewsReaderApp
    from newsreader.ui.app import NewsReaderApp

    return NewsReaderApp(
        open_library(data_dir),
        now=frozen_now,
        state_file=state_dir / "ui.json",
        refresh_on_start=False,
    )


async def settle(pilot, app=None) -> None:  # noqa: ANN001 - a Pilot and its App
    """Let debounce timers, the index build and workers finish (three rounds: a worker's
    result may start another)."""
    from textual.worker import WorkerCancelled

    app = app if app is not None else pilot.app
    for _ in range(3):
        await pilot.pause(0.2)
        for _ in range(20):
            try:
                await app.workers.wait_for_complete()
                break
            except WorkerCancelled:  # superseded by a newer one (exclusive workers): by design
                await pilot.pause()
        await pilot.pause()
