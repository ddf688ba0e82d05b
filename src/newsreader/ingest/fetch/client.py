"""The Fetcher: one policy over one shared httpx client: a deadline per feed, redirects
followed by hand, per-host and overall slots, the refresh's budget, conditional GET. Every fetch
ends in a `FetchResult`; nothing here raises to the caller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import httpx

from newsreader import __version__
from newsreader.config import Settings
from newsreader.i18n import N_
from newsreader.ingest.fetch.body import ACCEPT_ENCODING, drain, read_body
from newsreader.ingest.fetch.errors import describe_error, status_line
from newsreader.ingest.fetch.headers import conditional_headers, parse_retry_after
from newsreader.ingest.fetch.local import read_file
from newsreader.ingest.fetch.results import Fetched, FetchError, FetchRequest, FetchResult, fail
from newsreader.ingest.fetch.urls import check_http_url, is_local

USER_AGENT = f"newsreader/{__version__} (+https://github.com/newsreader; terminal feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
# Where _take_location keeps a response's Location (httpx must not parse it: see there).
_LOCATION = "newsreader.location"


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
            if is_local(req.url):
                self._started.add(req.feed_id)
                started.append(time.monotonic())
                async with asyncio.timeout(self.settings.timeout):
                    await asyncio.to_thread(read_file, req, res, self.settings.max_body_bytes)
            else:
                await self._fetch_http(req, res, started)
        except TimeoutError:
            fail(res, f"timed out after {self.settings.timeout:g} s")
        except FetchError as exc:
            fail(res, str(exc))
        except Exception as exc:  # the contract is "never raises"
            fail(res, describe_error(exc, self.settings.timeout))
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
        conditional = conditional_headers(req)
        url = req.url
        check_http_url(url, redirect=False)
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
                        await drain(resp)
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
                check_http_url(url, redirect=True)
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
            await drain(resp)
        if code == 304:
            res.outcome = Fetched.NOT_MODIFIED
            # A 304 may omit validators; the ones we sent are still the right ones.
            res.etag = etag or req.etag
            res.last_modified = last_modified or req.last_modified
        elif 200 <= code < 300:
            res.body = await read_body(resp, self.settings.max_body_bytes)
            res.outcome = Fetched.OK
            res.etag = etag
            res.last_modified = last_modified
        elif code == 410:
            res.outcome = Fetched.GONE
            res.error = status_line(resp)
        elif code in (429, 503):
            res.outcome = Fetched.RETRY_LATER
            res.retry_after = parse_retry_after(resp.headers.get("retry-after"))
            res.error = status_line(resp)
        else:
            res.outcome = Fetched.ERROR
            res.error = status_line(resp)


async def _take_location(response: httpx.Response) -> None:
    # httpx parses Location into `next_request` even when not following, and raises on odd
    # ones (javascript:alert(1)) before we see the status: we judge Location ourselves.
    location = response.headers.get("location")
    if location is not None:
        response.extensions[_LOCATION] = location
        del response.headers["location"]
