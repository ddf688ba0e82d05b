"""Subscriptions from the command line: add (a page: its feeds), remove, list, tag, rename a
tag, a feed's settings, full text now, OPML in and out."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader import i18n
from newsreader.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    CliError,
    _dump,
    _iso,
    _when,
)
from newsreader.i18n import _, ngettext
from newsreader.library import Library
from newsreader.models import Feed
from newsreader.opml import import_report, read_opml_report, write_opml

if TYPE_CHECKING:  # refresh imports httpx and feedparser: only `refresh` pays for them
    pass


def _cmd_add(lib: Library, args: argparse.Namespace) -> int:
    account = _sync_account(lib, args.account) if args.account else ""
    urls = [args.url]
    if not args.as_is:
        urls = _discovered(args)
    for url in urls:
        feed = lib.add_feed(url, tags=args.tag, title=args.title, account=account)
        tags = f" [{', '.join(feed.tags)}]" if feed.tags else ""
        if account:
            print(
                _(
                    "added {url}{tags} (id {id}); `newsreader sync` subscribes {account} to it"
                ).format(url=feed.url, tags=tags, id=feed.id, account=account)
            )
            continue
        print(
            _("added {url}{tags} (id {id}); run `newsreader refresh` to fetch it").format(
                url=feed.url, tags=tags, id=feed.id
            )
        )
    return EXIT_OK


def _sync_account(lib: Library, name: str) -> str:
    """The account a new feed is to be subscribed on (the Google Reader API can; Fever has no
    call for it)."""
    from newsreader.sync.accounts import AccountError, Accounts

    try:
        account = Accounts(lib.dirs.config).get(name)
    except AccountError as exc:
        raise CliError(str(exc)) from None
    if account.kind != "greader":
        raise CliError(
            _("{name}: the Fever API cannot subscribe; add the feed on the server").format(
                name=name
            )
        )
    return account.name


def _discovered(args: argparse.Namespace) -> list[str]:
    """The feed URLs to add for `add URL`: the URL itself when it is a feed (or a file, or
    cannot be read now: added as given, the refresh will say), else the feeds its page
    announces or a common path holds; several: all with --all, else the user picks."""
    from newsreader.ingest.discover import feeds_at

    url, found, unreadable = feeds_at(args.url)
    if unreadable:
        print(
            _("newsreader: {error}; added as given").format(
                error=i18n.translate_message(unreadable)
            ),
            file=sys.stderr,
        )
    if found is None or found.is_feed:
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
    chosen = [int(n) for n in answer.replace(",", " ").split() if n.isdecimal()]
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
                    "account": feed.account or None,
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
    if feed.account:
        return _("synced with the account {account} (`newsreader account list`)").format(
            account=feed.account
        )
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
