"""OPML import and export: parsing in the wild, safety, round trips, and newsboat in both ways."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.models import Feed, merge_tags
from newsreader.opml import (
    MAX_OPML_BYTES,
    OpmlError,
    OpmlFeed,
    read_opml,
    read_opml_report,
    write_opml,
)
from newsreader.sanitize import MAX_TAGS, clean_line

LOCAL = "http://127.0.0.1:9"


def opml(body: str, head: str = "<head><title>t</title></head>") -> str:
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{prolog}<opml version="2.0">{head}<body>{body}</body></opml>'


def by_url(feeds: list[OpmlFeed]) -> dict[str, OpmlFeed]:
    return {feed.url: feed for feed in feeds}


# --- reading ---------------------------------------------------------------------------------


def test_nested_folders_become_tags_of_every_feed_inside() -> None:
    feeds = read_opml(
        opml(
            f"""
            <outline text="News" title="News">
              <outline type="rss" text="A" xmlUrl="{LOCAL}/a.xml"/>
              <outline text="Tech">
                <outline type="rss" text="B" xmlUrl="{LOCAL}/b.xml"/>
                <outline text="Deep"><outline text="C" xmlUrl="{LOCAL}/c.xml"/></outline>
              </outline>
            </outline>
            <outline type="rss" text="D" xmlUrl="{LOCAL}/d.xml"/>
            """
        )
    )
    assert [f.url for f in feeds] == [f"{LOCAL}/{n}.xml" for n in "abcd"]  # document order
    tags = {f.url[-5]: f.tags for f in feeds}
    assert tags == {"a": ["News"], "b": ["News", "Tech"], "c": ["News", "Tech", "Deep"], "d": []}


def test_category_commas_and_slash_paths() -> None:
    feeds = read_opml(
        opml(
            f'<outline text="Dev"><outline text="X" xmlUrl="{LOCAL}/x.xml" '
            'category="/News/Tech, Science ,,AC/DC,/Boston/Weather,tech"/></outline>'
        )
    )
    # A leading "/" makes a path; "AC/DC" without one is a single tag; case-insensitive dedup.
    assert feeds[0].tags == ["Dev", "News", "Tech", "Science", "AC/DC", "Boston", "Weather"]


def test_title_falls_back_to_text_and_url_attribute_variants() -> None:
    feeds = by_url(
        read_opml(
            opml(
                f"""
                <outline text="Text only" xmlUrl="{LOCAL}/1.xml"/>
                <outline text="Text" title="Title wins" xmlUrl="{LOCAL}/2.xml"/>
                <outline text="lower" xmlurl="{LOCAL}/3.xml"/>
                <outline text="Upper" XMLURL="{LOCAL}/4.xml"/>
                <outline text="url attr" url="{LOCAL}/5.xml"/>
                <outline type="link" text="a web page" url="{LOCAL}/page.html"/>
                <outline type="include" text="another list" url="{LOCAL}/more.opml"/>
                <outline text="no url, no children"/>
                <outline text="empty folder"></outline>
                <outline xmlUrl="{LOCAL}/6.xml"/>
                <outline text="{LOCAL}/7.xml" xmlUrl="{LOCAL}/7.xml"
                         htmlUrl="https://example.org/7"/>
                """
            )
        )
    )
    assert sorted(feeds) == [f"{LOCAL}/{n}.xml" for n in range(1, 8)]
    assert feeds[f"{LOCAL}/1.xml"].title == "Text only"
    assert feeds[f"{LOCAL}/2.xml"].title == "Title wins"
    assert feeds[f"{LOCAL}/3.xml"].title == "lower"
    assert feeds[f"{LOCAL}/4.xml"].title == "Upper"
    assert feeds[f"{LOCAL}/5.xml"].title == "url attr"
    assert feeds[f"{LOCAL}/6.xml"].title == ""
    assert feeds[f"{LOCAL}/7.xml"].title == ""  # a title that only repeats the URL is dropped
    assert feeds[f"{LOCAL}/7.xml"].link == "https://example.org/7"


def test_duplicates_are_merged_keeping_the_first_title_and_all_tags() -> None:
    feeds = read_opml(
        opml(
            f"""
            <outline text="Tech"><outline text="First" xmlUrl="{LOCAL}/a.xml"/></outline>
            <outline text="News">
              <outline text="Second" xmlUrl="{LOCAL}/a.xml" category="tech,Daily"/>
            </outline>
            """
        )
    )
    assert feeds == [OpmlFeed(f"{LOCAL}/a.xml", "First", ["Tech", "News", "Daily"])]


def test_unsafe_urls_are_dropped_and_file_urls_kept() -> None:
    feeds = read_opml(
        opml(
            """
            <outline text="js" xmlUrl="javascript:alert(1)"/>
            <outline text="data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
            <outline text="relative" xmlUrl="feed.xml"/>
            <outline text="ftp" xmlUrl="ftp://127.0.0.1/feed.xml"/>
            <outline text="local" xmlUrl="file:///tmp/my%20feed.xml" htmlUrl="javascript:x()"/>
            <outline text="https" xmlUrl="https://127.0.0.1/feed.xml" htmlUrl="file:///etc/passwd"/>
            """
        )
    )
    assert [(f.url, f.link) for f in feeds] == [
        ("file:///tmp/my%20feed.xml", ""),
        ("https://127.0.0.1/feed.xml", ""),
    ]


def test_every_outline_that_is_not_a_folder_is_a_feed_or_skipped_with_its_reason() -> None:
    read = read_opml_report(
        opml(
            f"""
            <outline text="Folder">
              <outline text="js" xmlUrl="javascript:alert(1)"/>
              <outline text="data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
              <outline text="relative" xmlUrl="feed.xml"/>
              <outline text="ftp" xmlUrl="ftp://127.0.0.1/feed.xml"/>
              <outline text="local" xmlUrl="file:///tmp/my%20feed.xml"/>
              <outline text="web" xmlUrl="{LOCAL}/a.xml"/>
              <outline text="web again" xmlUrl="{LOCAL}/a.xml"/>
            </outline>
            <outline type="link" text="page" url="{LOCAL}/page.html"/>
            <outline type="include" text="more" url="{LOCAL}/more.opml"/>
            <outline text="nothing"/>
            <outline text="empty folder"><outline text="inner folder"/></outline>
            """
        )
    )
    assert [f.url for f in read.feeds] == ["file:///tmp/my%20feed.xml", f"{LOCAL}/a.xml"]
    assert [(s.title, s.reason) for s in read.skipped] == [
        ("js", 'unsupported URL scheme "javascript:" (only http, https and file)'),
        ("data", 'unsupported URL scheme "data:" (only http, https and file)'),
        ("relative", "not an absolute URL (relative URLs cannot be fetched)"),
        ("ftp", 'unsupported URL scheme "ftp:" (only http, https and file)'),
        ("web again", "the same feed as an earlier outline (its tags were added to it)"),
        ("page", 'a web page (type="link"), not a feed'),
        ("more", 'another OPML list (type="include"), not followed'),
        ("nothing", "no feed URL (xmlUrl)"),
        ("inner folder", "no feed URL (xmlUrl)"),
    ]
    assert read.outlines == 11  # the 14 outlines less the three folders
    assert read.skipped[0].line() == (
        '"js" <javascript:alert(1)>: unsupported URL scheme "javascript:" '
        "(only http, https and file)"
    )
    assert read_opml(opml('<outline text="x" xmlUrl="javascript:x"/>')) == []  # as before


def test_every_string_is_sanitised() -> None:
    # C0 controls cannot appear in well-formed XML; C1 controls and bidi overrides can.
    feeds = read_opml(
        opml(
            '<outline text="Fold\x9b]0;evil\x9cer"><outline text="T\x9bit\u202ele&#10;two"'
            f' xmlUrl=" {LOCAL}/a.xml " category="a\x85b,\u200b,\u2066x"/></outline>'
        )
    )
    assert feeds == [OpmlFeed(f"{LOCAL}/a.xml", "Title two", ["Fold]0;eviler", "a b", "x"])]


def test_opml_1_0_without_head_and_with_namespaces() -> None:
    doc = (
        '<opml version="1.0" xmlns:x="urn:x"><body>'
        f'<outline title="Only title" x:extra="1" xmlUrl="{LOCAL}/a.xml"/></body></opml>'
    )
    assert read_opml(doc) == [OpmlFeed(f"{LOCAL}/a.xml", "Only title", [])]
    namespaced = f'<opml xmlns="urn:some-ns"><body><outline xmlUrl="{LOCAL}/b.xml"/></body></opml>'
    assert [f.url for f in read_opml(namespaced)] == [f"{LOCAL}/b.xml"]


def test_encodings_boms_and_html_entities() -> None:
    latin1 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><opml><body>'
        f'<outline text="Caf\xe9 &eacute;&nbsp;&amp;" xmlUrl="{LOCAL}/a.xml"/></body></opml>'
    ).encode("latin-1")
    assert read_opml(latin1)[0].title == "Café é &"
    utf16 = opml(f'<outline text="Ünïcödé ✓" xmlUrl="{LOCAL}/b.xml"/>')
    utf16 = utf16.replace("UTF-8", "UTF-16")
    assert read_opml(utf16.encode("utf-16"))[0].title == "Ünïcödé ✓"
    # A str whose prolog names another encoding is already decoded and must not be re-decoded.
    assert read_opml(latin1.decode("latin-1"))[0].title == "Café é &"
    bom = b"\xef\xbb\xbf\n  " + opml(f'<outline text="Ä" xmlUrl="{LOCAL}/c.xml"/>').encode()
    assert read_opml(bom)[0].title == "Ä"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<opml><body><outline", "not valid OPML"),
        (b"<html><body>Not found</body></html>", "not an OPML file"),
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
        (b"\x00\x01binary", "not valid OPML"),
        ("<opml>\ud800", "not valid OPML"),  # a lone surrogate in a str
        ("<opml><body><outline text='&bogus;' xmlUrl='x'/></body></opml>", "undefined entity"),
    ],
)
def test_broken_input_is_one_clear_line(data: bytes | str, expected: str) -> None:
    with pytest.raises(OpmlError) as info:
        read_opml(data)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message and len(message) < 300


def test_billion_laughs_is_refused_quickly() -> None:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{lol}]>'
        f'<opml><body><outline text="&lol9;" xmlUrl="{LOCAL}/a"/></body></opml>'
    )
    start = time.perf_counter()
    with pytest.raises(OpmlError):
        read_opml(doc)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE opml [<!ENTITY x "]">]>',  # a "]" inside the subset
        '<!DOCTYPE opml><!DOCTYPE opml [<!ENTITY x "y">]>',  # a second DOCTYPE
        '<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE opml [<!ENTITY xxe "harmless, but expat would expand it">]>',
    ],
)
def test_entity_declarations_are_refused(doctype: str) -> None:
    doc = f'{doctype}<opml><body><outline text="&xxe;" xmlUrl="{LOCAL}/a"/></body></opml>'
    with pytest.raises(OpmlError):
        read_opml(doc)


def test_a_plain_doctype_is_tolerated() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE opml PUBLIC "-//x//OPML//EN" "http://127.0.0.1:9/x.dtd">'
        f'<opml version="2.0"><body><outline text="A" xmlUrl="{LOCAL}/a.xml"/></body></opml>'
    )
    assert [f.title for f in read_opml(doc)] == ["A"]


def test_size_cap() -> None:
    with pytest.raises(OpmlError, match="too large"):
        read_opml(b" " * (MAX_OPML_BYTES + 1))


def test_deep_nesting_neither_recurses_nor_grows_tags_without_bound() -> None:
    depth = 5_000
    doc = (
        "<opml><body>"
        + "".join(f'<outline text="f{i}">' for i in range(depth))
        + f'<outline text="leaf" xmlUrl="{LOCAL}/deep.xml"/>'
        + "</outline>" * depth
        + "</body></opml>"
    )
    (feed,) = read_opml(doc)
    assert feed.url == f"{LOCAL}/deep.xml"
    assert feed.tags == [f"f{i}" for i in range(MAX_TAGS)]


# --- writing ---------------------------------------------------------------------------------


def test_write_groups_by_first_tag_and_keeps_all_tags_as_category() -> None:
    created = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    text = write_opml(
        [
            (f"{LOCAL}/a.xml", "A", ["Tech", "News"]),
            (f"{LOCAL}/b.xml", "", []),
            (f"{LOCAL}/c.xml", "C", ["Tech"]),
            (f"{LOCAL}/d.xml", "D", ["Sport"]),
        ],
        title="My feeds",
        created=created,
    )
    root = ET.fromstring(text.encode())
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "My feeds"
    assert parsedate_to_datetime(root.findtext("head/dateCreated") or "") == created
    top = root.findall("body/outline")
    assert [o.get("text") for o in top] == ["Tech", f"{LOCAL}/b.xml", "Sport"]
    assert top[1].get("title") is None and top[1].get("type") == "rss"
    tech = [(o.get("xmlUrl"), o.get("category")) for o in top[0]]
    assert tech == [(f"{LOCAL}/a.xml", "Tech,News"), (f"{LOCAL}/c.xml", "Tech")]
    assert all(o.get("type") == "rss" and o.get("title") == o.get("text") for o in top[0])


def test_escaping_of_markup_characters_and_unicode() -> None:
    title = "Tom & Jerry <b>\"bold\"</b> 'quoted' – Grüße 🗞 Array[int] [1]"
    text = write_opml([(f"{LOCAL}/a.xml?x=1&y=2", title, ["R&D", "<script>"])])
    assert "&amp;" in text and "&lt;b&gt;" in text and "&quot;bold&quot;" in text
    assert "<b>" not in text and "<script>" not in text
    (feed,) = read_opml(text)
    assert feed == OpmlFeed(f"{LOCAL}/a.xml?x=1&y=2", title, ["R&D", "<script>"])


def test_model_feeds_round_trip_with_link_and_tags() -> None:
    feeds = [
        Feed.new(f"{LOCAL}/a.xml", title="Neustädter Anzeiger", tags=["Lokal", "Deutsch"]),
        Feed.new(f"{LOCAL}/b.xml", tags=[]),
        Feed.new("file:///home/me/feeds/local%20one.xml", title="Local", tags=["Lokal"]),
    ]
    feeds[0].link = "https://example.org/anzeiger"
    # Read back in document order: the "Lokal" folder (at its first feed's place), then b.
    assert read_opml(write_opml(feeds)) == [
        OpmlFeed(
            f"{LOCAL}/a.xml",
            "Neustädter Anzeiger",
            ["Lokal", "Deutsch"],
            "https://example.org/anzeiger",
        ),
        OpmlFeed("file:///home/me/feeds/local%20one.xml", "Local", ["Lokal"]),
        OpmlFeed(f"{LOCAL}/b.xml", "", []),
    ]


def test_write_leaves_out_what_read_would_refuse() -> None:
    text = write_opml(
        [("javascript:alert(1)", "x", ["a"]), ("", "empty", []), (f"{LOCAL}/ok.xml", "ok", [])]
    )
    assert "javascript" not in text
    assert [f.url for f in read_opml(text)] == [f"{LOCAL}/ok.xml"]


def test_tags_that_opml_cannot_spell_are_normalised() -> None:
    (feed,) = read_opml(write_opml([(f"{LOCAL}/a.xml", "A", ["News, World", "/Tech", "AC/DC"])]))
    assert feed.tags == ["News World", "Tech", "AC/DC"]


_TAG_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=",/")


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(max_size=60),
    tags=st.lists(st.text(_TAG_CHARS, min_size=1, max_size=20), max_size=6),
)
def test_round_trip_property(title: str, tags: list[str]) -> None:
    url = f"{LOCAL}/feed.xml"
    (feed,) = read_opml(write_opml([(url, title, tags)]))
    assert feed.url == url
    assert feed.title == clean_line(title)
    assert feed.tags == merge_tags(t for t in (clean_line(t) for t in tags) if t)


# --- newsboat --------------------------------------------------------------------------------

NEWSBOAT = shutil.which("newsboat")
needs_newsboat = pytest.mark.skipif(NEWSBOAT is None, reason="newsboat is not installed")


def run_newsboat(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    cmd = [str(NEWSBOAT), "-C", "/dev/null", "-c", str(tmp_path / "cache.db"), *args]
    return subprocess.run(
        cmd,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )


@needs_newsboat
def test_reads_newsboat_export(tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text(
        f'{LOCAL}/a.xml "Tech" "News"\n{LOCAL}/b.xml "~Renamed & <Co>" "Sport"\n{LOCAL}/c.xml\n',
        encoding="utf-8",
    )
    result = run_newsboat(tmp_path, "-u", str(urls), "-e")
    feeds = by_url(read_opml(result.stdout))
    assert sorted(feeds) == [f"{LOCAL}/a.xml", f"{LOCAL}/b.xml", f"{LOCAL}/c.xml"]
    assert read_opml_report(result.stdout).skipped == []  # every outline is a feed
    assert feeds[f"{LOCAL}/b.xml"].title == "Renamed & <Co>"  # newsboat's "~title" survives
    # newsboat 2.21 exports a flat list without tags; should a later version export them, they
    # must come through correctly.
    assert feeds[f"{LOCAL}/a.xml"].tags in ([], ["Tech", "News"])
    assert feeds[f"{LOCAL}/c.xml"].tags == []


@needs_newsboat
def test_newsboat_imports_our_export(tmp_path: Path) -> None:
    ours = tmp_path / "ours.opml"
    ours.write_text(
        write_opml(
            [
                (f"{LOCAL}/a.xml", "Tom & Jerry <3", ["Tech", "News"]),
                (f"{LOCAL}/b.xml", "Grüße", ["Sport"]),
                (f"{LOCAL}/c.xml", "", []),
                (f"{LOCAL}/d.xml", "D", ["Tech"]),
            ]
        ),
        encoding="utf-8",
    )
    urls = tmp_path / "urls"
    urls.write_text("", encoding="utf-8")
    result = run_newsboat(tmp_path, "-u", str(urls), "-i", str(ours))
    assert "finished" in result.stdout
    lines = {line.split(" ", 1)[0]: line for line in urls.read_text("utf-8").splitlines()}
    assert sorted(lines) == [f"{LOCAL}/{n}.xml" for n in "abcd"]
    # newsboat 2.21 turns the folder into a tag and ignores `category`: the first tag survives.
    assert lines[f"{LOCAL}/a.xml"] == f'{LOCAL}/a.xml "Tech"'
    assert lines[f"{LOCAL}/b.xml"] == f'{LOCAL}/b.xml "Sport"'
    assert lines[f"{LOCAL}/c.xml"] == f"{LOCAL}/c.xml"
    assert lines[f"{LOCAL}/d.xml"] == f'{LOCAL}/d.xml "Tech"'
