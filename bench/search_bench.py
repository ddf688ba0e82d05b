#!/usr/bin/env python3
"""Search at 10,000 / 25,000 / 100,000 articles: the CLI per query process, the reader's query,
the first build and the upkeep of the term index, beside the search as it was before it.

    .venv/bin/python bench/search_bench.py [--sizes 200,500,2000] [--old-ref 7e02d5e]

The caches: the shared bench corpus (`../shared/bench/gen_corpus.py`, seed 42, N feeds x 50
items, as in refresh_bench), served by `../shared/bench/serve.py` on loopback and taken in by
`newsreader import` + `newsreader refresh` (kept in /tmp/bench/search-<N>/ between runs).

Per size:
1. first build: `Library.sync_search()` from no index (once per cache, then kept on disk);
2. `newsreader search QUERY --limit 20` as a fresh process (wall, interpreter start included),
   for 10 queries, 3 rounds, interleaved with the same command of `--old-ref` (the commit
   before this index: it loaded the cache and re-extracted every body's text per call);
   the old one runs once per query from 25,000 articles, and for 3 queries at 100,000 (36 s
   each);
3. the reader's query: `Library.search(q, sync=False)` in-process on the open library, 300
   queries drawn (seeded) from headline words, prefixes, tags, phrases and flags;
4. upkeep: one feed's articles changed and committed, then `sync_search()` (what a refresh of
   one feed costs the index), and a sync with nothing to do (what every search pays first);
5. the index file's size beside the cache's.
Figures to stdout as Markdown; raw samples to bench/results/search-<date>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(ROOT / "src"))

from newsreader.indexes.fulltext import FILE_NAME  # noqa: E402
from newsreader.library import Library  # noqa: E402
from newsreader.store import Batch  # noqa: E402

QUERIES = [
    "Ukraine",
    "Flugabwehr",
    "tag:Ukraine unread",
    '"NATO sagt"',
    "Bundesliga Bayern",
    "Energ",
    "-Sport unread",
    "starred",
    "Wahl feed:Kurier",
    "Infrastruktur Schäden",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def dir_bytes(path: Path, *, skip: str = "") -> int:
    return sum(
        f.stat().st_size
        for f in path.rglob("*")
        if f.is_file() and not (skip and f.name.startswith(skip))
    )


def build_cache(feeds: int, port: int) -> Path:
    work = Path(f"/tmp/bench/search-{feeds}")
    data = work / "data"
    if (data / "manifest.json").exists():
        return data
    corpus = work / "corpus"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run(
        [sys.executable, str(SHARED / "gen_corpus.py"), str(corpus), "--feeds", str(feeds)]
        + ["--items", "50", "--seed", "42", "--port", str(port)],
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, str(SHARED / "serve.py"), str(corpus), "--port", str(port)]
        + ["--max-seconds", "900"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("serving"):
                break
        cmd = [str(Path(sys.executable).with_name("newsreader")), "--data-dir", str(data)]
        subprocess.run(
            [*cmd, "import", str(corpus / "feeds.opml")], check=True, capture_output=True
        )
        subprocess.run([*cmd, "refresh"], check=True, capture_output=True)
    finally:
        server.terminate()
        server.wait()
    return data


def old_tree(ref: str) -> Path:
    """The package as it was at `ref`, to run its CLI beside ours."""
    target = Path(tempfile.gettempdir()) / f"newsreader-{ref}"
    if not (target / "newsreader").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "src/newsreader"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["tar", "-x", "--strip-components=1", "-C", str(target)], input=archive, check=True
        )
    return target


def cli_search(data: Path, query: str, pythonpath: Path | None) -> float:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "import sys; from newsreader.cli import main; sys.exit(main(sys.argv[1:]))"
    words = [query] if query.startswith('"') else query.split()
    args = ["--data-dir", str(data), "search", "--limit", "20", "--", *words]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def reader_queries(lib: Library, n: int) -> list[str]:
    rng = random.Random(7)
    arts = list(lib.articles.values())
    words = [w for a in rng.sample(arts, min(2000, len(arts))) for w in a.headline.split()]
    words = [w.strip(".,:;!?\"'()«»„“") for w in words if len(w) > 3]
    tags = sorted({t for a in arts[:5000] for t in a.tags})
    out = []
    for i in range(n):
        kind = i % 6
        if kind == 0:
            out.append(rng.choice(words))
        elif kind == 1:
            out.append(" ".join(rng.sample(words, 2)))
        elif kind == 2:
            out.append(rng.choice(words)[:4])  # a prefix being typed
        elif kind == 3:
            out.append(f'tag:"{rng.choice(tags)}" unread')
        elif kind == 4:
            a = rng.choice(arts)
            out.append('"' + " ".join(a.headline.split()[:2]) + '"')
        else:
            out.append(f"{rng.choice(words)} -{rng.choice(words)} unread")
    return out


def one_size(feeds: int, port: int, old: Path | None, rounds: int) -> dict:
    data = build_cache(feeds, port)
    for f in data.glob(FILE_NAME + "*"):
        f.unlink()
    out: dict = {"feeds": feeds}
    with Library.open(data) as lib:
        gc.freeze()  # as the reader runs (cli._open): the loaded cache out of GC passes
        out["articles"] = len(lib.articles)
        started = time.perf_counter()
        lib.sync_search()
        out["first_build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        lib.sync_search()
        out["noop_sync_ms"] = (time.perf_counter() - started) * 1000
        lib.newest_first()  # the reader keeps this list (its first screen sorts it)
        started = time.perf_counter()
        lib.search_index.prepare()  # as the reader's search worker does after each sync
        out["prepare_ms"] = (time.perf_counter() - started) * 1000
        times = []
        for q in reader_queries(lib, 300):
            started = time.perf_counter()
            lib.search(q, sync=False)
            times.append((time.perf_counter() - started) * 1000)
        out["reader_ms"] = times
        victim = sorted(lib.feeds)[len(lib.feeds) // 2]
        arts = [a for a in lib.articles.values() if a.feed_id == victim]
        bodies = lib.store.load_bodies(victim)
        changed = [replace(a, headline=a.headline + " (aktualisiert)") for a in arts]
        lib.commit(Batch(articles=changed, bodies={a.id: bodies.get(a.id, "") for a in arts}))
        started = time.perf_counter()
        indexed = lib.sync_search()
        out["one_feed_sync_ms"] = (time.perf_counter() - started) * 1000
        out["one_feed_indexed"] = indexed
    out["index_mb"] = dir_bytes(data) / 1e6 - dir_bytes(data, skip=FILE_NAME) / 1e6
    out["cache_mb"] = dir_bytes(data, skip=FILE_NAME) / 1e6
    new: dict[str, list[float]] = {q: [] for q in QUERIES}
    olds: dict[str, list[float]] = {q: [] for q in QUERIES}
    old_rounds = 1 if feeds >= 500 else rounds  # 11 s (500) and 36 s (2000) per old call
    old_queries = QUERIES[:3] if feeds >= 2000 else QUERIES
    for r in range(rounds):
        for q in QUERIES:
            pair = [("new", None), ("old", old)] if r % 2 == 0 else [("old", old), ("new", None)]
            for which, path in pair:
                if which == "old":
                    if path is None or r >= old_rounds or q not in old_queries:
                        continue
                    olds[q].append(cli_search(data, q, path))
                else:
                    new[q].append(cli_search(data, q, ROOT / "src"))
    out["cli_new_s"] = new
    out["cli_old_s"] = olds
    return out


def report(results: list[dict], meta: dict) -> str:
    lines = [
        f"Search benchmark, {meta['date']}, {meta['machine']}",
        "",
        "| | " + " | ".join(f"{r['articles']:,} articles" for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]

    def row(name: str, cells: list[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    def flat(d: dict[str, list[float]]) -> list[float]:
        return [v for vs in d.values() for v in vs]

    def ratio(r: dict) -> float:
        return statistics.median(flat(r["cli_new_s"])) / statistics.median(flat(r["cli_old_s"]))

    row(
        "`newsreader search`, one process, median (max) s",
        [
            f"{statistics.median(flat(r['cli_new_s'])):.2f} ({max(flat(r['cli_new_s'])):.2f})"
            for r in results
        ],
    )
    row(
        "the same before this index (loads the cache, re-reads every body), median s",
        [
            f"{statistics.median(flat(r['cli_old_s'])):.2f}" if flat(r["cli_old_s"]) else "-"
            for r in results
        ],
    )
    row(
        "ratio new / old",
        [f"{ratio(r):.3f}x" if flat(r["cli_old_s"]) else "-" for r in results],
    )
    row(
        "placing the index's rows in the reader's list (its search worker, per change), ms",
        [f"{r['prepare_ms']:.0f}" for r in results],
    )
    row(
        "reader's query (300), p50 / p95 / max ms",
        [
            f"{pct(r['reader_ms'], 50):.1f} / {pct(r['reader_ms'], 95):.1f} / "
            f"{max(r['reader_ms']):.0f}"
            for r in results
        ],
    )
    row("first build of the index, s", [f"{r['first_build_s']:.1f}" for r in results])
    row(
        "sync after one feed's 50 articles changed, ms",
        [f"{r['one_feed_sync_ms']:.0f} ({r['one_feed_indexed']} indexed)" for r in results],
    )
    row(
        "sync with nothing to do (before every search), ms",
        [f"{r['noop_sync_ms']:.1f}" for r in results],
    )
    row(
        "index size / cache size, MB",
        [f"{r['index_mb']:.0f} / {r['cache_mb']:.0f}" for r in results],
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,500,2000")
    parser.add_argument("--old-ref", default="7e02d5e")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8890)
    args = parser.parse_args()
    old = old_tree(args.old_ref) if args.old_ref else None
    results = []
    for i, feeds in enumerate(int(s) for s in args.sizes.split(",")):
        results.append(one_size(feeds, args.port + i, old, args.rounds))
        print(f"{feeds} feeds done", file=sys.stderr)
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    meta = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {cpu}"}
    print(report(results, meta))
    out = HERE / "results" / f"search-{meta['date']}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
