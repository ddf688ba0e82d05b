"""A refresh: fetch every feed, parse in worker processes, and commit the results in batches.

HTTP (asyncio, in this process) and parsing (a process pool on every core) overlap: each
response goes to the pool as soon as it arrives. Results are committed every `batch_feeds`
feeds, so a crash loses at most one batch and write cost stays proportional to what changed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from newsreader import image_cache
from newsreader.filters import HitLog, apply_to_batch
from newsreader.i18n import N_, _, ngettext
from newsreader.ingest.fetch import Fetched, Fetcher, FetchRequest, FetchResult
from newsreader.ingest.fulltext import (
    PageReport,
    PagesSummary,
    fetch_pages,
    keep_extracted,
    mode_of,
    wants_page,
)
from newsreader.ingest.images import (
    ImageReport,
    ImagesSummary,
    fetch_images,
    prune_images,
    wanted_images,
)
from newsreader.ingest.parse import ParsedFeed, ParseError
from newsreader.ingest.pool import ParsePool
from newsreader.library import Library
from newsreader.models import Article, Feed, utcnow
from newsreader.store import Batch, CommitResult


class Outcome(StrEnum):
    """What a feed's refresh came to, as shown to the user (the value is the word shown)."""

    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    GONE = "gone"
    LATER = "retry later"
    SKIPPED = "skipped"


# How each outcome reads in a summary line (translated where it is shown).
OUTCOME_WORDS: dict[str, str] = {
    Outcome.UPDATED: N_("updated"),
    Outcome.UNCHANGED: N_("unchanged"),
    Outcome.FAILED: N_("failed"),
    Outcome.GONE: N_("gone"),
    Outcome.LATER: N_("retry later"),
    Outcome.SKIPPED: N_("skipped"),
}


UPDATED, UNCHANGED, FAILED, GONE, LATER, SKIPPED = Outcome


@dataclass(slots=True)
class FeedReport:
    feed_id: str
    title: str
    outcome: str
    new: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass(slots=True)
class Progress:
    done: int
    total: int
    report: FeedReport


@dataclass(slots=True)
class RefreshSummary:
    reports: list[FeedReport] = field(default_factory=list)
    elapsed: float = 0.0
    pages: PagesSummary = field(default_factory=PagesSummary)  # full text fetched afterwards
    images: ImagesSummary = field(default_factory=ImagesSummary)  # feed bodies' images
    new_ids: list[str] = field(default_factory=list)  # the articles this refresh added
    filtered: int = 0  # new articles a filter marked or kept out (filters.py)

    @property
    def new_articles(self) -> int:
        return sum(r.new for r in self.reports)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.reports if r.outcome == outcome)

    @property
    def failures(self) -> list[FeedReport]:
        return [r for r in self.reports if r.outcome in (FAILED, GONE, LATER)]

    def line(self) -> str:
        """One line for people, in the reader's language (i18n)."""
        count = len(self.reports)
        parts = [ngettext("{count} feed", "{count} feeds", count).format(count=count)]
        for outcome in (UPDATED, UNCHANGED, FAILED, GONE, LATER, SKIPPED):
            if n := self.count(outcome):
                parts.append(f"{n} {_(OUTCOME_WORDS[outcome])}")
        new = self.new_articles
        if self.filtered:
            parts.append(_("{count} filtered").format(count=self.filtered))
        line = (
            ", ".join(parts)
            + "; "
            + ngettext("{count} new article", "{count} new articles", new).format(count=new)
        )
        if self.pages.reports:
            line += "; " + _("{count} full texts").format(count=self.pages.fetched)
            if self.pages.failed:
                line += " " + _("({count} pages failed)").format(count=self.pages.failed)
        images = self.pages.images.fetched + self.images.fetched
        failed = self.pages.images.failed + self.images.failed
        if images or failed:
            line += "; " + _("{count} images").format(count=images)
            if failed:
                line += " " + _("({count} failed)").format(count=failed)
        return line + " " + _("in {seconds:.1f} s").format(seconds=self.elapsed)


ProgressCallback = Callable[[Progress], None]
CommitCallback = Callable[[CommitResult], None]


