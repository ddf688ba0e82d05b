"""parse_feed: normalisation into Articles, charsets, hostile input, JSON Feed, errors."""

from __future__ import annotations

import contextlib
import json
import pickle
import re
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsreader.ingest import fastpath
from newsreader.ingest.parse import ParsedFeed, ParseError, decode_document, parse_feed
from newsreader.models import Feed, article_id_for
from sample_feeds import BASE, item, rss

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
URL = "https://news.example.org/feed.xml"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def feed(url: str = URL, **kw) -> Feed:
    return Feed.new(url, **kw)


def parse(data: bytes | str, f: Feed | None = None, **kw) -> ParsedFeed:
    if isinstance(data, str):
        data = data.encode("utf-8")
    f = f or feed()
    return parse_feed(data, feed=f, url=kw.pop("url", f.url), now=kw.pop("now", NOW), **kw)


def rss_doc(items: str, channel: str = "<title>Chan</title>", head: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel>{channel}{items}</channel></rss>"
    )


# -- normalisation ----------------------------------------------------------------------------


def test_rss_items_become_articles_with_every_field() -> None:
    f = feed(tags=["Mine", "world"])
    items = [item(1, tags=("World", "Politics")), item(2)]
    parsed = parse(rss("Example News", items), f)
    assert parsed.title == "Example News"
    assert parsed.link == "https://news.example.org/"
    assert parsed.format == "rss20"
    assert parsed.warning is None
    first, second = parsed.articles
    assert first.id == article_id_for(f.id, "urn:test:1")
    assert first.guid == "urn:test:1"
    assert first.feed_id == f.id
    assert first.headline == "Story number 1"
    assert first.link == "https://news.example.org/story/1"
    assert first.published == BASE - timedelta(hours=1)
    assert first.lead == "Lead of story 1: what happened and why it matters."
    # item categories first, then the feed's user tags, deduplicated case-insensitively
    assert first.tags == ["World", "Politics", "Mine"]
    assert first.kicker == "Politics"  # "World" is the user's tag for the whole feed
    assert second.kicker == ""  # no category of its own: no kicker (never a user tag)
    assert first.source == "Example News"
    assert not first.read and not first.starred
    assert first.first_seen == NOW
    body = parsed.bodies[first.id]
    assert "<ul><li>one</li>" in body  # content, not summary
    assert 'href="https://news.example.org/more/1"' in body  # resolved against the article


def test_a_channel_category_is_never_the_kicker() -> None:
    doc = rss_doc(
        "<item><title>a</title><guid>1</guid></item>"
        "<item><title>b</title><guid>2</guid><category>sport</category><category>Golf</category>"
        "</item>",
        "<title>C</title><category>Sport</category>",
    )
    assert [a.kicker for a in parse(doc, feed(tags=["mine"])).articles] == ["", "Golf"]


def test_relative_links_are_made_absolute_and_unsafe_ones_dropped() -> None:
    doc = rss_doc(
        "<item><title>a</title><link>/a/1</link></item>"
        "<item><title>b</title><link>javascript:alert(1)</link><guid>b</guid></item>"
        "<item><title>c</title><link>file:///etc/passwd</link><guid>c</guid></item>",
        "<title>C</title><link>/home</link>",
    )
    parsed = parse(doc, url="https://final.example/feeds/x.xml")
    a, b, c = parsed.articles
    assert parsed.link == "https://final.example/home"
    assert a.link == "https://final.example/a/1"
    assert a.guid == "https://final.example/a/1"  # no guid: the link is the key
    assert b.link == "" and c.link == ""


def test_xml_base_is_honoured_and_ids_do_not_depend_on_the_fetch_url() -> None:
    doc = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/">'
        "<title>A</title><entry><id>e1</id><title>t</title><link href='p/1'/></entry></feed>"
    )
    one = parse(doc, url="https://one.example/atom").articles[0]
    two = parse(doc, url="https://two.example/atom").articles[0]
    assert one.link == "https://base.example/blog/p/1"
    assert one.guid == two.guid and one.id == two.id


