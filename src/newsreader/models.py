"""Plain model objects shared by every layer: feeds, articles, enclosures and tag helpers.

Nothing here does I/O. Times are timezone-aware UTC datetimes in the model and float epoch
seconds in the stored dicts (fast to load for tens of thousands of articles).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress, islice
from operator import attrgetter, eq
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def short_hash(*parts: str, length: int = 16) -> str:
    digest = hashlib.sha1("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:length]


def feed_id_for(url: str) -> str:
    """A feed's id: derived from the URL it was first added with, then never changed."""
    return short_hash("feed", url, length=12)


def sort_newest_first(articles: Iterable[Article]) -> list[Article]:
    """`sorted(articles, key=newest_first_key)`, cheaper for many articles: sorted by time
    with a key read in C, then only the runs of equal times sorted by the whole key (100,000
    articles: ~45 ms against ~105 ms for the whole key on every article)."""
    items = list(articles)
    stamps = list(map(datetime.timestamp, map(_published, items)))
    order = sorted(range(len(items)), key=stamps.__getitem__, reverse=True)
    out = list(map(items.__getitem__, order))
    times = list(map(stamps.__getitem__, order))
    ties = list(compress(range(1, len(out)), map(eq, times, islice(times, 1, None))))
    i, n = 0, len(ties)
    while i < n:
        start = ties[i] - 1  # a run of equal times: [start, end)
        end = ties[i] + 1
        i += 1
        while i < n and ties[i] == end:
            end += 1
            i += 1
        out[start:end] = sorted(out[start:end], key=newest_first_key)
    return out


_published = attrgetter("published")
_from_stamp = datetime.fromtimestamp
_last_seen: tuple[float, datetime] = (0.0, datetime.fromtimestamp(0.0, UTC))


def _remember_seen(stamp: float) -> tuple[float, datetime]:
    """The datetime of `stamp`, kept as the one `from_index_dict` reuses (one tuple, swapped
    whole: a thread reading it sees a matching pair)."""
    global _last_seen
    _last_seen = (stamp, _from_stamp(stamp, UTC))
    return _last_seen


def newest_first_key(article: Article) -> tuple[float, str, str, str, str, str]:
    """Sort key, newest first, total and decided by content: ties on time go by headline, link
    and guid before the id, so the order is the same in every copy of a cache and every clone."""
    return (
        -article.published.timestamp(),
        article.headline.casefold(),
        article.headline,
        article.link,
        article.guid,
        article.id,
    )


def article_id_for(feed_id: str, guid: str) -> str:
    """An article's id, scoped to its feed (the same guid in two feeds is two articles)."""
    return short_hash(feed_id, guid)


def tag_key(tag: str) -> str:
    """Tags match case-insensitively and ignore surrounding space."""
    return " ".join(tag.split()).casefold()


