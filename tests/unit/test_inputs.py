"""What users hand newsreader: feed URLs, OPML files, `[keys]` in config.toml.

Each is taken or refused in the open: a file: URL is held to the same rule as a path, an import
accounts for every outline, and two bindings of one key give a warning and a kept `q`.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.config import load_settings
from newsreader.library import Library, LibraryError, normalise_feed_url
from newsreader.ui.bindings import COMMANDS, resolve_keymap, screen_bindings
from sample_feeds import item, rss

LOCAL = "http://127.0.0.1:9"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- 1. file: URLs and paths


@pytest.mark.parametrize("ref", ["/nonexistent/feed.xml", "file:///nonexistent/feed.xml"])
def test_a_missing_file_is_refused_as_a_path_and_as_a_file_url(data_dir, capsys, ref):
    code, out, err = run(capsys, "add", ref)
    assert code == 1 and out == ""
    assert "existing file" in err and ref in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "no feeds yet" in run(capsys, "list")[1]  # nothing was subscribed


def test_an_existing_file_url_works_and_is_the_same_feed_as_its_path(data_dir, capsys, tmp_path):
    feed = tmp_path / "my feed.xml"
    feed.write_bytes(rss("Local", [item(1, "A local story", ("Lokal",), hours=1)]))
    code, out, _ = run(capsys, "add", feed.as_uri())
    assert code == 0 and "added file://" in out
    for same in (str(feed), f"file://localhost{feed.as_uri()[7:]}"):
        code, _, err = run(capsys, "add", same)
        assert code == 1 and "already subscribed" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and "1 new article" in out
    assert "A local story" in run(capsys, "unread")[1]


def test_file_urls_need_a_local_file(tmp_path):
    present = tmp_path / "x.xml"
    present.write_text("<rss/>", "utf-8")
    assert normalise_feed_url(present.as_uri()) == present.resolve().as_uri()
    assert normalise_feed_url(str(present)) == present.resolve().as_uri()
    for bad, message in [
        ((tmp_path / "nope.xml").as_uri(), "not an existing file"),
        (f"file://otherhost{present}", "file URL on another host"),
        ("file:relative.xml", "not an existing file"),
    ]:
        with pytest.raises(LibraryError, match=message):
            normalise_feed_url(bad)


# ---------------------------------------------------------------- 2. OPML import


def hostile_opml(tmp_path: Path) -> tuple[Path, Path]:
    """An OPML file with every kind of outline; returns it and the local feed it names."""
    local = tmp_path / "local feed.xml"
    local.write_bytes(rss("Local", [item(1, "Local story", (), hours=1)]))
    missing = (tmp_path / "gone.xml").as_uri()
    target = tmp_path / "subs.opml"
    target.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>t</title></head><body>
  <outline text="News" title="News">
    <outline type="rss" text="A" xmlUrl="{LOCAL}/a.xml"/>
    <outline type="rss" text="Known" xmlUrl="{LOCAL}/known.xml"/>
    <outline type="rss" text="A again" xmlUrl="{LOCAL}/a.xml" category="Extra"/>
    <outline text="Script" xmlUrl="javascript:alert(1)"/>
    <outline text="Inline" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
    <outline text="Old" xmlUrl="ftp://127.0.0.1/feed.xml"/>
    <outline text="Relative" xmlUrl="feed.xml"/>
    <outline text="&#x9b;31mRed&#x202e;" xmlUrl="gopher://x/&#x9b;1"/>
  </outline>
  <outline text="Local" xmlUrl="{local.as_uri()}"/>
  <outline text="Elsewhere" xmlUrl="{missing}"/>
  <outline type="link" text="A web page" url="{LOCAL}/page.html"/>
  <outline type="include" text="More" url="{LOCAL}/more.opml"/>
  <outline text="Nothing"/>
  <outline text="Empty folder"><outline text="Deeper"><outline text="B" xmlUrl="{LOCAL}/b.xml"/>
  </outline></outline>
</body></opml>
""",
        encoding="utf-8",
    )
    return target, local


def feed_outlines(path: Path) -> int:
    """Outlines that are not folders, counted straight from the XML."""
    outlines = list(ET.parse(path).iter("outline"))
    return sum(1 for o in outlines if o.get("xmlUrl") or o.get("url") or not len(o))


