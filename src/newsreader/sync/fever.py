"""The Fever API (FreshRSS, Miniflux, tt-rss's plugin, coldsweat, yarr): one endpoint, a form
post with `api_key` = md5("user:password") and the call in the query string (`?api&items`),
its arguments too (`since_id`, `with_ids`: coldsweat reads them from the query string only;
`mark`, `as`, `id` go in the form). Items come 50 at a time by `since_id`; read and saved ids
as comma-separated lists; a mark is one item per request (the protocol has no batch mark).

coldsweat 0.10.2 orders neither `since_id` nor `max_id` answers (and `max_id` gives the lowest
50), so pages there may skip ids: the engine fetches every unread or saved id it has not seen by
`with_ids` after the pages, so only read, unsaved items can be missed there. Server differences
(FreshRSS p/api/fever.php, Miniflux internal/fever/handler.go, the tt-rss plugin): FreshRSS
reads `api_key` only from the form and sends ids as strings; Miniflux runs only the first
selector of a request (so one per request here) and toggles on `as=saved` (sent only when the
state differs)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from newsreader.i18n import N_
from newsreader.sync.http import Http, dicts
from newsreader.sync.protocol import AuthError, Page, RemoteFeed, RemoteItem, SyncError

PAGE = 50  # items per answer, fixed by the protocol
NEWEST = (1 << 63) - 1  # max_id to start a walk back from (FreshRSS ids are microseconds)


def api_key(user: str, password: str) -> str:
    return hashlib.md5(f"{user}:{password}".encode()).hexdigest()  # noqa: S324 - the protocol's


class FeverClient:
    def __init__(self, url: str, user: str, password: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.http = Http(url, timeout=timeout)
        self._key = api_key(user, password)

    def _call(self, query: str, **form: str) -> dict[str, Any]:
        sep = "&" if "?" in self.url else "?"
        response = self.http.request(
            "POST",
            f"{self.url}{sep}api&{query}" if query else f"{self.url}{sep}api",
            data={"api_key": self._key, **form},
        )
        data = self.http.json(self.http.check(response), query or "api")
        if not isinstance(data, dict):
            raise SyncError(N_("{host}: not a Fever answer").format(host=self.http.host))
        if data.get("auth") != 1 and str(data.get("auth")) != "1":
            raise AuthError(
                N_("{host}: the server refused the user name or password").format(
                    host=self.http.host
                )
            )
        return data

    def login(self) -> None:
        self._call("")

    def feeds(self) -> list[RemoteFeed]:
        groups = self._call("groups")
        names = {str(g.get("id")): str(g.get("title") or "") for g in dicts(groups.get("groups"))}
        folders: dict[str, list[str]] = {}
        for link in dicts(groups.get("feeds_groups")):
            name = names.get(str(link.get("group_id")), "")
            for fid in _ids(link.get("feed_ids")):
                if name:
                    folders.setdefault(fid, []).append(name)
        out = []
        for f in dicts(self._call("feeds").get("feeds")):
            fid, url = str(f.get("id", "")), f.get("url")
            if fid and isinstance(url, str) and url:
                out.append(
                    RemoteFeed(
                        id=fid,
                        url=url,
                        title=str(f.get("title") or ""),
                        site=str(f.get("site_url") or ""),
                        folders=folders.get(fid, []),
                    )
                )
        return out

    def unread_ids(self) -> set[str]:
        return set(_ids(self._call("unread_item_ids").get("unread_item_ids")))

    def starred_ids(self) -> set[str]:
        return set(_ids(self._call("saved_item_ids").get("saved_item_ids")))

    def new_items(
        self, cursor: str, known: set[str] | frozenset[str] = frozenset()
    ) -> Iterator[Page]:
        """A first sync walks back from the newest item by `max_id` (each page below the
        lowest id seen); later ones go forward by `since_id` from the highest. Both ordered on
        FreshRSS, Miniflux and tt-rss; `since_id=0` is not on Miniflux, and `max_id=0` gives
        nothing on FreshRSS, so neither is sent. The cursor: "down:LOWEST:HIGHEST" while the
        walk back goes on (a cut-off first sync resumes there), then the highest id."""
        if cursor.isdecimal() and int(cursor) > 0:
            yield from self._forward(int(cursor))
            return
        lowest, highest = NEWEST, 0
        if cursor.startswith("down:"):
            parts = cursor.split(":")
            if len(parts) == 3 and parts[1].isdecimal() and parts[2].isdecimal():
                lowest, highest = int(parts[1]), int(parts[2])
        while True:
            data = self._call(f"items&max_id={lowest}")
            items = [i for i in map(_item, dicts(data.get("items"))) if i is not None]
            older = [i for i in items if int(i.id) < lowest]
            if not older:
                break
            lowest = min(int(i.id) for i in older)
            highest = max(highest, *(int(i.id) for i in older))
            total = data.get("total_items")
            yield Page(older, f"down:{lowest}:{highest}", total if isinstance(total, int) else None)
        if highest:
            yield Page([], str(highest))
            yield from self._forward(highest)  # what came in while walking back

    def _forward(self, since: int) -> Iterator[Page]:
        while True:
            data = self._call(f"items&since_id={since}")
            items = [i for i in map(_item, dicts(data.get("items"))) if i is not None]
            newer = [i for i in items if int(i.id) > since]
            if not newer:
                return
            since = max(int(i.id) for i in newer)
            total = data.get("total_items")
            yield Page(newer, str(since), total if isinstance(total, int) else None)

    def items(self, ids: Iterable[str]) -> list[RemoteItem]:
        wanted = [i for i in ids if i.isdecimal()]
        out: list[RemoteItem] = []
        for start in range(0, len(wanted), PAGE):
            chunk = ",".join(wanted[start : start + PAGE])
            data = self._call(f"items&with_ids={chunk}")
            out += [i for i in map(_item, dicts(data.get("items"))) if i is not None]
        return out

    def mark(
        self, ids: Iterable[str], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        marks = []
        if read is not None:
            marks.append("read" if read else "unread")
        if starred is not None:
            marks.append("saved" if starred else "unsaved")
        for iid in ids:
            for mark in marks:
                self._call("", mark="item", **{"as": mark}, id=iid)

    def close(self) -> None:
        self.http.close()


def _ids(value: object) -> list[str]:
    if isinstance(value, int):
        return [str(value)]
    if not isinstance(value, str):
        return []
    return [p.strip() for p in value.split(",") if p.strip().isdecimal()]


def _item(d: dict[str, Any]) -> RemoteItem | None:
    iid, fid = d.get("id"), d.get("feed_id")
    if not str(iid).isdecimal() or fid is None:
        return None
    when = d.get("created_on_time")
    published = None
    if isinstance(when, int | float) and when > 0:
        try:
            published = datetime.fromtimestamp(when, UTC)
        except (OverflowError, OSError, ValueError):
            published = None
    return RemoteItem(
        id=str(iid),
        feed_id=str(fid),
        title=str(d.get("title") or ""),
        url=str(d.get("url") or ""),
        author=str(d.get("author") or ""),
        html=str(d.get("html") or ""),
        published=published,
        read=str(d.get("is_read")) == "1",
        starred=str(d.get("is_saved")) == "1",
    )