def test_relative_guid_is_not_rewritten_with_the_feed_url() -> None:
    doc = rss_doc("<item><title>a</title><guid>post-17</guid></item>")
    a = parse(doc, url="https://one.example/rss").articles[0]
    b = parse(doc, url="https://elsewhere.example/rss").articles[0]
    assert a.guid == "post-17" == b.guid


def test_key_falls_back_to_a_stable_hash_of_title_and_date() -> None:
    doc = rss_doc(
        "<item><title>No id</title><pubDate>Mon, 02 Jan 2023 10:00:00 GMT</pubDate></item>"
    )
    a = parse(doc, now=NOW).articles[0]
    b = parse(doc, now=NOW + timedelta(hours=3)).articles[0]
    assert a.guid.startswith("hash:") and a.id == b.id


def test_duplicate_guids_keep_the_first() -> None:
    doc = rss_doc(
        "<item><title>first</title><guid>same</guid></item>"
        "<item><title>second</title><guid>same</guid></item>"
        "<item><title>other</title><guid>other</guid></item>"
    )
    parsed = parse(doc)
    assert [a.headline for a in parsed.articles] == ["first", "other"]
    assert len(parsed.bodies) <= 2


def test_missing_title_uses_the_lead_then_a_placeholder() -> None:
    long = " ".join(["word"] * 60)
    doc = rss_doc(
        f"<item><guid>1</guid><description>{long}</description></item><item><guid>2</guid></item>"
    )
    a, b = parse(doc).articles
    assert a.headline.startswith("word word") and a.headline.endswith("…")
    assert len(a.headline) <= 81
    assert b.headline == "(no title)"


def test_html_and_entities_leave_titles_but_plain_text_stays_literal() -> None:
    doc = rss_doc(
        "<item><guid>1</guid><title>&lt;b&gt;Bold&lt;/b&gt; AT&amp;amp;T</title></item>",
    )
    assert parse(doc).articles[0].headline == "Bold AT&T"
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id>'
        '<title type="text">Array&lt;int&gt; &amp; Map&lt;K,V&gt;</title></entry></feed>'
    )
    assert parse(atom).articles[0].headline == "Array<int> & Map<K,V>"


def test_dates_missing_or_absurd_fall_back_to_now_minus_index() -> None:
    dates = [
        "Sat, 01 Jan 0000 00:00:00 +0000",
        "Fri, 31 Dec 9999 23:59:59 +0000",
        "Mon, 01 Jan 2024 00:00:00 +9999",
        "0000-00-00T00:00:00Z",
        "garbage",
        "Mon, 01 Jan 1900 00:00:00 GMT",
        "",
        "Mon, 01 Jan 2024 00:00:00 GMT",
        "9999-12-31T23:59:59-23:59",
    ]
    items = "".join(
        f"<item><title>t{i}</title><guid>g{i}</guid><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    arts = parse(rss_doc(items)).articles
    assert len(arts) == len(dates)
    for index, art in enumerate(arts):
        assert art.published.tzinfo is not None
        assert datetime(1990, 1, 1, tzinfo=UTC) <= art.published <= NOW + timedelta(days=1)
        if dates[index] in ("", "garbage", "Fri, 31 Dec 9999 23:59:59 +0000"):
            assert art.published == NOW - timedelta(seconds=index)
    assert arts[7].published == datetime(2024, 1, 1, tzinfo=UTC)


def test_lead_is_first_paragraph_when_summary_is_the_content() -> None:
    para1 = "First paragraph of the article, long enough to be a lead on its own. " * 2
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id>'
        f'<title>t</title><content type="html">&lt;p&gt;{para1}&lt;/p&gt;'
        "&lt;p&gt;Second paragraph.&lt;/p&gt;</content></entry></feed>"
    )
    art = parse(atom).articles[0]
    assert art.lead == para1.strip()
    long_para = "word " * 200
    atom2 = atom.replace(para1, long_para)
    lead = parse(atom2).articles[0].lead
    assert len(lead) <= 401 and lead.endswith("…") and not lead.startswith(" ")


