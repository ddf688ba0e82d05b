"""Helper processes that never outlive the command, never see ^C, and start under any stderr.

Left alone, a `kill -9` of the command leaves multiprocessing's forkserver and every parse
worker running forever, re-parented to PID 1: each worker holds the forkserver's "alive" pipe
and the executor's queues open, so none of them ever reads EOF. Here:

- every worker waits in a thread on its parent's sentinel (a pipe only the main process holds
  open) and exits when it closes: portable, any start method;
- on Linux the forkserver gets PR_SET_PDEATHSIG(SIGKILL) against the main process (armed when
  the forkserver imports this module as a preload) and every worker against the forkserver, so
  even a worker stuck in C code that holds the GIL dies with its parent;
- the forkserver also exits once no process holds its alive pipe, and the resource tracker
  once no process holds its pipe: both follow the workers.

PDEATHSIG fires when the *thread* that forked the child ends, not the process, so the tracker
and the forkserver are started from one daemon thread that lives as long as the process. That
thread blocks SIGINT, and the mask is inherited: the forkserver and every worker forked from it
never see the terminal's ^C; the parent shuts them down. It also hands the tracker a stderr it
can pass on: hosts like Textual replace sys.stderr with an object whose fileno() is -1, and the
tracker then failed to start ("bad value(s) in fds_to_keep").
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from types import FrameType
from typing import Any

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(sig: int | None = None) -> bool:
    """Linux: have the kernel send `sig` (SIGKILL) to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    sig = int(sig if sig is not None else signal.SIGKILL)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError):
        return False


def worker_init() -> None:
    """Initializer of every pool worker: ignore ^C, and end when the parent ends."""
    with contextlib.suppress(ValueError, OSError):  # not the main thread / no such signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()  # with forkserver the parent is the server, which dies with the main
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_when_gone, args=(parent,), name="parent-watch", daemon=True
        ).start()


def _exit_when_gone(parent: Any) -> None:
    # The sentinel is readable only once the process that started this one has ended (it is
    # what `parent_process().is_alive()` asks); then nothing will ever collect our results.
    parent.join()
    os._exit(1)


def start_helpers(ctx: multiprocessing.context.BaseContext) -> None:
    """Start the resource tracker (and the forkserver) from the keeper thread, if needed."""
    if os.name != "posix":
        return
    method = ctx.get_start_method()

    def start() -> None:
        from multiprocessing import forkserver, resource_tracker

        with _stderr_with_usable_fd():
            resource_tracker.ensure_running()
        if method == "forkserver":
            # Starting the tracker unblocks SIGINT in this thread (its own signal dance).
            _block_sigint()
            forkserver.ensure_running()

    _on_keeper(start)


# -- the keeper thread -------------------------------------------------------------------------

_keeper_lock = threading.Lock()
_keeper: tuple[int, queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]]] | None = None


def _on_keeper(fn: Callable[[], Any]) -> Any:
    """Run `fn` on a daemon thread that lives until the process ends (and blocks SIGINT)."""
    global _keeper
    with _keeper_lock:
        if _keeper is None or _keeper[0] != os.getpid():  # none yet, or we are a fork
            jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
            threading.Thread(target=_keep, args=(jobs,), name="process-keeper", daemon=True).start()
            _keeper = (os.getpid(), jobs)
        jobs = _keeper[1]
    done: Future[Any] = Future()
    jobs.put((fn, done))
    return done.result()


def _keep(jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]]) -> None:
    while True:
        fn, done = jobs.get()
        _block_sigint()
        try:
            done.set_result(fn())
        except BaseException as exc:  # handed to the caller
            done.set_exception(exc)


def _block_sigint() -> None:
    """Block SIGINT in this thread; processes it starts inherit the mask through exec."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


# -- stderr for the resource tracker -----------------------------------------------------------


def _usable_fd(stream: object) -> int | None:
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        os.fstat(fd)
    except Exception:  # noqa: BLE001 - no fileno, -1, closed: all mean "none"
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


class _StderrProxy:
    """The current sys.stderr for writers; for the tracker, a usable fileno() or none at all."""

    def __init__(self, wrapped: object, fd: int | None) -> None:
        self._wrapped = wrapped
        self._fd = fd

    def fileno(self) -> int:
        if self._fd is None:
            raise OSError("no usable stderr file descriptor")  # the tracker then passes none
        return self._fd

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


@contextlib.contextmanager
def _stderr_with_usable_fd() -> Iterator[None]:
    """While starting the tracker, make sys.stderr.fileno() a real fd (or raise)."""
    current = sys.stderr
    if current is None or _usable_fd(current) is not None:
        yield
        return
    sys.stderr = _StderrProxy(current, _usable_fd(sys.__stderr__))
    try:
        yield
    finally:
        if isinstance(sys.stderr, _StderrProxy):
            sys.stderr = current


# -- in the forkserver -------------------------------------------------------------------------


def _arm_if_forkserver() -> None:
    """Imported as a forkserver preload: die with the main process (the server's parent).

    A main process that dies before this runs is covered too: until the server serves, only
    the main process holds its alive pipe, so the server reads EOF and exits.
    """
    server = sys.modules.get("multiprocessing.forkserver")
    if server is None:
        return
    code = server.main.__code__
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_code is code:
            die_with_parent()
            return
        frame = frame.f_back


_arm_if_forkserver()
