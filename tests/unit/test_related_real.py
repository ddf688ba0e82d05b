"""Related stories on real news: the shared real feeds (heise, Golem, Giant Bomb, the Guardian)
and the realnews snapshots with our hand-made labels, through the real ingest (Library +
refresh of the local files). Each case was wrong before: feed tags as reasons, undated items
never relating, filler from the same feed."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.config import Settings
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.models import Article
from shared_paths import REALFEEDS, REALNEWS

BENCH = Path(__file__).resolve().parents[2] / "bench"
GERMAN_TECH = {
    "rssparser__heise.atom",  # heise developer, dated 2016
    "miniflux__parser_rdf_UTF8.xml",  # heise online, RDF, undated, 2018
    "miniflux__parser_encoding_ISO-8859-1.xml",  # Golem, dated October 2018
}
ENGLISH = {
    "rssparser__giantbomb-podcast.rss",
    "rssparser__guardian.rss",
    "feedjira__TechCrunch.xml",
}


@pytest.fixture(scope="module")
def tech(tmp_path_factory: pytest.TempPathFactory) -> Library:
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")
    lib = Library.open(tmp_path_factory.mktemp("tech"), settings=Settings(parse_workers=2))
    for name in sorted(GERMAN_TECH):
        lib.add_feed(str(REALFEEDS / name), tags=["Tech", "Deutsch"])
    for name in sorted(ENGLISH):
        lib.add_feed(str(REALFEEDS / name), tags=["Tech", "English"])
    assert not refresh_sync(lib).failures
    yield lib
    lib.close()


def headline(lib: Library, text: str) -> Article:
    found = [a for a in lib.articles.values() if text in a.headline]
    assert len(found) == 1, (text, [a.headline for a in found])
    return found[0]


def related_headlines(lib: Library, art: Article) -> list[str]:
    return [lib.articles[r.article_id].headline for r in lib.related(art)]


def test_red_hat_relates_to_red_hat_not_to_games_or_phones(tech: Library) -> None:
    seed = headline(tech, "IBM übernimmt Red Hat")
    assert not seed.dated  # heise's RDF items carry no date
    got = related_headlines(tech, seed)
    assert any("Red Hat gibt WildFly 10 frei" in h for h in got), got
    for wrong in ("Red Dead", "Fortnite", "Motorola"):
        assert not any(wrong in h for h in got), got


def test_undated_red_dead_relates_to_golems_red_dead_articles(tech: Library) -> None:
    seed = headline(tech, "Red Dead Redemption 2: Die Entschleunigung")
    got = related_headlines(tech, seed)
    golem = [h for h in got if h.startswith("Red Dead Redemption 2") and h != seed.headline]
    assert len(golem) == 3, got
    reasons = [r.reason for r in tech.related(seed)]
    assert "Red Dead Redemption" in reasons[0], reasons


def test_the_users_feed_tags_are_never_a_reason(tech: Library) -> None:
    seen = 0
    for art in list(tech.articles.values())[::7]:
        for rel in tech.related(art):
            seen += 1
            said = rel.reason.casefold()
            assert "tech" not in rel.shared_tags and "Deutsch" not in rel.shared_tags
            assert not said.endswith(("tech", "deutsch", "english")), rel.reason
            assert "deutsch," not in said and "tech," not in said, rel.reason
    assert seen > 50


def test_same_event_across_heise_and_golem_is_found(tech: Library) -> None:
    pairs = [
        ("Fujitsu schließt Werk in Augsburg", "Fujitsu Deutschland macht alles dicht"),
        ("British-Airways-Hack: 185.000 weitere Kunden", "185.000 weiteren British-Airways-Kunden"),
        ("Auktionshaus Christie's versteigert KI-Gemälde", "Von KI erstelltes Porträt"),
    ]
    for seed_text, other_text in pairs:
        got = related_headlines(tech, headline(tech, seed_text))
        assert any(other_text in h for h in got), (seed_text, got)


# ------------------------------------------------------------------ the seed-shaped check


def test_five_stories_of_one_war_from_three_feeds_relate_to_each_other_first() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_related import background

    now = datetime(2024, 11, 20, 12, tzinfo=UTC)
    war = ["Ukraine", "Russland", "Krieg", "USA"]
    stories = [
        ("w0", "tagesschau", "Selenskyj fordert mehr Flugabwehr nach Angriff auf Kiew"),
        ("w1", "spiegel", "Russland greift Energieanlagen in der Westukraine an"),
        ("w2", "ntv", "USA liefern weitere Raketen an die Ukraine"),
        ("w3", "tagesschau", "Kämpfe um Kursk: Ukrainische Truppen unter Druck"),
        ("w4", "spiegel", "Putin droht dem Westen nach Raketenfreigabe der USA"),
    ]
    articles: dict[str, Article] = {}
    for i, (aid, feed, title) in enumerate(stories):
        articles[aid] = Article(
            id=aid,
            feed_id=feed,
            guid=aid,
            headline=title,
            link=f"https://example.org/{aid}",
            published=now - timedelta(days=i),
            lead=f"{title}. Der Krieg in der Ukraine geht weiter, Russland und die USA reagieren.",
            tags=list(war),
        )
    for a in background(600, war=False):
        articles[a.id] = a
    from newsreader.indexes.related import RelatedIndex

    index = RelatedIndex(articles, lambda f: f)
    index.add_many(articles.values())
    war_ids = {aid for aid, _f, _t in stories}
    for aid in war_ids:
        got = [r.article_id for r in index.related(aid, k=5)]
        assert set(got[:4]) == war_ids - {aid}, (aid, got)


# ------------------------------------------------------------------ realnews, labelled


@pytest.mark.slow
def test_realnews_quality_holds_the_acceptance_figures(tmp_path: Path) -> None:
    """bench/related_quality.py on ../shared/realnews: same-story recall@5 >= 0.9 and
    precision@5 >= 0.8 (the figures in docs/RELATED.md come from the same script)."""
    if not REALNEWS.is_dir():
        pytest.skip(f"realnews not found at {REALNEWS}")
    sys.path.insert(0, str(BENCH))
    import related_quality

    labels = json.loads((BENCH / "realnews_labels.json").read_text(encoding="utf-8"))
    lib = related_quality.load(REALNEWS, tmp_path / "data")
    try:
        result = related_quality.evaluate(lib, labels)
    finally:
        lib.close()
    assert result["story_seeds"] >= 100
    assert result["story_recall_at_5"] >= 0.9, result
    assert result["precision_at_5"] >= 0.8, result
    assert result["same_feed_filler_share"] <= 0.1, result
    # Folding whole stories never mixes unrelated news: 0.93 measured (docs/RELATED.md).
    assert result["fold_story_or_topic"] >= 0.9, result
