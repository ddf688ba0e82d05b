#!/usr/bin/env python3
"""newsreader vs newsboat on the same generated corpus, same loopback server, same run.

For each size (FEEDSxITEMS) it generates the corpus with ../shared/bench/gen_corpus.py, starts
../shared/bench/serve.py, and per run (interleaved: newsboat then newsreader, order alternating
per run) measures:

  newsboat    reload1 (cold), reload3 (warm, all 304), print-unread (start from cache)
  newsreader  refresh (cold), refresh (warm, all 304), `unread --limit 1` (start from cache),
              in-process Library.open() (load + indexes), cache size on disk,
              peak RSS summed over the process tree (the parse workers included)

    .venv/bin/python bench/refresh_bench.py --sizes 200x50,500x50 --runs 3

Figures go to stdout as Markdown (medians, min-max, and ratios newsreader/newsboat) and to
bench/results/refresh-<date>.json with every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
sys.path.insert(0, str(SHARED))

import newsboat_reload as nb  # noqa: E402  (the shared harness: corpus, server, newsboat runs)

NEWSREADER = [sys.executable, "-m", "newsreader"]


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().decode(errors="replace").rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def run_measured(cmd: list[str], env: dict[str, str], timeout: float = 600) -> dict:
    """Wall time, CPU time and peak RSS of the whole process tree (sampled every 20 ms).

    CPU is the last sample of each process's utime+stime (workers included, which os.times()
    misses because they are not reaped by us); the last <20 ms of each process is missed.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peak = 0
    ticks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            pids = tree_pids(proc.pid)
            peak = max(peak, sum(rss_kb(p) for p in pids))
            for p in pids:
                ticks[p] = max(ticks.get(p, 0), cpu_ticks(p))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    cpu = sum(ticks.values()) / os.sysconf("SC_CLK_TCK")
    return {
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu, 3),
        "peak_rss_mib": round(peak / 1024, 1),
        "rc": proc.returncode,
        "stdout": out.decode(errors="replace")[-1500:],
        "stderr": err.decode(errors="replace")[-1500:],
    }


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


LOAD_SNIPPET = """
import sys, time, json
from newsreader.library import Library
t = time.perf_counter(); lib = Library.open(sys.argv[1]); t1 = time.perf_counter()
lib.build_indexes(); t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t, "index_s": t2 - t1, "articles": len(lib.articles),
                  "feeds": len(lib.feeds),
                  "with_etag": sum(1 for f in lib.feeds.values() if f.etag or f.last_modified),
                  "errors": sum(1 for f in lib.feeds.values() if f.last_error)}))
"""


