"""The commit transaction: under the lock, read what a batch touches fresh from disk, apply the
batch's deltas, write the changed files under a new generation, then the manifest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreader.config import Retention
from newsreader.models import Article, Feed
from newsreader.store.catalogue import Catalogue
from newsreader.store.errors import CorruptFile, OnCorrupt
from newsreader.store.files import (
    _atomic_write,
    _dumps,
    _fsync_dir,
    _read_table,
    _write_files,
    _write_table,
)
from newsreader.store.layout import (
    _TABLES,
    KINDS,
    MANIFEST,
    SHARD_DIR,
    _feeds_path,
    _Manifest,
    _read_shard,
    _Refs,
    _rows_from,
    _shard_file,
    _shard_path,
    _stub_row,
)


@dataclass
class Batch:
    """Changes committed together: after a crash either all of them are on disk or none."""

    feeds: list[Feed] = field(default_factory=list)  # upsert feed rows (by id)
    removed_feeds: list[str] = field(default_factory=list)  # feed ids: feed and its articles go
    articles: list[Article] = field(default_factory=list)  # upsert index fields
    bodies: dict[str, str] = field(default_factory=dict)  # article id -> body HTML ("" drops it)
    read: dict[str, bool] = field(default_factory=dict)  # article id -> read
    starred: dict[str, bool] = field(default_factory=dict)
    removed_articles: list[str] = field(default_factory=list)  # article ids: index, body, marks go
    article_tags: dict[str, list[str]] = field(default_factory=dict)  # id -> the user's own tags
    retention: Callable[[str], Retention] | None = None  # feed id -> rule; None: defaults

    def is_empty(self) -> bool:
        return not (
            self.feeds
            or self.removed_feeds
            or self.articles
            or self.bodies
            or self.read
            or self.starred
            or self.removed_articles
            or self.article_tags
        )


@dataclass
class CommitResult:
    added: list[str]  # article ids new to the cache
    updated: list[str]  # article ids that were there and whose stored fields changed
    pruned: list[str]  # article ids dropped by retention (with their bodies and marks)
    generation: int


class _Txn:
    """One commit, under the lock: read what the batch touches, apply, write, then manifest."""

    def __init__(
        self, root: Path, disk: _Manifest, catalogue: Catalogue, on_corrupt: OnCorrupt
    ) -> None:
        self.root = root
        self.catalogue = catalogue  # the Store's: kept up to date as indexes are read
        self.on_corrupt = on_corrupt
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
                    self.on_corrupt(path, kind, fid, exc)
            cache[fid] = content
            if kind == "idx":
                self.catalogue.note_ids(fid, gen, content)
        return cache[fid]

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
        cat = self.catalogue
        fid = cat.feed_of(aid)
        if fid is None and not self.scanned:
            # Unknown here: maybe added by another process. Re-read the indexes that moved.
            self.scanned = True
            for f, refs in self.old.shards.items():
                if f not in self.data["idx"] and cat.idx_gen(f) != refs.idx:
                    self.shard(f, "idx")
            fid = cat.feed_of(aid)
        if fid is None or fid not in self.new.shards:
            return None
        if fid in self.data["idx"]:
            return fid if aid in self.data["idx"][fid] else None
        if cat.idx_gen(fid) == self.old.shards[fid].idx:
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
                if old.get("own_tags"):  # the user's, not the feed's: a refresh keeps them
                    doc["own_tags"] = old["own_tags"]
                if doc != old:
                    updated[art.id] = None
            if doc != old:
                idx[art.id] = doc
                self.dirty.add((fid, "idx"))
            self.batch_owner[art.id] = fid
            in_batch.setdefault(fid, set()).add(art.id)

        for aid, own in batch.article_tags.items():
            holder = self.feed_of(aid)
            if holder is None:
                continue  # gone meanwhile
            idx = self.shard(holder, "idx")
            doc = dict(idx[aid])
            if own:
                doc["own_tags"] = list(own)
            else:
                doc.pop("own_tags", None)
            if doc != idx[aid]:
                idx[aid] = doc
                self.dirty.add((holder, "idx"))
                updated[aid] = None

        for aid, html in batch.bodies.items():
            owner = self.feed_of(aid)
            if owner is None:
                continue
            bodies = self.shard(owner, "body")
            if html and bodies.get(aid) != html:
                bodies[aid] = html
                self.dirty.add((owner, "body"))
            elif not html and aid in bodies:
                del bodies[aid]
                self.dirty.add((owner, "body"))

        for flag, changes in ((0, batch.read), (1, batch.starred)):
            for aid, value in changes.items():
                holder = self.feed_of(aid)
                if holder is None:
                    continue  # pruned or removed meanwhile
                states = self.shard(holder, "state")
                cur = states.get(aid, (False, False))
                new = (bool(value), cur[1]) if flag == 0 else (cur[0], bool(value))
                if new != cur:
                    if new == (False, False):
                        del states[aid]
                    else:
                        states[aid] = new
                    self.dirty.add((holder, "state"))

        pruned: list[str] = []
        for aid in dict.fromkeys(batch.removed_articles):  # a filter's hide (filters.py)
            holder = self.feed_of(aid)
            if holder is None:
                continue
            for kind in ("idx", "body", "state"):
                shard = self.shard(holder, kind)
                if aid in shard:
                    del shard[aid]
                    self.dirty.add((holder, kind))
            pruned.append(aid)
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
        cat = self.catalogue
        if cat.has_seen(feed.id) and feed.id not in self.old.shards:
            return  # another process removed it after we loaded: do not bring it back
        rows = self.feed_rows()
        ours = feed.to_dict()
        self.submitted[feed.id] = dict(ours)
        base, theirs = cat.base_row(feed.id), rows.get(feed.id)
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
        files: list[tuple[Path, bytes]] = []
        for fid, kind in sorted(self.dirty):
            refs = self.new.shards.get(fid)
            if refs is None:
                continue
            content = self.data[kind][fid]
            if kind != "idx" and fid in self.data["idx"]:
                idx = self.data["idx"][fid]
                content = {aid: v for aid, v in content.items() if aid in idx}  # no orphans
            file = _shard_file(self.root, fid, kind, gen, content)
            if file is not None:
                files.append(file)
            setattr(refs, kind, gen if file is not None else 0)
            wrote_shard = True
        _write_files(files)  # all of them durable before the manifest names any
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
        """After the commit: the catalogue follows the new manifest."""
        cat = self.catalogue
        for fid in self.removed:
            cat.forget(fid)
        for fid, idx in self.data["idx"].items():
            if fid in self.new.shards:
                cat.note_ids(fid, self.new.shards[fid].idx, idx)
        # The base is the caller's view: what it sent, not the merge (it reloads after a merge;
        # if it does not, its next commit must still not undo the other process's fields).
        for fid, row in self.submitted.items():
            if fid in self.new.shards:
                cat.set_base(fid, row)

    def changed_bodies(self) -> set[str]:
        """The feeds whose body shard this commit replaced."""
        return {fid for fid, kind in self.dirty if kind == "body"}


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