def test_import_accounts_for_every_outline(data_dir, capsys, tmp_path):
    opml, local = hostile_opml(tmp_path)
    run(capsys, "add", f"{LOCAL}/known.xml")
    code, out, err = run(capsys, "import", str(opml))
    assert code == 0 and err == ""
    lines = out.splitlines()
    summary = re.fullmatch(
        r".*subs\.opml: (\d+) feed outlines: (\d+) imported, (\d+) already there, (\d+) skipped",
        lines[0],
    )
    assert summary, lines[0]
    total, imported, already, skipped = map(int, summary.groups())
    assert total == feed_outlines(opml) == 14
    assert (imported, already, skipped) == (3, 1, 10)
    assert imported + already + skipped == total
    reasons = [line for line in lines[1:] if line.startswith("  skipped ")]
    assert len(reasons) == skipped
    expected = {
        '"A again"': "the same feed as an earlier outline",
        '"Script"': 'unsupported URL scheme "javascript:"',
        '"Inline"': 'unsupported URL scheme "data:"',
        '"Old"': 'unsupported URL scheme "ftp:"',
        '"Relative"': "not an absolute URL",
        '"31mRed"': 'unsupported URL scheme "gopher:"',
        '"Elsewhere"': "not an existing file",
        '"A web page"': "a web page",
        '"More"': "another OPML list",
        '"Nothing"': "no feed URL",
    }
    for label, reason in expected.items():
        assert sum(label in line and reason in line for line in reasons) == 1, (label, reasons)
    assert "\x9b" not in out and "\u202e" not in out  # names are shown as plain text
    files = [line for line in lines[1:] if "local file" in line]
    assert files == [f"  local file, read at every refresh: {local.resolve()}"]
    assert len(lines) == 1 + skipped + len(files)

    listing = run(capsys, "list")[1]
    assert local.resolve().as_uri() in listing and f"{LOCAL}/b.xml" in listing
    assert "[News, Extra]" in listing  # the duplicate's category reached the first outline
    # Once more: nothing new, the same outlines, the numbers still add up.
    out = run(capsys, "import", str(opml))[1]
    assert out.splitlines()[0].endswith("14 feed outlines: 0 imported, 4 already there, 10 skipped")
    assert "local file" not in out


def test_add_feeds_puts_every_entry_in_one_list(data_dir, tmp_path):
    local = tmp_path / "f.xml"
    local.write_text("<rss/>", "utf-8")
    with Library.open(data_dir) as lib:
        known = lib.add_feed(f"{LOCAL}/known.xml")
        entries = [
            (f"{LOCAL}/known.xml", "", ["New"]),
            (f"{LOCAL}/a.xml", "A", ["X"]),
            (f"feed:{LOCAL}/a.xml", "A as feed:", ["Y"]),  # the same feed once normalised
            (str(local), "", []),
            (local.as_uri(), "", []),
            ((tmp_path / "gone.xml").as_uri(), "Gone", []),
            ("javascript:alert(1)", "", []),
        ]
        result = lib.add_feeds(entries)
        assert [f.url for f in result.added] == [f"{LOCAL}/a.xml", local.resolve().as_uri()]
        assert result.already == [f"{LOCAL}/known.xml"]
        assert [s.reason for s in result.skipped] == [
            "the same feed as an earlier entry (its tags were added to it)",
            "the same feed as an earlier entry (its tags were added to it)",
            "not an existing file",
            "unsupported URL (only http, https and file)",
        ]
        assert len(result.added) + len(result.already) + len(result.skipped) == len(entries)
        assert tuple(result) == (2, 5)  # still unpacks as (added, not added)
        assert result.local_files == [str(local.resolve())]
        assert lib.feeds[known.id].tags == ["New"]
        assert next(f for f in lib.feeds.values() if f.title == "A").tags == ["X", "Y"]
    with Library.open(data_dir) as lib:  # written to disk
        assert len(lib.feeds) == 3


