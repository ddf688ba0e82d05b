"""Pilot tests of HeadlineList: filling, cursor keys, messages, kept place, marks, hostile text,
copies folded into one row."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.strip import Strip

from newsreader.models import Article
from newsreader.ui.widgets.headline_list import (
    FEED_WIDTH,
    MARK_WIDTH,
    TIME_WIDTH,
    HeadlineList,
    feed_column_width,
    fit_cells,
    fold_copies,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
FEEDS = {"f1": "Tagesschau", "f2": "A Feed With A Very Long Title Indeed", "f3": "日本のニュース局"}


def headline_col(hl: HeadlineList) -> int:
    """Where the headline column starts on this pane (the feed column's width varies)."""
    feed = feed_column_width(hl.scrollable_content_region.width, hl._one_feed)
    return MARK_WIDTH + TIME_WIDTH + (feed + 1 if feed else 0)


def make_articles(count: int, *, prefix: str = "a", start: int = 0) -> list[Article]:
    feeds = list(FEEDS)
    return [
        Article(
            id=f"{prefix}{i}",
            feed_id=feeds[i % len(feeds)],
            guid=f"{prefix}{i}",
            headline=f"Headline number {i}",
            published=NOW - timedelta(minutes=10 * i),
        )
        for i in range(start, start + count)
    ]


class Host(App[None]):
    """Mounts one HeadlineList and records every message it posts."""

    def __init__(self, articles: Sequence[Article]) -> None:
        super().__init__()
        self.initial = list(articles)
        self.highlighted: list[tuple[str | None, int]] = []
        self.selected: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield HeadlineList(now=lambda: NOW, feed_title=lambda fid: FEEDS.get(fid, fid), id="hl")

    def on_mount(self) -> None:
        self.query_one(HeadlineList).set_articles(self.initial)
        self.query_one(HeadlineList).focus()

    @on(HeadlineList.Highlighted)
    def _highlighted(self, event: HeadlineList.Highlighted) -> None:
        assert event.control is event.headline_list
        self.highlighted.append((event.article_id, event.row))

    @on(HeadlineList.Selected, "#hl")
    def _selected(self, event: HeadlineList.Selected) -> None:
        self.selected.append((event.article_id, event.row))


def run(
    articles: Sequence[Article],
    body: Callable[[Pilot[None], Host, HeadlineList], Awaitable[None]],
    size: tuple[int, int] = (100, 12),
) -> Host:
    async def go() -> Host:
        app = Host(articles)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(pilot, app, app.query_one(HeadlineList))
        return app

    return asyncio.run(go())


def line(hl: HeadlineList, screen_row: int) -> Strip:
    return hl.render_line(screen_row)


def text(hl: HeadlineList, screen_row: int) -> str:
    return line(hl, screen_row).text


def visible_rows(hl: HeadlineList) -> int:
    return hl.scrollable_content_region.height


def headline_cell(hl: HeadlineList, screen_row: int) -> str:
    """The headline column of a row, located by cells (not characters)."""
    cells = 0
    out = []
    for ch in text(hl, screen_row):
        if cells >= headline_col(hl):
            out.append(ch)
        cells += cell_len(ch)
    return "".join(out).rstrip()


# ---------------------------------------------------------------- pure helpers


def test_fit_cells_pads_and_truncates_by_terminal_cells() -> None:
    assert fit_cells("abc", 5) == "abc  "
    assert fit_cells("abcdef", 4) == "abc…"
    assert fit_cells("abc", 0) == ""
    # Wide characters count two cells; a cut through one must not overflow the column.
    assert fit_cells("日本語", 6) == "日本語"
    assert fit_cells("日本語", 5) == "日本…"
    assert fit_cells("日本語", 4) == "日… "
    assert cell_len(fit_cells("日本語", 4)) == 4
    assert cell_len(fit_cells("👨‍👩‍👧 family news", 7)) == 7
    assert fit_cells("two\nlines", 20).rstrip() == "two lines"


def test_feed_column_shrinks_only_on_narrow_panes() -> None:
    assert feed_column_width(100) == FEED_WIDTH
    assert 0 < feed_column_width(30) < FEED_WIDTH
    assert feed_column_width(10) == 0


# ---------------------------------------------------------------- filling and rows


def test_fill_shows_mark_time_feed_and_headline_and_highlights_first_row() -> None:
    articles = make_articles(30)
    articles[1].read = True
    articles[2].starred = True
    articles[20].published = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    articles[21].published = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        assert hl.cursor_row == 0
        assert hl.article_id == "a0"
        assert [a.id for a in hl.articles] == [a.id for a in articles]
        assert hl.article_at(29) is articles[29]
        assert hl.article_at(30) is None and hl.article_at(-1) is None
        assert app.highlighted == [("a0", 0)]
        assert text(hl, 0).startswith(" ● 15:00  Tagesschau       Headline number 0")
        assert text(hl, 1).startswith("   14:50  A Feed With A V… Headline number 1")
        assert text(hl, 2).startswith(" ★ 14:40  日本のニュース局 Headline number 2")
        hl.move_cursor(21)
        await pilot.pause()
        top = hl.scroll_offset.y
        assert "05 Mar" in text(hl, 20 - top)
        assert "Mar'24" in text(hl, 21 - top)
        # Every row fills the pane exactly: the cursor background spans the whole row.
        width = hl.scrollable_content_region.width
        assert all(line(hl, y).cell_length == width for y in range(visible_rows(hl)))

    run(articles, body)


def test_unread_rows_are_bold_read_rows_are_not() -> None:
    articles = make_articles(3)
    articles[1].read = True

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        def headline_bold(y: int) -> bool:
            segs = [s for s in line(hl, y) if "Headline" in s.text]
            return bool(segs[0].style and segs[0].style.bold)

        assert headline_bold(2) and not headline_bold(1)
        hl.move_cursor(1)  # the cursor does not make a read row look unread
        await pilot.pause()
        assert not headline_bold(1) and headline_bold(0)

    run(articles, body)


def test_cursor_row_looks_different_and_changes_with_focus() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        def bg(y: int) -> object:
            segs = [s for s in line(hl, y) if "Headline" in s.text]
            return segs[0].style.bgcolor if segs[0].style else None

        focused = bg(0)
        assert focused != bg(1)
        hl.blur()
        await pilot.pause()
        assert not hl.has_focus
        blurred = bg(0)
        assert blurred != bg(1)
        assert blurred != focused

    run(make_articles(5), body)


def test_empty_list_has_no_article_and_enter_does_nothing() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        assert hl.article_id is None and hl.cursor_row == 0
        await pilot.press("down", "enter", "end")
        assert app.selected == [] and app.highlighted == []
        assert hl.next_unread() is None
        assert text(hl, 0).strip() == ""

    run([], body)


# ---------------------------------------------------------------- cursor keys and messages


def test_cursor_keys_move_and_post_highlighted_on_every_move() -> None:
    articles = make_articles(100)

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        app.highlighted.clear()
        await pilot.press("down", "j", "j")
        assert hl.cursor_row == 3
        await pilot.press("up", "k")
        assert hl.cursor_row == 1
        assert app.highlighted == [("a1", 1), ("a2", 2), ("a3", 3), ("a2", 2), ("a1", 1)]
        app.highlighted.clear()
        await pilot.press("k", "up")  # at the top: one move, then nothing
        assert hl.cursor_row == 0
        assert app.highlighted == [("a0", 0)]

        page = visible_rows(hl) - 1
        await pilot.press("pagedown")
        assert hl.cursor_row == page
        assert hl.scroll_offset.y <= hl.cursor_row < hl.scroll_offset.y + visible_rows(hl)
        screen_row = hl.cursor_row - hl.scroll_offset.y
        await pilot.press("pagedown")
        assert hl.cursor_row == 2 * page
        assert hl.cursor_row - hl.scroll_offset.y == screen_row  # the view pages with the cursor
        await pilot.press("pageup")
        assert hl.cursor_row == page

        app.highlighted.clear()
        await pilot.press("end")
        assert hl.cursor_row == 99 and hl.article_id == "a99"
        assert hl.scroll_offset.y == 100 - visible_rows(hl)
        assert "Headline number 99" in text(hl, visible_rows(hl) - 1)
        await pilot.press("end", "down", "pagedown")  # already at the end: no messages
        await pilot.press("home")
        assert hl.cursor_row == 0 and hl.scroll_offset.y == 0
        assert app.highlighted == [("a99", 99), ("a0", 0)]

    run(articles, body)


def test_enter_posts_selected_for_the_cursor_article() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        await pilot.press("j", "j", "enter")
        assert app.selected == [("a2", 2)]

    run(make_articles(10), body)


def test_click_moves_the_cursor_and_double_click_selects() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        await pilot.click(HeadlineList, offset=(30, 4))
        await pilot.pause()
        assert hl.cursor_row == 4
        assert app.highlighted[-1] == ("a4", 4)
        assert app.selected == []
        await pilot.click(HeadlineList, offset=(30, 6), times=2)
        await pilot.pause()
        assert hl.cursor_row == 6
        assert app.selected[-1] == ("a6", 6)
        await pilot.click(HeadlineList, offset=(30, 10))  # below the last row: nothing
        await pilot.pause()
        assert hl.cursor_row == 6

    run(make_articles(8), body)


def test_move_cursor_select_article_and_scroll_flag() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        assert hl.select_article("a250")
        await pilot.pause()
        assert hl.cursor_row == 250
        assert hl.scroll_offset.y <= 250 < hl.scroll_offset.y + visible_rows(hl)
        assert not hl.select_article("nope")
        assert hl.cursor_row == 250
        top = hl.scroll_offset.y
        hl.move_cursor(10, scroll=False)  # restoring history: the caller owns the scroll
        await pilot.pause()
        assert hl.cursor_row == 10 and hl.scroll_offset.y == top
        hl.move_cursor(10_000)
        assert hl.cursor_row == 299
        hl.move_cursor(-5)
        assert hl.cursor_row == 0
        await pilot.pause()
        assert app.highlighted[-3:] == [("a10", 10), ("a299", 299), ("a0", 0)]

    run(make_articles(300), body)


# ---------------------------------------------------------------- set_articles


def test_new_articles_above_keep_the_cursor_article_at_the_same_screen_row() -> None:
    articles = make_articles(200)

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.move_cursor(120)
        await pilot.press("up", "up", "up")
        assert hl.cursor_row == 117
        screen_row = hl.cursor_row - hl.scroll_offset.y
        before = [text(hl, y) for y in range(visible_rows(hl))]
        app.highlighted.clear()

        fresh = make_articles(7, prefix="new")
        hl.set_articles(fresh + articles, keep_article="a117")
        await pilot.pause()
        assert hl.cursor_row == 124 and hl.article_id == "a117"
        assert hl.cursor_row - hl.scroll_offset.y == screen_row
        assert [text(hl, y) for y in range(visible_rows(hl))] == before
        assert app.highlighted == []  # same article under the cursor: nothing to re-show

        # Near the top the view cannot hold its place above row 0; the cursor still follows.
        hl.move_cursor(1)
        await pilot.pause()
        hl.set_articles(make_articles(3, prefix="newer") + hl.articles, keep_article="new1")
        await pilot.pause()
        assert hl.article_id == "new1" and hl.cursor_row == 4
        assert hl.scroll_offset.y <= 4 < hl.scroll_offset.y + visible_rows(hl)

    run(articles, body)


def test_set_articles_without_the_kept_article_clamps_the_cursor() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.move_cursor(40)
        await pilot.pause()
        app.highlighted.clear()
        hl.set_articles(make_articles(50, prefix="b"), keep_article="gone")
        await pilot.pause()
        assert hl.cursor_row == 40 and hl.article_id == "b40"
        assert app.highlighted == [("b40", 40)]
        hl.set_articles(make_articles(5, prefix="c"), keep_article="a40")
        await pilot.pause()
        assert hl.cursor_row == 4 and hl.article_id == "c4"
        assert hl.scroll_offset.y == 0
        assert "Headline number 4" in text(hl, 4)
        hl.set_articles([])
        await pilot.pause()
        assert hl.article_id is None
        assert app.highlighted[-1] == (None, 0)

    run(make_articles(60), body)


# ---------------------------------------------------------------- marks


def test_next_unread_finds_rows_without_moving_the_cursor() -> None:
    articles = make_articles(10)
    for i in (0, 1, 2, 4, 5, 6, 8, 9):
        articles[i].read = True

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        assert hl.next_unread() == 3
        assert hl.cursor_row == 0
        hl.move_cursor(3)
        assert hl.next_unread() == 7
        assert hl.next_unread(forward=False) is None
        hl.move_cursor(9)
        assert hl.next_unread() is None
        assert hl.next_unread(forward=False) == 7

    run(articles, body)


# ---------------------------------------------------------------- hostile and wide text

HOSTILE = ["[/]", "[@click=app.quit]x[/]", "Array[int]", "[bold red]loud[/bold red]", "\\[x]"]


def test_hostile_headlines_and_feed_titles_render_literally_and_stay_inert() -> None:
    articles = make_articles(len(HOSTILE))
    for article, headline in zip(articles, HOSTILE, strict=True):
        article.headline = headline
    articles[1].feed_id = "[@click=app.quit]feed[/]"

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        for y, headline in enumerate(HOSTILE):
            assert headline_cell(hl, y) == headline
            assert all(not (s.style and s.style.meta) for s in line(hl, y))
        assert "[@click=app.quit" in text(hl, 1)
        await pilot.click(HeadlineList, offset=(headline_col(hl) + 2, 1))
        await pilot.click(HeadlineList, offset=(MARK_WIDTH + TIME_WIDTH + 2, 1))
        await pilot.pause()
        assert app.is_running and hl.cursor_row == 1

    run(articles, body)


WIDE = [
    "日本語の見出しがとても長くて列の幅を超えてしまう場合の表示テスト",
    "Emoji 👍🏽 and family 👨‍👩‍👧 and flag 🇩🇪 in a headline that is long enough to be cut",
    "한국어 뉴스 제목 한국어 뉴스 제목 한국어 뉴스 제목 한국어 뉴스 제목 한국어",
    "Plain ASCII headline",
    "Ünïcödé with combining e\u0301 marks",
    "مرحبا بالعالم — right-to-left text in a row",
]


def test_wide_characters_are_literal_and_columns_stay_aligned() -> None:
    articles = make_articles(len(WIDE))
    for article, headline in zip(articles, WIDE, strict=True):
        article.headline = headline
    articles[0].feed_id = "f3"  # a wide feed title too

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        width = hl.scrollable_content_region.width
        for y, headline in enumerate(WIDE):
            row = text(hl, y)
            assert cell_len(row) == width
            shown = headline_cell(hl, y)
            if shown.endswith("…"):
                assert headline.startswith(shown[:-1].rstrip())
            else:
                assert shown == headline
            # The headline column starts at the same cell in every row.
            prefix_cells = 0
            for ch in row:
                if prefix_cells >= headline_col(hl):
                    break
                prefix_cells += cell_len(ch)
            assert prefix_cells == headline_col(hl)
        assert headline_cell(hl, 0).endswith("…")
        feed_cell = text(hl, 0)[MARK_WIDTH + TIME_WIDTH :].split(" ", 1)[0]
        assert feed_cell.startswith("日本の") and cell_len(feed_cell) <= FEED_WIDTH

    run(articles, body, size=(70, 10))


def test_narrow_pane_keeps_rows_exactly_as_wide_as_the_pane() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        for cols in (40, 24, 12):
            await pilot.resize_terminal(cols, 8)
            await pilot.pause()
            width = hl.scrollable_content_region.width
            assert all(line(hl, y).cell_length == width for y in range(4))

    articles = make_articles(4)
    articles[2].headline = WIDE[0]
    run(articles, body)


def test_shrinking_the_pane_keeps_the_cursor_visible() -> None:
    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.move_cursor(10)
        await pilot.resize_terminal(100, 5)
        await pilot.pause()
        assert hl.scroll_offset.y <= 10 < hl.scroll_offset.y + visible_rows(hl)
        assert "Headline number 10" in text(hl, 10 - hl.scroll_offset.y)

    run(make_articles(50), body)


# ---------------------------------------------------------------- folded copies


def copy_map(*groups: Sequence[str]) -> dict[str, list[str]]:
    """What CopyGroups hands the list: each article id -> the ids of its copies."""
    out: dict[str, list[str]] = {}
    for group in groups:
        for member in group:
            out[member] = [other for other in group if other != member]
    return out


def test_fold_copies_shows_the_newest_copy_at_the_place_of_the_first() -> None:
    articles = make_articles(8)
    # a5 is a copy of a1 and a6 (same story, three feeds); a3 of a7; a4's copy is not listed.
    copies = copy_map(["a1", "a5", "a6"], ["a3", "a7"], ["a4", "elsewhere"])
    rows, groups = fold_copies(articles, copies)
    assert [a.id for a in rows] == ["a0", "a1", "a2", "a3", "a4"]
    assert {k: [a.id for a in v] for k, v in groups.items()} == {
        "a1": ["a1", "a5", "a6"],
        "a3": ["a3", "a7"],
    }
    # In a list that is not newest first (search results) the newest copy is still shown.
    shuffled = [articles[i] for i in (6, 0, 1, 5)]
    rows, groups = fold_copies(shuffled, copies)
    assert [a.id for a in rows] == ["a1", "a0"] and list(groups) == ["a1"]
    # Nothing to fold: the list as it is.
    assert fold_copies(articles, {}) == (articles, {})
    assert fold_copies(articles[:1], copies)[0] == articles[:1]


def test_folded_rows_show_a_count_and_are_unread_while_any_copy_is() -> None:
    articles = make_articles(8)
    articles[1].read = True
    articles[6].read = True
    copies = copy_map(["a1", "a5", "a6"], ["a3", "a7"])

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.set_articles(articles, copies=copies)
        await pilot.pause()
        assert hl.folded and len(hl.rows) == 5 and len(hl.articles) == 8
        assert headline_cell(hl, 1) == "Headline number 1 (+2)"
        assert headline_cell(hl, 3) == "Headline number 3 (+1)"
        assert headline_cell(hl, 2) == "Headline number 2"
        # a5 is unread, so the row of a1 (read) is unread: marked and bold.
        assert text(hl, 1).startswith(" ● ")
        assert [a.id for a in hl.copies_at(1)] == ["a1", "a5", "a6"]
        assert [a.id for a in hl.copies_at(0)] == ["a0"] and hl.copies_at(99) == []
        # Every copy finds its row: select, refresh and keep go to the story's row.
        assert hl.row_of("a5") == hl.row_of("a6") == 1 and hl.row_of("a7") == 3
        assert hl.select_article("a6") and hl.cursor_row == 1 and hl.article_id == "a1"
        articles[5].read = True
        hl.refresh_all()
        await pilot.pause()
        assert text(hl, 1).startswith("   ")  # all three read now
        hl.move_cursor(0)
        assert hl.next_unread() == 2
        articles[7].starred = True
        hl.refresh_all()
        await pilot.pause()
        assert text(hl, 3).startswith(" ★ ")  # a starred copy shows on its row
        # Unfolding keeps the cursor on the article, each copy on its own row again.
        hl.move_cursor(3)
        hl.set_articles(articles, keep_article="a7")
        await pilot.pause()
        assert not hl.folded and len(hl.rows) == 8 and hl.article_id == "a7"
        assert "(+" not in headline_cell(hl, 3 - hl.scroll_offset.y)

    run([], body)


def test_folding_the_copy_under_the_cursor_keeps_the_cursor_on_its_story() -> None:
    articles = make_articles(6)
    copies = copy_map(["a2", "a4"])

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.move_cursor(4)
        await pilot.pause()
        app.highlighted.clear()
        hl.set_articles(articles, keep_article="a4", copies=copies)
        await pilot.pause()
        assert hl.cursor_row == 2 and hl.article_id == "a2"
        assert app.highlighted == []  # the article being read does not change under the reader

    run(articles, body)


def test_the_count_stays_visible_when_the_headline_is_cut() -> None:
    articles = make_articles(2)
    articles[0].headline = "A very long headline " * 10
    copies = copy_map(["a0", "a1"])

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        hl.set_articles(articles, copies=copies)
        await pilot.pause()
        row = line(hl, 0)
        assert row.cell_length == hl.scrollable_content_region.width
        assert row.text.rstrip().endswith("… (+1)")

    run([], body, size=(60, 8))


def test_25000_rows_with_copies_fold_fast() -> None:
    articles = make_articles(25_000)
    # Every tenth story also came in a second feed: 2,500 pairs.
    copies = copy_map(*([f"a{i}", f"a{i + 1}"] for i in range(0, 25_000, 10)))
    timings: dict[str, float] = {}

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        start = time.perf_counter()
        hl.set_articles(articles, copies=copies)
        await pilot.pause()
        timings["fill"] = time.perf_counter() - start
        assert len(hl.rows) == 22_500
        assert hl.select_article("a12341") and hl.article_id == "a12340"

    run([], body)
    assert timings["fill"] < 1.0, timings


# ---------------------------------------------------------------- size


def test_25000_rows_fill_fast_and_stay_responsive() -> None:
    articles = make_articles(25_000)
    timings: dict[str, float] = {}

    async def body(pilot: Pilot[None], app: Host, hl: HeadlineList) -> None:
        start = time.perf_counter()
        hl.set_articles(articles)
        await pilot.pause()
        timings["fill"] = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(20):
            await pilot.press("down")
        await pilot.press("end")
        await pilot.press("pageup")
        timings["keys"] = time.perf_counter() - start
        # end, then pageup: the view pages with the cursor, which keeps the bottom screen row.
        assert hl.cursor_row == 24_999 - (visible_rows(hl) - 1)
        assert hl.cursor_row - hl.scroll_offset.y == visible_rows(hl) - 1
        assert f"Headline number {hl.cursor_row}" in text(hl, visible_rows(hl) - 1)
        assert hl.select_article("a12345")
        await pilot.pause()
        assert "Headline number 12345" in text(hl, hl.cursor_row - hl.scroll_offset.y)

    run([], body)
    assert timings["fill"] < 1.0, timings
    assert timings["keys"] < 3.0, timings


def test_every_binding_has_an_id_and_a_description() -> None:
    keys: set[str] = set()
    for binding in HeadlineList.BINDINGS:
        assert isinstance(binding, Binding)
        assert binding.id and binding.id.startswith("headline_") and binding.description
        keys.update(binding.key.split(","))
    assert {"up", "down", "j", "k", "pageup", "pagedown", "home", "end", "enter"} <= keys
