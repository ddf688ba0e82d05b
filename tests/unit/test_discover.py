"""Feed discovery (ingest/discover.py) against pages and feeds served on loopback."""

from __future__ import annotations

import json

import pytest

from newsreader.ingest.discover import DiscoveryError, discover
from sample_feeds import item, rss

HTML = "text/html; charset=utf-8"


def page(head: str, body: str = "<p>Hello</p>") -> str:
    return f"<!DOCTYPE html><html><head><title>Site</title>{head}</head><body>{body}</body></html>"


def test_a_page_announcing_feeds(feed_server) -> None:
    feed_server.route(
        "/blog/",
        page(
            '<base href="/blog/">'
            '<link rel="alternate" type="application/rss+xml" title="Posts \x1b[31m"'
            ' href="rss.xml">'
            '<link rel="Alternate" type="application/atom+xml" title="Atom" href="/atom.xml">'
            '<link rel="alternate" hreflang="de" href="/de/">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            '<link rel="alternate stylesheet" type="text/css" href="/x.css">'
            '<link rel="alternate" type="application/feed+json" title="JSON" href="feed.json">'
            '<link rel="alternate" type="application/rss+xml" title="again" href="rss.xml">'
        ),
        content_type=HTML,
    )
    found = discover(feed_server.url("/blog/"))
    assert not found.is_feed
    assert [(c.url, c.title, c.kind) for c in found.candidates] == [
        (feed_server.url("/blog/rss.xml"), "Posts [31m", "RSS"),  # ESC removed, text kept
        (feed_server.url("/atom.xml"), "Atom", "Atom"),
        (feed_server.url("/blog/feed.json"), "JSON", "JSON Feed"),
    ]


def test_a_page_without_links_is_tried_at_common_paths(feed_server) -> None:
    feed_server.route("/", page(""), content_type=HTML)
    feed_server.route("/feed", status=404)
    feed_server.route("/feed/", status=404)
    feed_server.route("/rss", status=404)
    feed_server.route("/rss.xml", page(""), content_type=HTML)  # HTML, not a feed
    feed_server.route("/feed.xml", rss("Site", [item(1)]), content_type="text/xml")
    found = discover(feed_server.url("/"))
    assert [c.url for c in found.candidates] == [feed_server.url("/feed.xml")]


def test_a_feed_is_itself_and_so_is_a_json_feed(feed_server) -> None:
    feed_server.route("/f.xml", "\ufeff" + rss("Site", [item(1)]).decode(), content_type=HTML)
    found = discover(feed_server.url("/f.xml"))
    assert found.is_feed and [c.url for c in found.candidates] == [feed_server.url("/f.xml")]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": []}
    feed_server.route("/f.json", json.dumps(doc), content_type="application/feed+json")
    assert discover(feed_server.url("/f.json")).is_feed


def test_nothing_found_and_unreadable_pages(feed_server) -> None:
    feed_server.route("/", page(""), content_type=HTML)
    for path in ("/feed", "/feed/", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml"):
        feed_server.route(path, status=404)
    found = discover(feed_server.url("/"))
    assert not found.is_feed and found.candidates == []
    feed_server.route("/gone", status=410)
    with pytest.raises(DiscoveryError, match="HTTP 410"):
        discover(feed_server.url("/gone"))