def _due(feed: Feed, now: datetime) -> str | None:
    """Why a feed is not polled now, or None when it is due."""
    if feed.gone:
        return "gone (HTTP 410): polling stopped; remove it or add it again"
    if feed.not_before is not None and feed.not_before > now:
        return f"server asked to wait until {feed.not_before:%Y-%m-%d %H:%M} UTC"
    return None


class _Refresher:
    def __init__(
        self,
        library: Library,
        feeds: list[Feed],
        on_progress: ProgressCallback | None,
        batch_feeds: int,
        on_commit: CommitCallback | None = None,
    ) -> None:
        self.library = library
        self.on_commit = on_commit
        self.feeds = {f.id: f for f in feeds}
        self.on_progress = on_progress
        self.batch_feeds = batch_feeds
        self.summary = RefreshSummary()
        self.pending = Batch()
        self.pending_reports: list[FeedReport] = []
        self.commit_lock = asyncio.Lock()
        self.now = utcnow()
        self.done = 0
        self.pages_wanted: list[Article] = []  # teaser-only items whose pages come after
        # `[images] fetch = "always"`: new articles' images from the feed's own body.
        self.images_wanted: list[tuple[Article, list[str]]] = []

    def _progress(self, report: FeedReport) -> None:
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(Progress(self.done, len(self.feeds), report))

    async def run(self, pool: ParsePool) -> RefreshSummary:
        started = time.perf_counter()
        due: list[Feed] = []
        for feed in self.feeds.values():
            reason = _due(feed, self.now)
            if reason is None:
                due.append(feed)
            else:
                report = FeedReport(feed.id, feed.display_title, SKIPPED, error=reason)
                self.summary.reports.append(report)
                self._progress(report)
        # Longest unfetched first: when the refresh budget cuts a long list short, the next
        # refresh starts with the feeds this one missed (a stable sort: ties keep their order).
        due.sort(key=lambda f: (f.last_fetched is not None, f.last_fetched or self.now))
        requests = [FetchRequest(f.id, f.url, f.etag, f.last_modified) for f in due]
        tasks: set[asyncio.Task[None]] = set()
        async with Fetcher(self.library.settings) as fetcher:
            async for result in fetcher.fetch_many(requests):
                task = asyncio.create_task(self._handle(result, pool))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        await self._flush()
        if self.pages_wanted:
            # After the feeds are stored: a slow site never delays the headlines.
            self.summary.pages = await fetch_pages(
                self.library,
                self.pages_wanted[: self.library.settings.full_text.max_pages],
                pool,
                on_progress=self._page_done,
                on_image=self._image_done,
            )
        if self.images_wanted:
            self.summary.images = await fetch_images(
                self.library, self.images_wanted, on_progress=self._image_done
            )
        if image_cache.folder(Path(self.library.dirs.data)).is_dir():
            # Images of articles pruned or removed since, and over the budget, go now.
            await asyncio.to_thread(prune_images, self.library)
        self.summary.elapsed = time.perf_counter() - started
        return self.summary

    def _page_done(self, done: int, total: int, page: PageReport) -> None:
        if self.on_progress is not None:
            outcome = "full text" if page.error is None else "full text failed"
            report = FeedReport(
                page.article_id, f"full text: {page.headline}", outcome, error=page.error
            )
            self.on_progress(Progress(done, total, report))

    def _image_done(self, done: int, total: int, image: ImageReport) -> None:
        if self.on_progress is not None:
            outcome = "image" if image.error is None else "image failed"
            report = FeedReport(image.article_id, f"image: {image.url}", outcome, error=image.error)
            self.on_progress(Progress(done, total, report))

    async def _handle(self, result: FetchResult, pool: ParsePool) -> None:
        feed = replace(self.feeds[result.feed_id])
        feed.last_fetched = self.now
        feed.last_status = result.status
        report = FeedReport(feed.id, feed.display_title, UNCHANGED)
        parsed: ParsedFeed | None = None
        if result.outcome == Fetched.OK:
            try:
                parsed = await pool.parse(
                    result.body,
                    feed=feed,
                    url=result.final_url or result.url,
                    headers=result.headers,
                    now=self.now,
                )
            except ParseError as exc:
                report.outcome, report.error = FAILED, str(exc)
            else:
                # Validators are stored only with the articles they describe (same batch).
                feed.etag, feed.last_modified = result.etag, result.last_modified
                if parsed.title and not feed.user_title:
                    feed.title = parsed.title
                feed.link = parsed.link or feed.link
                feed.warning = parsed.warning
                report.outcome, report.warning = UPDATED, parsed.warning
            if result.new_url:
                feed.url = result.new_url  # every hop was permanent
        elif result.outcome == Fetched.NOT_MODIFIED:
            pass
        elif result.outcome == Fetched.GONE:
            feed.gone = True
            report.outcome, report.error = GONE, result.error or "gone (HTTP 410)"
        elif result.outcome == Fetched.RETRY_LATER:
            feed.not_before = result.retry_after
            report.outcome = LATER
            report.error = result.error or f"HTTP {result.status}"
        else:
            report.outcome, report.error = FAILED, result.error or "failed"
        report.title = feed.display_title
        if report.error:
            feed.last_error, feed.error_at = report.error, self.now
        else:
            feed.last_error, feed.error_at = None, None
            feed.not_before = None
        self.pending.feeds.append(feed)
        if parsed is not None:
            keep_extracted(self.library, parsed.articles, parsed.bodies)
            mode = mode_of(self.library, feed)
            self.pages_wanted.extend(
                a for a in parsed.articles if wants_page(a, parsed.bodies.get(a.id, ""), mode)
            )
            if self.library.settings.images.fetch == "always":
                known = self.library.articles
                for article in parsed.articles:
                    html = parsed.bodies.get(article.id, "")
                    urls = wanted_images(self.library, article, html) if html else []
                    if urls and article.id not in known:
                        self.images_wanted.append((article, urls))
            self.pending.articles.extend(parsed.articles)
            self.pending.bodies.update(parsed.bodies)
        self.pending_reports.append(report)
        self.summary.reports.append(report)
        self._progress(report)
        if len(self.pending.feeds) >= self.batch_feeds:
            await self._flush()

    async def _flush(self) -> None:
        async with self.commit_lock:
            batch, reports = self.pending, self.pending_reports
            if batch.is_empty():
                return
            self.pending, self.pending_reports = Batch(), []
            rules = self.library.filter_rules
            hits = (
                await asyncio.to_thread(apply_to_batch, self.library, rules, batch) if rules else []
            )
            result = await self.library.commit_async(batch)
            if hits:
                log = HitLog(Path(self.library.dirs.data))
                self.summary.filtered += len(await asyncio.to_thread(log.add, hits))
            added = set(result.added)
            self.summary.new_ids += [a.id for a in batch.articles if a.id in added]
            per_feed: dict[str, int] = {}
            for art in batch.articles:
                if art.id in added:
                    per_feed[art.feed_id] = per_feed.get(art.feed_id, 0) + 1
            for report in reports:
                report.new = per_feed.get(report.feed_id, 0)
            if self.on_commit is not None:
                self.on_commit(result)


async def refresh(
    library: Library,
    feeds: Iterable[Feed] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    on_commit: CommitCallback | None = None,
    batch_feeds: int = 50,
    pool: ParsePool | None = None,
) -> RefreshSummary:
    """Refresh the given feeds (default: all) and commit what came back.

    Run it on the loop that owns the library's in-memory state (the UI's): each batch is
    written in a thread and then applied to memory on that loop, followed by `on_commit`.
    """
    # A synced feed's articles come from its account's server (sync/), never from its URL.
    chosen = [f for f in (library.feeds.values() if feeds is None else feeds) if not f.account]
    refresher = _Refresher(library, chosen, on_progress, batch_feeds, on_commit)
    if pool is not None:
        return await refresher.run(pool)
    settings = library.settings
    # Worker processes start with the first response that needs parsing: a refresh where
    # every feed answers 304 never pays for them.
    with ParsePool(workers=settings.parse_workers, timeout=settings.parse_timeout) as own:
        return await refresher.run(own)


def refresh_sync(
    library: Library, feeds: Iterable[Feed] | None = None, **kwargs: Any
) -> RefreshSummary:
    """`refresh` for callers without an event loop (the CLI)."""
    return asyncio.run(refresh(library, feeds, **kwargs))
