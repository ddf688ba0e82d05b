"""Sharing an article (sharing.py): openers by link pattern, Markdown saved to a file."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from newsreader.library import Library
from newsreader.models import Article, Feed, utcnow
from newsreader.sharing import file_name, open_with_opener, opener_for, save_markdown
from newsreader.store import Batch


def recorder(tmp_path: Path) -> tuple[str, Path]:
    out = tmp_path / "opened.json"
    script = tmp_path / "opener.py"
    script.write_text(
        f"import json, sys\njson.dump(sys.argv[1:], open({str(out)!r}, 'w'))\n", encoding="utf-8"
    )
    return f"{sys.executable} {script}", out


def wait_for(path: Path) -> object:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"{path} not written")


def test_the_first_matching_opener_wins_and_bad_patterns_are_skipped() -> None:
    openers = {"(unclosed": "never", r"youtube\.com/|youtu\.be/": "mpv {url}", ".": "browser"}
    warnings: list[str] = []
    assert opener_for("https://youtu.be/x", openers, warnings) == ["mpv", "{url}"]
    assert opener_for("https://example.org/", openers, warnings) == ["browser"]
    assert len(warnings) == 2 and "(unclosed" in warnings[0]
    assert opener_for("https://example.org/", {r"\.pdf$": "zathura"}) is None


def test_an_opener_gets_the_link_as_one_argument(tmp_path: Path) -> None:
    command, out = recorder(tmp_path)
    url = "https://video.example/watch?v=1&t=2;rm -rf ~"
    name, error = open_with_opener(url, {"video": f"{command} --fullscreen {{url}} --end"})
    assert error is None and name == sys.executable
    assert wait_for(out) == ["--fullscreen", url, "--end"]
    name, error = open_with_opener("javascript:alert(1)", {".": command})
    assert name is None and error is not None and "http" in error
    name, error = open_with_opener("https://x.example/", {".": "/no/such/player"})
    assert name is None and error is not None and "/no/such/player" in error
    assert open_with_opener("https://x.example/", {}) == (None, None)  # the browser then


@pytest.fixture
def lib(tmp_path: Path):  # noqa: ANN201
    with Library.open(tmp_path / "data") as lib:
        feed = Feed(id="f1", url="https://example.org/feed.xml", title="Beispiel")
        art = Article(
            id="a1",
            feed_id="f1",
            guid="g1",
            headline="../../Über: Straßen/Brücken?",
            lead="Der Vorspann.",
            link="https://example.org/1",
            published=utcnow() - timedelta(hours=1),
        )
        lib.commit(Batch(feeds=[feed], articles=[art], bodies={"a1": "<p>Der Text.</p>"}))
        yield lib


def test_save_markdown_to_a_folder_or_a_file(lib: Library, tmp_path: Path) -> None:
    art = lib.articles["a1"]
    assert file_name(art) == "über-straßen-brücken.md"
    folder = tmp_path / "saved"
    folder.mkdir()
    path = save_markdown(lib, art, str(folder))
    assert path == folder / "über-straßen-brücken.md"
    text = path.read_text(encoding="utf-8")
    assert "# ../../Über: Straßen/Brücken?" in text and "Der Vorspann." in text
    assert "Der Text." in text
    other = save_markdown(lib, art, str(tmp_path / "deep" / "a.md"))
    assert other.read_text(encoding="utf-8") == text
    with pytest.raises(OSError):
        save_markdown(lib, art, "/proc/no/such/place.md")
