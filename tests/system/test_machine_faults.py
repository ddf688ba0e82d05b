"""Faults of the machine: a full disk, a read-only or vanished data folder, SIGTERM and SIGHUP,
SIGKILL during a refresh (CLI and TUI), and the reader open while cron refreshes.

The write faults are injected inside the store (tests run as root, so chmod would not stop a
write): `FaultyOs` stands in for the `os` module in every module of the newsreader.store package
and fails like the kernel does. The signal and cron tests drive real processes: the installed
`newsreader` command, in tmux when it needs a terminal.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedserver import FeedServer
from newsreader import cli
from newsreader.library import Library
from newsreader.marks import Marks
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from newsreader.store import MANIFEST, TMP_PREFIX, Store
from newsreader.ui.screens.main import MainScreen
from newsreader.ui.screens.main import writes as main_screen
from sample_feeds import rss
from ui_fixtures import copy_cache, make_app

COMMAND = Path(sys.executable).with_name("newsreader")
HAS_TMUX = shutil.which("tmux") is not None
needs_tmux = pytest.mark.skipif(not HAS_TMUX, reason="tmux is not installed")
QUIET_UI = "[ui]\nrefresh_on_start = false\nrefresh_minutes = 0\nread_delay = -1\n"


# ------------------------------------------------------------------ write faults, injected


class FaultyOs:
    """`os` for newsreader.store whose writes fail with `err` while `armed`, as the kernel would.

    ENOSPC: half of the bytes go in, then the error (a disk filling up mid-file).
    EROFS: opening anything for writing fails (a folder remounted read-only).
    """

    def __init__(self, err: int) -> None:
        self.err = err
        self.armed = True
        self.failures = 0

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def _fail(self) -> OSError:
        self.failures += 1
        return OSError(self.err, os.strerror(self.err))

    def write(self, fd: int, data: bytes) -> int:
        if self.armed and self.err == errno.ENOSPC:
            os.write(fd, bytes(memoryview(data)[: len(data) // 2]))
            raise self._fail()
        return os.write(fd, data)

    def open(self, path: object, flags: int, mode: int = 0o777, **kw: object) -> int:
        if self.armed and self.err == errno.EROFS and flags & (os.O_WRONLY | os.O_RDWR):
            raise self._fail()
        return os.open(path, flags, mode, **kw)  # type: ignore[arg-type]


def patch_store_os(monkeypatch: pytest.MonkeyPatch, fake: object) -> None:
    """`fake` stands in for `os` in newsreader.store and in each of its modules that uses `os`."""
    for name, module in list(sys.modules.items()):
        if (name + ".").startswith("newsreader.store.") and hasattr(module, "os"):
            monkeypatch.setattr(module, "os", fake)


def files_of(root: Path) -> dict[str, bytes]:
    """The cache's files; the search index (search.sqlite*, derived, rebuilt from these) aside."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("search.sqlite")
    }


@pytest.fixture
def cache(demo_template: Path, tmp_path: Path) -> Path:
    return copy_cache(demo_template, tmp_path / "data")


def record_notes(app) -> list[str]:  # noqa: ANN001 - NewsReaderApp
    notes: list[str] = []
    original = app.notify

    def notify(message: object, *args: object, **kw: object) -> None:
        notes.append(str(message))
        original(message, *args, **kw)

    app.notify = notify
    return notes


async def until(pilot, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.05)


def disk_marks(root: Path) -> tuple[set[str], set[str]]:
    """(read ids, starred ids) as a fresh process would see them."""
    store = Store(root)
    assert store.open() == []
    snap = store.load()
    read = {a.id for a in snap.articles.values() if a.read}
    return read, {a.id for a in snap.articles.values() if a.starred}


