"""What one data folder last knew of one account's server: `sync/NAME.json` beside the cache.

For each item it keeps the article it became and the read/starred state the server and this
cache agreed on at the last sync (the *base*). A local mark that differs from the base is a
change to push, a server state that differs from it one to pull: nothing is queued, so a
SIGKILL anywhere loses nothing (the marks themselves are in the cache, written atomically;
this file is replaced whole, after them)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsreader.i18n import N_
from newsreader.models import from_ts, to_ts
from newsreader.store.files import _atomic_write
from newsreader.sync.protocol import SyncError

FOLDER = "sync"


@dataclass(slots=True)
class Known:
    article_id: str
    read: bool  # the base: what the server and this cache agreed on
    starred: bool


@dataclass(slots=True)
class FeedLink:
    feed_id: str  # the local feed
    folders: list[str] = field(default_factory=list)  # the server's folders, as last seen


@dataclass(slots=True)
class SyncState:
    cursor: str = ""
    items: dict[str, Known] = field(default_factory=dict)  # server item id -> what we know
    feeds: dict[str, FeedLink] = field(default_factory=dict)  # server feed id -> local feed
    last_sync: datetime | None = None
    last_error: str = ""
    error_at: datetime | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "items": {k: [v.article_id, v.read, v.starred] for k, v in self.items.items()},
            "feeds": {k: [v.feed_id, v.folders] for k, v in self.feeds.items()},
            "last_sync": to_ts(self.last_sync),
            "last_error": self.last_error,
            "error_at": to_ts(self.error_at),
        }

    @classmethod
    def from_data(cls, d: dict[str, Any]) -> SyncState:
        items = {k: Known(str(a), r is True, s is True) for k, (a, r, s) in d["items"].items()}
        feeds = {k: FeedLink(str(f), [str(x) for x in fo]) for k, (f, fo) in d["feeds"].items()}
        return cls(
            cursor=str(d.get("cursor") or ""),
            items=items,
            feeds=feeds,
            last_sync=from_ts(d.get("last_sync")),
            last_error=str(d.get("last_error") or ""),
            error_at=from_ts(d.get("error_at")),
        )


class StateFile:
    def __init__(self, data_dir: Path, account: str) -> None:
        self.folder = Path(data_dir) / FOLDER
        self.path = self.folder / f"{account}.json"
        self.lock_path = self.folder / f"{account}.lock"
        self.warning = ""  # set when an unreadable file was moved aside

    def load(self) -> SyncState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return SyncState()
        try:
            return SyncState.from_data(json.loads(raw))
        except (ValueError, KeyError, TypeError, AttributeError):
            aside = self.path.with_name(f"{self.path.name}.corrupt")
            os.replace(self.path, aside)
            self.warning = N_(
                "sync state unreadable, moved aside to {name}; syncing as if for the first time"
            ).format(name=aside.name)
            return SyncState()

    def save(self, state: SyncState) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(state.to_data(), separators=(",", ":"), ensure_ascii=False)
        _atomic_write(self.path, payload.encode("utf-8"))

    @property
    def status_path(self) -> Path:
        return self.folder / f"{self.path.stem}.status.json"

    def save_status(self, state: SyncState) -> None:
        """The last sync and its error apart from the (large) state: the reader's feed-health
        view reads this on the screen's thread."""
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "last_sync": to_ts(state.last_sync),
            "last_error": state.last_error,
            "error_at": to_ts(state.error_at),
        }
        _atomic_write(self.status_path, json.dumps(payload).encode("utf-8"), sync_dir=False)

    def status(self) -> tuple[datetime | None, str]:
        """(last sync, last error) as the last sync left them; (None, "") before any."""
        try:
            data = json.loads(self.status_path.read_bytes())
            return from_ts(data.get("last_sync")), str(data.get("last_error") or "")
        except (OSError, ValueError, TypeError, AttributeError):
            return None, ""

    def remove(self) -> None:
        for path in (self.path, self.lock_path, self.status_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    @contextlib.contextmanager
    def locked(self, account: str) -> Iterator[None]:
        """One sync of an account per data folder at a time: a second one is refused, not
        queued (cron and the reader both syncing would only fetch the same items twice)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SyncError(
                    N_("{account}: another newsreader is syncing this account").format(
                        account=account
                    )
                ) from None
            yield
        finally:
            os.close(fd)
