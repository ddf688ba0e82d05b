"""What one small commit (mark one article read) costs as the cache grows, with the store's
per-commit cleanup as it was (a sweep of the whole shard folder against every file the
manifest names) and as it is (only the files this commit replaced), side by side in one run.

A synthetic cache of N feeds x 50 articles (short bodies: the cost in question does not depend
on them). For each size: the median and p95 of 40 "mark one read" commits, each variant
interleaved, and the manifest size. Run it alone (not collected by pytest).

Usage: .venv/bin/python bench/commit_bench.py [--sizes 200,500,2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import newsreader.store as store_module  # noqa: E402
from newsreader.models import Article, Feed, article_id_for  # noqa: E402
from newsreader.store import Batch, Store  # noqa: E402
from newsreader.store.recovery import _sweep  # noqa: E402

PER_FEED = 50
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def build(root: Path, feeds: int) -> list[str]:
    store = Store(root)
    store.open()
    ids: list[str] = []
    for start in range(0, feeds, 100):
        batch = Batch()
        for n in range(start, min(feeds, start + 100)):
            feed = Feed.new(f"https://bench.example/{n}.xml", title=f"Feed {n}")
            batch.feeds.append(feed)
            for i in range(PER_FEED):
                guid = f"urn:{n}:{i}"
                art = Article(
                    id=article_id_for(feed.id, guid),
                    feed_id=feed.id,
                    guid=guid,
                    headline=f"Headline {n} {i}",
                    published=NOW - timedelta(hours=i),
                    lead="A short lead.",
                )
                batch.articles.append(art)
                batch.bodies[art.id] = "<p>Body.</p>"
                ids.append(art.id)
        store.commit(batch)
    store.close()
    return ids


def full_sweep(root: Path, _old: object, new: object) -> None:
    """The cleanup as it was: every commit scanned the folder against the whole manifest."""
    _sweep(root, new)  # type: ignore[arg-type]


def measure(root: Path, ids: list[str], variant: str, rounds: int) -> list[float]:
    store = Store(root)
    store.open()
    original = store_module._drop_superseded
    if variant == "sweep":
        store_module._drop_superseded = full_sweep  # type: ignore[assignment]
    times = []
    try:
        for n in range(rounds):
            article_id = ids[(n * 7919) % len(ids)]
            started = time.perf_counter()
            store.commit(Batch(read={article_id: n % 2 == 0}))
            times.append(time.perf_counter() - started)
    finally:
        store_module._drop_superseded = original
        store.close()
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,500,2000", help="feed counts (x 50 articles)")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    print("feeds  articles  manifest  | mark read: sweep p50 / p95   | now p50 / p95   | ratio")
    for feeds in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "cache"
            ids = build(root, feeds)
            results: dict[str, list[float]] = {"sweep": [], "now": []}
            for _ in range(2):  # interleaved: the machine's noise hits both
                for variant in ("sweep", "now"):
                    results[variant] += measure(root, ids, variant, args.rounds // 2)
            size = (root / "manifest.json").stat().st_size
            old, new = results["sweep"], results["now"]
            print(
                f"{feeds:5d}  {len(ids):8,d}  {size / 1024:6.0f} KB"
                f"  | {statistics.median(old) * 1000:8.1f} / {p95(old) * 1000:6.1f} ms"
                f"  | {statistics.median(new) * 1000:6.1f} / {p95(new) * 1000:6.1f} ms"
                f"  | {statistics.median(old) / statistics.median(new):4.1f}x"
            )


if __name__ == "__main__":
    main()
