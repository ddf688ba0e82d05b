"""Article images kept for offline reading: fetched with the page's text, checked from their
header before anything decodes them, pruned with their articles, and drawn (or named in one
line) by the reader; hostile images cost that image alone."""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from newsreader import image_cache
from newsreader.config import Settings
from newsreader.ingest.images import image_urls
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.to_markdown import article_markdown
from sample_feeds import rss
from sample_pages import news_page, png, png_bomb, teaser


def settings(**images) -> Settings:
    s = Settings(parse_workers=1)
    s.full_text.default = "auto"
    for key, value in images.items():
        setattr(s.images, key, value)
    return s


def page_with_images(n: int, srcs: list[str]) -> str:
    figures = "".join(
        f'<figure><img src="{src}" alt="Bild {i}"><figcaption>Bild {i}</figcaption></figure>'
        for i, src in enumerate(srcs)
    )
    page = news_page(n)
    start = page.index("<figure>")
    end = page.index("</figure>") + len("</figure>")
    return page[:start] + figures + page[end:]


# ---------------------------------------------------------------- the header check


def test_sizes_come_from_the_header_without_decoding() -> None:
    assert image_cache.sniff(png(40, 30)) == image_cache.ImageInfo("png", 40, 30)
    assert image_cache.sniff(b"GIF89a\x10\x00\x08\x00" + bytes(20)).width == 16
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03"
        + bytes(12)
    )
    assert image_cache.sniff(jpeg) == image_cache.ImageInfo("jpeg", 640, 480)
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8X" + bytes(8) + (799).to_bytes(3, "little")
    webp += (599).to_bytes(3, "little")
    assert image_cache.sniff(webp) == image_cache.ImageInfo("webp", 800, 600)
    for not_one in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"", b"\xff\xd8\xff"):
        with pytest.raises(image_cache.ImageRefused):
            image_cache.sniff(not_one)
    with pytest.raises(image_cache.ImageRefused, match="50000 x 50000"):
        image_cache.sniff(png(2, 2, claim=(50_000, 50_000)))


def test_a_body_names_its_images_in_order_http_only() -> None:
    html = (
        '<p><img src="https://a.example/1.jpg?x=1&amp;y=2" alt="a"></p>'
        '<img data-src="http://b.example/2.png"><img src="file:///etc/passwd">'
        '<img src="https://a.example/1.jpg?x=1&amp;y=2"><img src="javascript:alert(1)">'
    )
    assert image_urls(html, 8) == ["https://a.example/1.jpg?x=1&y=2", "http://b.example/2.png"]
    assert image_urls(html, 1) == ["https://a.example/1.jpg?x=1&y=2"]


def test_an_image_in_a_paragraph_becomes_its_own_block() -> None:
    markdown = article_markdown('<p>Vorher <img src="https://a.example/x.png" alt="X"> nachher</p>')
    assert "\n\n![X](https://a.example/x.png)\n\n" in markdown
    linked = article_markdown(
        '<a href="https://a.example/"><img src="https://a.example/x.png"></a>'
    )
    assert "[![](https://a.example/x.png)](https://a.example/)" in linked


# ---------------------------------------------------------------- fetched with the text


def test_a_full_text_article_keeps_its_image_offline(feed_server, tmp_path: Path) -> None:
    feed_server.route("/story/1", news_page(1), content_type="text/html; charset=utf-8")
    feed_server.route("/img/1.jpg", png(64, 48), content_type="image/png")
    feed_server.route("/feed.xml", rss("Teaser News", [teaser(1, feed_server.url("/story/1"))]))
    with Library.open(tmp_path / "data", settings=settings()) as lib:
        lib.add_feed(feed_server.url("/feed.xml"))
        summary = refresh_sync(lib)
        assert summary.pages.images.fetched == 1 and "1 images" in summary.line()
        (article,) = lib.articles.values()
        url = feed_server.url("/img/1.jpg")
        assert article.images == [url]
        assert f"![Ein Zug im Bahnhof]({url})" in lib.body_markdown(article)
        # A second refresh fetches neither the page nor the image again, and keeps both.
        refresh_sync(lib)
        assert len(feed_server.requests("/img/1.jpg")) == 1
    feed_server.stop()
    with Library.open(tmp_path / "data", settings=settings()) as lib:
        (article,) = lib.articles.values()
        assert article.images == [url]
        path = lib.image_file(url)
        assert path is not None and path.read_bytes() == png(64, 48)


