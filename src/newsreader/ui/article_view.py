"""The article pane: one story laid out like a news page, the other feeds that reported it under
its date line, and its related stories below.

Every string from a feed reaches the screen as `Content` (never markup), and every link the
reader clicks goes through `sanitize.is_openable` before it is handed to the browser.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, cast

from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import on
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from newsreader.models import EPOCH, Article, Enclosure
from newsreader.related import Related
from newsreader.sanitize import is_openable, url_scheme
from newsreader.timefmt import long_time, short_time
from newsreader.ui.chip_row import MUTED, ChipRow, click
from newsreader.ui.coverage import CoverageRow

# Past either limit the body is drawn by one rich renderable instead of one widget per block:
# textual's Markdown costs ~0.4 s for 150 blocks and ~2.7 s for 750 (FACTS.md).
FAST_PATH_CHARS = 12_000
FAST_PATH_BLOCKS = 40
TEASER_LINES = 2  # a related entry's teaser (feed title and lead) is cut to two lines
_BLOCK_START = re.compile(r"\n\n+|^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]", re.M)


def estimate_blocks(markdown: str) -> int:
    """About how many widgets textual's Markdown would mount for this text (paragraphs, items)."""
    return 1 + sum(1 for _ in _BLOCK_START.finditer(markdown)) if markdown else 0


def _size(length: int) -> str:
    size = float(length)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class _ForwardsClicks:
    """Click actions of the page's pieces, handed to the enclosing article view."""

    def _view(self) -> ArticleView | None:
        for node in self.ancestors:  # type: ignore[attr-defined]
            if isinstance(node, ArticleView):
                return node
        return None

    def action_follow_link(self, href: str) -> None:
        if (view := self._view()) is not None:
            view.follow_link(href)

    def action_open_enclosure(self, index: int) -> None:
        if (view := self._view()) is not None:
            view.open_enclosure(index)


class _Part(_ForwardsClicks, Static):
    """A piece of the page (kicker, headline, ...)."""


