"""Work behind the screen: refresh with progress and per-batch commits, building the indexes,
keeping search current, story groups, and adopting another process's commits."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.i18n import _, ngettext, translate_message
from newsreader.library import CommitResult, Snapshot, StoreError
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from newsreader.ui.copy_groups import Fold
from newsreader.ui.screens.main.base import KEEP_PLACE, MainBase
from newsreader.views import ViewKind

if TYPE_CHECKING:
    pass


class BackgroundPart(MainBase):
    # ------------------------------------------------------------------ refresh

    def action_refresh_all(self) -> None:
        self._start_refresh(None)

    def action_refresh_feed(self) -> None:
        art = self._current()
        if art is None or art.feed_id not in self.library.feeds:
            self.notify(_("No feed to refresh: open an article first"), timeout=2)
            return
        self._start_refresh([art.feed_id])

    def _start_refresh(self, feed_ids: list[str] | None) -> None:
        if self.library.read_only:
            self.notify(_("The cache is read-only: refresh is off"), timeout=3, markup=False)
            return
        if self._refresh_worker is not None and self._refresh_worker.is_running:
            self.notify(_("A refresh is already running"), timeout=2)
            return
        self._refresh_worker = self._refresh(feed_ids)

    @work(group="refresh", exit_on_error=False)
    async def _refresh(self, feed_ids: list[str] | None) -> None:
        from newsreader.ingest.refresh import Progress, refresh

        status = self.query_one("#status", Static)
        lib = self.library
        feeds = None if feed_ids is None else [lib.feeds[i] for i in feed_ids if i in lib.feeds]

        def progress(p: Progress) -> None:
            status.update(
                Content(
                    _("Refreshing {done}/{total} · {title}").format(
                        done=p.done, total=p.total, title=p.report.title
                    )
                )
            )

        def committed(result: CommitResult) -> None:
            self._state_changed(rebuild=bool(result.added or result.updated or result.pruned))

        status.update(Content(_("Refreshing…")))
        try:
            summary = await refresh(lib, feeds, on_progress=progress, on_commit=committed)
        except StoreError as exc:
            status.update(
                Content(_("Refresh not saved: {exc}").format(exc=translate_message(str(exc))))
            )
            self.notify(
                _("Refresh not saved: {exc}").format(exc=translate_message(str(exc))),
                severity="error",
                markup=False,
                timeout=8,
            )
            return
        self._fill_tags()
        line = summary.line()
        if feed_ids is None:  # a refresh of everything syncs the accounts too
            synced = await self._sync_accounts(status)
            if synced:  # with no feed of its own fetched, the sync's line alone
                line = f"{line} · {synced}" if summary.reports else synced
            if synced and not self.marks.writing:  # show what it stored now, not at the next watch
                try:
                    snap = await asyncio.to_thread(lib.load_if_changed)
                except StoreError:
                    snap = None
                if snap is not None:
                    self._adopt(snap)
        status.update(Content(line))
        if summary.new_ids and lib.settings.hooks.new_articles:
            self._run_new_articles_hook(list(summary.new_ids))
        failed = summary.failures
        if failed:
            self.notify(
                ngettext(
                    "{count} feed failed · E shows feed health",
                    "{count} feeds failed · E shows feed health",
                    len(failed),
                ).format(count=len(failed)),
                severity="warning",
                timeout=4,
                markup=False,
            )

    async def _sync_accounts(self, status: Static) -> str:
        """Sync every feed-server account in a `newsreader sync` process of its own: the store
        takes commits from any process and the disk watch adopts them, so the screen neither
        waits nor shares the library with a thread. Returns the summary for the status line."""
        from newsreader.sync import accounts_state

        dirs = self.library.dirs
        state = await asyncio.to_thread(accounts_state, dirs.config)  # a file: off the loop
        if state is None:
            return ""
        if state:
            return translate_message(state)
        status.update(Content(_("Syncing with the feed server…")))
        env = {**os.environ, DATA_DIR_ENV: str(dirs.data), CONFIG_DIR_ENV: str(dirs.config)}
        env.pop("NEWSREADER_DEBUG", None)
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "newsreader",
                "sync",
                "--quiet",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
            )
            out, err = await proc.communicate()
        except OSError as exc:
            return _("sync not started: {why}").format(why=exc.strerror or exc)
        said = [ln for ln in out.decode(errors="replace").splitlines() if ln.strip()]
        errors = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
        if errors:
            self.notify(
                "\n".join(errors[:5]) + "\n" + _("E shows feed health"),
                severity="warning",
                timeout=6,
                markup=False,
            )
        return " · ".join(said) or (errors[0] if errors else "")

    @work(thread=True, group="hooks", exit_on_error=False)
    def _run_new_articles_hook(self, article_ids: list[str]) -> None:
        """`[hooks] new_articles`, off the screen's thread (it may take seconds)."""
        from newsreader.hooks import run_new_articles_hook

        result = run_new_articles_hook(self.library, article_ids)
        if result.error:
            self.app.call_from_thread(
                self.notify, translate_message(result.error), severity="warning", markup=False
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{event.worker.group}: {type(error).__name__}: {error}",
                severity="error",
                markup=False,
            )

    # ------------------------------------------------------------------ background

    @work(thread=True, group="indexes", exit_on_error=False)
    def _build_indexes(self) -> None:
        revision, changes = self.library.revision, self.copy_groups.changes
        self.library.related_index  # noqa: B018 - builds on first use
        mode = self.copy_groups.mode
        copies = self.copy_groups.work_out(Fold.COPIES) if mode is Fold.COPIES else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._indexes_built, revision, copies, changes)
        self._sync_search_now()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _sync_search(self) -> None:
        """Index what the last commits changed (any process's), off the screen's thread."""
        self._sync_search_now()

    def _sync_search_now(self) -> None:
        indexed = self.library.sync_search()
        self.library.search_index.prepare()  # the next query need not place every row
        first = not self._search_ready
        if (indexed or first) and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._search_synced, indexed)

    def _search_synced(self, indexed: int) -> None:
        for warning in self.library.warnings[self._warned :]:
            self.notify(translate_message(warning), severity="warning", markup=False)
        self._warned = len(self.library.warnings)
        self._search_ready = True
        if self.library.saved.all():  # saved searches count (first, or what was just indexed)
            self._fill_tags()
        if indexed and self.view.kind in (ViewKind.SEARCH, ViewKind.QUERY):  # their results too
            self._fill_headlines(keep=self.headlines.article_id)

    def _indexes_built(
        self, revision: int, copies: Mapping[str, list[str]] | None, changes: int
    ) -> None:
        # The related and search indexes (hundreds of thousands of objects at 100k articles)
        # live as long as the cache: out of the collector's passes, as the loaded cache is
        # (cli._open). Left in, every full pass walked them: ~470 ms stalls while marking read.
        # The young generations first, so garbage just left behind (closed widgets' cycles)
        # is not frozen with them; a full pass here would be the stall this avoids.
        gc.collect(1)
        gc.freeze()
        self.copy_groups.index_built(revision, copies, changes)
        if self.copy_groups.enabled and self.copy_groups.ready:
            self._fill_headlines(keep=self.headlines.article_id)
        waiting, self._awaiting_related = self._awaiting_related, None
        view = self.article_view
        if waiting is not None and view.article_id == waiting:
            article = self.library.articles.get(waiting)
            if article is not None:  # shown without its related stories: now with them
                self._load_article(article, KEEP_PLACE)

    @work(thread=True, exclusive=True, group="groups", exit_on_error=False)
    def _work_out_groups(self) -> None:
        """Copies or story groups for the folded headline list (story groups: about a second
        at 25,000 articles; copies of a headline hundreds of articles repeat: as long)."""
        groups = self.copy_groups
        mode, changes = groups.mode, groups.changes
        worked = groups.work_out(mode)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._groups_worked_out, mode, worked, changes)

    def _groups_worked_out(self, mode: Fold, worked: Mapping[str, list[str]], changes: int) -> None:
        if self.copy_groups.adopt(mode, worked, changes):
            self._fill_headlines(keep=self.headlines.article_id)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch_disk(self) -> None:
        if self.marks.writing or (
            self._refresh_worker is not None and self._refresh_worker.is_running
        ):
            return
        try:
            snap = self.library.load_if_changed()
        except StoreError:
            return  # unreadable now (folder gone, disk trouble): keep showing what we have
        if snap is not None:
            self.app.call_from_thread(self._adopt, snap)

    def _adopt(self, snap: Snapshot) -> None:
        self.library.adopt(snap)
        # Changes a failed write left pending are not on disk yet: keep showing them.
        self.marks.reapply()
        self._state_changed(rebuild=True)  # which builds the new indexes
