"""Pilot tests of ArticleView: the news-page anatomy, related stories and their reasons, "also
reported by", tags, links, hostile text, scroll restore and the fast path for long bodies, on a
tiny host app."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from newsreader.indexes.related import Related
from newsreader.models import Article, Enclosure, article_id_for
from newsreader.to_markdown import article_markdown
from newsreader.ui.widgets.article_view import (
    FAST_PATH_CHARS,
    ArticleView,
    FastMarkdown,
    RelatedBox,
    TagRow,
    estimate_blocks,
)
from newsreader.ui.widgets.coverage import CoverageRow

pytestmark = pytest.mark.anyio


NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
FEEDS = {
    "feed-a": "Example Times",
    "feed-b": "The Daily Wire Service",
    "feed-c": "Abendblatt",
    "feed-h": "[@click=app.quit]Evil[/] Array[int]",
}

BODY_HTML = """
<p>Energy ministers of the European Union met in Brussels on Tuesday to agree on a cap for
wholesale gas prices, after a winter in which bills for households doubled. The proposal,
published in <a href="https://example.org/report">the commission's full report</a>, would
apply from January.</p>
<h2>What happens next</h2>
<p>Member states have until Friday to object. Several of them, led by the Netherlands, want a
review clause; others say the cap is too high to make a difference.</p>
<ul><li>Gas storage is at 94 percent</li><li>Prices fell 8 percent on the news</li></ul>
<blockquote><p>"This is a compromise nobody loves," one diplomat said.</p></blockquote>
<p>Questions? Write to <a href="mailto:desk@example.org">the energy desk</a>.</p>
"""

WORDS_TEXT = (
    "government said Tuesday talks would resume after week protests capital where thousands "
    "gathered minister economy climate energy prices rose sharply analysts expect increases"
)
WORDS = WORDS_TEXT.split()


def long_body(chars: int, seed: int = 7) -> str:
    """Markdown (through article_markdown) of a realistic long article of about `chars`."""
    rnd = random.Random(seed)

    def words(lo: int, hi: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(lo, hi)))

    parts: list[str] = []
    size = 0
    n = 0
    while size < chars * 1.08:
        n += 1
        if n % 9 == 0:
            part = f"<h2>{words(3, 6).capitalize()}</h2>"
        elif n % 11 == 0:
            part = "<ul>" + "".join(f"<li>{words(6, 12)}</li>" for _ in range(3)) + "</ul>"
        else:
            part = (
                f"<p>{words(10, 20).capitalize()} <a href='https://example.org/{n}'>"
                f"{words(2, 4)}</a> <strong>{words(3, 6)}</strong> {words(15, 35)}.</p>"
            )
        parts.append(part)
        size += len(part)
    parts.append("<p>Zebra quokka finale of the long story.</p>")
    return article_markdown("\n".join(parts))


def article(
    n: int,
    *,
    feed_id: str = "feed-a",
    headline: str | None = None,
    hours_ago: float = 0,
    **fields: object,
) -> Article:
    guid = f"https://example.org/news/{n}"
    values: dict[str, object] = {
        "headline": headline or f"Story {n}: EU agrees gas price cap",
        "link": guid,
        "author": "Jane Roe",
        "published": NOW - timedelta(hours=hours_ago),
        "kicker": "Energy crisis",
        "lead": f"Lead {n}: ministers agreed a cap on wholesale gas prices after weeks of talks.",
        "tags": ["Energy", "Gas prices", "European Union"],
        "source": "Example Times",
    }
    values.update(fields)
    return Article(id=article_id_for(feed_id, guid), feed_id=feed_id, guid=guid, **values)  # type: ignore[arg-type]


def related_of(count: int) -> list[tuple[Related, Article]]:
    """The first is the same story, the others share a topic (as the engine puts them)."""
    out = []
    for i in range(1, count + 1):
        other = article(100 + i, feed_id="feed-b", hours_ago=6 * i, headline=f"Related {i}")
        story = i == 1
        reason = "same story: cap, ministers" if story else "topic: Gas prices, cap"
        rel = Related(other.id, 1.0 / i, ["Gas prices"], ["cap", "ministers"], story, reason)
        out.append((rel, other))
    return out


def reports() -> list[Article]:
    """The same story in other feeds, as `Library.coverage` gives it: two from one feed."""
    return [
        article(201, feed_id="feed-b", headline="Copy in the wire"),
        article(202, feed_id="feed-c", headline="Gaspreisdeckel beschlossen"),
        article(203, feed_id="feed-b", headline="Second wire report"),
    ]


class Host(App[None]):
    """One ArticleView filling the screen; records what it posts and what it opens."""

    BINDINGS = [Binding("space", "page_or_next", "Page or next", id="page_or_next")]

    def __init__(self, **view_args: object) -> None:
        super().__init__()
        self.animation_level = "none"  # scrolls land at once: faster, deterministic tests
        self.view_args = view_args
        self.opened: list[str] = []
        self.related: list[str] = []
        self.tags: list[str] = []
        self.notes: list[tuple[str, bool]] = []
        self.fell_through = 0

    def compose(self) -> ComposeResult:
        yield ArticleView(now=lambda: NOW, open_url=self.opened.append, **self.view_args)  # type: ignore[arg-type]

    def notify(self, message: str, *args: object, markup: bool = True, **kw: object) -> None:
        self.notes.append((message, markup))

    def action_page_or_next(self) -> None:
        self.fell_through += 1

    @on(ArticleView.RelatedChosen)
    def _related(self, event: ArticleView.RelatedChosen) -> None:
        assert event.article_view is self.query_one(ArticleView)
        self.related.append(event.article_id)

    @on(ArticleView.TagChosen)
    def _tag(self, event: ArticleView.TagChosen) -> None:
        self.tags.append(event.tag)

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)


def show(
    host: Host,
    art: Article,
    body: str = "",
    related: list[tuple[Related, Article]] | None = None,
    coverage: list[Article] | None = None,
) -> None:
    host.view.show_article(
        art,
        feed_title=FEEDS[art.feed_id],
        body_markdown=body,
        related=related if related is not None else [],
        related_feed_title=FEEDS.__getitem__,
        coverage=coverage or [],
    )


async def settle(pilot, view: ArticleView) -> None:
    """Wait until the body's blocks are mounted and the screen is laid out and painted."""
    for _ in range(500):
        if not view.is_rendering:
            break
        await asyncio.sleep(0.01)
    assert not view.is_rendering
    await pilot.pause()
    await pilot.pause()


