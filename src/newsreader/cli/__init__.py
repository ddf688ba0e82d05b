"""The `newsreader` command: the reader itself, plus subcommands for scripts and cron.

Every failure is one line on stderr and a non-zero exit; a traceback only with
NEWSREADER_DEBUG=1.

The parser and the dispatch live here; the commands in modules by job (feeds, refresh,
reading, articles, query, filters; common: exit codes, errors, printing). The work is the
Library's.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

from newsreader import __version__, i18n
from newsreader.cli import articles as cli_reading
from newsreader.cli import filters as cli_filters
from newsreader.cli import query as cli_query
from newsreader.cli import sync as cli_sync
from newsreader.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CliError,
    _dump,
)
from newsreader.cli.feeds import (
    _cmd_add,
    _cmd_export,
    _cmd_feed,
    _cmd_fetch_text,
    _cmd_import,
    _cmd_list,
    _cmd_remove,
    _cmd_rename_tag,
    _cmd_tag,
)
from newsreader.cli.reading import _cmd_read, _cmd_search, _cmd_show, _cmd_unread, _quick_search
from newsreader.cli.refresh import _cmd_refresh, refresh_exit_code
from newsreader.collector import paused
from newsreader.config import ConfigError
from newsreader.i18n import _
from newsreader.library import Library, LibraryError
from newsreader.opml import OpmlError
from newsreader.store import StoreError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsreader",
        description=_("A terminal news reader: RSS, Atom and JSON feeds, read offline."),
    )
    p.add_argument("--version", action="version", version=f"newsreader {__version__}")
    p.add_argument("--data-dir", help=_("where the cache lives (default: platform data dir)"))
    p.add_argument("--demo", action="store_true", help=_("read the bundled demo feeds, offline"))
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser(
        "add", help=_("subscribe to a feed (URL or local file; a web page: its feeds)")
    )
    a.add_argument("url")
    a.add_argument("--tag", "-t", action="append", default=[], help=_("a tag (repeatable)"))
    a.add_argument("--title", default="", help=_("a title of your own"))
    a.add_argument("--all", action="store_true", help=_("a page with several feeds: add every one"))
    a.add_argument(
        "--as-is", action="store_true", help=_("add the URL without looking for feeds on it")
    )
    a.add_argument(
        "--account", metavar="NAME", help=_("subscribe on this feed-server account (greader)")
    )

    r = sub.add_parser("remove", help=_("unsubscribe a feed and drop its articles"))
    r.add_argument("feed", help=_("id, URL, title or number from `list`"))

    ls = sub.add_parser("list", help=_("feeds with status, unread count and last error"))
    ls.add_argument("--json", action="store_true")

    t = sub.add_parser("tag", help=_("add tags to a feed, or remove them with --remove"))
    t.add_argument("feed")
    t.add_argument("tags", nargs="*", help=_("tags to add"))
    t.add_argument("--remove", "-r", action="append", default=[], metavar="TAG")

    rt = sub.add_parser("rename-tag", help=_("rename one of your tags on every feed that has it"))
    rt.add_argument("old")
    rt.add_argument("new")

    fd = sub.add_parser("feed", help=_("a feed's settings: full text from the article pages"))
    fd.add_argument("feed", help=_("id, URL, title or number from `list`"))
    fd.add_argument(
        "--full-text",
        choices=["auto", "always", "never", "default"],
        help=_(
            "fetch each article's page: when the feed gives only a teaser (auto), always, "
            "never, or as the config's [full_text] says (default)"
        ),
    )

    ft = sub.add_parser(
        "fetch-text", help=_("fetch the full text of articles from their pages now")
    )
    ft.add_argument("ids", nargs="+", help=_("article ids (a unique prefix is enough)"))

    i = sub.add_parser("import", help=_("subscribe to every feed in an OPML file"))
    i.add_argument("file")

    e = sub.add_parser("export", help=_("write the subscriptions as OPML 2.0"))
    e.add_argument("file", nargs="?", help=_("output file (default: stdout)"))

    f = sub.add_parser("refresh", help=_("fetch feeds (all, or the given ones)"))
    f.add_argument("feeds", nargs="*")
    f.add_argument("--quiet", "-q", action="store_true", help=_("only errors and the summary"))

    u = sub.add_parser("unread", help=_("list unread articles, newest first"))
    u.add_argument("--json", action="store_true")
    u.add_argument("--limit", type=int, default=0)

    s = sub.add_parser(
        "search",
        help=_(
            'search: words, "phrases", a OR b, tag:X, feed:Y, title:X, author:X, newer:3d,'
            " older:1w, after:/before:YYYY-MM-DD, has:enclosure, is:extracted, unread, starred"
        ),
    )
    s.add_argument("query", nargs="+")
    s.add_argument("--json", action="store_true")
    s.add_argument("--limit", type=int, default=50)

    sh = sub.add_parser("show", help=_("print an article as Markdown with its related stories"))
    sh.add_argument("id", help=_("article id (a unique prefix is enough)"))
    sh.add_argument("--keep-unread", action="store_true", help=_("do not mark it read"))
    sh.add_argument("--json", action="store_true", help=_("the article, its text and its related"))

    cli_query.add_parser(sub)
    cli_reading.add_parsers(sub)
    cli_filters.add_parser(sub)
    cli_sync.add_parsers(sub)

    ds = sub.add_parser("dirs", help=_("print the data and config directories"))
    ds.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    i18n.set_language(i18n.language_from_env())  # [ui] language, once the config is read
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (CliError, LibraryError, StoreError, ConfigError, OpmlError) as exc:
        print(f"newsreader: {i18n.translate_message(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        # One line of its own, over a progress line if one was showing.
        with contextlib.suppress(OSError, ValueError):
            print(
                ("\r\x1b[K" if sys.stderr.isatty() else "") + "newsreader: interrupted",
                file=sys.stderr,
            )
        return 130
    except BrokenPipeError:
        return EXIT_OK  # `newsreader unread | head`
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        if os.environ.get("NEWSREADER_DEBUG"):
            raise
        print(
            f"newsreader: internal error: {type(exc).__name__}: {exc} "
            "(run with NEWSREADER_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    finally:
        gc.unfreeze()


def _run(args: argparse.Namespace) -> int:
    if args.demo:
        return _demo(args)
    command = args.command
    if command == "dirs":
        from newsreader.paths import resolve_dirs

        dirs = resolve_dirs(args.data_dir)
        if args.json:
            shape = {"data": dirs.data, "config": dirs.config, "config_file": dirs.config_file}
            _dump({k: str(v) for k, v in shape.items()})
            return EXIT_OK
        print(
            _("data:   {data}\nconfig: {config}\nconfig file: {config_file}").format(
                data=dirs.data, config=dirs.config, config_file=dirs.config_file
            )
        )
        return EXIT_OK
    if command == "search":
        quick = _quick_search(args)
        if quick is not None:
            return quick
    if command in cli_reading.COMMANDS:
        with _open(args.data_dir, writing=command in cli_reading.WRITING) as lib:
            return cli_reading.run(lib, args)
    if command == "filter":
        with _open(args.data_dir, writing=cli_filters.writes(args)) as lib:
            return cli_filters.run(lib, args)
    if command == "query":
        with _open(args.data_dir, writing=cli_query.writes(args)) as lib:
            return cli_query.run(lib, args)
    if command in ("account", "sync"):
        with _open(args.data_dir, writing=cli_sync.writes(args)) as lib:
            return cli_sync.run(lib, args)
    with _open(args.data_dir, writing=command in _WRITING) as lib:
        handler = _COMMANDS.get(command or "", _cmd_read)
        return handler(lib, args)


def _open(data_dir: str | None, *, writing: bool = False) -> Library:
    # The loaded cache lives as long as the command: keep the collector from walking its
    # million objects again and again (sorting 100,000 articles: 0.5 s -> 0.11 s; a full pass
    # in the reader stalls a frame). `main` unfreezes on the way out, for in-process callers.
    # Frozen before the collector is back on: its first pass would walk every object the load
    # made (0.13 s at 100,000 articles).
    with paused(freeze=True):
        lib = Library.open(data_dir)
    i18n.set_language(i18n.resolve_language(lib.settings.ui.language))
    if writing and lib.read_only:
        lib.close()
        why = lib.warnings[0].split(": reading only")[0]
        raise CliError(_("cannot write the cache: {why}").format(why=why))
    for warning in lib.warnings:
        print(f"newsreader: {i18n.translate_message(warning)}", file=sys.stderr)
    return lib


# ---------------------------------------------------------------------- commands


_WRITING = frozenset(
    {"add", "remove", "tag", "rename-tag", "feed", "fetch-text", "import", "refresh"}
)

_COMMANDS = {
    "add": _cmd_add,
    "remove": _cmd_remove,
    "list": _cmd_list,
    "tag": _cmd_tag,
    "rename-tag": _cmd_rename_tag,
    "feed": _cmd_feed,
    "fetch-text": _cmd_fetch_text,
    "import": _cmd_import,
    "export": _cmd_export,
    "refresh": _cmd_refresh,
    "unread": _cmd_unread,
    "search": _cmd_search,
    "show": _cmd_show,
}


def _demo(args: argparse.Namespace) -> int:
    """Read the bundled demo feeds into a throwaway data dir, with no network."""
    from newsreader.demo import demo_feeds
    from newsreader.ingest.refresh import refresh_sync

    tmp = tempfile.mkdtemp(prefix="newsreader-demo-")
    try:
        with Library.open(tmp) as lib:
            lib.subscribe(demo_feeds())
            summary = refresh_sync(lib)
            for report in summary.failures:
                print(
                    f"{report.title}: {i18n.translate_message(report.error or '')}", file=sys.stderr
                )
            if args.command in _COMMANDS:
                return _COMMANDS[args.command](lib, args)
            return _cmd_read(lib, args, refresh_on_start=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------- output


__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "CliError",
    "main",
    "refresh_exit_code",
]
