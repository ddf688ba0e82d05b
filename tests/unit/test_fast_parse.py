"""The compiled parse path (ingest/fastpath.py) gives the same articles as feedparser, or steps
aside: every shared real feed, every realnews feed and a generated bench corpus go through both
paths and must come out identical (articles, bodies, title, link, warning, format, or the same
error). The path must also actually answer where it should (a test that only ever fell back
would prove nothing), and fall back on the documents it is known to get wrong."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsreader.ingest import fastpath, xmlfeed
from newsreader.ingest.parse import ParseError, parse_feed
from newsreader.models import Feed
from shared_paths import REALFEEDS, REALNEWS, shared_dir

pytestmark = pytest.mark.skipif(not fastpath.available(), reason="feedparser-rs not installed")

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FEED = Feed(id="f1", url="https://example.org/feed")
GEN_CORPUS = shared_dir("bench") / "gen_corpus.py"


def outcome(data: bytes, *, fast: bool) -> Any:
    try:
        parsed = parse_feed(data, feed=FEED, url=FEED.url, now=NOW, fast=fast)
    except ParseError as exc:
        return ("error", str(exc))
    articles = [asdict(a) for a in parsed.articles]
    return (parsed.title, parsed.link, articles, parsed.bodies, parsed.warning, parsed.format)


def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, per parse, whether the fast path answered (True) or fell back (False)."""
    calls: list[bool] = []
    original = xmlfeed.fast_raw

    def spy(text: str) -> Any:
        raw = original(text)
        calls.append(raw is not None)
        return raw

    monkeypatch.setattr(xmlfeed, "fast_raw", spy)
    return calls


