"""The bundled demo feeds: well-formed, complete, overlapping in topics, and packaged."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest

import newsreader
from newsreader.demo import (
    DEMO_BASE_DATE,
    DEMO_FEEDS,
    demo_feed_paths,
    demo_feed_urls,
)
from newsreader.models import tag_key
from newsreader.sanitize import clean_line

EXPECTED_COUNTS = {
    "neustaedter-anzeiger.xml": 15,
    "mirbe-valley-post.atom": 12,
    "circuit-ledger.xml": 11,
    "wrf24.json": 8,
}
ARTICLE_HOSTS = ("https://demo.newsreader.invalid/",)
BODY_LINK_HOSTS = ("https://demo.newsreader.invalid/", "https://example.org/")


@dataclass
class Item:
    feed: str
    title: str
    link: str
    guid: str
    author: str
    published: datetime
    tags: list[str]
    summary: str
    content: str


@dataclass
class DemoFeed:
    name: str
    title: str
    kind: str
    language: str
    items: list[Item] = field(default_factory=list)


def _load(path: Path) -> DemoFeed:
    if path.suffix == ".json":
        doc = json.loads(path.read_text("utf-8"))
        feed = DemoFeed(path.name, doc["title"], doc["version"], doc["language"])
        for it in doc["items"]:
            feed.items.append(
                Item(
                    feed=path.name,
                    title=it["title"],
                    link=it["url"],
                    guid=it["id"],
                    author=", ".join(a["name"] for a in it.get("authors", [])),
                    published=datetime.fromisoformat(it["date_published"]),
                    tags=list(it.get("tags", [])),
                    summary=it.get("summary", ""),
                    content=it.get("content_html", ""),
                )
            )
        return feed
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path.name}: {parsed.get('bozo_exception')}"
    feed = DemoFeed(path.name, parsed.feed.title, parsed.version, parsed.feed.get("language", ""))
    for entry in parsed.entries:
        feed.items.append(
            Item(
                feed=path.name,
                title=entry.title,
                link=entry.link,
                guid=entry.id,
                author=entry.get("author", ""),
                published=datetime(*entry.published_parsed[:6], tzinfo=UTC),
                tags=[t.term for t in entry.get("tags", [])],
                summary=entry.get("summary", ""),
                content=entry.content[0].value if entry.get("content") else "",
            )
        )
    return feed


@pytest.fixture(scope="module")
def feeds() -> list[DemoFeed]:
    return [_load(path) for path in demo_feed_paths()]


@pytest.fixture(scope="module")
def items(feeds: list[DemoFeed]) -> list[Item]:
    return [item for feed in feeds for item in feed.items]


def test_paths_are_real_files_inside_the_package_and_urls_point_at_them() -> None:
    package_dir = Path(newsreader.__file__).resolve().parent / "demo"
    paths = demo_feed_paths()
    assert [p.name for p in paths] == [name for name, _title, _tags in DEMO_FEEDS]
    for path, url in zip(paths, demo_feed_urls(), strict=True):
        assert path.is_absolute() and path.is_file() and path.parent == package_dir
        assert url.startswith("file:///")
        assert Path(unquote(urlsplit(url).path)) == path


def test_entry_counts_kinds_and_languages(feeds: list[DemoFeed]) -> None:
    assert {f.name: len(f.items) for f in feeds} == EXPECTED_COUNTS
    assert sum(len(f.items) for f in feeds) >= 40
    kinds = Counter(f.kind for f in feeds)
    assert kinds == {"rss20": 2, "atom10": 1, "https://jsonfeed.org/version/1.1": 1}
    languages = {f.language.split("-")[0].lower() for f in feeds}
    assert languages == {"de", "en"}


def test_feed_titles_match_demo_feeds(feeds: list[DemoFeed]) -> None:
    assert [f.title for f in feeds] == [title for _name, title, _tags in DEMO_FEEDS]


def test_every_item_is_complete(items: list[Item]) -> None:
    for item in items:
        where = f"{item.feed}: {item.title}"
        assert item.title and clean_line(item.title) == item.title, where
        assert item.link.startswith(ARTICLE_HOSTS), where
        assert item.guid and item.author, where
        assert 2 <= len(item.tags) <= 4 and all(item.tags), where
        assert len(item.summary) >= 80 and "<" not in item.summary, where
        assert item.content.count("<p>") >= 2, where
        assert len(item.content) > len(item.summary), where


def test_dates_are_fixed_within_ten_days_before_the_base_date(items: list[Item]) -> None:
    newest = max(i.published for i in items)
    oldest = min(i.published for i in items)
    assert newest.date() == DEMO_BASE_DATE.date()
    assert newest - oldest <= timedelta(days=12)
    assert len({i.published.date() for i in items}) >= 10  # spread over the days


def test_bodies_have_links_lists_and_quotes(items: list[Item]) -> None:
    with_all = 0
    for item in items:
        hrefs = re.findall(r'href="([^"]+)"', item.content)
        assert hrefs, item.title
        assert all(h.startswith(BODY_LINK_HOSTS) for h in hrefs), item.title
        has_list = "<ul>" in item.content or "<ol>" in item.content
        has_quote = "<blockquote>" in item.content
        with_all += has_list and has_quote
    assert with_all >= len(items) // 2
    assert any("<table>" in i.content for i in items)
    assert any("<pre><code>" in i.content for i in items)


def test_internal_links_point_at_demo_articles(items: list[Item]) -> None:
    links = {i.link for i in items}
    for item in items:
        for href in re.findall(r'href="(https://demo\.newsreader\.invalid/[^"]+)"', item.content):
            assert href in links, f"{item.title}: dangling {href}"


def test_tags_overlap_across_feeds_in_clusters(items: list[Item]) -> None:
    feeds_of: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for tag in item.tags:
            feeds_of[tag_key(tag)].add(item.feed)
    shared = {tag for tag, names in feeds_of.items() if len(names) >= 2}
    assert len(shared) >= 8
    for cluster in ("quellwerk", "mirbetalbahn", "neustadt", "storm odila", "sturmtief odila"):
        assert len(feeds_of[cluster]) >= 2, cluster
    assert len(feeds_of["quellwerk"]) == 4


def test_kicker_topics_recur(items: list[Item]) -> None:
    kickers = Counter(tag_key(i.tags[0]) for i in items)
    for topic in ("unwetter", "bahnstreik", "wahl in neustadt", "rail strike", "quellwerk"):
        assert kickers[topic] >= 2, topic


def test_one_exact_duplicate_and_the_same_event_under_other_headlines(items: list[Item]) -> None:
    by_link: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_link[item.link].append(item)
    dupes = [group for group in by_link.values() if len(group) > 1]
    assert len(dupes) == 1
    first, second = dupes[0]
    assert first.feed != second.feed
    assert (first.title, first.guid, first.published, first.content) == (
        second.title,
        second.guid,
        second.published,
        second.content,
    )
    # The first round of the election, told by three feeds on the same evening.
    runoff = [i for i in items if "Stichwahl" in i.tags or "Runoff" in i.tags]
    evening = {i.feed for i in runoff if i.published.date() == datetime(2026, 11, 15).date()}
    assert len(evening) == 3
    assert len({i.title for i in runoff}) == len(runoff)


def test_markup_lookalikes_and_unicode_are_present(items: list[Item]) -> None:
    titles = [i.title for i in items]
    assert any("[1]" in t and "Array[int]" in t for t in titles)
    assert any("&" in t for t in titles) and any("<" in t for t in titles)
    assert any('"' in t for t in titles)
    assert any(ch in t for t in titles for ch in "äöüß")
    assert any(unicodedata.category(ch) == "So" for t in titles for ch in t)  # a symbol


def test_demo_files_load_from_a_zipped_package(tmp_path: Path) -> None:
    # importlib.resources hands out no real path there: demo.py must extract the files.
    source = Path(newsreader.__file__).resolve().parent
    archive = tmp_path / "newsreader.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in source.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, Path("newsreader") / path.relative_to(source))
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1])\n"
        "import newsreader.demo as d\n"
        "assert '.zip' in d.__file__, d.__file__\n"
        "print(json.dumps([[p.stat().st_size, p.read_bytes()[:1].decode()]"
        " for p in d.demo_feed_paths()]))\n"
    )
    # -S -I: no site-packages, so the editable install cannot shadow the zip.
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", script, str(archive)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    extracted = json.loads(result.stdout)
    sizes = [p.stat().st_size for p in demo_feed_paths()]
    assert extracted == [[size, "{" if size == sizes[3] else "<"] for size in sizes]


_ORDER_SCRIPT = """
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
import newsreader
assert newsreader.__file__.startswith(sys.argv[1]), newsreader.__file__
from newsreader.config import Settings
from newsreader.demo import demo_feeds
from newsreader.library import Library
from newsreader.ingest.refresh import refresh_sync

