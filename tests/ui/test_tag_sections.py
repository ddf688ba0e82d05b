"""The tag pane's sections in the whole reader: the user's tags, the feeds' topics, the fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import ui_fixtures
from newsreader.library import Library, TagCount
from newsreader.models import Article, Feed, tag_key
from newsreader.store import Batch
from newsreader.ui.widgets.article_view import ArticleView
from newsreader.ui.widgets.headline_list import HeadlineList
from newsreader.ui.widgets.tag_pane import MORE, TOPICS_FOLDED, TOPICS_HEADER, TagPane
from newsreader.views import View
from ui_fixtures import FROZEN_NOW, make_app

pytestmark = pytest.mark.anyio


def view_keys(pane) -> list[str]:  # noqa: ANN001
    return [v.key for v in pane.views]


def article(feed: Feed, n: int, tags: list[str], *, read: bool = False) -> Article:
    return Article(
        id=f"{feed.id}-{n}",
        feed_id=feed.id,
        guid=str(n),
        headline=f"Story {n}",
        published=FROZEN_NOW - timedelta(hours=n),
        tags=tags,
        read=read,
        first_seen=datetime(2026, 11, 20, tzinfo=UTC),
    )


def test_tag_counts_mark_the_users_tags(tmp_path) -> None:
    with Library.open(tmp_path / "data", settings=ui_fixtures.test_settings()) as lib:
        heise = Feed.new("https://heise.example/atom", tags=["Tech", "Deutsch"])
        guardian = Feed.new("https://guardian.example/rss", tags=["english"])
        quiet = Feed.new("https://quiet.example/rss", tags=["Later"])
        arts = [
            article(heise, 1, ["Tech", "Deutsch"]),
            article(heise, 2, ["Tech", "Deutsch"], read=True),
            article(guardian, 1, ["Politics", "UK news", "English"]),
            article(guardian, 2, ["politics", "English"], read=True),
            article(guardian, 3, ["POLITICS ", "tech", "English"]),
        ]
        lib.commit(Batch(feeds=[heise, guardian, quiet], articles=arts))
        counts = {tc.tag: tc for tc in lib.tag_counts()}
        assert counts == {
            "Tech": TagCount("Tech", total=3, unread=2, user=True, key="tech"),
            "Deutsch": TagCount("Deutsch", total=2, unread=1, user=True, key="deutsch"),
            # The user's spelling, though the articles have the feed's.
            "english": TagCount("english", total=3, unread=2, user=True, key="english"),
            # Listed before any article has it.
            "Later": TagCount("Later", total=0, unread=0, user=True, key="later"),
            "Politics": TagCount("Politics", total=3, unread=2, key="politics"),
            "UK news": TagCount("UK news", total=1, unread=1, key="uk news"),
        }


async def choose(pilot, pane: TagPane, row_id: str) -> None:
    pane.focus()
    pane.highlighted = pane.get_option_index(row_id)
    await pilot.press("enter")
    await pilot.pause()


async def test_choosing_a_topic_filters_the_headlines(data, tmp_path) -> None:
    app = make_app(data, tmp_path)
    async with app.run_test(size=(150, 42)) as pilot:
        await pilot.pause()
        lib = app.library
        pane = app.screen.query_one(TagPane)
        headlines = app.screen.query_one(HeadlineList)
        user = [v for v in view_keys(pane) if v.startswith("tag:")][:6]
        assert user == [
            f"tag:{t}" for t in ("Demo", "Deutsch", "English", "Radio", "Regional", "Tech")
        ]
        topics = [v for v in view_keys(pane) if v.startswith("tag:")][6:]
        assert len(topics) == TOPICS_FOLDED and pane.hidden_topics > 0
        lines = [pane.render_line(y).text.strip() for y in range(pane.virtual_size.height)]
        assert TOPICS_HEADER in lines and f"… {pane.hidden_topics} more" in lines
        # The busiest topic first, with its unread count; choosing it filters the list.
        counts = {tag_key(tc.tag): tc for tc in lib.tag_counts()}
        first = counts[tag_key(topics[0][4:])]
        assert first.unread == max(tc.unread for tc in counts.values() if not tc.user)
        await choose(pilot, pane, topics[0])
        assert app.screen.view.key == topics[0]
        shown = headlines.articles
        assert len(shown) == first.total == first.unread
        assert all(tag_key(first.tag) in {tag_key(t) for t in a.tags} for a in shown)
        # A topic from the folded tail: expand, choose the first revealed one.
        await choose(pilot, pane, MORE)
        revealed = pane.highlighted_view
        assert revealed is not None and revealed not in topics
        await choose(pilot, pane, revealed)
        assert app.screen.view.key == revealed
        assert {a.id for a in headlines.articles} == {a.id for a in lib.with_tag(revealed[4:])}


async def test_an_articles_folded_topic_is_shown_in_the_pane(data, tmp_path) -> None:
    app = make_app(data, tmp_path)
    async with app.run_test(size=(150, 42)) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(TagPane)
        view = app.screen.query_one(ArticleView)
        ranked = sorted(
            (tc for tc in app.library.tag_counts() if not tc.user),
            key=lambda t: (-t.unread, -t.total, t.tag.casefold()),
        )
        tail = ranked[-1].tag
        assert f"tag:{tail}" not in view_keys(pane)
        view.post_message(ArticleView.TagChosen(view, tail.upper()))
        await pilot.pause()
        assert pane.view.key == f"tag:{tail}" == pane.highlighted_view
        assert f"tag:{tail}" in view_keys(pane)
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.articles and all(
            tag_key(tail) in {tag_key(t) for t in a.tags} for a in headlines.articles
        )


async def test_marks_update_the_counts_and_rows_change_in_place(data, tmp_path) -> None:
    """A mark changes counts; when the rows stay the same (a star here; marking read may reorder
    the busiest topics), the pane replaces the changed rows' text instead of rebuilding every
    row (~150 ms per key press with 2,000 feeds), and the highlight stays put."""
    app = make_app(data, tmp_path)
    async with app.run_test(size=(150, 42)) as pilot:
        await ui_fixtures.settle(pilot)
        pane = app.screen.query_one(TagPane)
        headlines = app.screen.query_one(HeadlineList)
        art = app.library.articles[headlines.article_id or ""]
        feed_key = f"feed:{art.feed_id}"

        def row(key: str) -> str:
            return str(pane.get_option(key).prompt.plain)  # type: ignore[attr-defined]

        unread_before = app.library.unread_counts()[art.feed_id]
        assert not art.read and row(feed_key).endswith(f" {unread_before}")
        await pilot.press("m")
        await ui_fixtures.settle(pilot)
        assert art.read and row(feed_key).endswith(f" {unread_before - 1}")
        assert row(View.UNREAD.key).endswith(f" {sum(app.library.unread_counts().values())}")
        highlighted = pane.highlighted_view
        before = [pane.get_option_at_index(i) for i in range(pane.option_count)]
        starred = sum(1 for a in app.library.articles.values() if a.starred)
        await pilot.press("s")
        await ui_fixtures.settle(pilot)
        assert art.starred and row(View.STARRED.key).endswith(f" {starred + 1}")
        after = [pane.get_option_at_index(i) for i in range(pane.option_count)]
        assert len(after) == len(before) and all(a is b for a, b in zip(after, before, strict=True))
        assert pane.highlighted_view == highlighted
