"""`newsreader mark-read` and `newsreader open`: marking and opening many articles at once
(the command-line side of the reader's J/K and O keys)."""

from __future__ import annotations

import argparse
import base64
import sys
import webbrowser
from typing import TYPE_CHECKING

from newsreader.cli.common import EXIT_OK, CliError
from newsreader.i18n import _, ngettext, translate_message
from newsreader.marks import Marks, choose
from newsreader.sanitize import is_openable
from newsreader.sharing import open_with_opener

if TYPE_CHECKING:
    from newsreader.library import Library

OPEN_LIMIT = 10  # links `open` hands to the browser at most, unless told otherwise


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mr = sub.add_parser(
        "mark-read", help=_("mark read every article a search finds (all without one)")
    )
    mr.add_argument("query", nargs="*", help=_("a search, as `newsreader search` takes it"))
    mr.add_argument("--older-than", metavar="ID", help=_("only those below this article"))
    mr.add_argument("--newer-than", metavar="ID", help=_("only those above this article"))
    mr.add_argument("--unread", action="store_true", help=_("mark them unread instead"))
    ta = sub.add_parser(
        "tag-article", help=_("add your own tags to one article, or remove them with --remove")
    )
    ta.add_argument("id", help=_("article id (a unique prefix is enough)"))
    ta.add_argument("tags", nargs="*", help=_("tags to add"))
    ta.add_argument("--remove", "-r", action="append", default=[], help=_("a tag to remove"))
    cl = sub.add_parser(
        "copy-link", help=_("an article's link to the terminal's clipboard (OSC 52, over ssh too)")
    )
    cl.add_argument("id", help=_("article id (a unique prefix is enough)"))
    cl.add_argument(
        "--osc52",
        action="store_true",
        help=_("send the clipboard sequence even when not a terminal"),
    )
    op = sub.add_parser(
        "open", help=_("open the links of unread articles in the browser and mark them read")
    )
    op.add_argument("query", nargs="*", help=_("a search (e.g. feed:heise); all unread without"))
    op.add_argument(
        "--limit", type=int, default=OPEN_LIMIT, help=_("at most this many (default 10)")
    )


WRITING = frozenset({"mark-read", "open", "tag-article"})
COMMANDS = WRITING | {"copy-link"}


def _open(lib: Library, url: str) -> bool:
    """With the `[openers]` command set for links like it, else the browser."""
    name, error = open_with_opener(url, lib.settings.openers, lib.warnings)
    if error:
        print(f"newsreader: {translate_message(error)}", file=sys.stderr)
        return False
    return bool(name) or webbrowser.open(url)


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put `text` on its clipboard (OSC 52: xterm,
    kitty, WezTerm, iTerm2, Windows Terminal, foot, and tmux with set-clipboard on)."""
    return "\x1b]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\x07"


def run(lib: Library, args: argparse.Namespace) -> int:
    if args.command == "copy-link":
        article = lib.find_article(args.id)
        if not is_openable(article.link):
            raise CliError(_("this article has no http(s) link"))
        if args.osc52 or sys.stdout.isatty():
            sys.stdout.write(osc52(article.link))
        print(article.link)
        return EXIT_OK

    if args.command == "tag-article":
        article = lib.find_article(args.id)
        if not args.tags and not args.remove:
            raise CliError(_("give tags to add, or --remove TAG"))
        kept = lib.tag_article(article, args.tags, args.remove)
        for tag in kept:
            print(
                _(
                    "{tag!r} is the feed's or the item's tag"
                    " (`newsreader tag FEED --remove` takes a feed's off)"
                ).format(tag=tag),
                file=sys.stderr,
            )
        shown = ", ".join(article.tags) or _("(none)")
        print(_("{id}: tags {tags}").format(id=article.id[:10], tags=shown))
        return EXIT_OK
    if args.command == "mark-read":
        query = " ".join(args.query)
        chosen = choose(lib, query, older_than=args.older_than, newer_than=args.newer_than)
        marks = Marks(lib)
        changed = marks.set_read(chosen, not args.unread)
        marks.save()
        if args.unread:
            template = ngettext(
                "marked {count} article unread", "marked {count} articles unread", len(changed)
            )
        else:
            template = ngettext(
                "marked {count} article read", "marked {count} articles read", len(changed)
            )
        print(template.format(count=len(changed)))
        return EXIT_OK
    unread = [a for a in choose(lib, " ".join(args.query)) if not a.read]
    openable = [a for a in unread if is_openable(a.link)][: max(0, args.limit)]
    opened = [a for a in openable if _open(lib, a.link)]
    marks = Marks(lib)
    marks.set_read(opened, True)
    marks.save()
    print(
        _("opened {count} of {total} unread; they are marked read").format(
            count=len(opened), total=len(unread)
        )
    )
    return EXIT_OK
