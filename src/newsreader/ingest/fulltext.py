"""Full text for teaser-only feeds: each article's own page, fetched politely and reduced to the
story (extract.py), stored as the article's body and marked as extracted; the feed's teaser
stays the lead.

When: per feed, `full_text` = "auto" (the page is fetched when the feed's body is missing or not
much longer than its lead), "always" or "never". A feed without its own setting takes the
config's `[full_text] default`, which is "never" unless set: like Miniflux's and FreshRSS's
"fetch original content", it fetches other people's pages, so it is asked for, not assumed.

How: after the feeds themselves are stored (a slow site never delays the headlines), with the
fetcher's limits (per host, total, deadline, redirects by hand, http/https only) and a smaller
size cap; extraction runs in the parse workers under their time limit. Each article is tried
once: its text, or the reason it failed, is stored with it (never an error of its feed);
`again=True` (the reader's key, `newsreader fetch-text`) tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from newsreader.i18n import N_
from newsreader.ingest.extract import Extracted, extract_page
from newsreader.ingest.fetch import Fetched, Fetcher, FetchRequest, FetchResult
from newsreader.ingest.images import (
    ImageProgress,
    ImagesSummary,
    Tally,
    fetch_images,
    wanted_images,
)
from newsreader.ingest.pool import ParsePool
from newsreader.library import Library
from newsreader.models import Article, Feed
from newsreader.sanitize import OPENABLE_SCHEMES, clean_line, html_to_text, url_scheme
from newsreader.store import Batch

PAGE_MAX_BYTES = 5 * 1024 * 1024  # an article page; a feed may be larger
AUTO_GAIN = 400  # "auto": a body fewer than this many characters longer than the lead is a teaser
COMMIT_EVERY = 25  # pages per store write
PAGE_CHUNK = 16  # pages fetched ahead of extraction


class FullText(StrEnum):
    """A feed's full-text setting; the value is the word the config and the CLI use."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(slots=True)
class PageReport:
    article_id: str
    headline: str
    error: str | None = None


@dataclass(slots=True)
class PagesSummary(Tally):
    reports: list[PageReport] = field(default_factory=list)
    images: ImagesSummary = field(default_factory=ImagesSummary)  # the pages' images


PageProgress = Callable[[int, int, PageReport], None]


def mode_of(library: Library, feed: Feed) -> FullText:
    """The feed's own setting, else the config's for its id or URL, else the config default."""
    settings = library.settings.full_text
    for word in (feed.full_text, settings.feeds.get(feed.id), settings.feeds.get(feed.url)):
        if word:
            return FullText(word)
    return FullText(settings.default)


def is_teaser(article: Article, body_html: str) -> bool:
    """The feed gave no body, or one not much longer than its lead."""
    limit = len(article.lead) + AUTO_GAIN
    text = html_to_text(body_html, 2 * limit) if body_html else ""
    return len(text) < limit


def wants_page(article: Article, body_html: str, mode: FullText) -> bool:
    """At refresh: the article's page should be fetched (once per article)."""
    if mode is FullText.NEVER or url_scheme(article.link) not in OPENABLE_SCHEMES:
        return False
    if article.extracted or article.extract_error:
        return False
    return mode is FullText.ALWAYS or is_teaser(article, body_html)


def keep_extracted(library: Library, articles: Iterable[Article], bodies: dict[str, str]) -> None:
    """A refresh brings an item again: its fetched text (or failure) stays, the feed's teaser
    body does not replace it."""
    known = library.articles
    for article in articles:
        old = known.get(article.id)
        if old is not None and old.images:
            article.images = list(old.images)
        if old is not None and (old.extracted or old.extract_error):
            article.extracted, article.extract_error = old.extracted, old.extract_error
            if old.extracted:
                bodies.pop(article.id, None)


async def fetch_pages(
    library: Library,
    articles: Sequence[Article],
    pool: ParsePool,
    *,
    on_progress: PageProgress | None = None,
    on_image: ImageProgress | None = None,
) -> PagesSummary:
    """Fetch and extract the pages of `articles`; each gets its text or its failure, committed
    in batches on the caller's loop (as refresh commits); then the texts' images, unless
    `[images] fetch = "never"`."""
    summary = PagesSummary()
    chosen = [a for a in articles if url_scheme(a.link) in OPENABLE_SCHEMES]
    if not chosen:
        return summary
    by_id = {a.id: a for a in chosen}
    settings = replace(library.settings, max_body_bytes=PAGE_MAX_BYTES)
    requests = [FetchRequest(a.id, a.link, None, None) for a in chosen]
    batch = Batch()
    images = library.settings.images.fetch != "never"
    images_wanted: list[tuple[Article, list[str]]] = []
    async with Fetcher(settings) as fetcher:
        # A chunk at a time, extracted in parallel (the pool's workers): fetching runs ahead
        # of extraction by one chunk of pages at most.
        async for results in fetcher.fetch_chunks(requests, PAGE_CHUNK):
            extracted_all = await asyncio.gather(*(_extract(r, pool) for r in results))
            for result, extracted in zip(results, extracted_all, strict=True):
                article = by_id[result.feed_id]
                current = library.articles.get(article.id, article)
                if extracted.error is None:
                    done = replace(current, extracted=True, extract_error="")
                    batch.articles.append(done)
                    batch.bodies[article.id] = extracted.html
                    if images and (
                        urls := wanted_images(library, replace(done, images=[]), extracted.html)
                    ):
                        images_wanted.append((done, urls))
                else:
                    batch.articles.append(replace(current, extract_error=extracted.error))
                report = PageReport(article.id, article.headline, extracted.error)
                summary.reports.append(report)
                if on_progress is not None:
                    on_progress(len(summary.reports), len(chosen), report)
            if len(batch.articles) >= COMMIT_EVERY:
                await library.commit_async(batch)
                batch = Batch()
    if not batch.is_empty():
        await library.commit_async(batch)
    if images_wanted:
        summary.images = await fetch_images(library, images_wanted, on_progress=on_image)
    return summary


async def fetch_now(
    library: Library,
    articles: Sequence[Article],
    *,
    on_progress: PageProgress | None = None,
    on_image: ImageProgress | None = None,
) -> PagesSummary:
    """Fetch these articles' pages now, whatever was tried before (the reader's key, the CLI's
    `fetch-text`), with a pool of its own."""
    settings = library.settings
    with ParsePool(
        workers=min(2, settings.parse_workers or 2), timeout=settings.parse_timeout
    ) as pool:
        return await fetch_pages(
            library, articles, pool, on_progress=on_progress, on_image=on_image
        )


async def _extract(result: FetchResult, pool: ParsePool) -> Extracted:
    if result.outcome != Fetched.OK:
        return Extracted(
            error=clean_line(result.error or N_("HTTP {status}").format(status=result.status), 200)
        )
    content_type = result.headers.get("content-type", "")
    url = result.final_url or result.url
    try:
        return await pool.run(extract_page, result.body, url, content_type)
    except Exception as exc:  # a worker's time limit or crash: this article alone
        return Extracted(error=clean_line(N_("extraction failed: {exc}").format(exc=exc), 200))