def test_never_fetches_no_image_and_always_takes_the_feeds_own(feed_server, tmp_path) -> None:
    feed_server.route("/story/1", news_page(1), content_type="text/html")
    feed_server.route("/img/1.jpg", png(8, 8), content_type="image/png")
    feed_server.route("/feed.xml", rss("T", [teaser(1, feed_server.url("/story/1"))]))
    with Library.open(tmp_path / "a", settings=settings(fetch="never")) as lib:
        lib.add_feed(feed_server.url("/feed.xml"))
        refresh_sync(lib)
        (article,) = lib.articles.values()
        assert article.extracted and article.images == []
    assert feed_server.requests("/img/1.jpg") == []
    full = teaser(2, feed_server.url("/story/2"))
    full["body"] = f'<p>Text</p><img src="{feed_server.url("/img/1.jpg")}" alt="x">'
    feed_server.route("/full.xml", rss("F", [full]))
    s = settings(fetch="always")
    s.full_text.default = "never"
    with Library.open(tmp_path / "b", settings=s) as lib:
        lib.add_feed(feed_server.url("/full.xml"))
        refresh_sync(lib)
        (article,) = lib.articles.values()
        assert article.images == [feed_server.url("/img/1.jpg")]
        refresh_sync(lib)  # tried once per article
    assert len(feed_server.requests("/img/1.jpg")) == 1


def test_hostile_images_cost_that_image_alone(feed_server, tmp_path: Path) -> None:
    hostile = {
        "/img/good.png": ({"body": png(32, 24), "content_type": "image/png"}, None),
        "/img/bomb.png": (
            {"body": png_bomb(30_000, 30_000), "content_type": "image/png"},
            "too large to show",
        ),
        "/img/huge.png": (
            {"body": png(4, 4, claim=(50_000, 50_000)), "content_type": "image/png"},
            "too large to show",
        ),
        "/img/gzip-bomb.png": (
            {
                "body": gzip.compress(bytes(64 * 1024 * 1024), 9),
                "content_encoding": "gzip",
                "content_type": "image/png",
            },
            "larger than",
        ),
        "/img/big.png": (
            {"body": png(8, 8) + bytes(6 * 1024 * 1024), "content_type": "image/png"},
            "larger than",
        ),
        "/img/to-file.png": (
            {"status": 302, "location": "file:///etc/passwd", "content_type": None},
            "redirect",
        ),
        "/img/slow.png": ({"body": png(8, 8), "stall_after": 20}, "timed out"),
        "/img/html.png": ({"body": b"<html>nope</html>", "content_type": "text/html"}, "known"),
        "/img/gone.png": ({"status": 404, "content_type": None}, "404"),
    }
    for path, (route, _) in hostile.items():
        feed_server.route(path, **route)
    srcs = [feed_server.url(p) for p in hostile]
    feed_server.route("/story/1", page_with_images(1, srcs), content_type="text/html")
    feed_server.route("/feed.xml", rss("T", [teaser(1, feed_server.url("/story/1"))]))
    s = settings(max_per_article=len(srcs))
    s.timeout = 3.0
    with Library.open(tmp_path / "data", settings=s) as lib:
        lib.add_feed(feed_server.url("/feed.xml"))
        tracemalloc.start()
        started = time.monotonic()
        summary = refresh_sync(lib)
        took = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        (article,) = lib.articles.values()
        assert article.extracted and summary.failures == []  # text and feed unharmed
        assert article.images == [feed_server.url("/img/good.png")]
        errors = {r.url.rsplit("/", 1)[1]: r.error for r in summary.pages.images.reports}
        assert len(errors) == len(hostile), errors
        for path, (_, expect) in hostile.items():
            error = errors[path.rsplit("/", 1)[1]]
            if expect is None:
                assert error is None
            else:
                assert error and expect in error.lower(), (path, error)
        files = list(image_cache.folder(Path(lib.dirs.data)).rglob("*.*"))
        assert [f.stat().st_size for f in files] == [len(png(32, 24))]
    assert took < 20, took
    assert peak < 64 * 1024 * 1024, peak  # the 64 MiB gzip bomb never inflated


