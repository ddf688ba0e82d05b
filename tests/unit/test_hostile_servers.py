"""Hostile servers through the real refresh pipeline: Library + refresh + parse pool + store.

Each misbehaving server must cost its own feed one clear error line (Feed.last_error) within the
deadline, with bounded memory, while the other feeds of the same refresh are stored. Then
thousands of feeds at once: per-host and overall limits, sockets and memory stay bounded.
Figures are printed (run with `-s` to see them) for docs/RELIABILITY.md.
"""

from __future__ import annotations

import re
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from feedserver import FeedServer, gzip_bomb, huge_headers, max_overlap, slow_headers
from newsreader.config import Settings
from newsreader.ingest.pool import ParsePool
from newsreader.ingest.refresh import FAILED, UPDATED, RefreshSummary, refresh_sync
from newsreader.library import Library
from sample_feeds import item, rss

TIMEOUT = 1.5  # the per-feed deadline of the hostile cases
SLACK = 2.5  # refresh set-up, commits and a loaded CI machine on top of the deadline
MIB = 1 << 20
CAP = 1 * MIB  # max_body_bytes of the hostile cases


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    """One warm pool for the module: the cases measure servers, not worker start-up."""
    with ParsePool(workers=2, timeout=20.0) as shared:
        shared.start()
        yield shared


def _rss_kib() -> tuple[int, int]:
    status = Path("/proc/self/status").read_text()
    now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return now, peak


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


@dataclass
class Measured:
    summary: RefreshSummary
    seconds: float
    traced_peak: int  # bytes, tracemalloc
    rss_delta: int | None  # bytes, VmHWM after minus VmRSS before (None: peak not resettable)


def measured_refresh(lib: Library, pool: ParsePool, *, trace: bool = True) -> Measured:
    rss_before = _rss_kib()[0]
    resettable = _reset_rss_peak()
    if trace:
        tracemalloc.start()
    try:
        start = time.monotonic()
        summary = refresh_sync(lib, pool=pool)
        seconds = time.monotonic() - start
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        if trace:
            tracemalloc.stop()
    rss_delta = (_rss_kib()[1] - rss_before) * 1024 if resettable else None
    return Measured(summary, seconds, traced_peak, rss_delta)


def figure(name: str, m: Measured, extra: str = "") -> None:
    rss = f"{m.rss_delta / MIB:.1f} MiB" if m.rss_delta is not None else "n/a"
    print(
        f"\nFIGURE {name}: {m.seconds:.2f} s, traced peak {m.traced_peak / MIB:.1f} MiB, "
        f"RSS peak delta {rss}{extra}"
    )


# -- one hostile server among good feeds -------------------------------------------------------


@dataclass(frozen=True)
class Case:
    setup: Callable[[FeedServer, Path], str]  # registers routes, returns the hostile path
    error: str  # the exact Feed.last_error
    deadline_bound: bool  # ends by the deadline (vs. at once by a cap or a rule)


def _route(**kwargs: object) -> Callable[[FeedServer, Path], str]:
    def setup(server: FeedServer, tmp: Path) -> str:
        server.route("/hostile", **kwargs)  # type: ignore[arg-type]
        return "/hostile"

    return setup


def _handler(factory: Callable[[], Callable]) -> Callable[[FeedServer, Path], str]:
    def setup(server: FeedServer, tmp: Path) -> str:
        server.route("/hostile", handler=factory())
        return "/hostile"

    return setup


def _redirect_loop(server: FeedServer, tmp: Path) -> str:
    server.redirect_chain("/hostile", [(301, "/loop-b"), (302, "/loop-c"), (301, "/hostile")])
    return "/hostile"


def _redirect_to(target: str) -> Callable[[FeedServer, Path], str]:
    def setup(server: FeedServer, tmp: Path) -> str:
        server.redirect("/hostile", target, 302)
        return "/hostile"

    return setup


def _redirect_to_file(server: FeedServer, tmp: Path) -> str:
    # A valid feed on disk: following the redirect would store its articles.
    secret = tmp / "secret.xml"
    secret.write_bytes(rss("Local secret", [item(900), item(901)]))
    server.redirect("/hostile", secret.as_uri(), 301)
    return "/hostile"


