"""Benchmark of HeadlineList with 25,000 synthetic articles, headless (not collected by pytest).

Run: .venv/bin/python bench/ui_headlines_bench.py [--rows 25000] [--presses 300] [--size 120x40]

What is measured (all wall-clock, time.perf_counter, one process, headless driver):
- fill: `HeadlineList.set_articles(rows)` alone, inside the host app's on_mount.
- first paint: from just before `App.run_test` is entered to the end of the first
  `HeadlineList.render_lines` call that returned rows of articles (the compositor has the
  list's lines; the headless driver writes them right after). "run_test ready" is the time
  until `run_test` hands over the pilot and one `pilot.pause()` has returned.
- key to repaint, two ways:
  "pilot": for each press, the time of `await pilot.press(key)` followed by
  `await pilot.pause()`. press() posts the key and waits until the screen has processed every
  pending event (binding -> action -> cursor move -> Highlighted posted and handled by the host);
  pause() waits for idle and then runs the screen's update, which renders the dirty lines and
  writes the frame. Pilot polls for idleness in 20 ms sleeps (textual._wait.wait_for_idle), so
  this has a floor of ~60 ms whatever the widget does.
  "frame": the key event handed to the driver's queue exactly as Pilot does it
  (`driver.send_message(events.Key(...))`), until the end of the first
  `Screen._compositor_refresh` after it (the frame with the moved cursor is written). This
  includes Textual's frame pacing (the screen updates on a 1/60 s timer), i.e. what a user sees.
  "render" is the share spent inside HeadlineList.render_lines.
  The same loops on a 1,000-row list show what Pilot and Textual cost regardless of list size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from newsreader.models import Article
from newsreader.ui.widgets.headline_list import HeadlineList

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
WORDS = [
    "budget",
    "storm",
    "election",
    "court",
    "council",
    "minister",
    "energy",
    "rail",
    "strike",
    "market",
    "climate",
    "football",
    "vote",
    "bridge",
    "hospital",
    "school",
    "police",
    "festival",
    "日本",
    "経済",
    "뉴스",
    "Москва",
    "🌧️",
    "update",
    "report",
]


def synthetic_articles(count: int, feeds: int = 500, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = rng.choices(WORDS, k=rng.randint(4, 18))
        out.append(
            Article(
                id=f"a{i}",
                feed_id=f"f{i % feeds}",
                guid=f"a{i}",
                headline=" ".join(words).capitalize(),
                published=NOW - timedelta(minutes=7 * i),
                read=rng.random() < 0.4,
                starred=rng.random() < 0.02,
            )
        )
    return out


class TimedHeadlineList(HeadlineList):
    """Records the first filled paint and the time spent rendering."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.first_filled_paint: float | None = None
        self.render_seconds = 0.0

    def render_lines(self, crop: Region) -> list[Strip]:
        start = time.perf_counter()
        lines = super().render_lines(crop)
        end = time.perf_counter()
        self.render_seconds += end - start
        if self.first_filled_paint is None and self.articles:
            self.first_filled_paint = end
        return lines


