"""`newsreader query`: saved searches from the command line (add, list, show, remove)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from newsreader.cli.common import EXIT_ERROR, EXIT_OK, CliError, _print_articles
from newsreader.i18n import _, translate_message
from newsreader.queries import QueryError

if TYPE_CHECKING:
    from newsreader.library import Library


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    qp = sub.add_parser(
        "query", help=_("saved searches, shown beside the tags with their unread counts")
    )
    qs = qp.add_subparsers(dest="query_command", required=True)
    add = qs.add_parser("add", help=_("save a search under a name (an existing name: replaced)"))
    add.add_argument("name")
    add.add_argument("query", nargs="+", help=_("the search, as `newsreader search` takes it"))
    ls = qs.add_parser("list", help=_("saved searches with their unread and total counts"))
    ls.add_argument("--json", action="store_true")
    sh = qs.add_parser("show", help=_("the articles a saved search finds, newest first"))
    sh.add_argument("name")
    sh.add_argument("--limit", type=int, default=0)
    sh.add_argument("--json", action="store_true")
    rm = qs.add_parser("remove", help=_("forget a saved search"))
    rm.add_argument("name")


def writes(args: argparse.Namespace) -> bool:
    return args.query_command in ("add", "remove")


def run(lib: Library, args: argparse.Namespace) -> int:

    saved = lib.saved
    try:
        if args.query_command == "add":
            query = " ".join(args.query)
            found = saved.add(args.name, query)
            print(_("saved {name!r}: {query}").format(name=found.name, query=found.query))
            return EXIT_OK
        if args.query_command == "remove":
            if not saved.remove(args.name):
                raise CliError(_("no saved search named {name!r}").format(name=args.name))
            print(_("removed {name!r}").format(name=args.name))
            return EXIT_OK
    except QueryError as exc:
        raise CliError(translate_message(str(exc))) from None
    lib.sync_search()  # a fresh process: bring the index up to date with the cache first
    if args.query_command == "list":
        counts = saved.counts()
        if args.json:
            rows = [
                {"name": s.name, "query": s.query, "unread": u, "total": t, "config": s.from_config}
                for s, u, t in counts
            ]
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
            return EXIT_OK
        if not counts:
            print(_("no saved searches yet: `newsreader query add NAME QUERY`"))
        for s, unread, total in counts:
            where = _("  (config)") if s.from_config else ""
            print(
                _("{name}  ({unread} unread of {total})  {query}{where}").format(
                    name=s.name, unread=unread, total=total, query=s.query, where=where
                )
            )
        return EXIT_OK
    chosen = saved.get(args.name)
    if chosen is None:
        raise CliError(_("no saved search named {name!r}").format(name=args.name))
    articles = saved.articles(chosen)
    if args.limit:
        articles = articles[: args.limit]
    if not articles and not args.json:
        print(_("no articles match {query}").format(query=repr(chosen.query)), file=sys.stderr)
        return EXIT_ERROR
    _print_articles(lib, articles, args.json, sys.stdout)
    return EXIT_OK