@pytest.mark.anyio
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
async def test_failed_writes_keep_marks_in_memory_and_land_once_writable(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    monkeypatch.setattr(main_screen, "RETRY_INTERVAL", 0.2)
    before = files_of(cache)
    read_before, starred_before = disk_marks(cache)
    app = make_app(cache, tmp_path)
    notes = record_notes(app)
    faulty = FaultyOs(err)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.4)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        first = screen.headlines.article_id
        assert first is not None and first not in starred_before
        patch_store_os(monkeypatch, faulty)
        await pilot.press("s", "m")
        await until(pilot, lambda: faulty.failures >= 3)  # the first write and two retries

        art = app.library.articles[first]
        assert art.starred and art.read  # the reader runs on from memory
        warnings = [n for n in notes if n.startswith("Not saved yet")]
        assert len(warnings) == 1, notes  # one line, once, not at every retry
        assert os.strerror(err) in warnings[0] and "\n" not in warnings[0]
        assert files_of(cache) == before  # previous cache intact, nothing left behind

        # Another process commits meanwhile; the reload must not hide the unsaved marks.
        screen._retry_timer.pause()
        faulty.armed = False
        other = Library.open(cache, settings=app.library.settings)
        second = next(i for i in app.library.articles if i != first)
        marks = Marks(other)
        marks.set_read([other.articles[second]])
        marks.save()
        faulty.armed = True
        screen._watch_disk()
        await until(pilot, lambda: app.library.articles[second].read)
        art = app.library.articles[first]
        assert art.starred and art.read

        faulty.armed = False  # space freed / remounted read-write
        screen._retry_timer.resume()
        await until(pilot, lambda: not screen.marks.pending and not screen.marks.writing)
        await until(pilot, lambda: "Read/star changes saved" in notes)
        assert screen._retry_timer is None
    read, starred = disk_marks(cache)
    assert starred == starred_before | {first}
    assert read == read_before | {first, second}


@pytest.mark.anyio
async def test_vanished_data_folder_keeps_the_reader_going_and_writes_when_it_returns(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "RETRY_INTERVAL", 0.2)
    app = make_app(cache, tmp_path)
    notes = record_notes(app)
    away = cache.with_name("unmounted")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.4)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        count = len(app.library.articles)
        first = screen.headlines.article_id
        cache.rename(away)  # an unmounted drive, a removed folder
        await pilot.press("s")
        await until(pilot, lambda: any(n.startswith("Not saved yet") for n in notes))
        screen._watch_disk()  # looking for other processes' commits must not empty the view
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert len(app.library.articles) == count
        assert app.library.articles[first].starred
        assert len(screen.headlines.articles) == count
        assert not cache.exists()  # nothing recreated an empty cache behind the user's back
        away.rename(cache)
        await until(pilot, lambda: not screen.marks.pending and not screen.marks.writing)
    assert first in disk_marks(cache)[1]


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
def test_cli_refresh_on_a_failing_disk_is_one_line_and_exit_1(
    feed_server: FeedServer,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    err: int,
) -> None:
    feed_server.route("/f.xml", rss("F", feed_items(0, 0, 5)))
    assert cli.main(["add", feed_server.url("/f.xml")]) == 0
    capsys.readouterr()
    before = files_of(data_dir)
    patch_store_os(monkeypatch, FaultyOs(err))
    assert cli.main(["refresh", "-q"]) == 1
    out, errtext = capsys.readouterr()
    lines = errtext.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsreader: cannot "), errtext
    assert os.strerror(err) in lines[0] and "Traceback" not in errtext
    assert files_of(data_dir) == before
    patch_store_os(monkeypatch, os)
    assert cli.main(["refresh", "-q"]) == 0  # and it works once the disk does
    with Library.open(data_dir) as lib:
        assert len(lib.articles) == 5


# ------------------------------------------------------------------ real processes

TRIALS = 10
FEEDS = 60  # more than one commit batch of 50 feeds per refresh
ITEMS = 4  # per group; a refresh in trial k serves groups k-1 and k of every feed


def feed_items(n: int, trial: int, count: int = ITEMS) -> list[dict]:
    now = datetime.now(UTC)
    out = []
    for group in (trial - 1, trial):
        if group < 0:
            continue
        for i in range(count):
            out.append(
                {
                    "guid": f"urn:nr:{n}:{group}:{i}",
                    "title": f"Feed {n} group {group} story {i}",
                    "tags": (f"t{n % 7}",),
                    "date": now - timedelta(minutes=60 - group * 2 - i * 0.1),
                    "summary": f"Lead {n}-{group}-{i}.",
                    "body": f"<p>Body {n}-{group}-{i}.</p>" + "<p>filler text</p>" * 20,
                    "link": f"https://news.example.org/{n}/{group}/{i}",
                }
            )
    return out