def screen_lines(app: App) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def find_on_screen(app: App, text: str) -> tuple[int, int]:
    for y, line in enumerate(screen_lines(app)):
        x = line.find(text)
        if x >= 0:
            return x, y
    raise AssertionError(f"{text!r} is not on screen:\n{screen_text(app)}")


def part(view: ArticleView, name: str):
    return view.query_one(f"#article-{name}")


ORDER = [
    "kicker",
    "headline",
    "dateline",
    "coverage",
    "lead",
    "body",
    "source",
    "tags",
    "enclosures",
    "related",
]


# ---------------------------------------------------------------------- anatomy


async def test_every_part_of_the_news_page_is_shown_in_order():
    host = Host()
    art = article(
        1,
        enclosures=[Enclosure("https://example.org/podcast.mp3", "audio/mpeg", 12_345_678)],
    )
    async with host.run_test(size=(110, 120)) as pilot:
        show(host, art, article_markdown(BODY_HTML), related_of(5), reports())
        await settle(pilot, host.view)
        view = host.view
        assert view.article_id == art.id
        assert not view.fast_path
        assert not part(view, "message").display
        tops = []
        for name in ORDER:
            widget = part(view, name)
            assert widget.display, name
            assert widget.virtual_region.height > 0, name
            tops.append(widget.virtual_region.y)
        assert tops == sorted(tops), dict(zip(ORDER, tops, strict=True))

        text = screen_text(host)
        assert "ENERGY CRISIS" in text  # kicker, small caps-ish
        assert "Story 1: EU agrees gas price cap" in text
        assert "Tue 24 Nov 2026, 15:30 · Example Times · Jane Roe" in text
        assert "Also reported by:  The\u00a0Daily\u00a0Wire\u00a0Service   Abendblatt" in text
        assert "Lead 1: ministers agreed a cap" in text
        assert "What happens next" in text and "Gas storage is at 94 percent" in text
        assert "Source: Example Times  https://example.org/news/1" in text
        assert "#Energy" in text and "#Gas\u00a0prices" in text
        assert "audio/mpeg · 11.8 MB  https://example.org/podcast.mp3" in text
        assert "Related stories" in text
        # Numbered entries: number, short date, headline, feed and teaser, and the reason.
        assert "1  09:30  Related 1" in text
        assert "5  23 Nov Related 5" in text
        assert "The Daily Wire Service · Lead 101: ministers agreed" in text
        assert "same story: cap, ministers" in text and "topic: Gas prices, cap" in text
        assert "why:" not in text and "words:" not in text
        assert view.related_ids == [other.id for _r, other in related_of(5)]
        # The body is Markdown rendered by textual: one widget per block.
        assert len(view.query(MarkdownBlock)) >= 5


