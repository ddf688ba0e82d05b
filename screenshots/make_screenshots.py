#!/usr/bin/env python3
"""Make the README's screenshots from the real app on the bundled demo data.

    .venv/bin/python screenshots/make_screenshots.py

Writes SVGs next to this script. The clock is fixed to the demo's last day so the times
shown are the same on every run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from newsreader import image_cache
from newsreader.config import ImageSettings, Settings, UiSettings
from newsreader.demo import demo_feeds
from newsreader.ingest.refresh import refresh
from newsreader.library import Library
from newsreader.paths import CONFIG_DIR_ENV
from newsreader.store import Batch
from newsreader.ui.app import NewsReaderApp

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


IMAGE_URL = "https://images.example.org/hopper.jpg"
IMAGE_FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Computing History Weekly</title>
<link>https://history.example.org/</link>
<item><title>The admiral who taught computers English</title>
<link>https://history.example.org/hopper</link><guid>urn:shot:hopper</guid>
<category>History</category><pubDate>Fri, 20 Nov 2026 18:40:00 GMT</pubDate>
<description>Grace Hopper's compiler let programs be written in words.</description>
<content:encoded><![CDATA[<p><img src="{IMAGE_URL}"
 alt="Grace Hopper, 1984 (U.S. Navy photo, public domain)"></p>
<p>Her team's A-0 system of 1952 translated symbolic code into machine code, and the
FLOW-MATIC language that followed was the first to use English-like statements. COBOL,
designed in 1959, carried the idea to banks and governments.</p>
<p>She kept a clock on her office wall that ran backwards, to remind visitors that
"the most dangerous phrase in the language is: we have always done it this way".</p>]]>
</content:encoded>
</item></channel></rss>"""


async def demo_library(data: Path, images: str = "off", language: str = "en") -> Library:
    settings = Settings(
        ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1, language=language),
        images=ImageSettings(show=images),
    )
    lib = Library.open(data, settings=settings)
    lib.subscribe(demo_feeds())
    await refresh(lib)
    return lib


async def image_library(data: Path, images: str) -> Library:
    """The demo plus one article whose image is kept, as a full-text refresh leaves it (the
    photo is the one textual-image ships, a U.S. Navy photo in the public domain)."""
    import textual_image

    lib = await demo_library(data, images)
    feed_file = data.parent / "history.xml"
    feed_file.write_text(IMAGE_FEED, encoding="utf-8")
    feed = lib.add_feed(str(feed_file))
    await refresh(lib, [feed])
    photo = Path(textual_image.__file__).parent / "gracehopper.jpg"
    image_cache.save(data, IMAGE_URL, photo.read_bytes())
    (article,) = [a for a in lib.articles.values() if a.feed_id == feed.id]
    article.images = [IMAGE_URL]
    lib.commit(Batch(articles=[article]))
    return lib


async def settle(pilot) -> None:  # noqa: ANN001
    for _ in range(3):
        await pilot.pause(0.2)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def sync_account_down(lib: Library, config: Path) -> None:
    """A Google Reader account whose server is down, synced once for real: feed health then
    shows the account with its last error."""
    from newsreader.sync.accounts import Account, Accounts
    from newsreader.sync.engine import sync_account

    account = Account("home", "greader", "http://127.0.0.1:9/api/greader.php", "anna", "x")
    Accounts(config).add(account)
    sync_account(lib, account)


async def shoot(
    name: str,
    size: tuple[int, int],
    keys: list[str],
    scroll_to_related: bool = False,
    images: str = "",
    language: str = "en",
    account: bool = False,
) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        os.environ[CONFIG_DIR_ENV] = str(Path(tmp) / "config")  # never the user's own
        lib = await (
            image_library(data, images) if images else demo_library(data, language=language)
        )
        if account:
            sync_account_down(lib, Path(tmp) / "config")
        app = NewsReaderApp(
            lib, now=lambda: NOW, state_file=Path(tmp) / "ui.json", refresh_on_start=False
        )
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            if scroll_to_related:
                from newsreader.ui.widgets.article_view import ArticleView

                view = app.screen.query_one(ArticleView)
                view.scroll_end(animate=False)
                await settle(pilot)
            path = HERE / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(HERE))
        lib.close()
    return path


def typed(text: str) -> list[str]:
    """Keys that type `text` (a space is the key "space")."""
    return ["space" if c == " " else c for c in text]


async def main() -> int:
    import textual_image.widget  # noqa: F401 - as the CLI does before the app starts

    shots = [
        *(
            []
            if "--images" in sys.argv
            else [
                ("three-panes", (120, 40), ["j", "j", "j", "j", "enter"], False, ""),
                ("related-stories", (200, 50), ["j", "j", "j", "j", "enter"], True, ""),
                ("narrow", (80, 24), ["enter"], False, ""),
                ("help", (150, 42), ["question_mark"], False, ""),
                # A search with OR saved as "Weather" (w): its row and unread count in the tags
                (
                    "saved-searches",
                    (120, 34),
                    ["slash", *typed("Sturm OR Unwetter OR Regen"), "enter", "w"]
                    + [*typed("Weather"), "enter", "j", "enter"],
                    False,
                    "",
                ),
            ]
        ),
        # A snapshot terminal has no graphics protocol: half blocks, then the placeholder line.
        ("article-image", (150, 42), ["enter"], False, "blocks"),
        ("article-image-placeholder", (120, 30), ["enter"], False, "auto"),
    ]
    for name, size, keys, related, images in shots:
        path = await shoot(name, size, keys, related, images)
        print(f"wrote {path.relative_to(HERE.parent)}")
    if "--images" not in sys.argv:
        # Feed health (E) with a sync account whose server is down.
        path = await shoot("feed-health", (130, 32), ["E"], account=True)
        print(f"wrote {path.relative_to(HERE.parent)}")
        # The seed's language: German words, dates and source line ([ui] language = "de").
        keys = ["j", "j", "j", "enter"]
        path = await shoot("german", (150, 42), keys, True, "", language="de")
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