class FastMarkdown(_ForwardsClicks, Widget):
    """A long body: rich's Markdown rendered to lines once per width, then drawn line by line.

    One renderable instead of one widget per block, and only the visible lines are drawn: a
    100 KB article costs one rich render instead of seconds of mounting (FACTS.md).
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
            relink = _Relinker()
            self._strips = [Strip(relink(line)).apply_style(base) for line in lines]
            self._key = key
        return self._strips


class _Relinker:
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
    TITLE = "Tags "

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
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Related stories"
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


class ArticleView(VerticalScroll, can_focus=True):
    """One article: kicker, headline, date line, also reported by, lead, body, source, tags,
    enclosures, related."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page_down_or_skip", "Page down", show=False, id="article_page_down"),
        *(
            # Same ids as the main screen's digits, so one remapping moves both.
            Binding(
                str(n),
                f"choose_related({n})",
                f"Open related story {n}",
                show=False,
                id=f"related_{n}",
            )
            for n in range(1, 10)
        ),
    ]
    DEFAULT_CSS = """
    ArticleView {
        padding: 0 1;
        scrollbar-gutter: stable;  /* a scrollbar appearing must not re-wrap the whole body */
        & > Static { height: auto; width: 1fr; }
        & > #article-message { color: $text-muted; padding: 1 1; }
        & > #article-kicker { color: $accent; text-style: bold; margin: 1 0 0 0; }
        & > #article-headline { text-style: bold; padding: 0 0 1 0; }
        & > #article-dateline { color: $text-muted; }
        & > #article-lead {
            text-style: italic;
            background: $boost;
            border-left: thick $accent;
            padding: 0 1;
            margin: 1 0 0 0;
        }
        & > #article-body { padding: 0; margin: 1 0 0 0; }
        & > #article-body-fast { margin: 1 0 0 0; }
        & > #article-source { color: $text-muted; margin: 1 0 0 0; }
        & > #article-enclosures { margin: 1 0 0 0; }
    }
    """

    @dataclass
    class RelatedChosen(Message):
        """A related story or another feed's report was chosen (enter, click or its number)."""

        article_view: ArticleView
        article_id: str

        @property
        def control(self) -> ArticleView:
            return self.article_view

    @dataclass
    class TagChosen(Message):
        """One of the article's tags was chosen."""

        article_view: ArticleView
        tag: str

        @property
        def control(self) -> ArticleView:
            return self.article_view

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        open_url: Callable[[str], None],
        fast_path_chars: int = FAST_PATH_CHARS,
        fast_path_blocks: int = FAST_PATH_BLOCKS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self._open_url = open_url
        self.fast_path_chars = fast_path_chars
        self.fast_path_blocks = fast_path_blocks
        self._article: Article | None = None
        self._enclosures: list[Enclosure] = []
        self._fast = False
        self._pending_updates = 0  # textual Markdown updates still mounting
        self._updates: set[asyncio.Future[Any]] = set()
        self._pending_scroll: float | None = None

    def compose(self) -> Iterable[Widget]:
        yield _Part(Content("No article selected"), id="article-message")
        yield _Part(id="article-kicker")
        yield _Part(id="article-headline")
        yield _Part(id="article-dateline")
        yield CoverageRow(id="article-coverage")
        yield _Part(id="article-lead")
        yield Markdown(id="article-body", open_links=False)
        yield FastMarkdown(id="article-body-fast")
        yield _Part(id="article-source")
        yield TagRow(id="article-tags")
        yield _Part(id="article-enclosures")
        yield RelatedBox(id="article-related")

    def on_mount(self) -> None:
        self._show_only("article-message")

    # ------------------------------------------------------------------ public API

    @property
    def article_id(self) -> str | None:
        return None if self._article is None else self._article.id

    @property
    def fast_path(self) -> bool:
        """Whether the current body is drawn by the fast (single renderable) path."""
        return self._fast

    @property
    def is_rendering(self) -> bool:
        """True while textual's Markdown is still mounting the body's blocks."""
        return self._pending_updates > 0

    @property
    def related_ids(self) -> list[str]:
        return list(self.query_one(RelatedBox).article_ids)

    @property
    def coverage_ids(self) -> list[str]:
        """The reports under "Also reported by", one per feed."""
        return self.query_one(CoverageRow).article_ids

    def show_article(
        self,
        article: Article,
        *,
        feed_title: str,
        body_markdown: str,
        related: Sequence[tuple[Related, Article]],
        related_feed_title: Callable[[str], str],
        coverage: Sequence[Article] = (),
    ) -> None:
        """Lay out one article; quick (the Markdown is converted by the caller, in a worker).

        `coverage` is the same story in other feeds (`Library.coverage`): one chip per feed."""
        now = self._now()
        self._article = article
        self._enclosures = list(article.enclosures)
        self._pending_scroll = None
        shown = ["article-headline", "article-dateline", "article-source"]

        kicker = self._part("article-kicker")
        if article.kicker:
            kicker.update(Content(article.kicker.upper()))
            shown.append("article-kicker")
        self._part("article-headline").update(Content(article.headline or "(no headline)"))

        when = article.published if article.published > EPOCH else article.first_seen
        dateline = [long_time(when, now)]
        if feed_title:
            dateline.append(feed_title)
        if article.author:
            dateline.append(article.author)
        self._part("article-dateline").update(Content(" · ".join(dateline)))
        reports = self.query_one(CoverageRow)
        reports.set_reports(coverage, related_feed_title)
        if reports.article_ids:
            shown.append("article-coverage")

        if article.lead:
            self._part("article-lead").update(Content(article.lead))
            shown.append("article-lead")

        self._show_body(body_markdown, shown)
        self._part("article-source").update(self._source_line(article, feed_title))

        tags = self.query_one(TagRow)
        tags.set_tags(article.tags)
        if tags.tags:
            shown.append("article-tags")

        if self._enclosures:
            self._part("article-enclosures").update(self._enclosure_lines())
            shown.append("article-enclosures")

        self.query_one(RelatedBox).set_entries(
            [other.id for _rel, other in related],
            [
                self._related_entry(n, rel, other, related_feed_title, now)
                for n, (rel, other) in enumerate(related, 1)
            ],
        )
        if related:
            shown.append("article-related")

        self._show_only(*shown)
        self.scroll_home(animate=False, immediate=True)

    def show_message(self, text: str) -> None:
        """Show a placeholder line instead of an article ("No article selected", an error)."""
        self._article = None
        self._enclosures = []
        self._pending_scroll = None
        self._part("article-message").update(Content(text))
        self._clear_body()
        self.query_one(CoverageRow).set_reports((), str)
        self.query_one(RelatedBox).set_entries([], [])
        self._show_only("article-message")
        self.scroll_home(animate=False, immediate=True)

    def restore_scroll(self, y: float) -> None:
        """Scroll to `y` once the current body is laid out (for going back in history)."""
        self._pending_scroll = y
        if not self.is_rendering:
            self.call_after_refresh(self._apply_scroll)

    def choose_related(self, n: int) -> bool:
        """Choose related story number n (1-based); False when there is no such story."""
        ids = self.query_one(RelatedBox).article_ids
        if self._article is None or not 1 <= n <= len(ids):
            return False
        self.post_message(self.RelatedChosen(self, ids[n - 1]))
        return True

    def go_to_coverage(self) -> bool:
        """Focus "Also reported by", or move to its next feed when it has focus; False when no
        other feed reported this story."""
        reports = self.query_one(CoverageRow)
        if self._article is None or not reports.article_ids:
            return False
        if reports.has_focus:
            reports.action_move(1)
        else:
            # At once, not as `focus()` does (later): an Enter typed right after must reach it.
            self.screen.set_focus(reports)
            self.scroll_to_widget(reports, animate=False, immediate=True)
        return True

    def follow_link(self, href: str) -> None:
        """Open a link in the browser if it is http(s); otherwise say why not."""
        if is_openable(href):
            self._open_url(href)
        else:
            scheme = url_scheme(href)
            self.notify(
                f"Not opening {scheme} link" if scheme else "Not opening this link",
                severity="warning",
                markup=False,
            )

    def open_enclosure(self, index: int) -> None:
        if 0 <= index < len(self._enclosures):
            self.follow_link(self._enclosures[index].url)

    # ------------------------------------------------------------------ actions and events

    def action_page_down_or_skip(self) -> None:
        # At the bottom, space falls through to the screen (which moves to the next unread).
        if self.scroll_y >= self.max_scroll_y:
            raise SkipAction()
        self.scroll_page_down()

    def action_choose_related(self, n: int) -> None:
        if not self.choose_related(n):
            raise SkipAction()

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    @on(TagRow.Chosen)
    def _tag_chosen(self, event: TagRow.Chosen) -> None:
        event.stop()
        self.post_message(self.TagChosen(self, event.tag))

    @on(CoverageRow.Chosen)
    def _report_chosen(self, event: CoverageRow.Chosen) -> None:
        event.stop()
        self.post_message(self.RelatedChosen(self, event.article_id))

    @on(OptionList.OptionSelected, "#article-related")
    def _related_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose_related(event.option_index + 1)

    # ------------------------------------------------------------------ internals

    def _part(self, part_id: str) -> _Part:
        return self.query_one(f"#{part_id}", _Part)

    def _show_only(self, *part_ids: str) -> None:
        visible = set(part_ids)
        for child in self.children:
            child.display = child.id in visible

    def _use_fast_path(self, markdown: str) -> bool:
        if len(markdown) > self.fast_path_chars:
            return True
        return estimate_blocks(markdown) > self.fast_path_blocks

    def _show_body(self, markdown: str, shown: list[str]) -> None:
        body = self.query_one("#article-body", Markdown)
        fast = self.query_one(FastMarkdown)
        if not markdown.strip():
            self._clear_body()
            return
        if self._use_fast_path(markdown):
            fast.update(markdown)
            if body.source:
                self._update_markdown(body, "")
            self._fast = True
            shown.append("article-body-fast")
        else:
            self._update_markdown(body, markdown)
            fast.update("")
            self._fast = False
            shown.append("article-body")

    def _clear_body(self) -> None:
        body = self.query_one("#article-body", Markdown)
        if body.source:
            self._update_markdown(body, "")
        self.query_one(FastMarkdown).update("")
        self._fast = False

    def _update_markdown(self, body: Markdown, markdown: str) -> None:
        # Markdown.update mounts its blocks in the background; a pending scroll waits for it.
        self._pending_updates += 1
        update = asyncio.ensure_future(body.update(markdown))
        self._updates.add(update)
        update.add_done_callback(self._markdown_updated)

    def _markdown_updated(self, update: asyncio.Future[Any]) -> None:
        self._updates.discard(update)
        self._pending_updates -= 1
        if not update.cancelled() and (error := update.exception()) is not None:
            self.log.error(f"article body update failed: {error!r}")
        if not self._pending_updates and self._pending_scroll is not None and self.is_attached:
            self.call_after_refresh(self._apply_scroll)

    def _apply_scroll(self) -> None:
        if self._pending_scroll is None:
            return
        y, self._pending_scroll = self._pending_scroll, None
        self.scroll_to(y=y, animate=False, immediate=True)

    def _source_line(self, article: Article, feed_title: str) -> Content:
        name = article.source or feed_title or "Source"
        parts: list[Content | str | tuple[str, str | Style]] = [
            ("Source: ", MUTED),
            (name, "bold"),
        ]
        if article.link:
            parts.append(("  ", ""))
            link = Content(article.link)
            if is_openable(article.link):
                link = link.stylize("underline").stylize(click("follow_link", article.link))
            parts.append(link)
        return Content.assemble(*parts)

    def _enclosure_lines(self) -> Content:
        lines: list[Content] = []
        for index, enclosure in enumerate(self._enclosures):
            kind = enclosure.type or "file"
            info = [kind] + ([_size(enclosure.length)] if enclosure.length > 0 else [])
            url = Content(enclosure.url)
            if is_openable(enclosure.url):
                url = url.stylize("underline").stylize(click("open_enclosure", index))
            lines.append(Content.assemble(("▶ ", "$accent"), (" · ".join(info), "bold"), "  ", url))
        return Content("\n").join(lines)

    def _related_entry(
        self,
        n: int,
        rel: Related,
        other: Article,
        feed_title: Callable[[str], str],
        now: datetime,
    ) -> RelatedEntry:
        when = other.published if other.published > EPOCH else other.first_seen
        number = Content.styled(str(n) if n <= 9 else "", "bold $accent")
        head = Content.assemble(
            (short_time(when, now), MUTED),  # fixed width: headlines line up
            " ",
            (other.headline or "(no headline)", "bold"),
        )
        blocks: list[tuple[Content, int | None]] = [(head, None)]
        source = feed_title(other.feed_id)
        teaser = " ".join(other.lead.split())
        if teaser or source:
            sep = " · " if source and teaser else ""
            line = Content.assemble((source, f"italic {MUTED}"), (sep, MUTED), teaser)
            blocks.append((line, TEASER_LINES))
        if rel.reason:
            blocks.append((_reason(rel), None))
        return RelatedEntry(number, blocks)


def _reason(rel: Related) -> Content:
    """The engine's one reason line; "same story" stands out from a shared topic."""
    if rel.same_story:
        label, sep, rest = rel.reason.partition(": ")
        if sep:
            return Content.assemble((label, "bold $accent"), (sep + rest, MUTED))
    return Content.styled(rel.reason, MUTED)
