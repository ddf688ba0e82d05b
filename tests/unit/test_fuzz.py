"""Fuzzing fetch-to-screen: mutated real feeds, random bytes and random text, each served from a
loopback server, fetched, parsed, turned into Markdown, stored, reopened and shown in a headless
app. No exception may escape; ParseError (one line) is the only allowed per-feed failure.

CI runs a fixed, derandomized, database-free budget: 20 mutated real feeds, 20 random-byte
documents and 12 random-text feeds (about 25 s). A longer, randomised local run (N examples of the
first two tests, 0.6 N of the third; about 0.7 s per example):

    NEWSREADER_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/unit/test_fuzz.py -q -x

A failure prints the falsifying example and a reproduce blob (@reproduce_failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from feedserver import FeedServer
from newsreader.config import Settings
from newsreader.ingest.fetch import Fetcher, FetchRequest, FetchResult
from newsreader.ingest.parse import ParsedFeed, ParseError, parse_feed
from newsreader.models import Article, Feed
from newsreader.store import Batch, Store
from newsreader.to_markdown import article_markdown
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from shared_paths import REALFEEDS

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
_LOCAL = os.environ.get("NEWSREADER_FUZZ_EXAMPLES", "").strip()
EXAMPLES = int(_LOCAL) if _LOCAL.isdigit() and int(_LOCAL) > 0 else 20
LONG_RUN = bool(_LOCAL)
SHOWN_PER_FEED = 3  # articles laid out in the ArticleView per example (each costs a render)

# What must never reach the terminal: C0 (but TAB/LF), DEL, C1, bidi embeddings/overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LIVE_BAD_LINK = re.compile(r"\]\(\s*<?\s*(?:javascript|file|data|vbscript):", re.I)


def fuzz_settings(share: float = 1.0) -> settings:
    """A fixed budget for CI (derandomized, no database); randomised when run long locally."""
    return settings(
        max_examples=max(1, int(EXAMPLES * share)),
        deadline=None,
        derandomize=not LONG_RUN,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def _real_feed_names() -> list[str]:
    if not REALFEEDS.is_dir():
        return ["<missing>"]
    return sorted(p.name for p in REALFEEDS.iterdir() if p.name != "SOURCES.md")


REAL_FEED_NAMES = _real_feed_names()


# ------------------------------------------------------------------------------ hostile snippets

_DEEP = 3_000
SNIPPETS: dict[str, str] = {
    "markup_close": "[/]",
    "markup_style": "[bold red on blue]loud[/] [i]x",
    "markup_click": "[@click=app.quit]click me[/] [link=file:///etc/passwd]pw[/link]",
    "esc_title": "\x1b]0;pwned\x07window title",
    "esc_clear": "\x1b[2J\x1b[H\x1b[31mred",
    "osc8_link": "\x1b]8;;http://evil.example/\x1b\\hidden\x1b]8;;\x1b\\",
    "c1_csi": "\x9b31m\x9d0;x\x9c\x85next",
    "char_refs": "&#27;[2J&#x9b;31m&#0;&#x110000;&#xD800;&#1114111;&#65535;",
    "named_refs": "&nbsp;&eacute;&bogus;&amp;amp;&lt;b&gt;&CounterClockwiseContourIntegral;",
    "bidi": "\u202egnp.exe\u202c \u2066iso\u2069 \u200f\u061c",
    "zero_width": "a\u200bb\u200dc\ufeffd\u2060e\u00adf",
    "nul": "before\x00after",
    "surrogate_escape": "\\ud800 \\udfff",
    "emoji_wide": "日本語👨‍👩‍👧‍👦🏳️‍🌈" * 20,
    "long_word": "W" * 100_000,
    "js_link": '<a href="javascript:alert(1)">js</a> [x](javascript:alert(2)) <javascript:x>',
    "file_link": '<a href="file:///etc/passwd">pw</a><img src="file:///etc/shadow">',
    "data_link": '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a> [d](data:text/html,x)',
    "tracking": '<img src="http://t.example/p.gif?utm_source=x" width="1" height="1">'
    '<a href="http://e.example/a?utm_medium=rss&amp;id=3&amp;fbclid=zz">t</a>',
    "script": "<script>alert(1)</script><style>*{}</style><iframe src=x></iframe>",
    "deep_html": "<div>" * _DEEP + "deep" + "</div>" * _DEEP,
    "deep_unclosed": "<blockquote><ul><li>" * 1_000,
    "deep_xml": "<x>" * _DEEP + "</x>" * _DEEP,
    "huge_attr": f'<a href="http://e.example/{"a" * 300_000}" title="{"t" * 50_000}">h</a>',
    "many_attrs": "<p " + " ".join(f'a{i}="{i}"' for i in range(5_000)) + ">p</p>",
    "author_bomb": "a" * 60_000 + "@" + "b" * 10_000,
    "cdata_end": "]]> <![CDATA[ x ]]>",
    "comment": "<!-- x --><!--",
    "pi": "<?php echo 1; ?><?xml version='1.0'?>",
    "dates": "Sat, 01 Jan 0000 00:00:00 +9900 / 9999-12-31T23:59:59-99:99 / 0",
    "markdown": "# h\n\n[ref]: javascript:x\n\n```\ncode\n``` ![i](file:///x) <http://x>",
    "newlines": "\r\n\r\r\n\u2028\u2029\x0b\x0c" * 10,
    "rtl": "بی بی سی اردو سروس " * 20,
}
SNIPPET_NAMES = sorted(SNIPPETS)

# Inserted right before the root element: entity bombs, external entities, odd DOCTYPEs.
_LOL = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
DOCTYPES: dict[str, tuple[str, str]] = {  # name -> (declaration, a reference put in a title)
    "billion_laughs": (f"<!DOCTYPE rss [{_LOL}]>", "&lol9;"),
    "flat_big": ('<!DOCTYPE rss [<!ENTITY big "' + "B" * 20_000 + '">]>', "&big;" * 300),
    "xxe": ('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    "param": ('<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>', "&q;"),
    "xhtml": (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
        "&nbsp;&eacute;",
    ),
    "rss091": (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        "&copy;",
    ),
    "unterminated": ("<!DOCTYPE rss [<!ENTITY a 'x'", "&a;"),
    "nested_brackets": ('<!DOCTYPE rss [ <!-- ] > --> <!ENTITY e "]>"> ]>', "&e;"),
}
DOCTYPE_NAMES = sorted(DOCTYPES)

CHARSETS = [
    "utf-8",
    "UTF8",
    "windows-1252",
    "iso-8859-1",
    "koi8-r",
    "windows-1251",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
    "gb18030",
    "big5",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "utf-32",
    "utf-7",
    "cp500",
    "idna",
    "rot13",
    "unicode_escape",
    "x-user-defined",
    "no-such-charset",
    "",
]
BOMS = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]
CONTENT_TYPES = [
    "application/rss+xml; charset=utf-8",
    "application/atom+xml",
    "text/xml",
    "application/xml; charset={charset}",
    "text/html; charset={charset}",
    "application/json",
    "application/feed+json; charset={charset}",
    "text/plain",
    "application/octet-stream",
    None,
]

_TEXT_OPENER = re.compile(
    rb"<(?:title|description|summary|subtitle|content(?::encoded)?|name|email|author|"
    rb"dc:creator|category|itunes:summary|itunes:author|link|guid|id|pubDate|published|updated|"
    rb"dc:date|enclosure|media:content|url)\b[^<>]{0,400}>"
)
_JSON_OPENER = re.compile(
    rb'"(?:title|content_html|content_text|summary|url|external_url|id|name|date_published|'
    rb'date_modified|image|tags|home_page_url)"\s*:\s*\[?\s*"'
)
_ITEM = re.compile(rb"<(item|entry)\b[^>]*>.*?</\1\s*>", re.S)
_PROLOG_ENCODING = re.compile(rb"(<\?xml[^>]{0,200}?encoding\s*=\s*[\"'])([^\"']{0,40})")
_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)\b")

Mutation = tuple[object, ...]


def _is_json(doc: bytes) -> bool:
    return doc.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _encode_snippet(text: str, mode: str, json_doc: bool) -> bytes:
    if json_doc and mode != "raw":
        return json.dumps(text)[1:-1].encode()
    if mode == "escaped":
        text = html.escape(text, quote=False)
    elif mode == "cdata":
        text = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text.encode("utf-8", "surrogatepass")


def _json_items(doc: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    try:
        data = json.loads(doc)
    except ValueError:
        return doc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        return doc
    change(items)
    return json.dumps(data).encode()


def mutate(doc: bytes, mutation: Mutation) -> bytes:
    """Apply one mutation; positions are taken modulo what is there, so every draw applies."""
    kind = mutation[0]
    json_doc = _is_json(doc)
    if kind == "flip":
        pos, xor = mutation[1], mutation[2]
        assert isinstance(pos, int) and isinstance(xor, int)
        if not doc:
            return doc
        i = pos % len(doc)
        return doc[:i] + bytes([doc[i] ^ xor]) + doc[i + 1 :]
    if kind == "truncate":
        assert isinstance(mutation[1], int)
        return doc[: mutation[1] % (len(doc) + 1)]
    if kind == "insert":  # anywhere, raw: mostly breaks the structure
        pos, name = mutation[1], mutation[2]
        assert isinstance(pos, int) and isinstance(name, str)
        i = pos % (len(doc) + 1)
        return doc[:i] + SNIPPETS[name].encode("utf-8", "surrogatepass") + doc[i:]
    if kind == "text":  # into the text of a title, description, link ...
        nth, name, mode = mutation[1], mutation[2], mutation[3]
        assert isinstance(nth, int) and isinstance(name, str) and isinstance(mode, str)
        spots = [m.end() for m in (_JSON_OPENER if json_doc else _TEXT_OPENER).finditer(doc)]
        if not spots:
            return doc
        i = spots[nth % len(spots)]
        return doc[:i] + _encode_snippet(SNIPPETS[name], mode, json_doc) + doc[i:]
    if kind == "doctype":
        name = mutation[1]
        assert isinstance(name, str)
        decl, ref = DOCTYPES[name]
        titles = [m.end() for m in re.finditer(rb"<title\b[^<>]*>", doc)]
        if titles:
            doc = doc[: titles[0]] + ref.encode() + doc[titles[0] :]
        root = _ROOT.search(doc)
        i = root.start() if root else 0
        return doc[:i] + decl.encode() + doc[i:]
    if kind == "charset":  # relabel the prolog (or add one) without recoding the bytes
        label, bom = mutation[1], mutation[2]
        assert isinstance(label, str) and isinstance(bom, bytes)
        body = doc.removeprefix(b"\xef\xbb\xbf")
        if _PROLOG_ENCODING.search(body):
            body = _PROLOG_ENCODING.sub(lambda m: m.group(1) + label.encode(), body, count=1)
        elif not json_doc:
            body = f'<?xml version="1.0" encoding="{label}"?>\n'.encode() + body
        return bom + body
    if kind == "dup":
        nth, times = mutation[1], mutation[2]
        assert isinstance(nth, int) and isinstance(times, int)
        if json_doc:

            def dup(items: list[object]) -> None:
                k = nth % len(items)
                items[k + 1 : k + 1] = [items[k]] * times

            return _json_items(doc, dup)
        found = list(_ITEM.finditer(doc))
        if not found:
            return doc
        m = found[nth % len(found)]
        return doc[: m.end()] + m.group(0) * times + doc[m.end() :]
    if kind == "drop":
        nth, count = mutation[1], mutation[2]
        assert isinstance(nth, int) and isinstance(count, int)
        if json_doc:

            def drop(items: list[object]) -> None:
                k = nth % len(items)
                del items[k : k + count]

            return _json_items(doc, drop)
        found = list(_ITEM.finditer(doc))
        if not found:
            return doc
        k = nth % len(found)
        gone = found[k : k + count]
        return doc[: gone[0].start()] + doc[gone[-1].end() :]
    raise AssertionError(f"unknown mutation {kind!r}")


_pos = st.integers(0, 1 << 24)
mutations = st.one_of(
    st.tuples(st.just("flip"), _pos, st.integers(1, 255)),
    st.tuples(st.just("truncate"), _pos),
    st.tuples(st.just("insert"), _pos, st.sampled_from(SNIPPET_NAMES)),
    st.tuples(
        st.just("text"),
        _pos,
        st.sampled_from(SNIPPET_NAMES),
        st.sampled_from(["raw", "escaped", "cdata"]),
    ),
    st.tuples(st.just("doctype"), st.sampled_from(DOCTYPE_NAMES)),
    st.tuples(st.just("charset"), st.sampled_from(CHARSETS), st.sampled_from(BOMS)),
    st.tuples(st.just("dup"), _pos, st.sampled_from([1, 2, 50])),
    st.tuples(st.just("drop"), _pos, st.integers(1, 5)),
)


# ------------------------------------------------------------------------------ the pipeline


class FuzzHost(App[None]):
    """The headline list above the article view, as on the main screen."""

    CSS = "HeadlineList { height: 8; } ArticleView { height: 1fr; }"

    def __init__(self, feed_title: str) -> None:
        super().__init__()
        self.animation_level = "none"
        self.feed_title = feed_title
        self.opened: list[str] = []
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield HeadlineList(now=lambda: NOW, feed_title=lambda _fid: self.feed_title, id="hl")
        yield ArticleView(now=lambda: NOW, open_url=self.opened.append, id="av")

    def notify(self, message: str, *args: object, **kw: object) -> None:  # type: ignore[override]
        self.notes.append(message)


def screen_text(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _check_text(what: str, value: str) -> None:
    bad = UNSAFE.search(value)
    assert bad is None, f"{what} carries {bad.group()!r}: {value[:200]!r}"


def check_parsed(parsed: ParsedFeed) -> None:
    """What ingest promises: sanitised one-line fields, allowed link schemes, unique ids."""
    _check_text("feed title", parsed.title)
    ids = [a.id for a in parsed.articles]
    assert len(ids) == len(set(ids))
    for a in parsed.articles:
        for name in ("headline", "author", "kicker", "source", "guid", "lead", "link"):
            _check_text(name, getattr(a, name))
        for tag in a.tags:
            _check_text("tag", tag)
        assert "\n" not in a.headline
        assert a.link == "" or a.link.split(":", 1)[0].lower() in ("http", "https", "mailto")
        for enc in a.enclosures:
            assert enc.url.split(":", 1)[0].lower() in ("http", "https", "mailto")
    assert set(parsed.bodies) <= set(ids)


def _pick_shown(articles: list[Article], bodies: dict[str, str], pick: int) -> list[Article]:
    if not articles:
        return []
    longest = max(articles, key=lambda a: len(bodies.get(a.id, "")))
    chosen = [articles[0], longest, articles[pick % len(articles)]]
    return list({a.id: a for a in chosen}.values())[:SHOWN_PER_FEED]


async def _render(feed: Feed, shown: list[tuple[Article, str]], listed: list[Article]) -> None:
    app = FuzzHost(feed.display_title)
    async with app.run_test(size=(100, 30)) as pilot:
        hl = app.query_one(HeadlineList)
        view = app.query_one(ArticleView)
        hl.set_articles(listed)
        hl.focus()
        await pilot.pause()
        hl.action_cursor_last()
        await pilot.pause()
        hl.action_cursor_first()
        for art, markdown in shown:
            view.show_article(
                art,
                feed_title=feed.display_title,
                body_markdown=markdown,
                related=[],
                related_feed_title=lambda _fid: feed.display_title,
            )
            for _ in range(2_000):
                if not view.is_rendering:
                    break
                await asyncio.sleep(0.005)
            assert not view.is_rendering, "the article body never finished rendering"
            await pilot.pause()
            assert view.article_id == art.id
            _check_text("screen", screen_text(app))
        await pilot.pause()
    assert app.opened == []  # nothing was opened by merely showing feed content


async def fetch_to_screen(
    server: FeedServer, body: bytes, content_type: str | None, gzip: bool, pick: int = 0
) -> ParsedFeed | None:
    """Serve `body`, then fetch, parse, convert, store, reopen and show it; None on ParseError."""
    path = f"/fuzz/{next(_ROUTE_NUMBER)}.xml"
    server.route(path, body, content_type=content_type, gzip=gzip)
    url = server.url(path)
    feed = Feed.new(url)
    async with Fetcher(Settings(timeout=20.0)) as fetcher:
        res = await fetcher.fetch(FetchRequest(feed.id, url))
    assert isinstance(res, FetchResult)
    assert res.outcome == "ok", res.error
    assert res.body == body

    try:
        parsed = parse_feed(res.body, feed=feed, url=res.final_url, headers=res.headers, now=NOW)
    except ParseError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 1_000, message
        return None
    check_parsed(parsed)

    markdown: dict[str, str] = {}
    for aid, html_body in parsed.bodies.items():
        md = article_markdown(html_body, res.final_url)
        _check_text("markdown", md.replace("\t", " "))
        assert not LIVE_BAD_LINK.search(md), md[:500]
        markdown[aid] = md

    feed.title = parsed.title
    feed.link = parsed.link
    with tempfile.TemporaryDirectory(prefix="nr-fuzz-") as tmp:
        root = Path(tmp) / "cache"
        with Store(root) as store:
            assert store.open() == []
            store.commit(Batch(feeds=[feed], articles=parsed.articles, bodies=parsed.bodies))
        with Store(root) as again:
            assert again.open() == []
            snap = again.load()
            stored_bodies = again.load_bodies(feed.id)
    assert snap.feeds[feed.id].title == parsed.title
    assert set(snap.articles) == {a.id for a in parsed.articles}
    for a in parsed.articles:
        b = snap.articles[a.id]
        assert (b.headline, b.link, b.lead, b.author, b.tags) == (
            a.headline,
            a.link,
            a.lead,
            a.author,
            a.tags,
        )
    assert stored_bodies == {k: v for k, v in parsed.bodies.items() if v}

    listed = sorted(snap.articles.values(), key=lambda a: (a.published, a.id), reverse=True)
    shown = _pick_shown(listed, parsed.bodies, pick)
    await _render(feed, [(a, markdown.get(a.id, "")) for a in shown], listed)
    return parsed


_ROUTE_NUMBER = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """One loopback server for the whole module; each example gets a route of its own."""
    with FeedServer() as srv:
        yield srv
    assert not srv.errors, f"feed server handlers raised: {srv.errors!r}"


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")
    return {name: (REALFEEDS / name).read_bytes() for name in REAL_FEED_NAMES}


def run(server: FeedServer, *args: object) -> ParsedFeed | None:
    try:
        return asyncio.run(fetch_to_screen(server, *args))  # type: ignore[arg-type]
    finally:
        with contextlib.suppress(Exception):
            server.reset()  # forget the route and the request log, keep the socket


def _content_type(template: str | None, charset: str) -> str | None:
    return None if template is None else template.format(charset=charset or "utf-8")


# ------------------------------------------------------------------------------ the tests


@fuzz_settings()
@given(
    name=st.sampled_from(REAL_FEED_NAMES),
    steps=st.lists(mutations, min_size=1, max_size=4),
    content_type=st.sampled_from(CONTENT_TYPES),
    charset=st.sampled_from(CHARSETS),
    gzip=st.booleans(),
    pick=st.integers(0, 1 << 16),
)
def test_mutated_real_feeds_survive_fetch_to_screen(
    server: FeedServer,
    corpus: dict[str, bytes],
    name: str,
    steps: list[Mutation],
    content_type: str | None,
    charset: str,
    gzip: bool,
    pick: int,
) -> None:
    doc = corpus[name]
    for step in steps:
        doc = mutate(doc, step)
    run(server, doc, _content_type(content_type, charset), gzip, pick)


SKELETONS = [
    b"",
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><title type="html">',
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><item><title>',
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "',
    b"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
]


@fuzz_settings(share=1.0)
@given(
    prefix=st.sampled_from(SKELETONS),
    noise=st.binary(max_size=2_048),
    close=st.booleans(),
    content_type=st.sampled_from(CONTENT_TYPES),
    gzip=st.booleans(),
)
def test_random_bytes_survive_fetch_to_screen(
    server: FeedServer,
    prefix: bytes,
    noise: bytes,
    close: bool,
    content_type: str | None,
    gzip: bool,
) -> None:
    tail = b""
    if close and prefix.startswith(b"{"):
        tail = b'", "title": "t"}]}'
    elif close and prefix:
        tail = b"</title><link>http://e.example/a</link></item></channel></rss></entry></feed>"
    doc = prefix + noise + tail
    if not doc.strip():
        doc = b"\x00" + doc  # an empty body is a different, already tested, case
    run(server, doc, _content_type(content_type, "utf-8"), gzip)


# Any code point, surrogates and controls included: what a hostile feed's text may decode to.
_any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()))
_fields = st.fixed_dictionaries(
    {
        "feed_title": _any_text,
        "title": _any_text,
        "link": st.one_of(_any_text, st.sampled_from(["javascript:x", "file:///etc", "//h/p"])),
        "author": _any_text,
        "category": _any_text,
        "summary": _any_text,
        "content": _any_text,
        "date": st.one_of(_any_text, st.sampled_from(["9999-12-31T23:59:59Z", "0000-01-01"])),
    }
)


def _char_refs(text: str) -> str:
    """XML-escape, writing every non-ASCII or control character as a numeric reference."""
    return "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in "<>&" else f"&#{ord(ch)};" for ch in text
    )


def _rss(f: dict[str, str], escape: str) -> bytes:
    def x(value: str) -> str:
        if escape == "refs":
            return _char_refs(value)
        if escape == "cdata":
            return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        return html.escape(value, quote=False)

    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{x(f['feed_title'])}</title><link>http://e.example/</link>"
        + "".join(
            f"<item><title>{x(f['title'])}{n}</title><link>{x(f['link'])}</link>"
            f"<guid>{x(f['link'])}{n}</guid><author>{x(f['author'])}</author>"
            f"<category>{x(f['category'])}</category><pubDate>{x(f['date'])}</pubDate>"
            f"<description>{x(f['summary'])}</description>"
            f"<content:encoded>{x(f['content'])}</content:encoded></item>"
            for n in range(3)
        )
        + "</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def _json_feed(f: dict[str, str]) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f["feed_title"],
        "items": [
            {
                "id": f["link"] + str(n),
                "url": f["link"],
                "title": f["title"],
                "authors": [{"name": f["author"]}],
                "tags": [f["category"]],
                "date_published": f["date"],
                "summary": f["summary"],
                "content_html": f["content"],
            }
            for n in range(3)
        ],
    }
    return json.dumps(doc).encode()  # ensure_ascii: lone surrogates become \\udXXX escapes


@fuzz_settings(share=0.6)
@given(
    fields=_fields,
    shape=st.sampled_from(["escaped", "refs", "cdata", "json"]),
    pick=st.integers(0, 2),
)
def test_random_text_in_every_field_is_sanitised_stored_and_shown(
    server: FeedServer, fields: dict[str, str], shape: str, pick: int
) -> None:
    doc = _json_feed(fields) if shape == "json" else _rss(fields, shape)
    content_type = "application/feed+json" if shape == "json" else "application/rss+xml"
    parsed = run(server, doc, content_type, False, pick)
    # A well-formed document with three distinct items is always a feed with three articles.
    assert parsed is not None
    assert len(parsed.articles) == 3


def test_mutations_apply_as_described() -> None:
    """The mutator itself: each kind changes what it says (so the fuzz runs mean something)."""
    rss = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>A</title><guid>a</guid></item><item><title>B</title><guid>b</guid></item>"
        b"</channel></rss>"
    )
    assert mutate(rss, ("flip", 0, 1))[0] == ord("<") ^ 1
    assert mutate(rss, ("truncate", 10)) == rss[:10]
    assert mutate(rss, ("dup", 1, 2)).count(b"<guid>b</guid>") == 3
    assert b"<guid>a</guid>" not in mutate(rss, ("drop", 0, 1))
    assert b'encoding="koi8-r"' in mutate(rss, ("charset", "koi8-r", b""))
    assert mutate(rss, ("charset", "utf-8", b"\xff\xfe")).startswith(b"\xff\xfe<?xml")
    assert b"<title>[/]F</title>" in mutate(rss, ("text", 0, "markup_close", "raw"))
    assert b"<title>&amp;nbsp;" in mutate(rss, ("text", 0, "named_refs", "escaped"))
    bomb = mutate(rss, ("doctype", "billion_laughs"))
    assert bomb.index(b"<!DOCTYPE") < bomb.index(b"<rss") and b"&lol9;" in bomb
    js = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "title": "t"}]}'
    assert len(json.loads(mutate(js, ("dup", 0, 2)))["items"]) == 3
    escaped = json.loads(mutate(js, ("text", 0, "esc_clear", "escaped")))
    assert escaped["items"][0]["id"].startswith("\x1b[2J")


def test_a_clean_real_feed_goes_all_the_way_to_the_screen(
    server: FeedServer, corpus: dict[str, bytes]
) -> None:
    """The pipeline itself works on an unmutated feed: articles come out, stored and shown."""
    parsed = run(server, corpus["rssparser__heise.atom"], "application/atom+xml", True)
    assert parsed is not None and len(parsed.articles) == 15
