"""Benchmark of the tag pane's rebuild with 30,000 distinct categories (not collected by pytest).

Run: .venv/bin/python bench/tag_pane_bench.py [--articles 25000] [--categories 30000] [--runs 5]

A Library is opened on an empty temporary cache and filled in memory (no disk writes) with
synthetic feeds and articles: every article carries one or two categories of its own (so all
`--categories` names occur), one of 200 popular topics, one feed-wide category per feed (the
"video games" on every Giant Bomb item), and its feed's user tags, as ingest/normalise.py would
merge them.
The real main screen runs headless (`App.run_test`); what is timed, wall-clock:
- `Library.tag_counts()` alone;
- `MainScreen._fill_tags()` (counting + `TagPane.set_data` + the OptionList rebuild);
- the same followed by `pilot.pause()`, i.e. until the pane has been repainted;
- with the new pane, the same after expanding the folded topics once (`… N more`).
Min, median and max of `--runs` runs are printed (on a shared machine the min is the figure
least disturbed by other processes).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.config import Settings, UiSettings
from newsreader.library import Library
from newsreader.models import Article, Feed, merge_tags
from newsreader.ui.app import NewsReaderApp

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
USER_TAGS = ["Tech", "Deutsch", "News", "Podcasts", "Science", "Local"]


def fill_library(lib: Library, articles: int, categories: int, feeds: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = [f"Category {i:05d}" for i in range(categories)]
    popular = names[:200]
    for n in range(feeds):
        feed = Feed.new(f"https://feed{n}.example/rss", title=f"Feed {n}")
        feed.tags = rng.sample(USER_TAGS, k=rng.randint(0, 2))
        lib.feeds[feed.id] = feed
    feed_list = list(lib.feeds.values())
    for i in range(articles):
        feed = feed_list[i % feeds]
        own = [names[i % categories]]
        if i + articles < categories:  # the names no article reached yet
            own.append(names[i + articles])
        cats = [*own, rng.choice(popular), f"Feed-wide {i % feeds}"]
        art = Article(
            id=f"a{i}",
            feed_id=feed.id,
            guid=f"a{i}",
            headline=f"Headline {i}",
            published=NOW - timedelta(minutes=7 * i),
            tags=merge_tags(cats, feed.tags),
            read=rng.random() < 0.4,
        )
        lib.articles[art.id] = art


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(label: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(
        f"{label:<44} min {min(ms):7.1f}   median {statistics.median(ms):7.1f}"
        f"   max {max(ms):7.1f} ms  ({len(ms)} runs)"
    )


async def bench(args: argparse.Namespace) -> None:
    settings = Settings(ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1))
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(Path(tmp) / "data", settings=settings)
        fill_library(lib, args.articles, args.categories, args.feeds)
        distinct = len(lib.tag_counts())
        print(
            f"{len(lib.articles):,} articles, {len(lib.feeds):,} feeds, {distinct:,} distinct tags"
        )
        report("Library.tag_counts()", [timed(lib.tag_counts) for _ in range(args.runs)])
        app = NewsReaderApp(
            lib, now=lambda: NOW, state_file=Path(tmp) / "ui.json", refresh_on_start=False
        )
        async with app.run_test(size=(150, 42)) as pilot:
            await pilot.pause()
            screen = app.screen
            pane = screen.tags  # type: ignore[attr-defined]
            print(f"pane rows after the first fill: {pane.option_count:,}")
            fill = screen._fill_tags  # type: ignore[attr-defined]
            report("MainScreen._fill_tags()", [timed(fill) for _ in range(args.runs)])
            painted = []
            for _ in range(args.runs):
                start = time.perf_counter()
                fill()
                await pilot.pause()
                painted.append(time.perf_counter() - start)
            report("_fill_tags() + repaint", painted)
            more = getattr(pane, "expand_topics", None)
            if more is None:
                return
            expanding = []
            for _ in range(3):
                start = time.perf_counter()
                more()
                await pilot.pause()
                expanding.append(time.perf_counter() - start)
            report("expand the topics (Enter on … more) + repaint", expanding)
            print(f"pane rows after expanding: {pane.option_count:,}")
            report("_fill_tags() expanded", [timed(fill) for _ in range(args.runs)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=25_000)
    parser.add_argument("--categories", type=int, default=30_000)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    asyncio.run(bench(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
