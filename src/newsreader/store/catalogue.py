"""What a Store knows of the cache between commits, and what a commit asks of it: the feed each
known article belongs to, and the feed rows as the caller last saw them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from newsreader.store.layout import _Manifest


@dataclass
class Catalogue:
    """Article owners are valid for the index generation in `owner_gen`; a commit checks that
    generation against the manifest before it trusts them. `base` is the base of the three-way
    merge of feed rows."""

    ids: dict[str, set[str]] = field(default_factory=dict)  # feed id -> its article ids
    owner_gen: dict[str, int] = field(default_factory=dict)  # feed id -> idx generation
    base: dict[str, dict[str, Any]] = field(default_factory=dict)  # feed id -> row
    # article id -> feed id, made from `ids` when a commit first asks (not at open: 100,000
    # entries cost ~20 ms of the reader's start, and a reader that only reads never asks).
    _owner: dict[str, str] | None = None

    @property
    def owner(self) -> dict[str, str]:
        if self._owner is None:
            self._owner = {aid: fid for fid, own in self.ids.items() for aid in own}
        return self._owner

    @classmethod
    def of(
        cls, m: _Manifest, ids: dict[str, set[str]], rows: dict[str, dict[str, Any]]
    ) -> Catalogue:
        """The catalogue of a full read of `m`: its article ids per feed and its feed rows."""
        return cls(
            ids=ids,
            owner_gen={fid: refs.idx for fid, refs in m.shards.items()},
            base={fid: dict(row) for fid, row in rows.items()},
        )

    def feed_of(self, aid: str) -> str | None:
        return self.owner.get(aid)

    def idx_gen(self, fid: str) -> int | None:
        """The index generation the owners of feed `fid` were read from; None: never read."""
        return self.owner_gen.get(fid)

    def note_ids(self, fid: str, gen: int, ids: Iterable[str]) -> None:
        """Feed `fid` holds exactly `ids`, as read from (or written to) its index at `gen`."""
        owner = self._owner
        if owner is not None:
            for aid in self.ids.get(fid, ()):
                if owner.get(aid) == fid:
                    del owner[aid]
        self.ids[fid] = set(ids)
        if owner is not None:
            for aid in self.ids[fid]:
                owner[aid] = fid
        self.owner_gen[fid] = gen

    def forget(self, fid: str) -> None:
        """Feed `fid` was removed: its articles and its row go."""
        owner = self._owner
        for aid in self.ids.pop(fid, ()):
            if owner is not None and owner.get(aid) == fid:
                del owner[aid]
        self.owner_gen.pop(fid, None)
        self.base.pop(fid, None)

    def has_seen(self, fid: str) -> bool:
        """Whether the caller has seen feed `fid` (it was loaded or committed by us)."""
        return fid in self.base

    def base_row(self, fid: str) -> dict[str, Any] | None:
        return self.base.get(fid)

    def set_base(self, fid: str, row: dict[str, Any]) -> None:
        self.base[fid] = row
