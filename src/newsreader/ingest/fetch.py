"""Fetching feeds over HTTP(S) and from local files: bounded, polite, conditional, never raising.

Every fetch ends in a `FetchResult` whose `outcome` says what the caller should do; errors are
one line. Limits that feedparser's own fetching lacks (shared/FACTS.md) are enforced here:
a total deadline per feed covering connect, headers and body; a cap on the decompressed body counted
while streaming (gzip is inflated here in bounded steps, so a bomb never expands in memory);
redirects followed by hand, only to http(s), with a new URL reported only for permanent chains.

Why one long module: the limits above are one policy over one client (deadline, size cap,
redirects, per-host slots, conditional GET); split, each part would need the others' state.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import ssl
import stat
import sys
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from newsreader import __version__
from newsreader.config import Settings
from newsreader.i18n import N_
from newsreader.sanitize import clean_line

# httpcore runs `import sniffio` for every lock it makes (several per request); when sniffio is
# not installed (anyio 4.16, which we use, does not need it) each failed import searches all of
# sys.path: ~70 stat() calls per request, a fifth of a 2,000-feed refresh. A None entry makes
# the import fail at once, and httpcore then assumes asyncio, which is what we run.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

USER_AGENT = f"newsreader/{__version__} (+https://github.com/newsreader; terminal feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
# Only what `_Inflater` decodes in bounded steps; brotli/zstd decoders inflate a whole chunk at
# once (a 64 KiB chunk can become gigabytes), so they are not offered.
ACCEPT_ENCODING = "gzip, deflate"

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
DEFAULT_RETRY_AFTER = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(days=7)
HTTP_SCHEMES = frozenset({"http", "https"})

_STEP = 256 * 1024  # most bytes one inflate step may produce
_DRAIN_BYTES = 64 * 1024  # a redirect/error/304 body up to this is read so keep-alive works
_DRAIN_SECONDS = 1.0
_ERROR_LIMIT = 300  # characters in an error line


@dataclass(slots=True)
class FetchRequest:
    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


class Fetched(StrEnum):
    """How a fetch ended."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304: nothing to parse
    GONE = "gone"  # 410: stop polling
    RETRY_LATER = "retry_later"  # 429/503, with Retry-After
    ERROR = "error"


@dataclass(slots=True)
class FetchResult:
    """What happened; `outcome` says how it ended (a `Fetched`)."""

    feed_id: str
    url: str  # as requested
    outcome: Fetched
    status: int | None = None  # final HTTP status (None for transport errors and files)
    body: bytes = b""  # decompressed, only for "ok"
    headers: dict[str, str] = field(default_factory=dict)  # final response, lower-cased names
    final_url: str = ""  # after redirects
    new_url: str | None = None  # >= 1 redirect, every hop 301/308, and the end was ok/304
    etag: str | None = None
    last_modified: str | None = None
    retry_after: datetime | None = None  # tz-aware UTC, for 429/503
    error: str | None = None  # one line; also set for "gone" and "retry_later"
    elapsed: float = 0.0  # seconds from the first slot acquired to the result

    @property
    def ok(self) -> bool:
        return self.outcome == Fetched.OK


class FetchError(Exception):
    """A fetch failed for a reason this module words itself (one line)."""


