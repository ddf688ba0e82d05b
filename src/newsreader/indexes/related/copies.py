"""Copies: the same article again, in this feed or another. An article is a copy of another
with the same link, or with the same normalised headline within two days (a daily "Die Lage am
Morgen" is not a copy of yesterday's, so the relation is not transitive).

`CopyMap` answers "the copies of every article" for folding the headline list without listing
them pair by pair: a headline that hundreds of articles repeat would make hundreds squared
entries (29 million, 243 MiB and 39 s of CPU on the 100,000-article bench corpus). It keeps each
shared key's members once, sorted by time, and works an article's copies out when asked (a
binary search for the two-day window), remembering the answer until the map is replaced.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from newsreader.indexes.related.features import Doc

COPY_WINDOW = 2 * 86_400.0  # same normalised headline within this many seconds: a copy


def copy_keys(doc: Doc) -> tuple[str, ...]:
    keys = []
    if doc.link:
        keys.append("l:" + doc.link)
    if len(doc.title) >= 12:  # "Liveblog", "Kommentar": too short to say it is the same
        keys.append("t:" + doc.title)
    return tuple(keys)


def is_copy(a: Doc, b: Doc) -> bool:
    if a.link and a.link == b.link:
        return True
    if not a.title or a.title != b.title:
        return False
    return a.ts is None or b.ts is None or abs(a.ts - b.ts) <= COPY_WINDOW


@dataclass(slots=True)
class _Bucket:
    """The articles sharing one key: dated ones by time (parallel lists), undated ones apart."""

    times: list[float]
    dated: list[str]
    undated: list[str]

    def between(self, lo: float, hi: float) -> list[str]:
        """The dated members from `lo` to `hi`, both included."""
        return self.dated[bisect_left(self.times, lo) : bisect_right(self.times, hi)]


class CopyMap(Mapping[str, list[str]]):
    """Article id -> the ids of its copies (sorted), for every article that shares a key with
    another. An article in the map may turn out to have none (the same headline, days apart):
    its entry is then empty. Read-only; built from a snapshot, so later changes to the index do
    not reach it."""

    def __init__(self, buckets: dict[str, _Bucket], keys: dict[str, tuple[str, ...]],
                 times: dict[str, float | None]) -> None:  # fmt: skip
        self._buckets = buckets
        self._keys = keys  # article id -> its keys shared with some other article
        self._times = times
        self._known: dict[str, list[str]] = {}

    @classmethod
    def of(cls, docs: Mapping[str, Doc], groups: Mapping[str, Iterable[str]]) -> CopyMap:
        """From the index's documents and its key -> article ids groups (the shared ones)."""
        buckets: dict[str, _Bucket] = {}
        keys: dict[str, list[str]] = {}
        for key, members in groups.items():
            ids = list(members)
            if len(ids) < 2:
                continue
            dated: list[tuple[float, str]] = []
            undated: list[str] = []
            for i in ids:
                ts = docs[i].ts
                if ts is None:
                    undated.append(i)
                else:
                    dated.append((ts, i))
            dated.sort()
            buckets[key] = _Bucket([t for t, _ in dated], [i for _, i in dated], undated)
            for i in ids:
                keys.setdefault(i, []).append(key)
        times = {i: docs[i].ts for i in keys}
        return cls(buckets, {i: tuple(k) for i, k in keys.items()}, times)

    def __getitem__(self, article_id: str) -> list[str]:
        known = self._known.get(article_id)
        if known is not None:
            return known
        keys = self._keys[article_id]  # KeyError: not in the map
        ts = self._times[article_id]
        found: set[str] = set()
        for key in keys:
            bucket = self._buckets[key]
            if key.startswith("l:") or ts is None:  # the same link; or undated: every one
                found.update(bucket.dated)
            else:
                found.update(bucket.between(ts - COPY_WINDOW, ts + COPY_WINDOW))
            found.update(bucket.undated)
        found.discard(article_id)
        out = self._known[article_id] = sorted(found)
        return out

    def with_mates(self, ids: Iterable[str]) -> set[str]:
        """`ids` and every copy of any of them, without working out each one's list: per shared
        key, the members within two days of some of them (the windows merged). Marking every
        article of a view read asks this for tens of thousands at once."""
        out = set(ids)
        wanted: dict[str, list[float | None]] = {}
        for aid in out:
            for key in self._keys.get(aid, ()):
                wanted.setdefault(key, []).append(self._times[aid])
        for key, times in wanted.items():
            bucket = self._buckets[key]
            out.update(bucket.undated)
            if key.startswith("l:") or None in times:
                out.update(bucket.dated)
                continue
            stamps = sorted(t for t in times if t is not None)
            lo, hi = stamps[0] - COPY_WINDOW, stamps[0] + COPY_WINDOW
            for ts in stamps[1:]:
                if ts - COPY_WINDOW > hi:
                    out.update(bucket.between(lo, hi))
                    lo = ts - COPY_WINDOW
                hi = ts + COPY_WINDOW
            out.update(bucket.between(lo, hi))
        return out

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
