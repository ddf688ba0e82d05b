"""Article images for offline reading: fetched after the text, under the fetcher's limits.

Which articles: those whose page was fetched (full text, `[images] fetch = "full_text"`, the
default), every new article with `fetch = "always"`, none with `"never"`. At most
`max_per_article` images each, `IMAGE_MAX_BYTES` per image, http/https only, redirects by hand
(the fetcher's), each checked by image_cache.sniff before it is kept (no decoding here). A
failed image is that image's alone: the article keeps its text and shows the image's
placeholder. An article records the image URLs it has on disk (`Article.images`); the files are
pruned with the articles (image_cache.prune, after each refresh).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsreader import image_cache
from newsreader.ingest.body_html import IMG_TAG, img_attributes
from newsreader.ingest.fetch import Fetched, Fetcher, FetchRequest, FetchResult
from newsreader.library import Library
from newsreader.models import Article
from newsreader.sanitize import OPENABLE_SCHEMES, clean_line, url_scheme
from newsreader.store import Batch

IMAGE_MAX_BYTES = 4 * 1024 * 1024
COMMIT_EVERY = 25  # articles per store write
IMAGE_CHUNK = 32  # images fetched ahead of writing: 32 x 4 MiB at worst in memory


def image_urls(body_html: str, limit: int) -> list[str]:
    """The body's image URLs in order, http/https only, at most `limit` (the stored body is
    cleaned: links are already absolute)."""
    urls: list[str] = []
    for tag in IMG_TAG.findall(body_html):
        found = img_attributes(tag)
        url = (found.get("src") or found.get("data-src") or "").strip()
        if url and url_scheme(url) in OPENABLE_SCHEMES and url not in urls:
            urls.append(url)
            if len(urls) >= limit:
                break
    return urls


@dataclass(slots=True)
class ImageReport:
    article_id: str
    url: str
    error: str | None = None


class Tally:
    """Counts over a summary's `reports` (each with an `error`, None when it worked); shared by
    the images' and the pages' summaries (fulltext.py)."""

    __slots__ = ()
    reports: list[Any]

    @property
    def fetched(self) -> int:
        return sum(1 for r in self.reports if r.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.reports if r.error is not None)


@dataclass(slots=True)
class ImagesSummary(Tally):
    reports: list[ImageReport] = field(default_factory=list)


ImageProgress = Callable[[int, int, ImageReport], None]


def wanted_images(library: Library, article: Article, body_html: str) -> list[str]:
    """The article's images not on disk yet (per the article's record)."""
    limit = library.settings.images.max_per_article
    have = set(article.images)
    return [u for u in image_urls(body_html, limit) if u not in have]


async def fetch_images(
    library: Library,
    wanted: Sequence[tuple[Article, Sequence[str]]],
    *,
    on_progress: ImageProgress | None = None,
) -> ImagesSummary:
    """Fetch, check and keep these articles' images; each article records the URLs it has."""
    summary = ImagesSummary()
    owners: dict[str, str] = {}  # request id -> article id
    requests: list[FetchRequest] = []
    for article, urls in wanted:
        for n, url in enumerate(urls):
            if url_scheme(url) in OPENABLE_SCHEMES:
                key = f"{article.id}\x00{n}"
                owners[key] = article.id
                requests.append(FetchRequest(key, url, None, None))
    if not requests:
        return summary
    data_dir = Path(library.dirs.data)
    settings = replace(library.settings, max_body_bytes=IMAGE_MAX_BYTES)
    got: dict[str, list[str]] = {}
    remaining = {article.id: len(urls) for article, urls in wanted}
    order_of = {article.id: {u: i for i, u in enumerate(urls)} for article, urls in wanted}
    batch = Batch()
    async with Fetcher(settings) as fetcher:
        async for results in fetcher.fetch_chunks(requests, IMAGE_CHUNK):
            # Checked and written in a thread: the caller's loop may be the reader's screen.
            errors = await asyncio.to_thread(_keep_all, data_dir, results)
            for result, error in zip(results, errors, strict=True):
                article_id = owners[result.feed_id]
                if error is None:
                    got.setdefault(article_id, []).append(result.url)
                report = ImageReport(article_id, result.url, error)
                summary.reports.append(report)
                if on_progress is not None:
                    on_progress(len(summary.reports), len(requests), report)
                remaining[article_id] -= 1
                if remaining[article_id] == 0 and got.get(article_id):
                    current = library.articles.get(article_id)
                    if current is not None:
                        order = order_of[article_id]
                        urls = sorted(
                            set(current.images) | set(got[article_id]),
                            key=lambda u: order.get(u, -1),
                        )
                        batch.articles.append(replace(current, images=urls))
            if len(batch.articles) >= COMMIT_EVERY:
                await library.commit_async(batch)
                batch = Batch()
    if not batch.is_empty():
        await library.commit_async(batch)
    return summary


def _keep_all(data_dir: Path, results: Sequence[FetchResult]) -> list[str | None]:
    """Check and write each fetched image; its error, or None when it is kept."""
    errors: list[str | None] = []
    for result in results:
        if result.outcome != Fetched.OK:
            errors.append(clean_line(result.error or f"HTTP {result.status}", 200))
            continue
        try:
            image_cache.save(data_dir, result.url, result.body)
        except image_cache.ImageRefused as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(clean_line(f"cannot keep the image: {exc.strerror or exc}", 200))
        else:
            errors.append(None)
    return errors


def prune_images(library: Library) -> image_cache.Pruned:
    """Drop image files no article names any more, then the oldest over the budget."""
    referenced = [url for article in library.articles.values() for url in article.images]
    return image_cache.prune(
        Path(library.dirs.data),
        referenced,
        max_bytes=int(library.settings.images.max_total_mb * 1024 * 1024),
    )
