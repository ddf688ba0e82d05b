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

Performance choices (see tests/store_perf.py): the load path parses each shard with the stdlib
json module straight through `AtomicJSONStorage.read()` instead of building TinyDB `Document`
objects; orjson would mostly speed up writing (FACTS.md), which is not the bottleneck here.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from newsreader.config import Retention
from newsreader.models import Article, Feed

SCHEMA_VERSION = 1

MANIFEST = "manifest.json"
LOCK_FILE = "lock"
SHARD_DIR = "shards"
V0_FILE = "cache.json"  # the schema-0 layout: one TinyDB file for everything
TMP_PREFIX = ".tmp-"
KINDS = ("idx", "body", "state")
_TABLES = {"idx": "articles", "body": "bodies", "state": "state", "feeds": "feeds"}
_WHAT = {
    "idx": "article index",
    "body": "article bodies",
    "state": "read/starred marks",
    "feeds": "feed list",
}
_FEED_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SHARD_NAME = re.compile(r"([A-Za-z0-9_-]{1,64})\.(idx|body|state)\.([0-9]{1,18})\.json")
_FEEDS_NAME = re.compile(r"feeds\.([0-9]{1,18})\.json")
_BODY_CACHE = 4  # body shards kept parsed: the reader moves through one feed at a time
_READ_RETRIES = 4


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


# ------------------------------------------------------------------------------ the storage


def _parse(raw: bytes) -> dict[str, dict[str, Any]]:
    if not raw.strip():
        raise CorruptFile("empty file")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise CorruptFile(f"not valid JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise CorruptFile("not a TinyDB document file")
    return data


def _dumps(data: Any) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; escaped ASCII JSON round-trips it exactly.
        return json.dumps(data, separators=(",", ":")).encode("ascii")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory; the rename is still atomic
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, payload: bytes, *, sync_dir: bool = True) -> None:
    """Write `payload` to `path` so that a crash leaves the old file or the new one, never a mix."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_dir:
        _fsync_dir(path.parent)


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves a half-written file (temp, fsync, rename, fsync dir).

    Unlike `JSONStorage` it does not create the file on open, and an empty or unreadable file
    raises `CorruptFile` instead of being taken for a new database.
    """

    def __init__(self, path: str | os.PathLike[str], *, sync_dir: bool = True) -> None:
        self.path = Path(path)
        self.sync_dir = sync_dir

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return _parse(raw)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        _atomic_write(self.path, _dumps(data), sync_dir=self.sync_dir)

    def close(self) -> None:
        pass


def _read_table(path: Path, table: str) -> list[dict[str, Any]]:
    """The documents of one table, straight from the JSON (no TinyDB Document objects)."""
    data = AtomicJSONStorage(path).read()
    if data is None:
        raise FileNotFoundError(path)
    docs = data.get(table, {})
    out = list(docs.values())
    if not all(isinstance(d, dict) for d in out):
        raise CorruptFile(f"table {table!r} holds something other than documents")
    return out


def _write_table(path: Path, table: str, docs: list[dict[str, Any]]) -> int:
    """Write a fresh file holding one TinyDB table; returns its size in bytes."""
    # A same-named file can only be garbage from a crashed commit (we hold the lock); TinyDB
    # would append to it, so it goes first.
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    with TinyDB(path, storage=AtomicJSONStorage, sync_dir=False) as db:
        db.table(table, cache_size=0).insert_multiple(docs)
    return path.stat().st_size


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


# ------------------------------------------------------------------------------ the manifest


@dataclass(slots=True)
class _Refs:
    """The current file generation of each kind of one feed (0: no such file) and its URL."""

    url: str
    idx: int = 0
    body: int = 0
    state: int = 0


@dataclass(slots=True)
class _Manifest:
    generation: int = 0
    feeds: int = 0  # generation of the feeds file; 0: none
    shards: dict[str, _Refs] = field(default_factory=dict)
    schema: int = SCHEMA_VERSION

    def copy(self) -> _Manifest:
        refs = {k: _Refs(r.url, r.idx, r.body, r.state) for k, r in self.shards.items()}
        return _Manifest(self.generation, self.feeds, refs, self.schema)

    def to_data(self) -> dict[str, dict[str, Any]]:
        shards = {fid: [r.url, r.idx, r.body, r.state] for fid, r in self.shards.items()}
        meta = {
            "schema": self.schema,
            "generation": self.generation,
            "feeds": self.feeds,
            "shards": shards,
        }
        return {"meta": {"1": meta}}

    def files(self, root: Path) -> set[Path]:
        out = {_feeds_path(root, self.feeds)} if self.feeds else set()
        for fid, refs in self.shards.items():
            for kind in KINDS:
                gen = getattr(refs, kind)
                if gen:
                    out.add(_shard_path(root, fid, kind, gen))
        return out

    def max_gen(self) -> int:
        gens = [self.generation, self.feeds]
        for r in self.shards.values():
            gens += [r.idx, r.body, r.state]
        return max(gens)


