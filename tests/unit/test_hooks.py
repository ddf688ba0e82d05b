"""The new-articles hook (hooks.py): argv and JSON as documented, no shell, failures one line."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from newsreader import hooks
from newsreader.library import Library
from newsreader.models import Article, Feed, utcnow
from newsreader.store import Batch

HOSTILE = "$(touch pwned); `id` | rm -rf ~ && echo \"hi\" 'x'"


def recorder(tmp_path: Path, exit_code: int = 0, sleep: float = 0) -> str:
    """A hook command that writes its arguments and stdin to out.json (and exits as told)."""
    script = tmp_path / "hook.py"
    out = tmp_path / "out.json"
    script.write_text(
        "import json, sys, time\n"
        f"time.sleep({sleep})\n"
        "got = {'argv': sys.argv[1:], 'stdin': json.load(sys.stdin)}\n"
        f"json.dump(got, open({str(out)!r}, 'w'))\n"
        f"sys.stderr.write('first\\nlast words\\n'); sys.exit({exit_code})\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


@pytest.fixture
def lib(tmp_path: Path):  # noqa: ANN201
    with Library.open(tmp_path / "data") as lib:
        feed = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")
        arts = [
            Article(
                id=f"a{i}",
                feed_id="f1",
                guid=f"g{i}",
                headline=headline,
                link=f"https://example.org/{i}",
                published=utcnow() - timedelta(hours=i),
                tags=["Welt"],
            )
            for i, headline in enumerate(("Erste Meldung", HOSTILE, "Dritte"), 1)
        ]
        lib.commit(Batch(feeds=[feed], articles=arts))
        yield lib


def test_the_hook_gets_count_titles_and_json(lib: Library, tmp_path: Path) -> None:
    lib.settings.hooks.new_articles = recorder(tmp_path)
    result = hooks.run_new_articles_hook(lib, ["a3", "a1", "a2", "gone"])
    assert result.ran and result.error is None
    got = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert got["argv"] == ["3", "Erste Meldung", HOSTILE, "Dritte"]  # newest first, literal
    assert not (Path.cwd() / "pwned").exists()
    assert got["stdin"]["count"] == 3
    first = got["stdin"]["articles"][0]
    assert first["headline"] == "Erste Meldung" and first["feed"] == "Beispiel"
    assert first["link"] == "https://example.org/1" and first["tags"] == ["Welt"]


def test_no_command_or_nothing_new_runs_nothing(lib: Library, tmp_path: Path) -> None:
    assert not hooks.run_new_articles_hook(lib, ["a1"]).ran  # no command set
    lib.settings.hooks.new_articles = recorder(tmp_path)
    assert not hooks.run_new_articles_hook(lib, []).ran
    assert not (tmp_path / "out.json").exists()


def test_failures_are_one_line(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.settings.hooks.new_articles = recorder(tmp_path, exit_code=3)
    result = hooks.run_new_articles_hook(lib, ["a1"])
    assert result.error is not None and "exited with 3: last words" in result.error
    lib.settings.hooks.new_articles = "/no/such/notifier --x"
    result = hooks.run_new_articles_hook(lib, ["a1"])
    assert result.error is not None and "/no/such/notifier not found" in result.error
    lib.settings.hooks.new_articles = "notify 'unbalanced"
    assert "bad command" in (hooks.run_new_articles_hook(lib, ["a1"]).error or "")
    monkeypatch.setattr(hooks, "TIMEOUT", 0.5)
    lib.settings.hooks.new_articles = recorder(tmp_path, sleep=5)
    result = hooks.run_new_articles_hook(lib, ["a1"])
    assert result.error is not None and "stopped" in result.error
    for error in (result.error,):
        assert "\n" not in error