async def test_missing_parts_are_hidden_and_show_message_replaces_the_article():
    host = Host()
    bare = article(2, kicker="", lead="", author="", tags=[], source="", link="")
    async with host.run_test(size=(90, 40)) as pilot:
        view = host.view
        await pilot.pause()
        assert view.article_id is None
        assert "No article selected" in screen_text(host)

        show(host, bare, "Just one paragraph.")
        await settle(pilot, view)
        for name in ("kicker", "coverage", "lead", "tags", "enclosures", "related"):
            assert not part(view, name).display, name
        text = screen_text(host)
        assert "Tue 24 Nov 2026, 15:30 · Example Times" in text
        assert "Jane Roe" not in text
        assert "Source: Example Times" in text

        view.show_message("Could not load: [bold]disk full[/]")
        await settle(pilot, view)
        assert view.article_id is None and view.related_ids == [] and view.coverage_ids == []
        assert view.go_to_coverage() is False
        shown = [c.id for c in view.children if c.display]
        assert shown == ["article-message"]
        assert "Could not load: [bold]disk full[/]" in screen_text(host)
        assert view.choose_related(1) is False


async def test_an_article_without_a_date_shows_when_it_was_first_seen():
    host = Host()
    seen = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
    art = article(3, published=datetime(1970, 1, 1, tzinfo=UTC), first_seen=seen)
    async with host.run_test(size=(90, 30)) as pilot:
        show(host, art, "Body.")
        await settle(pilot, host.view)
        assert "Fri 20 Nov 2026, 08:05" in screen_text(host)
        assert "1970" not in screen_text(host)


# ---------------------------------------------------------------------- related stories


async def test_related_box_moves_with_up_down_and_enter_chooses():
    host = Host()
    related = related_of(5)
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, article(1), "Short body.", related)
        await settle(pilot, host.view)
        box = host.view.query_one(RelatedBox)
        box.focus()
        await pilot.press("down", "down", "up", "down", "down", "enter")
        assert host.related == [related[3][1].id]
        await pilot.press("home", "enter")
        assert host.related[-1] == related[0][1].id


async def test_moving_through_the_related_box_scrolls_the_page_to_the_entry():
    host = Host()
    related = related_of(5)
    async with host.run_test(size=(80, 24)) as pilot:
        show(host, article(1), long_body(3_000), related)
        await settle(pilot, host.view)
        assert "Related 5" not in screen_text(host)
        host.view.query_one(RelatedBox).focus()  # textual scrolls a focused widget into view
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert "Related 1" in screen_text(host)
        await pilot.press("down", "down", "down", "down")
        assert "Related 5" in screen_text(host)
        await pilot.press("home")
        assert "Related 1" in screen_text(host)
        await pilot.press("enter")
        assert host.related == [related[0][1].id]