def serve_trial(server: FeedServer, feeds: int, trial: int) -> None:
    for n in range(feeds):
        server.route(f"/f{n}.xml", rss(f"Feed {n}", feed_items(n, trial)), etag=f'"{n}-{trial}"')


def env_for(tmp: Path) -> dict[str, str]:
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text(QUIET_UI + "[refresh]\nparse_workers = 1\n")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env[CONFIG_DIR_ENV] = str(config)
    env.pop(DATA_DIR_ENV, None)
    return env


def subscribe(root: Path, server: FeedServer, feeds: int) -> None:
    with Library.open(root) as lib:
        added, _ = lib.add_feeds((server.url(f"/f{n}.xml"), "", []) for n in range(feeds))
        assert added == feeds


def check_cache(root: Path, feeds: int) -> tuple[int, int]:
    """Open as a fresh process; every feed holds whole groups with bodies and matching ETag.

    Returns (feeds holding their newest group, articles).
    """
    store = Store(root)
    assert store.open() == [], "the cache needed repair"
    snap = store.load()
    assert len(snap.feeds) == feeds
    by_feed: dict[str, list] = {}
    for art in snap.articles.values():
        by_feed.setdefault(art.feed_id, []).append(art)
    newest_total = 0
    for fid, feed in snap.feeds.items():
        arts = by_feed.get(fid, [])
        guids = [a.guid for a in arts]
        assert len(set(guids)) == len(guids), "duplicated article"
        n = int(feed.url.rsplit("/f", 1)[1].split(".")[0])
        groups = Counter(int(g.split(":")[3]) for g in guids)
        assert all(g.startswith(f"urn:nr:{n}:") for g in guids)
        assert all(c == ITEMS for c in groups.values()), f"half-applied feed {n}: {groups}"
        bodies = store.load_bodies(fid)
        assert {a.id for a in arts} <= set(bodies), "an article without its body"
        if groups:
            newest = max(groups)
            # The validators come in the same batch as the articles they describe.
            assert feed.etag == f'"{n}-{newest}"', (feed.etag, newest)
        else:
            assert feed.etag is None
        newest_total += bool(groups)
    return newest_total, len(snap.articles)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process and its parse workers (a session of their own), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def generation(root: Path) -> int:
    try:
        return json.loads((root / MANIFEST).read_text())["meta"]["1"]["generation"]
    except (OSError, ValueError, KeyError):
        return -1


def mid_commit(root: Path) -> bool:
    """Temp files or files newer than the manifest: a commit is under way (or was cut)."""
    gen = generation(root)
    for folder in (root, root / "shards"):
        try:
            names = [e.name for e in os.scandir(folder)]
        except FileNotFoundError:
            continue
        for name in names:
            if name.startswith(TMP_PREFIX):
                return True
            parts = name.split(".")
            if (
                len(parts) >= 3
                and parts[-1] == "json"
                and parts[-2].isdigit()
                and (int(parts[-2]) > gen)
            ):
                return True
    return False


def updated_feeds(root: Path, trial: int) -> int:
    with Library.open(root) as lib:
        return sum(f.etag is not None and f.etag.endswith(f'-{trial}"') for f in lib.feeds.values())


def line_ready(proc: subprocess.Popen) -> str | None:
    assert proc.stdout is not None
    if select.select([proc.stdout], [], [], 0)[0]:
        return proc.stdout.readline().strip()
    return None


