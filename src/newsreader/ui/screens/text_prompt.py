"""A one-line question over the reader (edit a feed's tags, rename a tag): Enter answers with
the text, Esc answers None. The prompt and the starting text are shown as `Content`, never as
markup (tags and feed titles come from feeds)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from newsreader.i18n import N_


class TextPrompt(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="prompt_cancel"),
    ]
    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > #prompt-box {
        width: 72;
        max-width: 95%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    TextPrompt #prompt-hint { color: $text-muted; }
    """

    def __init__(self, question: str, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.question, self.value, self.hint = question, value, hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(Content(self.question), id="prompt-question")
            yield Input(value=self.value, id="prompt-input")
            yield Static(Content(self.hint or "Enter: save · Esc: cancel"), id="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
