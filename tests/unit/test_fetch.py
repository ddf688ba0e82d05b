"""The fetcher against a real loopback HTTP server: limits, validators, redirects, failures."""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import time
import tracemalloc
import zlib
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from pathlib import Path
from typing import Any

import pytest

from feedserver import (
    DEFAULT_LAST_MODIFIED,
    FeedRequestHandler,
    FeedServer,
    gzip_bomb,
    max_overlap,
)
from newsreader.config import Settings
from newsreader.ingest.fetch import (
    ACCEPT_ENCODING,
    MAX_REDIRECTS,
    USER_AGENT,
    Fetcher,
    FetchRequest,
    FetchResult,
    parse_retry_after,
)

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def fetch(url: str, settings: Settings | None = None, **kw: str | None) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(FetchRequest("f1", url, **kw))

    return asyncio.run(go())


def fetch_all(reqs: list[FetchRequest], settings: Settings | None = None) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            return [r async for r in fetcher.fetch_many(reqs)]

    return asyncio.run(go())


def quick(**kw: object) -> Settings:
    settings = Settings(timeout=1.0)
    for key, value in kw.items():
        setattr(settings, key, value)
    return settings


# -- plain fetch, headers sent ---------------------------------------------------------------


def test_ok_fetch_returns_body_validators_and_sends_our_headers(feed_server: FeedServer) -> None:
    route = feed_server.route("/feed.xml", RSS, etag=True, last_modified=True)
    res = fetch(feed_server.url("/feed.xml"))
    assert res.outcome == "ok" and res.ok
    assert res.status == 200 and res.body == RSS and res.error is None
    assert res.etag == route.etag and res.last_modified == DEFAULT_LAST_MODIFIED
    assert res.final_url == res.url == feed_server.url("/feed.xml") and res.new_url is None
    assert res.headers["content-type"].startswith("application/rss+xml")
    assert 0 < res.elapsed < 1
    sent = feed_server.last_headers("/feed.xml")
    assert sent["user-agent"] == USER_AGENT and USER_AGENT.startswith("newsreader/")
    assert "application/rss+xml" in sent["accept"] and "application/atom+xml" in sent["accept"]
    assert "application/feed+json" in sent["accept"]
    assert sent["accept-encoding"] == ACCEPT_ENCODING == "gzip, deflate"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_custom_user_agent(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS)

    async def go() -> None:
        async with Fetcher(user_agent="probe/1") as fetcher:
            await fetcher.fetch(FetchRequest("x", feed_server.url("/f")))

    asyncio.run(go())
    assert feed_server.last_headers("/f")["user-agent"] == "probe/1"


# -- conditional GET -------------------------------------------------------------------------


def test_etag_gives_304_not_modified(feed_server: FeedServer) -> None:
    route = feed_server.route("/f", RSS, etag='"v1"', last_modified=True)
    res = fetch(feed_server.url("/f"), etag='"v1"', last_modified=DEFAULT_LAST_MODIFIED)
    assert res.outcome == "not_modified" and res.status == 304 and res.body == b""
    assert res.etag == route.etag and res.last_modified == DEFAULT_LAST_MODIFIED
    sent = feed_server.last_headers("/f")
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == DEFAULT_LAST_MODIFIED
    # A changed ETag on the server means a full answer.
    feed_server.route("/f", RSS + b" ", etag='"v2"')
    res = fetch(feed_server.url("/f"), etag='"v1"')
    assert res.outcome == "ok" and res.body == RSS + b" " and res.etag == '"v2"'


def test_last_modified_alone_gives_304(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, last_modified=True)
    res = fetch(feed_server.url("/f"), last_modified=DEFAULT_LAST_MODIFIED)
    assert res.outcome == "not_modified" and res.body == b""
    assert "if-none-match" not in feed_server.last_headers("/f")
    older = "Tue, 20 Oct 2015 07:28:00 GMT"
    assert fetch(feed_server.url("/f"), last_modified=older).outcome == "ok"


