"""The `newsreader` command: every subcommand, its output and its one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from newsreader.cli import main
from sample_feeds import BASE, item, rss


@pytest.fixture
def served(feed_server):
    war = ("Ukraine", "Russland", "Krieg", "USA")
    feed_server.route(
        "/war.xml",
        body=rss(
            "Kriegsticker",
            [
                item(1, "Waffenruhe in der Ukraine gefordert", war, hours=1),
                item(2, "Ukraine und Russland verhandeln über Waffenruhe", war, hours=25),
                item(3, "USA sagen der Ukraine Hilfe zu", war, hours=49),
            ],
        ),
        etag=True,
    )
    feed_server.route(
        "/sport.xml",
        body=rss(
            "Sport",
            [
                item(4, "Bundesliga: Spitzenspiel endet remis", ("Sport", "Fußball"), hours=2),
                item(5, "Marathon in Neustadt mit Rekord", ("Sport",), hours=3),
            ],
        ),
    )
    feed_server.route("/broken.xml", status=500)
    return feed_server


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_refresh_unread_search_show(served, data_dir, capsys):
    code, out, _ = run(capsys, "add", served.url("/war.xml"), "--tag", "Welt")
    assert code == 0 and "added" in out
    run(capsys, "add", served.url("/sport.xml"))
    run(capsys, "add", served.url("/broken.xml"))

    code, out, err = run(capsys, "refresh")
    assert code == 3  # some feeds failed, the rest refreshed
    assert "5 new articles" in out and "1 failed" in out
    assert "HTTP 500" in err and err.count("\n") == 1  # one line per failed feed

    code, out, _ = run(capsys, "list")
    assert "Kriegsticker  (3 unread)  [Welt]" in out
    assert "ERROR at" in out and "HTTP 500" in out

    code, out, _ = run(capsys, "unread", "--json")
    rows = json.loads(out)
    assert len(rows) == 5 and rows[0]["headline"] == "Waffenruhe in der Ukraine gefordert"
    assert (
        rows[0]["tags"][:4] == ["Ukraine", "Russland", "Krieg", "USA"] and "Welt" in rows[0]["tags"]
    )

    code, out, _ = run(capsys, "search", "tag:ukraine", "waffenruhe", "--json")
    assert {r["headline"] for r in json.loads(out)} == {
        "Waffenruhe in der Ukraine gefordert",
        "Ukraine und Russland verhandeln über Waffenruhe",
    }
    code, _, err = run(capsys, "search", "nothing-like-this")
    assert code == 1 and "no articles match" in err

    seed = rows[0]["id"]
    code, out, _ = run(capsys, "show", seed[:8])
    assert code == 0
    # The three items carry the same categories: boilerplate of the feed, so no kicker.
    assert out.startswith("# Waffenruhe in der Ukraine gefordert\n")
    assert "Body of story 1." in out and "- one" in out
    assert "[more](https://news.example.org/more/1)" in out
    related = out.split("## Related stories", 1)[1]
    assert related.index("verhandeln") < related.index("Hilfe zu")
    assert "Bundesliga" not in related.split("\n- ")[1]
    # One reason line per entry, as a person says it; one feed, so nobody else reported it.
    assert "  _topic: Ukraine, Waffenruhe" in related and "related by" not in out
    assert "Also reported by" not in out
    code, out, _ = run(capsys, "unread", "--json")
    assert seed not in {r["id"] for r in json.loads(out)}  # show marked it read


def test_tag_export_import_remove(served, data_dir, capsys, tmp_path):
    run(capsys, "add", served.url("/war.xml"), "--title", "Krieg & Frieden")
    code, out, _ = run(capsys, "tag", "Krieg & Frieden", "Politik", "Europa")
    assert code == 0 and "Politik, Europa" in out
    run(capsys, "tag", "1", "--remove", "europa")
    target = tmp_path / "subs.opml"
    assert run(capsys, "export", str(target))[0] == 0
    text = target.read_text()
    assert 'category="Politik"' in text and "Krieg &amp; Frieden" in text

    code, out, _ = run(capsys, "remove", "1")
    assert code == 0 and "removed" in out
    code, out, _ = run(capsys, "import", str(target))
    assert code == 0 and "1 feed outline: 1 imported, 0 already there, 0 skipped" in out
    code, out, _ = run(capsys, "list")
    assert "Krieg & Frieden" in out and "[Politik]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["remove", "nope"], "no feed 'nope'"),
        (["show", "ffffffff"], "no article"),
        (["add", "javascript:alert(1)"], "unsupported URL"),
        (["import", "/nonexistent.opml"], "cannot read"),
        (["refresh"], "no feeds to refresh"),
    ],
)
def test_errors_are_one_line(data_dir, capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_opml_and_duplicate_add(data_dir, capsys, tmp_path, served):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    code, _, err = run(capsys, "import", str(bad))
    assert code == 1 and err.count("\n") == 1
    run(capsys, "add", served.url("/war.xml"))
    code, _, err = run(capsys, "add", served.url("/war.xml"))
    assert code == 1 and "already subscribed" in err


def test_module_entry_point_and_dirs(data_dir):
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "newsreader", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.startswith("newsreader 0.")
    out = subprocess.run(
        [sys.executable, "-m", "newsreader", "dirs"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert str(data_dir) in out.stdout


def test_demo_runs_offline(tmp_path):
    env = dict(os.environ, NEWSREADER_DATA_DIR=str(tmp_path / "must-not-be-used"))
    out = subprocess.run(
        [sys.executable, "-m", "newsreader", "--demo", "unread"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) >= 40
    assert not (tmp_path / "must-not-be-used").exists()


def test_corrupt_and_newer_cache_give_one_line_not_a_traceback(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    assert run(capsys, "refresh")[0] == 0
    manifest = data_dir / "manifest.json"
    text = manifest.read_text()
    manifest.write_text(text[: len(text) // 2])  # truncated, as by a disk error
    code, out, err = run(capsys, "list")
    assert code == 0 and "Kriegsticker" in out  # rebuilt from the shards
    assert "Traceback" not in err and err.strip() and err.count("\n") == 1
    assert list(data_dir.glob("manifest.json.corrupt-*"))

    import json as _json

    data = _json.loads(manifest.read_text())
    data["meta"]["1"]["schema"] = 99
    manifest.write_text(_json.dumps(data))
    code, _, err = run(capsys, "list")
    assert code == 1 and "newer" in err and err.count("\n") == 1


def test_refresh_keeps_the_search_index_current_once_someone_has_searched(served, data_dir, capsys):
    """The first search builds search.sqlite; from then on `refresh` (cron) indexes what it
    brought, so the next search has nothing to catch up with, and finds the new story."""
    from newsreader.indexes.fulltext import FILE_NAME, TermIndex
    from newsreader.store import peek

    run(capsys, "add", served.url("/war.xml"))
    assert run(capsys, "refresh")[0] == 0
    assert not (data_dir / FILE_NAME).exists()  # nobody searched yet: the refresh built none
    assert run(capsys, "search", "Waffenruhe")[0] == 0
    assert (data_dir / FILE_NAME).exists()

    served.route(
        "/war.xml",
        body=rss(
            "Kriegsticker",
            [item(9, "Gefangenenaustausch am Schwarzen Meer", ("Ukraine",), hours=0)],
        ),
    )
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and "1 new article" in out
    index = TermIndex(data_dir / FILE_NAME)
    try:
        m = peek.manifest(data_dir)
        assert m is not None and index.fed() == peek.generations(m)  # current, before a search
    finally:
        index.close()
    code, out, _ = run(capsys, "search", "Gefangenenaustausch")
    assert code == 0 and "Gefangenenaustausch am Schwarzen Meer" in out


def test_search_takes_or_fields_and_dates(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "add", served.url("/sport.xml"))
    run(capsys, "refresh")

    def headlines(*query: str) -> list[str]:
        code, out, _ = run(capsys, "search", "--json", "--", *query)
        return [r["headline"] for r in json.loads(out)] if code == 0 else []

    assert headlines("Marathon OR Bundesliga") == [
        "Bundesliga: Spitzenspiel endet remis",
        "Marathon in Neustadt mit Rekord",
    ]
    assert headlines("title:Waffenruhe") == [
        "Waffenruhe in der Ukraine gefordert",
        "Ukraine und Russland verhandeln über Waffenruhe",
    ]
    assert headlines("Ukraine", "-title:Waffenruhe") == ["USA sagen der Ukraine Hilfe zu"]
    # The sample items are dated back from a fixed BASE: after:/before: a day (local midnight)
    war = {
        "Waffenruhe in der Ukraine gefordert": BASE - timedelta(hours=1),
        "Ukraine und Russland verhandeln über Waffenruhe": BASE - timedelta(hours=25),
        "USA sagen der Ukraine Hilfe zu": BASE - timedelta(hours=49),
    }
    day = (BASE - timedelta(hours=25)).astimezone().date()
    midnight = datetime(day.year, day.month, day.day).timestamp()
    later = [h for h, at in war.items() if at.timestamp() >= midnight]
    assert 0 < len(later) < 3
    assert headlines("Ukraine", f"after:{day}") == later
    assert headlines("Ukraine", f"before:{day}") == [h for h in war if h not in later]
    assert headlines("Ukraine", "newer:1d") == []  # BASE lies in the past
    assert headlines("has:enclosure") == []


def test_saved_searches_from_the_command_line(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "add", served.url("/sport.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "query", "add", "Frieden", "Waffenruhe", "OR", "Hilfe")
    assert code == 0 and "Frieden" in out
    code, out, _ = run(capsys, "query", "add", "Sport", "tag:Sport")
    code, out, _ = run(capsys, "query", "list")
    assert "Frieden  (3 unread of 3)  Waffenruhe OR Hilfe" in out
    assert "Sport  (2 unread of 2)  tag:Sport" in out
    code, out, _ = run(capsys, "query", "show", "frieden", "--json")
    assert [r["headline"] for r in json.loads(out)] == [
        "Waffenruhe in der Ukraine gefordert",
        "Ukraine und Russland verhandeln über Waffenruhe",
        "USA sagen der Ukraine Hilfe zu",
    ]
    first = json.loads(out)[0]["id"]
    run(capsys, "show", first)  # shown: read
    code, out, _ = run(capsys, "query", "list", "--json")
    assert [(r["name"], r["unread"], r["total"]) for r in json.loads(out)] == [
        ("Frieden", 2, 3),
        ("Sport", 2, 2),
    ]
    code, out, _ = run(capsys, "query", "remove", "sport")
    assert code == 0
    code, _, err = run(capsys, "query", "remove", "sport")
    assert code != 0 and "no saved search named" in err
    code, _, err = run(capsys, "query", "add", "Leer", "der")
    assert code != 0 and "nothing to search for" in err


def test_refresh_runs_the_new_articles_hook_from_cron_too(served, data_dir, capsys, tmp_path):
    out = tmp_path / "hook-out.json"
    script = tmp_path / "hook.py"
    script.write_text(
        "import json, sys\n"
        "got = {'argv': sys.argv[1:], 'stdin': json.load(sys.stdin)}\n"
        f"json.dump(got, open({str(out)!r}, 'w'))\n",
        encoding="utf-8",
    )
    config = Path(os.environ["NEWSREADER_CONFIG_DIR"]) / "config.toml"
    config.write_text(f"[hooks]\nnew_articles = '{sys.executable} {script}'\n", encoding="utf-8")
    run(capsys, "add", served.url("/war.xml"))
    code, _, _ = run(capsys, "refresh")
    assert code == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["argv"][0] == "3" and got["argv"][1] == "Waffenruhe in der Ukraine gefordert"
    assert [a["headline"] for a in got["stdin"]["articles"]][2] == "USA sagen der Ukraine Hilfe zu"
    out.unlink()
    run(capsys, "refresh")  # nothing new: not run
    assert not out.exists()
    config.write_text("[hooks]\nnew_articles = '/no/such/notifier'\n", encoding="utf-8")
    run(capsys, "add", served.url("/sport.xml"))
    code, _, err = run(capsys, "refresh")
    assert code == 0 and "new_articles hook: /no/such/notifier not found" in err


def test_mark_read_above_below_and_by_search(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "add", served.url("/sport.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "unread", "--json")
    ids = [r["id"] for r in json.loads(out)]  # newest first: war 1h, sport 2h, 3h, war 25h, 49h
    assert len(ids) == 5
    code, out, _ = run(capsys, "mark-read", "--older-than", ids[2])
    assert code == 0 and "marked 2 articles read" in out
    code, out, _ = run(capsys, "unread", "--json")
    assert [r["id"] for r in json.loads(out)] == ids[:3]
    code, out, _ = run(capsys, "mark-read", "tag:Sport")
    assert "marked 2 articles read" in out
    code, out, _ = run(capsys, "mark-read", "--unread", "--newer-than", ids[3])
    assert "marked 2 articles unread" in out  # sport's two; the newest was never read
    code, out, _ = run(capsys, "unread", "--json")
    assert [r["id"] for r in json.loads(out)] == ids[:3]
    code, _, err = run(capsys, "mark-read", "--older-than", "zzzz")
    assert code != 0 and "zzzz" in err


def test_open_hands_unread_links_to_the_browser_and_marks_them_read(
    served, data_dir, capsys, monkeypatch
):
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "open", "--limit", "2")
    assert code == 0 and "opened 2 of 3 unread" in out
    assert len(opened) == 2 and all(u.startswith("http") for u in opened)
    code, out, _ = run(capsys, "open", "Ukraine")
    assert "opened 1 of 1 unread" in out and len(opened) == 3
    code, out, _ = run(capsys, "unread", "--json")
    assert json.loads(out) == []


def test_add_a_web_page_finds_its_feeds(feed_server, data_dir, capsys):
    html = "text/html"
    link = '<link rel="alternate" type="application/{0}+xml" title="{1}" href="{2}">'
    feed_server.route(
        "/one/",
        f"<html><head>{link.format('rss', 'Posts', 'feed.xml')}</head></html>",
        content_type=html,
    )
    feed_server.route("/one/feed.xml", rss("One", [item(1)]))
    code, out, _ = run(capsys, "add", feed_server.url("/one/"))
    assert code == 0 and "found a feed:" in out and feed_server.url("/one/feed.xml") in out
    both = link.format("rss", "Posts", "/two/rss.xml") + link.format("atom", "Kommentare", "/c")
    feed_server.route("/two/", f"<html><head>{both}</head></html>", content_type=html)
    code, out, err = run(capsys, "add", feed_server.url("/two/"))  # not a terminal: no prompt
    assert code != 0 and "offers 2 feeds" in out and "1. Posts" in out and "2. Kommentare" in out
    assert "--all" in err
    code, out, _ = run(capsys, "add", feed_server.url("/two/"), "--all", "--tag", "Blog")
    assert code == 0 and out.count("added ") == 2 and "[Blog]" in out
    feed_server.route("/none/", "<html><head></head></html>", content_type=html)
    code, _, err = run(capsys, "add", feed_server.url("/none/"))
    assert code != 0 and "no feed found" in err
    code, out, err = run(capsys, "add", feed_server.url("/down.xml"))  # 404 now: added as given
    assert code == 0 and "added as given" in err and "added http" in out
    code, out, _ = run(capsys, "add", "--as-is", feed_server.url("/none/"))
    assert code == 0 and "added http" in out
    code, out, _ = run(capsys, "list", "--json")
    assert len(json.loads(out)) == 5


def test_open_uses_the_opener_set_for_a_link(served, data_dir, capsys, monkeypatch, tmp_path):
    opened_in_browser: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened_in_browser.append(url) or True)
    out_file = tmp_path / "opener.txt"
    script = tmp_path / "opener.py"
    script.write_text(
        f"import sys\nopen({str(out_file)!r}, 'a').write(sys.argv[1] + '\\n')\n", encoding="utf-8"
    )
    config = Path(os.environ["NEWSREADER_CONFIG_DIR"]) / "config.toml"
    # the war feed's items link to .../1 .../2 .../3: one pattern takes the first only
    config.write_text(f"[openers]\n'/1$' = '{sys.executable} {script}'\n", encoding="utf-8")
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "open")
    assert code == 0 and "opened 3 of 3 unread" in out
    assert len(opened_in_browser) == 2 and not any(u.endswith("/1") for u in opened_in_browser)
    import time

    deadline = time.monotonic() + 10
    while not out_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out_file.read_text(encoding="utf-8").strip().endswith("/1")


def test_show_is_the_article_as_markdown_to_save_or_pipe(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "unread", "--json")
    first = json.loads(out)[0]
    code, out, _ = run(capsys, "show", first["id"])
    assert code == 0 and out.startswith(("# ", "**")) and f"# {first['headline']}" in out


def test_filters_from_the_config_at_refresh_and_on_demand(served, data_dir, capsys):
    config = Path(os.environ["NEWSREADER_CONFIG_DIR"]) / "config.toml"
    config.write_text(
        "[[filters]]\nquery = 'tag:Sport'\naction = 'read'\nname = 'Sport gelesen'\n"
        "[[filters]]\nquery = 'Marathon'\naction = 'hide'\n"
        "[[filters]]\nquery = 'x'\naction = 'explode'\n",
        encoding="utf-8",
    )
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "add", served.url("/sport.xml"))
    code, out, err = run(capsys, "refresh")
    assert code == 0 and "2 filtered" in out and "explode" in err
    code, out, _ = run(capsys, "unread", "--json")
    assert len(json.loads(out)) == 3  # the war feed's; sport: one read, one never stored
    code, out, _ = run(capsys, "filter", "list")  # Marathon is Sport too: hidden wins
    assert "Sport gelesen  (read, 1 hits)  tag:Sport" in out and "Marathon  (hide, 1 hits)" in out
    code, out, _ = run(capsys, "filter", "hits", "--json")
    assert sorted(h["headline"] for h in json.loads(out)) == [
        "Bundesliga: Spitzenspiel endet remis",
        "Marathon in Neustadt mit Rekord",
    ]
    code, out, _ = run(capsys, "filter", "undo", "sport gelesen")
    assert "1 marks or tags taken back" in out
    code, out, _ = run(capsys, "unread", "--json")
    assert len(json.loads(out)) == 4
    config.write_text("[[filters]]\nquery = 'Waffenruhe'\naction = 'hide'\n", encoding="utf-8")
    code, out, _ = run(capsys, "filter", "apply")
    assert code == 0 and "2 hidden" in out
    code, out, _ = run(capsys, "search", "--json", "Waffenruhe")
    assert json.loads(out) == []


def test_tag_one_article(served, data_dir, capsys):
    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "unread", "--json")
    first = json.loads(out)[0]
    code, out, err = run(capsys, "tag-article", first["id"][:8], "Später lesen", "--remove", "USA")
    assert code == 0 and "Später lesen" in out and "'USA' is the feed's or the item's tag" in err
    code, out, _ = run(capsys, "search", "--json", 'tag:"Später lesen"')
    assert [r["id"] for r in json.loads(out)] == [first["id"]]
    run(capsys, "refresh")  # the feed's version of the article again: the tag stays
    code, out, _ = run(capsys, "show", "--json", first["id"])
    assert "Später lesen" in json.loads(out)["tags"]
    code, out, _ = run(capsys, "tag-article", first["id"], "--remove", "später lesen")
    assert code == 0 and "Später lesen" not in out
    code, _, err = run(capsys, "tag-article", first["id"])
    assert code != 0 and "give tags" in err


def test_copy_link_sends_osc_52(served, data_dir, capsys):
    import base64

    run(capsys, "add", served.url("/war.xml"))
    run(capsys, "refresh")
    code, out, _ = run(capsys, "unread", "--json")
    first = json.loads(out)[0]
    code, out, _ = run(capsys, "copy-link", first["id"])  # not a terminal: the link alone
    assert code == 0 and out == first["link"] + "\n"
    code, out, _ = run(capsys, "copy-link", "--osc52", first["id"])
    sequence = "\x1b]52;c;" + base64.b64encode(first["link"].encode()).decode() + "\x07"
    assert out == sequence + first["link"] + "\n"
