"""Partial feeds survive: when feedparser raises on one element, the rest of the feed is kept
and the user gets one line in their terms (ingest/salvage.py)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest

from newsreader.ingest.parse import ParsedFeed, ParseError, parse_feed
from newsreader.ingest.salvage import culprit_of, remove_element
from newsreader.models import Feed

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
URL = "https://news.example.org/feed.xml"
NAMESPACES = (
    'xmlns:georss="http://www.georss.org/georss" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:psc="http://podlove.org/simple-chapters"'
)
# What a Python exception looks like in a message: none of it may reach the user.
INTERNAL = re.compile(r"int\(\)|NoneType|KeyError|TypeError|ValueError|Traceback|argument must")


def parse(data: str | bytes) -> ParsedFeed:
    data = data.encode() if isinstance(data, str) else data
    feed = Feed.new(URL)
    # Salvage is feedparser's path: the compiled one (fastpath.py) never reaches it.
    return parse_feed(data, feed=feed, url=URL, now=NOW, fast=False)


def doc(channel: str = "", extra: str = "", items: int = 2) -> str:
    """An RSS 2.0 feed: `channel` goes before the items, `extra` into the first item."""
    body = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.org/{n}</link>"
        f"<guid>urn:s:{n}</guid>{extra if n == 1 else ''}"
        f"<description>Text of story {n}</description></item>"
        for n in range(1, items + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0" {NAMESPACES}><channel>'
        f"<title>Chan</title><link>https://news.example.org/</link>{channel}{body}"
        "</channel></rss>"
    )


# The probe from the issue, and other elements feedparser 6.0 raises on (all found by trying):
# well-formed ones too (a chapter without start, an EPSG name that is not a number).
RAISING = {
    "empty-width-in-image": (doc("<image></width></image>"), "the channel image is malformed"),
    "empty-height-in-image": (doc("<image></height></image>"), "the channel image is malformed"),
    "stray-width-in-item": (doc(extra="</width>"), "an item's image size is malformed"),
    "chapter-without-start": (
        doc(extra='<psc:chapters><psc:chapter title="Intro"/></psc:chapters>'),
        "an item's podcast chapter list is malformed",
    ),
    "gml-epsg-not-a-number": (
        doc(
            extra='<georss:where><gml:Point srsName="EPSG:x"><gml:pos>1 2</gml:pos>'
            "</gml:Point></georss:where>"
        ),
        "an item's location (GeoRSS) data is malformed",
    ),
    "gml-pos-outside-a-point": (
        doc(extra="<gml:pos>1 2</gml:pos>"),
        "an item's location (GeoRSS) data is malformed",
    ),
}


@pytest.mark.parametrize(("data", "message"), RAISING.values(), ids=RAISING.keys())
def test_feedparser_raising_on_one_element_keeps_the_items(data: str, message: str) -> None:
    import feedparser

    with pytest.raises(Exception):  # noqa: B017 (the point: feedparser itself raises here)
        feedparser.parse(data.encode(), sanitize_html=False, resolve_relative_uris=False)
    parsed = parse(data)
    assert [a.headline for a in parsed.articles] == ["Story 1", "Story 2"]
    assert parsed.title == "Chan"
    assert parsed.bodies[parsed.articles[0].id] == "Text of story 1"
    assert parsed.warning == f"some of the feed could not be read: {message}; 2 items kept"
    assert not INTERNAL.search(parsed.warning)


def test_the_issue_probe_keeps_the_valid_item() -> None:
    data = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<image></width></image>"
        "<item><title>Valid</title><link>https://example.org/a</link></item></channel></rss>"
    )
    parsed = parse(data)
    assert [a.headline for a in parsed.articles] == ["Valid"]
    assert parsed.warning == (
        "some of the feed could not be read: the channel image is malformed; 1 item kept"
    )


def test_several_bad_elements_are_each_removed_and_named() -> None:
    data = doc(
        "<image></width></image>", '<psc:chapters><psc:chapter title="x"/></psc:chapters>', 3
    )
    parsed = parse(data)
    assert len(parsed.articles) == 3
    assert parsed.warning == (
        "some of the feed could not be read: the channel image is malformed; "
        "an item's podcast chapter list is malformed; 3 items kept"
    )


@pytest.fixture
def raising_handlers(monkeypatch: pytest.MonkeyPatch):
    """feedparser raising in an element articles are made of (a guid containing BAD) and at
    the end of an item titled DROP: the cases only item-by-item parsing can salvage."""
    from feedparser.namespaces._base import Namespace

    end_guid, end_item = Namespace._end_guid, Namespace._end_item

    def _end_guid(self):  # the name feedparser would give it: the traceback is read
        if "BAD" in "".join(self.elementstack[-1][2]):
            raise ValueError("boom")
        return end_guid(self)

    def _end_item(self):
        if self.entries and "DROP" in str(self.entries[-1].get("title", "")):
            raise KeyError("item")
        return end_item(self)

    monkeypatch.setattr(Namespace, "_end_guid", _end_guid)
    monkeypatch.setattr(Namespace, "_end_item", _end_item)


def big_feed(count: int, bad_guids: set[int], dropped: set[int]) -> str:
    items = "".join(
        f"<item><title>T{n}{' DROP' if n in dropped else ''}</title>"
        f"<guid>g{n}{'BAD' if n in bad_guids else ''}</guid>"
        f"<link>https://news.example.org/{n}</link><description>body {n}</description></item>"
        for n in range(count)
    )
    return f'<rss version="2.0"><channel><title>Chan</title>{items}</channel></rss>'


def test_an_element_articles_need_is_removed_from_its_item_only(raising_handlers) -> None:
    parsed = parse(big_feed(5, bad_guids={3}, dropped=set()))
    guids = [a.guid for a in parsed.articles]
    assert guids == ["g0", "g1", "g2", "https://news.example.org/3", "g4"]  # only item 3's
    assert parsed.warning == (
        "some of the feed could not be read: an item's id is malformed; 5 items kept"
    )


def test_an_item_that_cannot_be_read_is_left_out_and_counted(raising_handlers) -> None:
    started = time.perf_counter()
    parsed = parse(big_feed(730, bad_guids={3, 700}, dropped={500}))
    elapsed = time.perf_counter() - started
    assert len(parsed.articles) == 729 and "T500 DROP" not in {a.headline for a in parsed.articles}
    assert parsed.title == "Chan"
    assert parsed.warning == (
        "some of the feed could not be read: an item's id is malformed; "
        "1 item could not be read and was left out; 729 items kept"
    )
    assert elapsed < 5  # chunks halved down to the bad item, not 730 separate parses


def test_every_item_raising_still_keeps_every_item(raising_handlers) -> None:
    started = time.perf_counter()
    parsed = parse(big_feed(730, bad_guids=set(range(730)), dropped=set()))
    elapsed = time.perf_counter() - started
    assert len(parsed.articles) == 730
    assert parsed.articles[5].guid == "https://news.example.org/5"
    assert elapsed < 10  # measured 0.5 s (2,000 items: 1.3-2.1 s); the parse timeout is 20 s


def test_nothing_readable_is_one_line_in_the_users_terms(monkeypatch) -> None:
    import feedparser

    def boom(*args, **kwargs):
        raise TypeError("int() argument must be a string, not 'NoneType'")

    monkeypatch.setattr(feedparser, "parse", boom)
    with pytest.raises(ParseError) as caught:
        parse(doc())
    message = str(caught.value)
    assert message.startswith("parse failed: the feed is malformed and nothing in it could")
    assert "\n" not in message


def test_atom_entries_are_salvaged_too() -> None:
    entries = "".join(
        f"<entry><title>E{n}</title><id>e{n}</id>"
        f'<link href="https://news.example.org/{n}"/><updated>2026-11-20T10:00:00Z</updated>'
        f"{'<psc:chapters><psc:chapter/></psc:chapters>' if n == 1 else ''}</entry>"
        for n in range(3)
    )
    data = (
        f'<feed xmlns="http://www.w3.org/2005/Atom" {NAMESPACES}><title>A</title>{entries}</feed>'
    )
    parsed = parse(data)
    assert [a.headline for a in parsed.articles] == ["E0", "E1", "E2"]
    assert parsed.format == "atom10"
    assert parsed.warning == (
        "some of the feed could not be read: an item's podcast chapter list is malformed; "
        "3 items kept"
    )


def test_remove_element_takes_any_prefix_and_keeps_other_elements() -> None:
    text = '<a><g:pos x="1">1 2</g:pos><pos/><b>keep</b></pos><position>p</position></a>'
    assert remove_element(text, "pos") == "<a><b>keep</b><position>p</position></a>"


def test_culprit_is_the_element_being_dispatched() -> None:
    import feedparser

    with pytest.raises(Exception) as caught:  # noqa: B017
        feedparser.parse(doc("<image></width></image>").encode())
    culprit = culprit_of(caught.value)
    assert culprit is not None
    assert (culprit.prefix, culprit.local, culprit.place) == ("", "width", "image")
    assert culprit_of(ValueError("not from feedparser")) is None
