"""The `newsreader` command: the reader itself, plus subcommands for scripts and cron.

Every failure is one line on stderr and a non-zero exit; a traceback only with
NEWSREADER_DEBUG=1.

Why a little over 400 lines: one small function per subcommand and the argument parser; the
work is the Library's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from newsreader import __version__, cli_filters, cli_query, cli_reading, i18n, image_cache
from newsreader.cells import fit
from newsreader.config import ConfigError
from newsreader.i18n import _, ngettext
from newsreader.library import Library, LibraryError
from newsreader.marks import Marks
from newsreader.models import Article, Feed, utcnow
from newsreader.opml import OpmlError, import_report, read_opml_report, write_opml
from newsreader.store import StoreError

if TYPE_CHECKING:  # refresh imports httpx and feedparser: only `refresh` pays for them
    from newsreader.ingest.refresh import RefreshSummary

# Exit codes, for cron jobs and scripts (README, "Exit codes"): 0 all went well; 1 nothing could
# be done (an error, or every feed of a refresh failed); 2 usage error (argparse's own); 3 partly
# done: some feeds of a refresh failed, the others were refreshed; 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class CliError(Exception):
    """A user-facing failure; the message is printed as one line."""


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
            return cli_query.run(lib, args, _print_articles)
    with _open(args.data_dir, writing=command in _WRITING) as lib:
        handler = _COMMANDS.get(command or "", _cmd_read)
        return handler(lib, args)


def _open(data_dir: str | None, *, writing: bool = False) -> Library:
    # The loaded cache lives as long as the command: keep the collector from walking its
    # million objects again and again (sorting 100,000 articles: 0.5 s -> 0.11 s; a full pass
    # in the reader stalls a frame). `main` unfreezes on the way out, for in-process callers.
    # Frozen before the collector is back on: its first pass would walk every object the load
    # made (0.13 s at 100,000 articles).
    was = gc.isenabled()
    gc.disable()
    try:
        lib = Library.open(data_dir)
        gc.freeze()
    finally:
        if was:
            gc.enable()
    i18n.set_language(i18n.resolve_language(lib.settings.ui.language))
    if writing and lib.read_only:
        lib.close()
        why = lib.warnings[0].split(": reading only")[0]
        raise CliError(_("cannot write the cache: {why}").format(why=why))
    for warning in lib.warnings:
        print(f"newsreader: {i18n.translate_message(warning)}", file=sys.stderr)
    return lib


# ---------------------------------------------------------------------- commands


def _cmd_add(lib: Library, args: argparse.Namespace) -> int:
    urls = [args.url]
    if not args.as_is:
        urls = _discovered(args)
    for url in urls:
        feed = lib.add_feed(url, tags=args.tag, title=args.title)
        tags = f" [{', '.join(feed.tags)}]" if feed.tags else ""
        print(
            _("added {url}{tags} (id {id}); run `newsreader refresh` to fetch it").format(
                url=feed.url, tags=tags, id=feed.id
            )
        )
    return EXIT_OK


def _discovered(args: argparse.Namespace) -> list[str]:
    """The feed URLs to add for `add URL`: the URL itself when it is a feed (or a file, or
    cannot be read now: added as given, the refresh will say), else the feeds its page
    announces or a common path holds; several: all with --all, else the user picks."""
    from newsreader.feed_urls import normalise_feed_url
    from newsreader.ingest.discover import DiscoveryError, discover

    url = normalise_feed_url(args.url)
    if not url.lower().startswith(("http://", "https://")):
        return [url]
    try:
        found = discover(url)
    except DiscoveryError as exc:
        print(
            _("newsreader: {error}; added as given").format(error=i18n.translate_message(str(exc))),
            file=sys.stderr,
        )
        return [url]
    if found.is_feed:
        return [url]
    offers = found.candidates
    if not offers:
        raise CliError(
            _("no feed found at {url} (no feed link in the page, none at the usual paths)").format(
                url=url
            )
        )
    if len(offers) == 1 or args.all:
        for c in offers:
            print(_("found a feed: {url} {title}").format(url=c.url, title=c.title).rstrip())
        return [c.url for c in offers]
    print(_("{url} offers {count} feeds:").format(url=url, count=len(offers)))
    for i, c in enumerate(offers, 1):
        print(f"  {i}. {c.title or c.url}  ({c.kind})  {c.url}")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliError(_("add one of them by its URL, or all with --all"))
    answer = input(_("Which? (numbers, a for all, Enter to cancel) ")).strip().lower()
    if answer in ("a", "all"):
        return [c.url for c in offers]
    chosen = [int(n) for n in answer.replace(",", " ").split() if n.isdigit()]
    if not chosen or any(not 1 <= n <= len(offers) for n in chosen):
        raise CliError(_("nothing added"))
    return [offers[n - 1].url for n in dict.fromkeys(chosen)]


def _cmd_remove(lib: Library, args: argparse.Namespace) -> int:
    feed = lib.find_feed(args.feed)
    lib.remove_feed(feed)
    print(_("removed {title} ({url})").format(title=feed.display_title, url=feed.url))
    return EXIT_OK


def _cmd_list(lib: Library, args: argparse.Namespace) -> int:
    if not lib.feeds:
        print(_("no feeds yet: `newsreader add URL` or `newsreader import FILE.opml`"))
        return EXIT_OK
    unread = lib.unread_counts()
    if args.json:
        _dump(
            [
                {
                    "number": number,
                    "id": feed.id,
                    "url": feed.url,
                    "title": feed.display_title,
                    "tags": list(feed.tags),
                    "unread": unread.get(feed.id, 0),
                    "status": _feed_status(feed),
                    "error": feed.last_error,
                    "gone": feed.gone,
                    "last_fetched": _iso(feed.last_fetched),
                    "full_text": feed.full_text or None,
                }
                for number, feed in enumerate(lib.sorted_feeds(), 1)
            ]
        )
        return EXIT_OK
    for number, feed in enumerate(lib.sorted_feeds(), 1):
        status = _feed_status(feed)
        tags = f"  [{', '.join(feed.tags)}]" if feed.tags else ""
        print(
            _("{number:3d}. {title}  ({unread} unread){tags}").format(
                number=number, title=feed.display_title, unread=unread.get(feed.id, 0), tags=tags
            )
        )
        print(f"     {feed.id}  {feed.url}")
        print(f"     {status}")
    return EXIT_OK


def _feed_status(feed: Feed) -> str:
    if feed.gone:
        return _("GONE since {when}: {error}").format(
            when=_when(feed.error_at), error=i18n.translate_message(feed.last_error or "HTTP 410")
        )
    if feed.last_error:
        return _("ERROR at {when}: {error}").format(
            when=_when(feed.error_at), error=i18n.translate_message(feed.last_error)
        )
    if feed.last_fetched is None:
        return _("not fetched yet")
    status = _("ok, fetched {when}").format(when=_when(feed.last_fetched))
    if feed.last_status:
        status += f" (HTTP {feed.last_status})"
    if feed.warning:
        status += "; " + _("warning: {warning}").format(
            warning=i18n.translate_message(feed.warning)
        )
    return status


def _cmd_tag(lib: Library, args: argparse.Namespace) -> int:
    feed = lib.find_feed(args.feed)
    if not args.tags and not args.remove:
        raise CliError(_("give tags to add, or --remove TAG"))
    feed = lib.tag_feed(feed, args.tags, args.remove)
    print(f"{feed.display_title}: {', '.join(feed.tags) or _('(no tags)')}")
    return EXIT_OK


def _cmd_rename_tag(lib: Library, args: argparse.Namespace) -> int:
    count = lib.rename_tag(args.old, args.new)
    if not count:
        raise CliError(_("no feed has the tag {old}").format(old=repr(args.old)))
    print(
        ngettext("{old} -> {new}: {count} feed", "{old} -> {new}: {count} feeds", count).format(
            old=args.old, new=args.new.strip(), count=count
        )
    )
    return EXIT_OK


def _cmd_feed(lib: Library, args: argparse.Namespace) -> int:
    from newsreader.ingest.fulltext import mode_of

    feed = lib.find_feed(args.feed)
    if args.full_text is not None:
        feed = lib.set_full_text(feed, "" if args.full_text == "default" else args.full_text)
    own = "" if feed.full_text else _(" (from the config)")
    print(
        _("{title}: full text {mode}{own}").format(
            title=feed.display_title, mode=mode_of(lib, feed), own=own
        )
    )
    return EXIT_OK


def _cmd_fetch_text(lib: Library, args: argparse.Namespace) -> int:
    from newsreader.ingest.fulltext import fetch_now

    articles = [lib.find_article(ref) for ref in args.ids]
    summary = asyncio.run(fetch_now(lib, articles))
    for report in summary.reports:
        state = (
            _("full text stored")
            if report.error is None
            else _("failed: {error}").format(error=i18n.translate_message(report.error))
        )
        images = [r for r in summary.images.reports if r.article_id == report.article_id]
        if images:
            kept = sum(1 for r in images if r.error is None)
            state += _(", {kept} of {count} images kept").format(kept=kept, count=len(images))
            state += "".join(
                _("\n  image {url}: {error}").format(
                    url=r.url, error=i18n.translate_message(r.error or "")
                )
                for r in images
                if r.error
            )
        print(f"{report.article_id[:10]} {report.headline}: {state}")
    skipped = len(articles) - len(summary.reports)
    if skipped:
        print(
            _("{skipped} without an http(s) link: nothing to fetch").format(skipped=skipped),
            file=sys.stderr,
        )
    if summary.failed == len(articles):
        return EXIT_ERROR
    return EXIT_PARTIAL if summary.failed or skipped else EXIT_OK


def _cmd_import(lib: Library, args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(
            _("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    read = read_opml_report(data)
    added = lib.add_feeds((e.url, e.title, e.tags) for e in read.feeds)
    print("\n".join(import_report(str(path), read, added)))
    return EXIT_OK


def _cmd_export(lib: Library, args: argparse.Namespace) -> int:
    text = write_opml(lib.sorted_feeds())
    if not args.file:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.file).expanduser()
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise CliError(
            _("cannot write {target}: {strerror}").format(target=target, strerror=exc.strerror)
        ) from None
    print(_("exported {count} feeds to {target}").format(count=len(lib.feeds), target=target))
    return EXIT_OK


def _cmd_refresh(lib: Library, args: argparse.Namespace) -> int:
    from newsreader.ingest.refresh import OUTCOME_WORDS, Progress, refresh_sync

    if not lib.feeds:
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
    _keep_search_current(lib)
    if summary.new_ids:
        from newsreader.hooks import run_new_articles_hook

        hook = run_new_articles_hook(lib, summary.new_ids)
        if hook.error:
            print(f"newsreader: {i18n.translate_message(hook.error)}", file=sys.stderr)
    return refresh_exit_code(summary)


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


def _cmd_unread(lib: Library, args: argparse.Namespace) -> int:
    articles = lib.unread()
    if args.limit:
        articles = articles[: args.limit]
    _print_articles(lib, articles, args.json, sys.stdout)
    return EXIT_OK


def _quick_search(args: argparse.Namespace) -> int | None:
    """`search` without loading the cache: the term index on disk, and only the feeds it names
    (indexes/on_disk.py). None when this cache needs opening first (none yet, an older layout,
    damage): the caller then takes the ordinary path, which repairs."""
    from newsreader.config import load_settings
    from newsreader.indexes.on_disk import CacheSearch, Unavailable
    from newsreader.paths import resolve_dirs

    dirs = resolve_dirs(args.data_dir)
    settings = load_settings(dirs.config_file)
    i18n.set_language(i18n.resolve_language(settings.ui.language))
    cache = CacheSearch(Path(dirs.data))
    try:
        articles = cache.search(" ".join(args.query), limit=args.limit or None)
    except Unavailable:
        return None
    finally:
        cache.close()
    for warning in cache.warnings:
        print(f"newsreader: {i18n.translate_message(warning)}", file=sys.stderr)
    return _print_search(cache, " ".join(args.query), articles, args.json)


def _cmd_search(lib: Library, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    return _print_search(lib, query, lib.search(query, limit=args.limit or None), args.json)


def _print_search(lib: _Titled, query: str, articles: list[Article], as_json: bool) -> int:
    if not articles and not as_json:
        print(_("no articles match {query}").format(query=repr(query)), file=sys.stderr)
        return EXIT_ERROR
    _print_articles(lib, articles, as_json, sys.stdout)
    return EXIT_OK


def _cmd_show(lib: Library, args: argparse.Namespace) -> int:
    article = lib.find_article(args.id)
    if args.json:
        shown = _article_json(lib, article)
        shown["text"] = lib.body_markdown(article)  # Markdown, the lead not repeated
        shown["full_text"] = (
            "page"
            if article.extracted
            else ("failed: " + article.extract_error)
            if article.extract_error
            else "feed"
        )
        shown["also_reported_by"] = [
            {"id": o.id, "feed": lib.feed_title(o.feed_id)} for o in lib.coverage(article)
        ]
        shown["related"] = [
            {"id": r.article_id, "reason": r.reason, "same_story": r.same_story}
            for r in lib.related(article, 5)
        ]
        _dump(shown)
    else:
        from newsreader.sharing import render_article

        sys.stdout.write(render_article(lib, article))
    if not args.keep_unread and not lib.read_only:
        marks = Marks(lib)
        marks.set_read([article])
        marks.save()
    return EXIT_OK


def _cmd_read(
    lib: Library, args: argparse.Namespace, *, refresh_on_start: bool | None = None
) -> int:
    """No subcommand: the reader on a terminal; a headline list when output is not a terminal."""
    if sys.stdout.isatty() and sys.stdin.isatty():
        from newsreader.ui.app import NewsReaderApp
        from newsreader.ui.widgets.article_image import prepare_images

        prepare_images(lib.settings.images.show, image_cache.folder(lib.dirs.data).is_dir())
        app = NewsReaderApp(lib, refresh_on_start=refresh_on_start)
        app.run()
        if app.exit_message:
            with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
                print(app.exit_message, file=sys.stderr)
        return app.return_code or EXIT_OK
    if not lib.feeds:
        print(_("Welcome to newsreader. Start with one of:"))
        print("  newsreader add https://example.org/feed.xml")
        print("  newsreader import subscriptions.opml")
        print("  newsreader --demo")
        return EXIT_OK
    articles = lib.newest_first()
    _print_articles(lib, articles[:40], False, sys.stdout)
    return EXIT_OK


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
