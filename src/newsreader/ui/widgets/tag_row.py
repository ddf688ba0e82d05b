"""TagRow: the article's tags as chips under the body; choosing one shows that tag's list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from newsreader.i18n import N_
from newsreader.ui.widgets.chip_row import ChipRow


class TagRow(ChipRow):
    """The article's tags as chips: left/right move, enter (or a click) chooses one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous tag", show=False, id="article_tag_previous"),
        Binding("right", "move(1)", "Next tag", show=False, id="article_tag_next"),
        Binding("enter", "choose", "Show this tag", show=False, id="article_tag_choose"),
    ]
    DEFAULT_CSS = """
    TagRow { margin: 1 0 0 0; }
    """
    TITLE = N_("Tags ")

    @dataclass
    class Chosen(Message):
        tag_row: TagRow
        tag: str

    @property
    def tags(self) -> list[str]:
        return self.labels

    def set_tags(self, tags: Iterable[str]) -> None:
        self.set_labels(t for t in tags if t.strip())

    def chip_text(self, label: str) -> str:
        return " #" + label.replace(" ", "\u00a0") + " "

    def chosen(self, index: int) -> None:
        self.post_message(self.Chosen(self, self.labels[index]))