def test_304_without_validators_keeps_the_ones_sent(feed_server: FeedServer) -> None:
    feed_server.route("/f", status=304)
    res = fetch(feed_server.url("/f"), etag='"a"', last_modified=DEFAULT_LAST_MODIFIED)
    assert res.outcome == "not_modified"
    assert res.etag == '"a"' and res.last_modified == DEFAULT_LAST_MODIFIED


def test_unsafe_validator_is_not_sent(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS)
    res = fetch(feed_server.url("/f"), etag='"a"\r\nX-Evil: 1', last_modified="d\u00e9j\u00e0")
    assert res.outcome == "ok"
    sent = feed_server.last_headers("/f")
    assert "if-none-match" not in sent and "x-evil" not in sent
    assert "if-modified-since" not in sent


# -- content encodings -----------------------------------------------------------------------


def test_gzip_body_is_decompressed(feed_server: FeedServer) -> None:
    big = RSS * 2000
    feed_server.route("/gz", big, gzip=True)
    res = fetch(feed_server.url("/gz"))
    assert res.outcome == "ok" and res.body == big
    assert res.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_both_flavours(feed_server: FeedServer, wbits: int) -> None:
    comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
    feed_server.route("/d", comp.compress(RSS * 50) + comp.flush(), content_encoding="deflate")
    res = fetch(feed_server.url("/d"))
    assert res.outcome == "ok" and res.body == RSS * 50


def test_stacked_encodings_and_bad_ones(feed_server: FeedServer) -> None:
    feed_server.route("/gg", gzip.compress(gzip.compress(RSS)), content_encoding="gzip, gzip")
    assert fetch(feed_server.url("/gg")).body == RSS
    feed_server.route("/br", b"\x0b\x02\x80hello\x03", content_encoding="br")
    res = fetch(feed_server.url("/br"))
    assert res.outcome == "error" and res.error == "unsupported Content-Encoding: br"
    feed_server.route("/junk", b"this is not gzip at all", content_encoding="gzip")
    res = fetch(feed_server.url("/junk"))
    assert res.outcome == "error" and res.error.startswith("cannot decompress body")


# -- body cap ----------------------------------------------------------------------------------


def test_oversized_body_with_content_length_is_refused_unread(feed_server: FeedServer) -> None:
    feed_server.route("/big", b"x" * (3 << 20))
    res = fetch(feed_server.url("/big"), quick(max_body_bytes=1 << 20))
    assert res.outcome == "error" and res.error == "body larger than 1 MiB"
    assert res.body == b"" and res.status == 200


def test_endless_body_stops_at_cap(feed_server: FeedServer) -> None:
    feed_server.route("/endless", RSS, endless=True)
    start = time.monotonic()
    res = fetch(feed_server.url("/endless"), quick(max_body_bytes=512 * 1024, timeout=10.0))
    assert res.outcome == "error" and res.error == "body larger than 512 KiB"
    assert time.monotonic() - start < 5


def test_gzip_bomb_stops_early_with_bounded_memory(feed_server: FeedServer) -> None:
    bomb = gzip_bomb(64 << 20)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 1 << 20
    feed_server.route("/bomb", bomb, content_encoding="gzip")
    tracemalloc.start()
    try:
        start = time.monotonic()
        res = fetch(feed_server.url("/bomb"), quick(max_body_bytes=1 << 20))
        took = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert res.outcome == "error" and res.error == "body larger than 1 MiB"
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB"
    assert took < 3


def test_body_exactly_at_cap_is_accepted(feed_server: FeedServer) -> None:
    feed_server.route("/edge", b"y" * 4096, gzip=True)
    assert fetch(feed_server.url("/edge"), quick(max_body_bytes=4096)).outcome == "ok"
    feed_server.route("/edge2", b"y" * 4097, gzip=True)
    res = fetch(feed_server.url("/edge2"), quick(max_body_bytes=4096))
    assert res.error == "body larger than 4 KiB"