TIMED_OUT = f"timed out after {TIMEOUT:g} s"
CASES = {
    "slow_headers": Case(_handler(lambda: slow_headers(0.1)), TIMED_OUT, True),
    "stalled_body": Case(_route(body=rss("S", [item(1)]), stall_after=40), TIMED_OUT, True),
    "trickle_1_byte_per_s": Case(_route(trickle=(1, 1.0), endless=True), TIMED_OUT, True),
    "endless_body": Case(_route(endless=True), "body larger than 1 MiB", False),
    "gzip_bomb": Case(
        _route(body=gzip_bomb(256 * MIB), content_encoding="gzip"), "body larger than 1 MiB", False
    ),
    "huge_header_line": Case(
        _handler(lambda: huge_headers(line_bytes=8 * MIB)),
        "protocol error: response headers too large",
        False,
    ),
    "many_headers": Case(
        _handler(lambda: huge_headers(count=200_000)),
        "protocol error: response headers too large",
        False,
    ),
    "redirect_loop": Case(_redirect_loop, "redirect loop", False),
    "redirect_javascript": Case(
        _redirect_to("javascript:alert(1)"),
        "redirect to a non-http URL refused (javascript)",
        False,
    ),
    "redirect_ftp": Case(
        _redirect_to("ftp://127.0.0.1/feed.xml"), "redirect to a non-http URL refused (ftp)", False
    ),
    "redirect_file": Case(_redirect_to_file, "redirect to a non-http URL refused (file)", False),
}


@pytest.fixture
def lib(data_dir: Path) -> Iterator[Library]:
    settings = Settings(timeout=TIMEOUT, max_body_bytes=CAP, concurrency=8, per_host=2)
    library = Library.open(data_dir, settings=settings)
    yield library
    library.close()


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_server_costs_only_its_own_feed(
    name: str, feed_server: FeedServer, lib: Library, pool: ParsePool, tmp_path: Path
) -> None:
    case = CASES[name]
    hostile_path = case.setup(feed_server, tmp_path)
    feed_server.route("/good1.xml", body=rss("Good one", [item(i) for i in range(3)]))
    feed_server.route("/good2.xml", body=rss("Good two", [item(10 + i) for i in range(2)]))
    hostile = lib.add_feed(feed_server.url(hostile_path))
    lib.add_feed(feed_server.url("/good1.xml"))
    lib.add_feed(feed_server.url("/good2.xml"))

    m = measured_refresh(lib, pool)
    figure(name, m)

    reports = {r.feed_id: r for r in m.summary.reports}
    assert reports[hostile.id].outcome == FAILED
    stored = lib.feeds[hostile.id]
    assert stored.last_error == case.error and stored.error_at is not None
    assert stored.etag is None and stored.last_modified is None and stored.url == hostile.url
    assert not [a for a in lib.articles.values() if a.feed_id == hostile.id]
    good = [f for f in lib.feeds.values() if f.id != hostile.id]
    assert {f.title for f in good} == {"Good one", "Good two"}
    assert all(f.last_error is None for f in good)
    assert all(reports[f.id].outcome == UPDATED for f in good) and len(lib.articles) == 5

    assert m.seconds < TIMEOUT + SLACK
    if case.deadline_bound:
        assert m.seconds >= TIMEOUT * 0.9  # it really was the deadline that ended it
    # The caps are 1 MiB of body and 100 KiB of headers; the rest is httpx, store and tracing.
    assert m.traced_peak < 12 * MIB, f"traced peak {m.traced_peak / MIB:.1f} MiB"
    if m.rss_delta is not None:
        assert m.rss_delta < 64 * MIB, f"RSS grew {m.rss_delta / MIB:.1f} MiB"
    assert not feed_server.errors


def test_every_hostile_server_at_once(
    feed_server: FeedServer, lib: Library, pool: ParsePool, tmp_path: Path
) -> None:
    """All the cases in one refresh, each on its own host name, next to ten good feeds."""
    hostile: dict[str, str] = {}
    servers: list[FeedServer] = []
    try:
        for n, case in enumerate(CASES.values()):
            server = FeedServer(f"127.0.1.{n + 1}").start()
            servers.append(server)
            hostile[lib.add_feed(server.url(case.setup(server, tmp_path))).id] = case.error
        for i in range(10):
            feed_server.route(
                f"/good{i}.xml", body=rss(f"Good {i}", [item(10 * i + j) for j in range(2)])
            )
            lib.add_feed(feed_server.url(f"/good{i}.xml"))

        m = measured_refresh(lib, pool)
        figure(f"all {len(CASES)} hostile servers + 10 good feeds", m)
    finally:
        for server in servers:
            server.stop()

    errors = {f.id: f.last_error for f in lib.feeds.values() if f.id in hostile}
    assert errors == hostile
    with Library.open(lib.dirs.data, settings=lib.settings) as again:  # and so on disk
        assert {i: f.last_error for i, f in again.feeds.items() if i in hostile} == hostile
        assert len(again.articles) == 20
    assert m.summary.count(UPDATED) == 10 and m.summary.count(FAILED) == len(CASES)
    assert len(lib.articles) == 20
    # They run side by side (distinct hosts, 8 slots): the refresh takes about one deadline.
    assert m.seconds < TIMEOUT * 2 + SLACK
    assert m.traced_peak < 24 * MIB, f"traced peak {m.traced_peak / MIB:.1f} MiB"
    assert all(not s.errors for s in servers)


