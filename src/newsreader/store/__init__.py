"""The offline cache: TinyDB-format JSON files, sharded per feed, crash-safe, shared by processes.

Layout of the data directory (schema 1)::

    manifest.json                   the commit point: schema, generation, current file of each kind
    feeds.<gen>.json                every feed row (Feed.to_dict())
    shards/<feed>.idx.<gen>.json    the feed's articles without body (Article.index_dict())
    shards/<feed>.body.<gen>.json   article id -> body HTML
    shards/<feed>.state.<gen>.json  article id -> read/starred, only entries that differ from unread
    lock                            flock()ed by whoever writes

Every file is a TinyDB database (``{table: {doc_id: doc}}``) written by `AtomicJSONStorage`: temp
file in the same directory, fsync, `os.replace`, fsync of the directory. Files are never changed
in place: a commit writes the files it changes under a new generation number, then replaces the
manifest, which is the single commit point. A SIGKILL or power cut at any moment leaves either the
old manifest (the new files are garbage) or the new one (all new files are there); garbage and
stray temp files are deleted after each commit and at open. So write cost follows what changed:
marking an article read writes that feed's small state shard and the manifest (about 100 bytes
per feed), never a body shard nor another feed's files.

Sharing between processes (the TUI, a cron `newsreader refresh`, the CLI): readers take no lock.
They read the manifest, then the immutable files it names; if a commit deleted one meanwhile
they retry with the new manifest. Writers take an exclusive `flock` on ``lock`` only for one
commit (and for open/repair/migration), never for the life of the process, and give up with
`LockTimeout` after ``lock_timeout`` seconds. A commit re-reads the manifest under the lock and
applies only this batch's deltas onto the files it names: upserted articles keep the first_seen
found on disk, read/starred changes are per-article deltas, and feed rows are merged three-way
(a field the caller changed wins, other fields keep what another process wrote). So a refresh
from cron and a reader marking articles read never lose each other's changes. A feed that another
process removed is not brought back by a refresh that started before the removal.
`Store.disk_generation()` is a stat() and, if the manifest changed, one small read: the UI polls
it to notice another process's commits and reloads.

Corruption (which our writes cannot cause, but disks and people can): at open every file the
manifest names is checked (index and state shards parsed, body shards checked for truncation;
a body shard found unreadable later is moved aside when met). A bad file is renamed to
``<name>.corrupt-<timestamp>`` with a one-line warning and the store opens with the rest; a bad
manifest is rebuilt from the newest readable files. A manifest from a newer schema is refused
with `SchemaTooNew` before anything is touched (so every future schema must keep
``meta -> "1" -> schema`` readable where it is); older layouts are migrated by the steps in
`MIGRATIONS`.

Performance choices (see bench/store_bench.py): the load path parses each shard with the stdlib
json module straight through `AtomicJSONStorage.read()` instead of building TinyDB `Document`
objects; orjson would mostly speed up writing (shared/FACTS.md), which is not the bottleneck here.

The package, one job a module: `files` (atomic writes, tables, moving bad files aside), `lock`
(the flock), `layout` (names, the manifest, what each file holds), `migrate` (older schemas),
`recovery` (reading what a manifest names, repair, sweep), `catalogue` (what a Store knows of
articles and feed rows between commits), `txn` (`Batch` and the commit), `bodies` (bodies read
on demand), `errors`; and here `Store`, the one object callers use.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newsreader.i18n import N_
from newsreader.models import Article, Feed
from newsreader.store.bodies import _Bodies
from newsreader.store.catalogue import Catalogue
from newsreader.store.errors import (
    _READ_ONLY_ERRNOS,
    _READ_RETRIES,
    CorruptFile,
    LockTimeout,
    ReadOnly,
    SchemaTooNew,
    StoreError,
    _Superseded,
)
from newsreader.store.files import TMP_PREFIX as TMP_PREFIX
from newsreader.store.files import AtomicJSONStorage, _quarantine
from newsreader.store.files import _read_table as _read_table
from newsreader.store.files import _write_table as _write_table
from newsreader.store.layout import (
    _FEED_ID,
    _WHAT,
    LOCK_FILE,
    MANIFEST,
    SCHEMA_VERSION,
    _Manifest,
    _read_manifest,
    _too_new,
)
from newsreader.store.layout import SHARD_DIR as SHARD_DIR
from newsreader.store.layout import _shard_path as _shard_path
from newsreader.store.layout import _to_docs as _to_docs
from newsreader.store.lock import WriteLock
from newsreader.store.migrate import MIGRATIONS
from newsreader.store.recovery import (
    _drop_superseded,
    _Loaded,
    _open_dir,
    _read_all,
    _sweep,
)
from newsreader.store.txn import Batch, CommitResult, _Txn


@dataclass
class Snapshot:
    feeds: dict[str, Feed]
    articles: dict[str, Article]  # read/starred applied, body ""
    generation: int


class Store:
    """The cache in one data directory; see the module docstring for the design."""

    def __init__(self, root: Path, *, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.warnings: list[str] = []  # problems met after open(), one line each
        self._manifest = _Manifest()
        self._generation = 0
        self._opened = False
        self._preload: _Loaded | None = None
        self._catalogue = Catalogue()  # article owners and base feed rows, for commits
        self._bodies = _Bodies(self.root, self._quarantine_later)
        self._disk_key: tuple[int, int, int] | None = None
        self._disk_gen = 0
        self._mutex = threading.RLock()
        self._lock = WriteLock(self.root / LOCK_FILE)
        # Opened without the write lock because the folder cannot be written (a read-only
        # mount, another user's cache): everything reads, nothing is repaired or written.
        self.read_only = False

    # ------------------------------------------------------------------ paths and locking

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @contextlib.contextmanager
    def _locked(self, *, raw: bool = False) -> Iterator[None]:
        """The write lock; `raw`: let an OSError through (open() tells read-only from broken)."""
        if self.read_only:
            raise ReadOnly(f"the cache in {self.root} is read-only: changes cannot be saved")
        with self._lock.held(self.lock_timeout, raw=raw):
            yield

    # ------------------------------------------------------------------ open

    def open(self) -> list[str]:
        """Clean, repair and migrate the cache; returns warnings (one line each)."""
        with self._mutex:
            try:
                # Refuse a newer schema before touching anything, not even the lock file.
                _read_manifest(self.manifest_path)
            except CorruptFile:
                pass  # repaired below, under the lock
            except OSError as exc:
                raise StoreError(
                    N_("cannot read the cache in {root}: {strerror}").format(
                        root=self.root, strerror=exc.strerror
                    )
                ) from None
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                with self._locked(raw=True):
                    warnings = self._open_locked()
            except OSError as exc:
                if exc.errno not in _READ_ONLY_ERRNOS or not self.manifest_path.exists():
                    raise StoreError(
                        f"cannot open the cache in {self.root}: {exc.strerror}"
                    ) from None
                warnings = self._open_read_only(exc)
            self._opened = True
            return warnings

    def _open_read_only(self, exc: OSError) -> list[str]:
        """Open without the lock: read what the manifest names, repair and write nothing."""
        self.read_only = True
        warnings = [
            f"the cache in {self.root} is read-only ({exc.strerror}): reading only,"
            " nothing is saved"
        ]
        for _ in range(_READ_RETRIES):
            try:
                m = _read_manifest(self.manifest_path) or _Manifest()
            except CorruptFile as bad:
                raise StoreError(
                    f"the cache manifest is unreadable ({bad}) and read-only"
                ) from None
            if m.schema < SCHEMA_VERSION:
                raise StoreError(
                    f"the cache in {self.root} needs an upgrade, which a read-only folder forbids"
                )
            try:
                loaded = _read_all(self.root, m, locked=False)
            except _Superseded:
                continue
            break
        else:
            raise StoreError(
                N_("the cache in {root} kept changing while being read").format(root=self.root)
            )
        for problem in loaded.problems:
            name = problem.path.name if problem.path is not None else "feeds"
            warnings.append(
                N_("cache: {name} {reason}; skipped (read-only, not repaired)").format(
                    name=name, reason=problem.reason
                )
            )
        self._adopt(loaded)
        self._preload = loaded
        return warnings

    def _open_locked(self) -> list[str]:
        loaded, warnings = _open_dir(self.root)
        self._adopt(loaded)
        self._preload = loaded
        return warnings

    # ------------------------------------------------------------------ reading

    def _adopt(self, loaded: _Loaded) -> None:
        """Make `loaded` this Store's view: generation, article owners, base feed rows."""
        m = loaded.manifest
        self._manifest = m
        self._generation = m.generation
        self._catalogue = Catalogue.of(m, loaded.ids, loaded.rows)

    def _ensure_open(self) -> None:
        if not self._opened:
            self.warnings += self.open()

    def load(self) -> Snapshot:
        """Every feed and article (bodies not included), as of the newest commit."""
        self._ensure_open()
        with self._mutex:
            loaded, self._preload = self._preload, None
            adopted = loaded  # open() read it and made it this Store's view already
            for _ in range(_READ_RETRIES):
                try:
                    m = _read_manifest(self.manifest_path)
                except CorruptFile:
                    loaded = None
                    break
                except OSError as exc:
                    raise StoreError(
                        N_("cannot read the cache: {strerror}").format(strerror=exc.strerror)
                    ) from None
                if m is None:
                    if not self.root.is_dir():
                        raise StoreError(
                            N_("the cache folder {root} is gone").format(root=self.root)
                        )
                    m = _Manifest()
                if loaded is not None and loaded.manifest.generation == m.generation:
                    break
                try:
                    loaded = _read_all(self.root, m, locked=False)
                except _Superseded:
                    loaded = None
                    continue
                except OSError as exc:
                    raise StoreError(
                        N_("cannot read the cache: {strerror}").format(strerror=exc.strerror)
                    ) from None
                if loaded.problems and not self.read_only:
                    loaded = None  # repaired below, under the lock
                break
            if loaded is None and self.read_only:
                raise StoreError(
                    N_("cannot read the cache in {root} (read-only, not repaired)").format(
                        root=self.root
                    )
                )
            if loaded is None:
                # Damage or a commit storm: do it the way open() does, under the lock.
                try:
                    with self._locked():
                        self.warnings += self._open_locked()
                except OSError as exc:
                    raise StoreError(
                        N_("cannot read the cache: {strerror}").format(strerror=exc.strerror)
                    ) from None
                loaded, self._preload = self._preload, None
                assert loaded is not None
                adopted = loaded
            if loaded is not adopted:  # a catalogue of 100,000 articles costs 20 ms: once
                self._adopt(loaded)
            return Snapshot(loaded.feeds, loaded.articles, loaded.manifest.generation)

    def disk_generation(self) -> int:
        """The generation of the newest commit on disk (cheap: a stat, then a small read)."""
        try:
            st = os.stat(self.manifest_path)
        except FileNotFoundError:
            # A vanished data folder (unmounted, deleted) is not an empty cache: nothing to load.
            return 0 if self.root.is_dir() else self._generation
        except OSError:
            return -1
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key != self._disk_key:
            try:
                m = _read_manifest(self.manifest_path)
            except (StoreError, OSError):
                return -1  # differs from ours: the caller reloads and load() repairs
            self._disk_key, self._disk_gen = key, (m.generation if m else 0)
        return self._disk_gen

    def load_bodies(self, feed_id: str) -> dict[str, str]:
        """Article id -> body HTML for one feed (a copy: the caller may keep or change it)."""
        return dict(self._bodies.shard(self._manifest, feed_id))

    def body(self, feed_id: str, article_id: str) -> str:
        """One article's body HTML; "" if there is none."""
        return self._bodies.shard(self._manifest, feed_id).get(article_id, "")

    def _quarantine_later(self, path: Path, kind: str, fid: str, exc: Exception) -> None:
        """A bad file met after open: move it aside; the manifest is fixed at the next open."""
        with contextlib.suppress(StoreError, OSError), self._locked():
            if path.exists():
                moved = _quarantine(path)
                self.warnings.append(
                    f"cache: {_WHAT[kind]} of feed {fid!r} unreadable ({exc}),"
                    f" moved aside to {moved.name}; dropped"
                )

    # ------------------------------------------------------------------ writing

    def commit(self, batch: Batch) -> CommitResult:
        """Apply `batch` onto the newest state on disk, atomically; see the module docstring.

        If the result's generation is not the previous one + 1, another process committed in
        between: reload to see its changes (`generation` already counts them).
        """
        self._ensure_open()
        if batch.is_empty():
            return CommitResult([], [], [], self._generation)
        for fid in [f.id for f in batch.feeds] + list(batch.removed_feeds):
            if not _FEED_ID.fullmatch(fid):
                raise StoreError(N_("invalid feed id {fid}").format(fid=repr(fid)))
        with self._mutex:
            try:
                with self._locked():
                    return self._commit_locked(batch)
            except OSError as exc:
                what = exc.strerror or str(exc)
                raise StoreError(
                    N_("cannot write the cache in {root}: {what}").format(root=self.root, what=what)
                ) from None

    def _commit_locked(self, batch: Batch) -> CommitResult:
        try:
            disk = _read_manifest(self.manifest_path)
        except CorruptFile:
            # Damaged since we opened: repair like open() would, then commit onto that.
            self.warnings += self._open_locked()
            self._preload = None
            disk = self._manifest
        if disk is None:
            disk = _Manifest()
        if disk.schema != SCHEMA_VERSION:
            raise _too_new(self.manifest_path, disk.schema)
        txn = _Txn(self.root, disk, self._catalogue, self._quarantine_later)
        try:
            result = txn.run(batch)
        except BaseException:
            # Disk full or gone read-only mid-commit: delete what this commit wrote so the space
            # comes back, keeping whatever the manifest on disk names (we hold the lock).
            with contextlib.suppress(Exception):
                current = _read_manifest(self.manifest_path)
                if current is not None:
                    _sweep(self.root, current)
            raise
        # Only what this commit replaced: a full sweep here scanned the shard folder and built a
        # path for every feed on every commit (31% of a warm refresh at 100,000 articles).
        _drop_superseded(self.root, disk, txn.new)
        self._manifest = txn.new
        self._generation = txn.new.generation
        txn.adopt()
        self._bodies.forget(txn.changed_bodies())
        return result

    def close(self) -> None:
        """Forget cached data; nothing is pending (every commit is on disk when it returns)."""
        with self._mutex:
            self._bodies.clear()
            self._preload = None
            self._opened = False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AtomicJSONStorage",
    "Batch",
    "CommitResult",
    "CorruptFile",
    "LockTimeout",
    "ReadOnly",
    "SchemaTooNew",
    "Snapshot",
    "Store",
    "StoreError",
]
