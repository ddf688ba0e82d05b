"""Which of a page's feeds to subscribe to (feed discovery in the reader): a list of them,
space ticks one, Enter subscribes to the ticked ones (or the highlighted one), Esc cancels.
Titles and URLs come from the page: shown as `Content`, never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from newsreader.i18n import N_, _


class FeedChoice(ModalScreen[list[str] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="choice_cancel"),
        Binding("enter", "choose", N_("Subscribe"), id="choice_choose", priority=True),
    ]
    DEFAULT_CSS = """
    FeedChoice { align: center middle; }
    FeedChoice > #choice-box {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    FeedChoice SelectionList { height: auto; max-height: 20; }
    FeedChoice #choice-hint { color: $text-muted; }
    """

    def __init__(self, page: str, offers: Sequence[tuple[str, str, str]]) -> None:
        """`offers`: (url, title, kind) of each feed the page at `page` offers."""
        super().__init__()
        self.page = page
        self.offers = list(offers)

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Static(
                Content(
                    _("{page} offers {count} feeds:").format(page=self.page, count=len(self.offers))
                ),
                id="choice-question",
            )
            yield SelectionList[str](
                *(
                    Selection(
                        Content(
                            f"{title or url}  ({kind})  {url}" if title else f"{url}  ({kind})"
                        ),
                        url,
                    )
                    for url, title, kind in self.offers
                )
            )
            yield Static(
                Content(
                    _("Space: tick · Enter: subscribe to the ticked (or this one) · Esc: cancel")
                ),
                id="choice-hint",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_choose(self) -> None:
        listed: SelectionList[str] = self.query_one(SelectionList)
        chosen = list(listed.selected)
        if not chosen and listed.highlighted is not None:
            chosen = [listed.get_option_at_index(listed.highlighted).value]
        self.dismiss(chosen or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