def one_ours(corpus: nb.Corpus, run_i: int, work: Path) -> dict:
    data = work / f"nr-{corpus.label}-r{run_i}"
    shutil.rmtree(data, ignore_errors=True)
    env = dict(os.environ, NEWSREADER_DATA_DIR=str(data), NEWSREADER_CONFIG_DIR=str(data / "cfg"))
    env = {k: v for k, v in env.items() if not k.lower().endswith("_proxy")}
    imp = subprocess.run(
        [*NEWSREADER, "import", str(Path(corpus.dir) / "feeds.opml")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    phases: dict[str, dict] = {"import": {"stdout": imp.stdout.strip()}}
    for label in ("cold", "warm"):
        before = nb.http_json(corpus.url("/__stats"))
        res = run_measured([*NEWSREADER, "refresh", "--quiet"], env)
        res["http"] = nb.stats_delta(before, nb.http_json(corpus.url("/__stats")))
        phases[label] = res
        if label == "cold":
            phases["cache_bytes"] = dir_bytes(data)
    phases["unread"] = run_measured([*NEWSREADER, "unread", "--limit", "1"], env)
    loads = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SNIPPET, str(data)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        loads.append(json.loads(out.stdout))
    phases["load"] = {
        "load_s": statistics.median(x["load_s"] for x in loads),
        "index_s": statistics.median(x["index_s"] for x in loads),
        **{k: loads[0][k] for k in ("articles", "feeds", "with_etag", "errors")},
    }
    expected = corpus.manifest["total_items"]
    valid = (
        phases["load"]["articles"] >= expected
        and phases["cold"]["rc"] == 0
        and phases["warm"]["rc"] == 0
    )
    shutil.rmtree(data, ignore_errors=True)
    return {"corpus": corpus.label, "run": run_i, "valid": valid, "expected": expected, **phases}


def med(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def ratio(ours: list[float], theirs: list[float]) -> str:
    if not ours or not theirs:
        return "-"
    return f"{statistics.median(ours) / statistics.median(theirs):.2f}x"


def report(results: list[dict], meta: dict) -> str:
    lines = [
        f"# newsreader vs newsboat, {meta['date']}",
        "",
        f"machine: {meta['machine']}; runs: {meta['runs']}; newsboat reload-threads "
        f"{meta['threads']}; newsreader: {meta['settings']}",
        "",
        "median (min-max) over valid runs; ratio = newsreader / newsboat (below 1: faster)",
        "",
    ]
    for label in meta["sizes"]:
        ours = [r for r in results if r["corpus"] == label and r.get("who") == "newsreader"]
        theirs = [r for r in results if r["corpus"] == label and r.get("who") == "newsboat"]
        ov, tv = [r for r in ours if r["valid"]], [r for r in theirs if r["valid"]]
        lines += [
            f"## {label}: newsreader {len(ov)}/{len(ours)} valid runs, "
            f"newsboat {len(tv)}/{len(theirs)}",
            "",
            "| metric | newsreader | newsboat | ratio |",
            "|---|---:|---:|---:|",
        ]

        def row(name: str, o: list[float], t: list[float], lines: list[str] = lines) -> None:
            lines.append(f"| {name} | {med(o)} | {med(t) if t else '-'} | {ratio(o, t)} |")

        def nbp(phase: str, key: str, tv: list[dict] = tv) -> list[float]:
            return [r["phases"][phase].get(key) for r in tv if phase in r["phases"]]

        row("cold refresh, wall s", [r["cold"]["wall_s"] for r in ov], nbp("reload1", "wall_s"))
        row(
            "cold refresh, CPU s",
            [r["cold"]["cpu_s"] for r in ov],
            [p["user_s"] + p["sys_s"] for p in (r["phases"]["reload1"] for r in tv)],
        )
        row(
            "cold refresh, peak RSS MiB",
            [r["cold"]["peak_rss_mib"] for r in ov],
            [v / 1024 for v in nbp("reload1", "maxrss_kb")],
        )
        row(
            "warm refresh (all 304), wall s",
            [r["warm"]["wall_s"] for r in ov],
            nbp("reload3", "wall_s"),
        )
        row(
            "warm refresh, peak RSS MiB",
            [r["warm"]["peak_rss_mib"] for r in ov],
            [v / 1024 for v in nbp("reload3", "maxrss_kb")],
        )
        row(
            "start from cache (unread), wall s",
            [r["unread"]["wall_s"] for r in ov],
            nbp("unread", "wall_s"),
        )
        row("Library.open() in-process (load), s", [r["load"]["load_s"] for r in ov], [])
        row("related + search indexes built, s", [r["load"]["index_s"] for r in ov], [])
        row(
            "cache size MiB",
            [r["cache_bytes"] / 2**20 for r in ov],
            [r["phases"]["reload1"]["db"]["db_bytes"] / 2**20 for r in tv],
        )
        if ov:
            r0 = ov[0]
            lines += [
                "",
                f"- newsreader stored {r0['load']['articles']} articles "
                f"(expected {r0['expected']}), {r0['load']['with_etag']} feeds with validators, "
                f"{r0['load']['errors']} feeds with errors; warm refresh HTTP: "
                f"{r0['warm']['http']['s304']} x 304, {r0['warm']['http']['s200']} x 200",
            ]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="200x50,500x50")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=8, help="newsboat reload-threads")
    ap.add_argument("--port", type=int, default=8870)
    ap.add_argument("--work", default="/tmp/bench/nr")
    ap.add_argument("--no-newsboat", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    corpora = [
        nb.Corpus(f, i, args.port + n, str(work), 42, False, 12) for n, (f, i) in enumerate(sizes)
    ]
    results: list[dict] = []
    try:
        for c in corpora:
            c.generate()
            c.start(max_seconds=7200)
        for run_i in range(1, args.runs + 1):
            for c in corpora:
                order = ["newsboat", "newsreader"]
                if run_i % 2 == 0:
                    order.reverse()
                for who in order:
                    if who == "newsboat":
                        if args.no_newsboat or not shutil.which("newsboat"):
                            continue
                        r = nb.one_run(c, run_i, args.threads, str(work), 600, False)
                    else:
                        r = one_ours(c, run_i, work)
                    r["who"] = who
                    results.append(r)
                    print(f"run {run_i} {c.label} {who}: valid={r['valid']}", file=sys.stderr)
    finally:
        for c in corpora:
            c.stop()
    from newsreader import __version__
    from newsreader.config import Settings

    s = Settings()
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": (
            f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
        ),
        "runs": args.runs,
        "threads": args.threads,
        "sizes": [c.label for c in corpora],
        "settings": f"{__version__}, {s.concurrency} requests at once, {s.per_host} per host, "
        f"parse workers = cores",
    }
    text = report(results, meta)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"refresh-{meta['date']}.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=1)
    )
    (out / f"refresh-{meta['date']}.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
