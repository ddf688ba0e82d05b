"""The article pane: one story laid out like a news page, the other feeds that reported it under
its date line, and its related stories below.

Every string from a feed reaches the screen as `Content` (never markup), and every link the
reader clicks goes through `sanitize.is_openable` before it is handed to the browser.

Why a little over 400 lines: the page's parts (page_parts.py, tag_row.py, related_box.py,
coverage.py) live apart; this is their layout and the keys that move between them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Markdown, OptionList

from newsreader.i18n import N_, _, translate_message
from newsreader.indexes.related import Related
from newsreader.models import EPOCH, Article, Enclosure
from newsreader.sanitize import is_openable, url_scheme
from newsreader.timefmt import long_time, short_time
from newsreader.ui.widgets.article_image import ArticleMarkdown, ImagePath
from newsreader.ui.widgets.chip_row import MUTED, click
from newsreader.ui.widgets.coverage import CoverageRow
from newsreader.ui.widgets.fast_markdown import FastMarkdown
from newsreader.ui.widgets.page_parts import (
    FAST_PATH_BLOCKS,
    FAST_PATH_CHARS,
    Part,
    estimate_blocks,
)
from newsreader.ui.widgets.related_box import RelatedBox, RelatedEntry
from newsreader.ui.widgets.tag_row import TagRow

TEASER_LINES = 2  # a related entry's teaser (feed title and lead) is cut to two lines


def _size(length: int) -> str:
    size = float(length)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class ArticleView(VerticalScroll, can_focus=True):
    """One article: kicker, headline, date line, also reported by, lead, body, source, tags,
    enclosures, related."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page_down_or_skip", "Page down", show=False, id="article_page_down"),
        # Past the end of the text, down goes on into the related stories.
        Binding("j,down", "down_or_related", "Scroll down", show=False, id="article_down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="article_up"),
        *(
            # Same ids as the main screen's digits, so one remapping moves both.
            Binding(
                str(n),
                f"choose_related({n})",
                N_("Open related story {n}").format(n=n),
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
        play: Callable[[Enclosure], None] | None = None,
        image_path: ImagePath | None = None,
        image_show: str = "auto",
        fast_path_chars: int = FAST_PATH_CHARS,
        fast_path_blocks: int = FAST_PATH_BLOCKS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self._open_url = open_url
        self._play = play
        self._image_path = image_path
        self._image_show = image_show
        self.fast_path_chars = fast_path_chars
        self.fast_path_blocks = fast_path_blocks
        self._article: Article | None = None
        self._enclosures: list[Enclosure] = []
        self._fast = False
        self._pending_updates = 0  # textual Markdown updates still mounting
        self._updates: set[asyncio.Future[Any]] = set()
        self._pending_scroll: float | None = None

    def compose(self) -> Iterable[Widget]:
        yield Part(Content(_("No article selected")), id="article-message")
        yield Part(id="article-kicker")
        yield Part(id="article-headline")
        yield Part(id="article-dateline")
        yield CoverageRow(id="article-coverage")
        yield Part(id="article-lead")
        yield ArticleMarkdown(
            id="article-body", image_path=self._image_path, image_show=self._image_show
        )
        yield FastMarkdown(id="article-body-fast")
        yield Part(id="article-source")
        yield TagRow(id="article-tags")
        yield Part(id="article-enclosures")
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
        self._part("article-headline").update(Content(article.headline or _("(no headline)")))

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
                _("Not opening {scheme} link").format(scheme=scheme)
                if scheme
                else _("Not opening this link"),
                severity="warning",
                markup=False,
            )

    def open_enclosure(self, index: int) -> None:
        if 0 <= index < len(self._enclosures):
            if self._play is not None:
                self._play(self._enclosures[index])  # the user's player for its type
            else:
                self.follow_link(self._enclosures[index].url)

    # ------------------------------------------------------------------ actions and events

    def action_page_down_or_skip(self) -> None:
        # At the bottom, space falls through to the screen (which moves to the next unread).
        if self.scroll_y >= self.max_scroll_y:
            raise SkipAction()
        self.scroll_page_down()

    def action_down_or_related(self) -> None:
        if self.scroll_y < self.max_scroll_y:
            self.scroll_down(animate=False)
        elif not self.go_to_related():
            raise SkipAction()

    def go_to_related(self) -> bool:
        """Focus the related stories, the first highlighted; False when there are none."""
        box = self.query_one(RelatedBox)
        if not box.entries or not box.display:
            return False
        box.highlighted = 0
        box.focus()
        box.scroll_to_highlight(top=False)
        return True

    @on(RelatedBox.Left)
    def _left_related(self, event: RelatedBox.Left) -> None:
        event.stop()
        self.focus()

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

    def _part(self, part_id: str) -> Part:
        return self.query_one(f"#{part_id}", Part)

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
        name = article.source or feed_title or _("Source")
        parts: list[Content | str | tuple[str, str | Style]] = [
            (_("Source: "), MUTED),
            (name, "bold"),
        ]
        if article.link:
            parts.append(("  ", ""))
            link = Content(article.link)
            if is_openable(article.link):
                link = link.stylize("underline").stylize(click("follow_link", article.link))
            parts.append(link)
        if article.extracted:
            again = _(" (fetching it again failed: {error})").format(
                error=translate_message(article.extract_error)
            )
            parts.append(
                (
                    "\n"
                    + _("Full text from the article's page")
                    + (again if article.extract_error else ""),
                    MUTED,
                )
            )
        elif article.extract_error:
            parts.append(
                (
                    "\n"
                    + _("Full text not fetched: {error} · T tries again").format(
                        error=translate_message(article.extract_error)
                    ),
                    MUTED,
                )
            )
        return Content.assemble(*parts)

    def _enclosure_lines(self) -> Content:
        lines: list[Content] = []
        for index, enclosure in enumerate(self._enclosures):
            kind = enclosure.type or _("file")
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
            (other.headline or _("(no headline)"), "bold"),
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