def test_plain_text_content_is_escaped_into_paragraphs() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id>'
        '<title>t</title><content type="text">a &lt;script&gt; b\n\nsecond</content></entry></feed>'
    )
    parsed = parse(atom)
    body = parsed.bodies[parsed.articles[0].id]
    assert body == "<p>a &lt;script&gt; b</p>\n<p>second</p>"


def test_atom_categories_prefer_label_and_skip_scheme_urls() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id><title>t</title>'
        '<category scheme="http://schemas.google.com/g/2005#kind" '
        'term="http://schemas.google.com/blogger/2008/kind#post"/>'
        '<category term="tech" label="Technology"/><category term="linux"/></entry></feed>'
    )
    art = parse(atom).articles[0]
    assert art.tags == ["Technology", "linux"] and art.kicker == "Technology"


def test_dc_subject_and_many_long_tags_are_capped() -> None:
    cats = "".join(f"<category>{'t' * 300}{i}</category>" for i in range(100))
    doc = rss_doc(f"<item><guid>1</guid><title>x</title><dc:subject>Sub</dc:subject>{cats}</item>")
    art = parse(doc, feed(tags=["user"])).articles[0]
    assert len(art.tags) <= 40 and all(len(t) <= 80 for t in art.tags)
    assert "Sub" in art.tags


def test_source_element_then_user_title_then_parsed_title_then_host() -> None:
    doc = rss_doc(
        '<item><guid>1</guid><title>a</title><source url="http://s.example/">Reuters</source></item>'
        "<item><guid>2</guid><title>b</title></item>",
        "<title>Parsed</title>",
    )
    a, b = parse(doc, Feed.new(URL, title="My name")).articles
    assert a.source == "Reuters" and b.source == "My name"
    assert parse(doc).articles[1].source == "Parsed"
    untitled = rss_doc("<item><guid>1</guid><title>a</title></item>", "")
    assert parse(untitled).articles[0].source == "news.example.org"


def test_enclosures_keep_http_only_and_tolerate_bad_lengths() -> None:
    doc = rss_doc(
        "<item><guid>1</guid><title>a</title>"
        '<enclosure url="https://m.example/a.mp3" type="audio/mpeg" length="12345"/></item>'
        "<item><guid>2</guid><title>b</title>"
        '<enclosure url="/rel.mp3" type="audio/mpeg" length="12,000 bytes"/></item>'
        "<item><guid>3</guid><title>c</title>"
        '<enclosure url="file:///etc/passwd" type="x" length="-5"/></item>'
        "<item><guid>4</guid><title>d</title>"
        '<enclosure url="https://m.example/d.mp3" length="abc"/></item>'
    )
    a, b, c, d = parse(doc).articles
    assert [(e.url, e.type, e.length) for e in a.enclosures] == [
        ("https://m.example/a.mp3", "audio/mpeg", 12345)
    ]
    assert b.enclosures[0].url == "https://news.example.org/rel.mp3"
    assert b.enclosures[0].length == 12
    assert c.enclosures == []
    assert d.enclosures[0].length == 0


def test_author_forms() -> None:
    doc = rss_doc(
        "<item><guid>1</guid><title>a</title><author>jane@example.org (Jane Doe)</author></item>"
        "<item><guid>2</guid><title>b</title><dc:creator>Max Mustermann</dc:creator></item>"
    )
    a, b = parse(doc).articles
    assert a.author == "Jane Doe"
    assert b.author == "Max Mustermann"