@pytest.mark.anyio
async def test_the_welcome_screen_import_tells_what_it_skipped_and_which_files_it_reads(tmp_path):
    from newsreader.ui.screens.main import MainScreen
    from newsreader.ui.screens.welcome import WelcomeScreen
    from ui_fixtures import make_app

    opml, local = hostile_opml(tmp_path)
    useless = tmp_path / "useless.opml"
    useless.write_text(
        '<opml version="2.0"><body><outline text="js" xmlUrl="javascript:x"/></body></opml>'
    )
    Library.open(tmp_path / "empty").close()
    app = make_app(tmp_path / "empty", tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        app.post_message(WelcomeScreen.ImportOpml(str(useless)))
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert "1 feed outline: 0 imported, 0 already there, 1 skipped" in app.screen.error
        assert 'unsupported URL scheme "javascript:"' in app.screen.error
        assert "\n" not in app.screen.error  # one line
        app.post_message(WelcomeScreen.ImportOpml(str(opml)))
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        assert isinstance(app.screen, MainScreen)
        notes = [n for n in app._notifications if n.title == "Import"]
        assert len(notes) == 1 and notes[0].markup is False
        text = notes[0].message
        assert "14 feed outlines: 4 imported, 0 already there, 10 skipped" in text
        assert f"local file, read at every refresh: {local.resolve()}" in text
        assert "… and 5 more skipped outlines" in text  # the toast lists five


# ---------------------------------------------------------------- 3. [keys] clashes


def write_config(tmp_path: Path, keys: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[keys]\n{keys}\n", encoding="utf-8")
    return path


def effective(keymap: dict[str, str]) -> dict[str, list[str]]:
    """key -> binding ids on the main screen, as Textual applies the keymap."""
    from textual.binding import BindingsMap

    bindings = BindingsMap(screen_bindings())
    bindings.apply_keymap(keymap)
    # A binding with two default keys is listed once per key; the same id twice is one action.
    return {
        key: list(dict.fromkeys(b.id for b in found))
        for key, found in bindings.key_to_bindings.items()
    }


@pytest.mark.parametrize(
    "keys", ['star = "s"\nquit = "s"', 'quit = "s"\nstar = "s"'], ids=["star-first", "quit-first"]
)
def test_one_key_for_two_actions_warns_and_q_still_quits(tmp_path, keys):
    settings = load_settings(write_config(tmp_path, keys))
    resolved = resolve_keymap(settings.keys)
    assert resolved.warnings == [
        'config: key "s" is bound to both '
        + ("star and quit" if keys.startswith("star") else "quit and star")
        + ' in [keys]; star keeps it (its default); quit keeps its default "q"'
    ]
    table = effective(resolved.keymap)
    assert table["s"] == ["star"] and table["q"] == ["quit"]


def test_a_key_taken_from_a_default_says_which_action_lost_it():
    resolved = resolve_keymap({"quit": "s"})
    assert resolved.warnings == [
        'config: key "s" is bound to quit in [keys] and is the default of star; quit gets it; '
        "star has no key left (give it one in [keys])"
    ]
    table = effective(resolved.keymap)
    assert table["s"] == ["quit"] and "q" not in table
    assert "star" not in {i for ids in table.values() for i in ids}
    # Another key for star settles it, without a warning.
    settled = resolve_keymap({"quit": "s", "star": "asterisk"})
    assert settled.warnings == [] and effective(settled.keymap)["asterisk"] == ["star"]
    # An action with two default keys keeps the other one.
    partial = resolve_keymap({"forward": "backspace"})
    assert partial.warnings == [
        'config: key "backspace" is bound to forward in [keys] and is the default of back; '
        'forward gets it; back keeps "alt+left"'
    ]
    assert effective(partial.keymap)["alt+left"] == ["back"]


def test_no_warning_without_a_clash_keys_in_either_spelling_and_widget_sets():
    plain = resolve_keymap({"star": "x", "quit": "s", "search": "/", "help": "?,H"})
    assert plain.warnings == [] and plain.keymap["search"] == "slash"
    assert plain.keymap["help"] == "question_mark,H"
    assert resolve_keymap({"unread_only": "?"}).warnings == [
        'config: key "question_mark" is bound to unread_only in [keys] and is the default of '
        "help; unread_only gets it; help has no key left (give it one in [keys])"
    ]
    # The widgets' own keys are a set of their own: j in the headline list is no clash.
    widget = [[("headline_up", "up,k"), ("headline_down", "down,j")]]
    assert resolve_keymap({"star": "j"}, widget).warnings == []
    clash = resolve_keymap({"headline_up": "x", "headline_down": "x"}, widget)
    assert clash.keymap == {"headline_up": "x", "headline_down": "down,j"}
    assert clash.warnings == [
        'config: key "x" is bound to both headline_up and headline_down in [keys]; '
        'headline_up keeps it (the first in [keys]); headline_down keeps its default "down", "j"'
    ]


def test_keys_as_a_toml_list_and_in_file_order(tmp_path):
    settings = load_settings(write_config(tmp_path, 'quit = ["x", "q"]\nstar = "s,*"'))
    assert settings.keys == {"quit": "x,q", "star": "s,*"}  # a list is not "['x', 'q']"
    assert list(settings.keys) == ["quit", "star"]  # file order decides ties
    table = effective(resolve_keymap(settings.keys).keymap)
    assert table["x"] == table["q"] == ["quit"] and table["asterisk"] == ["star"]


def test_every_key_does_one_thing_whatever_the_config():
    ids = [c.id for c in COMMANDS]
    defaults = {c.id: c.keys.split(",") for c in COMMANDS}
    pool = sorted({k for keys in defaults.values() for k in keys} | {"x", "y", "z"})
    rng = random.Random(7)
    for _ in range(400):
        raw = {
            binding_id: ",".join(rng.sample(pool, rng.randint(1, 2)))
            for binding_id in rng.sample(ids, rng.randint(1, 6))
        }
        resolved = resolve_keymap(raw)
        table = effective(resolved.keymap)
        assert all(len(found) == 1 for found in table.values()), (raw, table)
        bound = {found[0] for found in table.values()}
        asked = {k for keys in raw.values() for k in keys.split(",")}
        for key in asked:  # every key in [keys] does one of the actions that asked for it
            assert table[key][0] in [i for i, keys in raw.items() if key in keys.split(",")]
        for binding_id in ids:  # an action untouched by [keys] keeps its keys
            if binding_id not in raw and not asked & set(defaults[binding_id]):
                assert all(table[k] == [binding_id] for k in defaults[binding_id])
        # Nothing loses its keys in silence: an action without a key is named in a warning.
        for binding_id in set(ids) - bound:
            assert any(f"{binding_id} has no key left" in w for w in resolved.warnings), raw
        clashes = {
            k
            for k in asked
            if sum(k in keys.split(",") for keys in raw.values()) > 1
            or any(k in defaults[i] for i in ids if i not in raw)
        }
        assert len(resolved.warnings) == len(clashes), (raw, resolved.warnings)


@pytest.mark.anyio
async def test_the_reader_warns_about_the_clash_and_quits_with_q(demo_template, tmp_path, capsys):
    from newsreader.ui.app import NewsReaderApp
    from newsreader.ui.screens.main import MainScreen
    from ui_fixtures import copy_cache, frozen_now, open_library

    lib = open_library(copy_cache(demo_template, tmp_path / "data"))
    lib.settings.keys = load_settings(write_config(tmp_path, 'star = "s"\nquit = "s"')).keys
    app = NewsReaderApp(lib, now=frozen_now, state_file=tmp_path / "ui.json")
    warning = 'config: key "s" is bound to both star and quit'
    assert capsys.readouterr().err.count(f"newsreader: {warning}") == 1
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, MainScreen)
        notes = [n for n in app._notifications if warning in n.message]
        assert len(notes) == 1 and notes[0].markup is False
        article = app.screen.headlines.article_id
        await pilot.press("s")
        await pilot.pause(0.2)
        assert app.library.articles[article].starred  # s stars, as before
        await pilot.press("q")
        await pilot.pause(0.3)
    assert not app.is_running and app.return_code in (0, None)


# ---------------------------------------------------------------- the real command


COMMAND = Path(sys.executable).with_name("newsreader")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_newsreader_in_a_terminal_prints_the_clash_and_q_quits(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    write_config(config, 'star = "s"\nquit = "s"')
    exit_file = tmp_path / "exit-code"
    env = f"NEWSREADER_CONFIG_DIR={config} NEWSREADER_DATA_DIR={tmp_path / 'unused'}"
    command = (
        f"env -u COLUMNS -u LINES {env} TERM=xterm-256color LANG=C.UTF-8 {COMMAND} --demo; "
        f"echo $? > {exit_file}"
    )
    session = f"nr-keys-{uuid.uuid4().hex[:8]}"

    def screen() -> str:
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-t", session], capture_output=True, text=True
        )
        return out.stdout

    def wait_for(predicate, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"screen never matched; last screen:\n{text}")

    tmux = ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", "sh"]
    subprocess.run(tmux, check=True)
    try:
        subprocess.run(["tmux", "send-keys", "-t", session, command, "Enter"], check=True)
        wait_for(lambda t: "All articles" in t)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 15
        while not exit_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert exit_file.read_text().strip() == "0"  # q quit the reader
        after = wait_for(lambda t: "newsreader: config:" in t, timeout=5)
        line = next(x for x in after.splitlines() if "newsreader: config:" in x)
        assert 'key "s" is bound to both star and quit' in line
        assert 'quit keeps its default "q"' in line
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_a_feed_number_that_only_looks_like_digits_is_a_clean_error(tmp_path) -> None:
    """`newsreader feed ¹`: str.isdigit() says yes, int() says no; a one-line error, no
    traceback."""
    with Library.open(tmp_path / "data") as lib:
        lib.add_feed("https://example.org/feed.xml")
        with pytest.raises(LibraryError, match="no feed"):
            lib.find_feed("\u00b9")
