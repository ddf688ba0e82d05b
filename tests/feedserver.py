"""A real HTTP/1.1 server on loopback for tests: feeds, validators, redirects, misbehaviour.

Usage::

    with FeedServer() as server:
        server.route("/feed.xml", body=b"<rss/>", etag=True, last_modified=True, gzip=True)
        server.redirect_chain("/old", [(301, "/mid"), (302, "/feed.xml")])
        server.route("/slow", body=b"<rss>", stall_after=3)  # headers + 3 bytes, then nothing
        server.route("/drip", trickle=(1, 0.05), endless=True)  # 1 byte per 50 ms, forever
        server.route("/bomb", body=gzip_bomb(64 << 20), content_encoding="gzip")
        server.route("/busy", status=429, retry_after=120)
        url = server.url("/feed.xml")
        ...
        assert server.count("/feed.xml") == 2
        assert server.requests("/feed.xml")[-1].headers["if-none-match"] == '"..."'

Unknown paths get 404. Every request is recorded (headers lower-cased, start and end times), so
tests can assert what a client sent and how many requests overlapped. Handlers that stall or
trickle wait on an Event that `stop()` sets, so a test run never hangs on them.
"""

from __future__ import annotations

import contextlib
import gzip as gziplib
import hashlib
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# A fixed Last-Modified for `last_modified=True`, so tests can compare strings.
DEFAULT_LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(slots=True)
class Route:
    """What one path serves; see `FeedServer.route` for the meaning of each field."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = RSS_TYPE
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    content_encoding: str | None = None
    location: str | None = None
    retry_after: str | None = None
    stall_after: int | None = None
    trickle: tuple[int, float] | None = None
    endless: bool = False
    file: Path | None = None
    delay: float = 0.0
    chunked: bool = False
    handler: Callable[[FeedRequestHandler], None] | None = None


@dataclass(slots=True)
class RequestRecord:
    """One request as the server saw it; `finished` is None while it is in flight. For a plain
    answer it is the moment the last write began (the client cannot have the whole answer, and
    send its next request, before it); otherwise when the handler ended."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    started: float  # time.monotonic()
    finished: float | None = None
    status: int | None = None


def max_overlap(records: Iterable[RequestRecord]) -> int:
    """Most requests that were in flight at the same moment (across servers, if merged)."""
    events: list[tuple[float, int]] = []
    for rec in records:
        events.append((rec.started, 1))
        events.append((rec.finished if rec.finished is not None else float("inf"), -1))
    # Ends sort before starts at the same instant: back-to-back requests do not overlap.
    events.sort(key=lambda e: (e[0], e[1]))
    current = best = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