# -- deadline ----------------------------------------------------------------------------------


def test_stalled_body_ends_at_deadline(feed_server: FeedServer) -> None:
    feed_server.route("/stall", RSS, stall_after=10, etag=True)
    start = time.monotonic()
    res = fetch(feed_server.url("/stall"), quick(timeout=0.5))
    took = time.monotonic() - start
    assert res.outcome == "error" and res.error == "timed out after 0.5 s"
    assert res.status == 200 and res.body == b"" and res.etag is None
    assert 0.45 <= took < 2 and 0.45 <= res.elapsed < 2


def test_trickling_body_ends_at_deadline(feed_server: FeedServer) -> None:
    # httpx's own read timeout never fires here: a byte arrives every 20 ms.
    feed_server.route("/drip", trickle=(1, 0.02), endless=True)
    start = time.monotonic()
    res = fetch(feed_server.url("/drip"), quick(timeout=0.6))
    assert res.outcome == "error" and res.error == "timed out after 0.6 s"
    assert 0.55 <= time.monotonic() - start < 2


def test_slow_headers_end_at_deadline_and_slow_but_finite_body_is_fine(
    feed_server: FeedServer,
) -> None:
    feed_server.route("/late", RSS, delay=5)
    res = fetch(feed_server.url("/late"), quick(timeout=0.4))
    assert res.outcome == "error" and res.error == "timed out after 0.4 s" and res.status is None
    feed_server.route("/drip", RSS[:20], trickle=(4, 0.01))
    res = fetch(feed_server.url("/drip"), quick(timeout=2.0))
    assert res.outcome == "ok" and res.body == RSS[:20]


# -- redirects ---------------------------------------------------------------------------------


def test_permanent_chain_reports_new_url(feed_server: FeedServer) -> None:
    feed_server.redirect_chain("/a", [(301, "/b"), (308, "/c")])
    feed_server.route("/c", RSS, etag='"c"')
    res = fetch(feed_server.url("/a"))
    assert res.outcome == "ok" and res.body == RSS and res.etag == '"c"'
    assert res.final_url == res.new_url == feed_server.url("/c")
    assert res.url == feed_server.url("/a")
    assert [feed_server.count(p) for p in ("/a", "/b", "/c")] == [1, 1, 1]


@pytest.mark.parametrize(
    "chain", [[(301, "/b"), (302, "/c")], [(302, "/c")], [(307, "/c")], [(308, "/b"), (303, "/c")]]
)
def test_any_temporary_hop_means_no_new_url(
    feed_server: FeedServer, chain: list[tuple[int, str]]
) -> None:
    feed_server.redirect_chain("/a", chain)
    feed_server.route("/c", RSS)
    res = fetch(feed_server.url("/a"))
    assert res.outcome == "ok" and res.final_url == feed_server.url("/c") and res.new_url is None


def test_conditional_headers_follow_redirects(feed_server: FeedServer) -> None:
    feed_server.redirect("/old", "/new", 301)
    feed_server.route("/new", RSS, etag='"n"')
    res = fetch(feed_server.url("/old"), etag='"n"')
    assert res.outcome == "not_modified" and res.new_url == feed_server.url("/new")
    assert feed_server.last_headers("/new")["if-none-match"] == '"n"'


def test_relative_and_absolute_locations(feed_server: FeedServer) -> None:
    feed_server.redirect("/dir/a", "b?x=1", 301)  # relative to /dir/
    feed_server.redirect("/dir/b", feed_server.url("/end"), 301)
    feed_server.route("/end", RSS)
    res = fetch(feed_server.url("/dir/a"))
    assert res.outcome == "ok" and res.new_url == feed_server.url("/end")
    assert feed_server.requests("/dir/b")[0].path == "/dir/b?x=1"


