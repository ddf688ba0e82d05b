"""Migrations: the steps bringing an older data dir up to `SCHEMA_VERSION`, a schema at a time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from newsreader.i18n import N_
from newsreader.models import Article, Feed
from newsreader.store.errors import StoreError
from newsreader.store.files import _atomic_write, _dumps, _fsync_dir, _quarantine, _write_table
from newsreader.store.layout import (
    _FEED_ID,
    _TABLES,
    MANIFEST,
    SCHEMA_VERSION,
    SHARD_DIR,
    V0_FILE,
    _feeds_path,
    _Manifest,
    _Refs,
    _State,
    _write_shard,
)


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
            raise StoreError(
                N_("cannot read the old cache {path}: {exc}").format(path=path, exc=exc)
            ) from None
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
            raise StoreError(
                N_("cannot upgrade the cache in {root} from schema {v}").format(root=root, v=v)
            )
        notes.append(step(root))
    return notes
