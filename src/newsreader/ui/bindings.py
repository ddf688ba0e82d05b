"""Every key binding of the reader, each with an id (remappable in `[keys]` of config.toml).

One table feeds the bindings, the help screen and the command palette, so the three never
disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import _character_to_key  # the key names Textual's keymap uses

from newsreader.i18n import N_, _


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    keys: str
    action: str
    description: str
    group: str
    show: bool = False  # in the footer
    palette: bool = True  # in the command palette
    n: int = 0  # for "{n}" in the description (the related stories' digits)

    @property
    def label(self) -> str:
        """The description in the reader's language (marked with N_ below)."""
        text = _(self.description)
        return text.format(n=self.n) if "{n}" in text else text


# The groups of the help screen, as COMMANDS name them.
GROUPS = (N_("Move"), N_("Article"), N_("View"), N_("Feeds"), N_("App"))

COMMANDS: tuple[Command, ...] = (
    # Moving around
    Command("focus_left", "h", "focus_pane(-1)", N_("Focus the pane to the left"), "Move"),
    Command("focus_right", "l", "focus_pane(1)", N_("Focus the pane to the right"), "Move"),
    Command("next_unread", "n", "next_unread", N_("Next unread article"), "Move", show=True),
    Command("prev_unread", "p", "prev_unread", N_("Previous unread article"), "Move"),
    Command("page_or_next", "space", "page_or_next", N_("Page down, then next unread"), "Move"),
    Command("open_article", "enter", "open_article", N_("Open the article"), "Move", palette=False),
    Command("back", "backspace,alt+left", "back", N_("Back (history)"), "Move", show=True),
    Command("forward", "alt+right", "forward", N_("Forward (history)"), "Move"),
    # 1-9 open the related stories by their number in the box.
    *(
        Command(
            f"related_{n}",
            str(n),
            f"related({n})",
            N_("Open related story {n}"),
            "Move",
            palette=False,
            n=n,
        )
        for n in range(1, 10)
    ),
    Command(
        "also_reported", "c", "also_reported", N_("Other feeds' reports of this story"), "Move"
    ),
    Command(
        "related_box", "b", "related_box", N_("The related stories (j/k move, Enter opens)"), "Move"
    ),
    Command("play", "e", "play", N_("Play the article's enclosure (audio, video)"), "Article"),
    Command(
        "fetch_text",
        "T",
        "fetch_text",
        N_("Fetch the full text from the article's page"),
        "Article",
    ),
    # Articles
    Command(
        "open_link",
        "o",
        "open_link",
        N_("Open the article's link"),
        "Article",
        show=True,
    ),
    Command("star", "s", "toggle_star", N_("Star / unstar"), "Article", show=True),
    Command(
        "tag_article", "number_sign", "tag_article", N_("Your own tags on this article"), "Article"
    ),
    Command(
        "copy_link", "y", "copy_link", N_("Copy the article's link (terminal clipboard)"), "Article"
    ),
    Command(
        "save_article",
        "greater_than_sign",
        "save_article",
        N_("Save the article as Markdown"),
        "Article",
    ),
    Command(
        "pipe_article",
        "vertical_line",
        "pipe_article",
        N_("Pipe the article to a command"),
        "Article",
    ),
    Command("toggle_read", "m", "toggle_read", N_("Mark read / unread"), "Article"),
    Command("mark_all_read", "A", "mark_all_read", N_("Mark everything in view read"), "Article"),
    Command("mark_above_read", "K", "mark_above_read", N_("Mark everything above read"), "Article"),
    Command("mark_below_read", "J", "mark_below_read", N_("Mark everything below read"), "Article"),
    Command(
        "open_unread",
        "O",
        "open_unread",
        N_("Open the unread articles' links (10 at a time), mark them read"),
        "Article",
    ),
    Command("undo", "u", "undo", N_("Undo marking many read (A, J, K)"), "Article"),
    # Views
    Command("search", "slash", "search", N_("Search"), "View", show=True),
    Command(
        "save_search",
        "w",
        "save_search",
        N_("Save the search (on a saved search: forget it)"),
        "View",
    ),
    Command("unread_only", "U", "toggle_unread_only", N_("Show only unread headlines"), "View"),
    Command("toggle_feeds", "f", "toggle_feeds", N_("Show feeds in the tag pane"), "View"),
    Command(
        "fold_copies", "F", "toggle_fold", N_("Fold copies, then stories, into one row"), "View"
    ),
    Command("sort_tags", "S", "sort_tags", N_("Sort tags by name or unread count"), "View"),
    Command("feed_health", "E", "feed_health", N_("Feed health: errors of each feed"), "View"),
    Command("zoom", "z", "zoom", N_("Zoom the article"), "View", show=True),
    Command("toggle_tags", "t", "toggle_tags", N_("Hide or show the tag pane"), "View"),
    Command(
        "leave",
        "escape",
        "leave",
        N_("Leave the zoomed article or the tag list"),
        "View",
        palette=False,
    ),
    # Feeds
    Command("refresh_all", "r", "refresh_all", N_("Refresh all feeds"), "Feeds", show=True),
    Command("refresh_feed", "R", "refresh_feed", N_("Refresh the current article's feed"), "Feeds"),
    Command(
        "edit_tags",
        "plus",
        "edit_tags",
        N_("Edit the feed's tags (on a tag in the tag pane: rename it)"),
        "Feeds",
    ),
    # App
    Command("help", "question_mark", "help", N_("Show every key"), "App", show=True),
    Command("quit", "q", "quit", N_("Quit"), "App", show=True),
)


