"""Pilot tests of the reader with stories in several feeds: reason lines, "also reported by"
(opened with keys, Back returns), copies folded into one headline row, and their read state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from newsreader.ingest.refresh import refresh
from newsreader.library import Library
from newsreader.models import Article
from newsreader.ui.copy_groups import CopyGroups, Fold
from newsreader.ui.screens.main import MainScreen
from newsreader.ui.widgets.article_view import ArticleView, RelatedBox
from newsreader.ui.widgets.coverage import CoverageRow
from newsreader.ui.widgets.headline_list import HeadlineList
from sample_feeds import item, rss
from ui_fixtures import make_app, open_library, settle

pytestmark = pytest.mark.anyio


def find(app, start: str, feed: str = "") -> Article:
    lib = app.library
    found = [
        a
        for a in lib.articles.values()
        if a.headline.startswith(start) and feed in lib.feed_title(a.feed_id)
    ]
    assert found, start
    return found[0]


async def open_article(pilot, app, article: Article) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    headlines = screen.query_one(HeadlineList)
    assert headlines.select_article(article.id)
    await pilot.press("enter")
    await settle(pilot, app)
    assert screen.query_one(ArticleView).article_id in {
        a.id for a in headlines.copies_at(headlines.cursor_row)
    }
    return screen


def row_text(headlines: HeadlineList, article_id: str) -> str:
    row = headlines.row_of(article_id)
    assert row is not None
    headlines.move_cursor(row)  # reveals it
    return headlines.render_line(row - headlines.scroll_offset.y).text


# ---------------------------------------------------------------------- reasons


async def test_related_stories_give_one_reason_and_same_story_comes_first(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = await open_article(pilot, app, find(app, "Tessendorf leads"))
        box = screen.query_one(RelatedBox)
        reasons = [entry.blocks[-1][0].plain for entry in box.entries]
        assert reasons and reasons[0].startswith("same story: ")
        assert any("Tessendorf" in r for r in reasons)
        # Same-story entries come before topic ones, never the other way round.
        kinds = [r.split(":")[0] for r in reasons]
        assert kinds == sorted(kinds, key=lambda k: k != "same story")
        # Never the user's feed tags ("Demo", "English") nor the old lists.
        assert not any("Demo" in r or "English" in r or "why:" in r for r in reasons)


# ---------------------------------------------------------------------- also reported by


async def test_also_reported_by_opens_another_feeds_report_and_back_returns(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        start = find(app, "Tessendorf leads")
        screen = await open_article(pilot, app, start)
        view = screen.query_one(ArticleView)
        row = view.query_one(CoverageRow)
        titles = row.labels
        assert set(titles) == {"Neustädter Anzeiger", "WRF24 – Nachrichten aus Weidenland"}
        # `c` goes to the row, `c` again to the next feed; Enter opens that feed's report.
        await pilot.press("c")
        assert app.focused is row and row.cursor == 0
        await pilot.press("c")
        assert row.cursor == 1
        wanted = row.article_ids[1]
        await pilot.press("enter")
        await settle(pilot, app)
        opened = view.article_id
        assert opened == wanted
        assert app.library.feed_title(app.library.articles[opened].feed_id) == titles[1]
        assert "Tessendorf" in app.library.articles[opened].headline
        # Back returns to where the reader was.
        await pilot.press("backspace")
        await settle(pilot, app)
        assert view.article_id == start.id
        await pilot.press("alt+right")
        await settle(pilot, app)
        assert view.article_id == opened


async def test_back_wins_over_a_cursor_move_typed_just_before(data, tmp_path):
    """`j` then Backspace faster than the show debounce: Back's article stays on screen.

    (Seen in a loaded tmux run: the cursor's delayed open fired after Back and replaced the
    article Back had restored, so Back seemed to do nothing.)"""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        start = find(app, "Tessendorf leads")
        screen = await open_article(pilot, app, start)
        view = screen.query_one(ArticleView)
        await pilot.press("c", "enter")
        await settle(pilot, app)
        other = view.article_id
        assert other != start.id
        headlines = screen.query_one(HeadlineList)
        screen.set_focus(headlines)
        await pilot.pause()
        await pilot.press("j", "backspace")  # both within the debounce
        await settle(pilot, app)
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert view.article_id == start.id


async def test_also_reported_by_puts_another_publishers_copy_first(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        ledger = find(app, "Quellwerk confirms", "Circuit")
        post = find(app, "Quellwerk confirms", "Mirbe")
        screen = app.screen
        view = screen.query_one(ArticleView)
        view.post_message(ArticleView.RelatedChosen(view, ledger.id))  # as a related story
        await settle(pilot, app)
        assert view.article_id == ledger.id
        assert view.coverage_ids[0] == post.id  # the copy, before other reports
        await pilot.press("c", "enter")
        await settle(pilot, app)
        assert view.article_id == post.id
        await pilot.press("backspace")
        await settle(pilot, app)
        assert view.article_id == ledger.id


async def test_c_without_other_reports_says_so(data, tmp_path):
    app = make_app(data, tmp_path)
    notes: list[str] = []
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        app.screen.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await open_article(pilot, app, find(app, "Christmas market"))
        await pilot.press("c")
        assert notes[-1] == "No other feed has reported this story"


# ---------------------------------------------------------------------- folded copies


def test_copy_groups_wait_for_the_index_and_come_from_a_worker():
    a, b, c = (Article(id=x, feed_id=f"feed-{x}", guid=x, headline="Same") for x in "abc")
    lib = SimpleNamespace(revision=1, articles={x.id: x for x in (a, b, c)})
    asked: list[str] = []

    def copies(article: Article) -> list[Article]:
        asked.append(article.id)
        return [b] if article is a else [a] if article is b else []

    lib.copies = copies
    lib.copy_map = lambda: {x.id: [c.id for c in found] for x in (a, b, c) if (found := copies(x))}
    groups = CopyGroups(lambda: lib)  # type: ignore[arg-type, return-value]
    # Before the index is built nothing is asked (it would build the index on this thread).
    assert groups.copies() == {} and asked == [] and not groups.ready
    assert [x.id for x in groups.with_copies([a])] == ["a"]
    groups.index_built(0)  # an older revision's index: not this one
    assert not groups.ready
    worked_out = groups.work_out()
    changes = groups.changes
    groups.changed()  # articles changed while the worker worked: its map is stale
    groups.index_built(1, worked_out, changes)
    asked.clear()
    # Never worked out on the caller's (the screen's) thread: a worker is asked for it.
    assert groups.ready and groups.needs_worker
    assert groups.copies() == {} and asked == []
    changes = groups.changes
    assert groups.adopt(Fold.COPIES, groups.work_out(), changes) and len(asked) == 3
    assert not groups.needs_worker
    assert groups.copies() == {"a": ["b"], "b": ["a"]}
    assert groups.copies() is groups.copies() and len(asked) == 3  # once per change
    assert {x.id for x in groups.with_copies([a, c])} == {"a", "b", "c"}
    groups.changed()  # the map in hand stands until the worker has a new one
    assert groups.needs_worker and groups.copies() == {"a": ["b"], "b": ["a"]}
    assert len(asked) == 3
    groups.set_mode(Fold.NONE)
    assert groups.copies() == {} and [x.id for x in groups.with_copies([a])] == ["a"]
    # Story groups come only from a worker: none until one is adopted, stale ones dropped.
    lib.story_groups = lambda: {"a": ["c"], "c": ["a"]}
    groups.set_mode(Fold.STORIES)
    assert groups.needs_worker and groups.copies() == {}
    changes = groups.changes
    worked_out = groups.work_out()
    assert not groups.adopt(Fold.COPIES, worked_out, changes)  # the mode moved on
    assert groups.adopt(Fold.STORIES, worked_out, changes) and not groups.needs_worker
    assert {x.id for x in groups.with_copies([a])} == {"a", "c"}
    groups.changed()  # the old groups stand until the worker has new ones
    assert groups.needs_worker and groups.copies() == {"a": ["c"], "c": ["a"]}
    groups.set_mode(Fold.COPIES)
    lib.revision = 2  # a reload drops the index
    assert not groups.ready and groups.copies() == {}


async def test_demo_copies_fold_into_one_row_and_F_toggles(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        lib = app.library
        ledger = find(app, "Quellwerk confirms", "Circuit")
        post = find(app, "Quellwerk confirms", "Mirbe")
        assert headlines.folded and len(headlines.rows) == len(lib.articles) - 1
        assert len(headlines.articles) == len(lib.articles)  # every article is still listed
        assert headlines.row_of(ledger.id) == headlines.row_of(post.id)
        assert row_text(headlines, ledger.id).rstrip().endswith(" (+1)")
        # F: whole stories fold too. The rail deal, told by Neustädter Anzeiger and WRF24 in
        # their own words, shares one row; the demo's copies stay folded.
        anzeiger = find(app, "Einigung im Tarifstreit", "Anzeiger")
        wrf24 = find(app, "Tarifeinigung bei Weidenland", "WRF24")
        assert headlines.row_of(anzeiger.id) != headlines.row_of(wrf24.id)
        await pilot.press("F")
        await settle(pilot, app)
        assert headlines.row_of(anzeiger.id) == headlines.row_of(wrf24.id)
        assert headlines.row_of(ledger.id) == headlines.row_of(post.id)
        assert len(headlines.rows) < len(lib.articles) - 1
        assert len(headlines.articles) == len(lib.articles)
        # F again: every article on its own row.
        await pilot.press("F")
        await settle(pilot, app)
        assert not headlines.folded and len(headlines.rows) == len(lib.articles)
        assert headlines.row_of(ledger.id) != headlines.row_of(post.id)
        assert "(+1)" not in row_text(headlines, ledger.id)
        await pilot.press("F")
        await settle(pilot, app)
        assert headlines.folded and len(headlines.rows) == len(lib.articles) - 1


async def test_fold_stories_in_the_config_starts_with_stories_folded(data, tmp_path):
    app = make_app(data, tmp_path)
    app.library.settings.ui.fold_stories = True
    app.library.settings.ui.read_delay = -1  # read by `m` only
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        anzeiger = find(app, "Einigung im Tarifstreit", "Anzeiger")
        wrf24 = find(app, "Tarifeinigung bei Weidenland", "WRF24")
        assert headlines.row_of(anzeiger.id) == headlines.row_of(wrf24.id)
        # The folded story is one item: reading it marks every report in it.
        headlines.select_article(anzeiger.id)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("m")
        await settle(pilot, app)
        assert app.library.articles[anzeiger.id].read and app.library.articles[wrf24.id].read


async def test_fold_copies_false_in_the_config_starts_unfolded(data, tmp_path):
    app = make_app(data, tmp_path)
    app.library.settings.ui.fold_copies = False
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        assert not headlines.folded and len(headlines.rows) == len(app.library.articles)
        await pilot.press("F")
        await settle(pilot, app)
        assert headlines.folded


@pytest.fixture
async def three_feeds(feed_server, tmp_path) -> Path:
    """The same item in three feeds (two by link, one by headline), plus a story of its own."""
    shared = item(1, "Harbour bridge closes for repairs until spring", hours=2)
    own = item(2, "Local choir wins regional prize", hours=3)
    retitled = item(3, "Harbour Bridge closes for repairs until spring!", hours=5)
    feed_server.route("/a.xml", body=rss("Alpha Daily", [shared, own]))
    newer = dict(shared, date=shared["date"] + timedelta(hours=1))
    feed_server.route("/b.xml", body=rss("Beta Wire", [newer]))
    feed_server.route("/c.xml", body=rss("Gamma Post", [retitled]))
    data = tmp_path / "data"
    with Library.open(data) as lib:
        for path in ("/a.xml", "/b.xml", "/c.xml"):
            lib.add_feed(feed_server.url(path))
        await refresh(lib)
    return data


async def test_a_folded_row_is_read_once_and_marks_every_copy(three_feeds, tmp_path):
    app = make_app(three_feeds, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        lib = app.library
        headlines = app.screen.query_one(HeadlineList)
        ids = [a.id for a in lib.articles.values() if "bridge" in a.headline.casefold()]

        def copies() -> list[Article]:  # fresh: a reload replaces the Article objects
            return [lib.articles[i] for i in ids]

        assert len(ids) == 3 and len(lib.articles) == 4
        assert len(headlines.rows) == 2
        assert headlines.cursor_row == 0 and "(+2)" in headlines.render_line(0).text
        assert not any(a.read for a in copies())
        # The row shows the newest copy; reading it marks all three read.
        newest = max(copies(), key=lambda a: a.published)
        assert headlines.article_id == newest.id
        lib.settings.ui.read_delay = 0.1
        await pilot.press("j", "k")  # back onto the row: it opens again, and is read
        await settle(pilot, app)
        assert app.screen.query_one(ArticleView).article_id == newest.id
        assert all(a.read for a in copies())
        assert not headlines.render_line(0).text.startswith(" ● ")
        # m marks them unread together, and read again.
        await pilot.press("m")
        await settle(pilot, app)
        assert not any(a.read for a in copies())
        assert headlines.render_line(0).text.startswith(" ● ")
        # One copy unread is enough for the row to count as unread; m then reads them all.
        await pilot.press("m")
        await settle(pilot, app)
        copies()[1].read = False
        headlines.refresh_all()
        await pilot.pause()
        assert headlines.render_line(0).text.startswith(" ● ")
        assert headlines.next_unread(forward=False) is None and headlines.next_unread() == 1
        await pilot.press("m")
        await settle(pilot, app)
        assert all(a.read for a in copies())
        # Mark all read and undo go to the copies as well.
        await pilot.press("m")
        await settle(pilot, app)
        assert not any(a.read for a in lib.articles.values())
        await pilot.press("A")
        await settle(pilot, app)
        assert all(a.read for a in lib.articles.values())
        await pilot.press("u")
        await settle(pilot, app)
        assert not any(a.read for a in lib.articles.values())
        await pilot.press("q")
    with open_library(three_feeds) as lib:
        assert not any(a.read for a in lib.articles.values())


async def test_unfolded_each_copy_is_read_on_its_own(three_feeds, tmp_path):
    app = make_app(three_feeds, tmp_path)
    app.library.settings.ui.fold_copies = False
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        assert len(headlines.rows) == 4
        await pilot.press("enter", "m")
        await settle(pilot, app)
        read = [a for a in app.library.articles.values() if a.read]
        assert [a.id for a in read] == [headlines.rows[0].id]


async def test_back_and_forward_apply_only_where_the_history_goes(data, tmp_path):
    """check_action: Back is dimmed (and does nothing) at the start of the history, Forward at
    its end, as a browser's buttons; the article commands while no article is at hand."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.check_action("back", ()) is None
        assert screen.check_action("forward", ()) is None
        assert screen.check_action("toggle_star", ()) is True  # the cursor's article
        start = find(app, "Tessendorf leads")
        await open_article(pilot, app, start)
        await pilot.press("c", "enter")
        await settle(pilot, app)
        assert screen.check_action("back", ()) is True
        assert screen.check_action("forward", ()) is None
        await pilot.press("backspace")
        await settle(pilot, app)
        assert screen.check_action("forward", ()) is True
        assert screen.query_one(ArticleView).article_id == start.id
        # Back at the start of the history: nothing happens, no error.
        while screen.history.can_go_back:
            await pilot.press("backspace")
            await settle(pilot, app)
        assert screen.check_action("back", ()) is None
        await pilot.press("backspace")
        await settle(pilot, app)
        assert screen.check_action("forward", ()) is True


