"""Helper processes never outlive the command, and ^C is one line (issue "Trust").

Real processes throughout: the installed `newsreader` refreshing feeds served from loopback,
killed with SIGKILL (the main PID only) or interrupted from its terminal (a pty, or tmux for
the reader). Descendants are collected from /proc before the kill, so the forkserver, the
parse workers and the resource tracker are all accounted for after they were re-parented.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedserver import FeedServer
from newsreader.library import Library
from sample_feeds import item, rss

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux-only"
)

COMMAND = Path(sys.executable).with_name("newsreader")
GRACE = 5.0  # seconds a helper process may take to end after its parent
# Makes the pty the child's controlling terminal (it runs in a new session), then becomes
# `newsreader` with the same PID: ^C written to the pty reaches its whole foreground group.
CTTY = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)
NOISE = ("Traceback", "Process ForkServerProcess", "leaked semaphore", "Exception ignored")


# -- processes ---------------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _helpers(pid: int) -> dict[str, list[int]]:
    """The descendants of `pid` by role: tracker, forkserver, workers (forkserver children)."""
    roles: dict[str, list[int]] = {"tracker": [], "forkserver": [], "workers": []}
    parents = _parents()
    for child in _descendants(pid):
        line = _cmdline(child)
        if "resource_tracker" in line:
            roles["tracker"].append(child)
        elif "forkserver" in line:
            roles["workers" if parents.get(child) != pid else "forkserver"].append(child)
    return roles


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _gone_within(pids: list[int], timeout: float) -> tuple[list[int], float]:
    """(survivors, seconds until the last one ended); survivors are killed (we started them)."""
    started = time.monotonic()
    while any(_alive(p) for p in pids) and time.monotonic() - started < timeout:
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    survivors = [p for p in pids if _alive(p)]
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return survivors, elapsed


# -- a library of slow feeds -------------------------------------------------------------------


@pytest.fixture
def slow_feeds(data_dir: Path, tmp_path: Path) -> Iterator[tuple[FeedServer, Path, int]]:
    """200 feeds of 60 items, each answered after 0.1 s; 2 at a time per host: a ~10 s refresh."""
    config = Path(os.environ["NEWSREADER_CONFIG_DIR"])
    (config / "config.toml").write_text(
        "[refresh]\nparse_workers = 2\n\n[ui]\nrefresh_on_start = false\n", encoding="utf-8"
    )
    count = 200
    with FeedServer() as server:
        entries = []
        for n in range(count):
            body = rss(f"Feed {n}", [item(n * 1000 + i) for i in range(60)])
            # An element the in-process fast path leaves to feedparser (ingest/fastpath.py), so
            # these feeds are parsed by the worker processes this file is about.
            body = body.replace(b"<description>test feed</description>", b"<rating>PG</rating>")
            server.route(f"/f{n}.xml", body=body, delay=0.1)
            entries.append((server.url(f"/f{n}.xml"), f"Feed {n}", []))
        with Library.open(str(data_dir)) as lib:
            lib.add_feeds(entries)
        yield server, data_dir, count


def _wait_for_workers(pid: int, timeout: float = 30) -> None:
    _wait_until(
        lambda: _helpers(pid)["workers"] and _helpers(pid)["tracker"],
        timeout,
        "the forkserver, its workers and the resource tracker",
    )


# -- kill -9 -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_of_refresh_leaves_no_helper_process(slow_feeds, tmp_path: Path) -> None:
    server, _data, _count = slow_feeds
    log = (tmp_path / "refresh.log").open("wb")
    proc = subprocess.Popen([str(COMMAND), "refresh"], stdout=log, stderr=log)
    try:
        _wait_for_workers(proc.pid)
        time.sleep(0.3)  # parsing is under way
        roles = _helpers(proc.pid)
        helpers = _descendants(proc.pid)
        assert roles["forkserver"] and len(roles["workers"]) >= 1 and roles["tracker"]
        assert server.count() < 150  # still refreshing
        proc.kill()  # SIGKILL, the main PID only
        proc.wait()
        survivors, elapsed = _gone_within(helpers, GRACE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert not survivors, f"still running {elapsed:.1f} s after kill -9: {survivors} ({roles})"


HOG_SCRIPT = """
import os, re, sys, time
from pathlib import Path
from newsreader.ingest import pool as parse_pool
from newsreader.models import Feed

