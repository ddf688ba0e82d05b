"""Read and starred marks: shown at once, written behind by the engine's queue (Marks), retried
on a timer while the cache cannot be written, drained on quit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work

from newsreader.i18n import _, translate_message
from newsreader.marks import RETRY_INTERVAL, Written
from newsreader.models import Article
from newsreader.sanitize import is_openable
from newsreader.ui.screens.main.base import (
    MainBase,
)

if TYPE_CHECKING:
    pass


class WritesPart(MainBase):
    # ------------------------------------------------------------------ marks and writes

    def action_toggle_star(self) -> None:
        art = self._current()
        if art is None:
            return
        starred = self.marks.toggle_star(art)
        self._save()
        self.notify(_("Starred") if starred else _("Unstarred"), timeout=1.5)

    def action_toggle_read(self) -> None:
        art = self._current()
        if art is None:
            return
        if self._read_timer is not None:
            self._read_timer.stop()  # marking unread must stick
            self._read_timer = None
        copies = self.copy_groups.with_copies([art])
        self._mark(copies, read=any(not a.read for a in copies))

    def action_mark_all_read(self) -> None:
        unread = [a for a in self.copy_groups.with_copies(self.headlines.articles) if not a.read]
        if not unread:
            self.notify(_("Nothing unread here"), timeout=2)
            return
        self._undo = [a.id for a in unread]
        self._mark(unread, read=True)
        self.notify(
            _("Marked {count} read · u to undo").format(count=len(unread)), timeout=4, markup=False
        )

    def action_mark_above_read(self) -> None:
        self._mark_around(newer=True)

    def action_mark_below_read(self) -> None:
        self._mark_around(newer=False)

    def _mark_around(self, *, newer: bool) -> None:
        """Everything above (newer) or below (older) the cursor's row read, copies included."""
        rows = self.headlines.rows
        row = self.headlines.cursor_row
        shown = rows[:row] if newer else rows[row + 1 :]
        unread = [a for a in self.copy_groups.with_copies(list(shown)) if not a.read]
        if not unread:
            self.notify(_("Nothing unread there"), timeout=2)
            return
        self._undo = [a.id for a in unread]
        self._mark(unread, read=True)
        done = (
            _("Marked {count} above read · u to undo")
            if newer
            else _("Marked {count} below read · u to undo")
        )
        self.notify(done.format(count=len(unread)), timeout=4, markup=False)

    def action_open_unread(self) -> None:
        """The links of the list's unread articles in the browser, up to [ui] open_limit at a
        time (in list order), each marked read: O again opens the next ones."""
        unread = [a for a in self.headlines.rows if not a.read]
        openable = [a for a in unread if is_openable(a.link)]
        if not openable:
            self.notify(_("No unread article with a link here"), timeout=2)
            return
        chosen = openable[: max(1, self.library.settings.ui.open_limit)]
        for art in chosen:
            self.app.open_url(art.link)
        self._mark(self.copy_groups.with_copies(chosen), read=True)
        self.notify(
            _("Opened {count} of {total} unread · O opens the next").format(
                count=len(chosen), total=len(unread)
            ),
            timeout=4,
            markup=False,
        )

    def action_undo(self) -> None:
        if not self._undo:
            self.notify(_("Nothing to undo"), timeout=2)
            return
        arts = [self.library.articles[i] for i in self._undo if i in self.library.articles]
        self._undo = []
        self._mark(arts, read=False)
        self.notify(
            _("Marked {count} unread again").format(count=len(arts)), timeout=2, markup=False
        )

    def _mark(self, articles: Sequence[Article], *, read: bool) -> None:
        if self.marks.set_read(articles, read):
            self._save()

    def _save(self) -> None:
        """Show the marks' changes at once; the engine writes them behind, batched."""
        self.headlines.refresh_all()
        self._fill_tags()
        self._write_pending()

    @work(group="writer", exit_on_error=False)
    async def _write_pending(self) -> None:
        written = await self.marks.write()
        if written.outcome is Written.FAILED and written.error is not None:
            # Kept queued (the screen already shows the change): retried on a timer.
            self._write_failed(written.error)
        elif written.outcome is Written.SAVED:
            self._state_changed()
            self._write_recovered()

    def _write_failed(self, error: str) -> None:
        if error != self._write_error:  # once per distinct problem, not every retry
            self.notify(
                _("Not saved yet: {error}; retrying every {seconds:g} s").format(
                    error=translate_message(str(error)), seconds=RETRY_INTERVAL
                ),
                severity="warning",
                markup=False,
                timeout=8,
            )
        self._write_error = error
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(RETRY_INTERVAL, self._retry_write)

    def _write_recovered(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        if self._write_error is not None:
            self._write_error = None
            self.notify(_("Read/star changes saved"), timeout=3)

    def _retry_write(self) -> None:
        if self.marks.writing:
            return
        if not self.marks.pending:
            self._write_recovered()
            return
        self._write_pending()

    def flush(self) -> str | None:
        """Write pending read/star changes now (quitting); the error, if it failed."""
        return self.marks.flush()

    async def drain(self, timeout: float | None = None) -> str | None:
        """Wait for the write in flight, then write the rest; the error, if any."""
        return await self.marks.drain(timeout)
