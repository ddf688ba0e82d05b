"""German and English: every marked string is in both catalogs (and nothing else is), the
compiled catalogs are current, translations keep their placeholders, the language follows
config then the locale, dates read as each language writes them, the UI marks the strings it
shows, and the CLI speaks German when asked."""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader import i18n, timefmt
from newsreader.i18n import LANGUAGES, extract_messages, read_catalog

SRC = Path(i18n.__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def test_every_marked_string_is_in_both_catalogs_and_nothing_else() -> None:
    found = set(extract_messages())
    assert len(found) > 150  # the reader and the CLI, not a token few
    for code in LANGUAGES:
        catalog = read_catalog(code)
        assert set(catalog) == found, (
            code,
            sorted(map(str, found - set(catalog)))[:5],
            sorted(map(str, set(catalog) - found))[:5],
            "run: python -m newsreader.i18n update",
        )
        for key, string in catalog.items():
            strings = (string,) if isinstance(string, str) else string
            assert strings and all(strings), (code, key)  # complete: no empty translation
            english = (key,) if isinstance(key, str) else key
            for source, translated in zip(english * 2, strings, strict=False):
                assert sorted(PLACEHOLDER.findall(source)) == sorted(
                    PLACEHOLDER.findall(translated)
                ), (code, source, translated)
    english = read_catalog("en")
    assert all((v == k) if isinstance(k, str) else (tuple(v) == k) for k, v in english.items())


def test_the_compiled_catalogs_are_current() -> None:
    for code in LANGUAGES:
        compiled = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=[code])
        for key, string in read_catalog(code).items():
            if isinstance(key, str):
                assert compiled.gettext(key) == string, (code, key)
            else:
                assert compiled.ngettext(key[0], key[1], 1) == string[0], (code, key)
                assert compiled.ngettext(key[0], key[1], 5) == string[1], (code, key)


@pytest.mark.parametrize(
    ("configured", "env", "expected"),
    [
        ("", {}, "en"),
        ("", {"LANG": "de_DE.UTF-8"}, "de"),
        ("", {"LC_ALL": "de_AT.UTF-8", "LANG": "en_GB.UTF-8"}, "de"),
        ("", {"LANGUAGE": "fr:de", "LANG": "en_US.UTF-8"}, "de"),
        ("", {"LC_MESSAGES": "C", "LANG": "de_DE.UTF-8"}, "en"),
        ("", {"LANG": "fr_FR.UTF-8"}, "en"),
        ("de", {"LANG": "en_US.UTF-8"}, "de"),
        ("en", {"LANGUAGE": "de"}, "en"),
        ("de-CH", {}, "de"),
        ("klingon", {"LANG": "de_DE"}, "de"),
    ],
)
def test_the_language_follows_the_config_then_the_locale(monkeypatch, configured, env, expected):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.resolve_language(configured) == expected


def test_dates_read_as_each_language_writes_them() -> None:
    now = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    when = datetime(2025, 12, 3, 21, 5, tzinfo=UTC)
    this_year = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    i18n.set_language("de")
    assert timefmt.long_time(when, now) == "3. Dezember 2025, 21:05 Uhr"
    assert timefmt.short_time(this_year, now) == "20.11."
    assert timefmt.short_time(when, now) == "12/25 "
    i18n.set_language("en")
    assert timefmt.long_time(when, now) == "Wed 03 Dec 2025, 21:05"
    assert timefmt.short_time(this_year, now) == "20 Nov"
    assert len(timefmt.short_time(when, now)) == 6


# Calls whose text argument is shown to the user: a plain literal there is a missed string.
SHOWN = {"notify", "Content", "TextPrompt", "set_error", "show_message", "Label", "Static"}


def test_the_ui_marks_every_literal_it_shows() -> None:
    missed = []
    for path in sorted((SRC / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in SHOWN and (
                (isinstance(first, ast.Constant) and isinstance(first.value, str))
                or isinstance(first, ast.JoinedStr)
            ):
                text = first.value if isinstance(first, ast.Constant) else ast.unparse(first)
                if re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", str(text))):
                    missed.append(f"{path.relative_to(SRC)}:{node.lineno}: {text!r}")
    assert missed == []


def test_the_cli_speaks_german_when_the_locale_or_config_says_so(data: Path, tmp_path: Path):
    def run(*args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "newsreader", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": "/usr/bin:/bin",
                "NEWSREADER_DATA_DIR": str(data),
                "NEWSREADER_CONFIG_DIR": str(tmp_path / "config"),
                **env,
            },
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "unread" in run("list", LANGUAGE="en")
    listed = run("list", LANG="de_DE.UTF-8")
    assert "ungelesen" in listed and "abgerufen" in listed
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('[ui]\nlanguage = "de"\n')
    first = run("unread", "--json", LANGUAGE="en")
    article_id = first.split('"id": "', 1)[1].split('"', 1)[0]
    shown = run("show", article_id, LANGUAGE="en")  # the config wins over the locale
    assert "Quelle:" in shown and "Schlagwörter:" in shown


def test_messages_the_engine_made_in_english_are_shown_in_german() -> None:
    """Errors are made (and stored with the feed) in English; the reader and the CLI show
    them in the reader's language, matched against the catalog's templates."""
    stored = [
        ("timed out after 30 s", "Zeitüberschreitung nach 30 s"),
        ("not a feed: got an HTML page", "kein Feed: eine HTML-Seite"),
        ("cannot resolve host feeds.example", "Rechner feeds.example nicht gefunden"),
        (
            "Full text not fetched: body larger than 5 MiB",
            "Volltext nicht geholt: Inhalt größer als 5 MiB",
        ),
        (
            "no article text found on the page (too short); timed out after 2 s",
            "kein Artikeltext auf der Seite gefunden (zu kurz); Zeitüberschreitung nach 2 s",
        ),
        ("HTTP 404 Not Found", "HTTP 404 Not Found"),  # no template: as it came
    ]
    for english, _german in stored:
        assert i18n.translate_message(english) == english  # English: untouched
    i18n.set_language("de")
    for english, german in stored:
        assert i18n.translate_message(english) == german


def test_feed_errors_read_in_german_in_the_cli(data: Path, tmp_path: Path) -> None:
    from newsreader.library import Library
    from ui_fixtures import test_settings as quiet

    with Library.open(data, settings=quiet()) as lib:
        feed = lib.sorted_feeds()[0]
        feed.last_error = "timed out after 30 s"
        feed.error_at = feed.last_fetched
        from newsreader.store import Batch

        lib.commit(Batch(feeds=[feed]))
    result = subprocess.run(
        [sys.executable, "-m", "newsreader", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "NEWSREADER_DATA_DIR": str(data),
            "NEWSREADER_CONFIG_DIR": str(tmp_path / "config"),
            "LANG": "de_DE.UTF-8",
        },
    )
    assert "FEHLER am" in result.stdout and "Zeitüberschreitung nach 30 s" in result.stdout