def merge_tags(*groups: Iterable[str]) -> list[str]:
    """Union of tag lists, trimmed, deduplicated case-insensitively, first spelling kept."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for raw in group:
            tag = " ".join(raw.split())
            key = tag.casefold()
            if tag and key not in seen:
                seen.add(key)
                out.append(tag)
    return out


@dataclass(slots=True)
class Enclosure:
    url: str
    type: str = ""
    length: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "type": self.type, "length": self.length}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Enclosure:
        return cls(url=d.get("url", ""), type=d.get("type", ""), length=int(d.get("length") or 0))


@dataclass(slots=True)
class Feed:
    id: str
    url: str
    title: str = ""
    link: str = ""
    tags: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    error_at: datetime | None = None
    warning: str | None = None
    last_fetched: datetime | None = None
    gone: bool = False
    not_before: datetime | None = None
    added: datetime = field(default_factory=utcnow)
    user_title: bool = False  # the title was set by the user; a refresh must not replace it
    full_text: str = ""  # "auto" | "always" | "never"; "": the config's (ingest/fulltext.py)
    # A synced feed (sync/): its articles come from this account's server, never fetched here.
    account: str = ""
    remote_id: str = ""  # the server's id for the feed

    @property
    def display_title(self) -> str:
        return self.title or self.url

    @classmethod
    def new(cls, url: str, *, title: str = "", tags: Iterable[str] = ()) -> Feed:
        return cls(
            id=feed_id_for(url), url=url, title=title, tags=merge_tags(tags), user_title=bool(title)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "link": self.link,
            "tags": list(self.tags),
            "etag": self.etag,
            "last_modified": self.last_modified,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "error_at": to_ts(self.error_at),
            "warning": self.warning,
            "last_fetched": to_ts(self.last_fetched),
            "gone": self.gone,
            "not_before": to_ts(self.not_before),
            "added": to_ts(self.added),
            "user_title": self.user_title,
            "full_text": self.full_text,
            **({"account": self.account, "remote_id": self.remote_id} if self.account else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Feed:
        return cls(
            id=d["id"],
            url=d["url"],
            title=d.get("title", ""),
            link=d.get("link", ""),
            tags=list(d.get("tags", [])),
            etag=d.get("etag"),
            last_modified=d.get("last_modified"),
            last_status=d.get("last_status"),
            last_error=d.get("last_error"),
            error_at=from_ts(d.get("error_at")),
            warning=d.get("warning"),
            last_fetched=from_ts(d.get("last_fetched")),
            gone=bool(d.get("gone", False)),
            not_before=from_ts(d.get("not_before")),
            added=from_ts(d.get("added")) or EPOCH,
            user_title=bool(d.get("user_title", False)),
            full_text=str(d.get("full_text") or ""),
            account=str(d.get("account") or ""),
            remote_id=str(d.get("remote_id") or ""),
        )


@dataclass(slots=True)
class Article:
    id: str
    feed_id: str
    guid: str
    headline: str
    link: str = ""
    author: str = ""
    published: datetime = EPOCH
    kicker: str = ""
    lead: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = ""
    enclosures: list[Enclosure] = field(default_factory=list)
    read: bool = False
    starred: bool = False
    first_seen: datetime = field(default_factory=utcnow)
    dated: bool = True  # False: the feed gave no usable date; `published` is the fetch time
    extracted: bool = False  # the body is the text of the article's page, not the feed's
    extract_error: str = ""  # why fetching the page's text failed (tried once, shown)
    images: list[str] = field(default_factory=list)  # image URLs kept on disk (image_cache)
    # The user's own tags on this article (also in `tags`, which every list, count and search
    # reads). Stored beside the index fields by the store (Batch.article_tags), kept when a
    # refresh rewrites the article.
    own_tags: list[str] = field(default_factory=list)

    def index_dict(self) -> dict[str, Any]:
        """Everything but the body and the user's state: what the headline index stores (the
        feed's and items' tags; the user's own are the store's to keep, `own_tags`)."""
        tags = self.tags
        if self.own_tags:
            own = {t.casefold() for t in self.own_tags}
            tags = [t for t in tags if t.casefold() not in own]
        return {
            "id": self.id,
            "feed_id": self.feed_id,
            "guid": self.guid,
            "headline": self.headline,
            "link": self.link,
            "author": self.author,
            "published": self.published.timestamp(),
            "kicker": self.kicker,
            "lead": self.lead,
            "tags": list(tags),
            "source": self.source,
            "enclosures": [e.to_dict() for e in self.enclosures],
            "first_seen": self.first_seen.timestamp(),
            "dated": self.dated,
            **({"extracted": True} if self.extracted else {}),
            **({"extract_error": self.extract_error} if self.extract_error else {}),
            **({"images": list(self.images)} if self.images else {}),
        }

    @classmethod
    def from_index_dict(
        cls, d: dict[str, Any], *, read: bool = False, starred: bool = False
    ) -> Article:
        get = d.get  # 100,000 of these on a load: no repeated lookups, no needless copies
        tags = get("tags")
        enclosures = get("enclosures")
        images = get("images")
        own = get("own_tags")
        if own:
            own = [str(t) for t in own if isinstance(t, str)]
            tags = merge_tags(tags if type(tags) is list else list(tags or ()), own)
        # Positional, in field order (a keyword call costs ~40% more over 100,000 articles);
        # test_models checks this order against `fields(Article)`.
        aid = d["id"]
        # The articles of one fetch share their first-seen time, and a shard holds a feed's
        # articles fetch by fetch: the last one converted is reused (datetimes are immutable;
        # 100,000 conversions cost ~35 ms of a load).
        seen_at = get("first_seen") or 0.0
        last = _last_seen
        if last[0] != seen_at:
            last = _remember_seen(seen_at)
        return cls(
            aid,
            d["feed_id"],
            get("guid", aid),
            get("headline", ""),
            get("link", ""),
            get("author", ""),
            _from_stamp(get("published") or 0.0, UTC),
            get("kicker", ""),
            get("lead", ""),
            tags if type(tags) is list else list(tags or ()),
            get("source", ""),
            [Enclosure.from_dict(e) for e in enclosures] if enclosures else [],
            read,
            starred,
            last[1],
            get("dated", True) is not False,
            get("extracted") is True,
            str(get("extract_error") or ""),
            [str(u) for u in images if isinstance(u, str)] if images else [],
            own or [],
        )
