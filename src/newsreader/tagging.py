"""The user's tags on feeds, applied to the feeds' articles at once, everywhere.

An article's tags are its own categories plus its feed's tags, merged at ingest
(ingest/normalise.py). When the user adds, removes or renames a feed tag, the feed's stored
articles are rewritten in the same commit, so search (`tag:`), the tag pane and its counts,
`show`, related stories and the next refresh all agree without waiting for the feed to change.
A removed feed tag leaves the feed's articles even where an item also carried it as its own
category: what the user took off the feed is off its articles. The functions here build the
batch; `Library` commits it (and updates its indexes from it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from newsreader.models import Article, Feed, merge_tags, tag_key
from newsreader.sanitize import MAX_TAGS, clean_line
from newsreader.store import Batch

MAX_TAG_CHARS = 80


def clean_tag(tag: str) -> str:
    return " ".join(clean_line(tag, MAX_TAG_CHARS).split())


def retag_feed(
    feed: Feed,
    articles: Iterable[Article],
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> Batch:
    """The feed with `add` added and `remove` removed, and its articles to match."""
    drop = {tag_key(t) for t in remove if t.strip()}
    added = [t for t in (clean_tag(t) for t in add) if t and tag_key(t) not in drop]
    tags = [t for t in merge_tags(feed.tags, added) if tag_key(t) not in drop][:MAX_TAGS]
    return _apply(feed, tags, articles, drop)


def set_feed_tags(feed: Feed, articles: Iterable[Article], tags: Iterable[str]) -> Batch:
    """The feed's tags replaced by `tags` (the reader's edit box), its articles to match."""
    wanted = [t for t in (clean_tag(t) for t in tags) if t]
    wanted_keys = {tag_key(t) for t in wanted}
    drop = {tag_key(t) for t in feed.tags if tag_key(t) not in wanted_keys}
    # A tag whose spelling changed ("news" -> "News") is dropped and added again, respelled.
    drop |= {tag_key(t) for t in feed.tags if tag_key(t) in wanted_keys and t not in wanted}
    return _apply(feed, merge_tags(wanted)[:MAX_TAGS], articles, drop)


def rename_tag(
    feeds: Iterable[Feed], articles_of: Mapping[str, list[Article]], old: str, new: str
) -> Batch:
    """Every feed tagged `old` tagged `new` instead (merging where it already has `new`)."""
    old_key, new = tag_key(old), clean_tag(new)
    batch = Batch()
    if not new or not old_key:
        return batch
    for feed in feeds:
        if old_key not in {tag_key(t) for t in feed.tags}:
            continue
        tags = merge_tags([new if tag_key(t) == old_key else t for t in feed.tags])
        drop = {old_key} | ({tag_key(new)} if tag_key(new) != old_key else set())
        part = _apply(feed, tags[:MAX_TAGS], articles_of.get(feed.id, []), drop)
        batch.feeds.extend(part.feeds)
        batch.articles.extend(part.articles)
    return batch


def _apply(feed: Feed, tags: list[str], articles: Iterable[Article], drop: set[str]) -> Batch:
    batch = Batch(feeds=[replace(feed, tags=tags)])
    for article in articles:
        if article.feed_id != feed.id:
            continue
        own = [t for t in article.tags if tag_key(t) not in drop]
        merged = merge_tags(own[: max(0, MAX_TAGS - len(tags))], tags)
        if merged != article.tags:
            batch.articles.append(replace(article, tags=merged))
    return batch


def article_tags_batch(
    article: Article, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> tuple[Batch, list[str]]:
    """The user's own tags on one article with `add` added and `remove` removed, as a batch,
    and the tags it could not remove (its feed's or its item's: `tag` on the feed for those). A
    tag the article already has is not added again."""
    drop = {tag_key(t) for t in remove if t.strip()}
    own = [t for t in article.own_tags if tag_key(t) not in drop]
    has = {tag_key(t) for t in article.tags}
    for tag in (clean_tag(t) for t in add):
        if tag and tag_key(tag) not in has and tag_key(tag) not in drop:
            own.append(tag)
            has.add(tag_key(tag))
    own_keys = {tag_key(t) for t in article.own_tags}
    kept = [t for t in article.tags if tag_key(t) in drop and tag_key(t) not in own_keys]
    return Batch(article_tags={article.id: own[:MAX_TAGS]}), kept
