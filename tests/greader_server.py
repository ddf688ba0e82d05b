"""A loopback Google Reader API server for the sync tests, implementing what FreshRSS and
Miniflux document and do (each behaviour names its source):

- `POST /accounts/ClientLogin` (Email, Passwd) -> `SID=...\\nLSID=...\\nAuth=TOKEN` lines, a bad
  password 401 (FreshRSS p/api/greader.php `clientLogin`: "Error=BadAuthentication"; Miniflux
  internal/googlereader/handler.go `clientLoginHandler`: 401).
- Every other call wants `Authorization: GoogleLogin auth=TOKEN`; an unknown or expired token
  gets 401 "Unauthorized" (FreshRSS `authorizationToUser`/`unauthorized`; Miniflux middleware).
- `GET /reader/api/0/token` -> the edit token `T`; a POST with a wrong T gets 401 and the header
  `X-Reader-Google-Bad-Token: true` (FreshRSS `badRequest`/`checkToken`).
- `GET /reader/api/0/subscription/list?output=json` -> subscriptions with id `feed/N`, title,
  url, htmlUrl and categories `{id: user/-/label/NAME, label: NAME}` (both servers).
- `GET /reader/api/0/stream/items/ids?s=STREAM&xt=...&n=N&c=C` -> `itemRefs: [{id: "decimal"}]`
  and a `continuation` while more remain (both; FreshRSS pages by id, Miniflux by offset).
- `POST /reader/api/0/stream/items/contents` with repeated `i=` in either id form (both parse
  the long hex form) -> items with `id: tag:google.com,2005:reader/item/<16 hex>`,
  `crawlTimeMsec`, `published`, `title`, `canonical`/`alternate` hrefs, `summary.content`
  (FreshRSS sends only `summary`), `author`, `categories` (states and labels, spelled
  `user/1/...` as Miniflux does), `origin.streamId` (both). No `GET stream/contents` (FreshRSS
  only); every unknown `/reader/api/0` path answers 200 `[]` (Miniflux `fallbackHandler`).
- `output=json` is required on reads: 400 without it (Miniflux `checkOutputFormat`).
- `POST /reader/api/0/edit-tag` (`i=` repeated, `a=`/`r=` a state) -> "OK" (both).
- `POST /reader/api/0/subscription/edit` `ac=unsubscribe&s=feed/N`, or `ac=edit` with `t=` a
  title and `a=user/-/label/NAME` a folder -> "OK" (both).
- `POST /reader/api/0/subscription/quickadd` `quickadd=URL` -> `{numResults, query, streamId}`
  (both).

Faults for the tests: `expire_tokens()` and `expire_at` (a session token expiring, now or at
the Nth call), `fail_after` (HTTP 500
from the Nth call on), `stop()` (server down), and every request is counted.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LONG = "tag:google.com,2005:reader/item/"


@dataclass
class Item:
    id: int
    feed: str  # "feed/N"
    title: str
    link: str
    html: str
    published: int  # seconds
    crawled_ms: int
    read: bool = False
    starred: bool = False
    categories: list[str] = field(default_factory=list)


@dataclass
class Sub:
    id: str
    url: str
    title: str
    folders: list[str] = field(default_factory=list)


class GReaderServer:
    def __init__(self, user: str = "reader", password: str = "s3cret") -> None:
        self.user, self.password = user, password
        self.subs: dict[str, Sub] = {}
        self.items: dict[int, Item] = {}
        self.tokens: set[str] = set()
        self.edit_token = secrets.token_hex(8)
        self.lock = threading.Lock()
        self.calls: list[str] = []  # "METHOD path" of every request
        self.fail_after: int | None = None  # 500 from this many calls on
        self.expire_at: set[int] = set()  # at these call numbers every session token expires
        self.stale_token_once = False  # hand out an edit token that is already replaced
        self.delay = 0.0  # seconds each answer waits (a slow server, to kill a sync mid-way)
        self.max_page = 1000  # the most items or ids one answer holds, whatever `n` asks
        self.errors: list[str] = []
        self._next = 1_700_000_000_000_000  # FreshRSS-like microsecond ids
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ the model

    def add_feed(self, n: int, url: str, title: str, folders: list[str] | None = None) -> str:
        sub = Sub(f"feed/{n}", url, title, folders or [])
        self.subs[sub.id] = sub
        return sub.id

    def add_item(self, feed: str, title: str, *, published: int | None = None, **kw: Any) -> Item:
        with self.lock:
            self._next += 1
            now = int(time.time())
            item = Item(
                id=self._next,
                feed=feed,
                title=title,
                link=kw.pop("link", f"https://example.org/{self._next}"),
                html=kw.pop("html", f"<p>{title} body text.</p>"),
                published=published or now,
                crawled_ms=now * 1000,
                **kw,
            )
            self.items[item.id] = item
            return item

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def count(self, prefix: str) -> int:
        return sum(1 for c in self.calls if c.split(" ", 1)[1].startswith(prefix))

    # ------------------------------------------------------------------ serving

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/greader.php"

    def start(self) -> GReaderServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                try:
                    parts = urlsplit(self.path)
                    query = parse_qs(parts.query)
                    form: dict[str, list[str]] = {}
                    if method == "POST":
                        size = int(self.headers.get("Content-Length") or 0)
                        form = parse_qs(self.rfile.read(size).decode())
                    status, body, headers = owner._answer(
                        method, parts.path, query, form, self.headers
                    )
                except Exception as exc:  # noqa: BLE001 - a test should see it, not hang
                    owner.errors.append(repr(exc))
                    status, body, headers = 500, "internal", {}
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                ctype = "application/json" if not isinstance(body, str) else "text/plain"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # A client killed mid-answer (the SIGKILL tests) is not the server's error.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client killed mid-request (the SIGKILL tests) is not the server's error.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> GReaderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the API

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        headers: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        prefix = "/api/greader.php"
        path = path[len(prefix) :] if path.startswith(prefix) else path
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.calls.append(f"{method} {path}")
            if self.fail_after is not None and len(self.calls) > self.fail_after:
                return 500, "Internal Server Error", {}
            if len(self.calls) in self.expire_at:
                self.tokens.clear()
                self.edit_token = secrets.token_hex(8)  # FreshRSS derives T from the session
        if path == "/accounts/ClientLogin":
            if (
                form.get("Email", [""])[0] == self.user
                and form.get("Passwd", [""])[0] == self.password
            ):
                token = f"{self.user}/{secrets.token_hex(16)}"
                self.tokens.add(token)
                return 200, f"SID={token}\nLSID=null\nAuth={token}\n", {}
            return 401, "Error=BadAuthentication\n", {}
        auth = headers.get("Authorization", "")
        if not auth.startswith("GoogleLogin auth=") or auth[17:] not in self.tokens:
            return 401, "Unauthorized!", {}
        if path == "/reader/api/0/token":
            token = self.edit_token
            if self.stale_token_once:
                self.stale_token_once, self.edit_token = False, secrets.token_hex(8)
            return 200, token + "\n", {}
        if method == "POST" and form.get("T", [""])[0] != self.edit_token:
            return 401, "Unauthorized!", {"X-Reader-Google-Bad-Token": "true"}
        reads = (
            "/reader/api/0/subscription/list",
            "/reader/api/0/stream/items/ids",
            "/reader/api/0/stream/items/contents",
        )
        if path in reads and query.get("output", [""])[0] != "json":
            # Miniflux `checkOutputFormat`: 400; FreshRSS answers 501 for the list.
            return 400, {"error_message": "output format not supported"}, {}
        if path == "/reader/api/0/subscription/list":
            return 200, {"subscriptions": [self._sub(s) for s in self.subs.values()]}, {}
        if path == "/reader/api/0/stream/items/ids":
            return 200, self._ids(query), {}
        if path == "/reader/api/0/stream/items/contents":
            ids = [self._parse_id(i) for i in form.get("i", [])]
            items = [self._item(self.items[i]) for i in ids if i in self.items]
            return 200, {"id": READING_LIST, "items": items}, {}
        if path == "/reader/api/0/edit-tag":
            for raw in form.get("i", []):
                item = self.items.get(self._parse_id(raw))
                if item is None:
                    continue
                for tag in form.get("a", []):
                    self._set(item, tag, True)
                for tag in form.get("r", []):
                    self._set(item, tag, False)
            return 200, "OK", {}
        if path == "/reader/api/0/subscription/quickadd":
            # FreshRSS `quickadd` and Miniflux `quickAddHandler` answer numResults, query and
            # streamId ("feed/N"); the feed's URL is the server's to fetch.
            url = form.get("quickadd", [""])[0]
            known = next((x for x in self.subs.values() if x.url == url), None)
            sub = known or Sub(f"feed/{len(self.subs) + 100}", url, url.rsplit("/", 1)[-1])
            self.subs[sub.id] = sub
            return 200, {"numResults": 1, "query": url, "streamId": sub.id}, {}
        if path == "/reader/api/0/subscription/edit":
            action = form.get("ac", [""])[0]
            for sid in form.get("s", []):
                if action == "unsubscribe":
                    self.subs.pop(sid, None)
                elif action == "edit" and sid in self.subs:
                    sub = self.subs[sid]
                    sub.title = form.get("t", [sub.title])[0]
                    for label in form.get("a", []):
                        name = label.removeprefix("user/-/label/")
                        if name not in sub.folders:
                            sub.folders.append(name)
            return 200, "OK", {}
        # Miniflux's `fallbackHandler`: any other /reader/api/0 path answers 200 `[]` (it has
        # no `stream/contents`, which only FreshRSS serves).
        return 200, [], {}

    @staticmethod
    def _parse_id(raw: str) -> int:
        return int(raw[len(LONG) :], 16) if raw.startswith(LONG) else int(raw)

    @staticmethod
    def _set(item: Item, tag: str, value: bool) -> None:
        if tag == READ:
            item.read = value
        elif tag == STARRED:
            item.starred = value

    @staticmethod
    def _sub(s: Sub) -> dict[str, Any]:
        return {
            "id": s.id,
            "title": s.title,
            "url": s.url,
            "htmlUrl": s.url.rsplit("/", 1)[0],
            # Miniflux spells the user `user/<uid>/`, FreshRSS `user/-/`: the Miniflux way here.
            "categories": [
                {"id": f"user/1/label/{f}", "label": f, "type": "folder"} for f in s.folders
            ],
        }

    def _select(self, stream: str, exclude: list[str], since: int) -> list[Item]:
        out = []
        for item in sorted(self.items.values(), key=lambda i: -i.id):
            if item.feed not in self.subs:
                continue
            if stream == STARRED and not item.starred:
                continue
            if stream.startswith("feed/") and item.feed != stream:
                continue
            if READ in exclude and item.read:
                continue
            if since and item.crawled_ms // 1000 < since:
                continue
            out.append(item)
        return out

    def _page(self, items: list[Any], query: dict[str, list[str]]) -> tuple[list[Any], str]:
        n = min(int(query.get("n", ["20"])[0]), self.max_page)
        start = int(query.get("c", ["0"])[0] or 0)
        page = items[start : start + n]
        more = start + n < len(items)
        return page, str(start + n) if more else ""

    def _ids(self, query: dict[str, list[str]]) -> dict[str, Any]:
        since = int(query.get("ot", ["0"])[0] or 0)  # FreshRSS: stored since; Miniflux: dated
        items = self._select(query.get("s", [READING_LIST])[0], query.get("xt", []), since)
        page, cont = self._page(items, query)
        out: dict[str, Any] = {"itemRefs": [{"id": str(i.id)} for i in page]}
        if cont:
            out["continuation"] = cont
        return out

    def _item(self, i: Item) -> dict[str, Any]:
        # States and labels as Miniflux spells them (`user/1/...`); the client reads suffixes.
        states = ["user/1/state/com.google/reading-list"]
        if i.read:
            states.append("user/1/state/com.google/read")
        if i.starred:
            states.append("user/1/state/com.google/starred")
        sub = self.subs.get(i.feed)
        return {
            "id": f"{LONG}{i.id:016x}",
            "crawlTimeMsec": str(i.crawled_ms),
            "timestampUsec": str(i.crawled_ms * 1000),
            "published": i.published,
            "title": i.title,
            "canonical": [{"href": i.link}],
            "alternate": [{"href": i.link, "type": "text/html"}],
            "summary": {"content": i.html},
            "author": "Reporter",
            "categories": states
            + [f"user/1/label/{f}" for f in (sub.folders if sub else [])]
            + i.categories,
            "origin": {"streamId": i.feed, "title": sub.title if sub else "", "htmlUrl": ""},
        }
