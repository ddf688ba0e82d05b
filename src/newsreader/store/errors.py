"""The store's errors: each message is one line for the user."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path


class StoreError(Exception):
    """A cache problem; the message is one line for the user."""


class SchemaTooNew(StoreError):
    """The cache was written by a newer newsreader."""


class LockTimeout(StoreError):
    """Another process held the cache lock for too long."""


class CorruptFile(StoreError):
    """A cache file is empty, truncated or not what we wrote."""


class ReadOnly(StoreError):
    """The cache was opened read-only (its folder cannot be written): nothing can be saved."""


# Errors that mean "this folder cannot be written", where reading can still go on.
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class _Superseded(Exception):
    """A file named by the manifest we read is gone: a commit replaced it; read again."""


_READ_RETRIES = 4  # reads of a newer manifest after `_Superseded`, before giving up

# Called with a file found unreadable after open (path, kind, feed id, error): the Store moves
# it aside.
OnCorrupt = Callable[[Path, str, str, Exception], None]