def kill_trials(
    root: Path,
    server: FeedServer,
    start: Callable[[], tuple[subprocess.Popen, float]],
    done: Callable[[subprocess.Popen], bool],
) -> dict[str, object]:
    """One uncut refresh to time the commits, then TRIALS refreshes killed at random moments.

    The moments are drawn from the stretch where the commits happen (from a little before the
    first one to the end): earlier kills only lose fetches, which proves nothing.
    """
    serve_trial(server, FEEDS, 0)
    subscribe(root, server, FEEDS)
    proc, t0 = start()
    gen0, first = generation(root), None
    while not done(proc):
        if first is None and generation(root) != gen0:
            first = time.monotonic() - t0
        if time.monotonic() - t0 > 30:
            kill_group(proc)
            raise AssertionError(f"the refresh never ended: {proc.stderr and proc.stderr.read()}")
        time.sleep(0.005)
    end = time.monotonic() - t0
    kill_group(proc)
    assert first is not None, "the refresh committed nothing"
    assert check_cache(root, FEEDS) == (FEEDS, FEEDS * ITEMS)
    rng = random.Random()
    outcomes: Counter[str] = Counter()
    inside = 0
    for trial in range(1, TRIALS + 1):
        serve_trial(server, FEEDS, trial)
        gen0 = generation(root)
        proc, t0 = start()
        if trial % 3 == 0:  # anywhere in the refresh
            time.sleep(max(0.0, t0 + rng.uniform(0.0, end) - time.monotonic()))
        else:  # inside the first or a later commit, as soon as one is seen writing
            later = rng.random() < 0.5
            deadline = t0 + 3 * end + 2
            while proc.poll() is None and time.monotonic() < deadline:
                if (not later or generation(root) > gen0) and mid_commit(root):
                    break
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.01))
        kill_group(proc)
        inside += mid_commit(root)
        check_cache(root, FEEDS)  # raises on a corrupt or half-applied cache
        got = updated_feeds(root, trial)
        outcomes["none" if got == 0 else "all" if got == FEEDS else "some feeds"] += 1
    return {
        "uncut_s": round(end, 2),
        "first_commit_s": round(first, 2),
        "trials": TRIALS,
        "mid_commit": inside,
        "outcomes": dict(outcomes),
        "corrupt": 0,
    }


@pytest.mark.slow
def test_sigkill_during_cli_refresh_never_leaves_a_half_applied_batch(tmp_path: Path) -> None:
    root = tmp_path / "data"
    env = env_for(tmp_path)
    cmd = [str(COMMAND), "--data-dir", str(root), "refresh", "-q"]

    def start() -> tuple[subprocess.Popen, float]:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return proc, time.monotonic()

    with FeedServer() as server:
        figures = kill_trials(root, server, start, lambda p: p.poll() is not None)
    print(f"\nCLI refresh SIGKILL: {figures}")
    assert figures["mid_commit"] >= TRIALS // 3, figures


