"""One sync of one account: follow the server's subscriptions, push the marks made here since
the last sync, pull the server's, fetch the items this cache has not seen.

Order, chosen so that a SIGKILL anywhere loses nothing and duplicates nothing: marks are
pushed before anything is pulled (the server has them before this cache forgets why they
differed); every page of items is committed to the cache before the state file says it was
seen; the state file is written last, and a state file that lags the cache only makes the next
sync find that cache and server already agree. Articles of a synced item get an id from the
server's item id, so an item fetched twice is the same article."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from newsreader.i18n import N_
from newsreader.library import Library
from newsreader.models import utcnow
from newsreader.store import Batch, StoreError
from newsreader.sync.accounts import Account
from newsreader.sync.base import MARK_CHUNK, Progress, SyncReport, chunks
from newsreader.sync.items import ItemsPart
from newsreader.sync.protocol import Client, RemoteItem, SyncError
from newsreader.sync.state import StateFile, SyncState
from newsreader.sync.subscriptions import SubscriptionsPart

FETCH_CHUNK = 50  # ids per items request (Fever's with_ids takes 50)
SAVE_EVERY = 2.0  # seconds between saves of the state while pages come in
COMMIT_ITEMS = 2_000  # items fetched before they are committed (a kill loses at most these)


def client_for(account: Account, *, timeout: float = 30.0, max_age_days: float = 0) -> Client:
    """The protocol's client for `account` (its secret read now, never kept in a message)."""
    if account.kind == "fever":
        from newsreader.sync.fever import FeverClient

        return FeverClient(account.url, account.user, account.secret(), timeout=timeout)
    from newsreader.sync.greader import GReaderClient

    return GReaderClient(
        account.url, account.user, account.secret(), timeout=timeout, max_age_days=max_age_days
    )


def sync_account(
    lib: Library,
    account: Account,
    client: Client | None = None,
    *,
    on_progress: Progress | None = None,
    now: datetime | None = None,
) -> SyncReport:
    """Sync `account` into `lib` (call it where the library may be written: a worker thread of
    the reader, or the CLI). Every failure ends in `report.error`, one line."""
    started = time.perf_counter()
    report = SyncReport(account.name)
    states = StateFile(lib.dirs.data, account.name)
    now = now or utcnow()
    try:
        with states.locked(account.name):
            state = states.load()
            if states.warning:
                report.warnings.append(states.warning)
            try:
                if client is None:
                    client = client_for(
                        account,
                        timeout=lib.settings.timeout,
                        max_age_days=lib.settings.retention.max_age_days,
                    )
                _Sync(lib, account, client, state, states, report, on_progress, now).run()
                state.last_sync, state.last_error, state.error_at = now, "", None
            except SyncError as exc:
                report.error = str(exc)
            except StoreError as exc:
                report.error = N_("the cache could not be written: {why}").format(why=exc)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                # An answer of the right type with the wrong insides: one line, not a traceback.
                report.error = N_(
                    "{account}: an answer the server sent could not be read ({why})"
                ).format(account=account.name, why=type(exc).__name__)
            finally:
                if report.error:
                    state.last_error, state.error_at = report.error, now
                try:
                    states.save(state)
                    states.save_status(state)
                except OSError as exc:
                    report.error = report.error or N_(
                        "{account}: the sync state could not be saved: {why}"
                    ).format(account=account.name, why=exc.strerror or exc)
                if client is not None:
                    client.close()
    except SyncError as exc:  # the lock
        report.error = str(exc)
    report.elapsed = time.perf_counter() - started
    return report


def sync_status(lib: Library, account: str) -> tuple[datetime | None, str]:
    """(last sync, last error) of `account` in this data folder (feed health, `account list`)."""
    return StateFile(lib.dirs.data, account).status()