def test_parsed_feed_pickles() -> None:
    parsed = parse(rss("T", [item(1, tags=("a",))]))
    clone = pickle.loads(pickle.dumps(parsed))
    assert clone == parsed and clone.articles[0].tags == ["a"]


# -- errors and warnings ----------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf  "])
def test_empty_response(data: bytes) -> None:
    with pytest.raises(ParseError, match="^empty response$"):
        parse(data)


def test_html_page_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body><p>hi</p></body></html>"
    with pytest.raises(ParseError, match="^not a feed: got an HTML page$"):
        parse(page)
    with pytest.raises(ParseError, match="HTML page"):
        parse(b"<div>x</div>", headers={"Content-Type": "text/html; charset=utf-8"})


def test_feed_wrapped_in_a_page_or_after_junk_still_parses() -> None:
    wrapped = "<html><body>" + rss_doc("<item><guid>1</guid><title>a</title></item>")[38:]
    assert len(parse(wrapped).articles) == 1
    junk = "<b>Warning</b>: something in /var/www/x.php\n" + rss_doc(
        "<item><guid>1</guid><title>a</title></item>"
    )
    assert parse(junk).articles[0].headline == "a"


@pytest.mark.parametrize(
    "data",
    [b"just some text", b"<note><to>x</to></note>", b"\x00\x01\x02\xff\xfe\xfd", b"<"],
)
def test_garbage_raises_parse_error_with_one_line(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse(data)
    message = str(info.value)
    assert message.startswith("not a feed") and "\n" not in message


def test_broken_xml_with_entries_is_a_warning_with_a_line_number() -> None:
    doc = rss_doc("<item><guid>1</guid><title>a</title></item><item><title>b & c</title></item>")
    parsed = parse(doc)
    assert [a.headline for a in parsed.articles] == ["a", "b & c"]
    assert parsed.warning and parsed.warning.startswith("XML error at line 1:")
    assert "\n" not in parsed.warning


def test_broken_xml_without_entries_is_an_error() -> None:
    with pytest.raises(ParseError, match=r"^not a feed: XML error at line 3: "):
        parse(b"<?xml version='1.0'?>\n<x>\n<</x>")


def test_feedparser_exceptions_become_parse_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser

    def boom(*args, **kwargs):
        raise ValueError("odd\ninput")

    monkeypatch.setattr(feedparser, "parse", boom)
    monkeypatch.setattr(fastpath, "_rs", None)  # feedparser's path, not the compiled one
    # Not the exception's text alone: a line in the user's terms, the detail in brackets.
    message = r"^parse failed: the feed is malformed and nothing in it could be read \("
    with pytest.raises(ParseError, match=message + r"ValueError: odd input\)$"):
        parse(rss("T", [item(1)]))


def test_out_of_range_character_references_do_not_crash() -> None:
    doc = rss_doc(
        "<item><guid>1</guid><title>a&#1114112;b&#xD800;c&#0;d&#99999999999;e&#x1F600;</title>"
        "</item>"
    )
    assert parse(doc).articles[0].headline == "abcde\U0001f600"


# -- hostile input ----------------------------------------------------------------------------

HOSTILE = (
    "[/] [@click=app.quit]x[/] \x1b[2J \x1b]0;title\x07 "
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x9b31m \u202egnp.exe \u2066iso\u2069"
)


def _xml_text(value: str) -> str:
    out = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out + " &#27;[31m red"


def test_hostile_strings_come_out_without_controls_and_with_markup_literal() -> None:
    h = _xml_text(HOSTILE)
    doc = rss_doc(
        f"<item><guid>1</guid><title>{h}</title><link>https://x.example/a</link>"
        f"<description>{h}</description><category>{h}</category>"
        f"<author>{h}</author><dc:creator>{h}</dc:creator>"
        f"<content:encoded><![CDATA[<p>{HOSTILE}</p>]]></content:encoded></item>",
        f"<title>{h}</title>",
    )
    f = feed(tags=["[b]tag[/b]"])
    parsed = parse(doc, f)
    art = parsed.articles[0]
    fields = [
        parsed.title,
        art.headline,
        art.lead,
        art.author,
        art.kicker,
        art.source,
        *art.tags,
        parsed.bodies[art.id],
    ]
    for value in fields:
        assert not UNSAFE.search(value), repr(value)
    for value in (parsed.title, art.headline, art.lead, art.kicker, art.tags[0]):
        assert value.startswith("[/] [@click=app.quit]x[/] [2J ]0;title")
    for value in (parsed.title, art.headline, art.lead):
        assert "gnp.exe" in value and value.endswith("[31m red")
    assert "[b]tag[/b]" in art.tags


def test_doctype_entity_expansion_is_stopped() -> None:
    lol = b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    doc = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n'
        b'<!ENTITY q "a > b ]> c">' + lol + b"]>\n"
        b'<rss version="2.0"><channel><title>&lol9;</title>'
        b"<item><guid>1</guid><title>&lol9;&q;</title><description>&lol8;</description></item>"
        b"</channel></rss>"
    )
    for data in (doc, doc.decode().encode("utf-16"), doc.decode().encode("utf-16-le")):
        tracemalloc.start()
        started = time.perf_counter()
        parsed = parse(data)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert elapsed < 2 and peak < 20_000_000
        art = parsed.articles[0]
        assert len(parsed.title) < 100 and len(art.headline) < 100 and len(art.lead) < 100


