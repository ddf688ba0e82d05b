"""Moving around: which actions apply where, back/forward through history, focus between panes,
next unread, related stories by number, full text and enclosures for the open article."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Input

from newsreader.history import Place
from newsreader.i18n import _, translate_message
from newsreader.library import StoreError
from newsreader.models import Enclosure
from newsreader.players import play
from newsreader.ui.panes import ORDER, Mode, Pane
from newsreader.ui.screens.main.base import (
    MainBase,
)
from newsreader.views import ViewKind

if TYPE_CHECKING:
    pass


class NavigationPart(MainBase):
    # ------------------------------------------------------------------ what applies

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back and forward are shown dimmed at the ends of the history; the commands on the
        open article (link, star, read) while none is open. Disabled means the key does
        nothing, as a browser's greyed-out Back button."""
        if action == "back":
            return True if self.history.can_go_back or self.panes.zoomed else None
        if action == "leave":
            # Esc does nothing here otherwise: it stays free for the widgets' own uses.
            if self.query_one("#search", Input).display:
                return True
            return self.panes.zoomed or self.panes.solo is Pane.TAGS
        if action == "zoom":
            return True if self.article_view.article_id is not None else None
        if action == "forward":
            return True if self.history.can_go_forward else None
        if action == "play":
            current = self._current()
            return True if current is not None and current.enclosures else None
        if action in ("open_link", "toggle_star", "toggle_read", "fetch_text"):
            return True if self._current() is not None else None
        return True

    # ------------------------------------------------------------------ history

    def action_back(self) -> None:
        if self.panes.zoomed and self.panes.follows == 0:
            self._leave_zoom()  # opened from the list: back to the list
            return
        if self.panes.zoomed:
            self.panes.follows -= 1
        self._step(self.history.back)

    def action_forward(self) -> None:
        self._step(self.history.forward)

    def _step(self, move: Callable[[], Place | None]) -> None:
        """Leave the current place as it is now (scroll, selection), then go back or forward."""
        self.history.remember(
            scroll_y=self.article_view.scroll_y, headline_row=self.headlines.cursor_row
        )
        place = move()
        if place is not None:
            self._restore(place)

    def _restore(self, place: Place) -> None:
        """Put the screen back exactly: the view, the selected headline, the article, the scroll."""
        self._cancel_pending_show()
        self.refresh_bindings()  # at either end of the history, Back or Forward stops applying
        if place.view != self.view:
            self.view = place.view
            if place.view.kind is ViewKind.SEARCH:
                self.search_query = place.view.value
                self._fill_tags()
            self.tags.select_view(place.view)
            self._fill_headlines(quiet=True)
        # Quiet: no Highlighted, so nothing opens another article after this one.
        self.headlines.move_cursor(place.headline_row, quiet=True)
        if place.article_id is not None:
            self._open(place.article_id, scroll_y=place.scroll_y, push=False)

    # ------------------------------------------------------------------ moving

    def action_focus_pane(self, delta: int) -> None:
        focused = self.focused
        index = next(
            (
                i
                for i, p in enumerate(ORDER)
                if focused is not None and self._pane_widget(p) in (focused, *focused.ancestors)
            ),
            1,
        )
        if self.panes.solo is not None:
            # One pane on screen: h and l move to the one beside it (l on a headline opens it).
            target = ORDER[max(0, min(len(ORDER) - 1, index + delta))]
            if target is Pane.ARTICLE and self.article_view.article_id is None:
                return
            if self.panes.mode is not Mode.NARROW and target is not Pane.ARTICLE:
                self._leave_zoom()
                if target is Pane.TAGS:
                    self.panes.tags_hidden = False
                    self._apply_panes()
            self._show_pane(target)
            return
        shown = [self._pane_widget(p) for p in self.panes.shown()]
        current = self._pane_widget(ORDER[index])
        position = shown.index(current) if current in shown else 0
        # At once (`focus()` waits a turn): "hjjj" typed fast must move the headlines.
        self.set_focus(shown[(position + delta) % len(shown)])

    def action_next_unread(self, forward: bool = True) -> None:
        row = self.headlines.next_unread(forward)
        if row is None:
            self.notify(_("No more unread articles here"), timeout=2)
            return
        self.headlines.move_cursor(row, quiet=True)
        article = self.headlines.article_at(row)
        if article is not None:
            self._open(article.id)

    def action_prev_unread(self) -> None:
        self.action_next_unread(False)

    def action_page_or_next(self) -> None:
        view = self.article_view
        if view.article_id is not None and view.scroll_y < view.max_scroll_y:
            view.scroll_page_down()
        else:
            self.action_next_unread()

    def action_open_article(self) -> None:
        article_id = self.headlines.article_id
        if article_id:
            self._open(article_id)
            self._focus_article()

    def _focus_article(self) -> None:
        """An article opened from the list: on a narrow terminal it takes the screen."""
        if self.panes.mode is Mode.NARROW:
            self._show_pane(Pane.ARTICLE)
        else:
            self.article_view.focus()

    def action_related(self, number: int) -> None:
        self.article_view.choose_related(number)

    def action_fetch_text(self) -> None:
        art = self._current()
        if art is None:
            return
        if self.library.read_only:
            self.notify(_("Read-only cache: the full text cannot be stored"), timeout=3)
            return
        self.notify(_("Fetching the full text…"), timeout=2)
        self._fetch_text(art.id)

    @work(group="fetch_text", exit_on_error=False)
    async def _fetch_text(self, article_id: str) -> None:
        from newsreader.ingest.fulltext import fetch_now

        art = self.library.articles.get(article_id)
        if art is None:
            return
        try:
            summary = await fetch_now(self.library, [art])
        except StoreError as exc:
            self.notify(
                _("Full text not saved: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
                timeout=6,
            )
            return
        self._state_changed()
        if not summary.reports:
            self.notify(_("This article has no web page to fetch"), timeout=3)
            return
        error = summary.reports[0].error
        if error is None:
            self.notify(_("Full text fetched"), timeout=2)
        else:
            self.notify(
                _("Full text not fetched: {error}").format(error=translate_message(error)),
                severity="warning",
                markup=False,
            )
        if self.article_view.article_id == article_id:
            self._open(article_id, scroll_y=self.article_view.scroll_y, push=False)

    def action_play(self) -> None:
        art = self._current()
        if art is None or not art.enclosures:
            self.notify(_("This article has no enclosure"), timeout=2)
            return
        self._play(art.enclosures[0])

    def _play(self, enclosure: Enclosure) -> None:
        """With the player `[players]` sets for its type, else in the browser."""
        name, error = play(enclosure, self.library.settings.players)
        if error is not None:
            self.notify(error, severity="warning", markup=False, timeout=4)
        elif name is not None:
            self.notify(_("Playing with {name}").format(name=name), markup=False, timeout=2)
        else:
            self._open_url(enclosure.url)

    def action_related_box(self) -> None:
        if not self.article_view.go_to_related():
            self.notify(_("No related stories for this article"), timeout=2)

    def action_also_reported(self) -> None:
        if not self.article_view.go_to_coverage():
            self.notify(_("No other feed has reported this story"), timeout=2)
