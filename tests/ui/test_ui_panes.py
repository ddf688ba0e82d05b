"""Pilot tests of the tag pane, the help, welcome and feed-health screens, each in a tiny app."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from newsreader.library import TagCount
from newsreader.models import Feed
from newsreader.timefmt import long_time
from newsreader.ui.bindings import COMMANDS
from newsreader.ui.screens.feed_health import FeedHealthScreen
from newsreader.ui.screens.help import PANE_GROUP, HelpScreen
from newsreader.ui.screens.welcome import WelcomeScreen
from newsreader.ui.widgets.tag_pane import FEWER, MORE, TOPICS_FOLDED, TOPICS_STEP, TagPane
from newsreader.views import View

NOW = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
HOSTILE = "[/] Array[int] [@click=app.quit]x[/]"


def view_keys(pane) -> list[str]:  # noqa: ANN001
    return [v.key for v in pane.views]


def screen_text(app: App[object]) -> str:
    """Everything on the screen as plain text, as the terminal would show it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


# ---------------------------------------------------------------------------- TagPane


def feed(title: str, *, error: str | None = None, gone: bool = False) -> Feed:
    f = Feed.new(f"https://example.com/{title.encode().hex()}.xml", title=title)
    f.last_error = error
    f.gone = gone
    return f


ALPHA = feed("Alpha News")
BROKEN = feed("Broken Feed", error="HTTP 404: not found")
ZULU = feed("Zulu Daily")
TAGS = [  # the user's own tags
    TagCount("zeta", total=9, unread=2, user=True),
    TagCount("Alpha", total=5, unread=0, user=True),
    TagCount("middle", total=7, unread=6, user=True),
]
FEEDS = [(ZULU, 1), (ALPHA, 12), (BROKEN, 0)]


class PaneHost(App[None]):
    CSS = "TagPane { border: none; padding: 0; width: 32; height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield TagPane()

    def on_mount(self) -> None:
        pane = self.query_one(TagPane)
        fill(pane)
        pane.focus()

    @on(TagPane.ViewChosen)
    def _chosen(self, event: TagPane.ViewChosen) -> None:
        assert event.tag_pane is self.query_one(TagPane)
        self.chosen.append(event.view.key)


def fill(pane: TagPane, **overrides: object) -> None:
    data: dict[str, object] = dict(
        all_count=40, unread_count=19, starred_count=3, tags=TAGS, feeds=FEEDS
    )
    data.update(overrides)
    pane.set_data(**data)  # type: ignore[arg-type]


def pane_lines(pane: TagPane) -> list[str]:
    return [pane.render_line(y).text for y in range(pane.virtual_size.height)]


def line_of(pane: TagPane, label: str) -> str:
    (line,) = [ln for ln in pane_lines(pane) if label in ln]
    return line


async def with_pane(check: Callable[[Pilot[None], TagPane], Awaitable[None]]) -> None:
    app = PaneHost()
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        await check(pilot, app.query_one(TagPane))


def test_tag_pane_rows_and_right_aligned_counts() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        assert view_keys(pane) == [
            "all",
            "unread",
            "starred",
            "tag:Alpha",
            "tag:middle",
            "tag:zeta",
            f"feed:{ALPHA.id}",
            f"feed:{BROKEN.id}",
            f"feed:{ZULU.id}",
        ]
        lines = pane_lines(pane)
        assert all(cell_len(line) == 32 for line in lines)
        assert lines[0].startswith("▸ All articles") and lines[0].endswith(" 40")
        assert line_of(pane, "Unread").endswith(" 19")
        assert line_of(pane, "Starred").endswith(" 3")
        assert line_of(pane, "zeta").endswith(" 2")
        assert line_of(pane, "middle").endswith(" 6")
        assert line_of(pane, "Alpha News").endswith(" 12")
        # No unread: no count at all rather than a 0.
        assert "  Alpha".ljust(32) in lines
        # Headers are rows of their own, after a rule, and cannot be highlighted.
        stripped = [ln.strip() for ln in lines]
        assert stripped.index("Tags") < stripped.index("Feeds")
        assert stripped[stripped.index("Tags") - 1].startswith("───")
        await pilot.press("end")
        assert pane.highlighted_view == f"feed:{ZULU.id}"
        await pilot.press("home", "down", "down", "down")
        assert pane.highlighted_view == "tag:Alpha"  # skipped the header

    run(lambda: with_pane(check))