class Fetcher:
    """Fetches feeds with one shared httpx client; use as `async with Fetcher(settings) as f:`."""

    def __init__(self, settings: Settings | None = None, *, user_agent: str | None = None) -> None:
        self.settings = settings or Settings()
        self.user_agent = user_agent or USER_AGENT
        self._client: httpx.AsyncClient | None = None
        self._overall: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._started: set[str] = set()  # feed ids that got a slot (for the budget's message)

    async def __aenter__(self) -> Fetcher:
        self._open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _open(self) -> httpx.AsyncClient:
        if self._client is None:
            concurrency = max(1, self.settings.concurrency)
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                # Our deadline covers the whole fetch; httpx's per-phase timeouts only back it up.
                timeout=httpx.Timeout(self.settings.timeout),
                # The semaphores bound connections; a pool limit would only add a second queue.
                # Idle ones are kept for every slot a host may use: with fewer, each dip in
                # traffic closes some and the next request to that host connects again (292
                # connects for 400 requests to 4 hosts at per_host 3 with 8 kept, 12 with 12).
                limits=httpx.Limits(
                    max_connections=None,
                    max_keepalive_connections=concurrency * max(1, self.settings.per_host),
                ),
                headers={
                    "User-Agent": self.user_agent,
                    "Accept": ACCEPT,
                    "Accept-Encoding": ACCEPT_ENCODING,
                },
                event_hooks={"response": [_take_location]},
            )
            self._overall = asyncio.Semaphore(concurrency)
        return self._client

    # -- public --------------------------------------------------------------------------------

    async def fetch(self, req: FetchRequest) -> FetchResult:
        """Fetch one feed; never raises (except CancelledError)."""
        res = FetchResult(
            feed_id=req.feed_id, url=req.url, outcome=Fetched.ERROR, final_url=req.url
        )
        started: list[float] = []
        try:
            if not req.url.strip():
                raise FetchError(N_("empty URL"))
            if _is_local(req.url):
                self._started.add(req.feed_id)
                started.append(time.monotonic())
                async with asyncio.timeout(self.settings.timeout):
                    await asyncio.to_thread(self._read_file, req, res)
            else:
                await self._fetch_http(req, res, started)
        except TimeoutError:
            _fail(res, f"timed out after {self.settings.timeout:g} s")
        except FetchError as exc:
            _fail(res, str(exc))
        except Exception as exc:  # the contract is "never raises"
            _fail(res, describe_error(exc, self.settings.timeout))
        if started:
            res.elapsed = time.monotonic() - started[0]
        return res

    async def fetch_many(
        self, reqs: Iterable[FetchRequest], *, budget: float | None = None
    ) -> AsyncIterator[FetchResult]:
        """Fetch all, yielding results in completion order; closing early cancels the rest.

        `budget` (seconds, default `settings.refresh_budget`, <= 0: none) bounds the whole run:
        when it is used up, every feed still downloading or still waiting for its host's slot is
        cancelled and yielded as an error saying so, so a refresh always ends.
        Use `contextlib.aclosing` when you may stop before the end, so nothing is left pending.
        """
        self._open()
        budget = self.settings.refresh_budget if budget is None else budget
        pending = {asyncio.create_task(self.fetch(req)): req for req in reqs}
        loop = asyncio.get_running_loop()
        end = loop.time() + budget if budget and budget > 0 else None
        try:
            while pending:
                left = None if end is None else max(0.0, end - loop.time())
                done, _ = await asyncio.wait(
                    pending, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:  # the budget is used up
                    break
                for task in done:
                    del pending[task]
                    yield task.result()
            for task, req in list(pending.items()):
                task.cancel()
                del pending[task]
                yield self._over_budget(req, float(budget or 0))
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def fetch_chunks(
        self, reqs: Sequence[FetchRequest], size: int, *, budget: float | None = None
    ) -> AsyncIterator[list[FetchResult]]:
        """`fetch_many` `size` requests at a time, each chunk's results together, under one
        budget for all: what a slower consumer (extraction, writing files) has not taken yet
        is at most one chunk of bodies, not thousands."""
        loop = asyncio.get_running_loop()
        budget = self.settings.refresh_budget if budget is None else budget
        end = loop.time() + budget if budget and budget > 0 else None
        for start in range(0, len(reqs), max(1, size)):
            left = 0.0 if end is None else max(0.001, end - loop.time())
            chunk = reqs[start : start + max(1, size)]
            yield [result async for result in self.fetch_many(chunk, budget=left)]

    def _over_budget(self, req: FetchRequest, budget: float) -> FetchResult:
        host = (urlsplit(req.url).hostname or "").lower()
        if req.feed_id in self._started:
            why = N_("still downloading when the refresh's {budget:g} s budget ran out").format(
                budget=budget
            )
        else:
            why = N_("not fetched: the refresh's {budget:g} s budget ran out").format(budget=budget)
            if host:
                why += f" while waiting for {host}"
        return FetchResult(
            feed_id=req.feed_id, url=req.url, outcome=Fetched.ERROR, final_url=req.url, error=why
        )

    # -- HTTP ----------------------------------------------------------------------------------

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        # Host first, then overall: a task queued behind a busy host holds no overall slot.
        host_sem = self._hosts.get(host)
        if host_sem is None:
            # One host never gets every slot: a host that stalls holds half at most, and the
            # other hosts' feeds go on through the rest.
            concurrency = max(1, self.settings.concurrency)
            per_host = max(1, min(self.settings.per_host, concurrency // 2))
            host_sem = self._hosts[host] = asyncio.Semaphore(per_host)
        assert self._overall is not None
        async with host_sem, self._overall:
            yield

    async def _fetch_http(self, req: FetchRequest, res: FetchResult, started: list[float]) -> None:
        client = self._open()
        loop = asyncio.get_running_loop()
        conditional = _conditional_headers(req)
        url = req.url
        _check_http_url(url, redirect=False)
        hops: list[tuple[int, str]] = []  # (status, url it answered) per redirect
        # The deadline starts once the first slot is ours: time queued behind other feeds is
        # not this feed's fault. Later hops wait for their host inside the deadline.
        async with asyncio.timeout(None) as deadline:
            while True:
                host = (urlsplit(url).hostname or "").lower()
                async with self._slot(host):
                    if deadline.when() is None:
                        self._started.add(req.feed_id)
                        started.append(time.monotonic())
                        deadline.reschedule(loop.time() + self.settings.timeout)
                    async with client.stream("GET", url, headers=conditional) as resp:
                        res.final_url = url
                        res.status = resp.status_code
                        location = resp.extensions.get(_LOCATION, "").strip()
                        res.headers = {k.lower(): v for k, v in resp.headers.items()}
                        if location:
                            res.headers["location"] = location
                        if resp.status_code not in REDIRECT_STATUSES:
                            await self._finish(req, res, resp)
                            break
                        await _drain(resp)
                if not location:
                    raise FetchError(
                        N_("HTTP {status_code} redirect without a Location").format(
                            status_code=resp.status_code
                        )
                    )
                hops.append((resp.status_code, url))
                if len(hops) > MAX_REDIRECTS:
                    seen = [u for _, u in hops]
                    looped = len(set(seen)) < len(seen)
                    raise FetchError(
                        "redirect loop" if looped else f"too many redirects (>{MAX_REDIRECTS})"
                    )
                try:
                    url = urljoin(url, location)
                except ValueError:
                    raise FetchError(N_("redirect to an invalid URL refused")) from None
                _check_http_url(url, redirect=True)
        if (
            hops
            and res.outcome in (Fetched.OK, Fetched.NOT_MODIFIED)
            and all(status in PERMANENT_STATUSES for status, _ in hops)
            and res.final_url != req.url
        ):
            res.new_url = res.final_url

    async def _finish(self, req: FetchRequest, res: FetchResult, resp: httpx.Response) -> None:
        code = resp.status_code
        etag = resp.headers.get("etag")
        last_modified = resp.headers.get("last-modified")
        if not 200 <= code < 300:
            await _drain(resp)
        if code == 304:
            res.outcome = Fetched.NOT_MODIFIED
            # A 304 may omit validators; the ones we sent are still the right ones.
            res.etag = etag or req.etag
            res.last_modified = last_modified or req.last_modified
        elif 200 <= code < 300:
            res.body = await self._read_body(resp)
            res.outcome = Fetched.OK
            res.etag = etag
            res.last_modified = last_modified
        elif code == 410:
            res.outcome = Fetched.GONE
            res.error = _status_line(resp)
        elif code in (429, 503):
            res.outcome = Fetched.RETRY_LATER
            res.retry_after = parse_retry_after(resp.headers.get("retry-after"))
            res.error = _status_line(resp)
        else:
            res.outcome = Fetched.ERROR
            res.error = _status_line(resp)

    async def _read_body(self, resp: httpx.Response) -> bytes:
        cap = self.settings.max_body_bytes
        encodings = _content_encodings(resp.headers.get("content-encoding", ""))
        length = resp.headers.get("content-length", "")
        if not encodings and length.isdigit() and int(length) > cap:
            raise FetchError(N_("body larger than {x0}").format(x0=_size(cap)))
        inflaters = [_Inflater(enc) for enc in reversed(encodings)]
        parts: list[bytes] = []
        total = 0
        async for raw in resp.aiter_raw():
            for piece in _decode(inflaters, raw):
                total += len(piece)
                if total > cap:
                    raise FetchError(N_("body larger than {x0}").format(x0=_size(cap)))
                parts.append(piece)
        for i, inflater in enumerate(inflaters):
            for tail in inflater.flush():
                for piece in _decode(inflaters[i + 1 :], tail):
                    total += len(piece)
                    if total > cap:
                        raise FetchError(N_("body larger than {x0}").format(x0=_size(cap)))
                    parts.append(piece)
        return b"".join(parts)

    # -- local files ---------------------------------------------------------------------------

    def _read_file(self, req: FetchRequest, res: FetchResult) -> None:
        """Runs in a thread: the file's mtime plays Last-Modified."""
        path = _local_path(req.url)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise FetchError(N_("file not found: {path}").format(path=path)) from None
        except OSError as exc:
            raise FetchError(
                N_("cannot read {path}: {x1}").format(path=path, x1=exc.strerror or exc)
            ) from None
        if not stat.S_ISREG(info.st_mode):
            # FIFOs and devices could block the thread forever or never end.
            raise FetchError(N_("not a regular file: {path}").format(path=path))
        last_modified = formatdate(info.st_mtime, usegmt=True)
        res.final_url = req.url
        res.last_modified = last_modified
        if req.last_modified == last_modified:
            res.outcome = Fetched.NOT_MODIFIED
            return
        cap = self.settings.max_body_bytes
        if info.st_size > cap:
            raise FetchError(N_("body larger than {x0}").format(x0=_size(cap)))
        try:
            with open(path, "rb") as fh:
                data = fh.read(cap + 1)
        except OSError as exc:
            raise FetchError(
                N_("cannot read {path}: {x1}").format(path=path, x1=exc.strerror or exc)
            ) from None
        if len(data) > cap:
            raise FetchError(N_("body larger than {x0}").format(x0=_size(cap)))
        res.body = data
        res.outcome = Fetched.OK


# -- helpers ------------------------------------------------------------------------------------

_LOCATION = "newsreader.location"


async def _take_location(response: httpx.Response) -> None:
    # httpx parses Location into `next_request` even when not following, and raises on odd
    # ones (javascript:alert(1)) before we see the status: we judge Location ourselves.
    location = response.headers.get("location")
    if location is not None:
        response.extensions[_LOCATION] = location
        del response.headers["location"]


class _Inflater:
    """Undoes one Content-Encoding in steps of at most _STEP bytes (bounded memory)."""

    def __init__(self, encoding: str) -> None:
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError(
                N_("unsupported Content-Encoding: {x0}").format(x0=clean_line(encoding, 40))
            )
        self._deflate = encoding == "deflate"
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if self._deflate:
                # "deflate" is zlib-wrapped by the RFC, raw in some servers; sniff the header.
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                try:
                    probe.decompress(data[:2], 1)
                except zlib.error:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        buf = data
        while not self._z.eof:
            try:
                out = self._z.decompress(buf, _STEP)
            except zlib.error as exc:
                raise FetchError(N_("cannot decompress body: {exc}").format(exc=exc)) from None
            buf = self._z.unconsumed_tail
            if out:
                yield out
            if not buf and len(out) < _STEP:
                break

    def flush(self) -> Iterator[bytes]:
        # Data zlib still holds after the last chunk is drained through feed(b"") first.
        yield from self.feed(b"")
        try:
            tail = self._z.flush(_STEP)
        except zlib.error as exc:
            raise FetchError(N_("cannot decompress body: {exc}").format(exc=exc)) from None
        if tail:
            yield tail


async def _drain(resp: httpx.Response) -> None:
    """Read a small unwanted body so the connection goes back to the pool; give up quickly."""
    # httpcore drops a connection whose response was closed unread: 500 304s were 500 connects.
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            seen = 0
            async for chunk in resp.aiter_raw():
                seen += len(chunk)
                if seen > _DRAIN_BYTES:
                    return
    except (TimeoutError, httpx.HTTPError):
        pass


def _decode(inflaters: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not inflaters:
        if data:
            yield data
        return
    for piece in inflaters[0].feed(data):
        yield from _decode(inflaters[1:], piece)


def _content_encodings(value: str) -> list[str]:
    return [e for e in (p.strip().lower() for p in value.split(",")) if e and e != "identity"]


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime:
    """Retry-After (delta seconds or HTTP-date) as a UTC time; missing or bad -> now + 1 h.

    The wait is clamped to [0, 7 days]: a server cannot park a feed for years.
    """
    now = now or datetime.now(UTC)
    text = (value or "").strip()
    delay: timedelta | None = None
    if text.isdigit():
        delay = timedelta(seconds=min(int(text[:12]), MAX_RETRY_AFTER.total_seconds()))
    elif text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            delay = when - now
    if delay is None:
        delay = DEFAULT_RETRY_AFTER
    return now + min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


def _conditional_headers(req: FetchRequest) -> dict[str, str]:
    headers: dict[str, str] = {}
    # Validators come from earlier responses, but the store is not trusted to be clean:
    # a value that is not a printable ASCII header value is dropped, not sent.
    if req.etag and _header_safe(req.etag):
        headers["If-None-Match"] = req.etag
    if req.last_modified and _header_safe(req.last_modified):
        headers["If-Modified-Since"] = req.last_modified
    return headers


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable() and len(value) <= 1024


def _check_http_url(url: str, *, redirect: bool) -> None:
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError as exc:
        raise FetchError(N_("invalid URL: {exc}").format(exc=exc)) from None
    shown = clean_line(scheme, 20)
    if redirect and scheme not in HTTP_SCHEMES:
        raise FetchError(
            N_("redirect to a non-http URL refused ({x0})").format(x0=shown or "no scheme")
        )
    if scheme not in HTTP_SCHEMES:
        raise FetchError(N_("unsupported URL scheme: {shown}").format(shown=shown))
    if not host:
        raise FetchError(N_("invalid URL (no host): {x0}").format(x0=clean_line(url, 200)))


def _is_local(url: str) -> bool:
    if url.startswith(("/", "~", "./", "../")):
        return True
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme == "file" or scheme == "" or (os.name == "nt" and len(scheme) == 1)


def _local_path(url: str) -> Path:
    if url.lower().startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError(
                N_("file URL on another host refused: {x0}").format(x0=clean_line(parts.netloc, 80))
            )
        return Path(url2pathname(parts.path))
    return Path(url).expanduser()


def _status_line(resp: httpx.Response) -> str:
    try:
        phrase = HTTPStatus(resp.status_code).phrase
    except ValueError:
        phrase = clean_line(resp.reason_phrase, 60)
    return f"HTTP {resp.status_code} {phrase}".rstrip()


def _size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"


def _fail(res: FetchResult, message: str) -> None:
    # Validators and body of a failed fetch must never be stored as if it had worked.
    res.outcome = Fetched.ERROR
    res.error = clean_line(message, _ERROR_LIMIT) or N_("fetch failed")
    res.body = b""
    res.etag = res.last_modified = res.new_url = None
    res.retry_after = None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def describe_error(exc: BaseException, timeout: float = 30.0) -> str:
    """One line for the user from a transport exception (httpx, OSError, anything)."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return N_("timed out after {timeout:g} s").format(timeout=timeout)
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "reason", None) or getattr(cause, "strerror", None)
            return N_("TLS error: {detail}").format(detail=reason or detail)
        if isinstance(cause, socket.gaierror):
            host = _request_host(exc)
            return (
                N_("cannot resolve host {host}").format(host=host)
                if host
                else N_("cannot resolve host: {detail}").format(detail=detail)
            )
        if isinstance(cause, ConnectionRefusedError):
            return N_("connection refused")
    if "SSL" in detail or "CERTIFICATE" in detail:
        return N_("TLS error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.ConnectError):
        return N_("cannot connect: {detail}").format(detail=detail)
    if isinstance(exc, httpx.ProtocolError):
        if "Receive buffer too long" in detail:
            # h11's words for a header block (or chunk-size line) over httpcore's 100 KiB.
            return N_("protocol error: response headers too large")
        return N_("protocol error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return N_("unsupported URL: {detail}").format(detail=detail)
    if isinstance(exc, httpx.InvalidURL):
        return N_("invalid URL: {detail}").format(detail=detail)
    if isinstance(exc, httpx.NetworkError | OSError):
        return N_("network error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.HTTPError):
        return N_("HTTP error: {detail}").format(detail=detail)
    return f"{type(exc).__name__}: {detail}"


def _request_host(exc: BaseException) -> str:
    try:
        request = exc.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return ""
    return clean_line(request.url.host, 100)
