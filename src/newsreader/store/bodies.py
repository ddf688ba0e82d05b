"""Article bodies, read a shard at a time when the reader asks for them; a few kept parsed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from newsreader.i18n import N_
from newsreader.store.errors import _READ_RETRIES, CorruptFile, OnCorrupt, StoreError
from newsreader.store.layout import MANIFEST, _Manifest, _read_manifest, _read_shard, _shard_path

_BODY_CACHE = 4  # body shards kept parsed: the reader moves through one feed at a time


class _Bodies:
    """The body shards of one data dir; `on_corrupt(path, kind, feed id, error)` gets bad ones."""

    def __init__(self, root: Path, on_corrupt: OnCorrupt) -> None:
        self.root = root
        self.on_corrupt = on_corrupt
        self._parsed: OrderedDict[tuple[str, int], dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()  # body() runs in the UI thread, commits elsewhere

    def shard(self, m: _Manifest, feed_id: str) -> dict[str, str]:
        """Article id -> body HTML of the feed's body shard that `m` (or a newer manifest) names."""
        for attempt in range(_READ_RETRIES):
            refs = m.shards.get(feed_id)
            if refs is None or not refs.body:
                return {}
            key = (feed_id, refs.body)
            with self._lock:
                cached = self._parsed.get(key)
            if cached is not None:
                return cached
            path = _shard_path(self.root, feed_id, "body", refs.body)
            try:
                data = _read_shard(self.root, feed_id, "body", refs.body)
            except FileNotFoundError:
                # Superseded by a commit: the newest manifest names the current file.
                try:
                    m = _read_manifest(self.root / MANIFEST) or _Manifest()
                except (StoreError, OSError):
                    return {}
                if attempt and m.shards.get(feed_id) == refs:
                    return {}  # named but missing: open() will repair it
                continue
            except CorruptFile as exc:
                self.on_corrupt(path, "body", feed_id, exc)
                return {}
            except OSError as exc:
                raise StoreError(
                    N_("cannot read {name}: {strerror}").format(
                        name=path.name, strerror=exc.strerror
                    )
                ) from None
            with self._lock:
                self._parsed[key] = data
                while len(self._parsed) > _BODY_CACHE:
                    self._parsed.popitem(last=False)
            return data
        return {}

    def forget(self, feed_ids: set[str]) -> None:
        """These feeds' body shards were replaced: drop their parsed copies."""
        with self._lock:
            for key in [k for k in self._parsed if k[0] in feed_ids]:
                del self._parsed[key]

    def clear(self) -> None:
        with self._lock:
            self._parsed.clear()