class BenchApp(App[None]):
    def __init__(self, articles: Sequence[Article]) -> None:
        super().__init__()
        self.rows = articles
        self.fill_seconds = 0.0
        self.highlights = 0

    def compose(self) -> ComposeResult:
        yield TimedHeadlineList(now=lambda: NOW, feed_title=lambda fid: f"Feed {fid} news")

    def on_mount(self) -> None:
        headlines = self.query_one(TimedHeadlineList)
        start = time.perf_counter()
        headlines.set_articles(self.rows)
        self.fill_seconds = time.perf_counter() - start
        headlines.focus()

    def on_headline_list_highlighted(self, event: HeadlineList.Highlighted) -> None:
        self.highlights += 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(articles: Sequence[Article], presses: int, size: tuple[int, int]) -> dict:
    app = BenchApp(articles)
    start = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        ready = time.perf_counter() - start
        widget = app.query_one(TimedHeadlineList)
        first = (widget.first_filled_paint or float("nan")) - start
        results: dict = {"fill": app.fill_seconds, "first_paint": first, "ready": ready}
        plan = (("down", presses), ("pagedown", max(1, presses // 3)))
        for key, count in plan:
            results[key] = await pilot_latencies(pilot, widget, key, count)
        for key, count in plan:
            results[f"frame-{key}"] = await frame_latencies(app, pilot, widget, key, count)
        results["highlights"] = app.highlights
    return results


async def back_to_top_if_at_end(pilot: Pilot[None], widget: TimedHeadlineList) -> None:
    """Untimed: every timed press must really move the cursor."""
    if widget.cursor_row >= len(widget.articles) - 1:
        await pilot.press("home")
        await pilot.pause()


async def pilot_latencies(
    pilot: Pilot[None], widget: TimedHeadlineList, key: str, count: int
) -> tuple[list[float], list[float]]:
    """`await pilot.press(key)` + `await pilot.pause()`, per press."""
    times: list[float] = []
    renders: list[float] = []
    for _ in range(count):
        await back_to_top_if_at_end(pilot, widget)
        rendered = widget.render_seconds
        t0 = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.perf_counter() - t0)
        renders.append(widget.render_seconds - rendered)
    return times, renders


async def frame_latencies(
    app: BenchApp, pilot: Pilot[None], widget: TimedHeadlineList, key: str, count: int
) -> tuple[list[float], list[float]]:
    """Key event into the driver queue -> end of the compositor refresh showing the move."""
    screen = app.screen
    painted = asyncio.Event()
    original = screen._compositor_refresh

    def refresh_and_signal() -> None:
        original()
        painted.set()

    screen._compositor_refresh = refresh_and_signal  # type: ignore[method-assign]
    driver = app._driver
    assert driver is not None
    times: list[float] = []
    renders: list[float] = []
    try:
        for _ in range(count):
            await back_to_top_if_at_end(pilot, widget)
            await pilot.pause()
            row = widget.cursor_row
            rendered = widget.render_seconds
            event = events.Key(key, None)
            event.set_sender(app)
            painted.clear()
            t0 = time.perf_counter()
            driver.send_message(event)
            while True:
                await asyncio.wait_for(painted.wait(), timeout=5)
                if widget.cursor_row != row:
                    break
                painted.clear()  # a frame for something else came first
            times.append(time.perf_counter() - t0)
            renders.append(widget.render_seconds - rendered)
    finally:
        del screen._compositor_refresh
    return times, renders


def report(label: str, res: dict) -> None:
    print(f"\n{label}")
    print(f"  set_articles (fill)           {res['fill'] * 1000:8.1f} ms")
    print(f"  run_test start -> first paint {res['first_paint'] * 1000:8.1f} ms")
    print(f"  run_test start -> ready+pause {res['ready'] * 1000:8.1f} ms")
    for key in ("down", "pagedown", "frame-down", "frame-pagedown"):
        times, renders = res[key]
        ms = [t * 1000 for t in times]
        how = "key->frame   " if key.startswith("frame") else "press+pause  "
        print(
            f"  {key.removeprefix('frame-'):<8} x{len(ms):<4} {how} p50 {pct(ms, 50):6.2f} ms  "
            f"p95 {pct(ms, 95):6.2f} ms  max {max(ms):6.2f} ms  "
            f"(render_lines p50 {statistics.median(renders) * 1000:5.2f} ms)"
        )
    print(f"  Highlighted messages handled by the host: {res['highlights']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=25_000)
    ap.add_argument("--presses", type=int, default=300)
    ap.add_argument("--size", default="120x40")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    t0 = time.perf_counter()
    articles = synthetic_articles(args.rows)
    print(
        f"generated {args.rows} articles in {time.perf_counter() - t0:.2f} s; "
        f"terminal {width}x{height}"
    )
    big = asyncio.run(measure(articles, args.presses, (width, height)))
    small = asyncio.run(measure(articles[:1000], args.presses, (width, height)))
    report(f"{args.rows} rows", big)
    report("1000 rows (baseline: Pilot + Textual cost)", small)
    for key, what in (("frame-down", "key->frame"), ("down", "press+pause")):
        p95 = pct(big[key][0], 95) * 1000
        verdict = "met" if p95 < 50 else "missed"
        print(f"target down p95 < 50 ms, {what}: {verdict} ({p95:.2f} ms)")


if __name__ == "__main__":
    main()
