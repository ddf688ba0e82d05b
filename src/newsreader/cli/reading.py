"""Reading from the command line: unread, search (without loading the cache when it can), show,
and the reader itself (or a headline list when the output is not a terminal)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader import i18n, image_cache
from newsreader.cli.common import (
    EXIT_OK,
    _article_json,
    _dump,
    _print_articles,
    _print_search,
)
from newsreader.collector import paused
from newsreader.i18n import _
from newsreader.library import Library
from newsreader.marks import Marks

if TYPE_CHECKING:  # refresh imports httpx and feedparser: only `refresh` pays for them
    pass


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
        with paused(freeze=True):  # ~200 modules of long-lived objects (launch.py)
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