def test_permanent_redirect_to_an_error_records_no_new_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/missing", 301)
    res = fetch(feed_server.url("/a"))
    assert res.outcome == "error" and res.error == "HTTP 404 Not Found" and res.new_url is None
    assert res.final_url == feed_server.url("/missing")


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://example.com/feed", "javascript:alert(1)", "data:,x"]
)
def test_redirect_to_non_http_is_refused(feed_server: FeedServer, target: str) -> None:
    feed_server.redirect("/a", target, 302)
    res = fetch(feed_server.url("/a"))
    assert res.outcome == "error" and res.new_url is None
    assert res.error.startswith("redirect to a non-http URL refused")


def test_redirect_loop_and_too_many_redirects(feed_server: FeedServer) -> None:
    feed_server.redirect_chain("/x", [(301, "/y"), (301, "/x")])
    res = fetch(feed_server.url("/x"))
    assert res.outcome == "error" and res.error == "redirect loop" and res.new_url is None
    assert feed_server.count() == MAX_REDIRECTS + 1
    # Exactly MAX_REDIRECTS hops is fine, one more is not.
    feed_server.reset()
    feed_server.redirect_chain("/h0", [(301, f"/h{i}") for i in range(1, MAX_REDIRECTS + 1)])
    feed_server.route(f"/h{MAX_REDIRECTS}", RSS)
    assert fetch(feed_server.url("/h0")).outcome == "ok"
    feed_server.redirect_chain("/g0", [(302, f"/g{i}") for i in range(1, MAX_REDIRECTS + 2)])
    res = fetch(feed_server.url("/g0"))
    assert res.outcome == "error" and res.error.startswith("too many redirects")


def test_redirect_without_location(feed_server: FeedServer) -> None:
    feed_server.route("/r", status=302)
    res = fetch(feed_server.url("/r"))
    assert res.outcome == "error" and res.error == "HTTP 302 redirect without a Location"


def test_cross_host_redirects_do_not_deadlock_with_one_slot() -> None:
    # Each hop takes its own slot: holding one while waiting for another host could deadlock.
    with FeedServer("127.0.0.1") as a, FeedServer("127.0.0.2") as b:
        b.route("/f", RSS, delay=0.05)
        for i in range(4):
            a.redirect(f"/r{i}", b.url("/f"), 301)
        reqs = [FetchRequest(f"a{i}", a.url(f"/r{i}")) for i in range(4)]
        reqs += [FetchRequest(f"b{i}", b.url("/f")) for i in range(4)]
        results = fetch_all(reqs, quick(concurrency=1, per_host=1, timeout=5.0))
    assert sorted(r.outcome for r in results) == ["ok"] * 8
    assert {r.new_url for r in results if r.feed_id.startswith("a")} == {b.url("/f")}


# -- statuses ----------------------------------------------------------------------------------


def test_gone_and_http_errors(feed_server: FeedServer) -> None:
    feed_server.route("/gone", status=410)
    feed_server.route("/boom", b"oops", status=500)
    feed_server.route("/teapot", status=418)
    feed_server.route("/odd", status=599)
    gone = fetch(feed_server.url("/gone"))
    assert gone.outcome == "gone" and gone.status == 410 and gone.error == "HTTP 410 Gone"
    assert fetch(feed_server.url("/nope")).error == "HTTP 404 Not Found"
    boom = fetch(feed_server.url("/boom"))
    assert boom.outcome == "error" and boom.error == "HTTP 500 Internal Server Error"
    assert boom.body == b"" and boom.status == 500
    assert fetch(feed_server.url("/teapot")).error == "HTTP 418 I'm a Teapot"
    assert fetch(feed_server.url("/odd")).error.startswith("HTTP 599")