async def test_number_keys_choose_related_stories_directly():
    host = Host()
    related = related_of(5)
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, article(1), "Short body.", related)
        await settle(pilot, host.view)
        host.view.focus()
        await pilot.press("3")
        assert host.related == [related[2][1].id]
        await pilot.press("9")  # there is no story 9: nothing is chosen
        assert host.related == [related[2][1].id]
        host.view.query_one(RelatedBox).focus()
        await pilot.press("5")  # digits work from inside the box too
        assert host.related[-1] == related[4][1].id
        # The main screen binds digits globally and calls choose_related.
        assert host.view.choose_related(1) is True
        assert host.view.choose_related(6) is False
        assert host.view.choose_related(0) is False
        await pilot.pause()
        assert host.related == [related[2][1].id, related[4][1].id, related[0][1].id]


async def test_clicking_a_related_story_chooses_it():
    host = Host()
    related = related_of(3)
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, article(1), "Short body.", related)
        await settle(pilot, host.view)
        x, y = find_on_screen(host, "Related 2")
        await pilot.click(offset=(x + 2, y))
        await pilot.pause()
        assert host.related == [related[1][1].id]


async def test_the_reason_line_marks_the_same_story_apart_from_a_topic():
    host = Host()
    related = related_of(2)
    plain = article(300, feed_id="feed-b", headline="No reason given")
    related.append((Related(plain.id, 0.1, [], []), plain))
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, article(1), "Short body.", related)
        await settle(pilot, host.view)
        entries = host.view.query_one(RelatedBox).entries
        story, topic = entries[0].blocks[-1][0], entries[1].blocks[-1][0]
        assert story.plain == "same story: cap, ministers"
        assert topic.plain == "topic: Gas prices, cap"
        # "same story" stands out (bold, accent); a topic is one muted line.
        assert [str(s.style) for s in story.spans if s.end <= len("same story")] == ["bold $accent"]
        assert not any("bold" in str(s.style) for s in topic.spans)
        # No reason from the engine: no reason line, and never the old tag/word lists.
        assert [b.plain for b, _ in entries[2].blocks][-1].startswith("The Daily Wire Service")
        assert "Gas prices; " not in screen_text(host)


# ---------------------------------------------------------------------- also reported by


async def test_also_reported_by_names_each_other_feed_once_and_opens_by_keys():
    host = Host()
    others = reports()
    async with host.run_test(size=(100, 40)) as pilot:
        show(host, article(1), "Short body.", related_of(2), others)
        await settle(pilot, host.view)
        view = host.view
        row = view.query_one(CoverageRow)
        # One chip per feed: the first report of each (copies come first from the engine).
        assert row.labels == ["The Daily Wire Service", "Abendblatt"]
        assert view.coverage_ids == [others[0].id, others[1].id]
        # The main screen's key: focus the row, then each press moves to the next feed.
        assert view.go_to_coverage() is True
        await pilot.pause()
        assert row.has_focus and row.cursor == 0
        await pilot.press("enter")
        assert view.go_to_coverage() is True
        await pilot.pause()
        assert row.cursor == 1
        await pilot.press("enter")
        await pilot.press("right", "enter")  # wraps round to the first
        await pilot.press("left", "enter")
        await pilot.pause()
        expected = [others[0].id, others[1].id, others[0].id, others[1].id]
        assert host.related == expected
        # A click on a chip opens it too.
        x, y = find_on_screen(host, "Abendblatt")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert host.related[-1] == others[1].id
        # An article nobody else reported: no row, and the key says so (False).
        show(host, article(2), "Short body.")
        await settle(pilot, view)
        assert not row.display and view.coverage_ids == []
        assert view.go_to_coverage() is False
        assert "Also reported by" not in screen_text(host)


async def test_a_chip_that_does_not_fit_starts_the_next_line_whole():
    host = Host()
    async with host.run_test(size=(50, 30)) as pilot:
        show(host, article(1), "Short body.", [], reports())
        await settle(pilot, host.view)
        lines = [line.rstrip() for line in screen_lines(host)]
        first = next(i for i, line in enumerate(lines) if "Also reported by:" in line)
        assert lines[first].endswith("The\u00a0Daily\u00a0Wire\u00a0Service")
        assert lines[first + 1].strip() == "Abendblatt"
        row = host.view.query_one(CoverageRow)
        assert row.size.height == 2