def screen_bindings() -> list[BindingType]:
    """The main screen's bindings, built from COMMANDS."""
    return [
        Binding(c.keys, c.action, c.label, show=c.show, id=c.id, priority=False) for c in COMMANDS
    ]


@dataclass(frozen=True, slots=True)
class ResolvedKeys:
    keymap: dict[str, str]  # binding id -> keys, for `App.set_keymap`
    unknown: list[str]  # ids in `[keys]` that name no binding
    warnings: list[str]  # one line per key that two bindings wanted


def resolve_keymap(
    raw: Mapping[str, str], widget_bindings: Iterable[Sequence[tuple[str, str]]] = ()
) -> ResolvedKeys:
    """Turn `[keys]` into a keymap in which every key does one thing.

    The screen's COMMANDS share one set of keys, and each widget's own bindings another
    (`widget_bindings`: `(id, default keys)` per widget class). Within a set:

    - a key in `[keys]` wins over the same key as another action's default; that action keeps
      its other keys (a warning says so, and when it has none left);
    - a key given to two actions in `[keys]` stays with the action whose default it is, else with
      the first of them in the file; the other keeps its other keys from `[keys]`, or, with none
      left, its default keys (so `star = "s"` and `quit = "s"` leave `q` quitting);
    - every such clash is one warning line naming the key, both actions and the outcome.
    """
    groups = [[(c.id, c.keys) for c in COMMANDS], *(list(group) for group in widget_bindings)]
    known = {binding_id for group in groups for binding_id, _ in group}
    explicit = {
        str(binding_id): _key_list(keys)
        for binding_id, keys in raw.items()
        if binding_id in known and _key_list(keys)
    }
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for group in groups:
        final, lines = _resolve_group(dict(group), explicit)
        for binding_id, keys in final.items():
            keymap.setdefault(binding_id, ",".join(keys))  # the first set an id is in decides
        warnings += [line for line in lines if line not in warnings]
    keymap = {binding_id: keys for binding_id, keys in keymap.items() if keys}
    unknown = sorted(str(binding_id) for binding_id in raw if binding_id not in known)
    return ResolvedKeys(keymap, unknown, warnings)


def _key_list(keys: object) -> list[str]:
    """Keys in Textual's long form ("?" is "question_mark"), each once, in the given order."""
    names: list[str] = []
    for part in str(keys).split(","):
        key = part.strip()
        key = _character_to_key(key) if len(key) == 1 else key
        if key and key not in names:
            names.append(key)
    return names


