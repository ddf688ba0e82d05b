"""ParsePool: worker processes, per-feed time limit with a real kill, crash recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.ingest import fastpath
from newsreader.ingest import pool as parse_pool
from newsreader.ingest.parse import ParsedFeed, ParseError, parse_feed
from newsreader.ingest.pool import ParsePool
from newsreader.models import Feed
from sample_feeds import item, rss

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DOC = rss("Pool News", [item(1), item(2), item(3)])


def scripted_job(data: bytes, feed: Feed, url: str, headers, now) -> ParsedFeed:
    """Runs in the worker: misbehaves when the URL asks for it, else parses normally."""
    if "/pid/" in url:
        Path(url.split("/pid/", 1)[1]).write_text(str(os.getpid()))
    if "slow" in url:
        time.sleep(120)
    if "crash" in url:
        os._exit(3)
    parsed = parse_pool._parse_job(data, feed, url, headers, now)
    parsed.link = str(os.getpid())  # lets the test see which process did the work
    return parsed


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_pool, "_target", scripted_job)


def _feed(name: str) -> Feed:
    return Feed.new(f"http://127.0.0.1:9/{name}")


async def _parse(pool: ParsePool, name: str, data: bytes = DOC) -> ParsedFeed | str:
    feed = _feed(name)
    try:
        return await pool.parse(data, feed=feed, url=feed.url, headers={}, now=NOW)
    except ParseError as exc:
        return f"error: {exc}"


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_parses_in_other_processes_and_reports_parse_errors(scripted: None) -> None:
    async def main() -> list[ParsedFeed | str]:
        with ParsePool(workers=2, timeout=20) as pool:
            pool.start()
            return await asyncio.gather(
                *(_parse(pool, f"ok{i}") for i in range(6)),
                _parse(pool, "empty", b""),
                _parse(pool, "html", b"<html><body>hi</body></html>"),
            )

    results = asyncio.run(main())
    oks = results[:6]
    assert all(isinstance(r, ParsedFeed) and len(r.articles) == 3 for r in oks)
    assert {r.articles[0].headline for r in oks} == {"Story number 1"}
    pids = {int(r.link) for r in oks}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert results[6] == "error: empty response"
    assert results[7] == "error: not a feed: got an HTML page"


def test_plain_feeds_parse_in_this_process_and_the_rest_in_workers() -> None:
    """The compiled path's documents never start a worker (no process memory, no pickling);
    a document it declines goes to a worker, as every document did before."""
    if not fastpath.available():
        pytest.skip("feedparser-rs not installed")
    podcast = DOC.replace(b"<description>test feed</description>", b"<rating>PG</rating>")

    async def main() -> tuple[list[ParsedFeed | str], bool, int, list[ParsedFeed | str], bool]:
        with ParsePool(workers=1, timeout=20) as pool:
            plain = await asyncio.gather(*(_parse(pool, f"ok{i}") for i in range(4)))
            no_worker, inline = pool._executor is None, pool.inline_parsed
            other = await asyncio.gather(_parse(pool, "other", podcast), _parse(pool, "e", b""))
            return plain, no_worker, inline, other, pool._executor is not None

    plain, no_worker, inline, other, worker = asyncio.run(main())
    expected = parse_feed(DOC, feed=_feed("ok0"), url=_feed("ok0").url, headers={}, now=NOW)
    assert no_worker and inline == 4 and plain[0] == expected
    assert all(isinstance(p, ParsedFeed) and len(p.articles) == 3 for p in plain)
    assert isinstance(other[0], ParsedFeed) and len(other[0].articles) == 3 and worker
    assert other[1] == "error: empty response"  # errors still come from the worker's parse


def test_a_blocking_result_and_the_default_worker_count() -> None:
    with ParsePool() as pool:
        assert pool.workers == (os.cpu_count() or 1)
        feed = _feed("sync")
        parsed = pool.submit(DOC, feed=feed, url=feed.url, now=NOW).result()
        assert parsed.title == "Pool News" and parsed.articles[0].first_seen == NOW
        with pytest.raises(ParseError, match="empty response"):
            pool.submit(b"", feed=feed, url=feed.url).result()


@pytest.mark.slow
def test_timeout_kills_the_stuck_worker_and_others_still_parse(
    scripted: None, tmp_path: Path
) -> None:
    pid_file = tmp_path / "slow.pid"

    async def main() -> tuple[list[ParsedFeed | str], list[ParsedFeed | str], float, int]:
        with ParsePool(workers=2, timeout=1.5) as pool:
            pool.start()
            started = time.monotonic()
            first = await asyncio.gather(
                _parse(pool, f"slow/pid/{pid_file}"),
                *(_parse(pool, f"ok{i}") for i in range(5)),
            )
            elapsed = time.monotonic() - started
            after = await asyncio.gather(*(_parse(pool, f"after{i}") for i in range(4)))
            return first, after, elapsed, pool.restarts

    first, after, elapsed, restarts = asyncio.run(main())
    assert first[0] == "error: parse timed out after 1.5 s"
    assert all(isinstance(r, ParsedFeed) and len(r.articles) == 3 for r in first[1:])
    assert all(isinstance(r, ParsedFeed) for r in after)
    assert elapsed < 15 and restarts >= 1
    stuck = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _pid_alive(stuck) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(stuck), "the stuck worker must be killed, not left sleeping"


@pytest.mark.slow
def test_worker_crash_fails_only_that_feed(scripted: None) -> None:
    async def main() -> tuple[list[ParsedFeed | str], list[ParsedFeed | str], int]:
        with ParsePool(workers=2, timeout=20) as pool:
            first = await asyncio.gather(
                *(_parse(pool, f"ok{i}") for i in range(3)),
                _parse(pool, "crash"),
                *(_parse(pool, f"ok{i}") for i in range(3, 6)),
            )
            after = await asyncio.gather(*(_parse(pool, f"after{i}") for i in range(3)))
            return first, after, pool.restarts

    first, after, restarts = asyncio.run(main())
    assert first[3] == "error: parse failed: the parser process crashed"
    others = first[:3] + first[4:] + after
    assert all(isinstance(r, ParsedFeed) and len(r.articles) == 3 for r in others), others
    assert restarts >= 1


def test_cancelled_caller_and_close_fail_cleanly(scripted: None) -> None:
    async def main() -> tuple[str, bool]:
        pool = ParsePool(workers=1, timeout=20)
        try:
            task = asyncio.ensure_future(_parse(pool, "ok-cancelled"))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            ok = await _parse(pool, "ok-after-cancel")
            return "ok" if isinstance(ok, ParsedFeed) else str(ok), True
        finally:
            await asyncio.to_thread(pool.close)

    assert asyncio.run(main()) == ("ok", True)
    pool = ParsePool(workers=1)
    pool.close()
    feed = _feed("closed")
    with pytest.raises(ParseError, match="parse pool closed"):
        pool.submit(DOC, feed=feed, url=feed.url).result()


def test_close_fails_queued_jobs(scripted: None, tmp_path: Path) -> None:
    pool = ParsePool(workers=1, timeout=30)
    slow = _feed("slow")
    queued = _feed("ok-queued")
    busy = pool.submit(DOC, feed=slow, url=slow.url)
    waiting = pool.submit(DOC, feed=queued, url=queued.url)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 10  # the busy worker is killed, not waited for
    for future in (busy, waiting):
        with pytest.raises(ParseError, match="parse pool closed"):
            future.result(timeout=5)


STDERR_SCRIPT = """
import io, sys
from newsreader.models import Feed
from newsreader.ingest.pool import ParsePool
from sample_feeds import item, rss