async def test_tab_reaches_also_reported_by_from_the_article():
    host = Host()
    async with host.run_test(size=(100, 40)) as pilot:
        show(host, article(1), "Short body.", [], reports())
        await settle(pilot, host.view)
        host.view.focus()
        await pilot.press("tab")
        assert host.focused is host.view.query_one(CoverageRow)
        await pilot.press("enter")
        assert host.related == [reports()[0].id]


# ---------------------------------------------------------------------- tags


async def test_tags_are_chips_you_move_through_and_choose():
    host = Host()
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, article(1), "Short body.")
        await settle(pilot, host.view)
        row = host.view.query_one(TagRow)
        assert row.tags == ["Energy", "Gas prices", "European Union"]
        row.focus()
        await pilot.press("enter")
        await pilot.press("right", "enter")
        await pilot.press("right", "right", "enter")  # wraps around to the first
        await pilot.press("left", "enter")
        await pilot.pause()
        assert host.tags == ["Energy", "Gas prices", "Energy", "European Union"]

        x, y = find_on_screen(host, "#European")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert host.tags[-1] == "European Union"


# ---------------------------------------------------------------------- links


@pytest.mark.parametrize("fast", [False, True], ids=["markdown", "fast"])
async def test_clicking_body_links_opens_only_http_links(fast):
    host = Host(fast_path_chars=0 if fast else FAST_PATH_CHARS)
    async with host.run_test(size=(110, 60)) as pilot:
        show(host, article(1), article_markdown(BODY_HTML))
        await settle(pilot, host.view)
        assert host.view.fast_path is fast
        x, y = find_on_screen(host, "full report")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert host.opened == ["https://example.org/report"]

        x, y = find_on_screen(host, "energy desk")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert host.opened == ["https://example.org/report"]
        assert host.notes == [("Not opening mailto link", False)]


async def test_unsafe_link_schemes_never_reach_open_url():
    host = Host()
    async with host.run_test(size=(100, 40)) as pilot:
        show(host, article(1), article_markdown(BODY_HTML))
        await settle(pilot, host.view)
        body = host.view.query_one("#article-body", Markdown)
        for href in (
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:a@example.org",
            "https:no-host",
            "data:text/html,x",
        ):
            body.post_message(Markdown.LinkClicked(body, href))
        await pilot.pause()
        # The fast path's click action lands on the same check.
        fast = host.view.query_one(FastMarkdown)
        await fast.run_action("follow_link('javascript:alert(2)')")
        await fast.run_action("follow_link('file:///etc/shadow')")
        body.post_message(Markdown.LinkClicked(body, "https://example.org/ok"))
        await pilot.pause()
        assert host.opened == ["https://example.org/ok"]
        assert [m for m, _ in host.notes] == [
            "Not opening javascript link",
            "Not opening file link",
            "Not opening mailto link",
            "Not opening https link",
            "Not opening data link",
            "Not opening javascript link",
            "Not opening file link",
        ]
        assert all(markup is False for _, markup in host.notes)


async def test_source_and_enclosure_links_open_in_the_browser():
    host = Host()
    art = article(4, enclosures=[Enclosure("https://example.org/ep4.mp3", "audio/mpeg", 0)])
    async with host.run_test(size=(100, 60)) as pilot:
        show(host, art, "Body.")
        await settle(pilot, host.view)
        x, y = find_on_screen(host, "https://example.org/news/4")
        await pilot.click(offset=(x + 3, y))
        x, y = find_on_screen(host, "https://example.org/ep4.mp3")
        await pilot.click(offset=(x + 3, y))
        await pilot.pause()
        assert host.opened == ["https://example.org/news/4", "https://example.org/ep4.mp3"]


# ---------------------------------------------------------------------- hostile text

HOSTILE = ["[/]", "[@click=app.quit]x[/]", "Array[int]", "[b]not bold[/b]"]


