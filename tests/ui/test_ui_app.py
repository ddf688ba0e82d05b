"""Pilot tests of the whole reader on the demo data: keys in, state out."""

from __future__ import annotations

import pytest

from newsreader.indexes.related import RelatedIndex
from newsreader.ingest.refresh import refresh
from newsreader.library import Library
from newsreader.ui.screens.main import MainScreen
from newsreader.ui.screens.main import base as main_base
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.ui.widgets.tag_pane import TagPane
from sample_feeds import item, rss
from ui_fixtures import make_app, open_library, settle

pytestmark = pytest.mark.anyio  # anyio's pytest plugin comes with httpx


async def open_first(pilot, app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await pilot.press("enter")
    await settle(pilot, app)
    return screen


async def test_panes_focus_with_tab_shift_tab_and_h_l(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert app.focused is screen.query_one(HeadlineList)
        await pilot.press("l")
        assert screen.query_one(ArticleView) in (app.focused, *app.focused.ancestors)
        await pilot.press("h", "h")
        assert app.focused is screen.query_one(TagPane)
        await pilot.press("tab")
        assert app.focused is screen.query_one(HeadlineList)
        await pilot.press("shift+tab")
        assert app.focused is screen.query_one(TagPane)


async def test_open_article_shows_anatomy_and_marks_read_later(data, tmp_path):
    app = make_app(data, tmp_path)
    app.library.settings.ui.read_delay = 0.1
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_first(pilot, app)
        headlines = screen.query_one(HeadlineList)
        view = screen.query_one(ArticleView)
        first = headlines.articles[0]
        assert view.article_id == first.id
        await settle(pilot, app)
        assert app.library.articles[first.id].read


async def test_related_then_back_and_forward_restore_exact_state(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        headlines = screen.query_one(HeadlineList)
        view = screen.query_one(ArticleView)
        await pilot.press("j", "j", "j")
        await pilot.press("enter")
        await settle(pilot, app)
        start_id, start_row = view.article_id, headlines.cursor_row
        view.scroll_to(y=6, animate=False)
        await pilot.pause()
        start_scroll = view.scroll_y
        assert start_scroll > 0

        await pilot.press("1")
        await settle(pilot, app)
        related_id = view.article_id
        assert related_id not in (None, start_id)

        await pilot.press("backspace")
        await settle(pilot, app)
        assert view.article_id == start_id
        assert headlines.cursor_row == start_row
        assert view.scroll_y == start_scroll

        await pilot.press("alt+right")
        await settle(pilot, app)
        assert view.article_id == related_id
        await pilot.press("alt+left")
        await settle(pilot, app)
        assert view.article_id == start_id and view.scroll_y == start_scroll


async def test_star_and_read_survive_a_restart(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_first(pilot, app)
        target = screen.query_one(ArticleView).article_id
        await pilot.press("s")  # star
        await pilot.press("m")  # read (read_delay is off in tests)
        await settle(pilot, app)
        await pilot.press("q")
    with open_library(data) as lib:
        assert lib.articles[target].starred and lib.articles[target].read
    # And the other way round, flushed on quit even if the writer had not run yet.
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_first(pilot, app)
        await pilot.press("s", "m", "q")
    with open_library(data) as lib:
        assert not lib.articles[target].starred and not lib.articles[target].read


async def test_search_results_appear_as_a_pseudo_tag(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        await pilot.press("slash")
        await pilot.press(*"Quellwerk")
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.view.key == "search:Quellwerk"
        found = screen.query_one(HeadlineList).articles
        assert found and all(
            "quellwerk" in (a.headline + a.lead + " ".join(a.tags)).casefold() for a in found
        )
        assert len(found) < len(app.library.articles)


async def test_mark_all_read_and_undo(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        shown = app.screen.query_one(HeadlineList).articles
        await pilot.press("A")
        await settle(pilot, app)
        assert all(a.read for a in shown)
        await pilot.press("u")
        await settle(pilot, app)
        assert not any(a.read for a in shown)
    with open_library(data) as lib:
        assert not any(lib.articles[a.id].read for a in shown)


async def test_refresh_with_progress_and_a_failing_feed(feed_server, tmp_path):
    feed_server.route("/ok.xml", body=rss("Loopback News", [item(i) for i in range(3)]))
    feed_server.route("/fail.xml", status=500)
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/ok.xml"))
        lib.add_feed(feed_server.url("/fail.xml"))
    app = make_app(data, tmp_path)
    seen: list[str] = []
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        status = screen.query_one("#status")
        original = status.update

        def spy(content="") -> None:
            seen.append(str(content))
            original(content)

        status.update = spy
        await pilot.press("r")
        await settle(pilot, app)
        assert any("Refreshing 1/2" in s for s in seen) and any("2/2" in s for s in seen)
        assert "1 failed" in seen[-1] and "3 new articles" in seen[-1]
        assert len(screen.query_one(HeadlineList).articles) == 3
        failing = [f for f in app.library.feeds.values() if f.last_error]
        assert len(failing) == 1 and "500" in failing[0].last_error
        await pilot.press("E")
        await settle(pilot, app)
        assert app.screen.__class__.__name__ == "FeedHealthScreen"


async def test_hostile_feed_text_is_shown_literally_and_runs_nothing(tmp_path):
    hostile = [
        item(1, "[@click=app.quit]x[/] click me"),
        item(2, "[/] closing tag \x1b]0;retitled\x07 and \x1b[2J"),
        item(3, "Array[int] and [b]not bold[/b]", tags=("[/]", "[@click=app.bell]t[/]")),
    ]
    path = tmp_path / "hostile.xml"
    path.write_bytes(rss("[red]Feed[/red] \x1b[31m", hostile))
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(str(path))
        from newsreader.ingest.refresh import refresh

        await refresh(lib)
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        for _ in range(3):
            await pilot.press("enter")
            await settle(pilot, app)
            await pilot.click(ArticleView, offset=(5, 2))  # on the headline
            await pilot.press("h", "j")
        await settle(pilot, app)
        assert app.is_running  # no quit action ran
        lines = [a.headline for a in screen.query_one(HeadlineList).articles]
        assert "[@click=app.quit]x[/] click me" in lines
        svg = app.export_screenshot()
        # Shown literally (the SVG turns spaces into &#160;, so look for space-free pieces).
        assert "[@click=app.quit]x[/]" in svg and "Array[int]" in svg
        assert "\x1b" not in svg and "retitled" in svg


async def test_keys_can_be_remapped_by_binding_id(data, tmp_path):
    app = make_app(data, tmp_path)
    app.library.settings.keys.update({"star": "x", "headline_down": "ctrl+n"})
    from newsreader.ui.bindings import resolve_keymap

    keys = resolve_keymap(app.library.settings.keys, [[("headline_down", "")]])
    app.set_keymap(keys.keymap)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        await pilot.press("ctrl+n")
        assert headlines.cursor_row == 1
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("x")
        await settle(pilot, app)
        assert headlines.articles[1].starred


async def test_every_builtin_theme_renders_and_the_choice_persists(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_first(pilot, app)
        themes = sorted(app.available_themes)
        assert len(themes) >= 10
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            assert app.export_screenshot()  # renders with theme variables only
        app.theme = "nord"
        await pilot.pause()
    again = make_app(data, tmp_path)
    async with again.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_next_previous_unread_space_and_unread_only(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        headlines = screen.query_one(HeadlineList)
        view = screen.query_one(ArticleView)
        for art in headlines.articles[1:4]:
            art.read = True
        await pilot.press("n")
        await settle(pilot, app)
        assert headlines.cursor_row == 4 and view.article_id == headlines.articles[4].id
        await pilot.press("p")
        await settle(pilot, app)
        assert headlines.cursor_row == 0
        # Space pages through the article, then moves on to the next unread one.
        await pilot.press("l")
        for _ in range(40):
            if view.scroll_y >= view.max_scroll_y:
                break
            before = view.scroll_y
            await pilot.press("space")
            await pilot.pause()
            assert view.scroll_y > before
        await pilot.press("space")
        await settle(pilot, app)
        assert view.article_id == headlines.articles[4].id
        await pilot.press("h", "U")
        await settle(pilot, app)
        assert all(not a.read for a in headlines.articles)
        assert len(headlines.articles) == len(app.library.articles) - 3


async def test_command_palette_offers_the_reader_commands(data, tmp_path):
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Star / unstar", "Search", "Refresh all feeds", "Back (history)"):
            assert wanted in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Mark everything")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert all(a.read for a in app.screen.query_one(HeadlineList).articles)


async def test_refresh_keeps_the_cursor_on_the_article_and_r_refreshes_one_feed(
    feed_server, tmp_path
):
    feed_server.route("/a.xml", body=rss("Alpha", [item(i) for i in range(1, 6)]))
    feed_server.route("/b.xml", body=rss("Beta", [item(20 + i, hours=30 + i) for i in range(3)]))
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/a.xml"))
        lib.add_feed(feed_server.url("/b.xml"))
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        await pilot.press("j", "j", "enter")
        await settle(pilot, app)
        watched = headlines.article_id
        # Two newer stories arrive in feed A; R refreshes only the open article's feed.
        newer = [item(90, hours=0.2), item(91, hours=0.1)] + [item(i) for i in range(1, 6)]
        feed_server.route("/a.xml", body=rss("Alpha", newer))
        b_requests = feed_server.count("/b.xml")
        await pilot.press("R")
        await settle(pilot, app)
        assert feed_server.count("/b.xml") == b_requests
        assert len(headlines.articles) == 10
        assert headlines.article_id == watched  # the cursor stayed on the same article
        assert app.screen.query_one(ArticleView).article_id == watched


async def test_welcome_screen_adds_a_feed_and_opens_the_reader(feed_server, tmp_path):
    feed_server.route("/first.xml", body=rss("First Feed", [item(1), item(2)]))
    Library.open(tmp_path / "empty").close()
    app = make_app(tmp_path / "empty", tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        from newsreader.ui.screens.welcome import WelcomeScreen

        assert isinstance(app.screen, WelcomeScreen)
        app.post_message(WelcomeScreen.AddFeed("javascript:alert(1)"))
        await settle(pilot, app)
        assert isinstance(app.screen, WelcomeScreen) and "unsupported" in app.screen.error
        app.post_message(WelcomeScreen.AddFeed(feed_server.url("/first.xml")))
        await settle(pilot, app)
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert len(app.screen.query_one(HeadlineList).articles) == 2


async def test_T_fetches_the_full_text_of_a_teaser_and_shows_it(feed_server, tmp_path):
    """The reader's key for full text: the page's paragraphs replace the teaser, in a worker;
    a page that fails says why under the source line."""
    from test_ui_article_view import screen_text

    from sample_pages import PARAGRAPHS, news_page, teaser

    feed_server.route("/story/1", news_page(1), content_type="text/html")
    feed_server.route("/story/2", "", status=404, content_type="text/html")
    items = [teaser(n, feed_server.url(f"/story/{n}")) for n in (1, 2)]
    feed_server.route("/feed.xml", body=rss("Teaser News", items))
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/feed.xml"))
        await refresh(lib)  # full text is off by default: teasers only
    app = make_app(data, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        first = next(a for a in headlines.articles if a.headline.endswith(" 1"))
        assert headlines.select_article(first.id)
        await pilot.press("enter")
        await settle(pilot, app)
        opening = PARAGRAPHS[0][:30]  # "Die Gewerkschaft und der Bahnb"
        assert opening not in screen_text(app)
        await pilot.press("T")
        await settle(pilot, app)
        assert app.screen.query_one(ArticleView).article_id == first.id
        assert opening in screen_text(app)  # shown when ready, in place of the teaser
        assert app.library.articles[first.id].extracted
        second = next(a for a in headlines.articles if a.headline.endswith(" 2"))
        headlines.select_article(second.id)
        app.screen.set_focus(headlines)
        await pilot.press("enter", "T")
        await settle(pilot, app)
        assert app.library.articles[second.id].extract_error.startswith("HTTP 404")
        await pilot.press("end")  # the article pane: the source line and why
        await settle(pilot, app)
        assert "Full text not fetched: HTTP 404" in screen_text(app)


async def test_e_plays_the_enclosure_with_the_configured_player(feed_server, tmp_path):
    """`e` hands the episode's URL to `[players]`'s command for its type, as one argument."""
    import sys
    import time

    episode = feed_server.url("/episode 1.mp3")
    feed_server.route(
        "/podcast.xml",
        body=(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Pod</title>'
            "<item><title>Episode one</title><guid>ep1</guid>"
            "<description>Ninety minutes on trains.</description>"
            f'<enclosure url="{episode}" type="audio/mpeg" length="1000"/></item>'
            "</channel></rss>"
        ),
    )
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/podcast.xml"))
        await refresh(lib)
    out = tmp_path / "played"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.argv[1])"
    app = make_app(data, tmp_path)
    app.library.settings.players = {"audio/*": f'{sys.executable} -c "{script}" {{url}}'}
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("e")
        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert out.read_text() == episode.replace(" ", "%20")  # as the sanitiser stored it


async def test_t_in_feed_health_sets_a_feeds_full_text(data, tmp_path):
    """The reader's feed menu: E, then t cycles the highlighted feed's own full-text choice
    (auto, always, never, the config's again); it is stored and survives a restart."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("E")
        await settle(pilot, app)
        health = app.screen
        assert health.__class__.__name__ == "FeedHealthScreen"
        feed = health.feeds[0]
        await pilot.press("t")
        await settle(pilot, app)
        assert app.library.feeds[feed.id].full_text == "auto"
        await pilot.press("t", "t")
        await settle(pilot, app)
        assert app.library.feeds[feed.id].full_text == "never"
        await pilot.press("t")
        await settle(pilot, app)
        assert app.library.feeds[feed.id].full_text == ""  # the config's again
        await pilot.press("t")
        await settle(pilot, app)
    with open_library(data) as lib:
        assert lib.feeds[feed.id].full_text == "auto"


async def test_search_with_or_and_a_title_field(data, tmp_path):
    """The reader's search box takes the whole language: `a OR b` shows either's articles,
    `title:X` only those with X in the headline."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        lib = app.library
        lib.sync_search()
        words = ("Quellwerk", "Sturm")
        each = [{a.id for a in lib.search(w)} for w in words]
        assert all(each) and each[0] != each[1]
        screen = app.screen
        await pilot.press("slash", *"Quellwerk OR Sturm", "enter")
        await settle(pilot, app)
        shown = screen.query_one(HeadlineList).articles
        assert {a.id for a in shown} == each[0] | each[1]
        await pilot.press("slash", *"title:Quellwerk", "enter")
        await settle(pilot, app)
        shown = screen.query_one(HeadlineList).articles
        assert shown and all("quellwerk" in a.headline.casefold() for a in shown)
        assert {a.id for a in shown} <= each[0]


async def test_save_a_search_count_it_live_and_forget_it(data, tmp_path):
    """`/` then `w` saves the search under a name: a row under "Saved searches" in the tag
    pane with its unread count, which follows marks; `w` on it forgets it (the list stays)."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        app.library.sync_search()
        screen = app.screen
        pane = screen.query_one(TagPane)
        await pilot.press("slash", *"Quellwerk", "enter")
        await settle(pilot, app)
        found = screen.query_one(HeadlineList).articles
        assert found
        await pilot.press("w")
        await settle(pilot, app)
        await pilot.press(*"Quellen", "enter")  # the prompt offers the query, selected: replaced
        await settle(pilot, app)
        saved = app.library.saved.all()
        assert [s.query for s in saved] == ["Quellwerk"] and saved[0].name == "Quellen"
        assert screen.view.key == "query:Quellen"
        row = pane.get_option("query:Quellen")
        assert row.prompt.suffix.plain.strip() == str(len(found))
        screen.headlines.focus()
        await open_first(pilot, app)
        await pilot.press("m")  # marked read: one unread fewer
        await settle(pilot, app)
        assert sum(not a.read for a in found) == len(found) - 1
        row = pane.get_option("query:Quellen")
        assert row.prompt.suffix.plain.strip() == str(len(found) - 1)
        await pilot.press("h", "w")  # back in the list? w acts on the view: forget it
        await settle(pilot, app)
        assert app.library.saved.all() == []
        assert screen.view.key == "search:Quellwerk"


async def test_a_refresh_in_the_reader_runs_the_new_articles_hook(feed_server, tmp_path):
    """`[hooks] new_articles` runs after a refresh in the reader too (in a worker), with the
    count and headlines; a refresh with nothing new does not run it."""
    import json
    import sys

    feed_server.route("/ok.xml", body=rss("Loopback News", [item(i) for i in range(1, 4)]))
    out = tmp_path / "hook-out.json"
    script = tmp_path / "hook.py"
    script.write_text(
        f"import json, sys\njson.dump(sys.argv[1:], open({str(out)!r}, 'w'))\n", encoding="utf-8"
    )
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/ok.xml"))
    app = make_app(data, tmp_path)
    app.library.settings.hooks.new_articles = f"{sys.executable} {script}"
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await app.workers.wait_for_complete()
        assert json.loads(out.read_text(encoding="utf-8")) == [
            "3",
            "Story number 1",
            "Story number 2",
            "Story number 3",
        ]
        out.unlink()
        await pilot.press("r")
        await settle(pilot, app)
        await app.workers.wait_for_complete()
        assert not out.exists()


async def test_mark_above_and_below_read_and_open_the_unread(data, tmp_path):
    """K marks every row above the cursor read, J every row below (u undoes); O opens the
    list's unread links, [ui] open_limit at a time, and marks them read."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        hl = app.screen.query_one(HeadlineList)
        rows = list(hl.rows)
        assert len(rows) > 6 and not any(a.read for a in rows)
        await pilot.press("down", "down", "down")
        await pilot.press("K")
        await settle(pilot, app)
        assert [a.read for a in rows[:4]] == [True, True, True, False]
        await pilot.press("u")
        await settle(pilot, app)
        assert not any(a.read for a in rows)
        await pilot.press("J")
        await settle(pilot, app)
        assert not any(a.read for a in rows[:4]) and all(a.read for a in rows[4:])
        await pilot.press("u")
        await settle(pilot, app)
        opened: list[str] = []
        app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
        app.library.settings.ui.open_limit = 3
        await pilot.press("O")
        await settle(pilot, app)
        assert opened == [a.link for a in rows[:3]] and all(a.read for a in rows[:3])
        await pilot.press("O")
        await settle(pilot, app)
        assert opened[3:] == [a.link for a in rows[3:6]]
    with open_library(data) as lib:
        assert all(lib.articles[a.id].read for a in rows[:6])
        assert not lib.articles[rows[6].id].read


async def test_welcome_finds_a_pages_feeds_and_offers_a_list(feed_server, tmp_path):
    """A web page's address on the welcome screen: its feeds are found (in a worker); one is
    added at once, several are offered in a list (space ticks, Enter subscribes)."""
    from test_ui_layout import screen_lines

    from newsreader.ui.screens.feed_choice import FeedChoice
    from newsreader.ui.screens.welcome import WelcomeScreen

    link = '<link rel="alternate" type="application/{0}+xml" title="{1}" href="{2}">'
    links = link.format("rss", "Posts", "/a.xml") + link.format("atom", "[b]Comments[/b]", "/b.xml")
    feed_server.route("/site/", f"<html><head>{links}</head></html>", content_type="text/html")
    feed_server.route("/none/", "<html></html>", content_type="text/html")
    feed_server.route("/a.xml", body=rss("Posts", [item(1), item(2)]))
    feed_server.route("/b.xml", body=rss("Comments", [item(3)]))
    Library.open(tmp_path / "empty").close()
    app = make_app(tmp_path / "empty", tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        app.post_message(WelcomeScreen.AddFeed(feed_server.url("/none/")))
        await settle(pilot, app)
        assert isinstance(app.screen, WelcomeScreen) and "No feed found" in app.screen.error
        app.post_message(WelcomeScreen.AddFeed(feed_server.url("/site/")))
        await settle(pilot, app)
        assert isinstance(app.screen, FeedChoice)
        assert "[b]Comments[/b]" in "\n".join(screen_lines(app))  # shown literally
        await pilot.press("down", "space", "enter")  # tick the second, subscribe
        await settle(pilot, app)
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert [f.url for f in app.library.feeds.values()] == [feed_server.url("/b.xml")]


async def test_copy_save_and_pipe_the_open_article(data, tmp_path, monkeypatch):
    """y copies the link (OSC 52 through Textual), > saves the article as Markdown, | pipes it
    to a command (headless: its output captured); o uses the [openers] command for the link."""
    import sys

    app = make_app(data, tmp_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = await open_first(pilot, app)
        art = screen._current()
        assert art is not None and art.link
        await pilot.press("y")
        assert copied == [art.link]
        folder = tmp_path / "saved"
        folder.mkdir()
        await pilot.press("greater_than_sign")
        await settle(pilot, app)
        await pilot.press(*str(folder), "enter")  # the offered "~" is selected: replaced
        await settle(pilot, app)
        await app.workers.wait_for_complete()
        saved = list(folder.glob("*.md"))
        assert len(saved) == 1 and f"# {art.headline}" in saved[0].read_text(encoding="utf-8")
        piped = tmp_path / "piped.md"
        await pilot.press("vertical_line")
        await settle(pilot, app)
        await pilot.press(*f"cat > {piped}", "enter")
        await settle(pilot, app)
        assert piped.read_text(encoding="utf-8") == saved[0].read_text(encoding="utf-8")
        script = tmp_path / "opener.py"
        out = tmp_path / "opened.txt"
        script.write_text(
            f"import sys\nopen({str(out)!r}, 'w').write(sys.argv[1])\n", encoding="utf-8"
        )
        app.library.settings.openers = {".": f"{sys.executable} {script}"}
        browser: list[str] = []
        app.open_url = lambda url, **kw: browser.append(url)  # type: ignore[method-assign]
        await pilot.press("o")
        await settle(pilot, app)
        import time

        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert out.read_text(encoding="utf-8") == art.link and browser == []


async def test_filters_apply_to_a_refresh_in_the_reader(feed_server, tmp_path):
    """[[filters]] at a refresh in the reader: a hidden article never shows, a read one shows
    read, and the status line counts them."""
    feed_server.route(
        "/f.xml",
        body=rss("Feed", [item(1, "Werbung für alles"), item(2, "Tor!", ("Sport",)), item(3)]),
    )
    data = tmp_path / "data"
    with Library.open(data) as lib:
        lib.add_feed(feed_server.url("/f.xml"))
    app = make_app(data, tmp_path)
    app.library.settings.filters = [
        {"query": "Werbung", "action": "hide"},
        {"query": "tag:Sport", "action": "read"},
        {"query": '"Story number"', "action": "tag:Geschichten"},
    ]
    seen: list[str] = []
    async with app.run_test(size=(160, 45)) as pilot:
        status = app.screen.query_one("#status")
        original = status.update

        def spy(content="") -> None:
            seen.append(str(content))
            original(content)

        status.update = spy
        await pilot.press("r")
        await settle(pilot, app)
        shown = {a.headline: a for a in app.screen.query_one(HeadlineList).articles}
        assert set(shown) == {"Tor!", "Story number 3"} and shown["Tor!"].read
        assert shown["Story number 3"].own_tags == ["Geschichten"]
        assert app.screen.query_one(TagPane).get_option("tag:Geschichten") is not None
        assert "3 filtered" in seen[-1]


async def test_own_tags_on_one_article(data, tmp_path):
    """# edits the user's own tags on the open article: the tag pane lists the tag under the
    user's tags with its count, the article shows it, and it survives a restart."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        screen = await open_first(pilot, app)
        art = screen._current()
        assert art is not None
        await pilot.press("number_sign")
        await settle(pilot, app)
        await pilot.press(*"Merkliste", "enter")
        await settle(pilot, app)
        await app.workers.wait_for_complete()
        await settle(pilot, app)
        assert art.own_tags == ["Merkliste"] and "Merkliste" in art.tags
        row = screen.query_one(TagPane).get_option("tag:Merkliste")
        assert row is not None  # in the tag pane (the user's tags)
        from test_ui_article_view import screen_text

        assert "Merkliste" in screen_text(app)  # the tag pane and the article's tag line
    with open_library(data) as lib:
        assert lib.articles[art.id].own_tags == ["Merkliste"]


async def test_the_tag_counts_come_after_the_first_drawn_frame(data, tmp_path, monkeypatch):
    # Textual holds back the frames composed during its start-up; the main screen comes after
    # it, so in a large cache its first frame (the headlines) is drawn before the tag pane's
    # counts (a walk over every article) are worked out.
    app = make_app(data, tmp_path)
    order: list[str] = []
    original_hook = app.post_display_hook

    def noting() -> None:
        if isinstance(app.screen, MainScreen) and not app._batch_count and "drawn" not in order:
            order.append("drawn")
        original_hook()

    original_fill = MainScreen._fill_tags

    def fill(self: MainScreen) -> None:
        order.append("tags")
        original_fill(self)

    monkeypatch.setattr(MainScreen, "_fill_tags", fill)
    monkeypatch.setattr(main_base, "TAGS_WITH_FIRST_FRAME", 10)  # the demo as a large cache
    app.post_display_hook = noting  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert order[:2] == ["drawn", "tags"]
        assert any(v.kind.value == "tag" for v in screen.tags.views)  # the pane is filled


async def test_an_article_opened_before_the_index_shows_now_and_its_related_stories_after(
    data, tmp_path, monkeypatch
):
    # In a large cache the related index takes seconds: the article opened meanwhile shows at
    # once, its related stories once the index is built; and the index is built once (the
    # article's worker had built a second one beside the index worker's).
    monkeypatch.setattr(main_base, "INDEX_DELAY", 3600.0)  # the index worker waits
    app = make_app(data, tmp_path)
    built: list[int] = []
    original = RelatedIndex.add_many

    def counting(self: RelatedIndex, articles) -> None:  # noqa: ANN001
        built.append(1)
        original(self, articles)

    monkeypatch.setattr(RelatedIndex, "add_many", counting)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await open_first(pilot, app)
        await settle(pilot, app)
        view = screen.query_one(ArticleView)
        first = screen.query_one(HeadlineList).articles[0]
        assert view.article_id == first.id and view.related_ids == []
        assert not app.library.related_ready and built == []
        view.focus()
        await pilot.press("end")  # the reader went to the end while the index was built
        await settle(pilot, app)
        assert view.scroll_y == view.max_scroll_y > 0, (view.scroll_y, view.max_scroll_y)
        screen._build_indexes()
        await settle(pilot, app)
        assert app.library.related_ready and len(built) == 1
        assert view.article_id == first.id and len(view.related_ids) > 0
        # Still at the end, which now shows the related stories (was: the old place, above them)
        assert view.scroll_y == view.max_scroll_y > 0


async def test_keys_act_on_the_article_moved_to_before_the_pane_shows_it(
    data, tmp_path, monkeypatch
):
    """`j` then `s` at once: the pane still shows the previous article for a moment (the open
    is debounced and done in a worker, longer under load); the star is for the headline the
    cursor is on. It had toggled the previous article's star off (a cron-and-reader test saw
    10 of 12 stars)."""
    monkeypatch.setattr(main_base, "SHOW_DEBOUNCE", 1.0)  # a slow machine's moment, made long
    app = make_app(data, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(1.2)
        await settle(pilot, app)
        headlines = app.screen.query_one(HeadlineList)
        view = app.screen.query_one(ArticleView)
        first, second = headlines.articles[0], headlines.articles[1]
        assert view.article_id == first.id
        await pilot.press("j", "s")  # before the debounced open of the second one
        assert view.article_id == first.id  # the pane has not followed yet
        await settle(pilot, app)
        lib = app.library
        assert lib.articles[second.id].starred and not lib.articles[first.id].starred
        await pilot.pause(1.2)
        await settle(pilot, app)
        assert view.article_id == second.id