class NoFd(io.StringIO):  # like Textual's stand-in for sys.stderr while an app runs
    def fileno(self):
        if sys.argv[1] == "raise":
            raise io.UnsupportedOperation("fileno")
        return int(sys.argv[1])

sys.stderr = NoFd()
with ParsePool(workers=1, timeout=20) as pool:
    feed = Feed.new("http://127.0.0.1:9/stderr")
    parsed = pool.submit(rss("Fd News", [item(1)]), feed=feed, url=feed.url).result()
sys.stdout.write(parsed.title + " " + sys.stderr.getvalue())
"""


def _pythonpath() -> list[str]:
    """This process's PYTHONPATH (the code under test) plus tests/ for sample_feeds."""
    return [str(Path(__file__).parent.parent), *filter(None, [os.environ.get("PYTHONPATH")])]


@pytest.mark.parametrize("fileno", ["-1", "987", "raise"])
def test_pool_starts_while_sys_stderr_has_no_usable_fd(fileno: str) -> None:
    # A fresh process: the resource tracker must not be running yet for this to mean anything.
    out = subprocess.run(
        [sys.executable, "-c", STDERR_SCRIPT, fileno],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(_pythonpath())},
    )
    assert (out.returncode, out.stdout, out.stderr) == (0, "Fd News ", "")


def test_workers_ignore_sigint(scripted: None, tmp_path: Path) -> None:
    """^C on the terminal reaches the whole process group: the parent shuts the workers down."""
    with ParsePool(workers=1, timeout=20) as pool:
        feed = _feed("ok-before")
        before = pool.submit(DOC, feed=feed, url=feed.url).result()
        worker = int(before.link)
        for _ in range(3):  # while it waits for work, as a worker mostly does
            time.sleep(0.1)
            os.kill(worker, signal.SIGINT)
        time.sleep(0.3)
        assert _pid_alive(worker)
        feed = _feed("ok-after")
        after = pool.submit(DOC, feed=feed, url=feed.url).result()
        assert int(after.link) == worker and pool.restarts == 0


HALF_RESULT_SCRIPT = """
import os, struct, sys, time
from pathlib import Path
from newsreader.ingest import pool as parse_pool
from newsreader.models import Feed

def half_result(data, feed, url, headers, now):
    # As if killed while sending its result: part of a message in the result pipe.
    frame = sys._getframe()
    while frame.f_code.co_name != "_process_worker":
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"half a result")
    Path(sys.argv[1]).write_text("sent")
    time.sleep(60)

if __name__ == "__main__":
    parse_pool._target = half_result
    pool = parse_pool.ParsePool(workers=1, timeout=60)
    feed = Feed.new("http://127.0.0.1:9/half")
    pool.submit(b"<rss/>", feed=feed, url=feed.url)
    while not Path(sys.argv[1]).exists():
        time.sleep(0.02)
    time.sleep(0.2)  # the executor's manager thread is now waiting for the rest
    started = time.monotonic()
    pool.close()
    print(f"closed in {time.monotonic() - started:.1f} s")
"""


def test_close_does_not_hang_on_a_half_sent_result(tmp_path: Path) -> None:
    """^C hung `newsreader refresh` 1 time in ~40: a worker killed while sending its result."""
    script = tmp_path / "half.py"
    script.write_text(HALF_RESULT_SCRIPT, encoding="utf-8")
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "sent")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("closed in "), out.stdout
    assert float(out.stdout.split()[2]) < 5 and time.monotonic() - started < 30  # exit too