@pytest.mark.parametrize("fast", [False, True], ids=["markdown", "fast"])
async def test_hostile_feed_text_is_shown_literally_and_runs_nothing(fast):
    host = Host(fast_path_chars=0 if fast else FAST_PATH_CHARS)
    art = article(
        9,
        headline="[@click=app.quit]x[/] headline Array[int]",
        kicker="[/] kicker",
        lead="Lead [b]not bold[/b] [@click=app.quit]x[/]",
        author="[/]",
        tags=["[/]", "[@click=app.quit]x[/]", "Array[int]"],
        source="[red]Source[/red]",
    )
    other = article(10, feed_id="feed-b", headline="[@click=app.quit]x[/]", lead="Array[int]")
    reason = "same story: [/], [@click=app.quit]x[/]"
    rel = [(Related(other.id, 1.0, ["[/]"], ["[@click=app.quit]x[/]"], True, reason), other)]
    evil = article(11, feed_id="feed-h", headline="Evil copy")
    body = article_markdown("<p>Body [@click=app.quit]x[/] and Array[int] and [/]</p>")
    async with host.run_test(size=(110, 60)) as pilot:
        show(host, art, body, rel, [evil])
        await settle(pilot, host.view)
        text = screen_text(host)
        assert "[@click=app.quit]x[/] headline Array[int]" in text
        assert "[@click=app.quit]Evil[/]\u00a0Array[int]" in text
        assert "[/] KICKER" in text
        assert "Lead [b]not bold[/b] [@click=app.quit]x[/]" in text
        assert "Source: [red]Source[/red]" in text
        assert "#[/]" in text and "#[@click=app.quit]x[/]" in text and "#Array[int]" in text
        assert "Body [@click=app.quit]x[/] and Array[int] and [/]" in text
        assert "same story: [/], [@click=app.quit]x[/]" in text
        # Click on every hostile piece: the app keeps running.
        for piece in (
            "[@click=app.quit]x[/] headline",
            "[/] KICKER",
            "Lead [b]",
            "Body [@click",
            "#[@click",
            "[@click=app.quit]Evil",
        ):
            x, y = find_on_screen(host, piece)
            await pilot.click(offset=(x + 2, y))
            await pilot.pause()
        assert host.is_running and host.return_code is None
        assert host.opened == []
        assert host.related == [evil.id]  # the chip opens the report, and nothing else runs


# ---------------------------------------------------------------------- scrolling


