"""The write lock: an exclusive flock() on the data dir's lock file, waited for by a blocking
helper thread and given up with `LockTimeout`; re-entrant within one thread."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsreader.i18n import N_
from newsreader.store.errors import LockTimeout, StoreError


def _flock(path: Path, timeout: float) -> int:
    """An fd holding an exclusive flock on `path`; LockTimeout after `timeout` seconds.

    Waiting is a blocking flock() in a helper thread, not polling: the kernel wakes a blocked
    waiter as soon as the lock is free, while a poller starves behind a process that commits
    back to back (measured: a refresh waited 20 s behind a reader marking articles). Signals
    cannot bound the wait because the engine commits from worker threads.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    except BaseException:
        os.close(fd)
        raise
    done = threading.Event()
    guard = threading.Lock()
    state: dict[str, Any] = {"gave_up": False, "error": None}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            state["error"] = exc
        with guard:
            if state["gave_up"]:
                os.close(fd)  # too late for the caller: give the lock back at once
                return
            done.set()

    threading.Thread(target=wait, name="newsreader-store-lock", daemon=True).start()
    done.wait(timeout)
    with guard:
        if not done.is_set():
            state["gave_up"] = True
            raise LockTimeout(
                f"the cache in {path.parent} is locked by another newsreader process"
                f" (waited {timeout:g} s)"
            )
    if state["error"] is not None:
        os.close(fd)
        raise state["error"]
    return fd


class WriteLock:
    """The lock file `path` of one data dir, held by at most one thread of this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._owner: int | None = None  # the thread holding it

    @contextlib.contextmanager
    def held(self, timeout: float, *, raw: bool = False) -> Iterator[None]:
        """Hold the lock; `raw`: let an OSError through (open() tells read-only from broken)."""
        if self._fd is not None and self._owner == threading.get_ident():
            yield  # re-entered by this thread (a repair during a commit)
            return
        try:
            fd = _flock(self.path, timeout)
        except OSError as exc:
            if raw:
                raise
            root = self.path.parent
            raise StoreError(
                N_("cannot lock the cache in {root}: {strerror}").format(
                    root=root, strerror=exc.strerror
                )
            ) from None
        self._fd, self._owner = fd, threading.get_ident()
        try:
            yield
        finally:
            self._fd = self._owner = None
            os.close(fd)  # releases the flock
