"""FastMarkdown: a long article body as one rich renderable, drawn line by line.

Past FAST_PATH_CHARS or FAST_PATH_BLOCKS the article view uses this instead of textual's
Markdown widget (one widget per block: ~0.4 s for 150 blocks, ~2.7 s for 750; shared/FACTS.md).
Links become click actions checked by the article view (Relinker): no OSC 8 link reaches the
terminal."""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from newsreader.ui.widgets.page_parts import ForwardsClicks


class FastMarkdown(ForwardsClicks, Widget):
    """A long body: rich's Markdown rendered to lines once per width, then drawn line by line.

    One renderable instead of one widget per block, and only the visible lines are drawn: a
    100 KB article costs one rich render instead of seconds of mounting (shared/FACTS.md).
    """

    DEFAULT_CSS = """
    FastMarkdown { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._markdown: RichMarkdown | None = None
        self._source = ""
        self._key: tuple[int, RichStyle] | None = None
        self._strips: list[Strip] = []

    @property
    def source(self) -> str:
        return self._source

    @property
    def lines(self) -> list[str]:
        """The rendered text, line by line, at the current width (for tests and search)."""
        return [strip.text for strip in self._render_width(self.content_size.width)]

    def update(self, markdown: str) -> None:
        self._source = markdown
        self._markdown = RichMarkdown(markdown, hyperlinks=True) if markdown else None
        self._key = None
        self._strips = []
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._render_width(width))

    def render_line(self, y: int) -> Strip:
        strips = self._render_width(self.content_size.width)
        return strips[y] if 0 <= y < len(strips) else Strip.blank(self.content_size.width)

    def _render_width(self, width: int) -> list[Strip]:
        if self._markdown is None or width <= 0:
            return []
        base = self.rich_style
        key = (width, base)
        if key != self._key:
            options = self.app.console_options.update(width=width, height=None, highlight=False)
            lines = self.app.console.render_lines(self._markdown, options, pad=False)
            relink = Relinker()
            self._strips = [Strip(relink(line)).apply_style(base) for line in lines]
            self._key = key
        return self._strips


class Relinker:
    """Turns rich hyperlinks into click actions, so no OSC 8 link reaches the terminal and
    every click comes back to `ArticleView.follow_link` for checking."""

    def __init__(self) -> None:
        self._styles: dict[RichStyle, RichStyle] = {}

    def __call__(self, line: list[Segment]) -> list[Segment]:
        out = line
        for index, segment in enumerate(line):
            style = segment.style
            if style is None or not style.link:
                continue
            relinked = self._styles.get(style)
            if relinked is None:
                follow = RichStyle.from_meta({"@click": ("follow_link", (style.link,))})
                relinked = self._styles[style] = style.update_link(None) + follow
            if out is line:
                out = list(line)
            out[index] = Segment(segment.text, relinked, segment.control)
        return out
