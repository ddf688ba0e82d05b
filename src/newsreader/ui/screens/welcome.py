"""The first screen when there are no feeds: add a feed, import an OPML file, or open the demo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from newsreader.i18n import N_, _


class WelcomeScreen(Screen[None]):
    """Posts AddFeed, ImportOpml or OpenDemo; the app does the work and may call set_error."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "open_demo", N_("Open the demo"), id="welcome_demo"),
    ]

    @dataclass
    class AddFeed(Message):
        """Enter in the feed URL field."""

        url: str

    @dataclass
    class ImportOpml(Message):
        """Enter in the OPML field; `~` is already expanded."""

        path: str

    @dataclass
    class OpenDemo(Message):
        """The demo button or the d key."""

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome-box"):
            yield Static(Content(_("Welcome to newsreader")), id="welcome-title")
            yield Static(
                Content(_("You have no feeds yet. Add one, import a list, or try the demo."))
            )
            yield Label(Content(_("Feed address (Enter adds it)")))
            yield Input(placeholder="https://example.com/feed.xml", id="welcome-url")
            yield Label(Content(_("…or an OPML file to import (Enter imports it)")))
            yield Input(placeholder="~/subscriptions.opml", id="welcome-opml")
            yield Button(Content(_("Open the demo (d)")), id="welcome-demo")
            yield Static(Content(""), id="welcome-error", classes="-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#welcome-url", Input).focus()

    def set_error(self, text: str) -> None:
        """Show one error line (shown literally); an empty text hides it."""
        line = self.query_one("#welcome-error", Static)
        line.update(Content(text))
        line.set_class(not text, "-empty")

    @property
    def error(self) -> str:
        return str(self.query_one("#welcome-error", Static).content)

    @on(Input.Submitted, "#welcome-url")
    def _add_feed(self, event: Input.Submitted) -> None:
        event.stop()
        url = event.value.strip()
        if not url:
            self.set_error(_("Type the address of a feed first."))
            return
        self.set_error("")
        self.post_message(self.AddFeed(url))

    @on(Input.Submitted, "#welcome-opml")
    def _import_opml(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if not path:
            self.set_error(_("Type the path of an OPML file first."))
            return
        self.set_error("")
        self.post_message(self.ImportOpml(os.path.expanduser(path)))

    @on(Button.Pressed, "#welcome-demo")
    def _demo_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_open_demo()

    def action_open_demo(self) -> None:
        self.set_error("")
        self.post_message(self.OpenDemo())
