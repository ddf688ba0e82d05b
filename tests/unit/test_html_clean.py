"""Body HTML is sanitised at ingest with an allowlist: the cache holds only what the article
view shows (ingest/body_html.py), for RSS, Atom and JSON Feed alike."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest

from newsreader.ingest.body_html import MAX_DEPTH, clean_body_html, flatten_nesting
from newsreader.ingest.parse import ParsedFeed, parse_feed
from newsreader.models import Feed
from newsreader.to_markdown import article_markdown

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
URL = "https://news.example.org/feed.xml"
LINK = "https://news.example.org/story/1"

# Every construct the article view drops, each with a marker that must not be stored.
HOSTILE = {
    "script": "<script>alert('SCRIPT-1')</script>",
    "script-uppercase": "<SCRIPT src=https://evil.example/x.js>SCRIPT-2</SCRIPT>",
    "event-handler": '<p onclick="HANDLER-1()">click</p><img src="/a.jpg" onerror="HANDLER-2()">',
    "iframe": '<iframe src="https://evil.example/">IFRAME-1</iframe>',
    "form": '<form action="https://evil.example/"><input name=q value=FORM-1>'
    "<button>FORM-2</button><textarea>FORM-3</textarea></form>",
    "object-embed": '<object data="x.swf">OBJECT-1</object><embed src="EMBED-1.swf">',
    "style-attribute": '<p style="background:url(javascript:STYLE-1)">styled</p>',
    "style-element": "<style>body{STYLE-2:1}</style>",
    "javascript-link": '<a href="javascript:JSLINK-1()">js</a>'
    '<a href="jav&#x61;script:JSLINK-2()">js2</a><a href=" JaVaScRiPt:JSLINK-3">js3</a>',
    "data-and-file": '<a href="data:text/html,DATA-1">d</a><img src="file:///etc/FILE-1">',
    "vbscript": '<a href="vbscript:VB-1">vb</a>',
    "svg-math": "<svg><script>SVG-1</script><text>SVG-2</text></svg><math><mi>MATH-1</mi></math>",
    "meta-base": '<meta http-equiv="refresh" content="0;META-1"><base href="https://BASE-1/">',
    "comment": "<!-- COMMENT-1 -->",
    "noscript": "<noscript>NOSCRIPT-1</noscript>",
    "audio": "<audio src=x.mp3>AUDIO-1</audio>",
}
MARKERS = re.compile(
    r"SCRIPT-|HANDLER-|IFRAME-|FORM-|OBJECT-|EMBED-|STYLE-|JSLINK-|DATA-|FILE-|VB-|SVG-|"
    r"MATH-|META-|BASE-|COMMENT-|NOSCRIPT-|AUDIO-|javascript:|<script|<iframe|<form|\son\w+=|"
    r"\sstyle=",
    re.I,
)
ORDINARY = (
    "<h2>Heading</h2><p>Para with <em>em</em>, <strong>strong</strong>, <code>code</code> and "
    '<a href="/more?id=7&amp;utm_source=rss">a link</a>.</p>'
    "<ul><li>one</li><li>two</li></ul><ol start='3'><li>three</li></ol>"
    "<blockquote>quoted</blockquote><pre>pre  text</pre>"
    "<table><tr><th>h</th></tr><tr><td colspan='2'>cell</td></tr></table>"
    '<p><img src="/photo.jpg" alt="photo"><img src="https://stats.example/pixel.gif" '
    'width="1" height="1"><a href="mailto:desk@example.org">mail</a></p>'
)
ORDINARY_STORED = (
    "<h2>Heading</h2>",
    "<em>em</em>",
    "<strong>strong</strong>",
    "<code>code</code>",
    '<a href="https://news.example.org/more?id=7">a link</a>',  # resolved, utm_ stripped
    "<ul><li>one</li><li>two</li></ul>",
    '<ol start="3"><li>three</li></ol>',
    "<blockquote>quoted</blockquote>",
    "<pre>pre  text</pre>",
    "<th>h</th>",
    '<td colspan="2">cell</td>',
    '<img src="https://news.example.org/photo.jpg" alt="photo">',
    '<a href="mailto:desk@example.org">mail</a>',
)


def parse(data: str) -> ParsedFeed:
    return parse_feed(data.encode(), feed=Feed.new(URL), url=URL, now=NOW)


def rss_with(body: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>C</title>'
        f"<item><title>One</title><link>{LINK}</link><guid>1</guid>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    )


def atom_with(body: str) -> str:
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>C</title><entry><title>One</title>'
        f'<id>1</id><link href="{LINK}"/><content type="html">{escaped}</content></entry></feed>'
    )


def json_with(body: str) -> str:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "C",
        "items": [{"id": "1", "url": LINK, "title": "One", "content_html": body}],
    }
    return json.dumps(doc)


FORMATS = {"rss": rss_with, "atom": atom_with, "json": json_with}


def stored_body(fmt: str, body: str) -> str:
    parsed = parse(FORMATS[fmt](body))
    return parsed.bodies[parsed.articles[0].id]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("construct", HOSTILE)
def test_hostile_construct_is_not_stored(fmt: str, construct: str) -> None:
    body = stored_body(fmt, f"<p>before</p>{HOSTILE[construct]}<p>after</p>")
    assert not MARKERS.search(body), body
    assert "<p>before</p>" in body and "<p>after</p>" in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_ordinary_markup_survives_with_every_hostile_construct(fmt: str) -> None:
    body = stored_body(fmt, ORDINARY + "".join(HOSTILE.values()))
    assert not MARKERS.search(body), body
    for kept in ORDINARY_STORED:
        assert kept in body, (kept, body)
    assert "pixel.gif" not in body  # tracking pixels still go
    markdown = article_markdown(body, LINK)
    assert "## Heading" in markdown and "[a link](https://news.example.org/more?id=7)" in markdown
    assert "![photo](https://news.example.org/photo.jpg)" in markdown


def test_what_display_shows_is_unchanged_by_cleaning_at_ingest() -> None:
    raw = ORDINARY + "".join(HOSTILE.values())
    assert article_markdown(clean_body_html(raw, LINK), LINK) == article_markdown(raw, LINK)


def test_character_references_cannot_smuggle_controls() -> None:
    body = clean_body_html('<p>a&#27;]0;title&#7;b&#x202e;c<a href="https://x.example/&#27;">l</a>')
    assert body == '<p>a]0;titlebc<a href="https://x.example/">l</a></p>'


def test_lazy_images_and_video_keep_their_checked_urls() -> None:
    body = clean_body_html(
        '<img data-src="/lazy.jpg" src="data:image/gif;base64,R0lGOD">'
        '<video src="/v.mp4" poster="javascript:x()"><source src="/v.webm"></video>',
        LINK,
    )
    assert body == (
        '<img data-src="https://news.example.org/lazy.jpg">'
        '<video src="https://news.example.org/v.mp4"><source src="https://news.example.org/v.webm">'
        "</video>"
    )


def test_deep_nesting_is_flattened_linearly_and_keeps_every_text() -> None:
    html = "<div>" * 50_000 + "CORE" + "</div>" * 50_000 + "<p>after</p>"
    started = time.perf_counter()
    body = clean_body_html(html)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5  # nh3 alone: 3.8 s (html5ever is quadratic in depth)
    assert "CORE" in body and body.endswith("<p>after</p>")
    assert body.count("<div>") == MAX_DEPTH


def test_flattening_keeps_paragraphs_apart_and_leaves_shallow_html_alone() -> None:
    deep = "<div>" * 5 + "<p>a</p><p>b</p><b>c</b>d" + "</div>" * 5
    assert flatten_nesting(deep, 3) == "<div><div><div><br>a<br>b<br>cd</div></div></div>"
    shallow = "<div><p>x</p></div>" * 200
    assert flatten_nesting(shallow, 3) is shallow
    unclosed = "<p>para" * 300  # a new <p> closes the open one: not 300 levels
    assert flatten_nesting(unclosed, 3) is unclosed


def test_a_script_beyond_the_depth_limit_stays_a_script_and_goes() -> None:
    html = "<div>" * 3_000 + "<script>var s = 'SECRET';</script>text" + "</div>" * 3_000
    assert "SECRET" not in clean_body_html(html) and "text" in clean_body_html(html)
    assert article_markdown(html) == "text"


def test_image_sizes_that_only_look_like_digits_are_no_sizes() -> None:
    """str.isdigit() is true for "¹" but int() refuses it: one odd width once made the whole
    feed's parse fail. It is no size at all, so the image stays."""
    html = '<p>x</p><img src="https://a.example/i.png" width="\u00b9" height="\u00b2">'
    assert 'src="https://a.example/i.png"' in clean_body_html(html)
