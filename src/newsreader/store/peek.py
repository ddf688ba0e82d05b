"""Reading the cache as another process's reader does, without opening it: no lock, no repair,
nothing written. For derived data kept beside the cache (the search index) and the CLI's quick
paths, which must not pay for loading every article.

The manifest names immutable files; a commit may delete one after we read the manifest, which
shows as FileNotFoundError: the caller reads the manifest again (or leaves that feed for later).
A damaged file raises CorruptFile; `Store.open` is what repairs.
"""

from __future__ import annotations

from pathlib import Path

from newsreader.models import Article, Feed
from newsreader.store.errors import CorruptFile
from newsreader.store.files import _read_table
from newsreader.store.layout import (
    _TABLES,
    MANIFEST,
    SCHEMA_VERSION,
    _feeds_path,
    _Manifest,
    _read_manifest,
    _read_shard,
    _rows_from,
    _with_marks,
)

__all__ = ["CorruptFile", "Manifest", "manifest", "feed_articles", "feed_bodies", "feed_titles"]

Manifest = _Manifest


def manifest(root: Path) -> _Manifest | None:
    """The current manifest; None when there is no cache (or one this version cannot read
    without migrating it, which only `Store.open` may do)."""
    m = _read_manifest(Path(root) / MANIFEST)
    if m is None or m.schema != SCHEMA_VERSION:
        return None
    return m


def generations(m: _Manifest) -> dict[str, tuple[int, int]]:
    """Feed id -> (article index file, body file) generations."""
    return {fid: (refs.idx, refs.body) for fid, refs in m.shards.items()}


def feed_articles(root: Path, m: _Manifest, feed_id: str, *, marks: bool = True) -> list[Article]:
    """One feed's articles (no body), with read/starred marks unless `marks` is False."""
    refs = m.shards.get(feed_id)
    if refs is None or not refs.idx:
        return []
    states = _read_shard(root, feed_id, "state", refs.state) if marks and refs.state else {}
    try:
        return _with_marks(_read_shard(root, feed_id, "idx", refs.idx).values(), states)
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise CorruptFile(f"bad article ({type(exc).__name__})") from None


def feed_marks(root: Path, m: _Manifest, feed_id: str) -> dict[str, tuple[bool, bool]]:
    """One feed's (read, starred) marks that differ from unread and unstarred."""
    refs = m.shards.get(feed_id)
    if refs is None or not refs.state:
        return {}
    return _read_shard(root, feed_id, "state", refs.state)


def feed_bodies(root: Path, m: _Manifest, feed_id: str) -> dict[str, str]:
    refs = m.shards.get(feed_id)
    if refs is None or not refs.body:
        return {}
    return _read_shard(root, feed_id, "body", refs.body)


def feed_titles(root: Path, m: _Manifest) -> dict[str, str]:
    """Feed id -> title (the URL when it has none yet), as `Feed.display_title` gives."""
    rows = _rows_from(_read_table(_feeds_path(root, m.feeds), _TABLES["feeds"])) if m.feeds else {}
    out = {}
    for fid, refs in m.shards.items():
        row = rows.get(fid)
        try:
            feed = Feed.from_dict(row) if row is not None else Feed(id=fid, url=refs.url)
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
            feed = Feed(id=fid, url=refs.url)
        out[fid] = feed.display_title
    return out