# ---------------------------------------------------------------- pruning and the budget


def test_images_are_pruned_with_their_articles_and_to_the_budget(tmp_path: Path) -> None:
    data = tmp_path / "data"
    urls = [f"https://img.example/{n}.png" for n in range(4)]
    for n, url in enumerate(urls):
        path = image_cache.save(data, url, png(16, 16) + bytes(1000 * n))
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    stray = image_cache.folder(data) / "ab" / ".tmp-crashed.part"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"half")
    os.utime(stray, (1_000_000, 1_000_000))
    # url 0 belongs to no article any more; the rest fit in 6 KB only without the oldest.
    result = image_cache.prune(data, urls[1:], max_bytes=6_000, now=2_000_000)
    assert image_cache.cached_path(data, urls[0]) is None
    assert image_cache.cached_path(data, urls[1]) is None  # oldest, over the budget
    assert image_cache.cached_path(data, urls[2]) and image_cache.cached_path(data, urls[3])
    assert not stray.exists() and result.removed == 3 and result.bytes_kept <= 6_000
    # A file younger than the grace period may belong to another process's next commit.
    young = image_cache.save(data, "https://img.example/new.png", png(4, 4))
    image_cache.prune(data, [], max_bytes=10**9)
    assert young.exists()


def test_a_refresh_that_prunes_articles_drops_their_images(feed_server, tmp_path) -> None:
    feed_server.route("/story/1", news_page(1), content_type="text/html")
    feed_server.route("/img/1.jpg", png(8, 8), content_type="image/png")
    feed_server.route("/feed.xml", rss("T", [teaser(1, feed_server.url("/story/1"))]))
    with Library.open(tmp_path / "data", settings=settings()) as lib:
        feed = lib.add_feed(feed_server.url("/feed.xml"))
        refresh_sync(lib)
        path = lib.image_file(feed_server.url("/img/1.jpg"))
        assert path is not None
        os.utime(path, (1_000_000, 1_000_000))  # past the grace period
        lib.remove_feed(feed)
        other = lib.add_feed(feed_server.url("/full.xml"))
        feed_server.route("/full.xml", rss("F", []))
        refresh_sync(lib, [other])
        assert not path.exists()


# ---------------------------------------------------------------- decoding in the reader


def test_the_reader_decodes_under_the_pixel_bound(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from newsreader.ui.widgets.article_image import MAX_SIDE, load_image

    small = tmp_path / "small.png"
    small.write_bytes(png(300, 200))
    assert load_image(small).size == (300, 200)
    wide = tmp_path / "wide.png"
    wide.write_bytes(png(3200, 40))
    assert max(load_image(wide).size) == MAX_SIDE
    for name, data in (
        ("claims.png", png(4, 4, claim=(50_000, 50_000))),
        ("bomb.png", png_bomb(30_000, 30_000, megabytes=1)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        started = time.monotonic()
        with pytest.raises(image_cache.ImageRefused):
            load_image(path)
        assert time.monotonic() - started < 1


def test_one_img_scanner_for_pixels_and_kept_images() -> None:
    """ingest/body_html reads <img> attributes once for both jobs: the first of a repeated
    attribute wins (as in browsers), data-src stands in for a missing src, entities decoded."""
    from newsreader.ingest.body_html import img_attributes, strip_pixels

    tag = """<img data-src='https://c.example/lazy.jpg?a=1&amp;b=2' width=1 height="1">"""
    assert img_attributes(tag) == {
        "data-src": "https://c.example/lazy.jpg?a=1&b=2",
        "width": "1",
        "height": "1",
    }
    assert strip_pixels(f"<p>x{tag}</p>") == "<p>x</p>"  # 1x1: a counting pixel
    html = '<img src="https://d.example/first.png" src="https://d.example/second.png">'
    assert image_urls(html, 8) == ["https://d.example/first.png"]
    assert image_urls('<img data-src="https://c.example/lazy.jpg">', 8) == [
        "https://c.example/lazy.jpg"
    ]