def test_tag_pane_shows_hostile_and_wide_titles_literally_and_truncated() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        wide = feed("日本語のニュース、とても長いタイトルです")
        hostile = feed(HOSTILE)
        fill(pane, tags=[TagCount("[b]bold[/b]", 1, 1)], feeds=[(wide, 5), (hostile, 7)])
        await pilot.pause()
        lines = pane_lines(pane)
        assert all(cell_len(line) == 32 for line in lines)
        assert line_of(pane, "日本語").endswith("… 5")
        assert line_of(pane, "[/] Array[int]").endswith(" 7")
        assert line_of(pane, "[b]bold[/b]").endswith(" 1")
        assert "[/] Array[int]" in screen_text(pilot.app)

    run(lambda: with_pane(check))


def test_tag_pane_sort_toggle_orders_tags_and_feeds_by_unread() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        assert pane.sort_by == "name"
        await pilot.press("S")
        assert pane.sort_by == "count"
        tags = [v for v in view_keys(pane) if v.startswith("tag:")]
        feeds = [v for v in view_keys(pane) if v.startswith("feed:")]
        assert tags == ["tag:middle", "tag:zeta", "tag:Alpha"]
        assert feeds == [f"feed:{ALPHA.id}", f"feed:{ZULU.id}", f"feed:{BROKEN.id}"]
        await pilot.press("S")
        assert pane.sort_by == "name"
        assert [v for v in view_keys(pane) if v.startswith("tag:")] == [
            "tag:Alpha",
            "tag:middle",
            "tag:zeta",
        ]

    run(lambda: with_pane(check))


def test_tag_pane_feeds_toggle_hides_and_shows_the_feeds() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        assert pane.show_feeds
        await pilot.press("f")
        assert not pane.show_feeds
        assert not [v for v in view_keys(pane) if v.startswith("feed:")]
        assert "Feeds" not in [ln.strip() for ln in pane_lines(pane)]
        fill(pane)  # new data keeps the setting
        await pilot.pause()
        assert not [v for v in view_keys(pane) if v.startswith("feed:")]
        await pilot.press("f")
        assert len([v for v in view_keys(pane) if v.startswith("feed:")]) == 3

    run(lambda: with_pane(check))


def test_tag_pane_marks_failing_feeds() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        gone = feed("Gone Feed", gone=True)
        fill(pane, feeds=[*FEEDS, (gone, 2)])
        await pilot.pause()
        assert line_of(pane, "Broken Feed").endswith(" !")
        assert line_of(pane, "Gone Feed").endswith(" ! 2")
        assert "!" not in line_of(pane, "Alpha News")
        assert "!" not in line_of(pane, "Zulu Daily")

    run(lambda: with_pane(check))


def test_tag_pane_search_pseudo_tag() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        fill(pane, search="climate [/]", search_count=4)
        await pilot.pause()
        assert view_keys(pane)[:4] == ["all", "unread", "starred", "search:climate [/]"]
        assert line_of(pane, "Search: climate [/]").endswith(" 4")
        assert pane.select_view(View.from_key("search:climate [/]"))
        await pilot.press("enter")
        assert pilot.app.chosen == ["search:climate [/]"]
        fill(pane, search=None)
        await pilot.pause()
        assert not [v for v in view_keys(pane) if v.startswith("search:")]
        # The searched view is gone: the highlight falls back to "all", not to a random row.
        assert pane.highlighted_view == "all"

    run(lambda: with_pane(check))


def test_tag_pane_keeps_the_highlighted_view_across_set_data() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        await pilot.press("down", "down", "down", "down", "down")
        assert pane.highlighted_view == "tag:zeta"
        row_before = pane.highlighted
        fill(pane, tags=[TagCount("aardvark", 1, 1, True), TagCount("abacus", 2, 2, True), *TAGS])
        await pilot.pause()
        assert pane.highlighted_view == "tag:zeta"
        assert pane.highlighted == row_before + 2
        assert pilot.app.chosen == []  # neither moving nor a refresh chooses anything
        assert pane.view.key == "all"

    run(lambda: with_pane(check))