def _too_new(path: Path, schema: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"the cache in {path.parent} has schema {schema}, newer than this newsreader reads"
        f" ({SCHEMA_VERSION}): upgrade newsreader or use another data dir"
    )


def _read_manifest(path: Path) -> _Manifest | None:
    """The manifest at `path`, None if there is none; CorruptFile or SchemaTooNew."""
    data = AtomicJSONStorage(path).read()
    if data is None:
        return None
    try:
        (meta,) = data["meta"].values()
        schema = meta["schema"]
        if type(schema) is not int or schema < 0:
            raise ValueError("bad schema")
        if schema > SCHEMA_VERSION:
            raise _too_new(path, schema)
        m = _Manifest(meta["generation"], meta["feeds"], {}, schema)
        if type(m.generation) is not int or type(m.feeds) is not int:
            raise ValueError("bad generation")
        for fid, (url, idx, body, state) in meta["shards"].items():
            if not _FEED_ID.fullmatch(fid) or not isinstance(url, str):
                raise ValueError("bad feed")
            if not all(type(g) is int and g >= 0 for g in (idx, body, state)):
                raise ValueError("bad generation")
            m.shards[fid] = _Refs(url, idx, body, state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptFile(f"not a newsreader manifest ({exc})") from None
    return m


def _feeds_path(root: Path, gen: int) -> Path:
    return root / f"feeds.{gen}.json"


def _shard_path(root: Path, fid: str, kind: str, gen: int) -> Path:
    return root / SHARD_DIR / f"{fid}.{kind}.{gen}.json"


# ------------------------------------------------------------------------------ shard contents

_State = tuple[bool, bool]  # (read, starred)


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _idx_from(docs: list[dict[str, Any]], fid: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        if not isinstance(d.get("id"), str) or d.get("feed_id") != fid:
            raise CorruptFile("an article without id or from another feed")
        if not _is_number(d.get("published", 0)) or not _is_number(d.get("first_seen", 0)):
            raise CorruptFile("an article with a bad date")
        out[d["id"]] = d
    return out


def _body_from(docs: list[dict[str, Any]], fid: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in docs:
        aid, html = d.get("id"), d.get("html")
        if not isinstance(aid, str) or not isinstance(html, str):
            raise CorruptFile("a body without id or text")
        out[aid] = html
    return out


def _state_from(docs: list[dict[str, Any]], fid: str) -> dict[str, _State]:
    out: dict[str, _State] = {}
    for d in docs:
        aid, read, starred = d.get("id"), d.get("read"), d.get("starred")
        if not isinstance(aid, str) or type(read) is not bool or type(starred) is not bool:
            raise CorruptFile("a read/starred mark without id or flags")
        out[aid] = (read, starred)
    return out


_FROM_DOCS: dict[str, Callable[[list[dict[str, Any]], str], dict[str, Any]]] = {
    "idx": _idx_from,
    "body": _body_from,
    "state": _state_from,
}


def _to_docs(kind: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    if kind == "idx":
        return list(data.values())
    if kind == "body":
        return [{"id": aid, "html": html} for aid, html in data.items()]
    return [{"id": aid, "read": r, "starred": s} for aid, (r, s) in data.items()]


def _read_shard(root: Path, fid: str, kind: str, gen: int) -> dict[str, Any]:
    return _FROM_DOCS[kind](_read_table(_shard_path(root, fid, kind, gen), _TABLES[kind]), fid)


def _write_shard(root: Path, fid: str, kind: str, gen: int, data: dict[str, Any]) -> int:
    """Write one shard at `gen`; returns the generation to reference (0 when empty)."""
    if not data:
        return 0
    _write_table(_shard_path(root, fid, kind, gen), _TABLES[kind], _to_docs(kind, data))
    return gen


def _stub_row(fid: str, url: str) -> dict[str, Any]:
    return Feed(id=fid, url=url).to_dict()


def _body_looks_whole(path: Path) -> bool:
    """Cheap truncation check (body shards are too big to parse at every open)."""
    with path.open("rb") as fh:
        head = fh.read(1)
        size = fh.seek(0, os.SEEK_END)
        if size < 2:
            return False
        fh.seek(max(0, size - 16))
        tail = fh.read().rstrip()
    return head == b"{" and tail.endswith(b"}")


def _quarantine(path: Path) -> Path:
    """Rename a bad file to `<name>.corrupt-<timestamp>`; returns the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target


# ------------------------------------------------------------------------------ migrations


def _migrate_v0_to_v1(root: Path) -> str:
    """Schema 0: one TinyDB file `cache.json` (default JSONStorage) with tables `feeds`
    (Feed.to_dict()) and `articles` (index fields plus `body`, `read` and `starred`)."""
    path = root / V0_FILE
    rows: dict[str, dict[str, Any]] = {}
    by_feed: dict[str, dict[str, dict[str, Any]]] = {}
    bodies: dict[str, dict[str, str]] = {}
    states: dict[str, dict[str, _State]] = {}
    skipped = 0
    try:
        with TinyDB(path, access_mode="r") as db:
            old_feeds = [dict(d) for d in db.table("feeds").all()]
            old_articles = [dict(d) for d in db.table("articles").all()]
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        if not path.exists():
            raise StoreError(f"cannot read the old cache {path}: {exc}") from None
        moved = _quarantine(path)
        _atomic_write(root / MANIFEST, _dumps(_Manifest().to_data()))
        return f"old cache (schema 0) unreadable, moved aside to {moved.name}; starting empty"
    for d in old_feeds:
        try:
            feed = Feed.from_dict(d)
        except (KeyError, TypeError, ValueError, OverflowError):
            skipped += 1
            continue
        if _FEED_ID.fullmatch(feed.id):
            rows[feed.id] = feed.to_dict()
    for d in old_articles:
        try:
            art = Article.from_index_dict(d)
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
            skipped += 1
            continue
        if art.feed_id not in rows:
            skipped += 1
            continue
        by_feed.setdefault(art.feed_id, {})[art.id] = art.index_dict()
        if isinstance(d.get("body"), str) and d["body"]:
            bodies.setdefault(art.feed_id, {})[art.id] = d["body"]
        read, starred = bool(d.get("read")), bool(d.get("starred"))
        if read or starred:
            states.setdefault(art.feed_id, {})[art.id] = (read, starred)
    gen = 1
    m = _Manifest(generation=gen)
    (root / SHARD_DIR).mkdir(exist_ok=True)
    for fid, row in rows.items():
        m.shards[fid] = _Refs(
            row["url"],
            _write_shard(root, fid, "idx", gen, by_feed.get(fid, {})),
            _write_shard(root, fid, "body", gen, bodies.get(fid, {})),
            _write_shard(root, fid, "state", gen, states.get(fid, {})),
        )
    if rows:
        _write_table(_feeds_path(root, gen), _TABLES["feeds"], list(rows.values()))
        m.feeds = gen
    _fsync_dir(root / SHARD_DIR)
    _fsync_dir(root)
    _atomic_write(root / MANIFEST, _dumps(m.to_data()))  # the commit point of the migration
    backup = path.with_name(path.name + ".v0-backup")
    if backup.exists():
        backup = path.with_name(f"{path.name}.v0-backup-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, backup)
    count = sum(len(v) for v in by_feed.values())
    extra = f", {skipped} unreadable records skipped" if skipped else ""
    return (
        f"migrated the cache from schema 0 to {gen} ({len(rows)} feeds, {count} articles{extra});"
        f" the old file is kept as {backup.name}"
    )


Migration = Callable[[Path], str]
# from-version -> step bringing the data dir to from-version + 1; it must be crash-safe (write
# the new layout's manifest last) and return a one-line note for the user.
MIGRATIONS: dict[int, Migration] = {0: _migrate_v0_to_v1}


def _migrate(root: Path, version: int) -> list[str]:
    notes = []
    for v in range(version, SCHEMA_VERSION):
        step = MIGRATIONS.get(v)
        if step is None:
            raise StoreError(f"cannot upgrade the cache in {root} from schema {v}")
        notes.append(step(root))
    return notes


# ------------------------------------------------------------------------------ public API


@dataclass
class Batch:
    """Changes committed together: after a crash either all of them are on disk or none."""

    feeds: list[Feed] = field(default_factory=list)  # upsert feed rows (by id)
    removed_feeds: list[str] = field(default_factory=list)  # feed ids: feed and its articles go
    articles: list[Article] = field(default_factory=list)  # upsert index fields
    bodies: dict[str, str] = field(default_factory=dict)  # article id -> body HTML ("" drops it)
    read: dict[str, bool] = field(default_factory=dict)  # article id -> read
    starred: dict[str, bool] = field(default_factory=dict)
    retention: Callable[[str], Retention] | None = None  # feed id -> rule; None: defaults

    def is_empty(self) -> bool:
        return not (
            self.feeds
            or self.removed_feeds
            or self.articles
            or self.bodies
            or self.read
            or self.starred
        )


@dataclass
class CommitResult:
    added: list[str]  # article ids new to the cache
    updated: list[str]  # article ids that were there and whose stored fields changed
    pruned: list[str]  # article ids dropped by retention (with their bodies and marks)
    generation: int


@dataclass
class Snapshot:
    feeds: dict[str, Feed]
    articles: dict[str, Article]  # read/starred applied, body ""
    generation: int


@dataclass
class _Problem:
    kind: str  # feeds, idx, body or state
    fid: str | None
    path: Path | None  # None: an inconsistency, no file to move aside
    reason: str


@dataclass
class _Loaded:
    manifest: _Manifest
    rows: dict[str, dict[str, Any]]
    feeds: dict[str, Feed]
    articles: dict[str, Article]
    ids: dict[str, set[str]]  # feed id -> its article ids
    problems: list[_Problem]


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
        # Which feed each known article belongs to, valid for the idx generation in _owner_gen.
        self._owner: dict[str, str] = {}
        self._ids: dict[str, set[str]] = {}
        self._owner_gen: dict[str, int] = {}
        # Feed rows as the caller last saw them: the base of the three-way merge.
        self._base: dict[str, dict[str, Any]] = {}
        self._bodies: OrderedDict[tuple[str, int], dict[str, str]] = OrderedDict()
        self._bodies_lock = threading.Lock()  # body() runs in the UI thread, commits elsewhere
        self._disk_key: tuple[int, int, int] | None = None
        self._disk_gen = 0
        self._mutex = threading.RLock()
        self._lock_fd: int | None = None
        self._lock_owner: int | None = None
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
        if self._lock_fd is not None and self._lock_owner == threading.get_ident():
            yield  # re-entered by this thread (a repair during a commit)
            return
        try:
            fd = _flock(self.root / LOCK_FILE, self.lock_timeout)
        except OSError as exc:
            if raw:
                raise
            raise StoreError(f"cannot lock the cache in {self.root}: {exc.strerror}") from None
        self._lock_fd, self._lock_owner = fd, threading.get_ident()
        try:
            yield
        finally:
            self._lock_fd = self._lock_owner = None
            os.close(fd)  # releases the flock

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
                raise StoreError(f"cannot read the cache in {self.root}: {exc.strerror}") from None
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
                loaded = self._read_all(m, locked=False)
            except _Superseded:
                continue
            break
        else:
            raise StoreError(f"the cache in {self.root} kept changing while being read")
        for problem in loaded.problems:
            name = problem.path.name if problem.path is not None else "feeds"
            warnings.append(f"cache: {name} {problem.reason}; skipped (read-only, not repaired)")
        self._adopt(loaded)
        self._preload = loaded
        return warnings

    def _open_locked(self) -> list[str]:
        root = self.root
        warnings: list[str] = []
        recovered: Path | None = None
        try:
            m = _read_manifest(self.manifest_path)
        except CorruptFile as exc:
            recovered = _quarantine(self.manifest_path)
            m = self._recover()
            warnings.append(f"cache manifest unreadable ({exc}), moved aside to {recovered.name}")
        (root / SHARD_DIR).mkdir(exist_ok=True)
        if m is None and (root / V0_FILE).exists():
            version = 0
        else:
            version = SCHEMA_VERSION if m is None else m.schema
        if version < SCHEMA_VERSION:
            warnings += _migrate(root, version)
            m = _read_manifest(self.manifest_path)
        loaded = self._read_all(m or _Manifest(), locked=True, check_bodies=True)
        if recovered is not None:
            warnings[0] += (
                f"; recovered {len(loaded.feeds)} feeds and {len(loaded.articles)} articles"
                " from the newest shard files"
            )
        if loaded.problems or recovered is not None:
            loaded.manifest = self._repair(loaded, warnings)
        self._sweep(loaded.manifest if m is not None or recovered is not None else None)
        self._adopt(loaded)
        self._preload = loaded
        return warnings

    def _recover(self) -> _Manifest:
        """A manifest rebuilt from the newest files on disk (the old one was unreadable)."""
        m = _Manifest()
        top = 0
        feeds_gens = []
        for entry in os.scandir(self.root):
            match = _FEEDS_NAME.fullmatch(entry.name)
            if match:
                feeds_gens.append(int(match[1]))
        rows: dict[str, dict[str, Any]] = {}
        for gen in sorted(feeds_gens, reverse=True):
            try:
                rows = _rows_from(_read_table(_feeds_path(self.root, gen), _TABLES["feeds"]))
            except (CorruptFile, OSError):
                continue
            m.feeds = gen
            break
        for fid, row in rows.items():
            m.shards[fid] = _Refs(row["url"])
        shard_dir = self.root / SHARD_DIR
        if shard_dir.is_dir():
            for entry in os.scandir(shard_dir):
                match = _SHARD_NAME.fullmatch(entry.name)
                if not match:
                    continue
                fid, kind, gen = match[1], match[2], int(match[3])
                top = max(top, gen)
                refs = m.shards.get(fid)
                if refs is not None and gen > getattr(refs, kind):
                    setattr(refs, kind, gen)
        m.generation = max(top, m.feeds, *feeds_gens, 0)
        return m

    def _repair(self, loaded: _Loaded, warnings: list[str]) -> _Manifest:
        """Move bad files aside and commit a manifest without them (we hold the lock)."""
        new = loaded.manifest.copy()
        new.generation = new.max_gen() + 1
        rewrite_rows = False
        for p in loaded.problems:
            where = ""
            if p.path is not None and p.path.exists():
                where = f", moved aside to {_quarantine(p.path).name}"
            elif p.path is not None:
                where = f" ({p.path.name} missing)"
            if p.kind == "feeds":
                rewrite_rows = True
                warnings.append(f"cache feed list {p.reason}{where}; rebuilt from the manifest")
                continue
            assert p.fid is not None
            if p.fid in new.shards:
                setattr(new.shards[p.fid], p.kind, 0)
            title = loaded.feeds[p.fid].display_title if p.fid in loaded.feeds else p.fid
            warnings.append(f"cache: {_WHAT[p.kind]} of feed {title!r} {p.reason}{where}; dropped")
        if rewrite_rows:
            if loaded.rows:
                path = _feeds_path(self.root, new.generation)
                _write_table(path, _TABLES["feeds"], list(loaded.rows.values()))
                _fsync_dir(self.root)
                new.feeds = new.generation
            else:
                new.feeds = 0
        _atomic_write(self.manifest_path, _dumps(new.to_data()))
        return new

    def _sweep(self, m: _Manifest | None) -> None:
        """Delete temp files and files the manifest does not name (we hold the lock)."""
        keep = m.files(self.root) if m is not None else set()
        for folder, pattern in ((self.root, _FEEDS_NAME), (self.root / SHARD_DIR, _SHARD_NAME)):
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for entry in entries:
                name = entry.name
                path = folder / name
                if name.startswith(TMP_PREFIX) or (pattern.fullmatch(name) and path not in keep):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)

    # ------------------------------------------------------------------ reading

    def _read_all(self, m: _Manifest, *, locked: bool, check_bodies: bool = False) -> _Loaded:
        """Feeds and articles as `m` names them; bad files become problems, not exceptions.

        Unlocked, a missing file means a commit superseded `m`: `_Superseded` is raised.
        """
        problems: list[_Problem] = []

        def missing(kind: str, fid: str | None, path: Path) -> None:
            if not locked:
                raise _Superseded
            problems.append(_Problem(kind, fid, path, "missing"))

        rows: dict[str, dict[str, Any]] = {}
        if m.feeds:
            path = _feeds_path(self.root, m.feeds)
            try:
                rows = _rows_from(_read_table(path, _TABLES["feeds"]))
            except FileNotFoundError:
                missing("feeds", None, path)
            except CorruptFile as exc:
                problems.append(_Problem("feeds", None, path, f"unreadable ({exc})"))
        inconsistent = False
        for fid, refs in m.shards.items():
            if fid not in rows:
                rows[fid] = _stub_row(fid, refs.url)
                inconsistent = True
        for fid in [f for f in rows if f not in m.shards]:
            del rows[fid]
            inconsistent = True
        feeds: dict[str, Feed] = {}
        for fid, row in rows.items():
            try:
                feeds[fid] = Feed.from_dict(row)
            except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
                rows[fid] = _stub_row(fid, m.shards[fid].url)
                feeds[fid] = Feed.from_dict(rows[fid])
                inconsistent = True
        if inconsistent and not any(p.kind == "feeds" for p in problems):
            problems.append(_Problem("feeds", None, None, "did not match the manifest"))

        articles: dict[str, Article] = {}
        ids: dict[str, set[str]] = {}
        from_index = Article.from_index_dict
        for fid, refs in m.shards.items():
            states: dict[str, _State] = {}
            if refs.state:
                path = _shard_path(self.root, fid, "state", refs.state)
                try:
                    states = _state_from(_read_table(path, _TABLES["state"]), fid)
                except FileNotFoundError:
                    missing("state", fid, path)
                except CorruptFile as exc:
                    problems.append(_Problem("state", fid, path, f"unreadable ({exc})"))
            own: set[str] = set()
            if refs.idx:
                path = _shard_path(self.root, fid, "idx", refs.idx)
                try:
                    docs = _read_table(path, _TABLES["idx"])
                    batch: list[Article] = []
                    for d in docs:
                        if not isinstance(d.get("id"), str) or d.get("feed_id") != fid:
                            raise CorruptFile("an article without id or from another feed")
                        st = states.get(d["id"])
                        if st is None:
                            batch.append(from_index(d))
                        else:
                            batch.append(from_index(d, read=st[0], starred=st[1]))
                except FileNotFoundError:
                    missing("idx", fid, path)
                except CorruptFile as exc:
                    problems.append(_Problem("idx", fid, path, f"unreadable ({exc})"))
                except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
                    reason = f"unreadable (bad article: {type(exc).__name__})"
                    problems.append(_Problem("idx", fid, path, reason))
                else:
                    for art in batch:
                        articles[art.id] = art
                        own.add(art.id)
            ids[fid] = own
            if check_bodies and refs.body:
                path = _shard_path(self.root, fid, "body", refs.body)
                try:
                    whole = _body_looks_whole(path)
                except FileNotFoundError:
                    missing("body", fid, path)
                else:
                    if not whole:
                        problems.append(_Problem("body", fid, path, "truncated or empty"))
        return _Loaded(m, rows, feeds, articles, ids, problems)

    def _adopt(self, loaded: _Loaded) -> None:
        """Make `loaded` this Store's view: generation, article owners, base feed rows."""
        m = loaded.manifest
        self._manifest = m
        self._generation = m.generation
        self._ids = loaded.ids
        self._owner = {aid: fid for fid, own in loaded.ids.items() for aid in own}
        self._owner_gen = {fid: refs.idx for fid, refs in m.shards.items()}
        self._base = {fid: dict(row) for fid, row in loaded.rows.items()}

    def _ensure_open(self) -> None:
        if not self._opened:
            self.warnings += self.open()

    def load(self) -> Snapshot:
        """Every feed and article (bodies not included), as of the newest commit."""
        self._ensure_open()
        with self._mutex:
            loaded, self._preload = self._preload, None
            for _ in range(_READ_RETRIES):
                try:
                    m = _read_manifest(self.manifest_path)
                except CorruptFile:
                    loaded = None
                    break
                except OSError as exc:
                    raise StoreError(f"cannot read the cache: {exc.strerror}") from None
                if m is None:
                    if not self.root.is_dir():
                        raise StoreError(f"the cache folder {self.root} is gone")
                    m = _Manifest()
                if loaded is not None and loaded.manifest.generation == m.generation:
                    break
                try:
                    loaded = self._read_all(m, locked=False)
                except _Superseded:
                    loaded = None
                    continue
                except OSError as exc:
                    raise StoreError(f"cannot read the cache: {exc.strerror}") from None
                if loaded.problems and not self.read_only:
                    loaded = None  # repaired below, under the lock
                break
            if loaded is None and self.read_only:
                raise StoreError(f"cannot read the cache in {self.root} (read-only, not repaired)")
            if loaded is None:
                # Damage or a commit storm: do it the way open() does, under the lock.
                try:
                    with self._locked():
                        self.warnings += self._open_locked()
                except OSError as exc:
                    raise StoreError(f"cannot read the cache: {exc.strerror}") from None
                loaded, self._preload = self._preload, None
                assert loaded is not None
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
        return dict(self._body_shard(feed_id))

    def body(self, feed_id: str, article_id: str) -> str:
        """One article's body HTML; "" if there is none."""
        return self._body_shard(feed_id).get(article_id, "")

    def _body_shard(self, feed_id: str) -> dict[str, str]:
        m = self._manifest
        for attempt in range(_READ_RETRIES):
            refs = m.shards.get(feed_id)
            if refs is None or not refs.body:
                return {}
            key = (feed_id, refs.body)
            with self._bodies_lock:
                cached = self._bodies.get(key)
            if cached is not None:
                return cached
            path = _shard_path(self.root, feed_id, "body", refs.body)
            try:
                data = _read_shard(self.root, feed_id, "body", refs.body)
            except FileNotFoundError:
                # Superseded by a commit: the newest manifest names the current file.
                try:
                    m = _read_manifest(self.manifest_path) or _Manifest()
                except (StoreError, OSError):
                    return {}
                if attempt and m.shards.get(feed_id) == refs:
                    return {}  # named but missing: open() will repair it
                continue
            except CorruptFile as exc:
                self._quarantine_later(path, "body", feed_id, exc)
                return {}
            except OSError as exc:
                raise StoreError(f"cannot read {path.name}: {exc.strerror}") from None
            with self._bodies_lock:
                self._bodies[key] = data
                while len(self._bodies) > _BODY_CACHE:
                    self._bodies.popitem(last=False)
            return data
        return {}

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
                raise StoreError(f"invalid feed id {fid!r}")
        with self._mutex:
            try:
                with self._locked():
                    return self._commit_locked(batch)
            except OSError as exc:
                what = exc.strerror or str(exc)
                raise StoreError(f"cannot write the cache in {self.root}: {what}") from None

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
        txn = _Txn(self, disk)
        try:
            result = txn.run(batch)
        except BaseException:
            # Disk full or gone read-only mid-commit: delete what this commit wrote so the space
            # comes back, keeping whatever the manifest on disk names (we hold the lock).
            with contextlib.suppress(Exception):
                current = _read_manifest(self.manifest_path)
                if current is not None:
                    self._sweep(current)
            raise
        self._sweep(txn.new)
        txn.adopt()
        return result

    def close(self) -> None:
        """Forget cached data; nothing is pending (every commit is on disk when it returns)."""
        with self._mutex, self._bodies_lock:
            self._bodies.clear()
            self._preload = None
            self._opened = False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rows_from(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for d in docs:
        fid, url = d.get("id"), d.get("url")
        if not isinstance(fid, str) or not _FEED_ID.fullmatch(fid) or not isinstance(url, str):
            raise CorruptFile("a feed without id or URL")
        rows[fid] = d
    return rows


class _Txn:
    """One commit, under the lock: read what the batch touches, apply, write, then manifest."""

    def __init__(self, store: Store, disk: _Manifest) -> None:
        self.store = store
        self.root = store.root
        self.old = disk
        self.new = disk.copy()
        self.new.generation = disk.generation + 1
        self.data: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
        self.dirty: set[tuple[str, str]] = set()
        self.rows: dict[str, dict[str, Any]] | None = None
        self.rows_dirty = False
        self.batch_owner: dict[str, str] = {}
        self.scanned = False
        self.removed: set[str] = set()
        self.submitted: dict[str, dict[str, Any]] = {}  # feed rows as the caller sent them

    # -- reading what the batch touches, fresh from disk

    def shard(self, fid: str, kind: str) -> dict[str, Any]:
        cache = self.data[kind]
        if fid not in cache:
            refs = self.old.shards.get(fid)
            gen = getattr(refs, kind) if refs is not None else 0
            content: dict[str, Any] = {}
            if gen:
                try:
                    content = _read_shard(self.root, fid, kind, gen)
                except FileNotFoundError:
                    pass  # named but missing (damage): start it afresh
                except CorruptFile as exc:
                    path = _shard_path(self.root, fid, kind, gen)
                    self.store._quarantine_later(path, kind, fid, exc)
            cache[fid] = content
            if kind == "idx":
                self.store_note_ids(fid, gen, content)
        return cache[fid]

    def store_note_ids(self, fid: str, gen: int, idx: dict[str, Any]) -> None:
        s = self.store
        for aid in s._ids.get(fid, ()):
            if s._owner.get(aid) == fid:
                del s._owner[aid]
        s._ids[fid] = set(idx)
        for aid in idx:
            s._owner[aid] = fid
        s._owner_gen[fid] = gen

    def feed_rows(self) -> dict[str, dict[str, Any]]:
        if self.rows is None:
            rows: dict[str, dict[str, Any]] = {}
            if self.old.feeds:
                path = _feeds_path(self.root, self.old.feeds)
                try:
                    rows = _rows_from(_read_table(path, _TABLES["feeds"]))
                except (FileNotFoundError, CorruptFile):
                    rows = {}
            for fid, refs in self.old.shards.items():
                if fid not in rows:
                    rows[fid] = _stub_row(fid, refs.url)
                    self.rows_dirty = True
            self.rows = {fid: row for fid, row in rows.items() if fid in self.old.shards}
        return self.rows

    def feed_of(self, aid: str) -> str | None:
        """The feed of an existing article, checked against the files on disk."""
        fid = self.batch_owner.get(aid)
        if fid is not None:
            return fid if fid in self.new.shards else None
        s = self.store
        fid = s._owner.get(aid)
        if fid is None and not self.scanned:
            # Unknown here: maybe added by another process. Re-read the indexes that moved.
            self.scanned = True
            for f, refs in self.old.shards.items():
                if f not in self.data["idx"] and s._owner_gen.get(f) != refs.idx:
                    self.shard(f, "idx")
            fid = s._owner.get(aid)
        if fid is None or fid not in self.new.shards:
            return None
        if fid in self.data["idx"]:
            return fid if aid in self.data["idx"][fid] else None
        if s._owner_gen.get(fid) == self.old.shards[fid].idx:
            return fid
        return fid if aid in self.shard(fid, "idx") else None

    # -- applying

    def run(self, batch: Batch) -> CommitResult:
        for feed in batch.feeds:
            self.upsert_feed(feed)
        for fid in batch.removed_feeds:
            if fid in self.new.shards:
                del self.new.shards[fid]
                self.feed_rows().pop(fid, None)
                self.rows_dirty = True
            self.removed.add(fid)

        added: dict[str, None] = {}
        updated: dict[str, None] = {}
        in_batch: dict[str, set[str]] = {}
        for art in batch.articles:
            fid = art.feed_id
            if fid not in self.new.shards:
                continue  # the feed is gone (removed, maybe by another process)
            idx = self.shard(fid, "idx")
            doc = art.index_dict()
            old = idx.get(art.id)
            if old is None:
                added[art.id] = None
            else:
                doc["first_seen"] = old.get("first_seen", doc["first_seen"])
                if doc != old:
                    updated[art.id] = None
            if doc != old:
                idx[art.id] = doc
                self.dirty.add((fid, "idx"))
            self.batch_owner[art.id] = fid
            in_batch.setdefault(fid, set()).add(art.id)

        for aid, html in batch.bodies.items():
            fid = self.feed_of(aid)
            if fid is None:
                continue
            bodies = self.shard(fid, "body")
            if html and bodies.get(aid) != html:
                bodies[aid] = html
                self.dirty.add((fid, "body"))
            elif not html and aid in bodies:
                del bodies[aid]
                self.dirty.add((fid, "body"))

        for flag, changes in ((0, batch.read), (1, batch.starred)):
            for aid, value in changes.items():
                fid = self.feed_of(aid)
                if fid is None:
                    continue  # pruned or removed meanwhile
                states = self.shard(fid, "state")
                cur = states.get(aid, (False, False))
                new = (bool(value), cur[1]) if flag == 0 else (cur[0], bool(value))
                if new != cur:
                    if new == (False, False):
                        del states[aid]
                    else:
                        states[aid] = new
                    self.dirty.add((fid, "state"))

        pruned: list[str] = []
        now = time.time()
        for fid, keep in in_batch.items():
            rule = batch.retention(fid) if batch.retention is not None else Retention()
            pruned += self.retain(fid, keep, rule, now)

        self.write()
        return CommitResult(
            [a for a in added if a not in pruned],
            [a for a in updated if a not in pruned],
            pruned,
            self.new.generation,
        )

    def upsert_feed(self, feed: Feed) -> None:
        s = self.store
        if feed.id in s._base and feed.id not in self.old.shards:
            return  # another process removed it after we loaded: do not bring it back
        rows = self.feed_rows()
        ours = feed.to_dict()
        self.submitted[feed.id] = dict(ours)
        base, theirs = s._base.get(feed.id), rows.get(feed.id)
        if base is not None and theirs is not None and theirs != base:
            # Another process changed this row: keep its fields where the caller changed nothing.
            ours = {k: (v if v != base.get(k) else theirs.get(k, v)) for k, v in ours.items()}
        if ours != theirs:
            rows[feed.id] = ours
            self.rows_dirty = True
        refs = self.new.shards.get(feed.id)
        if refs is None:
            self.new.shards[feed.id] = _Refs(ours["url"])
        elif refs.url != ours["url"]:
            refs.url = ours["url"]

    def retain(self, fid: str, keep: set[str], rule: Retention, now: float) -> list[str]:
        """Drop what the rule says is too many or too old, except starred and in-batch ones."""
        idx = self.shard(fid, "idx")
        limit = rule.max_count if rule.max_count > 0 else None
        cutoff = now - rule.max_age_days * 86400.0 if rule.max_age_days > 0 else None
        if (limit is None or len(idx) <= limit) and cutoff is None:
            return []
        states = self.shard(fid, "state")
        ranked = sorted(idx.values(), key=_newest_first_row)
        pruned = []
        for rank, d in enumerate(ranked):
            aid = d["id"]
            too_many = limit is not None and rank >= limit
            too_old = cutoff is not None and (d.get("published") or 0.0) < cutoff
            if (too_many or too_old) and aid not in keep and not states.get(aid, (0, 0))[1]:
                pruned.append(aid)
        if pruned:
            bodies = self.shard(fid, "body")
            for aid in pruned:
                del idx[aid]
                self.dirty.add((fid, "idx"))
                if aid in bodies:
                    del bodies[aid]
                    self.dirty.add((fid, "body"))
                if aid in states:
                    del states[aid]
                    self.dirty.add((fid, "state"))
        return pruned

    # -- writing

    def write(self) -> None:
        gen = self.new.generation
        wrote_shard = False
        for fid, kind in sorted(self.dirty):
            refs = self.new.shards.get(fid)
            if refs is None:
                continue
            content = self.data[kind][fid]
            if kind != "idx" and fid in self.data["idx"]:
                idx = self.data["idx"][fid]
                content = {aid: v for aid, v in content.items() if aid in idx}  # no orphans
            setattr(refs, kind, _write_shard(self.root, fid, kind, gen, content))
            wrote_shard = True
        if wrote_shard:
            _fsync_dir(self.root / SHARD_DIR)
        if self.rows_dirty:
            rows = self.feed_rows()
            if rows:
                _write_table(_feeds_path(self.root, gen), _TABLES["feeds"], list(rows.values()))
                _fsync_dir(self.root)  # durable before the manifest that names it
                self.new.feeds = gen
            else:
                self.new.feeds = 0
        # The commit point: until this rename the batch is absent, after it entirely present.
        _atomic_write(self.root / MANIFEST, _dumps(self.new.to_data()))

    def adopt(self) -> None:
        """After the commit: the Store's view becomes the new manifest."""
        s = self.store
        s._manifest = self.new
        s._generation = self.new.generation
        for fid in self.removed:
            for aid in s._ids.pop(fid, ()):
                if s._owner.get(aid) == fid:
                    del s._owner[aid]
            s._owner_gen.pop(fid, None)
            s._base.pop(fid, None)
        for fid, idx in self.data["idx"].items():
            if fid in self.new.shards:
                self.store_note_ids(fid, self.new.shards[fid].idx, idx)
        # The base is the caller's view: what it sent, not the merge (it reloads after a merge;
        # if it does not, its next commit must still not undo the other process's fields).
        for fid, row in self.submitted.items():
            if fid in self.new.shards:
                s._base[fid] = row
        changed = {fid for fid, kind in self.dirty if kind == "body"}
        with s._bodies_lock:
            for key in [k for k in s._bodies if k[0] in changed]:
                del s._bodies[key]


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


def _newest_first_row(d: dict[str, Any]) -> tuple[float, str, str, str, str, str]:
    """models.newest_first_key on a stored index row: the same total order, decided by content."""
    headline = d.get("headline", "")
    return (
        -(d.get("published") or 0.0),
        headline.casefold(),
        headline,
        d.get("link", ""),
        d.get("guid", ""),
        d["id"],
    )