class _Sync(SubscriptionsPart, ItemsPart):
    def __init__(
        self,
        lib: Library,
        account: Account,
        client: Client,
        state: SyncState,
        states: StateFile,
        report: SyncReport,
        on_progress: Progress | None,
        now: datetime,
    ) -> None:
        self.lib, self.account, self.client = lib, account, client
        self.state, self.states, self.report = state, states, report
        self.on_progress = on_progress
        self.now = now
        self.pages_wanted = []
        self._saved = time.monotonic()

    def _say(self, line: str) -> None:
        if self.on_progress is not None:
            self.on_progress(line)

    def _checkpoint(self) -> None:
        """Save the state now and then while pages come in: it holds every item ever seen
        (3 MB at 50,000), so saving after each page of 50 would write gigabytes. What a kill
        loses here is only the record of pages already stored, which come again and are
        recognised as stored (`_store`)."""
        if time.monotonic() - self._saved >= SAVE_EVERY:
            self.states.save(self.state)
            self._saved = time.monotonic()

    def run(self) -> None:
        self._say(N_("{account}: logging in").format(account=self.account.name))
        self.client.login()
        self._subscribe_new()
        self._follow_feeds(self.client.feeds())
        self.states.save(self.state)
        unread, starred = self.client.unread_ids(), self.client.starred_ids()
        self._reconcile(unread, starred)
        self.states.save(self.state)
        fetched = 0
        waiting: list[RemoteItem] = []
        cursor: str | None = None  # where the pages fetched so far end
        pages = self.client.new_items(self.state.cursor, frozenset(self.state.items))
        try:
            for page in pages:
                # Committed a few thousand at a time: each commit rewrites the shard files of
                # every feed it touches, and a page of a large account touches most of them.
                waiting += page.items
                cursor = page.cursor
                if len(waiting) >= COMMIT_ITEMS:
                    self._store(waiting)
                    waiting = []
                    self.state.cursor = cursor
                    self._checkpoint()
                fetched += len(page.items)
                total = f" of {page.total:,}" if page.total else ""
                self._say(f"{self.account.name}: {fetched:,}{total} items")
        except SyncError:
            self._store(waiting)  # what came before the failure is kept (and its cursor)
            if cursor is not None:
                self.state.cursor = cursor
            raise
        self._store(waiting)
        if cursor is not None:
            self.state.cursor = cursor
        self._forget(unread | starred)
        missing = sorted((unread | starred) - self.state.items.keys())
        for chunk in chunks(missing, FETCH_CHUNK):
            self._store(self.client.items(chunk))
            self._checkpoint()
            fetched += len(chunk)
            self._say(f"{self.account.name}: {fetched:,} items")
        if self.pages_wanted:
            self.states.save(self.state)  # the items are in: pages are the article sites' work
            self._fetch_pages()

    def _fetch_pages(self) -> None:
        """`[full_text]` for synced feeds as for fetched ones: the pages of new teaser-only
        articles, after the items are stored (a slow site never delays the sync's headlines)."""
        from newsreader.ingest.fulltext import fetch_pages
        from newsreader.ingest.pool import ParsePool

        settings = self.lib.settings
        wanted = self.pages_wanted[: settings.full_text.max_pages]
        self._say(f"{self.account.name}: {len(wanted):,} pages")

        async def fetch() -> int:
            with ParsePool(workers=settings.parse_workers, timeout=settings.parse_timeout) as pool:
                return (await fetch_pages(self.lib, wanted, pool)).fetched

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.report.full_texts = asyncio.run(fetch())
            return
        with ThreadPoolExecutor(1) as own_loop:  # called from a loop (tests): a loop of its own
            self.report.full_texts = own_loop.submit(asyncio.run, fetch()).result()

    def _forget(self, wanted: set[str]) -> None:
        """Items whose article is gone from here (retention) and that are read and unstarred
        there leave the state once nothing would bring them back: always with a cursor
        protocol (new items come after it), with a listing one only when the server no longer
        lists them (else they would be fetched again as new)."""
        listed = getattr(self.client, "listed", None)
        articles = self.lib.articles
        gone = [
            iid
            for iid, known in self.state.items.items()
            if known.article_id not in articles
            and iid not in wanted
            and (listed is None or iid not in listed)
        ]
        for iid in gone:
            del self.state.items[iid]

    # ------------------------------------------------------------------ marks

    def _reconcile(self, unread: set[str], starred: set[str]) -> None:
        """Three-way, per item and per flag: this cache against the base, the server against
        the base. A flag changed on one side only goes to the other; changed on both sides it
        can only agree (it is a flag), and the base follows."""
        articles = self.lib.articles
        push: dict[tuple[str, bool], list[str]] = {}
        pull = Batch()
        for iid, known in self.state.items.items():
            art = articles.get(known.article_id)
            if art is None:
                continue  # pruned or removed here: nothing to show either way
            for flag, here, there in (
                ("read", art.read, iid not in unread),
                ("starred", art.starred, iid in starred),
            ):
                base = getattr(known, flag)
                if here != base and there == base:
                    push.setdefault((flag, here), []).append(iid)
                elif there != base and here == base:
                    getattr(pull, flag)[art.id] = there
        for (flag, value), ids in push.items():
            for chunk in chunks(ids, MARK_CHUNK):
                if flag == "read":
                    self.client.mark(chunk, read=value)
                else:
                    self.client.mark(chunk, starred=value)
                for iid in chunk:
                    setattr(self.state.items[iid], flag, value)
                self.report.pushed += len(chunk)
        if pull.read or pull.starred:
            self.lib.commit(pull)
            self.report.pulled += len(pull.read) + len(pull.starred)
        # Both sides agree now (pushed, pulled, or changed alike): that is the new base.
        for known in self.state.items.values():
            art = articles.get(known.article_id)
            if art is not None:
                known.read, known.starred = art.read, art.starred
