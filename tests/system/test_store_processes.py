"""Two real processes commit to one cache at once: a refresher and a reader marking articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import store_worker as w
from newsreader.store import SHARD_DIR, Store

WORKER = Path(__file__).resolve().parents[1] / "store_worker.py"
ROUNDS = 60


def spawn(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(WORKER.parent), *sys.path]))
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_refresher_and_reader_lose_nothing(tmp_path: Path) -> None:
    root = tmp_path / "data"
    log = tmp_path / "reader.json"
    sync = tmp_path / "sync"
    sync.mkdir()
    refresher = spawn("refresh", str(root), str(ROUNDS), str(sync))
    assert refresher.stdout is not None and refresher.stdout.readline() == "ready\n"
    reader = spawn("reader", str(root), str(ROUNDS), str(log), str(sync))
    assert reader.stdout is not None and reader.stdout.readline() == "ready\n"
    (sync / "go").touch()
    outs = [p.communicate(timeout=60) for p in (refresher, reader)]
    for proc, (out, err) in zip((refresher, reader), outs, strict=True):
        assert proc.returncode == 0, err
        assert out.split()[:1] == ["done"], (out, err)
        merged = int(out.split()[1])
        assert merged > 5, f"the processes barely overlapped ({merged} merged commits)"

    store = Store(root)
    assert store.open() == []
    snap = store.load()
    # Every article the refresher wrote is there once, in its latest version, with its body.
    expected = {}
    for n in range(w.SHARED_FEEDS):
        for r in range(ROUNDS):
            for i in range(w.NEW_PER_ROUND):
                a = w.shared_article(n, r, i, 1 if r < ROUNDS - 1 else 0)
                expected[a.id] = a.headline
    assert {i: a.headline for i, a in snap.articles.items()} == expected
    for n in range(w.SHARED_FEEDS):
        bodies = store.load_bodies(f"shared{n}")
        assert {i: b for i, b in bodies.items()} == {
            i: f"<p>{h}</p>" for i, h in expected.items() if i in bodies
        }
        assert len(bodies) == ROUNDS * w.NEW_PER_ROUND
    ids_on_disk = []
    for shard in (root / SHARD_DIR).glob("*.idx.*.json"):
        ids_on_disk += [d["id"] for d in json.loads(shard.read_text())["articles"].values()]
    assert len(ids_on_disk) == len(set(ids_on_disk)) == len(expected)  # no duplicates

    # Every read/star change of the reader survived the refresher's commits, and back.
    result = json.loads(log.read_text())
    intended = result["intended"]
    assert len(intended) > 50
    for aid, flags in intended.items():
        art = snap.articles[aid]
        assert art.read == flags.get("read", False), aid
        assert art.starred == flags.get("starred", False), aid
    untouched = [a for i, a in snap.articles.items() if i not in intended]
    assert not any(a.read or a.starred for a in untouched)
    # Feed rows merged field by field: the reader's tags and the refresher's validators.
    assert result["tagged"]
    shared0 = snap.feeds["shared0"]
    assert shared0.tags == ["tagged by reader"]
    assert shared0.etag == f"etag-{ROUNDS - 1}"
    assert {f.etag for f in snap.feeds.values()} == {f"etag-{ROUNDS - 1}"}
    # Every file the manifest names loads; nothing else is left behind.
    for fid in snap.feeds:
        store.load_bodies(fid)
    named = store._manifest.files(root)
    on_disk = {p for p in root.rglob("*.json") if p.name != "manifest.json"}
    assert on_disk == named
