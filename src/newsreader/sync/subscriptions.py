"""Subscriptions in one sync: the server's feeds become this cache's (folders as tags, a feed
already here adopted), feeds gone there go here, feeds removed here are unsubscribed there and
feeds added here for the account are subscribed there."""

from __future__ import annotations

from dataclasses import replace

from newsreader.feed_urls import LibraryError, normalise_feed_url
from newsreader.i18n import N_
from newsreader.models import Feed, merge_tags, tag_key
from newsreader.sanitize import clean_line
from newsreader.store import Batch
from newsreader.sync.base import SyncBase
from newsreader.sync.protocol import RemoteFeed
from newsreader.sync.state import FeedLink


class SubscriptionsPart(SyncBase):
    def _subscribe_new(self) -> None:
        """Feeds added here for this account (`add --account`) and not yet on the server:
        subscribed there, with their tags as folders. The feed is in the cache from the start,
        so one that a kill or a failure leaves behind is subscribed at the next sync."""
        name = self.account.name
        pending = [f for f in self.lib.feeds.values() if f.account == name and not f.remote_id]
        if not pending:
            return
        subscribe = getattr(self.client, "subscribe", None)
        if subscribe is None:
            self.report.warnings.append(
                N_(
                    "{account}: the Fever API cannot subscribe; add {count} feeds on the server"
                ).format(account=name, count=len(pending))
            )
            return
        for feed in pending:
            rid = subscribe(feed.url, feed.title if feed.user_title else "", list(feed.tags))
            # The server may spell the URL its own way: its id for the feed is what links them.
            self.state.feeds[rid] = FeedLink(feed.id, [])
            self.states.save(self.state)

    def _follow_feeds(self, remote: list[RemoteFeed]) -> None:
        lib, state, name = self.lib, self.state, self.account.name
        batch = Batch()
        by_url = {f.url: f for f in lib.feeds.values()}
        taken = set(lib.feeds)
        wanted: set[str] = set()
        for rf in remote:
            folders = [t for t in (clean_line(f, 80) for f in rf.folders) if t]
            link = state.feeds.get(rf.id)
            feed = lib.feeds.get(link.feed_id) if link is not None else None
            if feed is None and link is not None and hasattr(self.client, "unsubscribe"):
                # Removed here since the last sync: removed on the server too.
                self.client.unsubscribe(rf.id)
                del state.feeds[rf.id]
                continue
            if feed is None:
                try:
                    url = normalise_feed_url(rf.url)
                except LibraryError:
                    self.report.warnings.append(
                        N_("{account}: skipped a feed with an unusable URL: {url}").format(
                            account=name, url=clean_line(rf.url)
                        )
                    )
                    continue
                feed = by_url.get(url)
                if feed is not None and feed.account and feed.account != name:
                    continue  # another account's
                if feed is None:
                    feed = Feed.new(url, tags=folders)
                    while feed.id in taken:
                        feed.id = feed.id[:-1] + format((int(feed.id[-1], 16) + 1) % 16, "x")
                    taken.add(feed.id)
                    self.report.feeds_added += 1
            old = {tag_key(t) for t in (link.folders if link is not None else [])}
            new = replace(
                feed, tags=merge_tags([t for t in feed.tags if tag_key(t) not in old], folders)
            )
            new.account, new.remote_id = name, rf.id
            new.etag = new.last_modified = None
            title = clean_line(rf.title)
            if title and not new.user_title:
                new.title = title
            new.link = new.link or clean_line(rf.site)
            if new != feed or feed.id not in lib.feeds:
                batch.feeds.append(new)
            state.feeds[rf.id] = FeedLink(new.id, folders)
            wanted.add(rf.id)
        for rid in [r for r in state.feeds if r not in wanted]:
            fid = state.feeds.pop(rid).feed_id
            feed = lib.feeds.get(fid)
            if feed is not None and feed.account == name:
                batch.removed_feeds.append(fid)
                self.report.feeds_removed += 1
        if not batch.is_empty():
            lib.commit(batch)