async def test_related_stories_are_one_key_away_and_enter_opens_what_is_highlighted(data, tmp_path):
    """Down past the end of the text enters the box; j/k move in it, k from the first story
    goes back to the text; Enter opens the highlighted story; b jumps to the box from
    anywhere. Unfocused, the box highlights nothing."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        start = find(app, "Tessendorf leads")
        screen = await open_article(pilot, app, start)
        view = screen.query_one(ArticleView)
        box = view.query_one(RelatedBox)
        assert len(box.article_ids) >= 2
        assert app.focused is view
        for _ in range(60):  # the keys a reader would hold down
            await pilot.press("j")
            if app.focused is box:
                break
        assert app.focused is box and box.highlighted == 0
        await pilot.press("j")
        assert box.highlighted == 1
        await pilot.press("k", "k")
        assert app.focused is view  # up from the first story: back to the text
        await pilot.press("b")
        assert app.focused is box and box.highlighted == 0
        await pilot.press("j")
        wanted = box.article_ids[1]
        await pilot.press("enter")
        await settle(pilot, app)
        assert view.article_id == wanted  # the highlighted story, not the current one again
        # From the headline list too.
        screen.set_focus(screen.query_one(HeadlineList))
        await pilot.press("b")
        assert app.focused is view.query_one(RelatedBox)
