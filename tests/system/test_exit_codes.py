"""Exit codes a cron job can use, from the installed command in a real process:
0 all fine, 3 some feeds failed, 1 every feed failed or nothing could be done, 2 usage error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sample_feeds import item, rss


def newsreader(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def routes(feed_server):
    feed_server.route("/good.xml", body=rss("Good", [item(1), item(2)]))
    feed_server.route("/other.xml", body=rss("Other", [item(3)]))
    feed_server.route("/broken.xml", status=500)
    feed_server.route("/missing.xml", status=404)
    return feed_server


def test_all_fine_is_0(routes, data_dir: Path) -> None:
    newsreader(data_dir, "add", routes.url("/good.xml"))
    newsreader(data_dir, "add", routes.url("/other.xml"))
    out = newsreader(data_dir, "refresh")
    assert out.returncode == 0, out.stderr
    # A second refresh with nothing new is still fine.
    assert newsreader(data_dir, "refresh").returncode == 0


def test_some_failed_is_3(routes, data_dir: Path) -> None:
    newsreader(data_dir, "add", routes.url("/good.xml"))
    newsreader(data_dir, "add", routes.url("/broken.xml"))
    out = newsreader(data_dir, "refresh")
    assert out.returncode == 3, (out.stdout, out.stderr)
    assert "1 failed" in out.stdout and "HTTP 500" in out.stderr


def test_every_feed_failed_is_1(routes, data_dir: Path) -> None:
    newsreader(data_dir, "add", routes.url("/broken.xml"))
    newsreader(data_dir, "add", routes.url("/missing.xml"))
    out = newsreader(data_dir, "refresh")
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "2 feeds, 2 failed" in out.stdout


def test_nothing_to_do_and_usage_errors(data_dir: Path) -> None:
    out = newsreader(data_dir, "refresh")
    assert out.returncode == 1 and out.stderr.count("\n") == 1  # no feeds: one line
    out = newsreader(data_dir, "no-such-command")
    assert out.returncode == 2
    out = newsreader(data_dir, "refresh", "--no-such-option")
    assert out.returncode == 2