def test_retry_later_with_seconds_and_date(feed_server: FeedServer) -> None:
    feed_server.route("/busy", status=429, retry_after=120)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    feed_server.route("/down", status=503, retry_after=format_datetime(when, usegmt=True))
    feed_server.route("/bare", status=429)
    before = datetime.now(UTC)
    busy = fetch(feed_server.url("/busy"))
    assert busy.outcome == "retry_later" and busy.error == "HTTP 429 Too Many Requests"
    assert busy.retry_after is not None and busy.retry_after.tzinfo is not None
    assert timedelta(seconds=119) <= busy.retry_after - before <= timedelta(seconds=125)
    down = fetch(feed_server.url("/down"))
    assert down.outcome == "retry_later" and down.retry_after == when
    bare = fetch(feed_server.url("/bare"))
    assert timedelta(minutes=59) <= bare.retry_after - before <= timedelta(minutes=61)


def test_parse_retry_after_edges() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_retry_after("0", now) == now
    assert parse_retry_after(" 30 ", now) == now + timedelta(seconds=30)
    assert parse_retry_after("99999999999999999999", now) == now + timedelta(days=7)
    assert parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now) == now + timedelta(days=7)
    assert parse_retry_after("Sun, 31 Dec 2023 00:00:00 GMT", now) == now  # past: now
    assert parse_retry_after("Mon, 01 Jan 2024 00:10:00 -0000", now) == now + timedelta(minutes=10)
    # "¹" and "²³" are digits to str.isdigit but not to int(): junk, not an exception.
    for junk in (None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2024", "\u00b9", "\u00b2\u00b3"):
        assert parse_retry_after(junk, now) == now + timedelta(hours=1), junk


# -- transport errors never raise --------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused() -> None:
    res = fetch(f"http://127.0.0.1:{_closed_port()}/feed")
    assert res.outcome == "error" and res.error == "connection refused" and res.status is None


def test_tls_error_against_plain_http(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS)
    res = fetch(feed_server.url("/f").replace("http://", "https://"))
    assert res.outcome == "error" and res.error.startswith("TLS error: ")
    assert "\n" not in res.error


def test_protocol_error(feed_server: FeedServer) -> None:
    def garbage(handler: FeedRequestHandler) -> None:
        handler.wfile.write(b"SPDY/9 what\r\n\r\n")
        handler.close_connection = True

    def short(handler: FeedRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"<rss>")
        handler.close_connection = True

    feed_server.route("/garbage", handler=garbage)
    feed_server.route("/short", handler=short)
    res = fetch(feed_server.url("/garbage"))
    assert res.outcome == "error" and res.error.startswith("protocol error: ")
    res = fetch(feed_server.url("/short"))
    assert res.outcome == "error" and res.error.startswith("protocol error: ") and res.body == b""


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: object, *args: Any, **kw: Any) -> Any:
        if host == "feeds.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    res = fetch("http://feeds.invalid/rss")
    assert res.outcome == "error" and res.error == "cannot resolve host feeds.invalid"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed", "unsupported URL scheme: ftp"),
        ("javascript:alert(1)", "unsupported URL scheme: javascript"),
        ("http:///nohost", "invalid URL (no host)"),
        ("http://[::1/feed", "invalid URL"),
        ("http://127.0.0.1/\x00", "invalid URL"),
    ],
)
def test_bad_urls_are_errors_not_exceptions(url: str, message: str) -> None:
    res = fetch(url)
    assert res.outcome == "error" and res.error is not None
    assert res.error.startswith(message) or message in res.error, res.error


# -- local files -------------------------------------------------------------------------------


def test_local_file_by_url_and_by_path(tmp_path: Path) -> None:
    path = tmp_path / "my feed.xml"
    path.write_bytes(RSS)
    by_url = fetch(path.as_uri())
    by_path = fetch(str(path))
    for res in (by_url, by_path):
        assert res.outcome == "ok" and res.body == RSS and res.status is None
        assert res.last_modified == formatdate(path.stat().st_mtime, usegmt=True)
    again = fetch(path.as_uri(), last_modified=by_url.last_modified)
    assert again.outcome == "not_modified" and again.body == b""
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert fetch(path.as_uri(), last_modified=by_url.last_modified).outcome == "ok"


