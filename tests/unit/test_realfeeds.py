"""Every real-world feed in shared/realfeeds goes through parse_feed cleanly and correctly."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

import pytest

from newsreader.ingest.parse import ParsedFeed, ParseError, decode_document, parse_feed
from newsreader.models import Feed
from shared_paths import REALFEEDS  # noqa: E402

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Articles per file (feedparser's count from SOURCES.md, less repeated guids).
EXPECTED = {
    "feedjira__AmazonWebServicesBlog.xml": 10,
    "feedjira__CRE.xml": 30,
    "feedjira__DuplicateContentAtomFeed.xml": 10,
    "feedjira__FeedBurnerXHTML.xml": 10,
    "feedjira__GoogleDocsList.xml": 2,
    "feedjira__HuffPostCanada.xml": 2,
    "feedjira__InvalidDateFormat.xml": 2,
    "feedjira__RSSWithComments.xml": 30,
    "feedjira__SamRuby.xml": 20,
    "feedjira__TechCrunch.xml": 20,
    "feedjira__TenderLovemaking.xml": 10,
    "feedjira__TypePadNews.xml": 10,
    "feedjira__google_alerts_atom.xml": 20,
    "feedjira__itunes.xml": 3,
    "feedjira__itunes_feedburner.xml": 3,
    "feedjira__json_feed.json": 20,
    "feedjira__pet_atom.xml": 10,
    "feedjira__youtube_atom.xml": 15,
    "miniflux__encoding_invalid-prolog.xml": 1,
    "miniflux__encoding_koi8r.xml": 2,
    "miniflux__encoding_utf8-incorrect-prolog.xml": 1,
    "miniflux__encoding_windows-1252-incorrect-prolog.xml": 0,  # a channel title, no items
    "miniflux__parser_encoding_ISO-8859-1.xml": 40,
    "miniflux__parser_encoding_WINDOWS-1251.xml": 50,
    "miniflux__parser_large_atom.xml": 25,
    "miniflux__parser_large_rss.xml": 25,
    "miniflux__parser_no_encoding_ISO-8859-1.xml": 10,
    "miniflux__parser_rdf_UTF8.xml": 60,
    "miniflux__parser_small_atom.xml": 20,
    "miniflux__parser_urdu_UTF8.xml": 26,
    "rssparser__content-encoded.rss": 7,
    "rssparser__craigslist.rss": 25,
    "rssparser__encoding.rss": 40,
    "rssparser__feedburner.atom": 25,
    "rssparser__giantbomb-podcast.rss": 730,
    "rssparser__guardian.rss": 55,
    "rssparser__gulp-atom.atom": 10,
    "rssparser__heise.atom": 15,
    "rssparser__heraldsun.rss": 2,
    "rssparser__instant-article.rss": 1,
    "rssparser__itunes-missing-image.rss": 130,  # one guid appears twice
    "rssparser__many-links.rss": 25,
    "rssparser__narro.rss": 1,
    "rssparser__reddit-atom.rss": 24,
    "rssparser__reddit-home.rss": 24,
    "rssparser__reddit.rss": 24,
    "rssparser__rss-1.rss": 69,
    "rssparser__uolNoticias.rss": 15,
}
NOT_FEEDS = {"miniflux__xml_iso88591_utf8_mismatch.xml"}  # a <note> document


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")


@cache
def parsed(name: str, content_type: str = "") -> ParsedFeed:
    feed = Feed.new(f"https://feeds.example.net/{name}", tags=["Real"])
    headers = {"Content-Type": content_type} if content_type else {}
    data = (REALFEEDS / name).read_bytes()
    return parse_feed(data, feed=feed, url=feed.url, headers=headers, now=NOW)


def _clean(value: str, where: str) -> None:
    assert not UNSAFE.search(value), f"{where}: {value[:80]!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_feed_parses_to_clean_articles(name: str) -> None:
    result = parsed(name)
    assert len(result.articles) == EXPECTED[name]
    assert result.title
    ids = [a.id for a in result.articles]
    assert len(set(ids)) == len(ids)
    assert set(result.bodies) <= set(ids)
    for art in result.articles:
        where = f"{name} {art.guid}"
        assert art.headline and art.guid and art.feed_id
        assert art.link == "" or art.link.startswith(("http://", "https://"))
        assert art.published.tzinfo is not None and art.published.year >= 1990
        assert "Real" in art.tags and len(art.tags) <= 40
        assert all(e.url.startswith(("http://", "https://")) for e in art.enclosures)
        for value in (art.headline, art.lead, art.author, art.kicker, art.source, *art.tags):
            _clean(value, where)
            assert "\t" not in value or value is art.lead
        _clean(result.bodies.get(art.id, ""), where)


def test_every_file_in_the_folder_parses_or_raises_parse_error() -> None:
    names = sorted(p.name for p in REALFEEDS.iterdir() if p.is_file() and p.suffix != ".md")
    assert len(names) >= 49
    for name in names:
        try:
            result = parsed(name)
        except ParseError as exc:
            assert name in NOT_FEEDS, f"{name}: {exc}"
            assert "\n" not in str(exc)
        else:
            assert name not in NOT_FEEDS
            if name in EXPECTED:
                assert len(result.articles) == EXPECTED[name]


def test_json_feed_yields_its_items() -> None:
    result = parsed("feedjira__json_feed.json")
    assert result.format == "json1.0" and result.title == "inessential.com"
    first = result.articles[0]
    assert first.headline == "James Dempsey and the Breakpoints Benefit App Camp for Girls"
    assert (
        first.link == "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi"
    )
    assert first.published == datetime(2017, 6, 3, 5, 5, 47, tzinfo=UTC)
    assert "<p>On Wednesday night" in result.bodies[first.id]


# (file, HTTP content-type as a server that knows would send it, words that must come out)
CHARSETS = [
    (
        "miniflux__encoding_invalid-prolog.xml",
        "application/atom+xml; charset=utf-8",
        ["테스트 피드", "Café"],
    ),
    (
        "miniflux__encoding_utf8-incorrect-prolog.xml",
        "application/atom+xml; charset=utf-8",
        ["테스트 피드", "Café"],
    ),
    (
        "miniflux__encoding_koi8r.xml",
        "application/rss+xml; charset=KOI8-R",
        ["Пример RSS ленты", "Первая новость", "Вторая новость"],
    ),
    ("miniflux__encoding_windows-1252-incorrect-prolog.xml", "text/xml; charset=utf-8", ["Euro €"]),
    (
        "miniflux__parser_encoding_ISO-8859-1.xml",
        "text/xml; charset=ISO-8859-1",
        ["Porträt für 432.500", "Viele Spieler wünschen sich"],
    ),
    (
        "miniflux__parser_encoding_WINDOWS-1251.xml",
        "text/xml; charset=windows-1251",
        ["Цитата #17703", "есть у кого жаба программер"],
    ),
    (
        "miniflux__parser_no_encoding_ISO-8859-1.xml",
        "application/rss+xml; charset=iso-8859-1",
        ["très complexe", "d'études montrent"],
    ),
    (
        "rssparser__encoding.rss",
        "text/xml; charset=iso-8859-1",
        ["Jornal de Notícias - Últimas Notícias", "Mãe de utente é a nova presidente"],
    ),
    (
        "rssparser__uolNoticias.rss",
        "text/xml; charset=windows-1252",
        ["simulações de 2º turno", "Líder na pesquisa"],
    ),
]


def _all_text(result: ParsedFeed) -> str:
    parts = [result.title]
    for art in result.articles:
        parts += [art.headline, art.lead, art.author, *art.tags]
    return "\n".join(parts)


@pytest.mark.parametrize("name,content_type,words", CHARSETS, ids=[c[0] for c in CHARSETS])
@pytest.mark.parametrize("served", ["as a file, no header", "with its HTTP charset"])
def test_wrong_or_missing_charset_labels_give_the_right_characters(
    name: str, content_type: str, words: list[str], served: str
) -> None:
    result = parsed(name, content_type if served.startswith("with") else "")
    text = _all_text(result)
    for word in words:
        assert word in text, f"{word!r} missing from {name}"
    assert "Ã" not in text and "\ufffd" not in text  # no mojibake, no replacement characters


def test_utf8_feed_served_with_a_stale_latin1_header_stays_utf8() -> None:
    text = _all_text(parsed("miniflux__parser_urdu_UTF8.xml", "text/xml; charset=iso-8859-1"))
    assert "BBC News اردو" in text and "Ø" not in text


def test_latin1_bytes_under_a_utf8_label_are_windows_1252() -> None:
    data = (REALFEEDS / "miniflux__xml_iso88591_utf8_mismatch.xml").read_bytes()
    text, codec = decode_document(data)
    assert codec == "cp1252" and "<to>Anaïs</to>" in text and "<from>Jürgen</from>" in text
    with pytest.raises(ParseError, match="^not a feed"):
        parsed("miniflux__xml_iso88591_utf8_mismatch.xml")


def test_real_feed_fields_look_right() -> None:
    guardian = parsed("rssparser__guardian.rss").articles[0]
    assert guardian.kicker == "Donald Trump" and guardian.author == "David Smith in Washington"
    assert guardian.tags[:2] == ["Donald Trump", "State of the Union address"]
    pod = parsed("rssparser__giantbomb-podcast.rss").articles[0]
    assert pod.enclosures[0].type == "audio/mpeg" and pod.enclosures[0].length == 105003355
    heise = parsed("miniflux__parser_rdf_UTF8.xml")
    assert heise.format == "rss090" and "Vorsichtsmaßnahmen" in heise.articles[0].headline
    wrapped = parsed("feedjira__DuplicateContentAtomFeed.xml")  # an Atom feed inside XHTML
    assert wrapped.title == "Avian’s Blog" and wrapped.warning
    atom = parsed("miniflux__parser_large_atom.xml").articles[0]
    assert atom.lead.startswith("LWN recently published an excellent (subscriber only)")
    assert "\n" not in atom.lead and len(atom.lead) <= 401
