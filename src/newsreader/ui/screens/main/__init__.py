"""The reader's main screen: tags | headlines | article, and everything that moves between them.

One class, MainScreen, put together from one module per job (base.py: state, layout, lists,
showing an article; navigation, user_tags, saved_searches, sharing, writes, actions,
background).
Widgets get plain model objects and post messages up; slow work (Markdown, related stories,
search, store writes, refresh, loading another process's changes) runs in workers, and results
come back to this loop, which alone changes the in-memory state.
"""

from __future__ import annotations

from newsreader.ui.bindings import screen_bindings
from newsreader.ui.screens.main.actions import ActionsPart
from newsreader.ui.screens.main.background import BackgroundPart
from newsreader.ui.screens.main.base import READ_ONLY_NOTICE, Shown
from newsreader.ui.screens.main.navigation import NavigationPart
from newsreader.ui.screens.main.saved_searches import SavedSearchesPart
from newsreader.ui.screens.main.sharing import SharingPart
from newsreader.ui.screens.main.user_tags import UserTagsPart
from newsreader.ui.screens.main.writes import WritesPart

__all__ = ["READ_ONLY_NOTICE", "MainScreen", "Shown"]


class MainScreen(
    NavigationPart,
    UserTagsPart,
    SavedSearchesPart,
    SharingPart,
    WritesPart,
    ActionsPart,
    BackgroundPart,
):
    BINDINGS = screen_bindings()