def test_local_file_failures(tmp_path: Path) -> None:
    missing = fetch((tmp_path / "nope.xml").as_uri())
    assert missing.outcome == "error"
    assert missing.error == f"file not found: {tmp_path / 'nope.xml'}"
    assert fetch(str(tmp_path)).error == f"not a regular file: {tmp_path}"
    big = tmp_path / "big.xml"
    big.write_bytes(b"z" * 5000)
    assert fetch(str(big), quick(max_body_bytes=4096)).error == "body larger than 4 KiB"
    assert fetch("file://otherhost/etc/passwd").error.startswith("file URL on another host")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert fetch(str(fifo), quick(timeout=1.0)).error == f"not a regular file: {fifo}"


def test_real_feed_served_from_disk_with_gzip(feed_server: FeedServer, realfeeds: Path) -> None:
    files = sorted(p for p in realfeeds.iterdir() if p.suffix in (".xml", ".rss", ".atom"))
    assert files
    target = max(files, key=lambda p: p.stat().st_size)
    feed_server.route("/real", file=target)
    res = fetch(feed_server.url("/real"))
    assert res.outcome == "ok" and res.body == target.read_bytes()
    assert res.last_modified == formatdate(target.stat().st_mtime, usegmt=True)
    again = fetch(feed_server.url("/real"), last_modified=res.last_modified)
    assert again.outcome == "not_modified"


# -- concurrency -------------------------------------------------------------------------------


def test_per_host_limit(feed_server: FeedServer) -> None:
    feed_server.route("/slow", RSS, delay=0.15)
    reqs = [FetchRequest(f"f{i}", feed_server.url(f"/slow?i={i}")) for i in range(6)]
    results = fetch_all(reqs, quick(concurrency=8, per_host=2))
    assert [r.outcome for r in results] == ["ok"] * 6
    assert feed_server.max_in_flight() == 2


def test_overall_limit_across_hosts() -> None:
    servers = [FeedServer(f"127.0.0.{i}").start() for i in range(1, 6)]
    try:
        reqs = []
        for server in servers:
            server.route("/slow", RSS, delay=0.12)
            reqs += [FetchRequest("x", server.url(f"/slow?n={n}")) for n in range(3)]
        results = fetch_all(reqs, quick(concurrency=3, per_host=2, timeout=5.0))
        assert [r.outcome for r in results] == ["ok"] * 15
        assert all(s.max_in_flight() <= 2 for s in servers)
        assert max_overlap(r for s in servers for r in s.requests()) == 3
    finally:
        for server in servers:
            server.stop()


def test_deadline_does_not_count_time_queued(feed_server: FeedServer) -> None:
    # Four 0.3 s feeds through one slot take 1.2 s, each within its 0.6 s deadline.
    feed_server.route("/slow", RSS, delay=0.3)
    reqs = [FetchRequest(f"f{i}", feed_server.url(f"/slow?{i}")) for i in range(4)]
    results = fetch_all(reqs, quick(concurrency=1, per_host=1, timeout=0.6))
    assert [r.outcome for r in results] == ["ok"] * 4
    assert all(0.25 < r.elapsed < 0.6 for r in results)


# -- fetch_many, cancellation, cleanup ---------------------------------------------------------


def test_fetch_many_yields_in_completion_order(feed_server: FeedServer) -> None:
    feed_server.route("/slow", RSS, delay=0.3)
    feed_server.route("/fast", RSS)
    reqs = [FetchRequest("slow", feed_server.url("/slow")), FetchRequest("fast", "/nonexistent")]
    reqs.append(FetchRequest("fast2", feed_server.url("/fast")))
    order = [r.feed_id for r in fetch_all(reqs)]
    assert order[-1] == "slow" and sorted(order) == ["fast", "fast2", "slow"]


def _pool_is_quiet(fetcher: Fetcher) -> bool:
    pool = fetcher._client._transport._pool  # type: ignore[union-attr]
    return not pool._requests and all(c.is_idle() or c.is_closed() for c in pool.connections)


