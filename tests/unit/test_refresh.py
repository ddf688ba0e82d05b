"""The refresh pipeline end to end: loopback HTTP, parse workers, store, in-memory library."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsreader.config import Settings
from newsreader.ingest.refresh import FAILED, GONE, LATER, SKIPPED, UNCHANGED, UPDATED, refresh_sync
from newsreader.library import Library
from newsreader.marks import Marks
from newsreader.models import utcnow
from sample_feeds import item, rss


@pytest.fixture
def settings() -> Settings:
    return Settings(timeout=5.0, parse_timeout=20.0, parse_workers=2)


@pytest.fixture
def lib(data_dir, settings):
    library = Library.open(data_dir, settings=settings)
    yield library
    library.close()


def by_title(summary):
    return {r.title: r for r in summary.reports}


def test_refresh_stores_articles_reports_failures_and_progress(feed_server, lib):
    feed_server.route(
        "/a.xml",
        body=rss("Alpha", [item(i, tags=("Krieg",)) for i in range(5)]),
        etag=True,
        last_modified=True,
        gzip=True,
    )
    feed_server.route("/b.xml", body=rss("Beta", [item(10 + i) for i in range(3)]))
    feed_server.route(
        "/html", body=b"<!doctype html><html><body>hi</body></html>", content_type="text/html"
    )
    feed_server.route("/missing.xml", status=404)
    for path in ("/a.xml", "/b.xml", "/html", "/missing.xml"):
        lib.add_feed(feed_server.url(path))
    seen = []
    summary = refresh_sync(lib, on_progress=seen.append)

    assert [p.done for p in seen] == [1, 2, 3, 4] and {p.total for p in seen} == {4}
    assert summary.count(UPDATED) == 2 and summary.count(FAILED) == 2
    assert summary.new_articles == 8 and len(lib.articles) == 8
    errors = {f.url.rsplit("/", 1)[1]: f.last_error for f in lib.feeds.values()}
    assert "404" in errors["missing.xml"]
    assert "html" in errors["html"].lower()
    assert errors["a.xml"] is None and errors["b.xml"] is None
    titles = {f.title for f in lib.feeds.values()}
    assert {"Alpha", "Beta"} <= titles
    # The same data comes back from disk.
    again = Library.open(lib.dirs.data)
    assert set(again.articles) == set(lib.articles)
    assert {f.id: f.etag for f in again.feeds.values()} == {
        f.id: f.etag for f in lib.feeds.values()
    }
    again.close()


def test_second_refresh_is_conditional_and_keeps_read_state(feed_server, lib):
    feed_server.route(
        "/a.xml", body=rss("Alpha", [item(i) for i in range(4)]), etag=True, last_modified=True
    )
    lib.add_feed(feed_server.url("/a.xml"))
    refresh_sync(lib)
    first = lib.newest_first()[0]
    marks = Marks(lib)
    marks.set_read([first])
    marks.set_starred([first], True)
    marks.save()

    summary = refresh_sync(lib)
    assert summary.count(UNCHANGED) == 1 and summary.new_articles == 0
    sent = feed_server.requests("/a.xml")[-1].headers
    assert sent.get("if-none-match") and sent.get("if-modified-since")
    assert feed_server.requests("/a.xml")[-1].status == 304

    # The feed changes: one new item, an old one edited; read/star state survives the update.
    items = [item(i) for i in range(4)] + [item(99, hours=0.5)]
    items[0]["title"] = "Story number 0, updated"
    feed_server.route("/a.xml", body=rss("Alpha", items), etag=True, last_modified=True)
    summary = refresh_sync(lib)
    assert summary.new_articles == 1 and len(lib.articles) == 5
    again = Library.open(lib.dirs.data)
    stored = again.articles[first.id]
    assert stored.read and stored.starred
    assert any(a.headline == "Story number 0, updated" for a in again.articles.values())
    again.close()


def test_gone_retry_after_and_permanent_redirect(feed_server, lib):
    feed_server.route("/gone.xml", status=410)
    feed_server.route("/busy.xml", status=429, retry_after=3600)
    feed_server.route("/new.xml", body=rss("Moved", [item(1)]))
    feed_server.redirect_chain("/old.xml", [(301, "/mid.xml"), (308, "/new.xml")])
    feed_server.redirect_chain("/temp.xml", [(302, "/new.xml")])
    gone = lib.add_feed(feed_server.url("/gone.xml"))
    busy = lib.add_feed(feed_server.url("/busy.xml"))
    moved = lib.add_feed(feed_server.url("/old.xml"))
    temp = lib.add_feed(feed_server.url("/temp.xml"))

    reports = {r.feed_id: r for r in refresh_sync(lib).reports}
    assert reports[gone.id].outcome == GONE and lib.feeds[gone.id].gone
    assert reports[busy.id].outcome == LATER
    not_before = lib.feeds[busy.id].not_before
    assert not_before is not None and not_before > utcnow() + timedelta(minutes=50)
    assert lib.feeds[moved.id].url == feed_server.url("/new.xml")
    assert lib.feeds[temp.id].url == feed_server.url("/temp.xml")

    counts = (feed_server.count("/gone.xml"), feed_server.count("/busy.xml"))
    reports = {r.feed_id: r for r in refresh_sync(lib).reports}
    assert reports[gone.id].outcome == SKIPPED and reports[busy.id].outcome == SKIPPED
    assert (feed_server.count("/gone.xml"), feed_server.count("/busy.xml")) == counts


def test_local_files_and_hostile_text(tmp_path, lib):
    hostile = item(1, title="[@click=app.quit]x[/] \x1b]0;pwned\x07 \u202eevil", tags=("[/]",))
    path = tmp_path / "local.xml"
    path.write_bytes(rss("Local \x1b[2J", [hostile, item(2)]))
    lib.add_feed(str(path))
    summary = refresh_sync(lib)
    assert summary.count(UPDATED) == 1
    art = next(a for a in lib.articles.values() if "click" in a.headline)
    assert art.headline.startswith("[@click=app.quit]x[/]")
    for text in (art.headline, *art.tags, lib.feed_title(art.feed_id)):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text)
    # Unchanged file: no second parse.
    assert refresh_sync(lib).count(UNCHANGED) == 1
