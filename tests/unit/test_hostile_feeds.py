"""Hostile feeds: bombs, giants and odd values through parse_feed, and text aimed at the
terminal through a headless app; every case bounded in time and memory."""

from __future__ import annotations

import asyncio
import re
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from feedserver import FeedServer
from newsreader.config import Settings
from newsreader.ingest.fetch import Fetcher, FetchRequest
from newsreader.ingest.parse import MAX_ITEMS, MIN_DATE, ParsedFeed, ParseError, parse_feed
from newsreader.models import Article, Feed
from newsreader.sanitize import strip_tracking
from newsreader.to_markdown import article_markdown
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
URL = "https://news.example.org/feed.xml"
FEED = Feed.new(URL)
# What must never be in a stored string: C0 but TAB/LF, DEL, C1, bidi overrides and isolates,
# zero-width space, word joiner, BOM.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")


def measured(fn: Callable[[], object]) -> tuple[object, float, int]:
    """Run fn under tracemalloc: (result or exception, seconds, peak bytes)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result: object = fn()
    except ParseError as exc:
        result = exc
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, elapsed, peak


def parse(data: bytes, content_type: str = "application/rss+xml") -> ParsedFeed:
    return parse_feed(data, feed=FEED, url=URL, headers={"content-type": content_type}, now=NOW)


def rss(items: str, head: str = "", title: str = "Hostile") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{title}</title><link>https://news.example.org/</link>{items}"
        "</channel></rss>"
    ).encode()


def item(n: int, extra: str = "", title: str | None = None) -> str:
    return (
        f"<item><title>{title if title is not None else f'Story {n}'}</title>"
        f"<link>https://news.example.org/{n}</link><guid>urn:s:{n}</guid>{extra}</item>"
    )


def strings_of(parsed: ParsedFeed) -> list[str]:
    out = [parsed.title, parsed.link, *parsed.bodies.values()]
    for art in parsed.articles:
        out += [art.headline, art.link, art.author, art.kicker, art.lead, art.source, art.guid]
        out += art.tags + [e.url for e in art.enclosures]
    return out


# ---------------------------------------------------------------------- entity expansion

BILLION_LAUGHS = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
)
QUADRATIC_BLOWUP = '<!DOCTYPE rss [<!ENTITY a "' + "A" * 50_000 + '">]>'


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (BILLION_LAUGHS, "&lol9;&lol9; &xxe;"),
        (QUADRATIC_BLOWUP, "&a;" * 3_000),
    ],
    ids=["billion-laughs-and-xxe", "quadratic-blowup"],
)
def test_doctype_entities_are_never_expanded(head: str, title: str) -> None:
    data = rss(item(1, title=title), head=head)
    result, elapsed, peak = measured(lambda: parse(data))
    assert elapsed < 5 and peak < 64 << 20, (elapsed, peak)
    assert isinstance(result, ParsedFeed) and len(result.articles) == 1
    for text in strings_of(result):
        assert "lollol" not in text and "AAAA" not in text and "root:" not in text
        assert len(text) < 20_000


# ---------------------------------------------------------------------- giants


@pytest.mark.parametrize(
    "element",
    [
        "<author>{}</author>",
        "<dc:creator><![CDATA[{}]]></dc:creator>",
        "<author>x@example.org ({})</author>",
    ],
)
def test_megabytes_long_author_is_fast_and_capped(element: str) -> None:
    huge = "a" * (3 << 20)
    data = rss(item(1, element.format(huge)))
    result, elapsed, peak = measured(lambda: parse(data))
    assert elapsed < 5, elapsed  # feedparser's email regex alone would take hours (quadratic)
    assert isinstance(result, ParsedFeed)
    assert 0 < len(result.articles[0].author) <= 200
    assert peak < 160 << 20, peak


def nested(depth: int) -> str:
    tags = ("div", "blockquote", "b", "ul><li", "span")
    opened = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    return f"<p>before</p>{opened}deep inside{'</div>' * depth}<p>after</p>"


def test_html_nested_thousands_deep_becomes_text() -> None:
    data = rss(item(1, f"<content:encoded><![CDATA[{nested(5_000)}]]></content:encoded>"))
    result, elapsed, peak = measured(lambda: parse(data))
    assert isinstance(result, ParsedFeed) and elapsed < 5 and peak < 64 << 20
    art = result.articles[0]
    started = time.perf_counter()
    markdown = article_markdown(result.bodies[art.id], art.link)
    assert time.perf_counter() - started < 5
    assert "before" in markdown and "deep inside" in markdown and "after" in markdown


def test_xml_nested_thousands_deep_is_bounded() -> None:
    deep = "<x>" * 20_000 + "core" + "</x>" * 20_000
    data = rss(item(1, f"<description>{deep}</description>"))
    result, elapsed, peak = measured(lambda: parse(data))
    assert elapsed < 10 and peak < 128 << 20, (elapsed, peak)
    assert isinstance(result, (ParsedFeed, ParseError))


def test_feed_of_100000_items_keeps_the_first_ones_with_a_warning() -> None:
    items = "".join(
        f"<item><title>t{i}</title><link>https://e.example/{i}</link><guid>g{i}</guid>"
        f"<description>d{i}</description></item>"
        for i in range(100_000)
    )
    data = rss(items)
    result, elapsed, peak = measured(lambda: parse(data))
    assert isinstance(result, ParsedFeed)
    assert elapsed < 20 and peak < 160 << 20, (elapsed, peak)
    assert len(result.articles) == MAX_ITEMS
    assert [a.headline for a in result.articles[:2]] == ["t0", "t1"]
    assert result.articles[-1].guid == f"g{MAX_ITEMS - 1}"
    assert result.warning == f"kept the first {MAX_ITEMS:,} of 100,000 items"


def test_atom_with_100000_entries_is_cut_too() -> None:
    entries = "".join(f"<entry><id>u{i}</id><title>t{i}</title></entry>" for i in range(100_000))
    data = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'.encode()
    started = time.perf_counter()
    result = parse(data, "application/atom+xml")
    assert time.perf_counter() - started < 10
    assert len(result.articles) == MAX_ITEMS and result.warning
    assert "XML error" not in result.warning  # the cut document is still well-formed


def test_fifty_megabyte_feed_is_refused_by_the_fetch_cap() -> None:
    body = rss(item(1, "<description>" + "word " * (10 << 20) + "</description>"))
    assert len(body) > 50 << 20
    with FeedServer() as server:
        server.route("/big", body=body, chunked=True)  # no Content-Length: counted as it comes

        async def go():
            async with Fetcher(Settings(timeout=20)) as fetcher:
                return await fetcher.fetch(FetchRequest("f", server.url("/big")))

        started = time.perf_counter()
        res = asyncio.run(go())
    assert res.outcome == "error" and res.error == "body larger than 15 MiB"
    assert time.perf_counter() - started < 15


def test_a_feed_at_the_fetch_cap_parses_within_the_parse_timeout() -> None:
    body = "&lt;p&gt;" + "word " * 1_500 + "&lt;/p&gt;"
    data = rss("".join(item(i, f"<description>{body}</description>") for i in range(2_000)))
    assert len(data) > 15_000_000
    started = time.perf_counter()
    result = parse(data)
    assert time.perf_counter() - started < Settings().parse_timeout
    assert len(result.articles) == 2_000


# ---------------------------------------------------------------------- odd values


def test_duplicate_guids_keep_the_first_and_missing_fields_get_stable_keys() -> None:
    items = (
        item(1, title="first")
        + item(1, title="second copy")
        + "".join(item(1, title=f"copy {i}") for i in range(500))
        + "<item><description>no title, link nor guid</description></item>"
        + "<item><description>another without anything</description></item>"
        + "<item><title></title><link></link><guid></guid></item>"
        + "<item/>"
    )
    parsed = parse(rss(items))
    again = parse(rss(items))
    assert [a.id for a in parsed.articles] == [a.id for a in again.articles]
    heads = [a.headline for a in parsed.articles]
    assert heads[0] == "first" and "second copy" not in heads
    assert "no title, link nor guid" in heads and "another without anything" in heads
    assert "(no title)" in heads
    assert len({a.id for a in parsed.articles}) == len(parsed.articles)
    assert all(a.link == "" for a in parsed.articles[1:])


@pytest.mark.parametrize(
    "date",
    [
        "<pubDate>Mon, 01 Jan 0000 00:00:00 GMT</pubDate>",
        "<pubDate>Fri, 31 Dec 9999 23:59:59 +9999</pubDate>",
        "<pubDate>Fri, 31 Dec 9999 23:59:59 -2400</pubDate>",
        "<pubDate>Tue, 10 Jun 2025 04:00:00 +2500</pubDate>",
        "<pubDate>Tue, 10 Jun 2025 04:00:00 GMT+99</pubDate>",
        "<dc:date>0000-00-00T00:00:00Z</dc:date>",
        "<dc:date>9999-12-31T23:59:59-99:99</dc:date>",
        "<dc:date>2025-06-10T04:00:00+14:61</dc:date>",
        "<pubDate>" + "9" * 400 + "</pubDate>",
        "<pubDate>-001-01-01</pubDate>",
    ],
)
def test_absurd_dates_and_timezones_fall_back_within_range(date: str) -> None:
    parsed = parse(rss(item(1, date) + item(2, "<pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate>")))
    first, second = parsed.articles
    assert MIN_DATE <= first.published <= NOW + timedelta(days=1)
    assert first.published.tzinfo is not None
    assert second.published == datetime(2025, 6, 10, 4, tzinfo=UTC)


# Text in the script of each charset, so a wrong decoding shows.
SAMPLES = {
    "utf-8": "Grüße, Привет, 日本語, مرحبا",
    "utf-16": "Grüße, Привет, 日本語",
    "utf-16-be": "Grüße, Привет",
    "utf-32": "Grüße, Привет",
    "windows-1252": "Grüße aus Köln – “quoted”",
    "iso-8859-1": "Grüße aus Köln",
    "koi8-r": "Привет, мир",
    "windows-1251": "Привет, мир",
    "iso-8859-7": "Καλημέρα κόσμε",
    "shift_jis": "日本語のニュース",
    "euc-jp": "日本語のニュース",
    "gb2312": "中文新闻",
    "big5": "中文新聞",
    "euc-kr": "한국어 뉴스",
}
LABELS = [*SAMPLES, "utf-7", "x-unknown", "rot13", "hex", "", "ebcdic-cp-us"]


def charset_doc(text: str, codec: str, label: str) -> bytes:
    prolog = f'<?xml version="1.0" encoding="{label}"?>' if label else "<?xml version='1.0'?>"
    doc = (
        f'{prolog}<rss version="2.0"><channel><title>{text}</title>'
        f"<item><title>{text}</title><guid>urn:c</guid><description>{text}</description></item>"
        "</channel></rss>"
    )
    return doc.encode(codec)


def test_every_charset_mislabelled_gives_articles_or_one_line_within_bounds() -> None:
    worst = (0.0, 0)
    for codec, text in SAMPLES.items():
        for label in LABELS:
            data = charset_doc(text, codec, label)
            for http in (label, codec, ""):
                header = f"application/rss+xml; charset={http}" if http else "application/rss+xml"
                result, elapsed, peak = measured(lambda d=data, h=header: parse(d, h))
                worst = (max(worst[0], elapsed), max(worst[1], peak))
                if isinstance(result, ParseError):
                    assert "\n" not in str(result) and str(result)
                    continue
                assert isinstance(result, ParsedFeed) and len(result.articles) == 1
                headline = result.articles[0].headline
                assert headline and not FORBIDDEN.search(headline)
                truthful = http == codec or (not http and label == codec)
                if truthful or codec.startswith("utf"):
                    # A true HTTP charset wins; Unicode is recognised whatever the labels say.
                    assert headline == text, (codec, label, http, headline)
    assert worst[0] < 2 and worst[1] < 32 << 20, worst


# ---------------------------------------------------------------------- terminal and links

ESC_PIECES = [
    "&#27;[2J",  # clear screen
    "&#27;]0;pwned&#7;",  # OSC: retitle the window
    "&#27;]8;;https://evil.example/&#27;\\hidden link&#27;]8;;&#27;\\",  # OSC 8 hyperlink
    "&#x9b;31m",  # C1 CSI
    "&#x9d;2;title&#x9c;",  # C1 OSC ... ST
    "&#x85;&#x8d;",
    "\u202eevil\u202c \u2066iso\u2069",  # bidi override and isolate
    "zero\u200bwidth\u2060joined\ufeff",
]
MARKUP = "[bold red]red[/] [/] [@click=app.quit]quit[/] $accent Array[int]"
LONG_WORD = "W" * 100_000


def hostile_feed() -> bytes:
    esc = "".join(ESC_PIECES)
    body = (
        f"<p>{MARKUP} {esc}</p>"
        '<p><a href="javascript:alert(1)">js link</a> <a href="file:///etc/passwd">file link</a> '
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data link</a> '
        '<a href="vbscript:msgbox(1)">vb link</a> '
        '<a href="https://news.example.org/x?id=7&amp;utm_source=rss&amp;b=2&amp;fbclid=F">'
        "kept link</a></p>"
        "<p>[x](javascript:alert(1)) &lt;file:///etc/passwd&gt;</p>"
        '<img src="https://news.example.org/pixel.gif" width="1" height="1">'
        '<img src="https://feeds.feedburner.com/~r/example/~4/abc">'
        '<img src="https://stats.example.org/p" style="width:1px;height:1px">'
        '<img src="https://news.example.org/photo.jpg?utm_medium=feed" alt="photo">'
        f"<p>{LONG_WORD}</p>"
    )
    title = f"{MARKUP} {esc} {LONG_WORD}"
    it = (
        f"<item><title>{title}</title>"
        "<link>https://news.example.org/story?id=1&amp;utm_source=rss&amp;utm_medium=feed"
        "&amp;page=2&amp;gclid=G&amp;mc_cid=M&amp;mc_eid=E&amp;_hsenc=H&amp;ref_src=twsrc</link>"
        f"<guid isPermaLink='false'>urn:hostile</guid><author>{esc} {MARKUP}</author>"
        f"<category>{MARKUP}{esc}</category>"
        f"<description>{esc} {MARKUP}</description>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        '<enclosure url="https://cdn.example.org/ep.mp3?utm_source=podcast&amp;t=1&amp;msclkid=Z"'
        ' type="audio/mpeg" length="12"/>'
        '<enclosure url="file:///etc/passwd" type="text/plain"/>'
        '<enclosure url="javascript:alert(1)" type="audio/mpeg"/>'
        "</item>"
    )
    return rss(it + item(2, title="[/]"), title=f"{MARKUP} {esc}")


def test_hostile_strings_are_stored_clean_and_links_untracked() -> None:
    parsed = parse(hostile_feed())
    for text in strings_of(parsed):
        assert not FORBIDDEN.search(text), repr(text[:200])
        for scheme in ("javascript:", "file:", "data:", "vbscript:"):
            assert f'="{scheme}' not in text and not text.startswith(scheme)
    art = parsed.articles[0]
    assert MARKUP in art.headline and len(art.headline) <= 500
    assert art.link == "https://news.example.org/story?id=1&page=2"
    assert [e.url for e in art.enclosures] == ["https://cdn.example.org/ep.mp3?t=1"]
    body = parsed.bodies[art.id]
    assert "utm_" not in body and "fbclid" not in body
    assert "https://news.example.org/x?id=7&amp;b=2" in body
    assert "pixel.gif" not in body and "feedburner" not in body and "stats.example" not in body
    markdown = article_markdown(body, art.link)
    assert "[kept link](https://news.example.org/x?id=7&b=2)" in markdown
    assert "![photo](https://news.example.org/photo.jpg)" in markdown
    for dead in ("js link", "file link", "data link", "vb link"):
        assert f"[{dead}]" not in markdown and dead in markdown
    assert not re.search(r"(?<!\\)\]\((?!https?:|mailto:)", markdown)  # no live other link


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/p?utm_source=x", "https://a.example/p"),
        ("https://a.example/p?b=1&utm_campaign=x&a=2", "https://a.example/p?b=1&a=2"),
        ("https://a.example/p?z=1&a=2&m=3", "https://a.example/p?z=1&a=2&m=3"),
        ("https://a.example/p?UTM_Medium=x&keep=utm_source", "https://a.example/p?keep=utm_source"),
        ("https://a.example/p?fbclid=1#sec", "https://a.example/p#sec"),
        ("https://a.example/p#utm_source=feed&utm_medium=rss", "https://a.example/p"),
        ("https://a.example/p?q=a%20b&dclid=1&yclid=2&igshid=3", "https://a.example/p?q=a%20b"),
        ("https://a.example/p?ref=home&ref_src=twsrc", "https://a.example/p?ref=home"),
        ("https://a.example/p?x=1&&y", "https://a.example/p?x=1&&y"),
        ("https://a.example/utm_source/p", "https://a.example/utm_source/p"),
    ],
)
def test_strip_tracking_keeps_other_parameters_in_order(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected


def test_guidless_items_whose_campaign_tag_changes_are_one_story() -> None:
    def doc(campaign: str) -> bytes:
        link = f"https://news.example.org/a?id=5&amp;utm_campaign={campaign}"
        return rss(f"<item><title>One</title><link>{link}</link></item>")

    assert parse(doc("monday")).articles[0].id == parse(doc("tuesday")).articles[0].id


class Host(App[None]):
    """A headline list and an article view side by side, as in the reader."""

    def __init__(self) -> None:
        super().__init__()
        self.animation_level = "none"
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield HeadlineList(now=lambda: NOW, feed_title=lambda _id: "Hostile [/] feed")
            yield ArticleView(now=lambda: NOW, open_url=self.opened.append)


# Textual's own output for a repaint: SGR colours and cursor moves, nothing else.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*[mH]")


def terminal_output(app: App) -> str:
    """Exactly what a real driver would write for a full repaint of the screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


