"""Enclosures played with the user's player: the type picks the command, the URL is one
argument, only http(s), never a shell."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from newsreader.models import Enclosure
from newsreader.players import command_line, play, player_for

PLAYERS = {"audio/*": "mpv --no-video {url}", "video/mp4": "vlc", "*/*": "xdg-open"}


def test_the_first_matching_type_picks_the_command() -> None:
    assert player_for("audio/mpeg", PLAYERS) == ["mpv", "--no-video", "{url}"]
    assert player_for("Audio/MPEG; charset=x", PLAYERS) == ["mpv", "--no-video", "{url}"]
    assert player_for("video/mp4", PLAYERS) == ["vlc"]
    assert player_for("application/pdf", PLAYERS) == ["xdg-open"]
    assert player_for("audio/mpeg", {}) is None


def test_the_url_is_one_argument_in_place_or_appended() -> None:
    hostile = "https://x.example/a b;rm -rf ~ $(id)`id`"
    assert command_line(["mpv", "{url}"], hostile) == ["mpv", hostile]
    assert command_line(["vlc", "--play"], hostile) == ["vlc", "--play", hostile]


def test_play_starts_the_player_detached_with_the_url(tmp_path: Path) -> None:
    out = tmp_path / "argv"
    script = f"import sys, os; open({str(out)!r}, 'w').write(repr([sys.argv[1:], os.getsid(0)]))"
    players = {"audio/*": f'{sys.executable} -c "{script}" --url={{url}}'}
    url = "https://cdn.example.org/ep 1.mp3?x=$(id)"
    name, error = play(Enclosure(url=url, type="audio/mpeg"), players)
    assert error is None and name == sys.executable
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    argv, sid = eval(out.read_text())  # noqa: S307 - our own repr
    assert argv == [f"--url={url}"]  # no shell: nothing expanded, one argument
    assert sid != os.getsid(0)  # its own session: detached from the reader's terminal


def test_only_http_urls_are_played_and_a_missing_player_is_one_line() -> None:
    players = {"*/*": "mpv {url}"}
    assert play(Enclosure(url="file:///etc/passwd", type="audio/mpeg"), players) == (
        None,
        "only http and https enclosures are played",
    )
    name, error = play(
        Enclosure(url="https://x.example/a.mp3", type="audio/mpeg"),
        {"*/*": "/nonexistent/player {url}"},
    )
    assert name is None and error is not None and error.startswith("cannot start /nonexistent")
    assert play(Enclosure(url="https://x.example/a.mp3", type="audio/mpeg"), {}) == (None, None)
