#!/usr/bin/env python3
"""The reader itself on a 25,000-article cache: start to first paint, key to repaint, article.

    .venv/bin/python bench/app_bench.py [--feeds 500] [--per-feed 50] [--runs 5]

0. The cache: the shared bench corpus (`../shared/bench/gen_corpus.py`, seed 42, as in
   refresh_bench and search_bench), served on loopback and refreshed in (search_bench's).
1. Start to first paint: the installed `newsreader` in a real terminal (tmux, 160x45); the
   clock starts when the command is typed and stops when `capture-pane` (polled every 10 ms)
   shows the filled headline list. Includes interpreter start, imports, loading the cache and
   tmux drawing the frame.
2. Key press to repaint: in-process, headless (App.run_test), the real app on the same cache;
   a `down` key event goes into the driver's queue as Pilot sends it, the clock stops at the
   end of the first screen refresh that shows the moved cursor (so Textual's 1/60 s frame
   pacing is included). The article pane's debounce means no article renders on the way.
3. Showing an article with its related stories: `_open(id)` on 40 random articles until the
   frame that shows it (Markdown conversion, related query over 25,000 articles, the widgets).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from newsreader.config import Settings, UiSettings  # noqa: E402
from newsreader.library import Library  # noqa: E402

SHARED = HERE.parents[1] / "shared" / "bench"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build_cache(data: Path, feeds: int, per_feed: int) -> int:
    """The shared bench corpus (as in refresh_bench and search_bench: generated, served on
    loopback, `newsreader import` + `refresh`), copied so the runs here cannot change it."""
    if per_feed != 50:
        raise SystemExit("the cached corpora have 50 items per feed")
    from search_bench import build_cache as served_cache

    shutil.copytree(served_cache(feeds, 8890 + feeds % 100), data)
    with Library.open(data, settings=Settings()) as lib:
        return len(lib.articles)


def first_paint(data: Path, config: Path, total: int, runs: int) -> list[float]:
    command = Path(sys.executable).with_name("newsreader")
    times = []
    for _ in range(runs):
        session = f"nrb-{uuid.uuid4().hex[:6]}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45", "sh"], check=True
        )
        subprocess.run(
            ["tmux", "resize-window", "-t", session, "-x", "160", "-y", "45"], check=True
        )
        line = (
            f"env -u COLUMNS -u LINES NEWSREADER_DATA_DIR={data} "
            f"NEWSREADER_CONFIG_DIR={config} {command}"
        )
        time.sleep(0.3)
        t0 = time.perf_counter()
        subprocess.run(["tmux", "send-keys", "-t", session, line, "Enter"], check=True)
        marker = f"All articles · {total}"
        while True:
            out = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if marker in out and "●" in out:
                times.append(time.perf_counter() - t0)
                break
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("no first paint within 30 s:\n" + out)
            time.sleep(0.01)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"])
        time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return times


def signal_paints(screen) -> asyncio.Event:  # noqa: ANN001 - a Textual Screen
    """An event set after each frame the screen composes (undo with `del
    screen._compositor_refresh`): what key-to-repaint figures wait for."""
    painted = asyncio.Event()
    original = screen._compositor_refresh

    def refresh_and_signal() -> None:
        original()
        painted.set()

    screen._compositor_refresh = refresh_and_signal
    return painted


async def in_app(data: Path, presses: int, articles: int) -> dict[str, list[float]]:
    from textual import events

    from newsreader.ui.app import NewsReaderApp
    from newsreader.ui.widgets.article_view import ArticleView
    from newsreader.ui.widgets.headline_list import HeadlineList

    settings = Settings(ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1))
    lib = Library.open(data, settings=settings)
    gc.freeze()  # as `newsreader` does after loading (cli._open): the cache out of GC passes
    app = NewsReaderApp(lib, state_file=data.parent / "ui.json", refresh_on_start=False)
    out: dict[str, list[float]] = {"key": [], "article": []}
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()  # the indexes are built in a worker at start
        screen = app.screen
        headlines = screen.query_one(HeadlineList)
        view = screen.query_one(ArticleView)
        painted = signal_paints(screen)
        driver = app._driver
        assert driver is not None
        for _ in range(presses):
            if headlines.cursor_row >= len(headlines.articles) - 2:
                headlines.move_cursor(0)
            await pilot.pause()
            row = headlines.cursor_row
            event = events.Key("down", None)
            event.set_sender(app)
            painted.clear()
            t0 = time.perf_counter()
            driver.send_message(event)
            while True:
                await asyncio.wait_for(painted.wait(), timeout=5)
                if headlines.cursor_row != row:
                    break
                painted.clear()
            out["key"].append(time.perf_counter() - t0)
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        rng = random.Random(1)
        for article_id in rng.sample(list(lib.articles), articles):
            await pilot.pause()
            t0 = time.perf_counter()
            screen._open(article_id)
            while view.article_id != article_id:
                await asyncio.sleep(0.002)
            painted.clear()
            await asyncio.wait_for(painted.wait(), timeout=5)
            out["article"].append(time.perf_counter() - t0)
        del screen._compositor_refresh
    lib.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--per-feed", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--presses", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, config = Path(tmp) / "data", Path(tmp) / "config"
        config.mkdir()
        (config / "config.toml").write_text("[ui]\nrefresh_on_start = false\n")
        total = build_cache(data, args.feeds, args.per_feed)
        print(f"cache: {total} articles in {args.feeds} feeds (bench corpus, seed 42)")
        if shutil.which("tmux"):
            fp = first_paint(data, config, total, args.runs)
            print(
                f"start to first paint (tmux, real process): median {statistics.median(fp):.2f} s"
                f" (min {min(fp):.2f}, max {max(fp):.2f}, n={len(fp)})"
            )
        res = asyncio.run(in_app(data, args.presses, 40))
        key, art = res["key"], res["article"]
        print(
            f"key press to repaint over {total} headlines: p50 {pct(key, 50) * 1000:.1f} ms, "
            f"p95 {pct(key, 95) * 1000:.1f} ms, max {max(key) * 1000:.1f} ms (n={len(key)})"
        )
        print(
            f"article with related stories shown: p50 {pct(art, 50) * 1000:.1f} ms, "
            f"p95 {pct(art, 95) * 1000:.1f} ms, max {max(art) * 1000:.1f} ms (n={len(art)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
