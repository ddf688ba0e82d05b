"""RelatedBox: the bordered "Related stories" box under an article, one RelatedEntry per story
(number, headline, date and feed, a two-line teaser, the engine's one reason line)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.i18n import _


class RelatedEntry(Visual):
    """One related story: its number in a gutter, then blocks of text with a hanging indent,
    each optionally cut to a number of lines (the teaser gets two)."""

    GUTTER = 3

    def __init__(self, number: Content, blocks: Sequence[tuple[Content, int | None]]) -> None:
        self.number = number
        self.blocks = list(blocks)

    @property
    def plain(self) -> str:
        return "\n".join([self.number.plain, *(block.plain for block, _ in self.blocks)])

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        widest = max(
            (b.get_optimal_width(rules, container_width) for b, _ in self.blocks), default=0
        )
        return self.GUTTER + widest

    def get_height(self, rules: RulesMap, width: int) -> int:
        inner = max(1, width - self.GUTTER)
        heights = [block.get_height(rules, inner) for block, _ in self.blocks]
        return sum(
            min(h, limit) if limit else h
            for h, (_, limit) in zip(heights, self.blocks, strict=True)
        )

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        inner = max(1, width - self.GUTTER)
        base = style.rich_style
        lines: list[Strip] = []
        for block, limit in self.blocks:
            strips = block.render_strips(inner, None, style, options)
            if limit and len(strips) > limit:
                last = strips[limit - 1].crop(0, inner - 1)
                strips = [*strips[: limit - 1], Strip.join([last, Strip([Segment("…", base)])])]
            lines.extend(strips)
        gutter = Strip.blank(self.GUTTER, base)
        number = self.number.render_strips(self.GUTTER, 1, style, options)
        first = number[0].crop_pad(self.GUTTER, 0, 0, base) if number else gutter
        return [Strip.join([first if y == 0 else gutter, line]) for y, line in enumerate(lines)]


class RelatedBox(OptionList):
    """The bordered "Related stories" box: up/down move, enter (or a click) chooses."""

    DEFAULT_CSS = """
    RelatedBox {
        height: auto;
        margin: 1 0 1 0;
        border: round $primary 60%;
        border-title-color: $accent;
        border-title-style: bold;
        padding: 0 1;
        /* OptionList caps itself at 100% and scrolls inside; the box is part of a scrolling
           page, so it is as tall as its entries. */
        max-height: initial;
        overflow-y: hidden;
        &:focus { border: round $accent; }
        /* Only the box with focus shows a highlighted story: what looks chosen is what Enter
           opens. */
        & > .option-list--option-highlighted {
            color: $foreground;
            background: transparent;
            text-style: none;
        }
        &:focus > .option-list--option-highlighted {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next related story", show=False, id="related_down"),
        Binding("k,up", "up_or_leave", "Previous related story", show=False, id="related_up"),
    ]

    class Left(Message):
        """Up from the first story: back to reading the article."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = _("Related stories")
        self.article_ids: list[str] = []
        self.entries: list[RelatedEntry] = []

    def set_entries(self, article_ids: Sequence[str], entries: Sequence[RelatedEntry]) -> None:
        self.article_ids = list(article_ids)
        self.entries = list(entries)
        options: list[Option | None] = []
        for entry in self.entries:
            if options:
                options.append(None)  # a rule between entries (option padding has no height)
            options.append(Option(entry))
        self.set_options(options)
        if self.entries:
            self.highlighted = 0

    def action_up_or_leave(self) -> None:
        if not self.highlighted:
            self.post_message(self.Left())
        else:
            self.action_cursor_up()

    def scroll_to_highlight(self, top: bool = False) -> None:
        # The box is as tall as its entries and never scrolls; the page around it does, and
        # only while the reader moves through the box.
        index = self.highlighted
        page = self.parent
        if index is None or not self.has_focus or not isinstance(page, Widget):
            return
        if not 0 <= index < len(self.entries):
            return
        width = self.scrollable_content_region.width
        rules = cast(RulesMap, self.styles)
        heights = [entry.get_height(rules, width) + 1 for entry in self.entries]
        y = self.virtual_region.y + self.styles.gutter.top + sum(heights[:index])
        page.scroll_to_region(
            Region(0, y, width, heights[index]), animate=False, immediate=True, top=top
        )
