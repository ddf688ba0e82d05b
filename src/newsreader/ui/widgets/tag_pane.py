"""The left pane: the views (all, unread, starred, a search), the tags and the feeds.

The user's own tags (those on some feed) come first. The categories the feeds bring (the
Guardian alone ~150) follow in a section of their own, busiest first, folded after the top
TOPICS_FOLDED: a cache can hold tens of thousands of them, and the pane is rebuilt on every read
mark (unfolded, 30,000 rows took 1.2-2 s a rebuild; see bench/tag_pane_bench.py).

Why a little over 400 lines: the sections, the fold and keeping the highlighted row in place
on a rebuild are one widget's drawing.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.styles import RulesMap
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.i18n import N_, _
from newsreader.library import TagCount
from newsreader.models import Feed, tag_key
from newsreader.views import View, ViewKind

SortBy = Literal["name", "count"]

CURRENT_MARK = "▸"
ERROR_MARK = "!"


class _Row(Visual):
    """One view: a mark column, the label (truncated with …) and a right-aligned count.

    A Visual rather than a padded Content so the count stays right-aligned at any pane width
    without rebuilding the prompts on every resize.
    """

    def __init__(self, mark: Content, label: Content, suffix: Content) -> None:
        self.mark = mark
        self.label = label
        self.suffix = suffix

    def _fit(self, width: int) -> Content:
        label_width = width - self.mark.cell_length - self.suffix.cell_length
        if label_width < 1:
            return Content.assemble(self.mark, self.label, self.suffix).truncate(width)
        label = self.label.truncate(label_width, ellipsis=True, pad=True)
        return Content.assemble(self.mark, label, self.suffix)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self._fit(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.mark.cell_length + self.label.cell_length + self.suffix.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1

    @property
    def plain(self) -> str:
        return f"{self.mark.plain}{self.label.plain}{self.suffix.plain}"


@dataclass(frozen=True, slots=True)
class _Spec:
    label: Content
    count: int | None
    bold: bool = False  # has unread articles
    failing: bool = False


@dataclass(frozen=True, slots=True)
class _Fold:
    """A row that shows more or fewer topics; not a view."""

    id: str
    label: str


TOPICS_FOLDED = 20  # topics shown before "… N more"
TOPICS_STEP = 100  # how many more each Enter on "… N more" shows
MORE = "fold:more"
FEWER = "fold:fewer"
USER_HEADER = N_("Tags")
QUERIES_HEADER = N_("Saved searches")
TOPICS_HEADER = N_("Topics from feeds")

_RowSpec = tuple[str, _Spec] | _Fold | str  # a view, a fold row, or a section header


def _busiest(tc: TagCount) -> tuple[int, int, str, str]:
    return (-tc.unread, -tc.total, tc.tag.casefold(), tc.tag)


class TagPane(OptionList):
    """Views, tags and feeds; Enter or a click chooses one (ViewChosen), moving only highlights.

    A view's row id is its `View.key` ("all", "tag:<tag>", "feed:<feed id>", ...). The fold
    rows ("fold:more", "fold:fewer") show more or fewer topics on Enter.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="tag_pane_down"),
        Binding("k", "cursor_up", "Up", show=False, id="tag_pane_up"),
        Binding("S", "sort_tags", "Sort tags", show=False, id="sort_tags"),
        Binding("f", "toggle_feeds", "Feeds", show=False, id="toggle_feeds"),
    ]

    DEFAULT_CSS = """
    TagPane {
        height: 1fr;
        max-height: 100%;
    }
    """

    @dataclass
    class ViewChosen(Message):
        """Enter or a click on a view."""

        tag_pane: TagPane
        view: View

        @property
        def control(self) -> TagPane:
            return self.tag_pane

    sort_by: reactive[SortBy] = reactive[SortBy]("name")
    show_feeds: reactive[bool] = reactive(True)

    def __init__(
        self,
        *,
        sort_by: SortBy = "name",
        show_feeds: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, markup=False)
        self.set_reactive(TagPane.sort_by, sort_by)
        self.set_reactive(TagPane.show_feeds, show_feeds)
        self._view = View.ALL
        self._all_count = 0
        self._unread_count = 0
        self._starred_count = 0
        self._tags: dict[str, TagCount] = {}  # tag_key -> its count, the first spelling
        self._user_tags: list[TagCount] = []
        self._topics: list[TagCount] = []
        self._ranked: list[TagCount] | None = None  # the busiest topics, computed as needed
        self._topics_shown = TOPICS_FOLDED
        self._feeds: list[tuple[Feed, int]] = []
        self._search: str | None = None
        self._search_count: int | None = None
        self._queries: list[tuple[str, int | None]] = []  # saved searches: name, unread
        self._specs: dict[str, _Spec] = {}
        self._line_of: dict[str, int] = {}  # row id -> its line, to keep it in place on screen
        self._layout: list[str] | None = None  # the row ids (and headings) of the last rebuild
        self._hidden_topics = 0
        self._rebuild()

    # ------------------------------------------------------------------ data

    def set_data(
        self,
        *,
        all_count: int,
        unread_count: int,
        starred_count: int,
        tags: Sequence[TagCount],
        feeds: Sequence[tuple[Feed, int]],
        search: str | None = None,
        search_count: int | None = None,
        queries: Sequence[tuple[str, int | None]] = (),
    ) -> None:
        """Replace the rows; the highlighted view stays highlighted (and in place) if present.

        Tags with `user` set are the user's own; the others are the feeds' topics.
        """
        self._all_count = all_count
        self._unread_count = unread_count
        self._starred_count = starred_count
        self._tags = {}
        self._user_tags = []
        self._topics = []
        for tc in tags:
            key = tc.key or tag_key(tc.tag)
            # Two spellings of one tag would be two options with one id.
            if key not in self._tags:
                self._tags[key] = tc
                (self._user_tags if tc.user else self._topics).append(tc)
        self._ranked = None
        self._feeds = list(feeds)
        self._search = search or None
        self._search_count = search_count
        self._queries = list(queries)
        self._rebuild()

    @property
    def view(self) -> View:
        """The chosen view (what the headlines show), marked with ▸."""
        return self._view

    @property
    def highlighted_view(self) -> str | None:
        """The id of the highlighted row: a view's key, or a fold row's id."""
        option = self.highlighted_option
        return None if option is None else option.id

    @property
    def views(self) -> list[View]:
        """Every view shown, in display order."""
        return [
            View.from_key(o.id) for o in self.options if o.id is not None and o.id in self._specs
        ]

    @property
    def hidden_topics(self) -> int:
        """How many topics the fold hides."""
        return self._hidden_topics

    def select_view(self, view: View) -> bool:
        """Highlight `view` and mark it chosen, without posting ViewChosen; False if absent.

        Tags match case-insensitively: an article's "politics" selects the pane's "Politics".
        A folded topic is shown below the others while it is the chosen view.
        """
        if view.key not in self._specs and view.kind is ViewKind.TAG:
            tc = self._tags.get(tag_key(view.value))
            if tc is None:
                return False
            view = View.tag(tc.tag)
            if view.key not in self._specs:
                self._view = view
                self._rebuild(focus=view.key)
                return True
        if view.key not in self._specs:
            return False
        self.highlighted = self.get_option_index(view.key)
        self._set_view(view)
        return True

    def expand_topics(self) -> None:
        """Show TOPICS_STEP more topics, the highlight on the first of them."""
        before = self._topics_shown
        self._topics_shown += TOPICS_STEP
        ranked = self._top_topics()
        self._rebuild(focus=View.tag(ranked[before].tag).key if before < len(ranked) else None)

    def fold_topics(self) -> None:
        """Back to the busiest TOPICS_FOLDED topics."""
        self._topics_shown = TOPICS_FOLDED
        self._rebuild(focus=MORE)

    # ------------------------------------------------------------------ actions

    def action_sort_tags(self) -> None:
        self.sort_by = "count" if self.sort_by == "name" else "name"

    def action_toggle_feeds(self) -> None:
        self.show_feeds = not self.show_feeds

    def watch_sort_by(self) -> None:
        self._rebuild()

    def watch_show_feeds(self) -> None:
        self._rebuild()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id == MORE:
            self.expand_topics()
        elif event.option_id == FEWER:
            self.fold_topics()
        elif event.option_id is not None:
            view = View.from_key(event.option_id)
            self._set_view(view)
            self.post_message(self.ViewChosen(self, view))

    # ------------------------------------------------------------------ rows

    def _set_view(self, view: View) -> None:
        old, self._view = self._view, view
        for changed in {old.key, view.key}:
            if changed in self._specs:
                self.replace_option_prompt(changed, self._row(changed, self._specs[changed]))

    def _row(self, key: str, spec: _Spec) -> _Row:
        mark = (
            Content.styled(f"{CURRENT_MARK} ", "$accent bold")
            if key == self._view.key
            else Content("  ")
        )
        label = spec.label.stylize("bold") if spec.bold else spec.label
        parts: list[str | tuple[str, str]] = []
        if spec.failing:
            parts.append((f" {ERROR_MARK}", "$error bold"))
        if spec.count:
            parts.append((f" {spec.count}", "bold" if spec.bold else ""))
        return _Row(mark, label, Content.assemble(*parts))

    def _top_topics(self) -> list[TagCount]:
        """The busiest topics, as many as are shown (a partial sort: most are never shown)."""
        wanted = min(self._topics_shown, len(self._topics))
        if self._ranked is None or len(self._ranked) < wanted:
            self._ranked = heapq.nsmallest(self._topics_shown, self._topics, key=_busiest)
        return self._ranked[:wanted]

    def _sorted_user_tags(self) -> list[TagCount]:
        if self.sort_by == "count":
            return sorted(self._user_tags, key=_busiest)
        return sorted(self._user_tags, key=lambda t: tag_key(t.tag))

    def _sorted_feeds(self) -> list[tuple[Feed, int]]:
        if self.sort_by == "count":
            return sorted(self._feeds, key=lambda p: (-p[1], p[0].display_title.casefold()))
        return sorted(self._feeds, key=lambda p: (p[0].display_title.casefold(), p[0].id))

    @staticmethod
    def _tag_row(tc: TagCount) -> tuple[str, _Spec]:
        return View.tag(tc.tag).key, _Spec(Content(tc.tag), tc.unread, bold=tc.unread > 0)

    def _topic_rows(self) -> list[_RowSpec]:
        """The busiest topics, the chosen one if folded away, and the fold rows."""
        top = self._top_topics()
        rows: list[_RowSpec] = [self._tag_row(tc) for tc in top]
        shown = {View.tag(tc.tag).key for tc in top}
        if self._view.kind is ViewKind.TAG and self._view.key not in shown:
            chosen = self._tags.get(tag_key(self._view.value))
            if chosen is not None and not chosen.user:
                rows.append(self._tag_row(chosen))
                shown.add(self._view.key)
        self._hidden_topics = len(self._topics) - len(shown)
        if self._hidden_topics > 0:
            rows.append(_Fold(MORE, _("… {count} more").format(count=f"{self._hidden_topics:,}")))
        if self._topics_shown > TOPICS_FOLDED and len(self._topics) > TOPICS_FOLDED:
            rows.append(_Fold(FEWER, _("… fewer")))
        return rows

    def _build_specs(self) -> list[_RowSpec]:
        """Rows in order: (view, spec) pairs, fold rows, or a header title."""
        rows: list[_RowSpec] = [
            (View.ALL.key, _Spec(Content(_("All articles")), self._all_count)),
            (View.UNREAD.key, _Spec(Content(_("Unread")), self._unread_count)),
            (View.STARRED.key, _Spec(Content(_("Starred")), self._starred_count)),
        ]
        if self._search:
            label = Content.assemble((_("Search: "), "italic"), self._search)
            rows.append((View.search(self._search).key, _Spec(label, self._search_count)))
        if self._queries:
            rows.append(_(QUERIES_HEADER))
            rows.extend(
                (View.query(name).key, _Spec(Content(name), unread, bold=bool(unread)))
                for name, unread in self._queries
            )
        if self._user_tags:
            rows.append(_(USER_HEADER))
            rows.extend(self._tag_row(tc) for tc in self._sorted_user_tags())
        if self._topics:
            rows.append(_(TOPICS_HEADER))
            rows.extend(self._topic_rows())
        if self.show_feeds and self._feeds:
            rows.append(_("Feeds"))
            rows.extend(
                (
                    View.feed(feed.id).key,
                    _Spec(
                        Content(feed.display_title),
                        unread,
                        bold=unread > 0,
                        failing=bool(feed.last_error) or feed.gone,
                    ),
                )
                for feed, unread in self._sorted_feeds()
            )
        return rows

    def _rebuild(self, focus: str | None = None) -> None:
        self._hidden_topics = 0  # _topic_rows counts them, when topics are listed
        rows = list(self._build_specs())
        layout = [
            r if isinstance(r, str) else f"{r.id}\0{r.label}" if isinstance(r, _Fold) else r[0]
            for r in rows
        ]
        if focus is None and layout == self._layout:
            # The same rows in the same order (a mark changed some counts): replace the prompts
            # that changed. Rebuilding 2,000 feed rows per key press cost ~150 ms.
            for row in rows:
                if isinstance(row, tuple) and self._specs.get(row[0]) != row[1]:
                    self._specs[row[0]] = row[1]
                    self.replace_option_prompt(row[0], self._row(row[0], row[1]))
            return
        self._layout = layout
        keep = self.highlighted_view
        old_line = self._line_of.get(keep) if keep is not None else None
        old_y = self.scroll_y
        self._specs = {}
        self._line_of = {}
        options: list[Option | None] = []
        line = 0
        for row in rows:
            if isinstance(row, str):
                options.append(None)  # a rule under the previous row
                options.append(Option(Content.styled(row, "bold"), disabled=True))
                line += 2
                continue
            if isinstance(row, _Fold):
                row_id, label = row.id, Content.styled(row.label, "italic $text-muted")
                options.append(Option(_Row(Content("  "), label, Content("")), id=row_id))
            else:
                row_id, spec = row
                self._specs[row_id] = spec
                options.append(Option(self._row(row_id, spec), id=row_id))
            self._line_of[row_id] = line
            line += 1
        target = next(
            t
            for t in (focus, keep, self._view.key, View.ALL.key)
            if t is not None and t in self._line_of
        )
        if target == keep and old_line is not None:
            # Rows added or removed above must not move the highlighted row on screen.
            old_y += self._line_of[target] - old_line
        # A rebuild is not the user moving the cursor.
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            self.scroll_y = max(0, old_y)
            self.highlighted = self.get_option_index(target)
