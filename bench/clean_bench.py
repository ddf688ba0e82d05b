#!/usr/bin/env python3
"""Ingest and display cost of article bodies on the real-feed corpus (../shared/realfeeds).

Prints, for the 49 real feeds:
  parse     parse_feed per corpus (best of --runs), whole-document cost
  clean     the body-HTML cleaning step alone (normalise.body_html) over every body
  markdown  article_markdown (what `show` and the article view use) over every stored body
  residue   stored bodies still holding <script, <iframe, <form, on*=, style=, javascript:
  show      article_markdown on the issue's 50,000-deep probe and on a 430 KB article

    .venv/bin/python bench/clean_bench.py --runs 3
"""

from __future__ import annotations

import argparse
import inspect
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from newsreader.ingest import normalise, parse  # noqa: E402
from newsreader.models import Feed  # noqa: E402
from newsreader.to_markdown import article_markdown  # noqa: E402
from shared_paths import REALFEEDS  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)
RESIDUE = {
    "script": re.compile(r"<script", re.I),
    "iframe": re.compile(r"<iframe", re.I),
    "form": re.compile(r"<form", re.I),
    "on*=": re.compile(r"<[^<>]*\son[a-z]+\s*=", re.I),
    "style=": re.compile(r"<[^<>]*\sstyle\s*=", re.I),
    "javascript:": re.compile(r"javascript:", re.I),
}


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    files = sorted(p for p in REALFEEDS.iterdir() if p.suffix in (".xml", ".rss", ".atom", ".json"))
    docs = [(p, p.read_bytes()) for p in files]
    feed = Feed.new("https://example.org/feed.xml")

    def parse_all() -> list:
        out = []
        for path, data in docs:
            try:
                out.append(parse.parse_feed(data, feed=feed, url=feed.url, now=NOW))
            except parse.ParseError as exc:
                print(f"  {path.name}: {exc}", file=sys.stderr)
        return out

    parsed = parse_all()
    t_parse = best(parse_all, args.runs)

    raw_bodies: list[tuple[str, bool, str]] = []
    for _path, data in docs:
        try:
            raw = parse.parse_raw(data, "")
        except parse.ParseError:
            continue
        for e in raw.entries:
            value, is_html = (e.content, e.content_html) if e.content else (e.summary, True)
            if value:
                raw_bodies.append((value, is_html, e.link))
    takes_base = "base" in inspect.signature(normalise.body_html).parameters

    def clean_all() -> None:
        for value, is_html, link in raw_bodies:
            if takes_base:
                normalise.body_html(value, is_html, base=link)
            else:
                normalise.body_html(value, is_html)

    t_clean = best(clean_all, args.runs)
    raw_chars = sum(len(v) for v, _, _ in raw_bodies)

    bodies = [(b, a.link) for p in parsed for a in p.articles if (b := p.bodies.get(a.id))]
    md_times = []
    for body, link in bodies:
        started = time.perf_counter()
        article_markdown(body, link)
        md_times.append(time.perf_counter() - started)
    residue = {name: sum(1 for b, _ in bodies if rx.search(b)) for name, rx in RESIDUE.items()}
    stored = sum(len(b) for b, _ in bodies)

    print(
        f"corpus: {len(docs)} files, {sum(len(d) for _, d in docs) / 1e6:.2f} MB, "
        f"{len(raw_bodies)} bodies, {raw_chars / 1e6:.2f} M chars raw, "
        f"{stored / 1e6:.2f} M chars stored"
    )
    print(f"parse_feed, whole corpus:  {t_parse * 1e3:8.1f} ms (best of {args.runs})")
    print(
        f"body cleaning alone:       {t_clean * 1e3:8.1f} ms "
        f"({t_clean * 1e6 / max(1, len(raw_bodies)):.1f} us/body, "
        f"{t_clean * 1e3 / max(1, raw_chars / 1e6):.1f} ms per M chars)"
    )
    print(
        f"article_markdown:          {sum(md_times) * 1e3:8.1f} ms total, "
        f"p50 {statistics.median(md_times) * 1e3:.2f} ms, max {max(md_times) * 1e3:.1f} ms"
    )
    print("stored bodies with: " + ", ".join(f"{k} {v}" for k, v in residue.items()))
    for name, html, last in probes():
        elapsed = best(lambda html=html: article_markdown(html, "https://e.example/a"), args.runs)
        shown = last in article_markdown(html, "https://e.example/a")
        print(f"show {name:26s} {elapsed * 1e3:8.1f} ms, last text shown: {shown}")
    return 0


def probes() -> list[tuple[str, str, str]]:
    """Display probes: (name, body HTML, the text at its end)."""
    deep = "<div>" * 50_000 + "THE ONLY TEXT" + "</div>" * 50_000
    article = "".join(
        f"<p>Paragraph {n} with <b>bold</b>, <em>em</em> and a <a href='/p{n}'>link</a> in "
        "running text.</p>" + ("<ul><li>item one</li><li>item two</li></ul>" if n % 5 == 0 else "")
        for n in range(4_000)
    )
    return [
        (f"deep probe {len(deep) // 1000}K", deep, "THE ONLY TEXT"),
        (f"long article {len(article) // 1000}K", article, "Paragraph 3999"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
