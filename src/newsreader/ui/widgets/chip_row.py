"""ChipRow: a focusable row of labelled chips (an article's tags, the feeds that also reported a
story); left/right move, enter or a click chooses one.

Labels come from feeds: they reach the screen only as `Content`, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Size
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from newsreader.i18n import _

# In a Content style `$text-muted` comes out full white (textual 8.2.8, measured in an SVG);
# `$foreground-muted` is a muted grey, near what CSS `color: $text-muted` gives.
MUTED = "$foreground-muted"
# A chip's index in its style's meta. Not an `@click` action: Textual paints those in its link
# colours (underlined $text), over the chip's own.
_CHIP = "chip_index"


def click(action: str, *params: Any) -> Style:
    """A click action in tuple form: its parameters never go through the action parser, so
    text from a feed can never become an action string."""
    return Style.from_meta({"@click": (action, params)})


class ChipRow(Widget, can_focus=True):
    """A title, then one chip per label; subclasses say what choosing a chip means."""

    DEFAULT_CSS = """
    ChipRow { height: auto; }
    """

    TITLE = ""
    TITLE_STYLE = MUTED

    cursor: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: list[str] = []

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def set_labels(self, labels: Iterable[str]) -> None:
        self._labels = list(labels)
        self.cursor = 0
        self.refresh(layout=True)

    def chip_text(self, label: str) -> str:
        """What a chip shows for a label (no-break spaces: one item; the row keeps it whole)."""
        return " " + label.replace(" ", "\u00a0") + " "

    def chosen(self, index: int) -> None:
        """Chip `index` was chosen (enter or a click)."""
        raise NotImplementedError

    def render(self) -> Content:
        return self._layout(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._layout(width).get_height(cast(RulesMap, self.styles), width)

    def _layout(self, width: int) -> Content:
        # Textual wraps at no-break spaces too, so a chip that does not fit the rest of a line
        # starts the next one here; only a chip wider than the whole row is broken.
        title = _(self.TITLE) if self.TITLE else ""  # marked with N_ where it is set
        parts: list[Content | str | tuple[str, str | Style]] = [(title, self.TITLE_STYLE)]
        x = cell_len(title)
        focused = self.has_focus
        for index, label in enumerate(self._labels):
            text = self.chip_text(label)
            size = cell_len(text)
            gap = 1 if index else 0  # the title ends with its own space
            if width > 0 and x > 0 and x + gap + size > width:
                parts.append("\n")
                x = gap = 0
            if gap:
                parts.append(" ")
            x += gap + size
            if index == self.cursor and focused:
                style = "$block-cursor-foreground on $block-cursor-background"
            elif index == self.cursor:
                style = "$accent underline on $boost"
            else:
                style = "$accent on $boost"
            parts.append(Content(text).stylize(style).stylize(Style.from_meta({_CHIP: index})))
        return Content.assemble(*parts)

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get(_CHIP)
        if isinstance(index, int):
            event.stop()
            self.action_choose(index)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        if self._labels:
            self.cursor = (self.cursor + step) % len(self._labels)

    def action_choose(self, index: int | None = None) -> None:
        if index is not None:
            if not 0 <= index < len(self._labels):
                return
            self.cursor = index
        if self._labels:
            self.chosen(self.cursor)