def test_tag_pane_keeps_the_highlighted_row_in_place_on_screen() -> None:
    def screen_row(pane: TagPane, label: str) -> int:
        visible = [pane.render_line(y).text for y in range(pane.scrollable_content_region.height)]
        (row,) = [y for y, text in enumerate(visible) if label in text]
        return row

    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        pane.styles.height = 6
        await pilot.pause()
        assert pane.select_view(View.from_key("tag:zeta"))
        await pilot.pause()
        pane.scroll_y = 6  # zeta (line 7) second from the top
        await pilot.pause()
        before = screen_row(pane, "zeta")
        assert before == 1
        fill(pane, tags=[TagCount(f"a{i}", 1, 1, user=True) for i in range(3)] + TAGS)
        await pilot.pause()
        assert pane.highlighted_view == "tag:zeta"
        assert screen_row(pane, "zeta") == before

    run(lambda: with_pane(check))


def test_tag_pane_enter_and_click_post_view_chosen() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        await pilot.press("down")
        assert pilot.app.chosen == []
        await pilot.press("enter")
        assert pilot.app.chosen == ["unread"]
        assert pane.view.key == "unread"
        assert line_of(pane, "Unread").startswith("▸ ")
        assert line_of(pane, "All articles").startswith("  ")
        zeta_row = view_keys(pane).index("tag:zeta") + 2  # two lines above: rule and header
        await pilot.click(TagPane, offset=(4, zeta_row))
        await pilot.pause()
        assert pilot.app.chosen == ["unread", "tag:zeta"]
        # Choosing programmatically moves the highlight and mark but posts nothing.
        assert pane.select_view(View.from_key(f"feed:{ALPHA.id}"))
        assert not pane.select_view(View.from_key("tag:nope"))
        assert pane.select_view(View.from_key("tag:  ZETA "))  # as an article may spell it
        assert pane.view.key == "tag:zeta"
        assert pane.select_view(View.from_key(f"feed:{ALPHA.id}"))
        await pilot.pause()
        assert pane.view.key == f"feed:{ALPHA.id}" == pane.highlighted_view
        assert pilot.app.chosen == ["unread", "tag:zeta"]

    run(lambda: with_pane(check))


def topics(n: int) -> list[TagCount]:
    """n feed categories, "topic 00000" the busiest, handed over in a shuffled order."""
    out = [TagCount(f"topic {i:05d}", total=n - i + 3, unread=n - i) for i in range(n)]
    random.Random(3).shuffle(out)
    return out


def topic_views(pane: TagPane) -> list[str]:
    user = {f"tag:{t.tag}" for t in TAGS}
    return [v for v in view_keys(pane) if v.startswith("tag:") and v not in user]


def test_tag_pane_user_tags_first_then_the_feeds_topics_by_unread() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        cats = [
            TagCount("Guardian politics", total=10, unread=4),
            TagCount("WiiU", total=730, unread=0),
            TagCount("video games", total=730, unread=730),
            TagCount("UK news", total=12, unread=4),
        ]
        fill(pane, tags=[cats[0], TAGS[0], cats[1], TAGS[1], cats[2], TAGS[2], cats[3]])
        await pilot.pause()
        assert view_keys(pane)[3:10] == [
            "tag:Alpha",
            "tag:middle",
            "tag:zeta",  # the user's own, by name
            "tag:video games",  # then the feeds' topics, most unread first,
            "tag:UK news",  # on a tie the one with more articles,
            "tag:Guardian politics",
            "tag:WiiU",
        ]
        stripped = [ln.strip() for ln in pane_lines(pane)]
        assert stripped.index("Tags") < stripped.index("Topics from feeds")
        assert stripped.index("Topics from feeds") < stripped.index("Feeds")
        assert stripped[stripped.index("Topics from feeds") - 1].startswith("───")
        assert line_of(pane, "video games").endswith(" 730")
        assert line_of(pane, "UK news").endswith(" 4")
        assert line_of(pane, "WiiU").strip() == "WiiU"  # nothing unread: no count
        assert not any("more" in ln for ln in stripped)  # four topics: nothing folded
        assert pane.hidden_topics == 0
        # Only topics: no empty "Tags" section.
        fill(pane, tags=cats)
        await pilot.pause()
        assert "Tags" not in [ln.strip() for ln in pane_lines(pane)]

    run(lambda: with_pane(check))


