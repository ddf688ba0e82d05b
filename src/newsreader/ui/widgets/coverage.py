"""CoverageRow: "Also reported by", the same story in other feeds, one chip per feed.

The reports come from `Library.coverage` (copies of the article first, then other reports of
the same event); each chip opens the first of them from its feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from newsreader.i18n import N_
from newsreader.models import Article
from newsreader.ui.widgets.chip_row import ChipRow


def one_per_feed(articles: Iterable[Article]) -> list[Article]:
    """The first article of each feed, in the given order."""
    seen: set[str] = set()
    out: list[Article] = []
    for article in articles:
        if article.feed_id not in seen:
            seen.add(article.feed_id)
            out.append(article)
    return out


class CoverageRow(ChipRow):
    """The feeds that also reported this story: left/right move, enter (or a click) opens."""

    # Same ids as the tag row's, so one remapping in [keys] moves both rows' keys.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous report", show=False, id="article_tag_previous"),
        Binding("right", "move(1)", "Next report", show=False, id="article_tag_next"),
        Binding("enter", "choose", "Open this report", show=False, id="article_tag_choose"),
    ]
    TITLE = N_("Also reported by: ")

    @dataclass
    class Chosen(Message):
        coverage_row: CoverageRow
        article_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ids: list[str] = []

    @property
    def article_ids(self) -> list[str]:
        return list(self._ids)

    def set_reports(self, articles: Iterable[Article], feed_title: Callable[[str], str]) -> None:
        reports = one_per_feed(articles)
        self._ids = [a.id for a in reports]
        self.set_labels(feed_title(a.feed_id) or a.source or "(untitled feed)" for a in reports)

    def chosen(self, index: int) -> None:
        self.post_message(self.Chosen(self, self._ids[index]))
