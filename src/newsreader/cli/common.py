"""What every command shares: exit codes, the one-line error, and printing articles."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Protocol, TextIO

from newsreader.cells import fit
from newsreader.i18n import _
from newsreader.models import Article, utcnow

# Exit codes, for cron jobs and scripts (README, "Exit codes"): 0 all went well; 1 nothing could
# be done (an error, or every feed of a refresh failed); 2 usage error (argparse's own); 3 partly
# done: some feeds of a refresh failed, the others were refreshed; 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class CliError(Exception):
    """A user-facing failure; the message is printed as one line."""


def _when(value: datetime | None) -> str:
    if value is None:
        return "never"
    local = value.astimezone()
    if local.date() == utcnow().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class _Titled(Protocol):
    def feed_title(self, feed_id: str) -> str: ...


def _article_json(lib: _Titled, art: Article) -> dict[str, object]:
    return {
        "id": art.id,
        "feed_id": art.feed_id,
        "feed": lib.feed_title(art.feed_id),
        "headline": art.headline,
        "kicker": art.kicker,
        "lead": art.lead,
        "link": art.link,
        "author": art.author,
        "published": art.published.isoformat(),
        "tags": art.tags,
        "source": art.source,
        "read": art.read,
        "starred": art.starred,
    }


def _dump(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _print_articles(lib: _Titled, articles: list[Article], as_json: bool, out: TextIO) -> None:
    if as_json:
        json.dump([_article_json(lib, a) for a in articles], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    for art in articles:
        mark = "*" if art.starred else ("N" if not art.read else " ")
        feed = fit(lib.feed_title(art.feed_id), 24)  # cells, not characters: 테스트 피드 lines up
        out.write(f"{art.id[:10]} {mark} {_when(art.published):>16}  {feed}  {art.headline}\n")


def _print_search(lib: _Titled, query: str, articles: list[Article], as_json: bool) -> int:
    if not articles and not as_json:
        print(_("no articles match {query}").format(query=repr(query)), file=sys.stderr)
        return EXIT_ERROR
    _print_articles(lib, articles, as_json, sys.stdout)
    return EXIT_OK