with tempfile.TemporaryDirectory() as tmp:
    with Library.open(tmp, settings=Settings(parse_workers=1)) as lib:
        lib.subscribe(demo_feeds())
        refresh_sync(lib)
        articles = lib.newest_first()
        print(json.dumps({
            "order": [[a.id, a.published.timestamp(), a.headline] for a in articles],
            "related": {a.id: [r.article_id for r in lib.related(a)] for a in articles},
            "search": [a.id for a in lib.search("Quellwerk")],
        }))
"""


def test_demo_ids_and_order_do_not_depend_on_where_the_package_lives(tmp_path: Path) -> None:
    """Two clones at different paths: the same article ids, the same order everywhere (two demo
    articles share a timestamp, and a file:// URL holds the install path)."""
    source = Path(newsreader.__file__).resolve().parent
    outputs = []
    for place in ("first/clone", "second/elsewhere/deeper"):
        root = tmp_path / place / "src"
        shutil.copytree(source, root / "newsreader", ignore=shutil.ignore_patterns("__pycache__"))
        result = subprocess.run(
            [sys.executable, "-c", _ORDER_SCRIPT, str(root)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(json.loads(result.stdout))
    first, second = outputs
    assert len(first["order"]) >= 40 and len(first["search"]) >= 2
    times = Counter(ts for _id, ts, _headline in first["order"])
    assert max(times.values()) >= 2  # the demo really has a tie for the order to settle
    assert first == second
