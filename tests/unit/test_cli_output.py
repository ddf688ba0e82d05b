"""CLI output: columns that line up in terminal cells, and `--json` on every listing command."""

from __future__ import annotations

import json

from newsreader import cli
from newsreader.cells import cell_len, fit
from sample_feeds import item, rss


def test_fit_counts_terminal_cells() -> None:
    assert cell_len("테스트 피드") == 11 and cell_len("Zoë") == 3 and cell_len("e\u0301") == 1
    assert cell_len("📰 News") == 7
    for text in (
        "테스트 피드 이름이 아주 깁니다",
        "Plain feed title that is long",
        "📰📰📰📰📰📰📰📰📰📰📰📰📰",
    ):
        assert cell_len(fit(text, 24)) == 24
    assert fit("short", 8) == "short   "
    assert fit("테스트 피드 이름이 아주 깁니다", 10).endswith("…") or "…" in fit(
        "테스트 피드 이름이 아주 깁니다", 10
    )


def _feeds(feed_server) -> None:
    feed_server.route("/ko.xml", body=rss("테스트 피드", [item(1, "첫 번째 기사")]))
    feed_server.route("/en.xml", body=rss("Plain News", [item(2, "Second story")]))
    for path in ("/ko.xml", "/en.xml"):
        assert cli.main(["add", feed_server.url(path)]) == 0
    assert cli.main(["refresh", "-q"]) == 0


def test_article_columns_line_up_with_cjk_feed_titles(feed_server, data_dir, capsys) -> None:
    _feeds(feed_server)
    capsys.readouterr()
    assert cli.main(["unread"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 2
    # The headline starts in the same terminal column on every line.
    starts = set()
    for line in lines:
        headline = next(h for h in ("첫 번째 기사", "Second story") if h in line)
        starts.add(cell_len(line[: line.index(headline)]))
    assert len(starts) == 1, lines


def test_json_on_list_show_unread_search_and_dirs(feed_server, data_dir, capsys) -> None:
    _feeds(feed_server)
    capsys.readouterr()
    assert cli.main(["list", "--json"]) == 0
    feeds = json.loads(capsys.readouterr().out)
    assert [f["title"] for f in feeds] == ["Plain News", "테스트 피드"]
    assert set(feeds[0]) >= {"number", "id", "url", "title", "tags", "unread", "status", "error"}
    assert cli.main(["unread", "--json"]) == 0
    arts = json.loads(capsys.readouterr().out)
    assert {a["headline"] for a in arts} == {"첫 번째 기사", "Second story"}
    assert cli.main(["search", "Second", "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert cli.main(["show", found["id"][:8], "--json", "--keep-unread"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == found["id"] and shown["headline"] == "Second story"
    assert "Body of story 2" in shown["text"] and shown["full_text"] == "feed"
    assert isinstance(shown["related"], list) and isinstance(shown["also_reported_by"], list)
    assert cli.main(["dirs", "--json"]) == 0
    dirs = json.loads(capsys.readouterr().out)
    assert set(dirs) == {"data", "config", "config_file"} and dirs["data"] == str(data_dir)