def test_tag_pane_folds_the_long_tail_and_expands_it_on_enter() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        fill(pane, tags=[*TAGS, *topics(1000)])
        await pilot.pause()
        assert topic_views(pane) == [f"tag:topic {i:05d}" for i in range(TOPICS_FOLDED)]
        assert pane.hidden_topics == 1000 - TOPICS_FOLDED
        assert line_of(pane, "more").strip() == "… 980 more"
        assert "fewer" not in "".join(pane_lines(pane))
        assert "fold:more" not in view_keys(pane)  # not a view
        pane.highlighted = pane.get_option_index(MORE)
        await pilot.press("enter")
        shown = TOPICS_FOLDED + TOPICS_STEP
        assert topic_views(pane) == [f"tag:topic {i:05d}" for i in range(shown)]
        assert line_of(pane, "more").strip() == f"… {1000 - shown} more"
        # The highlight lands on the first topic the fold hid; nothing was chosen.
        assert pane.highlighted_view == f"tag:topic {TOPICS_FOLDED:05d}"
        assert pilot.app.chosen == [] and pane.view.key == "all"
        # New data (a refresh, a read mark) keeps it expanded.
        fill(pane, tags=[*TAGS, *topics(1000)])
        await pilot.pause()
        assert len(topic_views(pane)) == shown
        pane.highlighted = pane.get_option_index(FEWER)
        await pilot.press("enter")
        assert len(topic_views(pane)) == TOPICS_FOLDED
        assert pane.highlighted_view == MORE
        assert pilot.app.chosen == []

    run(lambda: with_pane(check))


def test_tag_pane_folded_topic_shows_while_chosen() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        fill(pane, tags=[*TAGS, *topics(1000)])
        await pilot.pause()
        assert "tag:topic 00500" not in view_keys(pane)
        assert pane.select_view(View.from_key("tag:  TOPIC 00500"))  # as an article may spell it
        assert pane.view.key == "tag:topic 00500" == pane.highlighted_view
        assert topic_views(pane)[-1] == "tag:topic 00500"  # after the busiest ones
        assert line_of(pane, "topic 00500").startswith("▸ ")
        assert line_of(pane, "more").strip() == "… 979 more"
        assert pilot.app.chosen == []
        assert not pane.select_view(View.from_key("tag:topic 99999"))
        # Chosen by Enter, it stays; once another view is chosen, the next rebuild drops it.
        await pilot.press("enter")
        assert pilot.app.chosen == ["tag:topic 00500"]
        assert pane.select_view(View.from_key("unread"))
        fill(pane, tags=[*TAGS, *topics(1000)])
        await pilot.pause()
        assert "tag:topic 00500" not in view_keys(pane)

    run(lambda: with_pane(check))


def test_tag_pane_sort_toggle_sorts_user_tags_and_keeps_topics_ranked() -> None:
    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        fill(pane, tags=[*TAGS, *topics(50)])
        await pilot.pause()
        ranked = [f"tag:topic {i:05d}" for i in range(TOPICS_FOLDED)]
        assert topic_views(pane) == ranked
        await pilot.press("S")
        user = [v for v in view_keys(pane) if v.startswith("tag:") and v not in ranked]
        assert user == ["tag:middle", "tag:zeta", "tag:Alpha"]
        assert topic_views(pane) == ranked  # the fold keeps the busiest in either order

    run(lambda: with_pane(check))


def test_tag_pane_rebuild_is_fast_with_30000_topics() -> None:
    many = [*TAGS, *topics(30_000)]
    feeds = [(feed(f"Feed {i:03d}"), i % 7) for i in range(300)]

    async def check(pilot: Pilot[None], pane: TagPane) -> None:
        start = time.perf_counter()
        fill(pane, tags=many, feeds=feeds)
        elapsed = time.perf_counter() - start
        await pilot.pause()
        assert pane.option_count < 3 + 2 + 3 + 2 + TOPICS_FOLDED + 1 + 2 + 300
        assert pane.hidden_topics == 30_000 - TOPICS_FOLDED
        assert line_of(pane, "more").strip() == "… 29,980 more"
        assert elapsed < 1.0  # ~20 ms; the unfolded pane took 1-2 s (bench/tag_pane_bench.py)

    run(lambda: with_pane(check))


# ---------------------------------------------------------------------------- HelpScreen


