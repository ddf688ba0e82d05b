"""Playing an article's enclosure (a podcast episode, a video) with the user's own player.

`[players]` in the config maps media types to a command, e.g. `"audio/*" = "mpv --no-video {url}"`
and `"video/*" = "mpv {url}"`; the first pattern that matches the enclosure's type wins, and
without one the reader opens the URL in the browser instead. The command is split like a shell
would split it but never run by a shell, the URL is one argument of its own, and only http(s)
URLs are handed over: a feed cannot make the player run anything else. The player runs detached
from the reader (its own session, no terminal I/O), so it never draws over the screen.
"""

from __future__ import annotations

import fnmatch
import shlex
import subprocess
from collections.abc import Mapping

from newsreader.i18n import N_
from newsreader.models import Enclosure
from newsreader.sanitize import is_openable

URL = "{url}"


def player_for(mime: str, players: Mapping[str, str]) -> list[str] | None:
    """The command (argv, `{url}` still in it) for a media type, or None."""
    kind = (mime or "").split(";", 1)[0].strip().lower()
    for pattern, command in players.items():
        if fnmatch.fnmatchcase(kind, pattern.strip().lower()):
            argv = shlex.split(command)
            return argv or None
    return None


def command_line(argv: list[str], url: str) -> list[str]:
    """The argv with the URL in place of `{url}` (as one argument), or appended."""
    if any(URL in part for part in argv):
        return [part.replace(URL, url) for part in argv]
    return [*argv, url]


def play(enclosure: Enclosure, players: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Start the player for an enclosure: (the player's name, None), (None, why not), or
    (None, None) when no player is set for its type (open it in the browser then)."""
    if not is_openable(enclosure.url):
        return None, "only http and https enclosures are played"
    argv = player_for(enclosure.type, players)
    if argv is None:
        return None, None
    return start_detached(argv, enclosure.url)


def start_detached(argv: list[str], url: str) -> tuple[str | None, str | None]:
    """Start a user's command for a URL, detached from the terminal (its own session, no
    terminal I/O): (the program's name, None), or (None, why it could not start)."""
    try:
        subprocess.Popen(
            command_line(argv, url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return None, N_("cannot start {program}: {error}").format(
            program=argv[0], error=exc.strerror or exc
        )
    return argv[0], None
