#!/usr/bin/env python3
"""Sync with a feed server at size: the first sync of a large account, a sync with nothing
new, and one after many marks on the server, each as `newsreader sync` (a fresh process, as
cron runs it: wall time and peak RSS).

    .venv/bin/python bench/sync_bench.py [--items 20000] [--feeds 100] [--fever-items 3000]

Google Reader API: the tests' loopback server (`tests/greader_server.py`, pages of up to
1,000, as a server that caps `n`) holding ITEMS items in FEEDS feeds. Fever: a real
coldsweat 0.10.2 (`tests/coldsweat_server.py`) subscribed to loopback feeds holding
FEVER_ITEMS items (coldsweat's own fetch of them is not timed). Figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from coldsweat_server import Coldsweat  # noqa: E402
from greader_server import GReaderServer  # noqa: E402

from feedserver import FeedServer  # noqa: E402
from newsreader.library import Library  # noqa: E402
from newsreader.sync.accounts import Account, Accounts  # noqa: E402
from sample_feeds import item, rss  # noqa: E402


def sync(env: dict[str, str]) -> tuple[float, float, float, str]:
    """One `newsreader sync` process: (wall s, its CPU s, its peak RSS in MiB, its summary):
    the CPU apart from the wall, since the loopback server shares the machine's 2 cores."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(err)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.strip()


def folder(root: Path, account: Account) -> dict[str, str]:
    (root / "data").mkdir(parents=True)
    (root / "config").mkdir()
    Accounts(root / "config").add(account)
    return {
        **os.environ,
        "NEWSREADER_DATA_DIR": str(root / "data"),
        "NEWSREADER_CONFIG_DIR": str(root / "config"),
    }


def greader(items: int, feeds: int, tmp: Path) -> None:
    now = int(time.time()) - 86400
    with GReaderServer() as server:
        ids = [
            server.add_feed(n, f"https://site{n}.example/feed.xml", f"Feed {n}")
            for n in range(feeds)
        ]
        for n in range(items):
            server.add_item(ids[n % feeds], f"Item {n} of the bench", published=now + n)
        account = Account("bench", "greader", server.url, server.user, password=server.password)
        env = folder(tmp / "greader", account)
        first = sync(env)
        again = sync(env)
        for it in list(server.items.values())[: items // 10]:
            it.read = True
        marks = sync(env)
        with Library.open(tmp / "greader" / "data") as lib:
            stored = len(lib.articles)
        state = (tmp / "greader" / "data" / "sync" / "bench.json").stat().st_size
    print(f"\n### Google Reader API, {items:,} items in {feeds} feeds (loopback server)\n")
    print("| sync | wall s | CPU s | peak RSS MiB | summary |\n|---|---:|---:|---:|---|")
    for name, (wall, cpu, rss_mib, line) in (
        ("first", first),
        ("nothing new", again),
        (f"{items // 10:,} read on the server", marks),
    ):
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss_mib:.0f} | {line} |")
    print(f"\n{stored:,} articles stored; state file {state / 1e6:.1f} MB")


def fever(items: int, tmp: Path) -> None:
    per_feed = 500
    with FeedServer() as feeds:
        urls = {}
        for f in range(max(1, items // per_feed)):
            entries = [
                item(f * 10_000 + n, f"Feed {f} story {n}", hours=1 + n / 100)
                for n in range(per_feed)
            ]
            feeds.route(f"/f{f}.xml", body=rss(f"Feed {f}", entries))
            urls[f"Feed {f}"] = feeds.url(f"/f{f}.xml")
        t0 = time.perf_counter()
        server = Coldsweat(tmp / "coldsweat", urls)
        setup = time.perf_counter() - t0
        with server:
            account = Account("bench", "fever", server.url, server.user, password=server.password)
            env = folder(tmp / "fever", account)
            first = sync(env)
            again = sync(env)
    print(f"\n### Fever, {items:,} items (coldsweat 0.10.2; its setup and fetch {setup:.1f} s)\n")
    print("| sync | wall s | CPU s | peak RSS MiB | summary |\n|---|---:|---:|---:|---|")
    for name, (wall, cpu, rss_mib, line) in (("first", first), ("nothing new", again)):
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss_mib:.0f} | {line} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--fever-items", type=int, default=3_000)
    args = ap.parse_args()
    print(f"sync_bench {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        greader(args.items, args.feeds, Path(tmp))
        if args.fever_items:
            fever(args.fever_items, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
