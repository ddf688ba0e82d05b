"""The user's own tags on feeds: add, remove and rename them from the reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from newsreader.i18n import _, ngettext, translate_message
from newsreader.library import StoreError
from newsreader.models import tag_key
from newsreader.ui.screens.main.base import (
    MainBase,
)
from newsreader.ui.screens.text_prompt import TextPrompt
from newsreader.views import View, ViewKind

if TYPE_CHECKING:
    pass


class UserTagsPart(MainBase):
    # ------------------------------------------------------------------ the user's tags

    def action_edit_tags(self) -> None:
        """On one of the user's tags in the tag pane: rename it everywhere. Else the tags of the
        feed highlighted in the pane, or of the open article's feed."""
        focused = self.focused
        in_pane = focused is not None and self.tags in (focused, *focused.ancestors)
        key = self.tags.highlighted_view if in_pane else None
        try:
            view = View.from_key(key) if key else None
        except ValueError:  # a fold row ("… 58 more")
            view = None
        if view is not None and view.kind is ViewKind.TAG and self._is_user_tag(view.value):
            old = view.value

            def renamed(new: str | None) -> None:
                if new and new.strip() and new.strip() != old:
                    self._rename_tag(old, new)

            self.app.push_screen(
                TextPrompt(_("Rename the tag {old} on every feed to:").format(old=old), old),
                renamed,
            )
            return
        feed_id = view.value if view is not None and view.kind is ViewKind.FEED else None
        if feed_id is None and (current := self._current()) is not None:
            feed_id = current.feed_id
        feed = self.library.feeds.get(feed_id or "")
        if feed is None:
            self.notify(_("Open an article or highlight a feed to edit its tags"), timeout=3)
            return

        def edited(text: str | None) -> None:
            if text is not None:
                self._set_feed_tags(feed.id, text)

        self.app.push_screen(
            TextPrompt(
                _("Tags of {feed}, separated by commas:").format(feed=feed.display_title),
                ", ".join(feed.tags),
                "Its articles follow at once · Enter: save · Esc: cancel",
            ),
            edited,
        )

    def _is_user_tag(self, tag: str) -> bool:
        key = tag_key(tag)
        return any(key in {tag_key(t) for t in f.tags} for f in self.library.feeds.values())

    def action_tag_article(self) -> None:
        """The user's own tags on the open (or highlighted) article, in one line to edit."""
        art = self._current()
        if art is None:
            return
        article_id, before = art.id, list(art.own_tags)

        def edited(text: str | None) -> None:
            if text is not None:
                after = [t.strip() for t in text.split(",") if t.strip()]
                self._set_article_tags(article_id, before, after)

        self.app.push_screen(
            TextPrompt(
                _("Your tags on this article, separated by commas:"),
                ", ".join(before),
                _("The feed's tags stay (+ edits those) · Enter: save · Esc: cancel"),
            ),
            edited,
        )

    @work(exclusive=True, group="tags", exit_on_error=False)
    async def _set_article_tags(self, article_id: str, before: list[str], after: list[str]) -> None:
        art = self.library.articles.get(article_id)
        if art is None:
            return
        keys = {tag_key(t) for t in after}
        removed = [t for t in before if tag_key(t) not in keys]
        try:
            await self.library.tag_article_async(art, after, removed)
        except (StoreError, OSError) as exc:
            self._tags_not_saved(exc)
            return
        self._after_tags_changed()
        shown = ", ".join(art.tags) or _("no tags")
        self.notify(f"{art.headline[:40]}: {shown}", timeout=3, markup=False)

    @work(exclusive=True, group="tags", exit_on_error=False)
    async def _set_feed_tags(self, feed_id: str, text: str) -> None:
        feed = self.library.feeds.get(feed_id)
        if feed is None:
            return
        tags = [t for t in text.split(",") if t.strip()]
        try:
            feed = await self.library.set_feed_tags_async(feed, tags)
        except (StoreError, OSError) as exc:
            self._tags_not_saved(exc)
            return
        self._after_tags_changed()
        shown = ", ".join(feed.tags) or _("no tags")
        self.notify(f"{feed.display_title}: {shown}", timeout=3, markup=False)

    @work(exclusive=True, group="tags", exit_on_error=False)
    async def _rename_tag(self, old: str, new: str) -> None:
        try:
            count = await self.library.rename_tag_async(old, new)
        except (StoreError, OSError) as exc:
            self.notify(
                _("Tag not renamed: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
            )
            return
        if self.view.kind is ViewKind.TAG and tag_key(self.view.value) == tag_key(old):
            self.view = View.tag(new.strip())
        self._after_tags_changed()
        self.notify(
            ngettext(
                "{old} → {new} on {count} feed", "{old} → {new} on {count} feeds", count
            ).format(old=old, new=new.strip(), count=count),
            timeout=3,
            markup=False,
        )

    def _tags_not_saved(self, exc: Exception) -> None:
        self.notify(
            _("Tags not saved: {exc}").format(exc=translate_message(str(exc))),
            severity="error",
            markup=False,
        )

    def _after_tags_changed(self) -> None:
        """Counts, the list and the open article's tag row, all from the new tags."""
        self._fill_tags()
        self.tags.select_view(self.view)
        self._fill_headlines(keep=self.headlines.article_id, quiet=True)
        current = self.article_view.article_id
        if current is not None:
            self._open(current, scroll_y=self.article_view.scroll_y, push=False)
