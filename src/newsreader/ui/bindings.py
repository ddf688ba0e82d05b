"""Every key binding of the reader, each with an id (remappable in `[keys]` of config.toml).

One table feeds the bindings, the help screen and the command palette, so the three never
disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    keys: str
    action: str
    description: str
    group: str
    show: bool = False  # in the footer
    palette: bool = True  # in the command palette


COMMANDS: tuple[Command, ...] = (
    # Moving around
    Command("focus_left", "h", "focus_pane(-1)", "Focus the pane to the left", "Move"),
    Command("focus_right", "l", "focus_pane(1)", "Focus the pane to the right", "Move"),
    Command("next_unread", "n", "next_unread", "Next unread article", "Move", show=True),
    Command("prev_unread", "p", "prev_unread", "Previous unread article", "Move"),
    Command("page_or_next", "space", "page_or_next", "Page down, then next unread", "Move"),
    Command("open_article", "enter", "open_article", "Open the article", "Move", palette=False),
    Command("back", "backspace,alt+left", "back", "Back (history)", "Move", show=True),
    Command("forward", "alt+right", "forward", "Forward (history)", "Move"),
    Command("related_1", "1", "related(1)", "Open related story 1", "Move", palette=False),
    Command("related_2", "2", "related(2)", "Open related story 2", "Move", palette=False),
    Command("related_3", "3", "related(3)", "Open related story 3", "Move", palette=False),
    Command("related_4", "4", "related(4)", "Open related story 4", "Move", palette=False),
    Command("related_5", "5", "related(5)", "Open related story 5", "Move", palette=False),
    Command("related_6", "6", "related(6)", "Open related story 6", "Move", palette=False),
    Command("related_7", "7", "related(7)", "Open related story 7", "Move", palette=False),
    Command("related_8", "8", "related(8)", "Open related story 8", "Move", palette=False),
    Command("related_9", "9", "related(9)", "Open related story 9", "Move", palette=False),
    # Articles
    Command(
        "open_link",
        "o",
        "open_link",
        "Open the article's link in the browser",
        "Article",
        show=True,
    ),
    Command("star", "s", "toggle_star", "Star / unstar", "Article", show=True),
    Command("toggle_read", "m", "toggle_read", "Mark read / unread", "Article"),
    Command("mark_all_read", "A", "mark_all_read", "Mark everything in view read", "Article"),
    Command("undo", "u", "undo", "Undo mark all read", "Article"),
    # Views
    Command("search", "slash", "search", "Search", "View", show=True),
    Command("unread_only", "U", "toggle_unread_only", "Show only unread headlines", "View"),
    Command("toggle_feeds", "f", "toggle_feeds", "Show feeds in the tag pane", "View"),
    Command("sort_tags", "S", "sort_tags", "Sort tags by name or unread count", "View"),
    Command("feed_health", "E", "feed_health", "Feed health: errors of each feed", "View"),
    # Feeds
    Command("refresh_all", "r", "refresh_all", "Refresh all feeds", "Feeds", show=True),
    Command("refresh_feed", "R", "refresh_feed", "Refresh the current article's feed", "Feeds"),
    # App
    Command("help", "question_mark", "help", "Show every key", "App", show=True),
    Command("quit", "q", "quit", "Quit", "App", show=True),
)


def screen_bindings() -> list[Binding]:
    """The main screen's bindings, built from COMMANDS."""
    return [
        Binding(c.keys, c.action, c.description, show=c.show, id=c.id, priority=False)
        for c in COMMANDS
    ]


def parse_keymap(
    raw: dict[str, str], extra_ids: Iterable[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """Keep the `[keys]` entries that name a known binding; report the others.

    `extra_ids` are the ids of widgets' own bindings (headline_down, close_help...).
    """
    known = {c.id for c in COMMANDS} | set(extra_ids)
    keymap = {k: v.replace(" ", "") for k, v in raw.items() if k in known and v.strip()}
    unknown = sorted(set(raw) - known)
    return keymap, unknown
