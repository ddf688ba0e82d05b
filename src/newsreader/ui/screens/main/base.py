"""The main screen's core: its state, the three panes' layout, filling the lists and showing an
article (Markdown, related stories and coverage from a worker). The other jobs are mixins on
this class, one module each (navigation, user_tags, writes, actions, background); MainScreen in
__init__.py puts them together. The screen is the only UI object that talks to the Library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, get_current_worker

from newsreader.history import History, Place
from newsreader.i18n import N_, _, translate_message
from newsreader.indexes.related import Related
from newsreader.library import Library
from newsreader.marks import Marks
from newsreader.models import Article, Enclosure
from newsreader.sharing import open_with_opener
from newsreader.ui.copy_groups import CopyGroups, Fold
from newsreader.ui.panes import Mode, Pane, Panes
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.ui.widgets.tag_pane import TagPane
from newsreader.views import View, ViewKind

if TYPE_CHECKING:
    from newsreader.ui.app import NewsReaderApp

SHOW_DEBOUNCE = 0.12  # s: holding j/k must not render every article on the way
WATCH_INTERVAL = 5.0  # s: how often to look for another process's commits
# `_display`'s scroll_y for the same article shown again (its related stories came): the place
# the reader is at when it is shown, and the end if they were at the end (End typed meanwhile).
KEEP_PLACE = -1.0
INDEX_DELAY = 0.3  # s after mount: let the first frame out before the index build starts
# Up to this many articles the tag pane's counts (~1 ms per 1,000) come with the headlines in
# the first frame; above, the headlines go first and the counts a frame later.
TAGS_WITH_FIRST_FRAME = 20_000


@dataclass(slots=True)
class Shown:
    """What the article pane got from a worker."""

    article: Article
    markdown: str
    related: list[tuple[Related, Article]]
    coverage: list[Article]  # the same story in other feeds ("also reported by")
    complete: bool = True  # False: shown before the related index was built (none yet)


READ_ONLY_NOTICE = N_("Read-only cache: reading only · read/star marks last until you quit")


class MainBase(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.view = View.ALL
        self.unread_only = False
        self.search_query: str | None = None
        self.history = History()
        self._undo: list[str] = []
        self._marks: Marks | None = None
        self._show_timer: Timer | None = None
        # The article the reader asked for last (a cursor move, Enter, a related story) until
        # it is on screen: keys act on it, not on the one the pane still shows meanwhile.
        self._opening: str | None = None
        self._read_timer: Timer | None = None
        self._awaiting_related: str | None = None  # the article shown before the index was
        self._refresh_worker: Worker[None] | None = None
        self._warned = 0  # library warnings already shown (the app shows those of opening)
        # The search index synced and placed once: until then saved searches show no count (a
        # count at start would run every saved search on this thread before the first paint).
        self._search_ready = False
        self._revision = -1
        self._quit_anyway = False
        self._retry_timer: Timer | None = None
        self._write_error: str | None = None
        self.copy_groups = CopyGroups(lambda: self.library)
        self.panes = Panes()

    # Implemented by the parts (MainScreen's other bases), called from here and across parts.
    if TYPE_CHECKING:

        def _play(self, enclosure: Enclosure) -> None: ...
        def _focus_article(self) -> None: ...
        def _mark(self, articles: Sequence[Article], *, read: bool) -> None: ...
        def action_refresh_all(self) -> None: ...
        def _build_indexes(self) -> object: ...
        def _sync_search(self) -> object: ...
        def _work_out_groups(self) -> object: ...
        def _watch_disk(self) -> object: ...
        async def drain(self, timeout: float | None = None) -> str | None: ...

    # ------------------------------------------------------------------ helpers

    def _current(self) -> Article | None:
        for article_id in (self._opening, self.article_view.article_id, self.headlines.article_id):
            article = self.library.articles.get(article_id) if article_id else None
            if article is not None:
                return article
        return None

    def _open_url(self, url: str) -> None:
        """A link: with the `[openers]` command set for links like it, else in the browser."""
        lib = self.library
        name, error = open_with_opener(url, lib.settings.openers, lib.warnings)
        if error:
            self.notify(translate_message(error), severity="warning", timeout=3, markup=False)
        elif name:
            self.notify(_("Opened with {program}").format(program=name), timeout=2, markup=False)
        else:
            self.app.open_url(url)

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
            placeholder=_(
                'Search: words, "phrase", a OR b, tag:X, feed:Y, title:X, newer:3d, unread, starred'
            ),
            id="search",
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
        self._fill_headlines()
        # The tag pane's counts walk every article (~0.1 s at 100,000): in a large cache the
        # headlines go out in the first frame, the counts in the next.
        if len(self.library.articles) <= TAGS_WITH_FIRST_FRAME:
            self._fill_tags()
        else:
            self.call_after_refresh(self._fill_tags)
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
        elif kind is ViewKind.QUERY:
            saved = lib.saved.get(value)
            items = list(lib.saved.articles(saved)) if saved is not None else []
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
            queries=self._saved_counts(),
        )

    def _saved_counts(self) -> list[tuple[str, int | None]]:
        saved = self.library.saved
        if not self._search_ready:
            return [(s.name, None) for s in saved.all()]
        return [(s.name, unread) for s, unread, _total in saved.counts()]

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
                ViewKind.QUERY: _("Saved search: {value}"),
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
        article_id = self._opening = event.article_id
        self._show_timer = self.set_timer(SHOW_DEBOUNCE, lambda: self._open(article_id))

    @on(HeadlineList.Selected)
    def _on_selected(self, event: HeadlineList.Selected) -> None:
        if self.article_view.article_id != event.article_id:
            self._open(event.article_id)
        self._focus_article()

    def _cancel_pending_show(self) -> None:
        self._opening = None
        if self._show_timer is not None:
            self._show_timer.stop()
            self._show_timer = None

    def _open(self, article_id: str, *, scroll_y: float = 0.0, push: bool = True) -> None:
        article = self.library.articles.get(article_id)
        if article is None:
            return
        # What the reader asked for last wins: a cursor move's delayed open must not follow.
        self._cancel_pending_show()
        self._opening = article_id
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
        if not lib.related_ready:
            # The index worker is still building it (seconds in a large cache): the article
            # now, its related stories when the index is built (`_indexes_built` shows it again).
            if not get_current_worker().is_cancelled:
                shown = Shown(article, markdown, [], [], complete=False)
                self.app.call_from_thread(self._display, shown, scroll_y)
            return
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
        if self._opening == art.id:
            self._opening = None
        if scroll_y == KEEP_PLACE:
            view = self.article_view
            at_end = 0 < view.scroll_y >= view.max_scroll_y
            scroll_y = math.inf if at_end else view.scroll_y
        self._awaiting_related = None if shown.complete else art.id
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