def _resolve_group(
    group: dict[str, str], explicit: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """The keys of the remapped ids and of the ids that lost a default key, plus warnings."""
    defaults = {binding_id: _key_list(keys) for binding_id, keys in group.items()}
    mine = {binding_id: keys for binding_id, keys in explicit.items() if binding_id in defaults}
    wanted: dict[str, list[str]] = {}  # key -> remapped ids that want it, in file order
    for binding_id, keys in mine.items():
        for key in keys:
            wanted.setdefault(key, []).append(binding_id)
    owner = {
        key: next((b for b in ids if key in defaults[b]), ids[0]) for key, ids in wanted.items()
    }
    final = {b: [key for key in keys if owner[key] == b] for b, keys in mine.items()}
    displaced: dict[str, list[str]] = {}  # key -> ids not remapped whose default it was
    for binding_id, keys in defaults.items():
        if binding_id in mine:
            continue
        kept = [key for key in keys if key not in wanted]
        for key in keys:
            if key in wanted:
                displaced.setdefault(key, []).append(binding_id)
            else:
                owner.setdefault(key, binding_id)
        if kept != keys:
            final[binding_id] = kept  # so the help screen shows the keys left
    fell_back: set[str] = set()
    for binding_id in mine:
        if not final[binding_id]:
            final[binding_id] = [key for key in defaults[binding_id] if key not in owner]
            owner.update(dict.fromkeys(final[binding_id], binding_id))
            fell_back.add(binding_id)

    def outcome(binding_id: str) -> str:
        keys = final.get(binding_id, defaults[binding_id])
        if not keys:
            also = ", only ctrl+q" if binding_id == "quit" else ""
            return f"{binding_id} has no key left{also} (give it one in [keys])"
        spelt = ", ".join(f'"{key}"' for key in keys)
        return f"{binding_id} keeps {'its default ' if binding_id in fell_back else ''}{spelt}"

    warnings: list[str] = []
    for key in dict.fromkeys([*wanted, *displaced]):
        ids, losers = wanted[key], displaced.get(key, [])
        if len(ids) < 2 and not losers:
            continue
        winner = owner[key]
        names = ids[0] if len(ids) == 1 else " and ".join([", ".join(ids[:-1]), ids[-1]])
        text = f'key "{key}" is bound to {"both " if len(ids) == 2 else ""}{names} in [keys]'
        if losers:
            text += f" and is the default of {' and '.join(losers)}"
        if len(ids) > 1:
            why = "its default" if key in defaults[winner] else "the first in [keys]"
            text += f"; {winner} keeps it ({why})"
        else:
            text += f"; {winner} gets it"
        rest = [outcome(b) for b in ids if b != winner] + [outcome(b) for b in losers]
        warnings.append(f"config: {text}; " + "; ".join(rest))
    return final, warnings


_ENGLISH: dict[type, list[BindingType]] = {}


def relabel_bindings() -> None:
    """Every screen's footer words in the current language (i18n.set_language): Textual merges a
    class's bindings once, when the class is made, so they are made again here from the English
    sources (marked with N_ where they are written)."""
    from dataclasses import replace

    from newsreader.ui.screens.feed_health import FeedHealthScreen
    from newsreader.ui.screens.help import HelpScreen
    from newsreader.ui.screens.main import MainScreen
    from newsreader.ui.screens.text_prompt import TextPrompt
    from newsreader.ui.screens.welcome import WelcomeScreen

    MainScreen.BINDINGS = screen_bindings()
    MainScreen._merged_bindings = MainScreen._merge_bindings()
    for cls in (FeedHealthScreen, HelpScreen, TextPrompt, WelcomeScreen):
        source = _ENGLISH.setdefault(cls, list(cls.BINDINGS))
        cls.BINDINGS = [
            replace(b, description=_(b.description)) if isinstance(b, Binding) else b
            for b in source
        ]
        cls._merged_bindings = cls._merge_bindings()
