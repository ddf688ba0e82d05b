"""The static pieces an article page is made of (kicker, headline, date line, ...), and when the
body is long enough for the fast path (fast_markdown.py). Their click actions go to the
enclosing article view, which checks every link before anything is opened."""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import Static

# Past either limit the body is drawn by one rich renderable instead of one widget per block:
# textual's Markdown costs ~0.4 s for 150 blocks and ~2.7 s for 750 (shared/FACTS.md).
FAST_PATH_CHARS = 12_000
FAST_PATH_BLOCKS = 40
_BLOCK_START = re.compile(r"\n\n+|^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]", re.M)


def estimate_blocks(markdown: str) -> int:
    """About how many widgets textual's Markdown would mount for this text (paragraphs, items)."""
    return 1 + sum(1 for _ in _BLOCK_START.finditer(markdown)) if markdown else 0


class ForwardsClicks:
    """Click actions of the page's pieces, handed to the enclosing article view."""

    def _view(self) -> Any:
        """The nearest ancestor that checks and follows links (the article view)."""
        for node in self.ancestors:  # type: ignore[attr-defined]
            if hasattr(node, "follow_link") and hasattr(node, "open_enclosure"):
                return node
        return None

    def action_follow_link(self, href: str) -> None:
        if (view := self._view()) is not None:
            view.follow_link(href)

    def action_open_enclosure(self, index: int) -> None:
        if (view := self._view()) is not None:
            view.open_enclosure(index)


class Part(ForwardsClicks, Static):
    """A piece of the page (kicker, headline, ...)."""
