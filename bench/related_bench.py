"""Related-stories latency at 100,000 cached articles.

The corpus is the shared bench generator's (../shared/bench/gen_corpus.py, seeded: 2,000 feeds
x 50 items = 100,000 articles of German/English news in overlapping topic clusters), parsed by
our own parse_feed in two worker processes, plus the 1,531 real articles of ../shared/realnews
if present. Then: index build time, `related(k=5)` over 500 random seeds (p50/p95/max), and
`coverage()` (same story from other feeds) over the same seeds. Run it alone: the machine is
shared and noisy.

Usage: .venv/bin/python bench/related_bench.py [--feeds 2000] [--items 50] [--seeds 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from newsreader.indexes.related import RelatedIndex  # noqa: E402
from newsreader.models import Article, Feed, newest_first_key  # noqa: E402

NOW = datetime(2024, 11, 21, tzinfo=UTC)


def shared(name: str) -> Path | None:
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        if (base / name).exists():
            return base / name
    return None


def _parse(path: str) -> list[Article]:
    from newsreader.ingest.parse import parse_feed

    feed = Feed.new(Path(path).as_uri(), tags=["Bench"])
    try:
        parsed = parse_feed(Path(path).read_bytes(), feed=feed, url=feed.url, now=NOW)
    except Exception:  # noqa: BLE001 - a broken corpus file is skipped, not fatal
        return []
    return parsed.articles


def corpus(feeds: int, items: int) -> list[Path]:
    out = Path(f"/tmp/bench/corpus-{feeds}x{items}")
    if not (out / "feeds").is_dir():
        gen = shared("bench/gen_corpus.py")
        if gen is None:
            raise SystemExit("../shared/bench/gen_corpus.py not found")
        subprocess.run(
            [sys.executable, str(gen), str(out), "--feeds", str(feeds), "--items", str(items)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = sorted((out / "feeds").glob("*.xml"))
    realnews = shared("realnews/2024-12-21-de")
    if realnews is not None:
        files += sorted(realnews.glob("*.xml"))
    return files


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=500)
    args = ap.parse_args()

    files = corpus(args.feeds, args.items)
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        parsed = list(pool.map(_parse, [str(f) for f in files], chunksize=20))
    articles = {a.id: a for batch in parsed for a in batch}
    print(
        f"corpus: {len(files)} feeds, {len(articles):,} articles, parsed in "
        f"{time.perf_counter() - started:.1f} s"
    )

    index = RelatedIndex(articles, lambda fid: fid, lambda fid: ["Bench"])
    started = time.perf_counter()
    index.add_many(list(articles.values()))
    print(f"index build: {time.perf_counter() - started:.2f} s")

    rng = random.Random(7)
    seeds = rng.sample(sorted(articles), min(args.seeds, len(articles)))
    for _ in range(20):  # warm caches
        index.related(seeds[0])
    times, shown, stories = [], 0, 0
    for aid in seeds:
        t = time.perf_counter()
        got = index.related(aid, 5)
        times.append(time.perf_counter() - t)
        shown += len(got)
        stories += sum(r.same_story for r in got)
    cov = []
    for aid in seeds:
        t = time.perf_counter()
        index.coverage(aid)
        cov.append(time.perf_counter() - t)
    ms = [1000 * t for t in times]
    print(
        f"related(k=5), {len(seeds)} seeds: p50 {statistics.median(ms):.2f} ms, "
        f"p95 {pct(ms, 95):.2f} ms, max {max(ms):.2f} ms; "
        f"{shown / len(seeds):.2f} shown per seed, {stories} same-story"
    )
    cms = [1000 * t for t in cov]
    print(f"coverage(): p50 {statistics.median(cms):.2f} ms, p95 {pct(cms, 95):.2f} ms")

    # Folding whole stories: the reader works every group out in a worker after a change.
    ordered = sorted(articles.values(), key=newest_first_key)
    started = time.perf_counter()
    groups = index.stories(a.id for a in ordered)
    took = time.perf_counter() - started
    print(
        f"stories(): {took:.2f} s for {len(ordered):,} articles "
        f"({1000 * took / len(ordered):.3f} ms each), {len(groups):,} in a group"
    )


if __name__ == "__main__":
    main()
