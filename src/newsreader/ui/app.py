"""The Textual application: owns the Library and the screens, persists the theme."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

import newsreader.i18n as i18n
from newsreader.i18n import _, translate_message
from newsreader.library import Library, LibraryError, StoreError
from newsreader.models import utcnow
from newsreader.opml import OpmlError, import_report, read_opml_report
from newsreader.ui.bindings import COMMANDS, relabel_bindings, resolve_keymap
from newsreader.ui.screens.welcome import WelcomeScreen


class NewsReaderApp(App[None]):
    CSS_PATH = "newsreader.tcss"
    TITLE = "newsreader"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        library: Library,
        *,
        now: Callable[[], datetime] = utcnow,
        state_file: Path | None = None,
        refresh_on_start: bool | None = None,
    ) -> None:
        i18n.set_language(i18n.resolve_language(library.settings.ui.language))
        relabel_bindings()  # the footer's words in that language
        super().__init__()
        self.library = library
        self.now = now
        self.state_file = state_file if state_file is not None else library.dirs.config / "ui.json"
        ui = library.settings.ui
        self.refresh_on_start = (
            ui.refresh_on_start if refresh_on_start is None else refresh_on_start
        )
        self._signals: list[int] = []
        self._stopping: asyncio.Task[None] | None = None
        self.exit_message: str | None = None  # printed by the caller once the terminal is back
        keys = resolve_keymap(library.settings.keys, _widget_bindings())
        self._unknown_keys = keys.unknown
        # Key clashes in [keys]: on stderr now (seen once the reader closes) and as notifications.
        self.key_warnings = keys.warnings
        for warning in keys.warnings:
            with contextlib.suppress(OSError):
                print(f"newsreader: {warning}", file=sys.stderr)
        if keys.keymap:
            self.set_keymap(keys.keymap)

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        saved = self._read_state().get("theme")
        if isinstance(saved, str) and saved in self.available_themes:
            self.theme = saved
        for warning in self.library.warnings:
            self.notify(
                translate_message(warning),
                title=_("Cache"),
                severity="warning",
                markup=False,
                timeout=10,
            )
        for warning in self.key_warnings:
            self.notify(warning, title=_("Keys"), severity="warning", markup=False, timeout=15)
        if self._unknown_keys:
            self.notify(
                _("Unknown binding ids in [keys]: ") + ", ".join(self._unknown_keys),
                severity="warning",
                markup=False,
            )
        self._install_signal_handlers()

    def on_ready(self) -> None:
        # The first screen comes after Textual's start-up batch: composed inside it, its first
        # frame (the whole headline list) was laid out, held back and laid out again (~60 ms
        # at 100,000 articles), and what its mount scheduled with `call_after_refresh` (the
        # tag pane's counts: 0.09 s) ran before anything was drawn.
        self.push_screen(self._first_screen())

    def _install_signal_handlers(self) -> None:
        """SIGTERM (shutdown, kill) and SIGHUP (terminal closed): save marks, then exit."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            # Not possible off the main thread or on Windows: those keep the default.
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(sig, self._on_exit_signal, sig)
                self._signals.append(sig)

    def on_unmount(self) -> None:
        with contextlib.suppress(Exception):
            loop = asyncio.get_running_loop()
            for sig in self._signals:
                loop.remove_signal_handler(sig)
        self._signals = []

    def _on_exit_signal(self, sig: int) -> None:
        if self._stopping is None:
            # A task, not a message: the app's queue may be busy with what the user was doing.
            self._stopping = asyncio.get_running_loop().create_task(self._save_and_exit(sig))

    async def _save_and_exit(self, sig: int) -> None:
        from newsreader.ui.screens.main import MainScreen

        errors: list[str] = []
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                error = await screen.drain()
                if error:
                    errors.append(error)
        if errors:
            self.exit_message = "newsreader: " + _("read/star changes not saved: {error}").format(
                error=translate_message(str(errors[0]))
            )
        self.exit(return_code=128 + sig)

    def _first_screen(self) -> Screen[None]:
        from newsreader.sync import accounts_state

        # A feed-server account brings its feeds with the first refresh (which syncs it).
        if self.library.feeds or accounts_state(self.library.dirs.config) == "":
            from newsreader.ui.screens.main import MainScreen

            return MainScreen()
        return WelcomeScreen()

    def show_main(self) -> None:
        """Leave the welcome screen once there are feeds."""
        from newsreader.ui.screens.main import MainScreen

        self.switch_screen(MainScreen())

    # ------------------------------------------------------------------ first run

    @on(WelcomeScreen.AddFeed)
    def _welcome_add(self, event: WelcomeScreen.AddFeed) -> None:
        self._discover_and_add(event.url)

    @work(thread=True, exclusive=True, group="subscribe", exit_on_error=False)
    def _discover_and_add(self, raw: str) -> None:
        """A web page's address finds its feeds (ingest/discover.py): one is added, several
        offered in a list; a feed, a file, or a page that cannot be read now is added as
        given (the refresh then says what is wrong)."""
        from newsreader.ingest.discover import feeds_at

        try:
            url, found, _unreadable = feeds_at(raw)
        except LibraryError as exc:
            self.call_from_thread(self._welcome_error, str(exc))
            return
        if found is not None and not found.is_feed:
            offers = [(c.url, c.title, c.kind) for c in found.candidates]
            if not offers:
                message = _(
                    "No feed found at {url}: no feed link in the page, none at the usual paths."
                ).format(url=url)
                self.call_from_thread(self._welcome_error, message)
                return
            if len(offers) > 1:
                self.call_from_thread(self._choose_feeds, url, offers)
                return
            url = offers[0][0]
        self._change_and_show(lambda: self.library.add_feed(url))

    def _choose_feeds(self, page: str, offers: list[tuple[str, str, str]]) -> None:
        from newsreader.ui.screens.feed_choice import FeedChoice

        def chosen(urls: list[str] | None) -> None:
            if urls:
                self._subscribe(lambda: self.library.add_feeds((u, "", []) for u in urls))

        self.push_screen(FeedChoice(page, offers), chosen)

    @on(WelcomeScreen.ImportOpml)
    def _welcome_import(self, event: WelcomeScreen.ImportOpml) -> None:
        def do() -> None:
            try:
                data = Path(event.path).read_bytes()
            except OSError as exc:
                raise LibraryError(f"cannot read {event.path}: {exc.strerror}") from None
            read = read_opml_report(data)
            added = self.library.add_feeds((f.url, f.title, f.tags) for f in read.feeds)
            lines = import_report(event.path, read, added, limit=5)
            if not added.added:  # one line: the summary and the first reason
                raise LibraryError("; ".join(line.strip() for line in lines[:2]))
            report = "\n".join(lines)
            self.call_from_thread(
                self.notify, report, title=_("Import"), markup=False, timeout=len(report) / 20 + 5
            )

        self._subscribe(do)

    @on(WelcomeScreen.OpenDemo)
    def _welcome_demo(self, event: WelcomeScreen.OpenDemo) -> None:
        from newsreader.demo import demo_feeds

        feeds = demo_feeds()
        self._subscribe(lambda: self.library.subscribe(feeds))

    @work(thread=True, exclusive=True, group="subscribe", exit_on_error=False)
    def _subscribe(self, change: Callable[[], object]) -> None:
        self._change_and_show(change)

    def _change_and_show(self, change: Callable[[], object]) -> None:
        """Subscribe (in a worker thread), then the reader; an error stays on the welcome."""
        try:
            change()
        except (LibraryError, OpmlError, StoreError) as exc:
            self.call_from_thread(self._welcome_error, str(exc))
            return
        self.refresh_on_start = True  # fetch what was just added
        self.call_from_thread(self.show_main)

    def _welcome_error(self, text: str) -> None:
        if isinstance(self.screen, WelcomeScreen):
            self.screen.set_error(text)

    def watch_theme(self, theme: str) -> None:
        state = self._read_state()
        if state.get("theme") != theme:
            state["theme"] = theme
            self._write_state(state)

    # ------------------------------------------------------------------ palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in COMMANDS:
            if not command.palette:
                continue
            action = command.action
            yield SystemCommand(
                command.label,
                _("{group} · key: {key}").format(
                    group=_(command.group), key=command.keys.split(",")[0]
                ),
                partial(self._run_screen_action, action),
            )

    def _run_screen_action(self, action: str) -> None:
        self.call_later(self.screen.run_action, action)

    # ------------------------------------------------------------------ ui state

    def _read_state(self) -> dict[str, object]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_state(self, state: dict[str, object]) -> None:
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_name(f".{self.state_file.name}.tmp")
            tmp.write_text(json.dumps(state), encoding="utf-8")
            os.replace(tmp, self.state_file)
        except OSError as exc:
            self.notify(
                _("Cannot save the theme: {error}").format(error=exc.strerror),
                severity="warning",
                markup=False,
            )


def _widget_bindings() -> list[list[tuple[str, str]]]:
    """`(id, keys)` of the bindings that widgets and screens declare themselves, per class."""
    from newsreader.ui.screens.feed_health import FeedHealthScreen, _HealthTable
    from newsreader.ui.screens.help import HelpScreen, _HelpTable
    from newsreader.ui.widgets.article_view import ArticleView, TagRow
    from newsreader.ui.widgets.headline_list import HeadlineList
    from newsreader.ui.widgets.tag_pane import TagPane

    classes: list[type[DOMNode]] = [
        ArticleView,
        TagRow,
        FeedHealthScreen,
        _HealthTable,
        HeadlineList,
        HelpScreen,
        _HelpTable,
        TagPane,
        WelcomeScreen,
    ]
    return [
        [(b.id, b.key) for b in cls.BINDINGS if isinstance(b, Binding) and b.id] for cls in classes
    ]
