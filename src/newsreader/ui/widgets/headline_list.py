"""HeadlineList: the list of headlines, a line-API widget that stays smooth at 25,000+ rows.

ListView and OptionList cost seconds to fill at a few thousand rows (shared/FACTS.md); this
widget keeps only a list of Article objects and renders the handful of visible rows on demand.

Copies of one article (the same item in two feeds, `Library.copies`) can share one row: the
newest copy, with "(+n)" for the others. Folding is worked out once per fill, never per paint.

Why a little over 400 lines: a line-API widget draws, scrolls and moves its cursor itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader.models import Article
from newsreader.timefmt import short_time

UNREAD_MARK = "●"
STARRED_MARK = "★"
MARK_WIDTH = 3  # " ● "
TIME_WIDTH = 7  # short_time is 6 cells, plus a gap
FEED_WIDTH = 16
ELLIPSIS = "…"


def fit_cells(text: str, width: int) -> str:
    """`text` cut (with …) or padded to exactly `width` terminal cells; wide characters count 2."""
    if width <= 0:
        return ""
    if "\n" in text or "\t" in text:
        # Ingest keeps headlines on one line; a stray newline would still break the row.
        text = " ".join(text.split())
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    # set_cell_size pads with a space when a wide character straddles the cut: drop it.
    cut = set_cell_size(text, width - 1).rstrip() + ELLIPSIS
    return cut + " " * (width - cell_len(cut))


def _published(article: Article) -> datetime:
    return article.published


def fold_copies(
    articles: Sequence[Article], copies: Mapping[str, Sequence[str]]
) -> tuple[list[Article], dict[str, list[Article]]]:
    """One row per story: each group of copies in `articles` becomes its newest copy, at the
    place of the group's first. Returns the rows and, per folded row's article id, all the
    copies in it (newest first). `copies` maps an article id to the ids of its copies."""
    # Copying is symmetric, so only articles that have copies can meet one in the list.
    present = {a.id: a for a in articles if a.id in copies}
    if len(present) < 2:
        return list(articles), {}
    taken: set[str] = set()
    groups: dict[str, list[Article]] = {}
    lead: dict[str, Article] = {}  # first member in list order -> the row's article
    for article in present.values():
        if article.id in taken:
            continue
        members = [article]
        for other in copies[article.id]:
            found = present.get(other)
            if found is not None and other not in taken and found is not article:
                members.append(found)
        if len(members) < 2:
            continue
        taken.update(m.id for m in members)
        members.sort(key=_published, reverse=True)  # stable: equal times keep list order
        groups[members[0].id] = members
        # Its copies all come later in the list (copying is symmetric), so this is the first.
        lead[article.id] = members[0]
    if not groups:
        return list(articles), {}
    rows: list[Article] = []
    for article in articles:
        if article.id not in taken:
            rows.append(article)
        elif (shown := lead.get(article.id)) is not None:
            rows.append(shown)
    return rows, groups


def feed_column_width(width: int, one_feed: bool = False) -> int:
    """Cells for the feed title: none when every row is from one feed (the title says which),
    a fifth of the row up to 16 cells, less on very narrow panes: the headline gets the rest."""
    if one_feed:
        return 0
    rest = width - MARK_WIDTH - TIME_WIDTH
    if rest >= 24 + 9:
        return max(8, min(FEED_WIDTH, rest // 5))
    return max(0, min(FEED_WIDTH, rest // 3 - 1))


class HeadlineList(ScrollView, can_focus=True):
    """One row per article: mark, time, feed title, headline; a keyboard-driven cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous headline", show=False, id="headline_up"),
        Binding("down,j", "cursor_down", "Next headline", show=False, id="headline_down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="headline_page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="headline_page_down"),
        Binding("home", "cursor_first", "First headline", show=False, id="headline_first"),
        Binding("end", "cursor_last", "Last headline", show=False, id="headline_last"),
        Binding("enter", "select_cursor", "Open the headline", show=False, id="headline_select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-list--cursor",
        "headline-list--unread",
        "headline-list--mark",
        "headline-list--starred",
        "headline-list--time",
        "headline-list--feed",
        "headline-list--copies",
    }

    # The cursor sets no text-style: bold is kept as the "unread" signal even on the cursor row.
    DEFAULT_CSS = """
    HeadlineList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        & > .headline-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .headline-list--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
        & > .headline-list--unread {
            text-style: bold;
        }
        & > .headline-list--mark {
            color: $accent;
        }
        & > .headline-list--starred {
            color: $warning;
        }
        & > .headline-list--time {
            color: $text-muted;
        }
        & > .headline-list--feed {
            color: $text-muted;
        }
        & > .headline-list--copies {
            color: $text-muted;
        }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another row or article (debouncing is the receiver's job)."""

        headline_list: HeadlineList
        article_id: str | None
        row: int

        @property
        def control(self) -> HeadlineList:
            return self.headline_list

    @dataclass
    class Selected(Message):
        """Enter (or a double click) on a row."""

        headline_list: HeadlineList
        article_id: str
        row: int

        @property
        def control(self) -> HeadlineList:
            return self.headline_list

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        feed_title: Callable[[str], str],
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._now = now
        self._feed_title = feed_title
        self._articles: list[Article] = []  # every article, copies too, in list order
        self._shown: list[Article] = []  # one per row: with copies folded, fewer
        self._groups: dict[str, list[Article]] = {}  # a folded row's article id -> its copies
        self._row_map: dict[str, int] | None = {}  # article id (copies too) -> row; None: due
        self._cursor_row = 0
        self._paint_now: datetime | None = None
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._one_feed = False  # every row from one feed: no feed column

    # ------------------------------------------------------------------ queries

    @property
    def articles(self) -> Sequence[Article]:
        """Every article in the list, folded copies too, in list order."""
        return self._articles

    @property
    def rows(self) -> Sequence[Article]:
        """The article shown on each row (a folded row shows its newest copy)."""
        return self._shown

    @property
    def folded(self) -> bool:
        """Whether some row holds copies of one story."""
        return bool(self._groups)

    @property
    def cursor_row(self) -> int:
        return self._cursor_row

    @property
    def article_id(self) -> str | None:
        """The id of the article under the cursor (None when the list is empty)."""
        article = self.article_at(self._cursor_row)
        return None if article is None else article.id

    def article_at(self, row: int) -> Article | None:
        if 0 <= row < len(self._shown):
            return self._shown[row]
        return None

    def row_of(self, article_id: str) -> int | None:
        """The row showing the article (for a folded copy, the row of its story)."""
        return self._rows.get(article_id)

    @property
    def _rows(self) -> dict[str, int]:
        """Built on first use after the rows change, not by `set_articles`: 100,000 rows take
        ~30 ms, which the first paint need not wait for."""
        rows = self._row_map
        if rows is None:
            rows = {article.id: row for row, article in enumerate(self._shown)}
            for article_id, group in self._groups.items():
                row = rows[article_id]
                for member in group:
                    rows[member.id] = row
            self._row_map = rows
        return rows

    def copies_at(self, row: int) -> list[Article]:
        """The articles of a row: its copies when folded (newest first), else just its own."""
        article = self.article_at(row)
        if article is None:
            return []
        return list(self._groups.get(article.id, (article,)))

    def next_unread(self, forward: bool = True) -> int | None:
        """Row of the nearest unread row after (or before) the cursor; the cursor stays. A folded
        row is unread while any of its copies is."""
        count = len(self._shown)
        if forward:
            rows = range(self._cursor_row + 1, count)
        else:
            rows = range(min(self._cursor_row, count) - 1, -1, -1)
        for row in rows:
            if self._row_marks(self._shown[row])[0]:
                return row
        return None

    def _row_marks(self, article: Article) -> tuple[bool, bool, int]:
        """(unread, starred, other copies) of the row showing `article`."""
        group = self._groups.get(article.id)
        if group is None:
            return not article.read, article.starred, 0
        unread = any(not a.read for a in group)
        return unread, any(a.starred for a in group), len(group) - 1

    # ------------------------------------------------------------------ changes

    def set_articles(
        self,
        articles: Sequence[Article],
        *,
        keep_article: str | None = None,
        copies: Mapping[str, Sequence[str]] | None = None,
        quiet: bool = False,
    ) -> None:
        """Replace the rows; the cursor stays on `keep_article`, at the same place on screen.

        With `copies` (article id -> ids of its copies), the copies in the list share a row.
        `quiet`: the caller is placing the cursor itself, so no Highlighted is posted."""
        old_id = self.article_id
        old_screen_row = self._cursor_row - self.scroll_offset.y
        self._articles = list(articles)
        first = self._articles[0].feed_id if self._articles else ""
        self._one_feed = all(a.feed_id == first for a in self._articles)
        if copies:
            self._shown, self._groups = fold_copies(self._articles, copies)
        else:
            self._shown, self._groups = self._articles, {}
        self._row_map = None
        self._strips.clear()
        count = len(self._shown)
        self.virtual_size = Size(0, count)

        kept = self._rows.get(keep_article) if keep_article is not None else None
        self._cursor_row = kept if kept is not None else max(0, min(self._cursor_row, count - 1))
        height = self.scrollable_content_region.height
        if kept is not None and height > 0:
            top = max(0, min(kept - old_screen_row, count - height))
            self.scroll_to(y=top, animate=False)
        else:
            if height > 0:
                self.scroll_to(y=max(0, min(self.scroll_offset.y, count - height)), animate=False)
            self._reveal_cursor()
        self.refresh()
        # Folding the copies of the article under the cursor keeps the cursor on its story.
        if (
            not quiet
            and self.article_id != old_id
            and (old_id is None or self.row_of(old_id) != self._cursor_row)
        ):
            self._post_highlighted()

    def move_cursor(self, row: int, *, scroll: bool = True, quiet: bool = False) -> None:
        """Put the cursor on `row` (clamped); posts Highlighted when the row changes.

        `quiet` moves it without a Highlighted: the screen follows an article it already opened
        (history, related stories), and a late message must not open another one after it."""
        if not self._shown:
            return
        row = max(0, min(row, len(self._shown) - 1))
        old = self._cursor_row
        if row != old:
            self._cursor_row = row
            self.refresh_line(old)
            self.refresh_line(row)
        if scroll:
            self._reveal_cursor()
        if row != old and not quiet:
            self._post_highlighted()

    def select_article(self, article_id: str, *, quiet: bool = False) -> bool:
        """Move the cursor to the article; False when it is not in the list."""
        row = self._rows.get(article_id)
        if row is None:
            return False
        self.move_cursor(row, quiet=quiet)
        return True

    def refresh_all(self) -> None:
        """Repaint every row (many marks or feed titles changed)."""
        self._strips.clear()
        self.refresh()

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor_row + 1)

    def action_cursor_page_up(self) -> None:
        self._page(-1)

    def action_cursor_page_down(self) -> None:
        self._page(1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._shown) - 1)

    def action_select_cursor(self) -> None:
        article_id = self.article_id
        if article_id is not None:
            self.post_message(self.Selected(self, article_id, self._cursor_row))

    def _page(self, direction: int) -> None:
        # Page the view and the cursor together so the cursor keeps its place on screen.
        page = max(1, self.scrollable_content_region.height - 1)
        if self._shown and self.scrollable_content_region.height > 0:
            self.scroll_to(y=self.scroll_offset.y + direction * page, animate=False)
        self.move_cursor(self._cursor_row + direction * page)

    # ------------------------------------------------------------------ events

    async def _on_click(self, event: events.Click) -> None:
        # Textual also runs Widget._on_click (every handler in the MRO is dispatched).
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = self.scroll_offset.y + offset.y
        if row < len(self._shown):
            self.move_cursor(row)
            if event.chain == 2:
                self.action_select_cursor()

    def _on_resize(self, event: events.Resize) -> None:
        # Also the first layout: a cursor placed before it is revealed now.
        self._reveal_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _post_highlighted(self) -> None:
        self.post_message(self.Highlighted(self, self.article_id, self._cursor_row))

    def _reveal_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return  # not laid out yet: _on_resize calls again with the real height
        top = self.scroll_offset.y
        row = self._cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        # One clock reading per paint, so every row of a frame agrees on what "today" is.
        self._paint_now = self._now()
        try:
            return super().render_lines(crop)
        finally:
            self._paint_now = None

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if row >= len(self._shown) or width <= 0:
            return Strip.blank(width, self.get_visual_style().rich_style)
        return self._render_row(row, width)

    def _render_row(self, row: int, width: int) -> Strip:
        article = self._shown[row]
        now = self._paint_now or self._now()
        when = short_time(article.published, now)
        cursor = row == self._cursor_row
        unread, starred, copies = self._row_marks(article)
        key = (article.id, unread, starred, copies, cursor, self.has_focus, width, when)
        strip = self._strips.get(key)
        if strip is not None:
            return strip

        extra = ("headline-list--unread",) if unread else ()
        tail = ("headline-list--cursor",) if cursor else ()

        def style(*names: str) -> Style:
            return self.get_visual_style(*names, *extra, *tail).rich_style

        if starred:
            mark, mark_style = STARRED_MARK, style("headline-list--starred")
        elif unread:
            mark, mark_style = UNREAD_MARK, style("headline-list--mark")
        else:
            mark, mark_style = " ", style()
        base = style()
        feed_width = feed_column_width(width, self._one_feed)
        headline_width = width - MARK_WIDTH - TIME_WIDTH - (feed_width + 1 if feed_width else 0)
        segments = [
            Segment(" ", base),
            Segment(mark, mark_style),
            Segment(" ", base),
            Segment(fit_cells(when, TIME_WIDTH), style("headline-list--time")),
        ]
        if feed_width:
            title = self._feed_title(article.feed_id)
            segments.append(Segment(fit_cells(title, feed_width), style("headline-list--feed")))
            segments.append(Segment(" ", base))
        count = f" (+{copies})" if copies else ""
        if count and headline_width > len(count):
            # The count follows the headline and stays visible: the headline is cut instead.
            headline = fit_cells(article.headline, headline_width - len(count)).rstrip()
            segments.append(Segment(headline, base))
            segments.append(Segment(count, style("headline-list--copies")))
        elif headline_width > 0:
            segments.append(Segment(fit_cells(article.headline, headline_width), base))
        strip = Strip(segments).adjust_cell_length(width, base)
        self._strips[key] = strip
        return strip