def test_every_outcome_leaves_no_open_response(feed_server: FeedServer) -> None:
    feed_server.route("/ok", RSS, etag='"e"')
    feed_server.route("/gone", status=410)
    feed_server.route("/stall", RSS, stall_after=5)
    feed_server.route("/bomb", gzip_bomb(16 << 20), content_encoding="gzip")
    feed_server.redirect("/loop", "/loop", 301)
    feed_server.route("/busy", status=503, retry_after=5)

    async def go() -> list[FetchResult]:
        async with Fetcher(quick(timeout=0.5, max_body_bytes=1 << 20)) as fetcher:
            reqs = [
                FetchRequest(p, feed_server.url(p))
                for p in ("/ok", "/gone", "/stall", "/bomb", "/loop", "/busy", "/404")
            ]
            reqs.append(FetchRequest("304", feed_server.url("/ok"), etag='"e"'))
            results = [r async for r in fetcher.fetch_many(reqs)]
            assert _pool_is_quiet(fetcher)
            return results

    outcomes = {r.feed_id: r.outcome for r in asyncio.run(go())}
    assert outcomes == {
        "/ok": "ok",
        "/gone": "gone",
        "/stall": "error",
        "/bomb": "error",
        "/loop": "error",
        "/busy": "retry_later",
        "/404": "error",
        "304": "not_modified",
    }


def test_closing_fetch_many_early_cancels_the_rest(feed_server: FeedServer) -> None:
    feed_server.route("/fast", RSS)
    feed_server.route("/stall", RSS, stall_after=1)

    async def go() -> tuple[str, set[asyncio.Task]]:
        async with Fetcher(quick(timeout=30.0)) as fetcher:
            reqs = [FetchRequest("fast", feed_server.url("/fast"))]
            reqs += [FetchRequest(f"s{i}", feed_server.url(f"/stall?{i}")) for i in range(4)]
            async with aclosing(fetcher.fetch_many(reqs)) as results:
                first = await anext(results)
            left = asyncio.all_tasks() - {asyncio.current_task()}
            assert _pool_is_quiet(fetcher)
            return first.feed_id, left

    start = time.monotonic()
    first, left = asyncio.run(go())
    assert first == "fast" and left == set()
    assert time.monotonic() - start < 5


def test_cancelling_the_consumer_leaves_no_tasks(feed_server: FeedServer) -> None:
    feed_server.route("/stall", RSS, stall_after=1)

    async def consume(fetcher: Fetcher) -> None:
        reqs = [FetchRequest(f"s{i}", feed_server.url(f"/stall?{i}")) for i in range(5)]
        async with aclosing(fetcher.fetch_many(reqs)) as results:
            async for _ in results:
                pass

    async def go() -> set[asyncio.Task]:
        async with Fetcher(quick(timeout=30.0)) as fetcher:
            task = asyncio.create_task(consume(fetcher))
            await asyncio.sleep(0.3)
            assert feed_server.count() == 2  # per-host limit holds the other three back
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            single = asyncio.create_task(
                fetcher.fetch(FetchRequest("x", feed_server.url("/stall")))
            )
            await asyncio.sleep(0.2)
            single.cancel()
            with pytest.raises(asyncio.CancelledError):
                await single
            return asyncio.all_tasks() - {asyncio.current_task()}

    assert asyncio.run(go()) == set()


def test_many_conditional_requests_reuse_connections(feed_server: FeedServer) -> None:
    feed_server.route("/f", RSS, etag='"same"')
    n = 200
    reqs = [FetchRequest(f"f{i}", feed_server.url("/f"), etag='"same"') for i in range(n)]
    start = time.monotonic()
    results = fetch_all(reqs)
    took = time.monotonic() - start
    assert [r.outcome for r in results] == ["not_modified"] * n
    assert feed_server.count("/f") == n
    assert feed_server.connections_opened <= 4  # keep-alive: 2 per host, not one per request
    assert took < 20
