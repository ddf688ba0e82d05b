"""`newsreader account add/list/remove` and `newsreader sync`: feed-server accounts."""

from __future__ import annotations

import argparse
import getpass
import shutil
import sys
from typing import TYPE_CHECKING

from newsreader.cli.common import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, CliError, _dump, _when
from newsreader.i18n import _, translate_message

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.sync.accounts import Account, Accounts
    from newsreader.sync.base import SyncReport


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ap = sub.add_parser(
        "account", help=_("feed-server accounts to sync with (FreshRSS, Miniflux...)")
    )
    acs = ap.add_subparsers(dest="account_command", required=True)
    add = acs.add_parser("add", help=_("add an account: greader or fever, its API address"))
    add.add_argument("kind", choices=["greader", "fever"])
    add.add_argument("url", help=_("the API's address, e.g. https://host/api/greader.php"))
    add.add_argument("--user", "-u", required=True)
    add.add_argument("--name", help=_("a name for the account (default: the kind)"))
    add.add_argument("--password-env", metavar="VAR", help=_("read the password from $VAR"))
    add.add_argument(
        "--password-command", metavar="CMD", help=_("a command that prints the password")
    )
    add.add_argument(
        "--no-check", action="store_true", help=_("do not log in to check the account now")
    )
    ls = acs.add_parser("list", help=_("accounts, their last sync and last error"))
    ls.add_argument("--json", action="store_true")
    rm = acs.add_parser("remove", help=_("forget an account; its feeds stay, fetched directly"))
    rm.add_argument("name")

    sy = sub.add_parser("sync", help=_("sync with the feed-server accounts (all, or the given)"))
    sy.add_argument("accounts", nargs="*")
    sy.add_argument("--quiet", "-q", action="store_true", help=_("only errors and the summary"))


def writes(args: argparse.Namespace) -> bool:
    return args.command == "sync" or args.account_command == "remove"


def run(lib: Library, args: argparse.Namespace) -> int:
    from newsreader.sync.accounts import AccountError, Accounts

    accounts = Accounts(lib.dirs.config)
    try:
        if args.command == "sync":
            return _sync(lib, accounts, args)
        command = args.account_command
        if command == "add":
            return _add(lib, accounts, args)
        if command == "list":
            return _list(lib, accounts, args)
        return _remove(lib, accounts, args.name)
    except AccountError as exc:
        raise CliError(str(exc)) from None


def _add(lib: Library, accounts: Accounts, args: argparse.Namespace) -> int:
    from newsreader.sync.accounts import Account, check_url
    from newsreader.sync.engine import client_for
    from newsreader.sync.protocol import SyncError

    account = Account(
        name=args.name or args.kind,
        kind=args.kind,
        url=check_url(args.url),
        user=args.user,
        password_env=args.password_env or "",
        password_command=args.password_command or "",
    )
    if not account.password_env and not account.password_command:
        if not sys.stdin.isatty():
            line = sys.stdin.readline().rstrip("\n")  # `pass show x | newsreader account add`
        else:
            line = getpass.getpass(_("password for {user}: ").format(user=args.user))
        if not line:
            raise CliError(_("no password given"))
        account.password = line
    if not args.no_check:
        client = None
        try:
            client = client_for(account, timeout=lib.settings.timeout)
            client.login()
        except SyncError as exc:
            raise CliError(
                _("{name}: not added: {why}").format(
                    name=account.name, why=translate_message(str(exc))
                )
            ) from None
        finally:
            if client is not None:
                client.close()
    accounts.add(account)
    print(
        _("added {name} ({kind}, {user} at {url}); `newsreader sync` fetches it").format(
            name=account.name, kind=account.kind, user=account.user, url=account.url
        )
    )
    return EXIT_OK


def _list(lib: Library, accounts: Accounts, args: argparse.Namespace) -> int:
    from newsreader.sync.engine import sync_status

    listed = accounts.all()
    rows = []
    for a in listed:
        last_sync, last_error = sync_status(lib, a.name)
        feeds = sum(1 for f in lib.feeds.values() if f.account == a.name)
        rows.append(
            {
                "name": a.name,
                "kind": a.kind,
                "url": a.url,
                "user": a.user,
                "password": a.secret_source,
                "feeds": feeds,
                "last_sync": last_sync.isoformat() if last_sync else None,
                "last_error": last_error or None,
            }
        )
    if args.json:
        _dump(rows)
        return EXIT_OK
    if not rows:
        print(_("no accounts: `newsreader account add greader|fever URL --user NAME`"))
    secrets = {"stored": _("stored"), "none": _("none")}
    for r, a in zip(rows, listed, strict=True):
        last_sync, _error = sync_status(lib, a.name)
        when = _when(last_sync) if last_sync else _("never synced")
        secret = secrets.get(str(r["password"]), str(r["password"]))
        print(f"{r['name']}  {r['kind']}  {r['user']} @ {r['url']}  ({secret})")
        print("    " + _("{feeds} feeds, last sync {when}").format(feeds=r["feeds"], when=when))
        if r["last_error"]:
            error = translate_message(str(r["last_error"]))
            print("    " + _("last error: {error}").format(error=error))
    return EXIT_OK


def _remove(lib: Library, accounts: Accounts, name: str) -> int:
    from dataclasses import replace

    from newsreader.store import Batch
    from newsreader.sync.state import StateFile

    accounts.remove(name)
    feeds = [replace(f, account="", remote_id="") for f in lib.feeds.values() if f.account == name]
    if feeds:
        lib.commit(Batch(feeds=feeds))
    StateFile(lib.dirs.data, name).remove()
    print(
        _("removed {name}; its {count} feeds stay, fetched directly by refresh").format(
            name=name, count=len(feeds)
        )
    )
    return EXIT_OK


def _sync(lib: Library, accounts: Accounts, args: argparse.Namespace) -> int:
    chosen = [accounts.get(n) for n in args.accounts] if args.accounts else accounts.all()
    if not chosen:
        raise CliError(_("no accounts: `newsreader account add greader|fever URL --user NAME`"))
    from newsreader.cli.refresh import _keep_search_current, run_hook

    reports = sync_accounts(lib, chosen, quiet=args.quiet)
    _keep_search_current(lib)
    run_hook(lib, [i for r in reports for i in r.new_ids])
    return sync_exit_code(reports)


def sync_accounts(lib: Library, chosen: list[Account], *, quiet: bool = False) -> list[SyncReport]:
    """Sync each account, a progress line on a terminal, one line each at the end."""
    from newsreader.sync.engine import sync_account

    tty = sys.stderr.isatty() and not quiet
    width = shutil.get_terminal_size((80, 24)).columns

    def on_progress(line: str) -> None:
        if tty:
            sys.stderr.write(f"\r\x1b[K{translate_message(line)[: width - 1]}")
            sys.stderr.flush()

    reports = []
    for account in chosen:
        report = sync_account(lib, account, on_progress=on_progress)
        if tty:
            sys.stderr.write("\r\x1b[K")
        for warning in report.warnings:
            print(f"newsreader: {translate_message(warning)}", file=sys.stderr)
        line = translate_message(report.line())
        print(line, file=sys.stderr if report.error else sys.stdout)
        reports.append(report)
    return reports


def sync_exit_code(reports: list[SyncReport]) -> int:
    """As refresh's: 0 when every account synced, 1 when none did, 3 when some did."""
    failed = sum(1 for r in reports if r.error)
    if not failed:
        return EXIT_OK
    return EXIT_ERROR if failed == len(reports) else EXIT_PARTIAL
