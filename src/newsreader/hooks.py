"""The new-articles hook (newsboat's `notify-program`): a command of the user's run after a
refresh that brought new articles, from the reader and from cron alike.

    [hooks]
    new_articles = "notify-send newsreader"      # a command line, split like a shell's

It gets the number of new articles and their headlines (the first 20, one argument each) as
arguments, and every new article as JSON on stdin:

    {"count": 3, "articles": [{"id", "feed", "feed_id", "headline", "link", "published",
                               "tags"}, ...]}

No shell runs it, so nothing in a headline can become a command. It gets 30 seconds; a failure
(not found, an exit code, a timeout) is one line for the caller, never a failed refresh.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsreader.i18n import N_

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.models import Article

TIMEOUT = 30.0
MAX_TITLES = 20  # headlines passed as arguments; stdin has them all
MAX_TITLE = 300


@dataclass(frozen=True, slots=True)
class HookResult:
    ran: bool
    error: str | None = None  # one line, for the user


def new_articles_payload(lib: Library, articles: Sequence[Article]) -> dict[str, object]:
    return {
        "count": len(articles),
        "articles": [
            {
                "id": a.id,
                "feed_id": a.feed_id,
                "feed": lib.feed_title(a.feed_id),
                "headline": a.headline,
                "link": a.link,
                "published": a.published.isoformat(),
                "tags": list(a.tags),
            }
            for a in articles
        ],
    }


def run_new_articles_hook(lib: Library, article_ids: Sequence[str]) -> HookResult:
    """Run `[hooks] new_articles` for the articles just added (those still in the cache), if
    it is set and there are any. Blocking: callers on a screen run it in a worker."""
    command = lib.settings.hooks.new_articles.strip()
    articles = [lib.articles[i] for i in article_ids if i in lib.articles]
    if not command or not articles:
        return HookResult(False)
    articles.sort(key=lambda a: a.published, reverse=True)
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return HookResult(False, N_("new_articles hook: bad command: {exc}").format(exc=exc))
    if not argv:
        return HookResult(False)
    titles = [a.headline[:MAX_TITLE] for a in articles[:MAX_TITLES]]
    payload = json.dumps(new_articles_payload(lib, articles), ensure_ascii=False).encode()
    try:
        done = subprocess.run(
            [*argv, str(len(articles)), *titles],
            input=payload,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        return HookResult(False, N_("new_articles hook: {cmd} not found").format(cmd=argv[0]))
    except subprocess.TimeoutExpired:
        return HookResult(
            True,
            N_("new_articles hook: {cmd} still running after {s:.0f} s, stopped").format(
                cmd=argv[0], s=TIMEOUT
            ),
        )
    except OSError as exc:
        return HookResult(
            False, N_("new_articles hook: {cmd}: {exc}").format(cmd=argv[0], exc=exc.strerror)
        )
    if done.returncode != 0:
        last = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return HookResult(
            True,
            N_("new_articles hook: {cmd} exited with {code}: {err}").format(
                cmd=argv[0], code=done.returncode, err=last[0][:200]
            ),
        )
    return HookResult(True)
