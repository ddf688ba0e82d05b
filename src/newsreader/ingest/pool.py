"""Parse feeds off the event loop: plain feeds in a thread, the rest in worker processes with a
per-feed time limit.

A document the compiled parse path answers (fastpath.py: linear work, ~10 ms for 50 items,
documents up to 4 MiB) is parsed in one thread of this process: a refresh in which a few plain
feeds changed starts no worker (no processes' memory, no pickling); a backlog (a cold refresh of
hundreds of feeds) spills over to the workers. Everything else (feedparser's path, JSON Feed,
large documents) goes to the workers below.

One parse on the event loop froze the UI for 455 ms; in a process pool the UI lag was ~0.2 ms
(shared/FACTS.md). Workers come from "forkserver" (or "spawn"), never "fork": the caller has
threads.
At most `PREFETCH` jobs per worker are handed to the executor at a time; a job's clock starts
when it is handed over (twice the limit if it has to queue behind a busy worker), and a job
over its limit gets its worker killed and the pool recreated. Workers ignore ^C and end with
the process that started them, however it ends (lifetime.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from newsreader.i18n import N_
from newsreader.ingest.lifetime import start_helpers, worker_init
from newsreader.ingest.parse import ParsedFeed, ParseError, parse_feed_fast
from newsreader.models import Feed

T = TypeVar("T")
MAX_ATTEMPTS = 3  # a job killed as a bystander of another job's timeout is run again
# Jobs handed to the executor per worker. With 1, a worker idles for a whole round trip
# (result back, next job over) after every feed: 4.3 s instead of 3.1 s for 200 feeds.
PREFETCH = 2
# Documents queued for this process's parse thread beyond which the next goes to a worker: a
# handful of changed feeds never start a process; a cold refresh of hundreds uses every core.
INLINE_BACKLOG = 4
# What submitting can raise when a worker cannot be started: a broken or shut-down pool, or
# a forkserver that died (EOF or a refused connection while asking it to fork).
_START_FAILED = (BrokenProcessPool, RuntimeError, OSError, EOFError)


def _parse_job(
    data: bytes, feed: Feed, url: str, headers: Mapping[str, str] | None, now: datetime | None
) -> ParsedFeed:
    from newsreader.ingest.parse import parse_feed

    return parse_feed(data, feed=feed, url=url, headers=headers, now=now)


def _warm() -> int:
    """Import the heavy modules in a worker while the first HTTP requests are in flight."""
    import feedparser  # noqa: F401
    import nh3  # noqa: F401

    import newsreader.ingest.parse  # noqa: F401

    return os.getpid()


# What a worker runs. Tests swap in a slow or crashing function (module attribute, pickled by
# reference, so it must be a module-level function of an importable module).
_target: Callable[..., ParsedFeed] = _parse_job


def _mp_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # Workers forked from a server that already imported the parser start in ms, which
        # matters each time the pool is recreated after a timeout. No effect once it runs.
        # proc_lifetime first: it makes the server die with this process.
        # (Preloading feedparser and nh3 as well measured no faster: 1.92 vs 1.89 s cold at
        # 200x50, medians of 3; the workers import them while the first requests are out.)
        ctx.set_forkserver_preload(["newsreader.ingest.lifetime", "newsreader.ingest.parse"])
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass(eq=False)
class _Job:
    args: tuple[Any, ...]
    fn: Callable[..., Any] | None = None  # None: `_target` (parse_feed), looked up when sent
    future: Future[ParsedFeed] = field(default_factory=Future)
    attempts: int = 0
    suspect: bool = False  # was running when a worker died: run it alone to find the culprit
    deadline: float = 0.0
    executor: ProcessPoolExecutor | None = None


class ParsePool:
    """Worker processes for `parse_feed`; every failure comes back as a ParseError."""

    def __init__(self, workers: int = 0, timeout: float = 20.0, *, inline: bool = True) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.inline = inline
        self.inline_parsed = 0  # documents parsed in this process's thread (the rest: workers)
        self._inline_executor: ThreadPoolExecutor | None = None
        self._inline_waiting = 0  # documents handed to the thread and not back yet
        self.timeout = float(timeout)
        self.restarts = 0  # pools recreated after a timeout or a crash
        self._cond = threading.Condition(threading.RLock())
        self._queue: deque[_Job] = deque()
        self._running: dict[Future[Any], _Job] = {}
        self._executor: ProcessPoolExecutor | None = None
        self._watchdog: threading.Thread | None = None
        self._closed = False
        self._ctx = _mp_context()

    # -- public API ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers now and import the parser in them (optional: parse starts them)."""
        with self._cond:
            executor = self._ensure_executor()
        for _ in range(self.workers):
            try:
                executor.submit(_warm)
            except _START_FAILED:
                break

    def submit(
        self,
        data: bytes,
        *,
        feed: Feed,
        url: str,
        headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> Future[ParsedFeed]:
        """Queue one document; the future gives a ParsedFeed or raises ParseError."""
        job = _Job(args=(bytes(data), feed, url, dict(headers or {}), now))
        with self._cond:
            if self._closed:
                raise ParseError(N_("parse pool closed"))
            self._queue.append(job)
            self._dispatch()
        return job.future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a module-level function (pickled by reference) in a worker, under the same time
        limit as a parse; a time-out or a crash raises ParseError."""
        job = _Job(args=args, fn=fn)
        with self._cond:
            if self._closed:
                raise ParseError(N_("parse pool closed"))
            self._queue.append(job)
            self._dispatch()
        return await asyncio.wrap_future(job.future)  # type: ignore[arg-type]

    async def parse(
        self,
        data: bytes,
        *,
        feed: Feed,
        url: str,
        headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> ParsedFeed:
        """Parse without blocking the event loop, in this process's parse thread when the
        compiled path answers, else in a worker; raises ParseError."""
        # Tests that swap the workers' function (`_target`) want every document to reach it.
        # A backlog in the thread (a cold refresh of many feeds) sends documents on to the
        # workers, which take the same fast path, on every core.
        # Once workers run (a spill-over, or a document only feedparser reads), they take every
        # document: the thread would compete with this process's HTTP and store writes for
        # the interpreter lock (cold refresh of 200 feeds: 2.00 -> 1.91 s).
        if (
            self.inline
            and _target is _parse_job
            and self._inline_waiting < INLINE_BACKLOG
            and self._executor is None
        ):
            job = functools.partial(
                parse_feed_fast, data, feed=feed, url=url, headers=headers, now=now
            )
            with self._cond:
                if self._closed:
                    raise ParseError(N_("parse pool closed"))
                if self._inline_executor is None:
                    self._inline_executor = ThreadPoolExecutor(1, thread_name_prefix="parse")
                lane = self._inline_executor
            self._inline_waiting += 1
            try:
                parsed = await asyncio.get_running_loop().run_in_executor(lane, job)
            finally:
                self._inline_waiting -= 1
            if parsed is not None:
                self.inline_parsed += 1
                return parsed
        future = self.submit(data, feed=feed, url=url, headers=headers, now=now)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Fail what is still queued, stop the workers (killing busy ones) and the watchdog."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            jobs = list(self._queue) + list(self._running.values())
            self._queue.clear()
            self._running.clear()
            executor, self._executor = self._executor, None
            lane, self._inline_executor = self._inline_executor, None
            self._cond.notify_all()
        if lane is not None:
            lane.shutdown(wait=False, cancel_futures=True)  # a running parse ends in ms
        for job in jobs:
            _settle(job, exc=ParseError("parse pool closed"))
        if executor is not None:
            if jobs:
                _abandon(executor, wait=True)  # busy workers are killed, not waited for
            else:
                try:
                    executor.shutdown(wait=True, cancel_futures=True)
                except BaseException:  # ^C while waiting: do not leave the workers behind
                    _abandon(executor, wait=False)
                    raise
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout=5)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> ParsePool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.close)

    # -- internals (all under self._cond) ------------------------------------------------------

    def _ensure_executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # The tracker and the forkserver, started here rather than by whichever thread
            # submits first: from a thread that outlives them, with a stderr they can use.
            with contextlib.suppress(Exception):  # else multiprocessing starts them itself
                start_helpers(self._ctx)
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._ctx, initializer=worker_init
            )
        if self._watchdog is None:
            self._watchdog = threading.Thread(
                target=self._watch, name="parse-pool-watchdog", daemon=True
            )
            self._watchdog.start()
        return self._executor

    def _dispatch(self) -> None:
        while self._queue and not self._closed and len(self._running) < self.workers * PREFETCH:
            if any(job.suspect for job in self._running.values()):
                return  # a suspect runs alone
            job = self._queue[0]
            if job.suspect and self._running:
                return
            self._queue.popleft()
            if not job.future.running() and not job.future.set_running_or_notify_cancel():
                continue  # the caller gave up (cancelled) before it started
            self._submit(job)

    def _submit(self, job: _Job) -> None:
        for _ in range(2):
            executor = self._ensure_executor()
            try:
                efut = executor.submit(job.fn or _target, *job.args)
            except _START_FAILED:
                self._drop_executor(executor)
                continue
            job.executor = executor
            # A job queued behind a busy worker starts at most one time limit later (the job
            # ahead of it is bounded too), so it gets two.
            queued = len(self._running) >= self.workers
            job.deadline = time.monotonic() + self.timeout * (2 if queued else 1)
            self._running[efut] = job
            self._cond.notify_all()
            efut.add_done_callback(self._done)
            return
        _settle(job, exc=ParseError("parse failed: cannot start a worker process"))

    def _done(self, efut: Future[Any]) -> None:
        with self._cond:
            job = self._running.pop(efut, None)
            if job is None:
                return  # already settled (timeout, close)
            try:
                result = efut.result()
            except ParseError as exc:
                _settle(job, exc=exc)
            except (BrokenProcessPool, CancelledError):
                if job.executor is self._executor:
                    self._drop_executor(job.executor)
                job.attempts += 1
                if job.suspect or job.attempts >= MAX_ATTEMPTS:
                    _settle(job, exc=ParseError("parse failed: the parser process crashed"))
                else:
                    job.suspect = True
                    self._queue.appendleft(job)
            except BaseException as exc:  # becomes the feed's one-line error
                _settle(job, exc=ParseError(f"parse failed: {type(exc).__name__}: {exc}"[:200]))
            else:
                _settle(job, result=result)
            self._dispatch()

    def _drop_executor(self, executor: ProcessPoolExecutor | None, *, kill: bool = False) -> None:
        if executor is None:
            return
        if executor is self._executor:
            self._executor = None
            self.restarts += 1
        if kill:
            _abandon(executor, wait=False)
        else:
            executor.shutdown(wait=False, cancel_futures=True)

    def _watch(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                expired = [job for job in self._running.values() if job.deadline <= now]
                if expired:
                    self._kill_and_restart(expired)
                    continue
                deadlines = [job.deadline for job in self._running.values()]
                self._cond.wait(min(deadlines) - now if deadlines else None)

    def _kill_and_restart(self, expired: list[_Job]) -> None:
        """Kill every worker (one is stuck), fail the late jobs, run the bystanders again."""
        bystanders = [job for job in self._running.values() if job not in expired]
        executors = {id(j.executor): j.executor for j in expired + bystanders if j.executor}
        if self._executor is not None:
            executors[id(self._executor)] = self._executor
        self._running.clear()
        for job in expired:
            _settle(job, exc=ParseError(f"parse timed out after {self.timeout:g} s"))
        for job in reversed(bystanders):
            job.attempts += 1
            if job.attempts >= MAX_ATTEMPTS:
                _settle(job, exc=ParseError("parse failed: workers restarted too often"))
            else:
                self._queue.appendleft(job)
        for executor in executors.values():
            self._drop_executor(executor, kill=True)
        self._dispatch()


def _settle(
    job: _Job, *, result: ParsedFeed | None = None, exc: BaseException | None = None
) -> None:
    if job.future.done():
        return
    if exc is not None:
        job.future.set_exception(exc)
    else:
        job.future.set_result(result)  # type: ignore[arg-type]


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot cancel a running call; killing its processes is the only way.
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()


def _abandon(executor: ProcessPoolExecutor, *, wait: bool) -> None:
    """Kill the executor's workers and shut it down; make sure its manager thread ends too."""
    thread = getattr(executor, "_executor_manager_thread", None)  # shutdown() forgets it
    _kill_workers(executor)
    executor.shutdown(wait=False, cancel_futures=True)
    if not isinstance(thread, threading.Thread):
        return
    if wait:
        _unstick(thread)
    else:
        threading.Thread(
            target=_unstick, args=(thread,), name="parse-pool-reaper", daemon=True
        ).start()


def _unstick(thread: threading.Thread, timeout: float = 5.0) -> None:
    """Wait for an executor's manager thread; feed it filler if it waits for half a result.

    A worker killed while sending its result leaves part of a message in the result pipe, and
    the manager thread waits for the rest forever (so would `close()`, and the interpreter's
    exit, which joins that thread): ^C hung a refresh 1 time in ~40. Zeros complete the
    message, it fails to unpickle, the executor counts as broken and the thread ends.
    """
    thread.join(0.2)
    writer = getattr(getattr(thread, "result_queue", None), "_writer", None)
    if not thread.is_alive() or writer is None:
        return
    try:
        fd = writer.fileno()
        os.set_blocking(fd, False)
    except (OSError, ValueError):
        return
    filler = bytes(1 << 16)
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        try:
            os.write(fd, filler)
        except BlockingIOError:
            pass
        except OSError:
            return
        thread.join(0.01)