def test_doctype_after_the_root_or_lowercase_does_not_expand() -> None:
    ents = b'<!ENTITY a "' + b"x" * 1000 + b'"><!ENTITY b "' + b"&a;" * 1000 + b'">'
    for doc in (
        b'<rss version="2.0"><channel><title>t</title><!DOCTYPE r [' + ents + b"]>"
        b"<item><guid>1</guid><title>&b;</title></item></channel></rss>",
        b"<!doctype r [" + ents + b']><rss version="2.0"><channel><title>&b;</title>'
        b"<item><guid>1</guid><title>&b;</title></item></channel></rss>",
    ):
        art = parse(doc).articles[0]
        assert len(art.headline) < 50


def test_huge_author_is_fast_and_capped() -> None:
    name = "a" * 64_000
    doc = rss_doc(
        f"<item><guid>1</guid><title>t</title><author>{name}</author>"
        f"<dc:creator><![CDATA[{name}]]></dc:creator></item>"
    )
    started = time.perf_counter()
    art = parse(doc).articles[0]
    assert time.perf_counter() - started < 1.0
    assert 0 < len(art.author) <= 200


def test_hostile_markup_in_summary_is_linear() -> None:
    nasty = "&lt;script&gt;" * 5_000 + "&lt;" * 20_000
    doc = rss_doc(f"<item><guid>1</guid><title>t</title><description>{nasty}</description></item>")
    started = time.perf_counter()
    parse(doc)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "<rss>",
                "<channel>",
                "<item>",
                "</item>",
                "<title>",
                "</title>",
                "&#27;",
                "<!DOCTYPE x [",
                "]>",
                "&amp;",
                "<![CDATA[",
                "]]>",
                "\x00",
                "\u202e",
                "é",
                "<feed>",
                "<entry>",
                "<link href='x'/>",
                "<pubDate>9999</pubDate>",
                "{",
                "\ufeff",
            ]
        )
        | st.text(max_size=8),
        max_size=30,
    )
)
def test_fuzz_only_parse_error_escapes(parts: list[str]) -> None:
    data = "".join(parts).encode("utf-8", "surrogatepass")
    try:
        parsed = parse(data)
    except ParseError as exc:
        assert "\n" not in str(exc)
        return
    for art in parsed.articles:
        for value in (art.headline, art.lead, art.author, art.kicker, *art.tags):
            assert not UNSAFE.search(value)


# -- charsets ---------------------------------------------------------------------------------


