#!/usr/bin/env python3
"""The reader's memory on a real cache: resident set size of the installed `newsreader` in a
real terminal (tmux, 160x45) at its first paint, once its background work (related and search
indexes, story groups) is done, and after opening an article.

    .venv/bin/python bench/reader_memory.py DATA_DIR [DATA_DIR ...] [--config DIR]

Each DATA_DIR is an existing cache (e.g. the bench corpora refresh_bench / search_bench leave in
/tmp/bench). The config folder must say `refresh_on_start = false` (one is made if not given),
so nothing is fetched. Figures: VmRSS at each point and VmHWM (peak) from /proc/PID/status.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def status_kib(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def reader_pid(session: str) -> int:
    shell = subprocess.run(
        ["tmux", "display", "-p", "-t", session, "#{pane_pid}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for _ in range(200):
        kids = subprocess.run(["ps", "--ppid", shell, "-o", "pid="], capture_output=True, text=True)
        pids = [int(p) for p in kids.stdout.split()]
        if pids:
            return pids[0]
        time.sleep(0.01)
    raise RuntimeError("the reader did not start")


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout


def measure(data: Path, config: Path) -> dict[str, float]:
    command = Path(sys.executable).with_name("newsreader")
    session = f"nrm-{uuid.uuid4().hex[:6]}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45", "sh"], check=True
    )
    try:
        time.sleep(0.3)
        line = (
            f"env -u COLUMNS -u LINES NEWSREADER_DATA_DIR={data} "
            f"NEWSREADER_CONFIG_DIR={config} {command}"
        )
        subprocess.run(["tmux", "send-keys", "-t", session, line, "Enter"], check=True)
        pid = reader_pid(session)
        started = time.perf_counter()
        while "All articles · " not in capture(session) or "●" not in capture(session):
            if time.perf_counter() - started > 60:
                raise RuntimeError("no first paint within 60 s")
            time.sleep(0.02)
        first = status_kib(pid)["VmRSS"]
        # Background work done: RSS unchanged (within 1 MiB) for 3 s, CPU idle.
        last, steady_since = first, time.perf_counter()
        while time.perf_counter() - steady_since < 3 and time.perf_counter() - started < 120:
            time.sleep(0.25)
            now = status_kib(pid)["VmRSS"]
            if abs(now - last) > 1024:
                last, steady_since = now, time.perf_counter()
        settled = status_kib(pid)
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        time.sleep(2)
        opened = status_kib(pid)
        articles = capture(session).split("All articles · ", 1)[1].split()[0]
        subprocess.run(["tmux", "send-keys", "-t", session, "q"])
        time.sleep(0.8)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    mib = 1 / 1024
    return {
        "articles": int(articles.strip("─")),
        "first_paint_mib": round(first * mib, 1),
        "settled_mib": round(settled["VmRSS"] * mib, 1),
        "article_open_mib": round(opened["VmRSS"] * mib, 1),
        "peak_mib": round(opened["VmHWM"] * mib, 1),
        "settled_after_s": round(steady_since - started, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="+", type=Path)
    ap.add_argument("--config", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = args.config
        if config is None:
            config = Path(tmp)
            (config / "config.toml").write_text("[ui]\nrefresh_on_start = false\n")
        print("| articles | at first paint | indexes built | article open | peak (VmHWM) |")
        print("|---:|---:|---:|---:|---:|")
        for data in args.data:
            r = measure(data, config)
            print(
                f"| {r['articles']:,} | {r['first_paint_mib']} MiB | {r['settled_mib']} MiB "
                f"(after {r['settled_after_s']} s) | {r['article_open_mib']} MiB | "
                f"{r['peak_mib']} MiB |"
            )
            print(json.dumps(r), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
