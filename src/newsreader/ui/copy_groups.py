"""CopyGroups: which articles are copies of one another, for the main screen's headline folding.

`Library.copies` (the same link, or the same headline within two days, in any feed) is a few
dict lookups per article, but it needs the related index: asked before the index is built, it
would build it on the screen's thread (about a second at 25,000 articles). So folding starts
once the screen's index worker reports the index built, and the copy map is worked out once per
change of the articles (the first time by that worker), not per list fill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from newsreader.library import Library
from newsreader.models import Article


class CopyGroups:
    """The copies of every article while folding is on; read and unread go to all copies."""

    def __init__(self, library: Callable[[], Library], *, enabled: bool = True) -> None:
        self._library = library
        self.enabled = enabled
        self._built = -1  # the Library.revision whose related index is built
        self._copies: dict[str, list[str]] | None = None
        self.changes = 0  # bumped by `changed`: a map worked out before it is stale

    @property
    def ready(self) -> bool:
        """The related index of the articles in memory is built (a reload drops it)."""
        return self._built == self._library().revision

    def index_built(
        self, revision: int, copies: dict[str, list[str]] | None = None, changes: int = -1
    ) -> None:
        """The index worker built the index of `revision`, and maybe worked out `copies` when
        `changes` was the count of changes."""
        if revision == self._library().revision:
            self._built = revision
            self._copies = copies if changes == self.changes else None

    def changed(self) -> None:
        """Articles came, went or changed: work the copies out again when next asked."""
        self.changes += 1
        self._copies = None

    def copies(self) -> dict[str, list[str]]:
        """Article id -> the ids of its copies, for every article that has any; empty while
        folding is off or the index is not built yet."""
        if not self.enabled or not self.ready:
            return {}
        if self._copies is None:
            self._copies = self.work_out()
        return self._copies

    def work_out(self) -> dict[str, list[str]]:
        """Every article's copies, from the built index (~50 ms at 25,000 articles: the index
        worker does it once the index is built; after a change, the next list fill)."""
        lib = self._library()
        return {
            article.id: [c.id for c in found]
            for article in list(lib.articles.values())
            if (found := lib.copies(article))
        }

    def with_copies(self, articles: Iterable[Article]) -> list[Article]:
        """The articles and, while folding, every copy of them (in any feed), each once."""
        chosen = {a.id: a for a in articles}
        copies = self.copies()
        if not copies:
            return list(chosen.values())
        known = self._library().articles
        for article_id in list(chosen):
            for other in copies.get(article_id, ()):
                if other not in chosen and other in known:
                    chosen[other] = known[other]
        return list(chosen.values())
