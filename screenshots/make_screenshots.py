#!/usr/bin/env python3
"""Make the README's screenshots from the real app on the bundled demo data.

    .venv/bin/python screenshots/make_screenshots.py

Writes SVGs next to this script. The clock is fixed to the demo's last day so the times
shown are the same on every run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from newsreader.app import NewsReaderApp
from newsreader.config import Settings, UiSettings
from newsreader.demo import demo_feeds
from newsreader.library import Library
from newsreader.refresh import refresh

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


async def demo_library(data: Path) -> Library:
    settings = Settings(ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1))
    lib = Library.open(data, settings=settings)
    lib.subscribe(demo_feeds())
    await refresh(lib)
    return lib


async def settle(pilot) -> None:  # noqa: ANN001
    for _ in range(3):
        await pilot.pause(0.2)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(
    name: str, size: tuple[int, int], keys: list[str], scroll_to_related: bool = False
) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        lib = await demo_library(Path(tmp) / "data")
        app = NewsReaderApp(
            lib, now=lambda: NOW, state_file=Path(tmp) / "ui.json", refresh_on_start=False
        )
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            if scroll_to_related:
                from newsreader.ui.article_view import ArticleView

                view = app.screen.query_one(ArticleView)
                view.scroll_end(animate=False)
                await settle(pilot)
            path = HERE / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(HERE))
        lib.close()
    return path


async def main() -> int:
    shots = [
        ("three-panes", (150, 42), ["j", "j", "j", "j", "enter"], False),
        ("related-stories", (150, 42), ["j", "j", "j", "j", "enter"], True),
        ("narrow", (80, 24), ["enter"], False),
        ("help", (150, 42), ["question_mark"], False),
    ]
    for name, size, keys, related in shots:
        path = await shoot(name, size, keys, related)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
