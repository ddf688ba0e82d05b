"""Saved searches in the reader: `w` on a search saves it under a name (it then shows in the
tag pane with its unread count); `w` on a saved search forgets it (the list stays, as a plain
search)."""

from __future__ import annotations

from textual import work

from newsreader.i18n import _, translate_message
from newsreader.library import StoreError
from newsreader.queries import QueryError
from newsreader.ui.screens.main.base import MainBase
from newsreader.ui.screens.text_prompt import TextPrompt
from newsreader.views import View, ViewKind


class SavedSearchesPart(MainBase):
    def action_save_search(self) -> None:
        view = self.view
        if view.kind is ViewKind.QUERY:
            saved = self.library.saved.get(view.value)
            if saved is not None:
                self._forget_search(saved.name, saved.query)
            return
        if view.kind is not ViewKind.SEARCH:
            self.notify(_("Search first (/), then press w to save the search."))
            return
        query = view.value

        def named(name: str | None) -> None:
            if name and name.strip():
                self._save_search(name.strip(), query)

        self.app.push_screen(
            TextPrompt(_("Save the search {query} as:").format(query=query), query),
            named,
        )

    @work(thread=True, group="store", exit_on_error=False)
    def _save_search(self, name: str, query: str) -> None:
        try:
            saved = self.library.saved.add(name, query)
        except (QueryError, StoreError) as exc:
            self.app.call_from_thread(self._search_not_saved, str(exc))
            return
        self.app.call_from_thread(self._search_saved, saved.name)

    def _search_saved(self, name: str) -> None:
        self.search_query = None  # the pseudo-tag gives way to the saved search's row
        self._fill_tags()
        self._set_view(View.query(name))
        self.notify(
            _("Saved search {name}: in the tag pane, w there forgets it.").format(name=name)
        )

    def _search_not_saved(self, message: str) -> None:
        self.notify(translate_message(message), severity="error", markup=False)

    @work(thread=True, group="store", exit_on_error=False)
    def _forget_search(self, name: str, query: str) -> None:
        try:
            self.library.saved.remove(name)
        except (QueryError, StoreError) as exc:
            self.app.call_from_thread(self._search_not_saved, str(exc))
            return
        self.app.call_from_thread(self._search_forgotten, name, query)

    def _search_forgotten(self, name: str, query: str) -> None:
        self.search_query = query  # the list stays, as an ordinary search
        self._fill_tags()
        self._set_view(View.search(query))
        self.notify(_("Forgot the saved search {name}.").format(name=name))
