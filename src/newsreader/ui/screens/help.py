"""The help screen: every command with the keys it is bound to now, grouped, plus list keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from newsreader.i18n import N_, _
from newsreader.ui.bindings import COMMANDS, Command

PANE_GROUP = N_("In lists and panes")

# Keys bound inside the panes themselves (no remappable command): (keys, description).
PANE_KEYS: tuple[tuple[str, str], ...] = (
    ("tab", N_("Focus the next pane")),
    ("shift+tab", N_("Focus the previous pane")),
    ("down,j", N_("Down one row")),
    ("up,k", N_("Up one row")),
    ("pagedown,pageup", N_("Down / up one page")),
    ("home,end", N_("First / last row")),
    ("enter", N_("Choose the highlighted row")),
    ("escape", N_("Close this screen or a dialog")),
)


@dataclass(frozen=True, slots=True)
class HelpRow:
    group: str
    keys: str  # as displayed, e.g. "⌫, alt+←"
    description: str
    binding_id: str  # "" for pane keys, which cannot be remapped


def help_rows(
    commands: Sequence[Command],
    keymap: Mapping[str, str],
    key_display: Callable[[str], str],
    pane_keys: Sequence[tuple[str, str]] = PANE_KEYS,
) -> list[HelpRow]:
    """Rows grouped in the order groups first appear; keys from `keymap` where it remaps one."""

    def show(keys: str) -> str:
        return ", ".join(key_display(k.strip()) for k in keys.split(",") if k.strip())

    groups: dict[str, list[HelpRow]] = {}
    for command in commands:
        keys = keymap.get(command.id) or command.keys
        row = HelpRow(_(command.group), show(keys), command.label, command.id)
        groups.setdefault(command.group, []).append(row)
    pane_group = _(PANE_GROUP)
    for keys, description in pane_keys:
        row = HelpRow(pane_group, show(keys), _(description), "")
        groups.setdefault(pane_group, []).append(row)
    return [row for rows in groups.values() for row in rows]


_README_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "asterisk": "*",
    "plus": "+",
    "backspace": "Backspace",
    "escape": "Esc",
    "enter": "Enter",
    "space": "Space",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "alt+left": "Alt+←",
    "alt+right": "Alt+→",
    "down": "↓",
    "up": "↑",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "greater_than_sign": ">",
    "number_sign": "#",
    "vertical_line": "\\|",  # escaped: a bare | would end the table's cell
}


def _readme_key(key: str) -> str:
    name = _README_KEY_NAMES.get(key)
    if name is None:
        name = key.replace("ctrl+", "Ctrl+")
    return f"`{name}`"


def keys_markdown(commands: Sequence[Command] = COMMANDS) -> str:
    """The help screen's table as Markdown, for the README (a test keeps the two the same)."""
    rows = help_rows(commands, {}, _readme_key)
    lines = ["| Keys | Command | Id |", "|---|---|---|"]
    group = None
    for row in rows:
        if row.binding_id[len("related_") :].isdigit() and row.binding_id != "related_1":
            continue  # 1-9 are one row
        if row.group != group:
            group = row.group
            lines.append(f"| **{group}** | | |")
        keys, description, ident = row.keys, row.description, row.binding_id
        if ident == "related_1":
            keys, description, ident = (
                "`1` … `9`",
                "Open related story 1-9",
                "related_1 … related_9",
            )
        lines.append(f"| {keys} | {description} | {ident} |")
    return "\n".join(lines) + "\n"


class _HelpTable(DataTable[Text]):
    """A read-only table: j/k scroll like the lists, home/end go to the top/bottom."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", N_("Down"), show=False, id="help_down"),
        Binding("k", "cursor_up", N_("Up"), show=False, id="help_up"),
        Binding("home", "scroll_top", N_("Top"), show=False, id="help_top"),
        Binding("end", "scroll_bottom", N_("Bottom"), show=False, id="help_bottom"),
    ]


class HelpScreen(ModalScreen[None]):
    """Every key, in a scrollable table; escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", N_("Close"), id="close_help"),
    ]

    def __init__(
        self,
        commands: Sequence[Command] = COMMANDS,
        *,
        keymap: Mapping[str, str] | None = None,
        pane_keys: Sequence[tuple[str, str]] = PANE_KEYS,
    ) -> None:
        """`keymap` None: use the app's current keymap (its `[keys]` remappings)."""
        super().__init__()
        self._commands = commands
        self._keymap = keymap
        self._pane_keys = pane_keys
        self.rows: list[HelpRow] = []

    def _key_display(self, key: str) -> str:
        return self.app.get_key_display(Binding(key, ""))

    def compose(self) -> ComposeResult:
        # Textual keeps the keymap in a private attribute; fall back to the defaults without it.
        keymap = self._keymap if self._keymap is not None else getattr(self.app, "_keymap", {})
        self.rows = help_rows(self._commands, keymap, self._key_display, self._pane_keys)
        with Vertical(id="help-box"):
            yield Static(Content(_("Help: every key")), id="help-title")
            yield Static(
                Content(_("Remap a key by its id in the [keys] table of config.toml.")),
                id="help-hint",
            )
            yield _HelpTable(cursor_type="none", zebra_stripes=True, id="help-table")

    def on_mount(self) -> None:
        table = self.query_one(_HelpTable)
        table.add_column(_("Keys"), key="keys")
        table.add_column(_("Command"), key="description")
        table.add_column(_("Id"), key="id")
        group = None
        for row in self.rows:
            if row.group != group:
                if group is not None:
                    table.add_row(Text(), Text(), Text())
                group = row.group
                table.add_row(Text(group, style="bold underline"), Text(), Text())
            table.add_row(
                Text(row.keys, style="bold"), Text(row.description), Text(row.binding_id, "dim")
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)


if __name__ == "__main__":  # python -m newsreader.ui.screens.help: the README's keys table
    print(keys_markdown(), end="")