def test_decode_prefers_valid_utf8_over_a_wrong_label() -> None:
    data = '<?xml version="1.0" encoding="windows-1252"?><x>Euro €</x>'.encode()
    assert decode_document(data) == (data.decode("utf-8"), "utf-8")
    assert decode_document(data, "iso-8859-1")[0].endswith("Euro €</x>")


def test_decode_latin1_label_means_windows_1252_and_http_wins_over_prolog() -> None:
    data = '<?xml version="1.0" encoding="iso-8859-1"?><x>€ ü</x>'.encode("cp1252")
    assert decode_document(data)[0].endswith("€ ü</x>")
    koi = '<?xml version="1.0" encoding="iso-8859-5"?><x>Привет</x>'.encode("koi8-r")
    assert decode_document(koi, "koi8-r")[0].endswith("Привет</x>")


def test_decode_mislabelled_utf8_declared_latin1_bytes() -> None:
    data = '<?xml version="1.0" encoding="utf-8"?><x>Jürgen</x>'.encode("latin-1")
    assert decode_document(data)[0].endswith("Jürgen</x>")
    assert decode_document(data, "utf-8")[0].endswith("Jürgen</x>")


def test_decode_utf16_with_and_without_bom_and_truncated_utf8() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><x>Grüße</x>'
    assert decode_document(text.encode("utf-16"))[0] == text
    assert decode_document(text.encode("utf-16-be"))[0] == text
    assert decode_document(text.encode("utf-16-le"))[0] == text
    cut = "<x>Grüße €".encode()[:-1]  # a size cap cut the euro sign in half
    assert decode_document(cut)[1] == "utf-8"


def test_decode_ignores_dangerous_or_unknown_labels() -> None:
    data = b'<?xml version="1.0" encoding="unicode_escape"?><x>\\x1b caf\xe9</x>'
    text, codec = decode_document(data, "rot13")
    assert codec == "cp1252" and "\\x1b caf\xe9" in text


def test_http_charset_reaches_the_articles() -> None:
    doc = rss_doc("<item><guid>1</guid><title>Grüße aus Köln</title></item>")
    data = doc.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("latin-1")
    for headers in (
        {},
        {"Content-Type": "application/rss+xml; charset=ISO-8859-1"},
        {"content-type": "text/xml; charset=utf-8"},
    ):
        assert parse(data, headers=headers).articles[0].headline == "Grüße aus Köln"


# -- JSON Feed --------------------------------------------------------------------------------

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON \u001b[2J News",
    "home_page_url": "https://j.example/",
    "authors": [{"name": "Feed Author"}],
    "items": [
        {
            "id": 1,
            "url": "/posts/1",
            "title": "First [/]",
            "content_html": "<p>Hello <b>world</b></p>",
            "summary": "A summary",
            "date_published": "2024-03-01T10:00:00+02:00",
            "tags": ["json", "feeds"],
            "authors": [{"name": "Item Author"}],
            "attachments": [
                {
                    "url": "https://j.example/a.mp3",
                    "mime_type": "audio/mpeg",
                    "size_in_bytes": 1000,
                },
                {"url": "javascript:alert(1)", "mime_type": "x"},
            ],
        },
        {"id": "2", "content_text": "Plain <text>\n\nsecond", "date_modified": "bogus"},
        {"id": "1", "title": "duplicate"},
        "not an item",
    ],
}


def test_json_feed_maps_to_articles() -> None:
    data = json.dumps(JSON_FEED).encode()
    parsed = parse(data, feed(tags=["mine"]), url="https://j.example/feed.json")
    assert parsed.format == "json1.1" and parsed.title == "JSON [2J News"
    assert parsed.link == "https://j.example/"
    first, second = parsed.articles
    assert first.guid == "1" and first.headline == "First [/]"
    assert first.link == "https://j.example/posts/1"
    assert first.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert first.tags == ["json", "feeds", "mine"] and first.kicker == "json"
    assert first.author == "Item Author" and first.lead == "A summary"
    assert [e.url for e in first.enclosures] == ["https://j.example/a.mp3"]
    assert parsed.bodies[first.id] == "<p>Hello <b>world</b></p>"
    assert second.author == "Feed Author" and second.headline == "Plain <text> second"
    assert second.published == NOW - timedelta(seconds=1)
    assert parsed.bodies[second.id] == "<p>Plain &lt;text&gt;</p>\n<p>second</p>"


