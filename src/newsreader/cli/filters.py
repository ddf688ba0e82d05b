"""`newsreader filter`: the `[[filters]]` of the config, their hits, applying and undoing."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader.cli.common import EXIT_OK, CliError
from newsreader.filters import HitLog, apply_to_cache, undo
from newsreader.i18n import _, translate_message

if TYPE_CHECKING:
    from newsreader.library import Library


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fp = sub.add_parser("filter", help=_("the [[filters]] of the config: hits, apply, undo"))
    fs = fp.add_subparsers(dest="filter_command", required=True)
    ls = fs.add_parser("list", help=_("every rule with its action and hits"))
    ls.add_argument("--json", action="store_true")
    fs.add_parser("apply", help=_("apply every rule to the whole cache now"))
    hs = fs.add_parser("hits", help=_("what the rules did, newest last"))
    hs.add_argument("name", nargs="?", help=_("one rule's hits"))
    hs.add_argument("--json", action="store_true")
    un = fs.add_parser("undo", help=_("take back what a rule did (hidden ones come back)"))
    un.add_argument("name")


def writes(args: argparse.Namespace) -> bool:
    return args.filter_command in ("apply", "undo")


def run(lib: Library, args: argparse.Namespace) -> int:
    before = len(lib.warnings)
    rules = lib.filter_rules  # read here: a rule that makes no sense is said first
    for warning in lib.warnings[before:]:
        print(f"newsreader: {translate_message(warning)}", file=sys.stderr)
    log = HitLog(Path(lib.dirs.data))
    command = args.filter_command
    if command == "apply":
        if not rules:
            raise CliError(_("no filters: add [[filters]] to config.toml (see the README)"))
        lib.sync_search()
        hits = apply_to_cache(lib, rules)
        per = Counter("tag" if h.action.startswith("tag:") else h.action for h in hits)
        print(
            _("{read} marked read, {star} starred, {tag} tagged, {hide} hidden").format(
                read=per["read"], star=per["star"], tag=per["tag"], hide=per["hide"]
            )
        )
        return EXIT_OK
    if command == "undo":
        marks, exempt = undo(lib, args.name)
        print(
            _("{marks} marks or tags taken back, {exempt} hidden articles to come back").format(
                marks=marks, exempt=exempt
            )
        )
        return EXIT_OK
    hits, _kept = log.read()
    if command == "list":
        counts = Counter(h.rule for h in hits)
        if args.json:
            rows = [
                {"name": r.name, "query": r.query, "action": r.action, "hits": counts[r.name]}
                for r in rules
            ]
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
            return EXIT_OK
        if not rules:
            print(_("no filters: add [[filters]] to config.toml (see the README)"))
        for r in rules:
            print(
                _("{name}  ({action}, {hits} hits)  {query}").format(
                    name=r.name, action=r.action, hits=counts[r.name], query=r.query
                )
            )
        return EXIT_OK
    if args.name:
        hits = [h for h in hits if h.rule.casefold() == args.name.strip().casefold()]
    if args.json:
        json.dump([asdict(h) for h in hits], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    for h in hits:
        print(f"{h.rule}  {h.action:<4}  {h.id[:10]}  {h.headline}")
    return EXIT_OK
