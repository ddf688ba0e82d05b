"""Sync with a feed server: subscriptions, articles and read/star state shared with the other
clients of one account (FreshRSS, Miniflux, Inoreader, TheOldReader, tt-rss, coldsweat...).

One model, two protocols: `protocol` (what a client gives: feeds, items, id lists, marks),
`greader` (the Google Reader API) and `fever` (the Fever API) behind it, over `http`;
`accounts` (where an account and its secret live); `state` (what this cache last knew of the
server); `engine` (one sync: its order, and the marks both ways), with `subscriptions` and
`items` as its parts and `base` what they share.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsreader.library import Library


def accounts_state(config_dir: Path) -> str | None:
    """ "" when there are accounts to sync, None when there are none, else why the accounts
    file cannot be read (one line)."""
    from newsreader.sync.accounts import AccountError, Accounts

    try:
        return "" if Accounts(config_dir).all() else None
    except AccountError as exc:
        return str(exc)


def account_health(lib: Library) -> list[tuple[str, str, datetime | None, str]]:
    """(name, kind, last sync, last error) of every account, for the feed-health view: the
    accounts file and one small status file each (never the large state)."""
    from newsreader.sync.accounts import AccountError, Accounts
    from newsreader.sync.state import StateFile

    try:
        accounts = Accounts(lib.dirs.config).all()
    except AccountError as exc:
        return [("accounts.json", "", None, str(exc))]
    out = []
    for a in accounts:
        last_sync, last_error = StateFile(lib.dirs.data, a.name).status()
        out.append((a.name, a.kind, last_sync, last_error))
    return out
