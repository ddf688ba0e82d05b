"""The lead once: real feeds repeat their teaser in the body; the article shows it once.

One test per pattern, on the shared real feeds, through the real ingest and
`Library.body_markdown` (what the reader and `newsreader show` display)."""

from __future__ import annotations

import re

import pytest

from newsreader.config import Settings
from newsreader.ingest.refresh import refresh_sync
from newsreader.lead_once import drop_repeated_lead
from newsreader.library import Library
from shared_paths import REALFEEDS

PATTERNS = {
    # feed file: what its body does with the teaser
    "miniflux__parser_encoding_ISO-8859-1.xml": "Golem: image, the teaser word for word, links",
    "rssparser__guardian.rss": "Guardian: the standfirst paragraph, then the paragraph cut",
    "miniflux__parser_rdf_UTF8.xml": "heise RDF: the body is the teaser",
    "rssparser__heise.atom": "heise developer: linked image, then the teaser",
    "feedjira__TechCrunch.xml": "TechCrunch: image, then the teaser as a paragraph",
    "feedjira__CRE.xml": "CRE: a bold subtitle, then the lead again",
}


def flat(text: str) -> str:
    return " ".join(re.sub(r"[*_\\\\]", "", text).split())


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")
    library = Library.open(tmp_path_factory.mktemp("lead"), settings=Settings(parse_workers=2))
    for name in PATTERNS:
        library.add_feed(str(REALFEEDS / name))
    assert not refresh_sync(library).failures
    yield library
    library.close()


@pytest.mark.parametrize("name", list(PATTERNS), ids=[p.split(":")[0] for p in PATTERNS.values()])
def test_the_lead_appears_once(lib: Library, name: str) -> None:
    feed = next(f for f in lib.feeds.values() if f.url.endswith(name))
    articles = [a for a in lib.newest_first() if a.feed_id == feed.id][:6]
    assert articles
    repeated_before = 0
    for art in articles:
        opening = flat(art.lead)[:60]
        assert len(opening) >= 30, art.lead
        stored = flat(lib.body_html(art))
        raw = flat(re.sub(r"<[^>]+>", " ", lib.body_html(art)))
        repeated_before += opening in raw or opening in stored
        assert opening not in flat(lib.body_markdown(art)), (PATTERNS[name], art.headline)
    assert repeated_before >= 1  # the feed really has the pattern


def test_images_and_the_rest_of_the_body_stay() -> None:
    lead = "Viele Spieler wünschen sich eine PC-Version, aber der Hersteller schweigt."
    body = f'<img src="https://x.example/a.jpg"><p>{lead}</p><p>Der zweite Absatz bleibt.</p>'
    out = drop_repeated_lead(body, lead)
    assert '<img src="https://x.example/a.jpg">' in out
    assert "Der zweite Absatz bleibt." in out and "schweigt" not in out
    assert "<p></p>" not in out


def test_a_longer_paragraph_that_starts_like_the_lead_is_kept() -> None:
    lead = "The minister resigned on Monday after weeks of pressure"
    body = f"<p>{lead} from his own party, and a successor is expected within days.</p>"
    assert drop_repeated_lead(body, lead) == body


def test_a_lead_cut_inside_a_paragraph_drops_only_the_whole_paragraphs_before() -> None:
    lead = "A standfirst of a few words here\n\nThe first paragraph goes on and is cu"
    body = (
        "<p>A standfirst of a few words here</p>"
        "<p>The first paragraph goes on and is cut by the feed's summary.</p>"
    )
    out = drop_repeated_lead(body, lead)
    assert "standfirst" not in out
    assert "<p>The first paragraph goes on and is cut by the feed's summary.</p>" in out


def test_short_leads_and_no_match_change_nothing() -> None:
    body = "<p>Kurz.</p><p>Etwas ganz anderes steht hier im Text.</p>"
    assert drop_repeated_lead(body, "Kurz.") == body
    assert drop_repeated_lead(body, "Ein Lead, der im Text gar nicht vorkommt, gar nicht.") == body