def hog(data, feed, url, headers, now):
    Path(sys.argv[1]).write_text(str(os.getpid()))
    re.match(r"(a+)+$", "a" * 64 + "b")  # exponential, in C, never lets go of the GIL

if __name__ == "__main__":
    parse_pool._target = hog
    pool = parse_pool.ParsePool(workers=1, timeout=600)
    feed = Feed.new("http://127.0.0.1:9/hog")
    pool.submit(b"<rss/>", feed=feed, url=feed.url)
    time.sleep(600)
"""


@pytest.mark.slow
def test_kill_9_also_ends_a_worker_stuck_in_c_code(tmp_path: Path) -> None:
    """A watcher thread cannot run while a regex holds the GIL; PDEATHSIG still ends it."""
    script = tmp_path / "hog.py"
    script.write_text(HOG_SCRIPT, encoding="utf-8")
    pid_file = tmp_path / "worker.pid"
    proc = subprocess.Popen([sys.executable, str(script), str(pid_file)])
    try:
        _wait_until(pid_file.exists, 30, "the worker to start its job")
        time.sleep(0.3)
        helpers = _descendants(proc.pid)
        assert int(pid_file.read_text()) in helpers
        proc.kill()
        proc.wait()
        survivors, elapsed = _gone_within(helpers, GRACE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not survivors, f"still running {elapsed:.1f} s after kill -9: {survivors}"


KEEPER_SCRIPT = """
import os, sys, threading, time
from multiprocessing import forkserver
from newsreader.models import Feed
from newsreader.ingest.pool import ParsePool

DOC = (b'<rss version="2.0"><channel><title>T</title>'
       b'<item><title>A</title><guid>1</guid></item></channel></rss>')

def parse(pool):
    feed = Feed.new("http://127.0.0.1:9/f")
    return pool.submit(DOC, feed=feed, url=feed.url).result()

if __name__ == "__main__":
    pool = ParsePool(workers=1, timeout=20)
    first = threading.Thread(target=parse, args=(pool,))  # the pool starts from a thread
    first.start()
    first.join()  # ... that ends: PDEATHSIG must not take the forkserver with it
    server = forkserver._forkserver._forkserver_pid
    time.sleep(0.5)
    alive = os.waitpid(server, os.WNOHANG) == (0, 0)
    parsed = parse(pool)
    pool.close()
    print(alive, len(parsed.articles), pool.restarts)