@lru_cache(maxsize=8)
def gzip_bomb(size: int, fill: bytes = b"\0") -> bytes:
    """Gzip bytes that decompress to `size` bytes of `fill` (about 1000:1; cached)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = fill * (1 << 20)
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = block if left >= len(block) else block[:left]
        parts.append(comp.compress(chunk))
        left -= len(chunk)
    parts.append(comp.flush())
    return b"".join(parts)


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def slow_headers(pause: float = 0.1) -> Callable[[FeedRequestHandler], None]:
    """A handler that sends its status line and headers one byte per `pause` s, never ending."""

    def handler(h: FeedRequestHandler) -> None:
        h._sent_status = 200
        stopping = h.server.owner.stopping
        block = b"HTTP/1.1 200 OK\r\n"
        n = 0
        while not stopping.is_set():
            if not block:
                block = b"X-Slow-%d: still coming\r\n" % n
                n += 1
            h.wfile.write(block[:1])
            h.wfile.flush()
            block = block[1:]
            if stopping.wait(pause):
                break
        h.close_connection = True

    return handler


def huge_headers(
    line_bytes: int = 0, count: int = 0, body: bytes = b"<rss/>"
) -> Callable[[FeedRequestHandler], None]:
    """A handler whose 200 carries one header `line_bytes` long and/or `count` more headers."""

    def handler(h: FeedRequestHandler) -> None:
        h._sent_status = 200
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")
        if line_bytes:
            h.wfile.write(b"X-Huge: ")
            chunk = b"a" * (64 * 1024)
            left = line_bytes
            while left > 0:
                h.wfile.write(chunk[:left])
                left -= len(chunk)
            h.wfile.write(b"\r\n")
        for start in range(0, count, 1000):
            h.wfile.write(
                b"".join(b"X-H%d: v\r\n" % i for i in range(start, min(count, start + 1000)))
            )
        h.wfile.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        h.close_connection = True

    return handler


class FeedRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms) on every reused connection.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # -- internals ---------------------------------------------------------------------------

    def _serve(self, *, head: bool) -> None:
        owner = self.server.owner
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        record = RequestRecord(self.command, self.path, headers, time.monotonic())
        owner._record(record)
        self._request_record: RequestRecord | None = record
        self._sent_status: int | None = None  # the handler object lives across keep-alive requests
        try:
            route = owner._route_for(self.path)
            if route is None:
                self._simple(404, b"not found\n", head=head)
            elif route.handler is not None:
                route.handler(self)
            else:
                if route.delay and owner.stopping.wait(route.delay):
                    self.close_connection = True
                    return
                self._serve_route(route, head=head)
            record.status = getattr(self, "_sent_status", None)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True  # the client went away: that is the client's business
        finally:
            if record.finished is None:
                record.finished = time.monotonic()

    def send_response(self, code: int, message: str | None = None) -> None:
        self._sent_status = code
        super().send_response(code, message)

    def _simple(self, status: int, body: bytes, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_modified(self, route: Route) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if route.etag is None:
                return False
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or route.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims is None or route.last_modified is None:
            return False
        try:
            return parsedate_to_datetime(ims) >= parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return ims == route.last_modified

    def _serve_route(self, route: Route, *, head: bool) -> None:
        body = route.body
        last_modified = route.last_modified
        if route.file is not None:
            try:
                body = route.file.read_bytes()
                last_modified = last_modified or http_date(route.file.stat().st_mtime)
            except OSError:
                self._simple(404, b"file missing\n", head=head)
                return
        route = _with_validators(route, last_modified)
        if route.status == 200 and self._not_modified(route):
            self.send_response(304)
            self._validator_headers(route)
            self._answering()
            self.end_headers()
            return
        encoding = route.content_encoding
        if route.gzip:
            body = gziplib.compress(body, mtime=0)
            encoding = "gzip"
        streaming = route.endless or route.trickle is not None or route.chunked
        self.send_response(route.status)
        if route.content_type and "content-type" not in {k.lower() for k in route.headers}:
            self.send_header("Content-Type", route.content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if route.location is not None:
            self.send_header("Location", route.location)
        if route.retry_after is not None:
            self.send_header("Retry-After", route.retry_after)
        self._validator_headers(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if streaming:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        if not streaming and route.stall_after is None and (head or not body):
            self._answering()  # the headers are the whole answer
        self.end_headers()
        if head:
            return
        if route.stall_after is not None:
            self._write(body[: route.stall_after], chunked=streaming)
            self.wfile.flush()
            self.server.owner.stopping.wait()
            self.close_connection = True
        elif streaming:
            self._stream(route, body)
        else:
            self._answering()
            self.wfile.write(body)

    def _answering(self) -> None:
        """The answer's last write comes next: the request stops counting as in flight now.
        Noted after the write, the client could already have its answer and have sent the
        next request (a thread switch away, under load): limits seen one over."""
        record = getattr(self, "_request_record", None)
        if record is not None and record.finished is None:
            record.finished = time.monotonic()

    def _validator_headers(self, route: Route) -> None:
        if route.etag is not None:
            self.send_header("ETag", route.etag)
        if route.last_modified is not None:
            self.send_header("Last-Modified", route.last_modified)

    def _write(self, data: bytes, *, chunked: bool) -> None:
        if not data:
            return
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(data)

    def _stream(self, route: Route, body: bytes) -> None:
        stopping = self.server.owner.stopping
        per_chunk, pause = route.trickle or (64 * 1024, 0.0)
        filler = b"<!-- endless -->\n" * (per_chunk // 17 + 1)
        pos = 0
        while not stopping.is_set():
            if pos < len(body):
                piece = body[pos : pos + per_chunk]
                pos += len(piece)
            elif route.endless:
                piece = filler[:per_chunk]
            else:
                break
            self._write(piece, chunked=True)
            self.wfile.flush()
            if pause and stopping.wait(pause):
                break
        if stopping.is_set():
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")


def _with_validators(route: Route, last_modified: str | None) -> Route:
    if route.last_modified == last_modified:
        return route
    return replace(route, last_modified=last_modified)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up is normal in these tests; anything else is kept for asserts.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        with self.owner._lock:
            self.owner.errors.append(exc if exc is not None else RuntimeError("unknown"))


class FeedServer:
    """An HTTP/1.1 server on 127.0.0.1 (port 0): tests register routes and read its log."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._log: list[RequestRecord] = []
        self.errors: list[BaseException] = []  # exceptions raised by handlers (not hang-ups)
        self.connections_opened = 0  # TCP connections accepted (keep-alive reuse shows here)
        self._conns: set[Any] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> FeedServer:
        if self._httpd is not None:
            return self
        self.stopping.clear()
        httpd = _Server((self.host, 0), FeedRequestHandler)
        httpd.owner = self
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalled and trickling handlers end, open connections are shut."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            # Wakes handlers blocked reading an idle keep-alive socket.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port; kept after stop() so URLs can still be compared."""
        if self._port is None:
            raise RuntimeError("FeedServer was never started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def reset(self) -> None:
        """Forget every route and every recorded request."""
        with self._lock:
            self._routes.clear()
            self._log.clear()
            self.errors.clear()
            self.connections_opened = 0

    # -- routes --------------------------------------------------------------------------------

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = RSS_TYPE,
        etag: bool | str | None = None,
        last_modified: bool | str | None = None,
        gzip: bool = False,
        content_encoding: str | None = None,
        location: str | None = None,
        retry_after: int | str | None = None,
        stall_after: int | None = None,
        trickle: tuple[int, float] | None = None,
        endless: bool = False,
        file: str | Path | None = None,
        delay: float = 0.0,
        chunked: bool = False,
        handler: Callable[[FeedRequestHandler], None] | None = None,
    ) -> Route:
        """Serve `path` (matched with its query first, then without); replaces an earlier route.

        etag/last_modified: True derives a value (body hash / DEFAULT_LAST_MODIFIED), a string is
        sent as is; a request whose If-None-Match / If-Modified-Since matches gets 304.
        gzip: compress `body` and send Content-Encoding: gzip whatever the client accepts.
        content_encoding: `body` is already encoded so (a gzip bomb from `gzip_bomb`).
        location / retry_after: sent as Location / Retry-After (seconds or an HTTP-date).
        stall_after: send headers and that many body bytes, then nothing until the server stops.
        trickle=(n, seconds): send the body n bytes at a time with a pause between (chunked);
        endless: after the body, keep sending filler until the client leaves or the server stops.
        file: serve this file's bytes, its mtime as Last-Modified (read on every request).
        delay: wait this long before answering (to make requests overlap).
        handler: full control; called with the request handler instead of all of the above.
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        if etag is True:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if last_modified is True:
            last_modified = DEFAULT_LAST_MODIFIED
        route = Route(
            body=body,
            status=status,
            headers=dict(headers or {}),
            content_type=content_type,
            etag=etag or None,
            last_modified=last_modified or None,
            gzip=gzip,
            content_encoding=content_encoding,
            location=location,
            retry_after=None if retry_after is None else str(retry_after),
            stall_after=stall_after,
            trickle=trickle,
            endless=endless,
            file=None if file is None else Path(file),
            delay=delay,
            chunked=chunked,
            handler=handler,
        )
        with self._lock:
            self._routes[path] = route
        return route

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        """`path` answers `status` with Location `to` (relative or absolute)."""
        return self.route(path, status=status, location=to, content_type=None)

    def redirect_chain(self, start: str, hops: list[tuple[int, str]]) -> None:
        """start -> hops[0] -> hops[1] ...; each hop is (status used to reach it, its path).

        The last hop's path is not registered: give it a route of its own.
        """
        here = start
        for status, there in hops:
            self.redirect(here, there, status)
            here = there

    def _route_for(self, path: str) -> Route | None:
        with self._lock:
            route = self._routes.get(path)
            if route is None:
                route = self._routes.get(urlsplit(path).path)
            return route

    # -- what the server saw -------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def _track(self, conn: Any, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
                self.connections_opened += 1
            else:
                self._conns.discard(conn)

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """Recorded requests, oldest first; only those for `path` (query ignored) if given."""
        with self._lock:
            log = list(self._log)
        if path is None:
            return log
        return [r for r in log if r.path == path or urlsplit(r.path).path == path]

    def count(self, path: str | None = None) -> int:
        return len(self.requests(path))

    def last_headers(self, path: str | None = None) -> dict[str, str]:
        """Headers of the latest request (to `path`); KeyError-free: {} when there was none."""
        reqs = self.requests(path)
        return reqs[-1].headers if reqs else {}

    def max_in_flight(self, path: str | None = None) -> int:
        return max_overlap(self.requests(path))
