"""Which panes the main screen shows, and how they share the terminal.

Three layouts by width, so the headline always gets the room:

- wide (160 columns and more): tags | headlines | article, side by side;
- stacked (100-159): tags | headlines over the article; a headline row spans the right side
  (at 120 columns a 60-character headline shows whole, beside its feed and time);
- narrow (below 100): one pane at a time, as in newsboat: the headlines; Enter opens the
  article over the whole screen, Esc or Backspace comes back; `h` shows the tags.

At any width `z` gives the article the whole screen (again, or Esc/Backspace: back), and `t`
hides or shows the tag pane. Backspace in a zoomed article first goes back through the related
stories followed from it, then leaves the zoom, as a browser's Back would.
The screen applies `classes()` to itself; newsreader.tcss says what each class does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NARROW_BELOW = 100
WIDE_FROM = 160


class Mode(StrEnum):
    NARROW = "narrow"
    STACKED = "stacked"
    WIDE = "wide"


class Pane(StrEnum):
    TAGS = "tags"
    HEADLINES = "headlines"
    ARTICLE = "article"


ORDER = (Pane.TAGS, Pane.HEADLINES, Pane.ARTICLE)


def mode_for(width: int) -> Mode:
    if width < NARROW_BELOW:
        return Mode.NARROW
    return Mode.STACKED if width < WIDE_FROM else Mode.WIDE


@dataclass(slots=True)
class Panes:
    mode: Mode = Mode.WIDE
    solo: Pane | None = None  # the one pane shown (narrow always; zoomed: the article)
    tags_hidden: bool = False
    follows: int = 0  # stories followed inside the zoomed article: Backspace retraces them

    @property
    def zoomed(self) -> bool:
        return self.solo is Pane.ARTICLE

    def resize(self, width: int) -> None:
        self.mode = mode_for(width)
        if self.mode is Mode.NARROW and self.solo is None:
            self.solo = Pane.HEADLINES
        elif self.mode is not Mode.NARROW and self.solo in (Pane.TAGS, Pane.HEADLINES):
            self.solo = None

    def zoom(self) -> None:
        self.solo, self.follows = Pane.ARTICLE, 0

    def unzoom(self) -> None:
        self.solo = Pane.HEADLINES if self.mode is Mode.NARROW else None
        self.follows = 0

    def show_only(self, pane: Pane) -> None:
        """Narrow: switch to `pane`; elsewhere only the article can have the screen."""
        if pane is Pane.ARTICLE:
            self.zoom()
        elif self.mode is Mode.NARROW:
            self.solo, self.follows = pane, 0
        else:
            self.unzoom()
            if pane is Pane.TAGS:
                self.tags_hidden = False

    def shown(self) -> list[Pane]:
        """The panes on screen, left to right (focus moves among these)."""
        if self.solo is not None:
            return [self.solo]
        return [p for p in ORDER if not (p is Pane.TAGS and self.tags_hidden)]

    def classes(self) -> dict[str, bool]:
        classes = {mode.value: self.mode is mode for mode in Mode}
        for pane in Pane:
            classes[f"solo-{pane.value}"] = self.solo is pane
        classes["no-tags"] = self.tags_hidden and self.solo is None
        return classes