def test_json_feed_detected_by_content_type_or_brace() -> None:
    data = b"\n  " + json.dumps(JSON_FEED).encode()
    assert len(parse(data).articles) == 2
    with_type = parse(
        json.dumps(JSON_FEED).encode(), headers={"Content-Type": "application/feed+json"}
    )
    assert len(with_type.articles) == 2


@pytest.mark.parametrize(
    "data", [b"{not json", b"[1, 2]", b'{"hello": "world"}', b"[" * 100_000, b'{"items": 5}']
)
def test_bad_json_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="^not a feed"):
        parse(data)


def test_large_hostile_prologs_and_encodings_stay_fast() -> None:
    feed_tail = rss_doc("<item><guid>1</guid><title>Grüße</title></item>")[38:]
    cases = [
        b"<!DOCTYPE x [" + b"<!ENTITY a 'x'>" * 300_000 + b"]>" + feed_tail.encode(),
        b"<" * 3_000_000 + feed_tail.encode(),
        (("é" * 2_000_000) + feed_tail).encode("latin-1"),
        b'<!DOCTYPE x [ "' + b"]>" * 1_000_000,
    ]
    for data in cases:
        started = time.perf_counter()
        with contextlib.suppress(ParseError):
            parse(data)
        assert time.perf_counter() - started < 3.0, data[:20]


def test_xml_body_under_a_json_content_type_is_still_xml() -> None:
    doc = rss_doc("<item><guid>1</guid><title>a</title></item>")
    assert parse(doc, headers={"Content-Type": "application/json"}).articles[0].headline == "a"


def test_json_feed_odd_values_do_not_crash() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "title": ["not", "a", "string"],
        "author": {"url": "https://a.example/me"},
        "items": [
            {
                "id": {"nested": True},
                "url": 5,
                "title": None,
                "content_text": "x",
                "date_published": "2024-13-45T99:99:99Z",
                "tags": ["ok", 3, None, {"x": 1}],
                "attachments": [
                    {"url": "https://a.example/a.mp3", "size_in_bytes": float("inf")},
                    {"url": "https://a.example/b.mp3", "size_in_bytes": -1e400},
                    "junk",
                ],
            }
        ],
    }
    parsed = parse(json.dumps(doc).encode())
    art = parsed.articles[0]
    assert parsed.format == "json1.0" and parsed.title == ""
    assert art.headline == "x" and art.author == "https://a.example/me"
    assert art.tags == ["ok", "3"] and art.published == NOW
    assert [e.length for e in art.enclosures] == [0, 0]


def test_a_wide_http_charset_on_single_byte_xml_is_ignored():
    data = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Gr\xc3\xbc\xc3\x9fe</title><guid>g</guid></item></channel></rss>"
    )
    for label in ("utf-16", "utf-32", "UTF-16LE"):
        parsed = parse_feed(
            data,
            feed=Feed.new("http://x.example/"),
            url="http://x.example/",
            headers={"content-type": f"application/rss+xml; charset={label}"},
        )
        assert [a.headline for a in parsed.articles] == ["Grüße"]
    wide = data.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16-le")
    parsed = parse_feed(
        wide,
        feed=Feed.new("http://x.example/"),
        url="http://x.example/",
        headers={"content-type": "application/rss+xml; charset=utf-16le"},
    )
    assert [a.headline for a in parsed.articles] == ["Grüße"]
