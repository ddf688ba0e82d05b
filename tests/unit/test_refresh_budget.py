"""A refresh is bounded: a total budget after which what still waits fails with its own line, and
a slow host holds only its own slots. Real loopback servers on two host addresses."""

from __future__ import annotations

import time
from pathlib import Path

from feedserver import FeedServer
from newsreader.config import Settings, load_settings
from newsreader.ingest.refresh import FAILED, UPDATED, refresh_sync
from newsreader.library import Library
from sample_feeds import item, rss

STALLED = 6


def test_stalled_host_is_cut_by_the_budget_and_the_other_host_is_not_held_back(
    data_dir: Path,
) -> None:
    # Per feed 3 s, 2 per host: six stalled feeds on one host would take 3 x 3 s = 9 s.
    settings = Settings(timeout=3.0, per_host=2, concurrency=8, refresh_budget=4.0, parse_workers=1)
    slow, fast = FeedServer("127.0.0.2").start(), FeedServer("127.0.0.3").start()
    try:
        slow.route("/stalled", body=rss("Stalled", [item(1)]), stall_after=20)
        fast.route("/feed", body=rss("Fast", [item(2), item(3)]), delay=0.05)
        with Library.open(data_dir, settings=settings) as lib:
            lib.add_feeds([(slow.url(f"/stalled?n={n}"), "", []) for n in range(STALLED)])
            lib.add_feeds([(fast.url(f"/feed?n={n}"), "", []) for n in range(6)])
            started = time.monotonic()
            summary = refresh_sync(lib)
            took = time.monotonic() - started
            url_of = {f.id: f.url for f in lib.feeds.values()}
    finally:
        slow.stop()
        fast.stop()
    assert len(summary.reports) == 12
    fast_outcomes = [r.outcome for r in summary.reports if "127.0.0.3" in url_of[r.feed_id]]
    assert fast_outcomes == [UPDATED] * 6
    errors = sorted(r.error or "" for r in summary.reports if r.outcome == FAILED)
    # Bounded: the budget (4 s), not 9 s; slack for commits and a loaded machine.
    assert took < 4.0 + 2.5, took
    assert len(errors) == STALLED
    timed_out = [e for e in errors if e.startswith("timed out after 3 s")]
    cut = [e for e in errors if "budget ran out" in e]
    waiting = [e for e in cut if e.endswith("while waiting for 127.0.0.2")]
    # Two stalled in their slots time out at 3 s; the next two are cut mid-download by the
    # budget at 4 s; the last two never got a slot.
    assert len(timed_out) == 2 and len(cut) == 4 and len(waiting) == 2, errors


def test_fast_host_finishes_while_slow_host_stalls(data_dir: Path) -> None:
    settings = Settings(timeout=2.0, per_host=2, concurrency=2, refresh_budget=0, parse_workers=1)
    slow, fast = FeedServer("127.0.0.2").start(), FeedServer("127.0.0.3").start()
    try:
        slow.route("/stalled", body=rss("Stalled", [item(1)]), stall_after=20)
        fast.route("/feed", body=rss("Fast", [item(2)]))
        with Library.open(data_dir, settings=settings) as lib:
            lib.add_feeds([(slow.url(f"/stalled?n={n}"), "", []) for n in range(4)])
            lib.add_feeds([(fast.url(f"/feed?n={n}"), "", []) for n in range(4)])
            seen: list[tuple[float, str]] = []
            started = time.monotonic()
            refresh_sync(
                lib,
                on_progress=lambda p: seen.append((time.monotonic() - started, p.report.outcome)),
            )
    finally:
        slow.stop()
        fast.stop()
    updated = [t for t, outcome in seen if outcome == UPDATED]
    # With only 2 slots overall, the stalled host's queued feeds hold none: the fast host's
    # four feeds are done within the first stall, not after it.
    assert len(updated) == 4 and max(updated) < 1.8, seen


def test_budget_is_read_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[refresh]\nrefresh_budget = 45\n", encoding="utf-8")
    assert load_settings(config).refresh_budget == 45.0
    assert Settings().refresh_budget == 120.0
