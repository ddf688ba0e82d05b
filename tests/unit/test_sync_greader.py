"""Sync with a Google Reader API server (the loopback fake in tests/greader_server.py, which
names the FreshRSS and Miniflux behaviour it copies): login, subscriptions with folders as
tags, paging through continuation, read/star both ways, token expiry and the faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from greader_server import GReaderServer

from newsreader.library import Library
from newsreader.store import Batch
from newsreader.sync import greader
from newsreader.sync.accounts import Account
from newsreader.sync.engine import sync_account
from newsreader.sync.greader import GReaderClient, short_id
from newsreader.sync.state import StateFile


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    with GReaderServer() as s:
        yield s
    assert not s.errors, s.errors


def _account(server: GReaderServer, password: str = "s3cret") -> Account:
    return Account("fresh", "greader", server.url, server.user, password=password)


NOW = int(time.time()) - 3600  # recent: retention keeps 90 days


def _two_feeds(server: GReaderServer, items: int = 3) -> tuple[str, str]:
    a = server.add_feed(1, "https://news.example/a.xml", "Nachrichten", ["Politik", "Deutsch"])
    b = server.add_feed(2, "https://tech.example/b.xml", "Tech Daily", ["Tech"])
    for n in range(items):
        server.add_item(a, f"Politik story {n}", published=NOW + n)
        server.add_item(b, f"Tech story {n}", published=NOW + 100 + n)
    return a, b


def _by_title(lib: Library) -> dict[str, object]:
    return {a.headline: a for a in lib.articles.values()}


def test_first_sync_imports_feeds_with_folders_as_tags_and_items(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    server.items[max(server.items)].starred = True
    first = min(server.items)
    server.items[first].read = True
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert report.error is None, report.error
        assert report.feeds_added == 2 and report.new == 6
        feeds = {f.title: f for f in lib.feeds.values()}
        assert set(feeds) == {"Nachrichten", "Tech Daily"}
        assert feeds["Nachrichten"].tags == ["Politik", "Deutsch"]
        assert feeds["Tech Daily"].account == "fresh" and feeds["Tech Daily"].remote_id == "feed/2"
        arts = list(lib.articles.values())
        assert len(arts) == 6
        assert sum(a.read for a in arts) == 1 and sum(a.starred for a in arts) == 1
        story = next(a for a in arts if a.headline == "Tech story 2")
        assert story.starred and story.link.startswith("https://example.org/")
        assert lib.body_html(story).startswith("<p>Tech story 2")
        assert "Tech" in story.tags
    # A second sync fetches nothing again and duplicates nothing.
    with Library.open(data_dir) as lib:
        again = sync_account(lib, _account(server))
        assert again.error is None and again.new == 0 and len(lib.articles) == 6


def test_pages_through_continuation(
    data_dir: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(greader, "ITEMS_PAGE", 7)
    monkeypatch.setattr(greader, "IDS_PAGE", 5)
    _two_feeds(server, items=20)
    lines: list[str] = []
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server), on_progress=lines.append)
        assert report.error is None and report.new == 40 and len(lib.articles) == 40
    assert server.count("/reader/api/0/stream/items/contents") == 6  # 40 items, 7 a post
    # 40 unread ids by 5, 0 starred (one answer), then the whole reading list by 5
    assert server.count("/reader/api/0/stream/items/ids") == 8 + 1 + 8
    assert any("items" in line for line in lines)


def test_read_and_star_go_both_ways(data_dir: Path, server: GReaderServer) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        arts = _by_title(lib)
        here = arts["Politik story 0"]
        lib.commit(Batch(read={here.id: True}, starred={here.id: True}))  # offline, here
    # ...and on the phone: another item read and starred on the server.
    there = next(i for i in server.items.values() if i.title == "Tech story 1")
    there.read = there.starred = True
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert report.error is None and report.pushed == 2 and report.pulled == 2
        arts = _by_title(lib)
        assert arts["Tech story 1"].read and arts["Tech story 1"].starred
        assert arts["Politik story 0"].read and arts["Politik story 0"].starred
    item = next(i for i in server.items.values() if i.title == "Politik story 0")
    assert item.read and item.starred
    # Unread again here, unstarred there: both arrive, nothing else moves.
    with Library.open(data_dir) as lib:
        art = _by_title(lib)["Politik story 0"]
        lib.commit(Batch(read={art.id: False}))
    there.starred = False
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert (report.pushed, report.pulled) == (1, 1)
        assert not _by_title(lib)["Tech story 1"].starred
    assert not item.read and item.starred


def test_an_expired_session_logs_in_again(data_dir: Path, server: GReaderServer) -> None:
    a, _b = _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        logins = server.count("/accounts/ClientLogin")
        server.add_item(a, "After expiry")
        art = _by_title(lib)["Tech story 0"]
        lib.commit(Batch(read={art.id: True}))
        # The session (and its edit token) expires after the subscription list, mid-sync.
        server.expire_at = {len(server.calls) + 3}
        report = sync_account(lib, _account(server))
        assert report.error is None, report.error
        assert report.new == 1 and report.pushed == 1
        assert server.count("/accounts/ClientLogin") == logins + 2  # the sync's, once again
    assert next(i for i in server.items.values() if i.title == "Tech story 0").read


def test_an_expired_edit_token_is_fetched_again(data_dir: Path, server: GReaderServer) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        art = _by_title(lib)["Tech story 1"]
        lib.commit(Batch(starred={art.id: True}))
        server.stale_token_once = True  # T is replaced right after the client gets it
        tokens = server.count("/reader/api/0/token")
        report = sync_account(lib, _account(server))
        assert report.error is None and report.pushed == 1
        assert server.count("/reader/api/0/token") == tokens + 2  # the stale one, a new one
        assert server.count("/accounts/ClientLogin") == 2  # the session itself was fine
    assert next(i for i in server.items.values() if i.title == "Tech story 1").starred


def test_a_wrong_password_is_one_line_and_changes_nothing(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server, password="wrong"))
        assert report.error is not None and "\n" not in report.error
        assert "refused the user name or password" in report.error and "wrong" not in report.error
        assert not lib.feeds and not lib.articles
        state = StateFile(data_dir, "fresh").load()
        assert state.last_error == report.error


def test_changes_made_while_the_server_is_down_arrive_later(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        art = _by_title(lib)["Tech story 2"]
        lib.commit(Batch(starred={art.id: True}))
        server.fail_after = len(server.calls)  # every call from now: HTTP 500
        down = sync_account(lib, _account(server))
        assert down.error is not None and "HTTP 500" in down.error and "\n" not in down.error
        assert lib.articles[art.id].starred  # still here, still to push
        server.fail_after = None
        back = sync_account(lib, _account(server))
        assert back.error is None and back.pushed == 1
    assert next(i for i in server.items.values() if i.title == "Tech story 2").starred


def test_a_server_that_is_gone_is_one_line(data_dir: Path) -> None:
    server = GReaderServer().start()
    url = server.url
    server.stop()
    with Library.open(data_dir) as lib:
        report = sync_account(lib, Account("fresh", "greader", url, "reader", password="x"))
    assert report.error is not None and "cannot connect" in report.error


def test_a_500_mid_first_sync_then_the_rest_without_duplicates(
    data_dir: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(greader, "ITEMS_PAGE", 10)
    _two_feeds(server, items=25)
    server.fail_after = 8  # login, token, list, ids x2, then two pages of items, then 500
    with Library.open(data_dir) as lib:
        cut = sync_account(lib, _account(server))
        assert cut.error is not None and 0 < len(lib.articles) < 50
        server.fail_after = None
        rest = sync_account(lib, _account(server))
        assert rest.error is None, rest.error
        assert len(lib.articles) == 50
        assert len({a.guid for a in lib.articles.values()}) == 50


def test_subscriptions_follow_both_ways_and_local_feeds_stay(
    data_dir: Path, server: GReaderServer
) -> None:
    a, b = _two_feeds(server)
    with Library.open(data_dir) as lib:
        local = lib.add_feed("https://local.example/feed.xml")
        assert sync_account(lib, _account(server)).error is None
        # Removed on the server: gone here with its articles.
        del server.subs[a]
        c = server.add_feed(3, "https://new.example/c.xml", "Neu", ["Politik"])
        server.add_item(c, "Neue Geschichte")
        report = sync_account(lib, _account(server))
        assert (report.feeds_added, report.feeds_removed) == (1, 1)
        titles = {f.title for f in lib.feeds.values()}
        assert titles == {"Tech Daily", "Neu", local.title}
        assert "Politik story 0" not in _by_title(lib) and "Neue Geschichte" in _by_title(lib)
        # Removed here: unsubscribed on the server at the next sync.
        lib.remove_feed(next(f for f in lib.feeds.values() if f.title == "Tech Daily"))
        assert sync_account(lib, _account(server)).error is None
        assert b not in server.subs and local.id in lib.feeds
        assert lib.feeds[local.id].account == ""


def test_refresh_leaves_synced_feeds_to_the_sync(data_dir: Path, server: GReaderServer) -> None:
    from newsreader.ingest.refresh import refresh_sync

    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        summary = refresh_sync(lib)
        assert summary.reports == []  # nothing fetched from news.example or tech.example


def test_fifty_thousand_unread_ids(server: GReaderServer) -> None:
    feed = server.add_feed(1, "https://news.example/a.xml", "A")
    for n in range(50_000):
        server.items[n + 1] = greader_item(feed, n + 1)
    client = GReaderClient(server.url, server.user, "s3cret")
    client.login()
    ids = client.unread_ids()
    assert len(ids) == 50_000 and "1" in ids and "50000" in ids
    # 10,000 asked per answer, 1,000 given (the fake caps pages, as servers may): 50 answers
    assert server.count("/reader/api/0/stream/items/ids") == 50


def greader_item(feed: str, n: int):  # noqa: ANN201 - a test helper
    from greader_server import Item

    return Item(n, feed, f"Item {n}", f"https://example.org/{n}", "<p>x</p>", 1_734_000_000, 0)


def test_item_ids_in_both_spellings() -> None:
    assert short_id("tag:google.com,2005:reader/item/000000000000001f") == "31"
    assert short_id("tag:google.com,2005:reader/item/ffffffffffffffff") == "-1"
    assert short_id("12345") == "12345"


def test_a_second_sync_of_one_account_at_once_is_refused(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        states = StateFile(data_dir, "fresh")
        with states.locked("fresh"):  # what a sync in another process holds
            report = sync_account(lib, _account(server))
        assert report.error == "fresh: another newsreader is syncing this account"
        assert not lib.articles and not server.calls
        assert sync_account(lib, _account(server)).error is None


def test_a_damaged_state_file_is_moved_aside_and_nothing_doubles(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        art = _by_title(lib)["Politik story 2"]
        lib.commit(Batch(read={art.id: True}))
    (data_dir / "sync" / "fresh.json").write_bytes(b'{"cursor": "x", "items": [')
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert report.error is None
        assert report.warnings == [
            "sync state unreadable, moved aside to fresh.json.corrupt; syncing as if for the"
            " first time"
        ]
        assert (data_dir / "sync" / "fresh.json.corrupt").exists()
        assert len(lib.articles) == 6 and report.new == 0  # the same ids: stored once
        # With no base to compare, a read on either side is kept, and sent.
        assert [a.headline for a in lib.articles.values() if a.read] == ["Politik story 2"]
        assert report.pushed == 1
    assert next(i for i in server.items.values() if i.title == "Politik story 2").read


def test_a_feed_added_here_for_the_account_is_subscribed_there(
    data_dir: Path, server: GReaderServer
) -> None:
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        assert sync_account(lib, _account(server)).error is None
        feed = lib.add_feed("https://blog.example/feed.xml", tags=["Blogs"], account="fresh")
        assert feed.account == "fresh" and not feed.remote_id  # waits for the sync
        report = sync_account(lib, _account(server))
        assert report.error is None and report.feeds_added == 0
        sub = next(s for s in server.subs.values() if s.url == "https://blog.example/feed.xml")
        assert sub.folders == ["Blogs"]
        assert lib.feeds[feed.id].remote_id == sub.id and lib.feeds[feed.id].tags == ["Blogs"]
        server.add_item(sub.id, "First blog post")
        assert sync_account(lib, _account(server)).new == 1
        assert len(lib.feeds) == 3  # no second copy of the feed


def test_answers_that_are_not_what_the_protocol_says_are_one_line(
    data_dir: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_feeds(server)
    real = server._answer

    def broken(method, path, query, form, headers):  # noqa: ANN001, ANN202
        status, body, extra = real(method, path, query, form, headers)
        if "stream/items/ids" in path:
            return 200, "<html>maintenance</html>", {}
        if "subscription/list" in path:
            # Google's own ids were feed/URL: with no url field the id says it.
            subs = [{"id": 7, "url": None}, "x", {"id": "feed/https://news.example/a.xml"}]
            return 200, {"subscriptions": subs}, {}
        return status, body, extra

    monkeypatch.setattr(server, "_answer", broken)
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
    assert report.error == "127.0.0.1: the answer to stream/items/ids is not JSON"
    assert [f.url for f in lib.feeds.values()] == ["https://news.example/a.xml"]


def test_filters_apply_to_synced_articles_and_their_marks_go_to_the_server(
    data_dir: Path, server: GReaderServer
) -> None:
    (data_dir.parent / "config" / "config.toml").write_text(
        '[[filters]]\nquery = "title:Tech"\naction = "read"\n\n'
        '[[filters]]\nquery = "title:\\"Politik story 1\\""\naction = "hide"\n',
        encoding="utf-8",
    )
    _two_feeds(server)
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert report.error is None and report.filtered == 4
        assert report.line().endswith("; 4 filtered")
        arts = _by_title(lib)
        assert "Politik story 1" not in arts  # kept out
        assert all(a.read for t, a in arts.items() if t.startswith("Tech"))
        again = sync_account(lib, _account(server))
        assert again.pushed == 3 and again.new == 0  # the filter's reads, sent; none back
    assert all(i.read for i in server.items.values() if i.title.startswith("Tech"))


def test_full_text_for_teaser_only_synced_articles(
    data_dir: Path, server: GReaderServer, feed_server
) -> None:
    from sample_pages import PARAGRAPHS, news_page

    (data_dir.parent / "config" / "config.toml").write_text(
        '[full_text]\ndefault = "auto"\n', encoding="utf-8"
    )
    feed_server.route("/article/1", body=news_page(1).encode(), content_type="text/html")
    feed = server.add_feed(1, "https://news.example/a.xml", "Nachrichten")
    server.add_item(
        feed,
        "Einigung im Tarifstreit",
        link=feed_server.url("/article/1"),
        html="<p>Die Gewerkschaft und der Bahnbetreiber haben sich geeinigt.</p>",
    )
    with Library.open(data_dir) as lib:
        report = sync_account(lib, _account(server))
        assert report.error is None and report.full_texts == 1
        assert report.line().endswith("; 1 full texts")
        (art,) = lib.articles.values()
        assert art.extracted
        assert PARAGRAPHS[2][:40] in lib.body_html(art)
        again = sync_account(lib, _account(server))
        assert again.full_texts == 0 and lib.articles[art.id].extracted  # once per article
    assert feed_server.count("/article/1") == 1
