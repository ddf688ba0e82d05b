"""Key to repaint for marking read (`m`) in the reader on a large cache: the key goes into the
driver's queue like a typed one; the time runs until the first frame after the article's read
state flipped (the headline list and the tag pane's counts are both redrawn by then).

    .venv/bin/python bench/mark_key_bench.py [--data /tmp/bench/c100k] [--presses 100]

Run it once per commit to compare (PYTHONPATH=OTHER/src for another checkout), one at a time:
these machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from pathlib import Path

from app_bench import signal_paints

from newsreader.config import Settings, UiSettings
from newsreader.library import Library


async def presses(data: Path, count: int) -> list[float]:
    from textual import events

    from newsreader.ui.app import NewsReaderApp
    from newsreader.ui.widgets.headline_list import HeadlineList

    settings = Settings(ui=UiSettings(refresh_on_start=False, refresh_minutes=0, read_delay=-1))
    lib = Library.open(data, settings=settings)
    gc.freeze()
    app = NewsReaderApp(lib, state_file=Path("/tmp/mark-key-bench-ui.json"), refresh_on_start=False)
    out: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        screen = app.screen
        headlines = screen.query_one(HeadlineList)
        painted = signal_paints(screen)
        driver = app._driver
        assert driver is not None
        for _ in range(count):
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()  # the previous mark's write behind
            article = lib.articles[headlines.article_id or ""]
            before = article.read
            event = events.Key("m", "m")
            event.set_sender(app)
            painted.clear()
            t0 = time.perf_counter()
            driver.send_message(event)
            while True:
                await asyncio.wait_for(painted.wait(), timeout=10)
                if article.read != before:
                    break
                painted.clear()
            out.append(time.perf_counter() - t0)
        del screen._compositor_refresh
    lib.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench/c100k"))
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    times = sorted(t * 1000 for t in asyncio.run(presses(args.data, args.presses)))
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"mark read key to repaint, {len(times)} presses: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
