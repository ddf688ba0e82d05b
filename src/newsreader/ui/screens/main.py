"""The reader's main screen: tags | headlines | article, and everything that moves between them.

The screen is the only UI object that talks to the Library. Widgets get plain model objects and
post messages up. Slow work (Markdown, related stories, search, store writes, refresh, loading
another process's changes) runs in workers; results come back to this loop, which alone changes
the in-memory state.

Why one long module: this is the one controller of the three panes, and a user action (open,
mark, go back, refresh) reads as one flow here. What has a job of its own already lives apart:
the widgets, CopyGroups (folding), Marks (writes), History and View.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.history import History, Place
from newsreader.i18n import N_, _, ngettext, translate_message
from newsreader.indexes.related import Related
from newsreader.library import CommitResult, Library, Snapshot, StoreError
from newsreader.marks import RETRY_INTERVAL, Marks, Written
from newsreader.models import Article, Enclosure, Feed, tag_key
from newsreader.players import play
from newsreader.sanitize import is_openable
from newsreader.ui.bindings import screen_bindings
from newsreader.ui.copy_groups import CopyGroups, Fold
from newsreader.ui.panes import ORDER, Mode, Pane, Panes
from newsreader.ui.screens.text_prompt import TextPrompt
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.ui.widgets.tag_pane import TagPane
from newsreader.views import View, ViewKind

if TYPE_CHECKING:
    from newsreader.ui.app import NewsReaderApp

SHOW_DEBOUNCE = 0.12  # s: holding j/k must not render every article on the way
WATCH_INTERVAL = 5.0  # s: how often to look for another process's commits
INDEX_DELAY = 0.3  # s after mount: let the first frame out before the index build starts


@dataclass(slots=True)
class Shown:
    """What the article pane got from a worker."""

    article: Article
    markdown: str
    related: list[tuple[Related, Article]]
    coverage: list[Article]  # the same story in other feeds ("also reported by")


READ_ONLY_NOTICE = N_("Read-only cache: reading only · read/star marks last until you quit")


class MainScreen(Screen[None]):
    BINDINGS = screen_bindings()

    def __init__(self) -> None:
        super().__init__()
        self.view = View.ALL
        self.unread_only = False
        self.search_query: str | None = None
        self.history = History()
        self._undo: list[str] = []
        self._marks: Marks | None = None
        self._show_timer: Timer | None = None
        self._read_timer: Timer | None = None
        self._refresh_worker: Worker[None] | None = None
        self._warned = 0  # library warnings already shown (the app shows those of opening)
        self._revision = -1
        self._quit_anyway = False
        self._retry_timer: Timer | None = None
        self._write_error: str | None = None
        self.copy_groups = CopyGroups(lambda: self.library)
        self.panes = Panes()

    # ------------------------------------------------------------------ layout

    @property
    def library(self) -> Library:
        return self.reader.library

    @property
    def reader(self) -> NewsReaderApp:
        """The app, typed: its library, clock and start-up options."""
        return cast("NewsReaderApp", self.app)

    @property
    def marks(self) -> Marks:
        """Read and starred changes: shown at once, written behind by the engine's queue."""
        if self._marks is None or self._marks.library is not self.library:
            self._marks = Marks(self.library)
        return self._marks

    def compose(self) -> ComposeResult:
        now = self.reader.now
        with Horizontal(id="panes"):
            yield TagPane(id="tags")
            with Container(id="reading"):
                yield HeadlineList(now=now, feed_title=self.library.feed_title, id="headlines")
                yield ArticleView(
                    now=now,
                    open_url=self._open_url,
                    play=self._play,
                    image_path=lambda src: self.library.image_file(src),
                    image_show=self.library.settings.images.show,
                    id="article",
                )
        yield Input(
            placeholder=_('Search: words, "phrase", tag:X, feed:Y, unread, starred'), id="search"
        )
        yield Static(id="status", markup=False)
        yield Footer()

    @property
    def tags(self) -> TagPane:
        return self.query_one(TagPane)

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one(HeadlineList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        self.unread_only = self.library.settings.ui.unread_only
        ui = self.library.settings.ui
        self.copy_groups.set_mode(
            Fold.NONE if not ui.fold_copies else Fold.STORIES if ui.fold_stories else Fold.COPIES
        )
        self._revision = self.library.revision
        self._warned = len(self.library.warnings)
        self.query_one("#search").display = False
        self._fill_tags()
        self._fill_headlines()
        self.headlines.focus()
        self.article_view.show_message(_("Select a headline and press Enter."))
        # The indexes take ~1 s of CPU for 25,000 articles; building them in a thread at once
        # would hold the GIL through the first paint, so start once the screen is up.
        self.set_timer(INDEX_DELAY, self._build_indexes)
        self.set_interval(WATCH_INTERVAL, self._watch_disk)
        ui = self.library.settings.ui
        if self.library.read_only:
            self.query_one("#status", Static).update(Content(_(READ_ONLY_NOTICE)))
            return  # nothing to refresh into
        if self.reader.refresh_on_start:
            self.call_after_refresh(self.action_refresh_all)
        if ui.refresh_minutes > 0:
            self.set_interval(ui.refresh_minutes * 60, self.action_refresh_all)

    def on_resize(self) -> None:
        self.panes.resize(self.size.width)
        self._apply_panes()

    def _apply_panes(self) -> None:
        for name, wanted in self.panes.classes().items():
            self.set_class(wanted, name)
        self.refresh_bindings()

    def _pane_widget(self, pane: Pane) -> Widget:
        return {Pane.TAGS: self.tags, Pane.HEADLINES: self.headlines}.get(pane, self.article_view)

    def _show_pane(self, pane: Pane) -> None:
        """Give `pane` the screen where only one shows (narrow, zoom) and focus it."""
        if pane is Pane.ARTICLE and self.panes.zoomed:
            pass  # already there: keep the count of stories followed
        else:
            self.panes.show_only(pane)
        self._apply_panes()
        self.set_focus(self._pane_widget(pane))

    def action_zoom(self) -> None:
        if self.panes.zoomed:
            self._leave_zoom()
        else:
            self._show_pane(Pane.ARTICLE)

    def _leave_zoom(self) -> None:
        self.panes.unzoom()
        self._apply_panes()
        self.set_focus(self.headlines)

    def action_toggle_tags(self) -> None:
        if self.panes.mode is Mode.NARROW:
            self._show_pane(Pane.HEADLINES if self.panes.solo is Pane.TAGS else Pane.TAGS)
            return
        self.panes.tags_hidden = not self.panes.tags_hidden
        self._apply_panes()
        focused = self.focused
        if (
            self.panes.tags_hidden
            and focused is not None
            and self.tags in (focused, *focused.ancestors)
        ):
            self.set_focus(self.headlines)

    def action_leave(self) -> None:
        """Esc: closes the search box first; else out of the zoomed article, or from the narrow
        tag list back to the headlines."""
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            self.headlines.focus()
            return
        if self.panes.zoomed:
            self._leave_zoom()
        elif self.panes.solo is Pane.TAGS:
            self._show_pane(Pane.HEADLINES)

    # ------------------------------------------------------------------ lists

    def _view_articles(self, view: View) -> list[Article]:
        lib = self.library
        kind, value = view.kind, view.value
        if kind is ViewKind.UNREAD:
            items = [a for a in lib.newest_first() if not a.read]
        elif kind is ViewKind.STARRED:
            items = [a for a in lib.newest_first() if a.starred]
        elif kind is ViewKind.TAG:
            items = lib.with_tag(value)
        elif kind is ViewKind.FEED:
            items = lib.newest_first(a for a in lib.articles.values() if a.feed_id == value)
        elif kind is ViewKind.SEARCH:
            items = lib.search(value, sync=False)  # _sync_search keeps the index current
        else:
            items = lib.newest_first()
        if self.unread_only and kind is not ViewKind.UNREAD:
            items = [a for a in items if not a.read]
        return items

    def _fill_tags(self) -> None:
        lib = self.library
        unread = lib.unread_counts()
        self.tags.set_data(
            all_count=len(lib.articles),
            unread_count=sum(unread.values()),
            starred_count=sum(1 for a in lib.articles.values() if a.starred),
            tags=lib.tag_counts(),
            feeds=[(f, unread.get(f.id, 0)) for f in lib.sorted_feeds()],
            search=self.search_query,
        )

    def _fill_headlines(self, *, keep: str | None = None, quiet: bool = False) -> None:
        self.headlines.set_articles(
            self._view_articles(self.view),
            keep_article=keep,
            copies=self.copy_groups.copies(),
            quiet=quiet,
        )
        if self.copy_groups.needs_worker:
            self._work_out_groups()
        self._update_title()

    def _update_title(self) -> None:
        kind, value = self.view.kind, self.view.value
        label = {
            ViewKind.ALL: _("All articles"),
            ViewKind.UNREAD: _("Unread"),
            ViewKind.STARRED: _("Starred"),
        }.get(kind)
        if label is None:
            if kind is ViewKind.FEED:
                value = self.library.feed_title(value)
            template = {
                ViewKind.TAG: _("Tag: {value}"),
                ViewKind.FEED: _("Feed: {value}"),
                ViewKind.SEARCH: _("Search: {value}"),
            }.get(kind, "{value}")
            label = template.format(value=value)
        if self.unread_only:
            label += _(" (unread only)")
        self.headlines.border_title = Content(f"{label} · {len(self.headlines.articles)}")

    def _set_view(self, view: View, *, keep: str | None = None) -> None:
        self.view = view
        self.tags.select_view(view)
        self._fill_headlines(keep=keep)

    def _state_changed(self, *, rebuild: bool = False) -> None:
        """After a commit: rebuild the list when articles came or went, else refresh marks.

        The cursor stays on the same article at the same place on screen (HeadlineList keeps
        it), so new articles never move what the user is looking at.
        """
        if rebuild or self.library.revision != self._revision:
            if self.library.revision != self._revision:
                self._build_indexes()  # a reload dropped them with the old articles
            else:
                self._sync_search()
            self._revision = self.library.revision
            self.copy_groups.changed()
            self._fill_headlines(keep=self.headlines.article_id)
        else:
            self.headlines.refresh_all()
        self._fill_tags()

    # ------------------------------------------------------------------ showing articles

    @on(HeadlineList.Highlighted)
    def _on_highlighted(self, event: HeadlineList.Highlighted) -> None:
        if event.article_id is None or event.row != self.headlines.cursor_row:
            return  # a late message: the cursor has moved on since
        self._cancel_pending_show()
        article_id = event.article_id
        self._show_timer = self.set_timer(SHOW_DEBOUNCE, lambda: self._open(article_id))

    @on(HeadlineList.Selected)
    def _on_selected(self, event: HeadlineList.Selected) -> None:
        if self.article_view.article_id != event.article_id:
            self._open(event.article_id)
        self._focus_article()

    def _cancel_pending_show(self) -> None:
        if self._show_timer is not None:
            self._show_timer.stop()
            self._show_timer = None

    def _open(self, article_id: str, *, scroll_y: float = 0.0, push: bool = True) -> None:
        article = self.library.articles.get(article_id)
        if article is None:
            return
        # What the reader asked for last wins: a cursor move's delayed open must not follow.
        self._cancel_pending_show()
        if push:
            if self.history.current is not None:
                self.history.remember(scroll_y=self.article_view.scroll_y)
            self.history.visit(Place(self.view, article_id, self.headlines.cursor_row, 0.0))
            self.refresh_bindings()  # Back applies now
        self._load_article(article, scroll_y)

    @work(thread=True, exclusive=True, group="show", exit_on_error=False)
    def _load_article(self, article: Article, scroll_y: float) -> None:
        lib = self.library
        markdown = lib.body_markdown(article)
        related = [
            (r, lib.articles[r.article_id])
            for r in lib.related(article, 5)
            if r.article_id in lib.articles
        ]
        coverage = lib.coverage(article)
        if not get_current_worker().is_cancelled:
            shown = Shown(article, markdown, related, coverage)
            self.app.call_from_thread(self._display, shown, scroll_y)

    def _display(self, shown: Shown, scroll_y: float) -> None:
        art = shown.article
        self.refresh_bindings()  # an article is open: link, star and read apply
        self.article_view.show_article(
            art,
            feed_title=self.library.feed_title(art.feed_id),
            body_markdown=shown.markdown,
            related=shown.related,
            related_feed_title=self.library.feed_title,
            coverage=shown.coverage,
        )
        if scroll_y:
            self.article_view.restore_scroll(scroll_y)
        if self._read_timer is not None:
            self._read_timer.stop()
            self._read_timer = None
        delay = self.library.settings.ui.read_delay
        with_copies = self.copy_groups.with_copies  # read once, read in every feed
        if delay >= 0 and any(not a.read for a in with_copies([art])):
            # The copies are looked up when the time is up: the index may be built by then.
            self._read_timer = self.set_timer(
                delay, lambda: self._mark(with_copies([art]), read=True)
            )

    @on(ArticleView.RelatedChosen)
    def _on_related(self, event: ArticleView.RelatedChosen) -> None:
        self._go_related(event.article_id)

    def _go_related(self, article_id: str) -> None:
        if article_id not in self.library.articles:
            return
        if self.panes.zoomed:
            self.panes.follows += 1  # Backspace comes back here before leaving the zoom
        self._open(article_id)
        # Follow it in the headline list when it is there; otherwise the list stays put.
        self.headlines.select_article(article_id, quiet=True)

    @on(ArticleView.TagChosen)
    def _on_tag(self, event: ArticleView.TagChosen) -> None:
        self._set_view(View.tag(event.tag), keep=self.article_view.article_id)
        self._show_list()

    def _show_list(self) -> None:
        """A new list of headlines (search results, a tag's): out of a zoomed article or the
        narrow tag list, so the list is on screen, and focused."""
        if self.panes.solo is not None and self.panes.solo is not Pane.HEADLINES:
            self._show_pane(Pane.HEADLINES)
        else:
            self.headlines.focus()

    @on(TagPane.ViewChosen)
    def _on_view(self, event: TagPane.ViewChosen) -> None:
        self.view = event.view
        self._fill_headlines(keep=self.headlines.article_id)
        if self.panes.solo is Pane.TAGS:
            self._show_pane(Pane.HEADLINES)

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

    @work(exclusive=True, group="tags", exit_on_error=False)
    async def _set_feed_tags(self, feed_id: str, text: str) -> None:
        feed = self.library.feeds.get(feed_id)
        if feed is None:
            return
        tags = [t for t in text.split(",") if t.strip()]
        try:
            feed = await self.library.set_feed_tags_async(feed, tags)
        except (StoreError, OSError) as exc:
            self.notify(
                _("Tags not saved: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
            )
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

    def _after_tags_changed(self) -> None:
        """Counts, the list and the open article's tag row, all from the new tags."""
        self._fill_tags()
        self.tags.select_view(self.view)
        self._fill_headlines(keep=self.headlines.article_id, quiet=True)
        current = self.article_view.article_id
        if current is not None:
            self._open(current, scroll_y=self.article_view.scroll_y, push=False)

    # ------------------------------------------------------------------ marks and writes

    def _current(self) -> Article | None:
        article_id = self.article_view.article_id or self.headlines.article_id
        return self.library.articles.get(article_id) if article_id else None

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

    # ------------------------------------------------------------------ other actions

    def _open_url(self, url: str) -> None:
        if is_openable(url):
            self.app.open_url(url)
        else:
            self.notify(_("Only http and https links are opened"), severity="warning", timeout=3)

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

    # ------------------------------------------------------------------ refresh

    def action_refresh_all(self) -> None:
        self._start_refresh(None)

    def action_refresh_feed(self) -> None:
        art = self._current()
        if art is None or art.feed_id not in self.library.feeds:
            self.notify(_("No feed to refresh: open an article first"), timeout=2)
            return
        self._start_refresh([art.feed_id])

    def _start_refresh(self, feed_ids: list[str] | None) -> None:
        if self.library.read_only:
            self.notify(_("The cache is read-only: refresh is off"), timeout=3, markup=False)
            return
        if self._refresh_worker is not None and self._refresh_worker.is_running:
            self.notify(_("A refresh is already running"), timeout=2)
            return
        self._refresh_worker = self._refresh(feed_ids)

    @work(group="refresh", exit_on_error=False)
    async def _refresh(self, feed_ids: list[str] | None) -> None:
        from newsreader.ingest.refresh import Progress, refresh

        status = self.query_one("#status", Static)
        lib = self.library
        feeds = None if feed_ids is None else [lib.feeds[i] for i in feed_ids if i in lib.feeds]

        def progress(p: Progress) -> None:
            status.update(
                Content(
                    _("Refreshing {done}/{total} · {title}").format(
                        done=p.done, total=p.total, title=p.report.title
                    )
                )
            )

        def committed(result: CommitResult) -> None:
            self._state_changed(rebuild=bool(result.added or result.updated or result.pruned))

        status.update(Content(_("Refreshing…")))
        try:
            summary = await refresh(lib, feeds, on_progress=progress, on_commit=committed)
        except StoreError as exc:
            status.update(
                Content(_("Refresh not saved: {exc}").format(exc=translate_message(str(exc))))
            )
            self.notify(
                _("Refresh not saved: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
                timeout=8,
            )
            return
        self._fill_tags()
        status.update(Content(summary.line()))
        failed = summary.failures
        if failed:
            self.notify(
                ngettext(
                    "{count} feed failed · E shows feed health",
                    "{count} feeds failed · E shows feed health",
                    len(failed),
                ).format(count=len(failed)),
                severity="warning",
                timeout=4,
                markup=False,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{event.worker.group}: {type(error).__name__}: {error}",
                severity="error",
                markup=False,
            )

    # ------------------------------------------------------------------ background

    @work(thread=True, group="indexes", exit_on_error=False)
    def _build_indexes(self) -> None:
        revision, changes = self.library.revision, self.copy_groups.changes
        self.library.related_index  # noqa: B018 - builds on first use
        mode = self.copy_groups.mode
        copies = self.copy_groups.work_out(Fold.COPIES) if mode is Fold.COPIES else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._indexes_built, revision, copies, changes)
        self._sync_search_now()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _sync_search(self) -> None:
        """Index what the last commits changed (any process's), off the screen's thread."""
        self._sync_search_now()

    def _sync_search_now(self) -> None:
        if self.library.sync_search() and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._search_synced)

    def _search_synced(self) -> None:
        for warning in self.library.warnings[self._warned :]:
            self.notify(translate_message(warning), severity="warning", markup=False)
        self._warned = len(self.library.warnings)
        if self.view.kind is ViewKind.SEARCH:  # the results now include what was just indexed
            self._fill_headlines(keep=self.headlines.article_id)

    def _indexes_built(
        self, revision: int, copies: dict[str, list[str]] | None, changes: int
    ) -> None:
        self.copy_groups.index_built(revision, copies, changes)
        if self.copy_groups.enabled and self.copy_groups.ready:
            self._fill_headlines(keep=self.headlines.article_id)

    @work(thread=True, exclusive=True, group="groups", exit_on_error=False)
    def _work_out_groups(self) -> None:
        """Story groups for the folded headline list (about a second at 25,000 articles)."""
        groups = self.copy_groups
        mode, changes = groups.mode, groups.changes
        worked = groups.work_out(mode)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._groups_worked_out, mode, worked, changes)

    def _groups_worked_out(self, mode: Fold, worked: dict[str, list[str]], changes: int) -> None:
        if self.copy_groups.adopt(mode, worked, changes):
            self._fill_headlines(keep=self.headlines.article_id)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch_disk(self) -> None:
        if self.marks.writing or (
            self._refresh_worker is not None and self._refresh_worker.is_running
        ):
            return
        try:
            snap = self.library.load_if_changed()
        except StoreError:
            return  # unreadable now (folder gone, disk trouble): keep showing what we have
        if snap is not None:
            self.app.call_from_thread(self._adopt, snap)

    def _adopt(self, snap: Snapshot) -> None:
        self.library.adopt(snap)
        # Changes a failed write left pending are not on disk yet: keep showing them.
        self.marks.reapply()
        self._state_changed(rebuild=True)  # which builds the new indexes
