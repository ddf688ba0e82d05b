"""Reading everything a manifest names, and putting a damaged data dir right: the problems met,
their repair, a manifest rebuilt from the newest files, and the sweep of files nothing names."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsreader.collector import paused
from newsreader.i18n import N_
from newsreader.models import Article, Feed
from newsreader.store.errors import CorruptFile, _Superseded
from newsreader.store.files import (
    TMP_PREFIX,
    _atomic_write,
    _dumps,
    _fsync_dir,
    _quarantine,
    _read_table,
    _write_table,
)
from newsreader.store.layout import (
    _FEEDS_NAME,
    _SHARD_NAME,
    _TABLES,
    _WHAT,
    KINDS,
    MANIFEST,
    SCHEMA_VERSION,
    SHARD_DIR,
    V0_FILE,
    _feeds_path,
    _Manifest,
    _read_manifest,
    _Refs,
    _rows_from,
    _shard_path,
    _State,
    _state_from,
    _stub_row,
    _with_marks,
)
from newsreader.store.migrate import _migrate


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


def _body_looks_whole(path: str | Path) -> bool:
    """Cheap truncation check (body shards are too big to parse at every open)."""
    with open(path, "rb") as fh:
        head = fh.read(1)
        size = fh.seek(0, os.SEEK_END)
        if size < 2:
            return False
        fh.seek(max(0, size - 16))
        tail = fh.read().rstrip()
    return head == b"{" and tail.endswith(b"}")


def _read_all(root: Path, m: _Manifest, *, locked: bool, check_bodies: bool = False) -> _Loaded:
    """Feeds and articles as `m` names them; bad files become problems, not exceptions.

    Unlocked, a missing file means a commit superseded `m`: `_Superseded` is raised.
    """
    with paused():  # ~10 objects per article, no cycles among them
        return _read_all_now(root, m, locked=locked, check_bodies=check_bodies)


def _read_all_now(root: Path, m: _Manifest, *, locked: bool, check_bodies: bool) -> _Loaded:
    problems: list[_Problem] = []

    def missing(kind: str, fid: str | None, path: Path) -> None:
        if not locked:
            raise _Superseded
        problems.append(_Problem(kind, fid, path, "missing"))

    rows: dict[str, dict[str, Any]] = {}
    if m.feeds:
        path = _feeds_path(root, m.feeds)
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
    shards = f"{root / SHARD_DIR}{os.sep}"  # paths as strings: 6,000 Path joins cost ~40 ms
    for fid, refs in m.shards.items():
        states: dict[str, _State] = {}
        if refs.state:
            name = f"{shards}{fid}.state.{refs.state}.json"
            try:
                states = _state_from(_read_table(name, _TABLES["state"]), fid)
            except FileNotFoundError:
                missing("state", fid, Path(name))
            except CorruptFile as exc:
                problems.append(_Problem("state", fid, Path(name), f"unreadable ({exc})"))
        own: set[str] = set()
        if refs.idx:
            name = f"{shards}{fid}.idx.{refs.idx}.json"
            try:
                docs = _read_table(name, _TABLES["idx"])
                if not all(type(d.get("id")) is str and d.get("feed_id") == fid for d in docs):
                    raise CorruptFile("an article without id or from another feed")
                batch = _with_marks(docs, states)
            except FileNotFoundError:
                missing("idx", fid, Path(name))
            except CorruptFile as exc:
                problems.append(_Problem("idx", fid, Path(name), f"unreadable ({exc})"))
            except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
                reason = N_("unreadable (bad article: {x0})").format(x0=type(exc).__name__)
                problems.append(_Problem("idx", fid, Path(name), reason))
            else:
                keys = [art.id for art in batch]
                articles.update(zip(keys, batch, strict=True))
                own = set(keys)
        ids[fid] = own
        if check_bodies and refs.body:
            name = f"{shards}{fid}.body.{refs.body}.json"
            try:
                whole = _body_looks_whole(name)
            except FileNotFoundError:
                missing("body", fid, Path(name))
            else:
                if not whole:
                    problems.append(_Problem("body", fid, Path(name), "truncated or empty"))
    return _Loaded(m, rows, feeds, articles, ids, problems)


def _open_dir(root: Path) -> tuple[_Loaded, list[str]]:
    """Clean, repair and migrate the data dir (we hold the lock); what it holds, and warnings."""
    warnings: list[str] = []
    recovered: Path | None = None
    try:
        m = _read_manifest(root / MANIFEST)
    except CorruptFile as exc:
        recovered = _quarantine(root / MANIFEST)
        m = _recover(root)
        warnings.append(
            N_("cache manifest unreadable ({exc}), moved aside to {name}").format(
                exc=exc, name=recovered.name
            )
        )
    (root / SHARD_DIR).mkdir(exist_ok=True)
    if m is None and (root / V0_FILE).exists():
        version = 0
    else:
        version = SCHEMA_VERSION if m is None else m.schema
    if version < SCHEMA_VERSION:
        warnings += _migrate(root, version)
        m = _read_manifest(root / MANIFEST)
    loaded = _read_all(root, m or _Manifest(), locked=True, check_bodies=True)
    if recovered is not None:
        warnings[0] += (
            f"; recovered {len(loaded.feeds)} feeds and {len(loaded.articles)} articles"
            " from the newest shard files"
        )
    if loaded.problems or recovered is not None:
        loaded.manifest = _repair(root, loaded, warnings)
    _sweep(root, loaded.manifest if m is not None or recovered is not None else None)
    return loaded, warnings


def _recover(root: Path) -> _Manifest:
    """A manifest rebuilt from the newest files on disk (the old one was unreadable)."""
    m = _Manifest()
    top = 0
    feeds_gens = []
    for entry in os.scandir(root):
        match = _FEEDS_NAME.fullmatch(entry.name)
        if match:
            feeds_gens.append(int(match[1]))
    rows: dict[str, dict[str, Any]] = {}
    for gen in sorted(feeds_gens, reverse=True):
        try:
            rows = _rows_from(_read_table(_feeds_path(root, gen), _TABLES["feeds"]))
        except (CorruptFile, OSError):
            continue
        m.feeds = gen
        break
    for fid, row in rows.items():
        m.shards[fid] = _Refs(row["url"])
    shard_dir = root / SHARD_DIR
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


def _repair(root: Path, loaded: _Loaded, warnings: list[str]) -> _Manifest:
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
            warnings.append(
                N_("cache feed list {reason}{where}; rebuilt from the manifest").format(
                    reason=p.reason, where=where
                )
            )
            continue
        assert p.fid is not None
        if p.fid in new.shards:
            setattr(new.shards[p.fid], p.kind, 0)
        title = loaded.feeds[p.fid].display_title if p.fid in loaded.feeds else p.fid
        warnings.append(
            N_("cache: {x0} of feed {title} {reason}{where}; dropped").format(
                x0=_WHAT[p.kind], title=repr(title), reason=p.reason, where=where
            )
        )
    if rewrite_rows:
        if loaded.rows:
            path = _feeds_path(root, new.generation)
            _write_table(path, _TABLES["feeds"], list(loaded.rows.values()))
            _fsync_dir(root)
            new.feeds = new.generation
        else:
            new.feeds = 0
    _atomic_write(root / MANIFEST, _dumps(new.to_data()))
    return new


def _drop_superseded(root: Path, old: _Manifest, new: _Manifest) -> None:
    """After a commit: delete the files the old manifest named and the new one does not (the
    ones this commit replaced). Attribute compares over the manifest, no folder scan, no path
    built for a feed the commit did not touch; strays of crashed writers go at open (_sweep)."""
    gone: list[Path] = []
    if old.feeds and old.feeds != new.feeds:
        gone.append(_feeds_path(root, old.feeds))
    new_shards = new.shards
    for fid, refs in old.shards.items():
        now = new_shards.get(fid)
        if now is refs:
            continue
        for kind in KINDS:
            gen = getattr(refs, kind)
            if gen and (now is None or getattr(now, kind) != gen):
                gone.append(_shard_path(root, fid, kind, gen))
    for path in gone:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _sweep(root: Path, m: _Manifest | None) -> None:
    """Delete temp files and files the manifest does not name (we hold the lock)."""
    # By name, not Path: a cache of 2,000 feeds holds 6,000 shard files.
    feeds = {_feeds_path(root, m.feeds).name} if m is not None and m.feeds else set()
    shards = m.shard_names() if m is not None else set()
    for folder, pattern, keep in (
        (root, _FEEDS_NAME, feeds),
        (root / SHARD_DIR, _SHARD_NAME, shards),
    ):
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            continue
        for name in names:
            if name.startswith(TMP_PREFIX) or (name not in keep and pattern.fullmatch(name)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder / name)
