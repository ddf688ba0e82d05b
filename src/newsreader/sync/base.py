"""What the parts of one sync share: the report it fills, the objects it works on, ids in
chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from newsreader.i18n import N_

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.models import Article
    from newsreader.sync.accounts import Account
    from newsreader.sync.protocol import Client
    from newsreader.sync.state import StateFile, SyncState

MARK_CHUNK = 250  # ids per mark request (a form post; servers cap the body, not the count)

Progress = Callable[[str], None]


@dataclass
class SyncReport:
    account: str
    new: int = 0  # articles new to this cache
    pushed: int = 0  # marks sent to the server
    pulled: int = 0  # marks taken from the server
    feeds_added: int = 0
    feeds_removed: int = 0
    filtered: int = 0  # new articles a filter marked or kept out (filters.py)
    full_texts: int = 0  # pages fetched for teaser-only articles ([full_text])
    new_ids: list[str] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def line(self) -> str:
        if self.error:
            return f"{self.account}: {self.error}"
        line = N_(
            "{account}: {new} new, {pushed} marks sent, {pulled} marks received,"
            " {added} feeds added, {removed} removed"
        ).format(
            account=self.account,
            new=self.new,
            pushed=self.pushed,
            pulled=self.pulled,
            added=self.feeds_added,
            removed=self.feeds_removed,
        )
        if self.filtered:  # parts joined by "; " are translated one by one
            line += "; " + N_("{count} filtered").format(count=self.filtered)
        if self.full_texts:
            line += "; " + N_("{count} full texts").format(count=self.full_texts)
        return line


class SyncBase:
    """The state of one sync that its parts (subscriptions, items, and the engine's marks)
    read and change."""

    lib: Library
    account: Account
    client: Client
    state: SyncState
    states: StateFile
    report: SyncReport
    now: datetime
    pages_wanted: list[Article]  # new teaser-only articles whose pages to fetch ([full_text])


def chunks(ids: list[str], size: int) -> Iterator[list[str]]:
    it = iter(ids)
    while chunk := list(islice(it, size)):
        yield chunk