"""


def test_helpers_outlive_the_thread_that_started_them(tmp_path: Path) -> None:
    script = tmp_path / "keeper.py"
    script.write_text(KEEPER_SCRIPT, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "1", "0"], out.stdout + out.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_kill_9_of_the_reader_during_refresh_leaves_no_helper_process(slow_feeds) -> None:
    server, _data, count = slow_feeds
    session = f"nr-{uuid.uuid4().hex[:8]}"
    env = {
        "NEWSREADER_DATA_DIR": os.environ["NEWSREADER_DATA_DIR"],
        "NEWSREADER_CONFIG_DIR": os.environ["NEWSREADER_CONFIG_DIR"],
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        # The same code as this test process, whatever the tmux server's environment.
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"exec env -u COLUMNS -u LINES {exports} {COMMAND}"  # the pane's PID is the reader

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    tmux("new-session", "-d", "-s", session, "-x", "140", "-y", "40", command)
    helpers: list[int] = []
    try:
        pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        _wait_until(lambda: "All articles" in screen(), 30, "the reader")
        assert not _descendants(pid)  # refresh_on_start is off: nothing started yet
        tmux("send-keys", "-t", session, "r")
        _wait_for_workers(pid)
        # Articles on screen: parsing works although Textual replaced sys.stderr.
        _wait_until(lambda: "Story number" in screen(), 30, "parsed articles on screen")
        roles = _helpers(pid)
        helpers = _descendants(pid)
        assert roles["forkserver"] and roles["workers"] and roles["tracker"], roles
        assert server.count() < count  # still refreshing
        os.kill(pid, signal.SIGKILL)
        survivors, elapsed = _gone_within(helpers, GRACE)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        _gone_within(helpers, 0)
    assert not survivors, f"still running {elapsed:.1f} s after kill -9: {survivors} ({roles})"


# -- ^C ------------------------------------------------------------------------------------------


def _interrupt(server: FeedServer, after: float, *, group: bool) -> tuple[int, str, list[int]]:
    """Run `newsreader refresh` on a pty; `after` s in (and once it has begun), ^C or SIGINT."""
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    before = server.count()
    proc = subprocess.Popen(
        [sys.executable, "-c", CTTY, str(COMMAND), "refresh"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    started = time.monotonic()
    out = bytearray()
    helpers: list[int] = []
    sent = False
    try:
        while time.monotonic() - started < 30:
            due = time.monotonic() - started >= after and server.count() > before
            if not sent and due:
                helpers = _descendants(proc.pid)
                if group:
                    os.write(master, b"\x03")  # the terminal's ^C: the whole foreground group
                else:
                    os.kill(proc.pid, signal.SIGINT)  # the main process alone
                sent = True
            if select.select([master], [], [], 0.02)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every process holding the terminal has ended
                    break
                if not chunk:
                    break
                out += chunk
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert sent, "the refresh ended before the interrupt"
    return code, out.decode("utf-8", "replace"), helpers


def _interrupt_problems(code: int, out: str, helpers: list[int]) -> list[str]:
    problems = [f"exit code {code}"] if code != 130 else []
    problems += [f"{word!r} in the output" for word in NOISE if word in out]
    if out.count("newsreader: interrupted") != 1:
        problems.append("not exactly one 'newsreader: interrupted'")
    # The last thing written, on a line of its own (a progress line is cleared first).
    if not re.search(r"(\A|\n|\r\x1b\[K)newsreader: interrupted\r?\n\Z", out):
        problems.append("'newsreader: interrupted' is not alone on the last line")
    survivors, _ = _gone_within(helpers, GRACE)
    if survivors:
        problems.append(f"helpers still running: {survivors}")
    return problems


def _run_trials(server: FeedServer, delays: list[float], *, group: bool) -> None:
    failures = []
    for n, after in enumerate(delays):
        code, out, helpers = _interrupt(server, after, group=group)
        problems = _interrupt_problems(code, out, helpers)
        if problems:
            failures.append(f"trial {n} (^C at {after:.2f} s): {problems}\n{out[-1500:]}")
    assert not failures, f"{len(failures)} of {len(delays)} trials:\n" + "\n".join(failures)


@pytest.mark.slow
def test_ctrl_c_on_the_terminal_is_one_line(slow_feeds) -> None:
    server, _data, _count = slow_feeds
    _run_trials(server, [0.3 + 1.7 * n / 19 for n in range(20)], group=True)


@pytest.mark.slow
def test_sigint_to_the_main_process_alone_is_one_line(slow_feeds) -> None:
    server, _data, _count = slow_feeds
    _run_trials(server, [0.3, 0.7, 1.1, 1.5, 2.0], group=False)


def test_worker_init_ignores_sigint_in_a_fresh_process() -> None:
    """The initializer itself: SIGINT ignored, nothing printed (a unit check of the above)."""
    code = textwrap.dedent(
        """
        import os, signal, time
        from newsreader.ingest.lifetime import worker_init
        worker_init()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
        print("still here")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout == "still here\n" and not out.stderr, out
