"""Saved searches ("query feeds", newsboat's `query:`): a name and a query, shown beside the
tags with their unread counts.

Two homes: `queries.json` in the data folder (what `newsreader query add` and the reader's
"save search" write: atomic, under the cache's write lock), and a `[queries]` table in
config.toml (``Ukraine = 'tag:Ukraine unread newer:7d'``) for people who keep such things in
their config; those are listed, not removed, by the commands. A name given twice: the data
folder's wins. A damaged file is moved aside with a message, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsreader.i18n import N_
from newsreader.indexes.query import parse_query
from newsreader.sanitize import MAX_LINE, clean_line
from newsreader.store.files import _atomic_write, _dumps, _quarantine

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.models import Article

FILE_NAME = "queries.json"
MAX_QUERY = 2_000


class QueryError(ValueError):
    """A name or query that cannot be saved (the message is for the user)."""


@dataclass(frozen=True, slots=True)
class SavedQuery:
    name: str
    query: str
    from_config: bool = False


def check(name: str, query: str) -> tuple[str, str]:
    """The name and query as saved (one line each), or QueryError saying what is wrong."""
    name = clean_line(name, MAX_LINE)
    query = clean_line(query, MAX_QUERY)
    if not name:
        raise QueryError(N_("a saved search needs a name"))
    if parse_query(query).is_empty():
        raise QueryError(N_("nothing to search for in {query!r}").format(query=query))
    return name, query


def load(data_dir: Path, configured: dict[str, str], warnings: list[str]) -> list[SavedQuery]:
    """Every saved search: the data folder's (in the order added), then the config's."""
    out: dict[str, SavedQuery] = {}
    for name, query in _read(data_dir / FILE_NAME, warnings):
        out.setdefault(name.casefold(), SavedQuery(name, query))
    for name, query in configured.items():
        try:
            name, query = check(str(name), str(query))
        except QueryError as exc:
            warnings.append(f"config [queries] {name!r}: {exc}")
            continue
        out.setdefault(name.casefold(), SavedQuery(name, query, from_config=True))
    return list(out.values())


def save(data_dir: Path, name: str, query: str) -> SavedQuery:
    """Add a saved search, or give an existing name a new query. The caller holds the lock."""
    name, query = check(name, query)
    rows = [(n, q) for n, q in _read(data_dir / FILE_NAME, []) if n.casefold() != name.casefold()]
    _write(data_dir / FILE_NAME, [*rows, (name, query)])
    return SavedQuery(name, query)


def remove(data_dir: Path, name: str) -> bool:
    """Drop a saved search by name (any case); False if the data folder has none by that name."""
    rows = _read(data_dir / FILE_NAME, [])
    kept = [(n, q) for n, q in rows if n.casefold() != name.strip().casefold()]
    if len(kept) == len(rows):
        return False
    _write(data_dir / FILE_NAME, kept)
    return True


def _read(path: Path, warnings: list[str]) -> list[tuple[str, str]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        warnings.append(f"cannot read saved searches {path.name}: {exc.strerror}")
        return []
    try:
        data: Any = json.loads(raw)
        rows = [(str(r["name"]), str(r["query"])) for r in data["queries"]]
    except (ValueError, KeyError, TypeError) as exc:
        with contextlib.suppress(OSError):
            aside = _quarantine(path)
            warnings.append(
                f"saved searches {path.name} unreadable ({type(exc).__name__}),"
                f" moved aside to {aside.name}"
            )
        return []
    out = []
    for name, query in rows:
        with contextlib.suppress(QueryError):
            out.append(check(name, query))
    return out


def _write(path: Path, rows: Iterable[tuple[str, str]]) -> None:
    data = {"queries": [{"name": n, "query": q} for n, q in rows]}
    _atomic_write(path, _dumps(data))


class SavedSearches:
    """A library's saved searches: listed, added, removed, counted (`Library.saved`)."""

    def __init__(self, library: Library) -> None:
        self._lib = library
        self._path = Path(library.dirs.data) / FILE_NAME
        self._loaded: tuple[float | None, list[SavedQuery]] | None = None
        self._matches: dict[str, tuple[tuple[int, int, int], list[Article]]] = {}

    def all(self) -> list[SavedQuery]:
        """Every saved search (read again when another process changed the file)."""
        try:
            stamp: float | None = self._path.stat().st_mtime_ns
        except OSError:
            stamp = None
        if self._loaded is None or self._loaded[0] != stamp:
            warns: list[str] = []
            self._loaded = (stamp, load(self._path.parent, self._lib.settings.queries, warns))
            self._lib.warnings += warns
        return self._loaded[1]

    def get(self, name: str) -> SavedQuery | None:
        wanted = name.strip().casefold()
        return next((s for s in self.all() if s.name.casefold() == wanted), None)

    def add(self, name: str, query: str) -> SavedQuery:
        with self._lib.store._locked():
            saved = save(self._path.parent, name, query)
        self._loaded = None
        return saved

    def remove(self, name: str) -> bool:
        found = self.get(name)
        if found is not None and found.from_config:
            raise QueryError(
                N_("{name!r} is set in config.toml ([queries]): remove it there").format(
                    name=found.name
                )
            )
        with self._lib.store._locked():
            gone = remove(self._path.parent, name)
        self._loaded = None
        return gone

    def articles(self, saved: SavedQuery) -> list[Article]:
        """The saved search's articles, newest first (the search index as last synced)."""
        lib = self._lib
        key = (lib.revision, lib._order_version, lib.search_version)
        flags = _has_flags(saved.query)
        cached = self._matches.get(saved.query)
        if cached is not None and cached[0] == key and not flags:
            return cached[1]
        found = lib.search(saved.query, sync=False)
        self._matches[saved.query] = (key, found)
        return found

    def counts(self) -> list[tuple[SavedQuery, int, int]]:
        """Each saved search with its unread and total counts. A search without read/starred
        conditions is run once per change to the articles or the index; marks only recount."""
        out = []
        for saved in self.all():
            found = self.articles(saved)
            out.append((saved, sum(1 for a in found if not a.read), len(found)))
        return out


def _has_flags(query: str) -> bool:
    q = parse_query(query)
    return q.unread is not None or q.starred is not None
