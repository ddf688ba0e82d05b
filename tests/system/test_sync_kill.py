"""SIGKILL a `newsreader sync` again and again while read marks are made here and stars on
the server between the kills: afterwards every item is one article (none lost, none twice) and
every mark made on either side is on both (issue 11's "0 lost, 0 duplicated over 20 SIGKILLs
mid-sync")."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from greader_server import GReaderServer

from newsreader.library import Library
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from newsreader.store import Batch
from newsreader.sync.accounts import Account, Accounts

pytestmark = pytest.mark.slow

KILLS = 20


def _sync_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsreader", "sync", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_twenty_sigkills_mid_sync_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir()
    config.mkdir()
    env = {**os.environ, DATA_DIR_ENV: str(data), CONFIG_DIR_ENV: str(config)}
    rng = random.Random(11)
    now = int(time.time()) - 7200
    with GReaderServer() as server:
        feeds = [
            server.add_feed(n, f"https://site{n}.example/feed.xml", f"Feed {n}", [f"F{n}"])
            for n in (1, 2)
        ]
        for n in range(240):
            server.add_item(feeds[n % 2], f"Item {n}", published=now + n)
        server.max_page = 8  # 30 pages of items: a sync long enough to be killed mid-way
        server.delay = 0.004
        Accounts(config).add(Account("home", "greader", server.url, server.user, password="s3cret"))

        read_here: set[str] = set()  # headlines marked read in this cache between kills
        starred_there: set[str] = set()  # headlines starred on the server between kills
        killed_mid = 0
        for _ in range(KILLS):
            with Library.open(data) as lib:  # opens cleanly after every kill
                unread = [a for a in lib.articles.values() if not a.read]
                chosen = rng.sample(unread, min(3, len(unread)))
                if chosen:
                    lib.commit(Batch(read={a.id: True for a in chosen}))
                    read_here.update(a.headline for a in chosen)
            for item in rng.sample(list(server.items.values()), 2):
                item.starred = True
                starred_there.add(item.title)
            calls = len(server.calls)
            proc = _sync_process(env)
            # Once it has logged in and asked for more, kill it within the next 0.3 s.
            deadline = time.monotonic() + 20
            while len(server.calls) < calls + 2 and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.random() * 0.3)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                killed_mid += 1
            proc.wait(timeout=30)
        # Every kill landed while the sync still ran (most mid-way through its pages).
        assert killed_mid >= KILLS // 2, killed_mid
        print(f"\nsync SIGKILL: {killed_mid} of {KILLS} kills mid-sync")

        for _ in range(2):  # then syncs that finish
            done = _sync_process(env)
            _, err = done.communicate(timeout=120)
            assert done.returncode == 0, err.decode()

        with Library.open(data) as lib:
            arts = list(lib.articles.values())
            titles = [a.headline for a in arts]
            assert len(titles) == len(set(titles)) == 240  # none lost, none twice
            by_title = {a.headline: a for a in arts}
            assert all(by_title[t].read for t in read_here)
            assert all(by_title[t].starred for t in starred_there)
            assert sum(a.starred for a in arts) == len(starred_there)
        server_items = {i.title: i for i in server.items.values()}
        assert all(server_items[t].read for t in read_here)
        assert sum(i.read for i in server.items.values()) == len(read_here)
    assert not server.errors, server.errors
