"""The left pane: the views (all, unread, starred, a search), the tags and the feeds."""

from __future__ import annotations

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

from newsreader.library import TagCount
from newsreader.models import Feed, tag_key

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


class TagPane(OptionList):
    """Views, tags and feeds; Enter or a click chooses one (ViewChosen), moving only highlights.

    View ids: "all", "unread", "starred", "search:<query>", "tag:<tag>", "feed:<feed id>".
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
        view: str

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
        self._view = "all"
        self._all_count = 0
        self._unread_count = 0
        self._starred_count = 0
        self._tags: list[TagCount] = []
        self._feeds: list[tuple[Feed, int]] = []
        self._search: str | None = None
        self._search_count: int | None = None
        self._specs: dict[str, _Spec] = {}
        self._line_of: dict[str, int] = {}  # view -> its line, to keep it in place on screen
        self._tag_views: dict[str, str] = {}  # tag_key -> the view of that tag
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
    ) -> None:
        """Replace the rows; the highlighted view stays highlighted (and in place) if present."""
        self._all_count = all_count
        self._unread_count = unread_count
        self._starred_count = starred_count
        self._tags = list(tags)
        self._feeds = list(feeds)
        self._search = search or None
        self._search_count = search_count
        self._rebuild()

    @property
    def view(self) -> str:
        """The chosen view (what the headlines show), marked with ▸."""
        return self._view

    @property
    def highlighted_view(self) -> str | None:
        option = self.highlighted_option
        return None if option is None else option.id

    @property
    def views(self) -> list[str]:
        """Every view in display order."""
        return [o.id for o in self.options if o.id is not None]

    def select_view(self, view: str) -> bool:
        """Highlight `view` and mark it chosen, without posting ViewChosen; False if absent.

        Tags match case-insensitively: an article's "politics" selects the pane's "Politics".
        """
        if view not in self._specs and view.startswith("tag:"):
            view = self._tag_views.get(tag_key(view[4:]), view)
        if view not in self._specs:
            return False
        self.highlighted = self.get_option_index(view)
        self._set_view(view)
        return True

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
        if event.option_id is None:
            return
        self._set_view(event.option_id)
        self.post_message(self.ViewChosen(self, event.option_id))

    # ------------------------------------------------------------------ rows

    def _set_view(self, view: str) -> None:
        old, self._view = self._view, view
        for changed in {old, view}:
            if changed in self._specs:
                self.replace_option_prompt(changed, self._row(changed, self._specs[changed]))

    def _row(self, view: str, spec: _Spec) -> _Row:
        mark = (
            Content.styled(f"{CURRENT_MARK} ", "$accent bold")
            if view == self._view
            else Content("  ")
        )
        label = spec.label.stylize("bold") if spec.bold else spec.label
        parts: list[str | tuple[str, str]] = []
        if spec.failing:
            parts.append((f" {ERROR_MARK}", "$error bold"))
        if spec.count:
            parts.append((f" {spec.count}", "bold" if spec.bold else ""))
        return _Row(mark, label, Content.assemble(*parts))

    def _sorted_tags(self) -> list[TagCount]:
        seen: set[str] = set()
        unique = []
        for tc in self._tags:
            # Two spellings of one tag would be two options with one id.
            if tag_key(tc.tag) not in seen:
                seen.add(tag_key(tc.tag))
                unique.append(tc)
        if self.sort_by == "count":
            return sorted(unique, key=lambda t: (-t.unread, -t.total, tag_key(t.tag)))
        return sorted(unique, key=lambda t: tag_key(t.tag))

    def _sorted_feeds(self) -> list[tuple[Feed, int]]:
        if self.sort_by == "count":
            return sorted(self._feeds, key=lambda p: (-p[1], p[0].display_title.casefold()))
        return sorted(self._feeds, key=lambda p: (p[0].display_title.casefold(), p[0].id))

    def _build_specs(self) -> list[tuple[str, _Spec] | str]:
        """Rows in order: (view, spec) pairs, or a header title."""
        rows: list[tuple[str, _Spec] | str] = [
            ("all", _Spec(Content("All articles"), self._all_count)),
            ("unread", _Spec(Content("Unread"), self._unread_count)),
            ("starred", _Spec(Content("Starred"), self._starred_count)),
        ]
        if self._search:
            label = Content.assemble(("Search: ", "italic"), self._search)
            rows.append((f"search:{self._search}", _Spec(label, self._search_count)))
        tags = self._sorted_tags()
        if tags:
            rows.append("Tags")
            rows.extend(
                (f"tag:{tc.tag}", _Spec(Content(tc.tag), tc.unread, bold=tc.unread > 0))
                for tc in tags
            )
        if self.show_feeds and self._feeds:
            rows.append("Feeds")
            rows.extend(
                (
                    f"feed:{feed.id}",
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

    def _rebuild(self) -> None:
        keep = self.highlighted_view
        old_line = self._line_of.get(keep) if keep is not None else None
        old_y = self.scroll_y
        self._specs = {}
        self._line_of = {}
        self._tag_views = {}
        options: list[Option | None] = []
        line = 0
        for row in self._build_specs():
            if isinstance(row, str):
                options.append(None)  # a rule under the previous row
                options.append(Option(Content.styled(row, "bold"), disabled=True))
                line += 2
                continue
            view, spec = row
            self._specs[view] = spec
            if view.startswith("tag:"):
                self._tag_views[tag_key(view[4:])] = view
            self._line_of[view] = line
            options.append(Option(self._row(view, spec), id=view))
            line += 1
        target = next(t for t in (keep, self._view, "all") if t is not None and t in self._specs)
        if target == keep and old_line is not None:
            # Rows added or removed above must not move the highlighted row on screen.
            old_y += self._line_of[target] - old_line
        # A rebuild is not the user moving the cursor.
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            self.scroll_y = max(0, old_y)
            self.highlighted = self.get_option_index(target)
