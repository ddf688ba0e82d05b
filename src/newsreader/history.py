"""Back/forward history of what the reader looked at, as in a browser (after frogmouth's).

Pure Python and independent of the UI: an entry records everything needed to put the screen
back exactly as it was: which list was shown, which headline was selected, which article was
open and how far it was scrolled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from newsreader.views import View


@dataclass(frozen=True, slots=True)
class Place:
    """One stop in the history."""

    view: View  # the headline list shown
    article_id: str | None  # the open article
    headline_row: int = 0  # the selected row of the headline list
    scroll_y: float = 0.0  # the article pane's scroll offset


class History:
    """A cursor into a list of places; going somewhere new drops the forward places."""

    def __init__(self, limit: int = 200) -> None:
        self._places: list[Place] = []
        self._index = -1
        self._limit = limit

    @property
    def current(self) -> Place | None:
        return self._places[self._index] if self._places else None

    @property
    def can_go_back(self) -> bool:
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        return 0 <= self._index < len(self._places) - 1

    def __len__(self) -> int:
        return len(self._places)

    def visit(self, place: Place) -> None:
        """Go to a new place (after the current one); revisiting the current one is a no-op."""
        if self.current is not None and self.current.article_id == place.article_id:
            self._places[self._index] = place
            return
        del self._places[self._index + 1 :]
        self._places.append(place)
        if len(self._places) > self._limit:
            del self._places[0]
        self._index = len(self._places) - 1

    def remember(self, **changes: object) -> None:
        """Update the current place (scroll position, selection) before leaving it."""
        if self.current is not None:
            self._places[self._index] = replace(self.current, **changes)  # type: ignore[arg-type]

    def back(self) -> Place | None:
        if not self.can_go_back:
            return None
        self._index -= 1
        return self.current

    def forward(self) -> Place | None:
        if not self.can_go_forward:
            return None
        self._index += 1
        return self.current
