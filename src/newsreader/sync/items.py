"""Items in one sync: server items into articles of their feeds (through the same
normalisation as a feed's entries), committed with their read/star state."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from newsreader.filters import HitLog, apply_to_batch
from newsreader.ingest.fulltext import keep_extracted, mode_of, wants_page
from newsreader.ingest.normalise import normalise
from newsreader.ingest.raw import RawEntry, RawFeed
from newsreader.store import Batch
from newsreader.sync.base import MARK_CHUNK, SyncBase, chunks
from newsreader.sync.protocol import RemoteItem
from newsreader.sync.state import Known


class ItemsPart(SyncBase):
    def _store(self, items: Iterable[RemoteItem]) -> None:
        lib, state = self.lib, self.state
        per_feed: dict[str, list[RemoteItem]] = {}
        for item in items:
            if item.id in state.items:
                continue  # seen already (a page fetched again after a cut-off sync)
            link = state.feeds.get(item.feed_id)
            if link is not None and link.feed_id in lib.feeds:
                per_feed.setdefault(link.feed_id, []).append(item)
        if not per_feed:
            return
        batch = Batch()
        known: dict[str, Known] = {}
        push: dict[str, list[str]] = {"read": [], "starred": []}
        for fid, group in per_feed.items():
            feed = lib.feeds[fid]
            raw = RawFeed(title=feed.title, entries=[_entry(self.account.kind, i) for i in group])
            parsed = normalise(raw, feed=feed, url=feed.url, now=self.now)
            keep_extracted(lib, parsed.articles, parsed.bodies)  # a page's text stays
            mode = mode_of(lib, feed)
            self.pages_wanted += [
                a
                for a in parsed.articles
                if a.id not in lib.articles and wants_page(a, parsed.bodies.get(a.id, ""), mode)
            ]
            by_key = {f"{self.account.kind}:{i.id}": i for i in group}
            for art in parsed.articles:
                item = by_key[art.guid]
                read, starred = item.read, item.starred
                here = lib.articles.get(art.id)
                if here is not None:
                    # Stored, but this state file does not know it (it was damaged, or a sync
                    # was killed before saying so): with no base to tell which side changed,
                    # a read or a star on either side is kept, and sent if the server lacks it.
                    read, starred = read or here.read, starred or here.starred
                    if read and not item.read:
                        push["read"].append(item.id)
                    if starred and not item.starred:
                        push["starred"].append(item.id)
                batch.read[art.id] = art.read = read
                batch.starred[art.id] = art.starred = starred
                known[item.id] = Known(art.id, read, starred)
            batch.articles += parsed.articles
            batch.bodies.update(parsed.bodies)
        # The kill file applies to synced articles as to fetched ones: marks it sets here go to
        # the server at the next sync (they differ from the base), hidden ones are not stored
        # (and stay known, so they are not fetched again).
        rules = lib.filter_rules
        hits = apply_to_batch(lib, rules, batch) if rules else []
        result = lib.commit(batch)
        if hits:
            self.report.filtered += len(HitLog(Path(lib.dirs.data)).add(hits))
        for chunk in chunks(push["read"], MARK_CHUNK):
            self.client.mark(chunk, read=True)
            self.report.pushed += len(chunk)
        for chunk in chunks(push["starred"], MARK_CHUNK):
            self.client.mark(chunk, starred=True)
            self.report.pushed += len(chunk)
        added = set(result.added)
        self.report.new += len(added)
        self.report.new_ids += [a.id for a in batch.articles if a.id in added]
        state.items.update(known)


def _entry(kind: str, item: RemoteItem) -> RawEntry:
    return RawEntry(
        key=f"{kind}:{item.id}",
        link=item.url,
        title=item.title,
        title_html=True,  # servers send titles HTML-escaped; cleaned as markup, shown as text
        summary=item.summary,
        content=item.html,
        author=item.author,
        published=item.published,
        categories=list(item.categories),
    )
