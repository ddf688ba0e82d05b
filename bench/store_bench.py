"""Benchmark of the store on a synthetic 500 feeds x 50 articles cache (not collected by pytest).

Run: .venv/bin/python bench/store_bench.py [--feeds 500] [--articles 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import string
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tinydb import TinyDB

from newsreader.config import Retention
from newsreader.models import Article, Enclosure, Feed, article_id_for
from newsreader.store import (
    SHARD_DIR,
    AtomicJSONStorage,
    Batch,
    Store,
    _read_table,
    _shard_path,
    _to_docs,
    _write_table,
)

WORDS = [
    "".join(random.Random(i).choices(string.ascii_lowercase, k=random.Random(i).randint(3, 10)))
    for i in range(2000)
]


def text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:chars]


def body_html(rng: random.Random, chars: int) -> str:
    paras = []
    size = 0
    while size < chars:
        href = f"https://example.org/{rng.randrange(10**6)}"
        para = f'<p>{text(rng, 280)} <a href="{href}">link</a></p>'
        paras.append(para)
        size += len(para)
    return "\n".join(paras)


def make_feed(rng: random.Random, n: int, per_feed: int) -> tuple[Feed, list[Article], dict]:
    feed = Feed.new(f"https://feeds{n % 37}.example.org/{n}/rss.xml", title=text(rng, 40))
    feed.tags = [text(rng, 8) for _ in range(2)]
    feed.etag = f'W/"{rng.randrange(10**12):x}"'
    feed.last_modified = "Tue, 04 Nov 2025 10:00:00 GMT"
    feed.last_fetched = datetime.now(UTC)
    feed.last_status = 200
    now = datetime.now(UTC)
    arts = []
    bodies = {}
    for i in range(per_feed):
        guid = f"https://feeds.example.org/{n}/item/{i}"
        aid = article_id_for(feed.id, guid)
        arts.append(
            Article(
                id=aid,
                feed_id=feed.id,
                guid=guid,
                headline=text(rng, 80),
                link=guid,
                author=text(rng, 15),
                published=now - timedelta(hours=i * 3 + rng.random()),
                kicker=text(rng, 20),
                lead=text(rng, 300),
                tags=[text(rng, 9) for _ in range(4)],
                source=feed.title,
                enclosures=(
                    [Enclosure(f"https://cdn.example.org/{aid}.mp3", "audio/mpeg", 12345678)]
                    if i % 10 == 0
                    else []
                ),
            )
        )
        bodies[aid] = body_html(rng, 3000)
    return feed, arts, bodies


def dir_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--batch", type=int, default=50, help="feeds per commit")
    ap.add_argument("--keep", type=Path, help="build the cache here and keep it")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="store-perf-"))
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    t0 = time.perf_counter()
    data = [make_feed(rng, n, args.articles) for n in range(args.feeds)]
    print(f"generated {args.feeds} x {args.articles} in {time.perf_counter() - t0:.1f} s")

    retention = lambda _fid: Retention(max_age_days=3650, max_count=1000)  # noqa: E731
    store = Store(root)
    store.open()
    t0 = time.perf_counter()
    commits = []
    for start in range(0, len(data), args.batch):
        chunk = data[start : start + args.batch]
        batch = Batch(retention=retention)
        for feed, arts, bodies in chunk:
            batch.feeds.append(feed)
            batch.articles += arts
            batch.bodies.update(bodies)
        c0 = time.perf_counter()
        store.commit(batch)
        commits.append(time.perf_counter() - c0)
    total = time.perf_counter() - t0
    print(
        f"commit all: {total:.2f} s in {len(commits)} batches of {args.batch} feeds"
        f" (per batch min {min(commits) * 1000:.0f} ms, max {max(commits) * 1000:.0f} ms)"
    )
    print(f"cache size on disk: {dir_size(root) / 1e6:.1f} MB")

    # Re-refresh one batch with nothing new: only feed rows change.
    batch = Batch(retention=retention)
    for feed, arts, bodies in data[: args.batch]:
        batch.feeds.append(feed)
        batch.articles += arts
        batch.bodies.update(bodies)
    c0 = time.perf_counter()
    store.commit(batch)
    print(f"re-commit of {args.batch} unchanged feeds: {(time.perf_counter() - c0) * 1000:.0f} ms")

    loads = []
    for _ in range(3):
        fresh = Store(root)
        t0 = time.perf_counter()
        fresh.open()
        t_open = time.perf_counter() - t0
        t0 = time.perf_counter()
        snap = fresh.load()
        loads.append((t_open, time.perf_counter() - t0, len(snap.articles)))
    print(
        "open()+load(): "
        + ", ".join(f"{o:.2f}+{ld:.3f} s" for o, ld, _ in loads)
        + f" for {loads[0][2]} articles (open parses and keeps the snapshot for load)"
    )
    fresh = Store(root)
    fresh.open()
    fresh.load()
    t0 = time.perf_counter()
    for _ in range(3):
        fresh._preload = None
        snap = fresh.load()
    print(f"load() alone, no preload: {(time.perf_counter() - t0) / 3:.2f} s")

    # The two read paths for the index shards, interleaved and repeated (best of 3).
    fids = list(snap.feeds)
    m = fresh._manifest
    paths = [_shard_path(root, fid, "idx", m.shards[fid].idx) for fid in fids]

    def direct() -> int:
        return sum(len(_read_table(p, "articles")) for p in paths)

    def via_tinydb() -> int:
        n = 0
        for p in paths:
            with TinyDB(p, storage=AtomicJSONStorage) as db:
                n += len(db.table("articles").all())
        return n

    best = {"direct": 1e9, "tinydb": 1e9}
    for _ in range(3):
        for name, fn in (("direct", direct), ("tinydb", via_tinydb)):
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    print(
        f"index docs read (best of 3): direct storage.read() {best['direct']:.3f} s,"
        f" TinyDB table.all() {best['tinydb']:.3f} s"
    )
    # The two write paths, same documents, into a scratch dir (best of 3).
    scratch = Path(tempfile.mkdtemp(prefix="store-perf-w-"))
    by_feed: dict[str, dict] = {}
    for a in snap.articles.values():
        by_feed.setdefault(a.feed_id, {})[a.id] = a.index_dict()
    docs = [(fid, _to_docs("idx", by_feed.get(fid, {}))) for fid in fids[:100]]
    wbest = {"tinydb": 1e9, "direct": 1e9}
    for _ in range(3):
        t0 = time.perf_counter()
        for fid, d in docs:
            _write_table(scratch / f"{fid}.a.json", "articles", d)
        wbest["tinydb"] = min(wbest["tinydb"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        for fid, d in docs:
            storage = AtomicJSONStorage(scratch / f"{fid}.b.json", sync_dir=False)
            storage.write({"articles": {str(i): doc for i, doc in enumerate(d, 1)}})
        wbest["direct"] = min(wbest["direct"], time.perf_counter() - t0)
    shutil.rmtree(scratch)
    print(
        f"write 100 index shards (best of 3): TinyDB insert_multiple {wbest['tinydb']:.3f} s,"
        f" storage.write {wbest['direct']:.3f} s"
    )

    # Mark one article read, then star one: which files and how many bytes.
    art = next(iter(snap.articles.values()))
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*.json")}
    t0 = time.perf_counter()
    fresh.commit(Batch(read={art.id: True}))
    t_read = time.perf_counter() - t0
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*.json")}
    written = [p for p, key in after.items() if before.get(p) != key]
    nbytes = sum(p.stat().st_size for p in written)
    names = ", ".join(f"{p.relative_to(root)} ({p.stat().st_size} B)" for p in sorted(written))
    print(f"mark one read: {t_read * 1000:.1f} ms, wrote {nbytes} bytes: {names}")
    times = []
    for a in list(snap.articles.values())[1:21]:
        t0 = time.perf_counter()
        fresh.commit(Batch(starred={a.id: True}))
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"star one (20 times): median {times[10] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
    t0 = time.perf_counter()
    for _ in range(100):
        fresh.disk_generation()
    print(f"disk_generation(): {(time.perf_counter() - t0) * 10:.3f} ms")
    t0 = time.perf_counter()
    html = fresh.body(art.feed_id, art.id)
    print(f"first body() of a feed: {(time.perf_counter() - t0) * 1000:.1f} ms ({len(html)} chars)")
    print(f"files: {sum(1 for _ in (root / SHARD_DIR).iterdir())} shards, {os.cpu_count()} cores")
    if args.keep is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
