"""`newsreader refresh`: progress on a terminal, one line per failure, the exit code for cron,
the search index kept current, the new-articles hook."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from typing import TYPE_CHECKING

from newsreader import i18n
from newsreader.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    CliError,
)
from newsreader.i18n import _
from newsreader.library import Library

if TYPE_CHECKING:  # refresh imports httpx and feedparser: only `refresh` pays for them
    from newsreader.ingest.refresh import RefreshSummary


def _cmd_refresh(lib: Library, args: argparse.Namespace) -> int:
    from newsreader.cli.sync import sync_accounts, sync_exit_code
    from newsreader.ingest.refresh import OUTCOME_WORDS, SKIPPED, Progress, refresh_sync
    from newsreader.sync.accounts import AccountError, Accounts

    try:
        accounts = Accounts(lib.dirs.config).all() if not args.feeds else []
    except AccountError as exc:  # the feeds of this machine refresh all the same
        print(f"newsreader: {i18n.translate_message(str(exc))}", file=sys.stderr)
        accounts = []
    if not lib.feeds and not accounts:
        raise CliError(_("no feeds to refresh: `newsreader add URL` first"))
    feeds = [lib.find_feed(ref) for ref in args.feeds] if args.feeds else None
    before = len(lib.warnings)
    lib.filter_rules  # noqa: B018 - read here so a rule that makes no sense is said first
    for warning in lib.warnings[before:]:
        print(f"newsreader: {i18n.translate_message(warning)}", file=sys.stderr)
    tty = sys.stderr.isatty() and not args.quiet
    width = shutil.get_terminal_size((80, 24)).columns

    def on_progress(p: Progress) -> None:
        r = p.report
        if r.error and r.outcome != "skipped":
            if tty:
                sys.stderr.write("\r\x1b[K")
            outcome = _(OUTCOME_WORDS.get(r.outcome, r.outcome))
            error = i18n.translate_message(r.error or "")
            print(f"{r.title}: {outcome}: {error}", file=sys.stderr)
        if tty:
            line = f"[{p.done}/{p.total}] {r.title}"[: width - 1]
            sys.stderr.write(f"\r\x1b[K{line}")
            sys.stderr.flush()

    summary = refresh_sync(lib, feeds, on_progress=on_progress)
    if tty:
        sys.stderr.write("\r\x1b[K")
    print(summary.line())
    new_ids = list(summary.new_ids)
    code = refresh_exit_code(summary)
    if accounts:  # a refresh of everything syncs the feed-server accounts too
        reports = sync_accounts(lib, accounts, quiet=args.quiet)
        new_ids += [i for r in reports for i in r.new_ids]
        synced = sync_exit_code(reports)
        # Both codes as one: the same, or some of the work failed ("partial"); with no feed
        # of its own fetched, the sync's alone.
        fetched = any(r.outcome != SKIPPED for r in summary.reports)
        code = synced if not fetched or code == synced else EXIT_PARTIAL
    _keep_search_current(lib)
    run_hook(lib, new_ids)
    return code


def run_hook(lib: Library, new_ids: list[str]) -> None:
    """`[hooks] new_articles` with what a refresh or sync brought; its failure is one line."""
    if new_ids:
        from newsreader.hooks import run_new_articles_hook

        hook = run_new_articles_hook(lib, new_ids)
        if hook.error:
            print(f"newsreader: {i18n.translate_message(hook.error)}", file=sys.stderr)


def _keep_search_current(lib: Library) -> None:
    """After a refresh (from cron, say), bring the search index up to date so the next `search`
    answers at once: the feeds that changed, their new articles only. Only once someone has
    searched (the index exists); a first search builds it. A failure here is not the refresh's."""
    import sqlite3

    from newsreader.indexes.fulltext import FILE_NAME

    if (lib.store.root / FILE_NAME).exists():
        with contextlib.suppress(sqlite3.Error, OSError):
            lib.sync_search()


def refresh_exit_code(summary: RefreshSummary) -> int:
    """0 when every feed that was due came back (updated or unchanged), 1 when every one of them
    failed, 3 when some did; feeds not due (a server's Retry-After, gone) do not count."""
    from newsreader.ingest.refresh import SKIPPED

    attempted = [r for r in summary.reports if r.outcome != SKIPPED]
    failed = summary.failures
    if not failed:
        return EXIT_OK
    if len(failed) >= len(attempted):
        return EXIT_ERROR
    return EXIT_PARTIAL
