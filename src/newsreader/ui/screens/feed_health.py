"""Feed health: each feed's last error or status, failing feeds first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.style import Style as RichStyle
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from newsreader.i18n import N_, _, translate_message
from newsreader.models import Feed
from newsreader.timefmt import long_time

# Rank of a feed's state: failing first, then warnings, then never fetched, then fine.
FAILING, WARNING, UNFETCHED, OK = range(4)


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """One sync account as the screen shows it (sync/state.py: the last sync and its error)."""

    name: str
    kind: str
    last_sync: datetime | None
    last_error: str


def feed_state(feed: Feed) -> tuple[int, str]:
    """The feed's rank and its one-line status."""
    if feed.account:  # its articles come from the account's server: the account says how
        return OK, _("Synced with the account {account}").format(account=feed.account)
    if feed.last_error:
        return FAILING, translate_message(feed.last_error)
    if feed.gone:
        return FAILING, _("Gone: the server says this feed was removed")
    if feed.warning:
        return WARNING, translate_message(feed.warning)
    if feed.last_fetched is None:
        return UNFETCHED, _("Not fetched yet")
    return OK, _("OK")


def health_order(feeds: Sequence[Feed]) -> list[Feed]:
    """Failing feeds first, then warnings, unfetched and healthy ones; by title within each."""
    return sorted(feeds, key=lambda f: (feed_state(f)[0], f.display_title.casefold(), f.id))


class _HealthTable(DataTable[Text]):
    """Rows of feeds: j/k move like the lists, home/end go to the first/last feed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", N_("Down"), show=False, id="health_down"),
        Binding("k", "cursor_up", N_("Up"), show=False, id="health_up"),
        Binding("home", "scroll_top", N_("First"), show=False, id="health_first"),
        Binding("end", "scroll_bottom", N_("Last"), show=False, id="health_last"),
    ]


class FeedHealthScreen(ModalScreen[str | None]):
    """A table of feeds and their errors; Enter dismisses with the feed id, escape with None.

    The line under the table shows the highlighted feed's title, URL and whole status.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", N_("Close"), id="close_feed_health"),
        Binding("t", "cycle_full_text", N_("Full text"), id="feed_full_text"),
    ]

    def __init__(
        self,
        feeds: Sequence[Feed],
        *,
        now: Callable[[], datetime],
        full_text: Callable[[Feed], str] = lambda feed: feed.full_text,
        set_full_text: Callable[[Feed, str], object] | None = None,
        accounts: Sequence[AccountHealth] = (),
    ) -> None:
        """`full_text(feed)` says what the feed does ("auto", "never (config)"...);
        `set_full_text(feed, mode)` stores a feed's own choice ("" for the config's)."""
        super().__init__()
        self.feeds = health_order(feeds)
        self._by_id = {f.id: f for f in self.feeds}
        self._now = now
        self._full_text = full_text
        self._set_full_text = set_full_text
        self.accounts = list(accounts)

    def compose(self) -> ComposeResult:
        failing = sum(feed_state(f)[0] == FAILING for f in self.feeds)
        title = _("Feed health: {failing} of {count} feeds failing").format(
            failing=failing, count=len(self.feeds)
        )
        with Vertical(id="health-box"):
            yield Static(Content(title), id="health-title")
            if self.accounts:
                yield Static(self._accounts_line(), id="health-accounts")
            yield _HealthTable(cursor_type="row", zebra_stripes=True, id="health-table")
            yield Static(Content(""), id="health-detail")

    def _accounts_line(self) -> Content:
        """One line per sync account: when it last synced, or its last error (in red)."""
        now = self._now()
        parts: list[Content] = []
        for a in self.accounts:
            when = long_time(a.last_sync, now) if a.last_sync else _("never synced")
            head = Content.assemble((a.name, "bold"), f" ({a.kind}) · ")
            if a.last_error:
                error = translate_message(a.last_error)
                line = (
                    _("last sync {when} · error: {error}").format(when=when, error=error)
                    if a.last_sync
                    else _("never synced · error: {error}").format(error=error)
                )
                parts.append(Content.assemble(head, (line, "$error")))
            else:
                parts.append(Content.assemble(head, _("synced {when}").format(when=when)))
        return Content("\n").join(parts)

    def _theme_style(self, name: str) -> RichStyle:
        # DataTable cells are Rich renderables, which cannot use $variables: resolve the theme's.
        value = self.app.get_css_variables().get(name)
        try:
            color = Color.parse(value).rich_color if value else None
        except ColorParseError:
            color = None
        return RichStyle(color=color, bold=True)

    def on_mount(self) -> None:
        table = self.query_one(_HealthTable)
        table.add_column(_("Feed"), key="feed", width=30)
        table.add_column("HTTP", key="http")
        table.add_column(_("When"), key="when")
        table.add_column(_("Full text"), key="full_text")
        table.add_column(_("Status"), key="status")  # last: errors can be long
        styles = {
            FAILING: self._theme_style("error"),
            WARNING: self._theme_style("warning"),
            UNFETCHED: RichStyle(dim=True),
            OK: RichStyle(),
        }
        now = self._now()
        for feed in self.feeds:
            rank, status = feed_state(feed)
            when = feed.error_at if rank == FAILING and feed.error_at else feed.last_fetched
            table.add_row(
                Text(feed.display_title, no_wrap=True, overflow="ellipsis"),
                Text(str(feed.last_status) if feed.last_status else ""),
                Text(long_time(when, now) if when else "", no_wrap=True),
                Text(self._full_text(feed), no_wrap=True),
                Text(status, style=styles[rank], no_wrap=True),
                key=feed.id,
            )
        table.focus()
        if self.feeds:
            self._show_detail(self.feeds[0])

    def _show_detail(self, feed: Feed) -> None:
        _rank, status = feed_state(feed)
        full_text = _("Full text: {mode} · t changes it").format(mode=self._full_text(feed))
        detail = Content.assemble(
            (feed.display_title, "bold"), "\n", feed.url, "\n", status, "\n", full_text
        )
        self.query_one("#health-detail", Static).update(detail)

    def action_cycle_full_text(self) -> None:
        """The highlighted feed's own choice: auto, always, never, then the config's again."""
        table = self.query_one(_HealthTable)
        if self._set_full_text is None or not self.feeds:
            return
        feed = self.feeds[table.cursor_row]
        order = ["", "auto", "always", "never"]
        mode = order[(order.index(feed.full_text) + 1) % len(order)]
        feed.full_text = mode  # this screen's copy, shown at once; the store's is written behind
        self._set_full_text(feed, mode)
        table.update_cell(feed.id, "full_text", Text(self._full_text(feed), no_wrap=True))
        self._show_detail(feed)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        feed = self._by_id.get(str(event.row_key.value))
        if feed is not None:
            self._show_detail(feed)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_close(self) -> None:
        self.dismiss(None)
