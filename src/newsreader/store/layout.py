"""The layout of a data dir (schema 1): file names, the manifest that names the current file of
each kind, and the rows each kind of file holds, checked as they are read."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreader.i18n import N_
from newsreader.models import Article, Feed
from newsreader.store.errors import CorruptFile, SchemaTooNew
from newsreader.store.files import AtomicJSONStorage, _read_table, _table_bytes, _write_files

SCHEMA_VERSION = 1

MANIFEST = "manifest.json"
LOCK_FILE = "lock"
SHARD_DIR = "shards"
V0_FILE = "cache.json"  # the schema-0 layout: one TinyDB file for everything
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
        shards = root / SHARD_DIR
        return out | {shards / name for name in self.shard_names()}

    def shard_names(self) -> set[str]:
        """The names of the shard files this manifest references (in SHARD_DIR)."""
        out = set()
        for fid, refs in self.shards.items():
            for kind in KINDS:
                gen = getattr(refs, kind)
                if gen:
                    out.add(_shard_name(fid, kind, gen))
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
            raise ValueError(N_("bad schema"))
        if schema > SCHEMA_VERSION:
            raise _too_new(path, schema)
        m = _Manifest(meta["generation"], meta["feeds"], {}, schema)
        if type(m.generation) is not int or type(m.feeds) is not int:
            raise ValueError(N_("bad generation"))
        for fid, (url, idx, body, state) in meta["shards"].items():
            if not _FEED_ID.fullmatch(fid) or not isinstance(url, str):
                raise ValueError(N_("bad feed"))
            if not all(type(g) is int and g >= 0 for g in (idx, body, state)):
                raise ValueError(N_("bad generation"))
            m.shards[fid] = _Refs(url, idx, body, state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptFile(f"not a newsreader manifest ({exc})") from None
    return m


def _feeds_path(root: Path, gen: int) -> Path:
    return root / f"feeds.{gen}.json"


def _shard_path(root: Path, fid: str, kind: str, gen: int) -> Path:
    return root / SHARD_DIR / _shard_name(fid, kind, gen)


def _shard_name(fid: str, kind: str, gen: int) -> str:
    return f"{fid}.{kind}.{gen}.json"


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


def _with_marks(docs: Iterable[dict[str, Any]], states: dict[str, _State]) -> list[Article]:
    """Articles from index rows, read/starred from the feed's marks (absent: unread)."""
    from_index = Article.from_index_dict
    out = []
    for d in docs:
        st = states.get(d["id"])
        out.append(from_index(d) if st is None else from_index(d, read=st[0], starred=st[1]))
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


def _shard_file(
    root: Path, fid: str, kind: str, gen: int, data: dict[str, Any]
) -> tuple[Path, bytes] | None:
    """One shard at `gen` as (path, bytes) to write; None when empty (referenced as 0)."""
    if not data:
        return None
    return _shard_path(root, fid, kind, gen), _table_bytes(_TABLES[kind], _to_docs(kind, data))


def _write_shard(root: Path, fid: str, kind: str, gen: int, data: dict[str, Any]) -> int:
    """Write one shard at `gen`; returns the generation to reference (0 when empty)."""
    file = _shard_file(root, fid, kind, gen, data)
    if file is None:
        return 0
    _write_files([file])
    return gen


def _stub_row(fid: str, url: str) -> dict[str, Any]:
    return Feed(id=fid, url=url).to_dict()


def _rows_from(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for d in docs:
        fid, url = d.get("id"), d.get("url")
        if not isinstance(fid, str) or not _FEED_ID.fullmatch(fid) or not isinstance(url, str):
            raise CorruptFile("a feed without id or URL")
        rows[fid] = d
    return rows