class ScreenHost(App[None]):
    def __init__(self, make: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.make = make
        self.messages: list[object] = []
        self.results: list[object] = []

    def on_mount(self) -> None:
        if self.make is not None:
            self.push_screen(self.make(), self.results.append)  # type: ignore[arg-type]

    @on(WelcomeScreen.AddFeed)
    @on(WelcomeScreen.ImportOpml)
    @on(WelcomeScreen.OpenDemo)
    def _record(self, event: object) -> None:
        self.messages.append(event)


def table_rows(app: App[object]) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def test_help_lists_every_command_grouped_with_pane_keys() -> None:
    async def go() -> None:
        app = ScreenHost(HelpScreen)
        async with app.run_test(size=(110, 40)) as pilot:
            await pilot.pause()
            rows = table_rows(app)
            by_id = {r[2]: r for r in rows if r[2]}
            for command in COMMANDS:
                assert by_id[command.id][1] == command.label
            assert by_id["help"][0] == "?"
            assert by_id["search"][0] == "/"
            assert by_id["back"][0] == "⌫, alt+←"
            headers = [r[0] for r in rows if r[0] and not r[1]]
            assert headers == ["Move", "Article", "View", "Feeds", "App", PANE_GROUP]
            pane_rows = {r[0]: r[1] for r in rows[rows.index([PANE_GROUP, "", ""]) + 1 :]}
            assert "↓, j" in pane_rows and "↑, k" in pane_rows
            assert "tab" in pane_rows and "shift+tab" in pane_rows
            assert "[keys]" in screen_text(app)
            table = app.screen.query_one(DataTable)
            assert table.has_focus and table.max_scroll_y > 0
            await pilot.press("end")
            await pilot.pause()
            assert table.scroll_y == table.max_scroll_y

    run(go)


def test_help_shows_keys_as_the_app_keymap_remaps_them() -> None:
    async def go() -> None:
        app = ScreenHost()
        async with app.run_test(size=(110, 40)) as pilot:
            app.set_keymap({"star": "x", "back": "b,ctrl+b"})
            app.push_screen(HelpScreen())
            await pilot.pause()
            by_id = {r[2]: r for r in table_rows(app) if r[2]}
            assert by_id["star"][0] == "x"
            assert by_id["back"][0] == "b, ^b"
            assert by_id["toggle_read"][0] == "m"
            app.pop_screen()
            app.push_screen(HelpScreen(keymap={"quit": "Q"}))
            await pilot.pause()
            by_id = {r[2]: r for r in table_rows(app) if r[2]}
            assert by_id["quit"][0] == "Q" and by_id["star"][0] == "s"

    run(go)


def test_help_closes_on_escape_question_mark_and_q() -> None:
    async def go() -> None:
        app = ScreenHost()
        async with app.run_test(size=(110, 40)) as pilot:
            for key in ("escape", "question_mark", "q"):
                app.push_screen(HelpScreen())
                await pilot.pause()
                assert isinstance(app.screen, HelpScreen)
                await pilot.press("down")  # scrolling does not close it
                assert isinstance(app.screen, HelpScreen)
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.screen, HelpScreen), key

    run(go)


# ---------------------------------------------------------------------------- WelcomeScreen


def test_welcome_posts_add_feed_import_opml_and_open_demo() -> None:
    async def go() -> None:
        app = ScreenHost(WelcomeScreen)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "welcome-url"
            # Typing is slow under Pilot (~60 ms a key): type a little, set the rest.
            url_input = app.screen.query_one("#welcome-url", Input)
            url_input.value = " https://example.org/feed.xm"
            url_input.cursor_position = len(url_input.value)
            await pilot.press("l", "space", "enter")
            await pilot.pause()
            assert app.messages == [WelcomeScreen.AddFeed("https://example.org/feed.xml")]
            app.screen.query_one("#welcome-opml", Input).value = "~/subs.opm"
            await pilot.press("tab", "end", "l", "enter")
            await pilot.pause()
            assert app.messages[1] == WelcomeScreen.ImportOpml(os.path.expanduser("~/subs.opml"))
            # "d" typed in a field is text, not the demo key.
            await pilot.press("d")
            await pilot.pause()
            assert len(app.messages) == 2
            await pilot.click("#welcome-demo")
            await pilot.pause()
            assert isinstance(app.messages[2], WelcomeScreen.OpenDemo)
            app.screen.query_one("#welcome-demo").focus()
            await pilot.press("d")
            await pilot.pause()
            assert len(app.messages) == 4 and isinstance(app.messages[3], WelcomeScreen.OpenDemo)

    run(go)


