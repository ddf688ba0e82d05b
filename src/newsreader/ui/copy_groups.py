"""CopyGroups: which articles share a headline row, for the main screen's folding.

Three modes, cycled with `F`: each *copy* of an article on its own row or not (the default folds
exact and near-identical copies: the same link, or the same headline within two days, in any
feed), and *stories*, where other feeds' reports of the same event fold into the row as well.

`Library.copies` needs the related index: asked before the index is built, it would build it on
the screen's thread (about a second at 25,000 articles). So folding starts once the screen's
index worker reports the index built (with the first copies map), and after every change of the
articles the map is worked out again in a worker (`needs_worker`); until it reports, the
previous map (or none) stands (it had been worked out on the screen's thread after every
refresh: 1.4 s at 25,000 articles of the bench corpus, whose headlines repeat). The copies map
(indexes/related/copies.py) works each article's copies out when the list asks; story groups
cost more (~1 s at 25,000 articles).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from newsreader.indexes.related import CopyMap
from newsreader.library import Library
from newsreader.models import Article


class Fold(StrEnum):
    """What shares a headline row; the value is the word the config file uses."""

    NONE = "none"
    COPIES = "copies"
    STORIES = "stories"

    def next(self) -> Fold:
        order = [Fold.COPIES, Fold.STORIES, Fold.NONE]
        return order[(order.index(self) + 1) % len(order)]


class CopyGroups:
    """The articles each article shares a row with in the current mode; read and unread go to
    the whole row."""

    def __init__(self, library: Callable[[], Library], *, mode: Fold = Fold.COPIES) -> None:
        self._library = library
        self.mode = mode
        self._built = -1  # the Library.revision whose related index is built
        self._copies: Mapping[str, list[str]] | None = None
        self._worked_for: tuple[Fold, int] | None = None  # (mode, changes) of `_copies`
        self.changes = 0  # bumped by `changed`: a map worked out before it is stale

    @property
    def enabled(self) -> bool:
        return self.mode is not Fold.NONE

    @property
    def ready(self) -> bool:
        """The related index of the articles in memory is built (a reload drops it)."""
        return self._built == self._library().revision

    @property
    def needs_worker(self) -> bool:
        """Folding is on and the map in hand is not for the articles now."""
        return self.enabled and self.ready and self._worked_for != (self.mode, self.changes)

    def index_built(
        self, revision: int, copies: Mapping[str, list[str]] | None = None, changes: int = -1
    ) -> None:
        """The index worker built the index of `revision`, and maybe worked out `copies` (in
        the copies mode) when `changes` was the count of changes."""
        if revision == self._library().revision:
            self._built = revision
            if copies is not None:
                self.adopt(Fold.COPIES, copies, changes)

    def adopt(self, mode: Fold, groups: Mapping[str, list[str]], changes: int) -> bool:
        """A worker's map for `mode` at `changes`; False (and ignored) when either moved on."""
        if mode is not self.mode or changes != self.changes:
            return False
        self._copies = groups
        self._worked_for = (mode, changes)
        return True

    def changed(self) -> None:
        """Articles came, went or changed: the groups are worked out again (in a worker); the
        map in hand stands until then (an article it names that is gone folds nothing)."""
        self.changes += 1

    def set_mode(self, mode: Fold) -> None:
        if mode is not self.mode:
            self.mode = mode
            self._copies = None
            self._worked_for = None

    def copies(self) -> Mapping[str, list[str]]:
        """Article id -> the ids it shares a row with, for every article that has any; empty
        while folding is off or the index is not built yet."""
        if not self.enabled or not self.ready:
            return {}
        return self._copies or {}

    def work_out(self, mode: Fold | None = None) -> Mapping[str, list[str]]:
        """Every article's row mates in `mode` (the current one by default), from the built
        index: the copies map 0.07 s at 25,000 articles (each article's copies worked out when
        the list asks), story groups ~1 s. A worker's job either way."""
        lib = self._library()
        mode = self.mode if mode is None else mode
        if mode is Fold.STORIES:
            return lib.story_groups()
        if mode is Fold.NONE:
            return {}
        return lib.copy_map()

    def with_copies(self, articles: Iterable[Article]) -> list[Article]:
        """The articles and, while folding, every article sharing their rows, each once."""
        chosen = {a.id: a for a in articles}
        copies = self.copies()
        if not copies:
            return list(chosen.values())
        known = self._library().articles
        if isinstance(copies, CopyMap):  # all at once (mark all read: every article of a view)
            for other in copies.with_mates(chosen):
                if other not in chosen and other in known:
                    chosen[other] = known[other]
            return list(chosen.values())
        for article_id in list(chosen):
            for other in copies.get(article_id, ()):
                if other not in chosen and other in known:
                    chosen[other] = known[other]
        return list(chosen.values())
