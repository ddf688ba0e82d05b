"""The Google Reader API as FreshRSS (`.../api/greader.php`) and Miniflux (the server's root)
serve it: `ClientLogin` gives an auth token sent as `Authorization: GoogleLogin auth=...`;
POSTs also carry a short-lived edit token `T` (`/reader/api/0/token`). Item ids come in two
spellings, a decimal in id lists and `tag:google.com,2005:reader/item/<16 hex>` in contents;
both become the decimal here. A 401 means the auth token expired: log in again, once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from newsreader.i18n import N_
from newsreader.sync.http import Http
from newsreader.sync.protocol import AuthError, Page, RemoteFeed, RemoteItem, SyncError

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL = "user/-/label/"
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


class GReaderClient:
    def __init__(self, url: str, user: str, password: str, *, timeout: float = 30.0) -> None:
        self.base = url.rstrip("/")
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
        """One API call; an expired auth token logs in again and tries once more, an expired
        edit token (FreshRSS says so in a header) is fetched again."""
        for attempt in range(2):
            if method == "POST":
                kwargs["data"] = {**kwargs.get("data", {}), "T": self._edit_token()}
            headers = {"Authorization": f"GoogleLogin auth={self._auth}"}
            response = self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 0:
                if response.headers.get("X-Reader-Google-Bad-Token", "").lower() == "true":
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
        for sub in _dicts(data.get("subscriptions")):
            fid, url = sub.get("id"), sub.get("url")
            if not isinstance(fid, str) or not fid:
                continue
            if not isinstance(url, str) or not url:
                url = fid[5:] if fid.startswith("feed/") else ""
            if not url:
                continue
            folders = [
                str(c.get("label") or str(c.get("id", ""))[len(LABEL) :])
                for c in _dicts(sub.get("categories"))
                if str(c.get("id", "")).startswith(LABEL) or c.get("label")
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

    def _ids(self, stream: str, exclude: str = "") -> set[str]:
        out: set[str] = set()
        params: dict[str, Any] = {"s": stream, "n": IDS_PAGE, "output": "json"}
        if exclude:
            params["xt"] = exclude
        seen_tokens: set[str] = set()
        while True:
            data = self._json(
                "GET", "/reader/api/0/stream/items/ids", "stream/items/ids", params=params
            )
            for ref in _dicts(data.get("itemRefs")):
                if ref.get("id") is not None:
                    out.add(short_id(str(ref["id"])))
            token = data.get("continuation")
            if not token or not isinstance(token, str) or token in seen_tokens:
                return out
            seen_tokens.add(token)
            params["c"] = token

    def unread_ids(self) -> set[str]:
        return self._ids(READING_LIST, READ)

    def starred_ids(self) -> set[str]:
        return self._ids(STARRED)

    def new_items(self, cursor: str) -> Iterator[Page]:
        """The reading list newer than the last complete listing, newest first, page by page.
        The cursor keeps where a listing that was cut off stood (its continuation) and the time
        the next listing starts from once this one is complete."""
        state = _cursor(cursor)
        since, token, newest = state["since"], state["c"], state["newest"]
        params: dict[str, Any] = {"n": ITEMS_PAGE, "output": "json"}
        if since:
            params["ot"] = since
        seen_tokens: set[str] = set()
        while True:
            if token:
                params["c"] = token
            data = self._json(
                "GET",
                f"/reader/api/0/stream/contents/{READING_LIST}",
                "stream/contents",
                params=params,
            )
            items = [i for i in map(_item, _dicts(data.get("items"))) if i is not None]
            for raw in _dicts(data.get("items")):
                newest = max(
                    newest,
                    _seconds(raw.get("crawlTimeMsec"), 1000),
                    _seconds(raw.get("published"), 1),
                )
            nxt = data.get("continuation")
            if not nxt or not isinstance(nxt, str) or nxt in seen_tokens or not items:
                # Complete: the next sync lists what came after the newest item seen here
                # (less a minute: clocks and crawl times are not exact; items seen are skipped).
                done = {"since": max(since, newest - 60), "c": "", "newest": 0}
                yield Page(items, json.dumps(done))
                return
            seen_tokens.add(nxt)
            token = nxt
            yield Page(items, json.dumps({"since": since, "c": token, "newest": newest}))

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
                data={"i": chunk},
            )
            out += [i for i in map(_item, _dicts(data.get("items"))) if i is not None]
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
                form = {"i": wanted[start : start + EDIT_CHUNK], "a" if flag else "r": tag}
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


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _seconds(value: object, per_second: int) -> int:
    try:
        return int(int(str(value)) // per_second)
    except (TypeError, ValueError):
        return 0


def _cursor(cursor: str) -> dict[str, Any]:
    try:
        data = json.loads(cursor) if cursor else {}
        return {
            "since": int(data.get("since") or 0),
            "c": str(data.get("c") or ""),
            "newest": int(data.get("newest") or 0),
        }
    except (ValueError, TypeError, AttributeError):
        return {"since": 0, "c": "", "newest": 0}


def _item(d: dict[str, Any]) -> RemoteItem | None:
    iid = d.get("id")
    origin = d.get("origin") if isinstance(d.get("origin"), dict) else {}
    feed = origin.get("streamId") if isinstance(origin, dict) else None
    if not isinstance(iid, str | int) or not isinstance(feed, str):
        return None
    link = ""
    for key in ("canonical", "alternate"):
        for ref in _dicts(d.get(key)):
            if isinstance(ref.get("href"), str) and ref["href"]:
                link = ref["href"]
                break
        if link:
            break
    states = [c for c in d.get("categories") or [] if isinstance(c, str)]
    topics = [c for c in states if not c.startswith(("user/", "com.google/"))]
    topics += [c[len(LABEL) :] for c in states if c.startswith(LABEL)]
    content = d.get("content") if isinstance(d.get("content"), dict) else None
    summary = d.get("summary") if isinstance(d.get("summary"), dict) else None
    html = str((content or summary or {}).get("content") or "")
    published = None
    stamp = _seconds(d.get("published"), 1)
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
