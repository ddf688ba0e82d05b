"""`newsreader show`: one reason line per related story, and "Also reported by" naming the other
feeds that carry the story (copies first), each with an id to show it by."""

from __future__ import annotations

from datetime import timedelta

from newsreader.cli import main
from newsreader.library import Library
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from sample_feeds import item, rss
from ui_fixtures import build_demo_cache, open_library


def show(capsys, ref: str) -> str:
    code = main(["show", ref, "--keep-unread"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_show_names_the_feeds_that_carry_a_copy(feed_server, data_dir, capsys):
    shared = item(1, "Harbour bridge closes for repairs until spring", hours=2)
    newer = dict(shared, date=shared["date"] + timedelta(hours=1))
    feed_server.route("/a.xml", body=rss("Alpha Daily", [shared, item(2, hours=3)]))
    feed_server.route("/b.xml", body=rss("Beta Wire", [newer]))
    feed_server.route("/c.xml", body=rss("Gamma Post", [item(3, hours=4)]))
    for path in ("/a.xml", "/b.xml", "/c.xml"):
        assert main(["add", feed_server.url(path)]) == 0
    assert main(["refresh"]) == 0
    capsys.readouterr()
    with Library.open(data_dir) as lib:
        by_feed = {
            lib.feed_title(a.feed_id): a for a in lib.articles.values() if "bridge" in a.headline
        }
    alpha, beta = by_feed["Alpha Daily"], by_feed["Beta Wire"]

    out = show(capsys, alpha.id)
    byline = out.index("_\n") + 2  # right under the date line
    assert out[byline:].lstrip("\n").startswith(f"Also reported by: Beta Wire `{beta.id[:10]}`\n")
    assert "Gamma Post" not in out.split("---")[0]  # another story is not coverage
    # The copy is the same article: never listed again among the related stories.
    related = out.partition("## Related stories")[2]
    assert beta.id[:10] not in related

    out = show(capsys, beta.id[:10])
    assert f"Also reported by: Alpha Daily `{alpha.id[:10]}`" in out


def test_show_a_story_reported_by_other_feeds(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    build_demo_cache(data)
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "config"))
    with open_library(data) as lib:
        seed = next(a for a in lib.articles.values() if a.headline.startswith("Tessendorf leads"))
        coverage = {lib.feed_title(a.feed_id): a.id for a in lib.coverage(seed)}
    assert set(coverage) == {"Neustädter Anzeiger", "WRF24 – Nachrichten aus Weidenland"}

    out = show(capsys, seed.id)
    also = next(line for line in out.splitlines() if line.startswith("Also reported by: "))
    for title, article_id in coverage.items():
        assert f"{title} `{article_id[:10]}`" in also
    related = out.split("## Related stories\n", 1)[1]
    reasons = [line.strip() for line in related.splitlines() if line.startswith("  _")]
    # One reason per story, as a person says it: the same story's names first.
    assert reasons and reasons[0].startswith("_same story: ") and "Tessendorf" in related
    assert all(r.startswith(("_same story: ", "_topic: ")) for r in reasons)
    assert "related by" not in out and "Demo" not in "".join(reasons)
