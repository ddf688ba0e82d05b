"""Parse cost per feed: the compiled path (ingest/fastpath.py) against feedparser's, side by side.

Every document goes through `parse_feed` (decode, prepare, parse, normalise: what a worker does
per fetched feed) twice per round, once per path, alternating which goes first; CPU time per
document, medians over rounds. Also how many documents the fast path answered.

    python bench/parse_bench.py [--rounds 3] DIR_OR_FILE...

Defaults: the realnews snapshot and the first 500 feeds of /tmp/bench/nr/corpus-2000x50.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import contextlib

from newsreader.ingest import fastpath, xmlfeed  # noqa: E402
from newsreader.ingest.parse import ParseError, parse_feed  # noqa: E402
from newsreader.models import Feed  # noqa: E402
from shared_paths import REALNEWS  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FEED = Feed(id="f1", url="https://example.org/feed")
CORPUS = Path("/tmp/bench/nr/corpus-2000x50/feeds")


def cpu_of(data: bytes, fast: bool) -> float:
    start = time.process_time()
    with contextlib.suppress(ParseError):
        parse_feed(data, feed=FEED, url=FEED.url, now=NOW, fast=fast)
    return time.process_time() - start


def measure(name: str, docs: list[bytes], rounds: int) -> None:
    answered = 0
    for data in docs:
        calls: list[bool] = []
        original = xmlfeed.fast_raw

        def spy(text: str, calls: list[bool] = calls, original=original):  # type: ignore[no-untyped-def]
            raw = original(text)
            calls.append(raw is not None)
            return raw

        xmlfeed.fast_raw = spy  # type: ignore[assignment]
        try:
            parse_feed(data, feed=FEED, url=FEED.url, now=NOW)
        except ParseError:
            pass
        finally:
            xmlfeed.fast_raw = original
        answered += any(calls)
    totals: dict[bool, list[float]] = {True: [], False: []}
    for round_no in range(rounds):
        per: dict[bool, float] = {True: 0.0, False: 0.0}
        for i, data in enumerate(docs):
            order = (True, False) if (i + round_no) % 2 else (False, True)
            for fast in order:
                per[fast] += cpu_of(data, fast)
        for fast in per:
            totals[fast].append(per[fast])
    fast_s, slow_s = statistics.median(totals[True]), statistics.median(totals[False])
    n = len(docs)
    print(
        f"{name}: {n} documents, fast path answered {answered} ({answered / n:.0%}); "
        f"CPU per document: feedparser {slow_s / n * 1000:.1f} ms, "
        f"with fast path {fast_s / n * 1000:.1f} ms; ratio {fast_s / slow_s:.3f}x "
        f"(median of {rounds} rounds)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus-feeds", type=int, default=500)
    args = parser.parse_args()
    if not fastpath.available():
        sys.exit("feedparser-rs is not installed")
    sets: list[tuple[str, list[Path]]] = []
    if args.paths:
        for path in args.paths:
            files = sorted(path.iterdir()) if path.is_dir() else [path]
            sets.append((str(path), [f for f in files if f.suffix != ".md"]))
    else:
        sets.append(("realnews (13 German news feeds)", sorted(REALNEWS.glob("*.xml"))))
        corpus = sorted(CORPUS.glob("feed*.xml"))[: args.corpus_feeds]
        sets.append((f"bench corpus ({len(corpus)} feeds x 50)", corpus))
    for name, files in sets:
        measure(name, [f.read_bytes() for f in files], args.rounds)


if __name__ == "__main__":
    main()
