"""The Google Reader API as FreshRSS (`.../api/greader.php`) and Miniflux (the server's root)
serve it: `ClientLogin` gives an auth token sent as `Authorization: GoogleLogin auth=...`;
POSTs also carry a short-lived edit token `T` (`/reader/api/0/token`). Item ids come in two
spellings, a decimal in id lists and `tag:google.com,2005:reader/item/<16 hex>` in contents;
both become the decimal here, and go out in the long form (Miniflux reads a 16-character id
as hex). A 401 means the edit token or the session expired: a new token, then a new login.

What the two servers share, and so all this client uses (FreshRSS p/api/greader.php, Miniflux
internal/googlereader/handler.go): ids by `stream/items/ids` (paged by `continuation`), contents
by `POST stream/items/contents` (Miniflux has no `stream/contents`; an unknown path there
answers 200 `[]`), `output=json` on every read, one `a` or `r` per `edit-tag`, labels spelled
`user/-/label/X` by FreshRSS and `user/<uid>/label/X` by Miniflux."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from newsreader.i18n import N_
from newsreader.sync.http import Http, dicts
from newsreader.sync.protocol import AuthError, Page, RemoteFeed, RemoteItem, SyncError

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL = "user/-/label/"
_LABEL = re.compile(r"^user/[^/]+/label/(.+)$")
LONG_ID = "tag:google.com,2005:reader/item/"
IDS_PAGE = 10_000  # ids per stream/items/ids answer
ITEMS_PAGE = 250  # items per stream/contents answer
EDIT_CHUNK = 100  # ids per edit-tag post


def short_id(value: str) -> str:
    """An item id as the decimal the id lists use (signed 64-bit, as Google Reader had it)."""
    value = value.strip()
    if value.startswith(LONG_ID):
        number = int(value[len(LONG_ID) :], 16)
        return str(number - (1 << 64) if number >= 1 << 63 else number)
    return value


def long_id(short: str) -> str:
    """The long form of a decimal item id (what both servers parse the same way)."""
    if short.startswith(LONG_ID):
        return short
    return f"{LONG_ID}{int(short) & 0xFFFFFFFFFFFFFFFF:016x}"


def _label(category: str) -> str:
    match = _LABEL.match(category)
    return match.group(1) if match else ""


class GReaderClient:
    def __init__(
        self, url: str, user: str, password: str, *, timeout: float = 30.0, max_age_days: float = 0
    ) -> None:
        self.base = url.rstrip("/")
        # Items older than the cache keeps are not listed (`ot`): retention would drop them.
        self.max_age_days = max_age_days
        self.listed: set[str] | None = None  # every item id the last listing gave
        self.http = Http(self.base, timeout=timeout)
        self._user, self._password = user, password
        self._auth = ""
        self._token = ""

    # ------------------------------------------------------------------ session

    def login(self) -> None:
        response = self.http.request(
            "POST",
            f"{self.base}/accounts/ClientLogin",
            data={"Email": self._user, "Passwd": self._password},
        )
        self.http.check(response)
        for line in response.text.splitlines():
            if line.startswith("Auth="):
                self._auth = line[5:].strip()
        if not self._auth:
            raise AuthError(
                N_("{host}: the server refused the user name or password").format(
                    host=self.http.host
                )
            )
        self._token = ""

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call. A 401 gets a new edit token first (it may be all that expired), then
        a new login; a third 401 is an answer."""
        for attempt in range(3):
            if method == "POST":
                kwargs["data"] = {**kwargs.get("data", {}), "T": self._edit_token()}
            headers = {"Authorization": f"GoogleLogin auth={self._auth}"}
            response = self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)
            if response.status_code == 401 and attempt < 2:
                if attempt == 0 and method == "POST":
                    self._token = ""
                else:
                    self.login()
                continue
            return self.http.check(response)
        raise SyncError(N_("{host}: not signed in").format(host=self.http.host))  # pragma: no cover

    def _edit_token(self) -> str:
        if not self._token:
            response = self.http.request(
                "GET",
                f"{self.base}/reader/api/0/token",
                headers={"Authorization": f"GoogleLogin auth={self._auth}"},
            )
            if response.status_code == 401:
                self.login()
                return self._edit_token()
            self._token = self.http.check(response).text.strip()
        return self._token

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        data = self.http.json(self._send(method, path, **kwargs), what)
        if not isinstance(data, dict):
            raise SyncError(
                N_("{host}: the answer to {what} is not JSON").format(
                    host=self.http.host, what=what
                )
            )
        return data

    # ------------------------------------------------------------------ reading

    def feeds(self) -> list[RemoteFeed]:
        data = self._json(
            "GET", "/reader/api/0/subscription/list", "subscription/list", params={"output": "json"}
        )
        out = []
        for sub in dicts(data.get("subscriptions")):
            fid, url = sub.get("id"), sub.get("url")
            if not isinstance(fid, str) or not fid:
                continue
            if not isinstance(url, str) or not url:
                url = fid[5:] if fid.startswith("feed/") else ""
            if not url:
                continue
            folders = [
                str(c.get("label") or _label(str(c.get("id", ""))))
                for c in dicts(sub.get("categories"))
            ]
            out.append(
                RemoteFeed(
                    id=fid,
                    url=url,
                    title=str(sub.get("title") or ""),
                    site=str(sub.get("htmlUrl") or ""),
                    folders=[f for f in folders if f],
                )
            )
        return out

    def _ids(self, stream: str, exclude: str = "", oldest: int = 0) -> list[str]:
        out: list[str] = []
        params: dict[str, Any] = {"s": stream, "n": IDS_PAGE, "output": "json"}
        if exclude:
            params["xt"] = exclude
        if oldest:
            params["ot"] = oldest
        seen_tokens: set[str] = set()
        while True:
            data = self._json(
                "GET", "/reader/api/0/stream/items/ids", "stream/items/ids", params=params
            )
            for ref in dicts(data.get("itemRefs")):
                if ref.get("id") is not None:
                    out.append(short_id(str(ref["id"])))
            token = data.get("continuation")
            if not token or not isinstance(token, str) or token in seen_tokens:
                return out
            seen_tokens.add(token)
            params["c"] = token

    def unread_ids(self) -> set[str]:
        return set(self._ids(READING_LIST, READ))

    def starred_ids(self) -> set[str]:
        return set(self._ids(STARRED))

    def new_items(
        self, cursor: str, known: set[str] | frozenset[str] = frozenset()
    ) -> Iterator[Page]:
        """Every item id of the reading list (newer than the cache keeps), less those already
        here, then their contents page by page, newest first. The whole list each time (ids
        only: 50,000 are five answers) instead of a time cursor: FreshRSS filters `ot` by when
        it stored an item, Miniflux by its date, and neither would bring an old item added now."""
        oldest = int(time.time() - self.max_age_days * 86400) if self.max_age_days > 0 else 0
        listed = self._ids(READING_LIST, oldest=oldest)
        self.listed = set(listed)
        wanted = [i for i in dict.fromkeys(listed) if i not in known]
        for start in range(0, len(wanted), ITEMS_PAGE):
            yield Page(self.items(wanted[start : start + ITEMS_PAGE]), "", len(wanted))

    def items(self, ids: Iterable[str]) -> list[RemoteItem]:
        wanted = list(ids)
        out: list[RemoteItem] = []
        for start in range(0, len(wanted), ITEMS_PAGE):
            chunk = wanted[start : start + ITEMS_PAGE]
            data = self._json(
                "POST",
                "/reader/api/0/stream/items/contents",
                "stream/items/contents",
                params={"output": "json"},
                data={"i": [long_id(i) for i in chunk]},
            )
            out += [i for i in map(_item, dicts(data.get("items"))) if i is not None]
        return out

    # ------------------------------------------------------------------ writing

    def mark(
        self, ids: Iterable[str], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        wanted = list(ids)
        for flag, tag in ((read, READ), (starred, STARRED)):
            if flag is None:
                continue
            for start in range(0, len(wanted), EDIT_CHUNK):
                chunk = [long_id(i) for i in wanted[start : start + EDIT_CHUNK]]
                form = {"i": chunk, "a" if flag else "r": tag}
                self._send("POST", "/reader/api/0/edit-tag", data=form)

    def subscribe(self, url: str, title: str = "", folders: list[str] | None = None) -> str:
        """Subscribe the account to `url` (quickadd), then name it and file it in `folders`;
        returns the server's id for the feed."""
        data = self._json(
            "POST",
            "/reader/api/0/subscription/quickadd",
            "subscription/quickadd",
            data={"quickadd": url},
        )
        rid = data.get("streamId")
        if not isinstance(rid, str) or not rid:
            raise SyncError(
                N_("{host}: could not subscribe to {url}").format(host=self.http.host, url=url)
            )
        if title or folders:
            form: dict[str, Any] = {"ac": "edit", "s": rid}
            if title:
                form["t"] = title
            if folders:
                form["a"] = [LABEL + f for f in folders]
            self._send("POST", "/reader/api/0/subscription/edit", data=form)
        return rid

    def unsubscribe(self, feed_id: str) -> None:
        self._send(
            "POST", "/reader/api/0/subscription/edit", data={"ac": "unsubscribe", "s": feed_id}
        )

    def close(self) -> None:
        self.http.close()


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def _item(d: dict[str, Any]) -> RemoteItem | None:
    iid = d.get("id")
    origin = d.get("origin") if isinstance(d.get("origin"), dict) else {}
    feed = origin.get("streamId") if isinstance(origin, dict) else None
    if not isinstance(iid, str | int) or not isinstance(feed, str):
        return None
    link = ""
    for key in ("canonical", "alternate"):
        for ref in dicts(d.get(key)):
            if isinstance(ref.get("href"), str) and ref["href"]:
                link = ref["href"]
                break
        if link:
            break
    states = [c for c in d.get("categories") or [] if isinstance(c, str)]
    topics = [c for c in states if not c.startswith(("user/", "com.google/"))]
    topics += [label for label in map(_label, states) if label]
    content = d.get("content") if isinstance(d.get("content"), dict) else None
    summary = d.get("summary") if isinstance(d.get("summary"), dict) else None
    html = str((content or summary or {}).get("content") or "")
    published = None
    stamp = _int(d.get("published"))
    if stamp > 0:
        try:
            published = datetime.fromtimestamp(stamp, UTC)
        except (OverflowError, OSError, ValueError):
            published = None
    return RemoteItem(
        id=short_id(str(iid)),
        feed_id=feed,
        title=str(d.get("title") or ""),
        url=link,
        author=str(d.get("author") or ""),
        html=html,
        published=published,
        categories=topics,
        read=any(s.endswith("/state/com.google/read") for s in states),
        starred=any(s.endswith("/state/com.google/starred") for s in states),
    )
