"""Full text for teaser-only feeds, from article pages served on loopback: what is kept, what
is dropped, once per article, offline afterwards, and hostile pages costing one article only."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsreader.config import Settings
from newsreader.ingest.extract import extract_page
from newsreader.ingest.fulltext import FullText, is_teaser, mode_of
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.models import Article
from sample_feeds import item, rss
from sample_pages import PARAGRAPHS, news_page, png, teaser


def settings(**full_text) -> Settings:
    s = Settings(parse_workers=1)
    s.full_text.default = full_text.get("default", "auto")
    return s


@pytest.fixture
def lib(tmp_path: Path):
    with Library.open(tmp_path / "data", settings=settings()) as library:
        yield library


def test_a_teaser_only_feed_gets_the_articles_paragraphs_and_keeps_them_offline(
    feed_server, lib: Library
) -> None:
    for n in (1, 2):
        feed_server.route(f"/story/{n}", news_page(n), content_type="text/html; charset=utf-8")
    feed_server.route(
        "/feed.xml", rss("Teaser News", [teaser(n, feed_server.url(f"/story/{n}")) for n in (1, 2)])
    )
    lib.add_feed(feed_server.url("/feed.xml"))
    summary = refresh_sync(lib)
    assert summary.pages.fetched == 2 and summary.pages.failed == 0, summary.pages
    assert "2 full texts" in summary.line()
    feed_server.stop()  # offline from here on
    for article in lib.articles.values():
        assert article.extracted and not article.extract_error
        text = lib.body_markdown(article)
        for paragraph in PARAGRAPHS:
            assert paragraph[:60] in text.replace("\n", " ")
        assert "guter Tag für alle Pendler" in text  # the quote stays
        assert "Kein zweiter Streik" not in text  # the page's headline: shown above already
        assert "/img/" in lib.body_html(article)  # the lazy-loaded image, by its real URL
        for junk in ("Startseite", "Meistgelesen", "Cookies", "ANZEIGE", "Leser123", "Impressum"):
            assert junk not in text, junk
        assert article.lead == "Gewerkschaft und Bahn haben sich geeinigt."  # the feed's teaser


def test_each_page_is_fetched_once_and_a_later_refresh_keeps_the_text(
    feed_server, lib: Library
) -> None:
    feed_server.route("/story/1", news_page(1), content_type="text/html")
    feed_server.route("/feed.xml", rss("Teaser News", [teaser(1, feed_server.url("/story/1"))]))
    lib.add_feed(feed_server.url("/feed.xml"))
    refresh_sync(lib)
    assert len(feed_server.requests("/story/1")) == 1
    second = refresh_sync(lib)
    assert len(feed_server.requests("/story/1")) == 1 and second.pages.reports == []
    (article,) = lib.articles.values()
    assert article.extracted and PARAGRAPHS[0][:40] in lib.body_markdown(article)


def test_never_and_full_feeds_fetch_no_page(feed_server, tmp_path: Path) -> None:
    feed_server.route("/story/1", news_page(1), content_type="text/html")
    full = item(2, body="".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    full["link"] = feed_server.url("/story/2")
    feed_server.route("/teaser.xml", rss("T", [teaser(1, feed_server.url("/story/1"))]))
    feed_server.route("/full.xml", rss("F", [full]))
    with Library.open(tmp_path / "data", settings=settings(default="auto")) as lib:
        teasers = lib.add_feed(feed_server.url("/teaser.xml"))
        lib.add_feed(feed_server.url("/full.xml"))
        lib.set_full_text(teasers, FullText.NEVER)
        summary = refresh_sync(lib)
    assert summary.pages.reports == []  # the full feed's body is whole; the other says never
    assert feed_server.requests("/story/1") == [] and feed_server.requests("/story/2") == []


def test_the_feeds_own_setting_wins_over_the_config(tmp_path: Path) -> None:
    with Library.open(tmp_path / "data", settings=settings(default="never")) as lib:
        feed = lib.add_feed("https://example.org/feed.xml")
        assert mode_of(lib, feed) is FullText.NEVER
        lib.settings.full_text.feeds[feed.url] = "auto"
        assert mode_of(lib, feed) is FullText.AUTO
        lib.set_full_text(feed, FullText.ALWAYS)
        assert mode_of(lib, lib.feeds[feed.id]) is FullText.ALWAYS


def test_a_teaser_is_a_body_not_much_longer_than_the_lead() -> None:
    art = Article(id="a", feed_id="f", guid="a", headline="H", lead="Kurz gesagt: " * 5)
    assert is_teaser(art, "")
    assert is_teaser(art, f"<p>{art.lead}</p><p>Mehr dazu.</p>")
    assert not is_teaser(art, "".join(f"<p>{p}</p>" for p in PARAGRAPHS))


@pytest.mark.parametrize(
    ("name", "route", "expect"),
    [
        (
            "slow",
            {"body": "<html>" + "x" * 100, "stall_after": 10, "content_type": "text/html"},
            "timed out",
        ),
        (
            "huge",
            {"body": b"<p>" + b"a" * (6 * 1024 * 1024), "content_type": "text/html"},
            "larger than",
        ),
        (
            "to-file",
            {"status": 302, "location": "file:///etc/passwd", "content_type": None},
            "redirect",
        ),
        ("not-html", {"body": b"%PDF-1.4", "content_type": "application/pdf"}, "not a web page"),
        ("gone", {"status": 404, "content_type": "text/html"}, "404"),
        (
            "nested",
            {
                "body": "<div>" * 50_000 + "<p>deep</p>" + "</div>" * 50_000,
                "content_type": "text/html",
            },
            "no article text",
        ),
    ],
)
def test_a_hostile_page_costs_only_its_article(feed_server, tmp_path: Path, name, route, expect):
    feed_server.route("/good", news_page(1), content_type="text/html")
    feed_server.route("/bad", **route)
    items = [teaser(1, feed_server.url("/good")), teaser(2, feed_server.url("/bad"))]
    feed_server.route("/feed.xml", rss("Mixed", items))
    s = settings()
    s.timeout = 3.0
    with Library.open(tmp_path / "data", settings=s) as lib:
        lib.add_feed(feed_server.url("/feed.xml"))
        started = time.monotonic()
        summary = refresh_sync(lib)
        took = time.monotonic() - started
        assert summary.failures == []  # the feed itself is fine
        by_headline = {a.headline: a for a in lib.articles.values()}
        good, bad = (
            by_headline["Einigung im Tarifstreit 1"],
            by_headline["Einigung im Tarifstreit 2"],
        )
        assert good.extracted
        assert not bad.extracted and expect in bad.extract_error.lower(), bad.extract_error
        assert bad.lead  # the teaser is still there to read
    assert took < 15, took


def test_extract_page_drops_scripts_and_keeps_links_absolute() -> None:
    page = news_page(7).replace(
        PARAGRAPHS[0], PARAGRAPHS[0] + ' <a href="/weiter">Weiterlesen</a><script>alert(1)</script>'
    )
    got = extract_page(page.encode(), "https://news.example.org/a/7", "text/html")
    assert got.error is None
    assert "<script" not in got.html and "alert(1)" not in got.html
    assert 'href="https://news.example.org/weiter"' in got.html


def test_the_cli_sets_a_feed_to_full_text_and_fetches_on_demand(feed_server, data_dir, capsys):
    from newsreader import cli

    feed_server.route("/story/1", news_page(1), content_type="text/html")
    feed_server.route("/feed.xml", rss("Teaser News", [teaser(1, feed_server.url("/story/1"))]))
    assert cli.main(["add", feed_server.url("/feed.xml")]) == 0
    assert cli.main(["refresh", "-q"]) == 0  # the config's default: never
    assert feed_server.requests("/story/1") == []
    capsys.readouterr()
    assert cli.main(["feed", "1", "--full-text", "auto"]) == 0
    assert "full text auto" in capsys.readouterr().out
    assert cli.main(["list"]) == 0
    capsys.readouterr()
    with Library.open(data_dir) as lib:
        (article,) = lib.articles.values()
    # On demand: the page now, whatever the setting; `show` then prints the paragraphs.
    feed_server.route("/img/1.jpg", png(20, 10), content_type="image/png")
    assert cli.main(["fetch-text", article.id[:8]]) == 0
    assert "full text stored, 1 of 1 images kept" in capsys.readouterr().out
    assert cli.main(["show", article.id[:8]]) == 0
    shown = capsys.readouterr().out
    assert PARAGRAPHS[1][:50] in shown.replace("\n", " ")
    assert "Full text from the article's page" in shown and "Leser123" not in shown
    # The page gone: one line per article, exit 1; the text fetched before stays, with why
    # fetching it again failed.
    feed_server.route("/story/1", "", status=404, content_type="text/html")
    assert cli.main(["fetch-text", article.id[:8]]) == 1
    assert "failed: HTTP 404" in capsys.readouterr().out
    assert cli.main(["show", article.id[:8]]) == 0
    shown = capsys.readouterr().out
    assert PARAGRAPHS[1][:50] in shown.replace("\n", " ")
    assert "fetching it again failed: HTTP 404" in shown