@pytest.mark.parametrize(
    ("chars", "target"), [(9_000, 25), (100_000, 900)], ids=["markdown", "fast"]
)
async def test_restore_scroll_puts_the_article_back_where_it_was(chars, target):
    host = Host()
    body = long_body(chars)
    async with host.run_test(size=(80, 24)) as pilot:
        view = host.view
        show(host, article(1), body, related_of(3))
        view.restore_scroll(target)  # before the body is laid out, as the main screen does
        await settle(pilot, view)
        assert view.fast_path is (chars > FAST_PATH_CHARS)
        assert view.max_scroll_y > target
        assert view.scroll_y == target

        # A new article starts at the top; restoring after layout works too.
        show(host, article(2), body)
        await settle(pilot, view)
        assert view.scroll_y == 0
        view.restore_scroll(target // 2)
        await settle(pilot, view)
        assert view.scroll_y == target // 2


async def test_space_pages_down_then_falls_through_to_the_screen():
    host = Host()
    async with host.run_test(size=(80, 24)) as pilot:
        view = host.view
        show(host, article(1), long_body(3_000))
        await settle(pilot, view)
        view.focus()
        await pilot.press("space")
        assert view.scroll_y > 0 and host.fell_through == 0
        for _ in range(40):
            if view.scroll_y >= view.max_scroll_y:
                break
            await pilot.press("space")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("space")
        assert host.fell_through == 1


# ---------------------------------------------------------------------- long articles


async def test_a_100kb_article_takes_the_fast_path_and_shows_at_once():
    host = Host()
    body = long_body(100_000)
    assert len(body) > 100_000 and estimate_blocks(body) > 300
    async with host.run_test(size=(100, 40)) as pilot:
        view = host.view
        started = time.perf_counter()
        show(host, article(1), body, related_of(5))
        await settle(pilot, view)
        elapsed = time.perf_counter() - started
        assert view.fast_path
        assert not part(view, "body").display and part(view, "body-fast").display
        assert len(view.query(MarkdownBlock)) == 0  # no per-block widgets were mounted
        # textual's Markdown needs >1 s for this; the fast path ~0.15 s (generous bound).
        assert elapsed < 2.0, elapsed
        lines = view.query_one(FastMarkdown).lines
        assert any("Zebra quokka finale" in line for line in lines)
        assert part(view, "related").display
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert "Related stories" in screen_text(host)

        # Back to a short article: the Markdown widget again, the long body dropped.
        show(host, article(2), article_markdown(BODY_HTML))
        await settle(pilot, view)
        assert not view.fast_path and view.query_one(FastMarkdown).source == ""
        assert "What happens next" in screen_text(host)


def test_threshold_picks_the_path_by_length_and_blocks():
    assert estimate_blocks("") == 0
    assert estimate_blocks("one") == 1
    assert estimate_blocks("a\n\nb\n\n- x\n- y\n1. z") == 6
    assert len(long_body(26_000)) > FAST_PATH_CHARS


# ---------------------------------------------------------------- images in the body

IMAGE_BODY_HTML = (
    "<p>Before the picture.</p>"
    '<figure><img src="https://img.example.org/train.png" alt="A train in the station">'
    "</figure><p>After the picture.</p>"
    '<p><img src="https://img.example.org/missing.png" alt="Not kept"></p>'
)


def image_host(tmp_path, show_mode: str) -> Host:
    from sample_pages import png

    kept = tmp_path / "train.png"
    kept.write_bytes(png(120, 80))
    files = {"https://img.example.org/train.png": kept}
    return Host(image_path=files.get, image_show=show_mode)


async def test_images_are_one_line_with_their_alt_text_where_pictures_are_off(tmp_path):
    host = image_host(tmp_path, "off")
    async with host.run_test(size=(100, 40)) as pilot:
        show(host, article(1), article_markdown(IMAGE_BODY_HTML))
        await settle(pilot, host.view)
        text = screen_text(host)
        assert "▣ A train in the station  (images off)" in text
        assert "▣ Not kept  (not saved offline)" in text
        assert text.index("Before the picture") < text.index("A train") < text.index("After")
        x, y = find_on_screen(host, "A train in the station")
        await pilot.click(offset=(x + 2, y))
        await pilot.pause()
        assert host.opened == ["https://img.example.org/train.png"]


async def test_a_kept_image_is_drawn_in_the_body(tmp_path):
    pytest.importorskip("textual_image")
    import textual_image.widget  # what the CLI imports before the app starts

    from newsreader.ui.widgets.article_image import ArticleImage

    host = image_host(tmp_path, "blocks")
    async with host.run_test(size=(100, 50)) as pilot:
        show(host, article(1), article_markdown(IMAGE_BODY_HTML))
        await settle(pilot, host.view)
        for _ in range(200):  # decoding runs in a thread
            if host.view.query(textual_image.widget.HalfcellImage):
                break
            await asyncio.sleep(0.02)
        (picture,) = host.view.query(textual_image.widget.HalfcellImage)
        await pilot.pause()
        assert picture.region.height >= 3 and picture.region.width >= 10
        images = list(host.view.query(ArticleImage))
        assert [i.alt for i in images] == ["A train in the station", "Not kept"]
        assert "▣ Not kept  (not saved offline)" in screen_text(host)
    # Without a graphics protocol (none in a test), "auto" keeps to the line and says why.
    auto = image_host(tmp_path, "auto")
    async with auto.run_test(size=(100, 40)) as pilot:
        show(auto, article(1), article_markdown(IMAGE_BODY_HTML))
        await settle(pilot, auto.view)
        assert "(kept offline; no pictures on this terminal)" in screen_text(auto)