def test_welcome_errors_are_shown_literally() -> None:
    async def go() -> None:
        app = ScreenHost(WelcomeScreen)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, WelcomeScreen)
            await pilot.press("enter")  # nothing typed: an error, no message
            await pilot.pause()
            assert app.messages == []
            assert "Type the address of a feed first." in screen_text(app)
            screen.set_error(f"Cannot add the feed: {HOSTILE}")
            await pilot.pause()
            assert screen.error == f"Cannot add the feed: {HOSTILE}"
            assert HOSTILE in screen_text(app)
            screen.set_error("")
            await pilot.pause()
            assert "Cannot add" not in screen_text(app)
            assert app.is_running

    run(go)


# ---------------------------------------------------------------------------- FeedHealthScreen


def health_feeds() -> list[Feed]:
    fine = feed("Alpha Fine")
    fine.last_fetched, fine.last_status = NOW - timedelta(hours=1), 200
    broken = feed(HOSTILE, error="HTTP 500: [/] server [@click=app.quit]said[/] no")
    broken.error_at, broken.last_status = NOW - timedelta(minutes=5), 500
    broken.last_fetched = NOW - timedelta(days=2)
    gone = feed("Gone Away", gone=True)
    gone.last_status = 410
    warned = feed("Beta Warned")
    warned.warning, warned.last_fetched = "Moved permanently to a new address", NOW
    fresh = feed("Fresh Unfetched")
    return [fine, warned, fresh, broken, gone]


def test_feed_health_lists_failing_feeds_first_with_literal_errors() -> None:
    async def go() -> None:
        feeds = health_feeds()
        app = ScreenHost(lambda: FeedHealthScreen(feeds, now=lambda: NOW))
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            rows = table_rows(app)
            assert [r[0] for r in rows] == [
                HOSTILE,
                "Gone Away",
                "Beta Warned",
                "Fresh Unfetched",
                "Alpha Fine",
            ]
            broken = rows[0]  # feed, HTTP, when, status
            assert broken[-1] == "HTTP 500: [/] server [@click=app.quit]said[/] no"
            assert broken[2] == long_time(NOW - timedelta(minutes=5), NOW)
            assert broken[1] == "500"
            assert rows[1][-1].startswith("Gone") and rows[1][1] == "410"
            assert rows[2][-1] == "Moved permanently to a new address"
            assert rows[3][-1] == "Not fetched yet" and rows[3][2] == ""
            assert rows[4][1:] == ["200", long_time(NOW - timedelta(hours=1), NOW), "", "OK"]
            text = screen_text(app)
            assert "Feed health: 2 of 5 feeds failing" in text
            assert "[/] server [@click=app.quit]said[/] no" in text
            # Under the table, the highlighted feed in full: title, URL, status.
            assert HOSTILE in text  # whole only there: the table cuts titles at 30 cells
            assert feeds[3].url in text
            await pilot.press("down")
            await pilot.pause()
            text = screen_text(app)
            assert feeds[4].url in text and feeds[3].url not in text
            assert app.is_running

    run(go)


def test_feed_health_enter_returns_the_feed_and_escape_closes() -> None:
    async def go() -> None:
        feeds = health_feeds()
        app = ScreenHost(lambda: FeedHealthScreen(feeds, now=lambda: NOW))
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            await pilot.press("end")
            assert app.screen.query_one(DataTable).cursor_row == 4
            await pilot.press("home", "j", "enter")
            await pilot.pause()
            assert app.results == [feeds[4].id]  # the second row: the gone feed
            app.push_screen(FeedHealthScreen(feeds, now=lambda: NOW), app.results.append)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.results == [feeds[4].id, None]
            assert not isinstance(app.screen, FeedHealthScreen)

    run(go)


def test_the_readmes_keys_are_the_help_screens() -> None:
    """README's keys table is generated from the same COMMANDS the help screen shows."""
    from pathlib import Path

    from newsreader.ui.screens.help import keys_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- keys:start -->\n", 1)[1].split("<!-- keys:end -->", 1)[0]
    assert block == keys_markdown(), "run: python -m newsreader.ui.screens.help"
    for command in COMMANDS:
        assert command.id in block or command.id.startswith("related_"), command.id
