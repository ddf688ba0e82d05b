"""The remaining keys: open a link, search, unread-only, folding copies, feed list and sort,
feed health, help."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import Input

from newsreader.i18n import _, ngettext, translate_message
from newsreader.library import StoreError
from newsreader.models import Feed
from newsreader.ui.copy_groups import Fold
from newsreader.ui.screens.main.base import (
    MainBase,
)
from newsreader.views import View

if TYPE_CHECKING:
    from newsreader.ui.screens.feed_health import AccountHealth


class ActionsPart(MainBase):
    # ------------------------------------------------------------------ other actions

    def action_open_link(self) -> None:
        art = self._current()
        if art is None or not art.link:
            self.notify(_("This article has no link"), timeout=2)
            return
        self._open_url(art.link)

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.search_query or ""
        search.focus()

    @on(Input.Submitted, "#search")
    def _on_search(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        event.input.display = False
        if not query:
            self.headlines.focus()
            return
        self.search_query = query
        self._fill_tags()
        self._set_view(View.search(query))
        self._show_list()
        self.notify(
            ngettext(
                "{count} article matches", "{count} articles match", len(self.headlines.articles)
            ).format(count=len(self.headlines.articles)),
            timeout=2,
            markup=False,
        )

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self._fill_headlines(keep=self.headlines.article_id)

    def action_toggle_fold(self) -> None:
        groups = self.copy_groups
        groups.set_mode(groups.mode.next())
        # Unfolding the row of the copy being read puts the cursor on that copy's own row.
        reading = self.article_view.article_id
        on_row = reading is not None and self.headlines.row_of(reading) == self.headlines.cursor_row
        self._fill_headlines(keep=reading if on_row else self.headlines.article_id)
        if not groups.enabled:
            note = _("Every article on its own row")
        elif not groups.ready:
            note = _("Rows will fold once the index is built")
        elif groups.mode is Fold.STORIES:
            note = _("Each story's reports from every feed folded into one row")
        else:
            note = _("Copies of an article folded into one row")
        self.notify(note, timeout=2)

    def action_toggle_feeds(self) -> None:
        self.tags.show_feeds = not self.tags.show_feeds

    def action_sort_tags(self) -> None:
        self.tags.sort_by = "count" if self.tags.sort_by == "name" else "name"

    def action_feed_health(self) -> None:
        self._read_account_health()

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def _read_account_health(self) -> None:
        """The accounts file and each account's status file, off the screen's thread."""
        from newsreader.sync import account_health
        from newsreader.ui.screens.feed_health import AccountHealth

        accounts = [AccountHealth(*a) for a in account_health(self.library)]
        self.app.call_from_thread(self._show_feed_health, accounts)

    def _show_feed_health(self, accounts: list[AccountHealth]) -> None:
        from newsreader.ingest.fulltext import mode_of
        from newsreader.ui.screens.feed_health import FeedHealthScreen

        def full_text(feed: Feed) -> str:
            own = "" if feed.full_text else _(" (config)")
            return f"{mode_of(self.library, feed)}{own}"

        feeds = [replace(f) for f in self.library.sorted_feeds()]  # the screen's own copies
        screen = FeedHealthScreen(
            feeds,
            now=self.reader.now,
            full_text=full_text,
            set_full_text=self._store_full_text,
            accounts=accounts,
        )
        self.app.push_screen(screen)

    @work(group="settings", exit_on_error=False)
    async def _store_full_text(self, feed: Feed, mode: str) -> None:
        current = self.library.feeds.get(feed.id)
        if current is None:
            return
        try:
            await self.library.set_full_text_async(current, mode)
        except StoreError as exc:
            self.notify(
                _("Setting not saved: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
            )

    def action_help(self) -> None:
        from newsreader.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        error = await self.drain()
        if error and not self._quit_anyway:
            self._quit_anyway = True
            self.notify(
                _(
                    "Read/star changes not saved: {error}. Press q again to quit without them."
                ).format(error=translate_message(str(error))),
                severity="error",
                markup=False,
                timeout=10,
            )
            return
        self.app.exit()