def both_paths(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    """(documents the fast path answered, names of documents where the paths differ)."""
    calls = answered(monkeypatch)
    fast_count, differ = 0, []
    for path in paths:
        data = path.read_bytes()
        reference = outcome(data, fast=False)
        calls.clear()
        if outcome(data, fast=True) != reference:
            differ.append(path.name)
        fast_count += any(calls)
    return fast_count, differ


@pytest.fixture(scope="module")
def bench_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GEN_CORPUS.is_file():
        pytest.skip(f"bench corpus generator not found at {GEN_CORPUS}")
    target = tmp_path_factory.mktemp("corpus") / "c"
    subprocess.run(
        [sys.executable, str(GEN_CORPUS), str(target), "--feeds", "120", "--items", "50"]
        + ["--seed", "7", "--port", "8765", "--broken"],
        check=True,
        capture_output=True,
    )
    return target / "feeds"


def test_every_real_feed_is_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")
    paths = sorted(p for p in REALFEEDS.iterdir() if p.suffix != ".md")
    fast_count, differ = both_paths(paths, monkeypatch)
    assert differ == []
    # Measured 2026-12-04: 7 of the 49 (these are parser test files: podcasts, Media RSS,
    # XHTML, xml:base, broken charsets...; plain news feeds are what the fast path is for).
    assert fast_count >= 7


def test_every_realnews_feed_is_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    if not REALNEWS.is_dir():
        pytest.skip(f"realnews not found at {REALNEWS}")
    paths = sorted(REALNEWS.glob("*.xml"))
    fast_count, differ = both_paths(paths, monkeypatch)
    assert differ == []
    assert len(paths) == 13 and fast_count >= 11  # two carry Media RSS / dc:source


def test_the_bench_corpus_is_the_same_on_both_paths(
    bench_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(bench_corpus.iterdir())
    fast_count, differ = both_paths(paths, monkeypatch)
    assert differ == []
    # Every well-formed generated feed (RSS 2.0, Atom, RDF, links on loopback) is answered
    # fast; the broken ones (truncated, wrong charset, an HTML page, empty) fall back.
    healthy = [p for p in paths if p.name.startswith("feed")]
    assert len(healthy) == 120 and fast_count >= 120


def test_damaged_documents_fall_back_or_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded damage to real documents (cuts, dropped or doubled characters, stray markup):
    whatever the fast path accepts must equal feedparser's reading."""
    if not REALNEWS.is_dir():
        pytest.skip(f"realnews not found at {REALNEWS}")
    rng = random.Random(20261204)
    sources = [p.read_bytes() for p in sorted(REALNEWS.glob("*.xml"))]
    calls = answered(monkeypatch)
    accepted = 0
    for _ in range(120):
        data = bytearray(rng.choice(sources))
        at = rng.randrange(len(data))
        kind = rng.randrange(5)
        if kind == 0:
            data = data[:at]
        elif kind == 1:
            del data[at : at + rng.randrange(1, 40)]
        elif kind == 2:
            data[at:at] = data[at : at + rng.randrange(1, 40)]
        elif kind == 3:
            data[at:at] = rng.choice([b"<", b"&", b"]]>", b"</item>", b"<item>", b"&amp;", b"\x00"])
        else:
            data[at:at] = rng.choice([b"<link>http://10.0.0.1/x</link>", b"<foo>bar</foo>"])
        reference = outcome(bytes(data), fast=False)
        calls.clear()
        assert outcome(bytes(data), fast=True) == reference
        accepted += any(calls)
    assert accepted > 0  # some damage leaves a valid feed, which the fast path still reads


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>{feed_link}</link>
<item><title>One &amp; two</title><link>{link}</link><guid>g1</guid>
<pubDate>Sat, 21 Dec 2024 10:00:00 GMT</pubDate><category>Politik</category>
<description>&lt;p&gt;Lead&lt;/p&gt;</description>{extra}</item>
</channel></rss>"""


def rss(**fields: str) -> bytes:
    values = {"feed_link": "https://example.org/", "link": "https://example.org/1", "extra": ""}
    values.update(fields)
    return RSS.format(**values).encode()


def fast_answers(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bool:
    calls = answered(monkeypatch)
    assert outcome(data, fast=True) == outcome(data, fast=False)
    return any(calls)


def test_a_plain_feed_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast_answers(rss(), monkeypatch)


def test_links_to_private_hosts_are_kept_as_feedparser_keeps_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """feedparser-rs blanks links to loopback and private hosts; an intranet feed's links are
    real, so they are read from the item's text (or feedparser takes over)."""
    data = rss(feed_link="http://127.0.0.1:8080/", link="http://192.168.1.5/news/1")
    assert fast_answers(data, monkeypatch)
    parsed = parse_feed(data, feed=FEED, url=FEED.url, now=NOW)
    assert parsed.articles[0].link == "http://192.168.1.5/news/1"
    assert parsed.link == "http://127.0.0.1:8080/"
    # Two links in one item: not read by hand; feedparser's reading, whatever it is, wins.
    two = rss(link="http://10.0.0.1/a", extra="<link>http://10.0.0.1/b</link>")
    assert not fast_answers(two, monkeypatch)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("no end tag", rss()[:-7]),
        ("two roots", rss() + b"<rss/>"),
        ("escaped link", rss(link="https://example.org/?a=1&amp;amp;b=2")),
        ("podcast element", rss(extra="<itunes:author>X</itunes:author>")),
        ("unknown element", rss(extra="<rating>5</rating>")),
        ("xml:base", rss().replace(b"<channel>", b'<channel xml:base="https://a.example/">')),
        ("unread date", rss().replace(b"Sat, 21 Dec 2024 10:00:00 GMT", b"21.12.2024 10 Uhr")),
        ("broken markup", rss(extra="<description>a < b</description>")),
        ("rss 0.90", rss().replace(b'<rss version="2.0">', b"<rss>")),
    ],
)
def test_documents_it_may_misread_go_to_feedparser(
    name: str, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not fast_answers(data, monkeypatch), name


def test_without_the_compiled_parser_feedparser_does_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fastpath, "_rs", None)
    assert not fastpath.available()
    assert not fast_answers(rss(), monkeypatch)
    assert parse_feed(rss(), feed=FEED, url=FEED.url, now=NOW).articles[0].headline == "One & two"


def test_the_tag_pass_is_linear_on_hostile_markup() -> None:
    """Documents the fast path reads in the refreshing process itself (no worker's time limit
    there) must not make its checks quadratic: a tag with a million spaces once took hours."""
    import time

    head = '<?xml version="1.0"?><rss version="2.0"><channel>'
    hostile = [
        head + "<title" + " " * 1_000_000 + "<x",
        head + "<![CDATA[" * 100_000,
        head + "<a " * 300_000,
        head + "<link" + ' x="' * 250_000,
    ]
    for text in hostile:
        started = time.monotonic()
        assert not fastpath.eligible(text)
        assert time.monotonic() - started < 5  # ~0.02 s; quadratic would be hours