# -- thousands of feeds at once ----------------------------------------------------------------

HOSTS = [f"127.0.0.{n}" for n in range(2, 6)]  # the fetcher keys its limits by host name, not port
FEEDS_PER_HOST = 500
STALLED_PER_HOST = 2


def _sockets_by_inode() -> dict[str, tuple[int, int]]:
    """TCP sockets on the machine: inode -> (local port, remote port)."""
    found: dict[str, tuple[int, int]] = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, remote, inode = cols[1], cols[2], cols[9]
            found[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
    return found


class FdSampler:
    """Samples this process's open fds and its client-side sockets to `ports` until stopped."""

    def __init__(self, ports: set[int], every: float = 0.02) -> None:
        self.ports = ports
        self.every = every
        self.max_fds = 0
        self.max_client_sockets = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        inodes = []
        fds = 0
        for fd in Path("/proc/self/fd").iterdir():
            fds += 1
            try:
                target = fd.readlink().name
            except OSError:
                continue  # closed while we looked
            if target.startswith("socket:["):
                inodes.append(target[8:-1])
        tcp = _sockets_by_inode()
        # The servers live in this process too: their accepted sockets have a server port on
        # the local side; ours have it on the remote side.
        client = sum(1 for i in inodes if i in tcp and tcp[i][1] in self.ports)
        self.max_fds = max(self.max_fds, fds)
        self.max_client_sockets = max(self.max_client_sockets, client)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self) -> FdSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_thousands_of_feeds_keep_limits_sockets_and_memory(data_dir: Path, pool: ParsePool) -> None:
    settings = Settings(timeout=2.0, concurrency=8, per_host=3, max_body_bytes=CAP)
    servers = [FeedServer(host).start() for host in HOSTS]
    lib = Library.open(data_dir, settings=settings)
    try:
        entries = []
        for h, server in enumerate(servers):
            server.route("/feed", body=rss(f"Host {h}", [item(1), item(2)]), delay=0.002)
            server.route("/stalled", body=rss("Stalled", [item(3)]), stall_after=20)
            entries += [(server.url(f"/feed?n={n}"), "", []) for n in range(FEEDS_PER_HOST)]
            entries += [(server.url(f"/stalled?n={n}"), "", []) for n in range(STALLED_PER_HOST)]
        added, _ = lib.add_feeds(entries)
        total = len(HOSTS) * (FEEDS_PER_HOST + STALLED_PER_HOST)
        assert added == total == len(lib.feeds)

        baseline_fds = len(list(Path("/proc/self/fd").iterdir()))
        with FdSampler({s.port for s in servers}) as fds:
            m = measured_refresh(lib, pool, trace=False)
        per_host = [s.max_in_flight() for s in servers]
        connections = sum(s.connections_opened for s in servers)
        overall = max_overlap(r for s in servers for r in s.requests())
        figure(
            f"{total} feeds on {len(HOSTS)} hosts",
            m,
            f", in flight per host {max(per_host)} (limit {settings.per_host}), overall "
            f"{overall} (limit {settings.concurrency}), client sockets peak "
            f"{fds.max_client_sockets}, connections {connections}, fds {baseline_fds} -> peak "
            f"{fds.max_fds} "
            f"({fds.samples} samples)",
        )
    finally:
        for server in servers:
            server.stop()
        lib.close()

    summary = m.summary
    assert len(summary.reports) == total
    assert summary.count(UPDATED) == len(HOSTS) * FEEDS_PER_HOST
    assert summary.count(FAILED) == len(HOSTS) * STALLED_PER_HOST
    assert len(lib.articles) == 2 * len(HOSTS) * FEEDS_PER_HOST
    stalled = [f for f in lib.feeds.values() if "/stalled" in f.url]
    assert {f.last_error for f in stalled} == {"timed out after 2 s"}
    assert all(s.count() == FEEDS_PER_HOST + STALLED_PER_HOST for s in servers)  # no retries

    assert max(per_host) <= settings.per_host
    assert overall <= settings.concurrency
    assert overall >= settings.per_host + 1  # several hosts were really served at once
    # In flight plus the idle keep-alive pool (one per host slot); not one per feed.
    sockets_bound = settings.concurrency + settings.concurrency * settings.per_host
    assert fds.samples >= 5
    assert fds.max_client_sockets <= sockets_bound
    # Our sockets, the servers' ends of them, and a little slack.
    assert fds.max_fds <= baseline_fds + 2 * sockets_bound + 32
    # Connections are reused: one per host slot, plus one per stalled feed cut off.
    assert connections <= len(HOSTS) * (settings.per_host + STALLED_PER_HOST) + 8
    if m.rss_delta is not None:
        assert m.rss_delta < 200 * MIB, f"RSS grew {m.rss_delta / MIB:.1f} MiB"
    assert all(not s.errors for s in servers)
