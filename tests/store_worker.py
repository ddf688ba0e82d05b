"""Child process for the store's crash and two-process tests (run as a script, not collected).

    store_worker.py crash ROOT START [pause] commit batch START, START+1, ... until killed
                                            (pause: stop before the first manifest write)
    store_worker.py refresh ROOT ROUNDS SYNC      refresh-like batches: new and updated articles
    store_worker.py reader ROOT ROUNDS LOG SYNC   read/star changes until the refresher is done
                                                  (at least ROUNDS); intended end state -> LOG
Both wait for SYNC/go (written by the test once both are ready); the refresher writes SYNC/done.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.config import Retention
from newsreader.models import Article, Feed, article_id_for
from newsreader.store import Batch, Store

KEEP_ALL = Retention(max_age_days=0, max_count=0)
BASE = datetime(2025, 1, 1, tzinfo=UTC)

# ------------------------------------------------------------------ crash: known batches

CRASH_FEEDS = 6
PER_BATCH = 20


def crash_feed(n: int) -> Feed:
    return Feed(id=f"feed{n}", url=f"https://example.org/{n}.xml", title=f"Feed {n}")


def crash_feed_of(k: int, j: int) -> str:
    """Batch k spreads its 20 articles over 3 of the 6 feeds."""
    return f"feed{(k + j % 3) % CRASH_FEEDS}"


def crash_id(k: int, j: int) -> str:
    return article_id_for(crash_feed_of(k, j), f"{k}-{j}")


def crash_article(k: int, j: int, headline: str | None = None) -> Article:
    return Article(
        id=crash_id(k, j),
        feed_id=crash_feed_of(k, j),
        guid=f"{k}-{j}",
        headline=headline or f"article {k}-{j}",
        published=BASE + timedelta(minutes=k * PER_BATCH + j),
        lead="lead " * 60,
    )


def crash_body(k: int, j: int) -> str:
    return f"<p>body {k}-{j}</p>" + "<p>" + "lorem ipsum " * 300 + "</p>"


def crash_batch(k: int) -> Batch:
    """New articles k-0..k-19 with bodies; marks and one update on batch k-1's articles."""
    batch = Batch(retention=lambda _fid: KEEP_ALL)
    batch.articles = [crash_article(k, j) for j in range(PER_BATCH)]
    batch.bodies = {crash_id(k, j): crash_body(k, j) for j in range(PER_BATCH)}
    if k > 0:
        batch.articles.append(crash_article(k - 1, PER_BATCH - 1, f"updated by {k}"))
        batch.read = {crash_id(k - 1, j): True for j in range(5)}
        batch.starred = {crash_id(k - 1, 5): True}
    return batch


def run_crash(root: Path, start: int, pause: bool = False) -> None:
    store = Store(root)
    store.open()
    store.load()
    if start == 0:
        store.commit(Batch(feeds=[crash_feed(n) for n in range(CRASH_FEEDS)]))
    if pause:
        _pause_before_the_manifest()
    print("ready", flush=True)
    k = start
    while True:
        store.commit(crash_batch(k))
        k += 1


def _pause_before_the_manifest() -> None:
    """The next commit stops after its shard files are durable and before the manifest that
    names them replaces the old one (the commit point), says "mid", and waits to be killed: a
    kill there is certain, not a matter of timing."""
    import newsreader.store.txn as txn
    from newsreader.store import MANIFEST

    write = txn._atomic_write

    def paused(path: Path, payload: bytes, **kwargs: object) -> None:
        if path.name == MANIFEST:
            print("mid", flush=True)
            time.sleep(60)
        write(path, payload, **kwargs)  # type: ignore[arg-type]

    txn._atomic_write = paused  # type: ignore[assignment]


# ------------------------------------------------------------------ two processes at once

SHARED_FEEDS = 4
NEW_PER_ROUND = 3


def shared_feed(n: int) -> Feed:
    return Feed(id=f"shared{n}", url=f"https://example.org/s{n}.xml", title=f"Shared {n}")


def shared_article(n: int, r: int, i: int, version: int) -> Article:
    feed_id = f"shared{n}"
    return Article(
        id=article_id_for(feed_id, f"{r}-{i}"),
        feed_id=feed_id,
        guid=f"{r}-{i}",
        headline=f"round {r} item {i} v{version}",
        published=BASE + timedelta(minutes=r * 10 + i),
        lead="some lead " * 20,
    )


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.001)


def run_refresh(root: Path, rounds: int, sync: Path) -> None:
    """Each round: every feed gets new articles and updates the previous round's ones."""
    store = Store(root, lock_timeout=20)
    store.open()
    feeds = [shared_feed(n) for n in range(SHARED_FEEDS)]
    store.commit(Batch(feeds=feeds))
    print("ready", flush=True)
    wait_for(sync / "go")
    merged = 0  # commits that landed on top of the other process's: proof of interleaving
    for r in range(rounds):
        batch = Batch(retention=lambda _fid: KEEP_ALL)
        for n, feed in enumerate(feeds):
            feed.last_fetched = BASE + timedelta(seconds=r)
            feed.etag = f"etag-{r}"
            batch.feeds.append(feed)
            for i in range(NEW_PER_ROUND):
                new = shared_article(n, r, i, 0)
                batch.articles.append(new)
                batch.bodies[new.id] = f"<p>{new.headline}</p>"
                if r > 0:
                    upd = shared_article(n, r - 1, i, 1)
                    batch.articles.append(upd)
                    batch.bodies[upd.id] = f"<p>{upd.headline}</p>"
        before = store.generation
        merged += store.commit(batch).generation != before + 1
        time.sleep(random.uniform(0, 0.004))
    (sync / "done").touch()
    print("done", merged, flush=True)


def run_reader(root: Path, rounds: int, log: Path, sync: Path) -> None:
    """Mark random known articles read/unread and starred/unstarred; tag a feed once."""
    rng = random.Random()
    store = Store(root, lock_timeout=20)
    store.open()
    snap = store.load()
    intended: dict[str, dict[str, bool]] = {}
    tagged = False
    merged = 0
    print("ready", flush=True)
    wait_for(sync / "go")
    r = -1
    while r < rounds or not (sync / "done").exists():
        r += 1
        if store.disk_generation() != store.generation:
            snap = store.load()
        ids = list(snap.articles)
        if not ids:
            time.sleep(0.002)
            continue
        batch = Batch()
        for aid in rng.sample(ids, min(3, len(ids))):
            value = rng.random() < 0.6
            if rng.random() < 0.5:
                batch.read[aid] = value
                intended.setdefault(aid, {})["read"] = value
            else:
                batch.starred[aid] = value
                intended.setdefault(aid, {})["starred"] = value
        if not tagged and r > rounds // 3 and "shared0" in snap.feeds:
            feed = snap.feeds["shared0"]
            feed.tags = ["tagged by reader"]
            batch.feeds.append(feed)
            tagged = True
        before = store.generation
        if store.commit(batch).generation != before + 1:
            merged += 1
            snap = store.load()  # like Library.commit: see what the other process did
    log.write_text(json.dumps({"intended": intended, "tagged": tagged}))
    print("done", merged, flush=True)


def main() -> None:
    mode, root = sys.argv[1], Path(sys.argv[2])
    if mode == "crash":
        run_crash(root, int(sys.argv[3]), pause=sys.argv[4:] == ["pause"])
    elif mode == "refresh":
        run_refresh(root, int(sys.argv[3]), Path(sys.argv[4]))
    elif mode == "reader":
        run_reader(root, int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