async def show_and_capture(articles: list[Article], bodies: dict[str, str]) -> tuple[str, Host]:
    host = Host()
    async with host.run_test(size=(140, 50)) as pilot:
        headlines = host.query_one(HeadlineList)
        view = host.query_one(ArticleView)
        headlines.set_articles(articles)
        await pilot.pause()
        outputs = [terminal_output(host)]
        for art in articles:
            view.show_article(
                art,
                feed_title="Hostile [/] feed",
                body_markdown=article_markdown(bodies.get(art.id, ""), art.link),
                related=[],
                related_feed_title=lambda _id: "[/]",
            )
            for _ in range(300):
                if not view.is_rendering:
                    break
                await asyncio.sleep(0.01)
            await pilot.pause()
            outputs.append(terminal_output(host))
            for y in range(0, 50, 3):  # click all over it: no markup action may run
                await pilot.click(offset=(100, y))
            await pilot.press("pagedown", "end", "home")
        assert host.is_running
    return "".join(outputs), host


@pytest.mark.anyio
async def test_hostile_text_reaches_the_screen_only_as_text() -> None:
    parsed = parse(hostile_feed())
    started = time.perf_counter()
    output, host = await show_and_capture(parsed.articles, parsed.bodies)
    assert time.perf_counter() - started < 30
    assert set(re.findall(r"\x1b\[[0-9;:?]*([A-Za-z])", output)) <= {"m", "H"}
    visible = _OWN_SEQUENCES.sub("", output)
    assert "\x1b" not in visible and "\x07" not in visible
    assert not FORBIDDEN.search(visible.replace("\r", "").replace("\n", ""))
    assert "[bold red]red[/]" in visible and "Array[int]" in visible  # shown literally
    assert "WWWWWWWWWW" in visible
    assert all(url.startswith("https://") for url in host.opened)  # clicks open http(s) only