TUI_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import newsreader.ingest.refresh as refresh_mod
    from newsreader.ui.app import NewsReaderApp
    from newsreader.library import Library

    original = refresh_mod.refresh

    async def traced(*args, **kwargs):
        print("refreshing", flush=True)
        summary = await original(*args, **kwargs)
        print("refreshed", flush=True)
        return summary

    refresh_mod.refresh = traced  # the screen imports it when `r` is pressed

    async def main():
        app = NewsReaderApp(Library.open(sys.argv[1]), refresh_on_start=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.1)
            await pilot.press("r")
            await asyncio.sleep(120)

    if __name__ == "__main__":  # parse workers re-import this file
        asyncio.run(main())
    """
)


@pytest.mark.slow
def test_sigkill_during_tui_refresh_never_leaves_a_half_applied_batch(tmp_path: Path) -> None:
    root = tmp_path / "data"
    env = env_for(tmp_path)
    script = tmp_path / "tui_refresh.py"
    script.write_text(TUI_SCRIPT)

    def start() -> tuple[subprocess.Popen, float]:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "refreshing":
            kill_group(proc)
            raise AssertionError(f"the reader did not start: {line!r} {proc.stderr.read()}")
        return proc, time.monotonic()

    with FeedServer() as server:
        figures = kill_trials(root, server, start, lambda p: line_ready(p) == "refreshed")
    print(f"\nTUI refresh SIGKILL: {figures}")
    assert figures["mid_commit"] >= TRIALS // 3, figures


# ------------------------------------------------------------------ the reader in tmux


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def pids_with(marker: str) -> list[int]:
    """Processes whose command line contains `marker` (the unique data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "tmux" not in cmdline and "sh -c" not in cmdline:
                found.append(int(entry.name))
    return found


class Reader:
    """The installed `newsreader` on a data dir, running in a tmux session of its own."""

    def __init__(self, root: Path, env: dict[str, str], tmp: Path) -> None:
        self.session = f"nrf-{uuid.uuid4().hex[:8]}"
        self.exit_file = tmp / f"exit-{self.session}"
        self.root = root
        exports = f"{CONFIG_DIR_ENV}={env[CONFIG_DIR_ENV]} TERM=xterm-256color LANG=C.UTF-8"
        self.command = (
            f"env -u COLUMNS -u LINES {exports} {COMMAND} --data-dir {root};"
            f" echo $? > {self.exit_file}"
        )

    def __enter__(self) -> Reader:
        tmux("new-session", "-d", "-s", self.session, "-x", "140", "-y", "40", "sh")
        tmux("resize-window", "-t", self.session, "-x", "140", "-y", "40")
        tmux("send-keys", "-t", self.session, self.command, "Enter")
        self.wait_screen(lambda t: "All articles" in t)
        (self.pid,) = pids_with(str(self.root))
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait_screen(self, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"screen never matched; last screen:\n{text}")

    def exit_code(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.exit_file.exists() or not self.exit_file.read_text().strip():
            assert time.monotonic() < deadline, f"the reader did not exit:\n{self.screen()}"
            time.sleep(0.1)
        return int(self.exit_file.read_text())


@contextmanager
def cache_lock(root: Path) -> Iterator[None]:
    """Hold the cache's write lock, as a long commit of another process (cron) would."""
    fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@needs_tmux
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_writes_pending_marks_before_exit(
    cache: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    env = env_for(tmp_path)
    _, starred_before = disk_marks(cache)
    assert not starred_before
    with Reader(cache, env, tmp_path) as reader:
        with cache_lock(cache):
            # The star cannot be written while the lock is held: it is pending when the signal
            # comes, like a mark made while cron's refresh was committing.
            shown = reader.screen().count("Starred")  # the tag pane has one already
            reader.keys("s")
            reader.wait_screen(lambda t: t.count("Starred") > shown)  # the toast
            os.kill(reader.pid, sig)
            time.sleep(0.5)
            assert not reader.exit_file.exists(), "exited without waiting to save"
        assert reader.exit_code() == 128 + sig
        assert "Traceback" not in reader.screen()
    _, starred = disk_marks(cache)
    assert len(starred) == 1


CRON_FEEDS = 12
STEPS = 12  # articles starred and marked read in the reader while cron refreshes


@needs_tmux
@pytest.mark.slow
def test_reader_open_while_cron_refreshes_loses_nothing(tmp_path: Path) -> None:
    root = tmp_path / "data"
    env = env_for(tmp_path)
    cmd = [str(COMMAND), "--data-dir", str(root), "refresh", "-q"]
    runs: list[int] = []
    stop = threading.Event()
    with FeedServer() as server:
        serve_trial(server, CRON_FEEDS, 0)
        subscribe(root, server, CRON_FEEDS)
        first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr

        def cron() -> None:
            trial = 0
            while not stop.is_set():
                trial += 1
                serve_trial(server, CRON_FEEDS, trial)  # every feed gains items each run
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
                runs.append(done.returncode)

        with Reader(root, env, tmp_path) as reader:
            worker = threading.Thread(target=cron, name="cron")
            worker.start()
            try:
                for _ in range(STEPS):
                    reader.keys("s", "m")
                    time.sleep(0.15)
                    reader.keys("j")
                    time.sleep(0.35)  # the article pane follows the cursor (debounced)
                while len(runs) < 3:
                    time.sleep(0.1)
            finally:
                stop.set()
                worker.join(timeout=60)
            reader.keys("q")
            assert reader.exit_code() == 0
            assert "Traceback" not in reader.screen()
    assert runs and all(rc == 0 for rc in runs), runs
    newest, articles = check_cache(root, CRON_FEEDS)  # whole groups, no duplicates, opens clean
    assert newest == CRON_FEEDS
    read, starred = disk_marks(root)
    assert len(starred) == STEPS, (len(starred), len(read))
    assert read == starred
    print(f"\ncron: {len(runs)} refreshes while the reader marked {STEPS} articles; corrupt 0")
