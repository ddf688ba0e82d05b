"""Filters (a kill file; newsboat's `ignore-article`, Miniflux's block and keep rules): a search
and what to do with the articles it finds, applied to new articles at every refresh and, on
demand, to the whole cache.

    [[filters]]
    query = "tag:Sport -Olympia"     # the search language of `newsreader search`
    action = "read"                  # read | star | hide | tag:NAME
    name = "Sport gelesen"           # optional (default: the query)

`read` and `star` mark; `tag:NAME` puts one of the user's own tags on the article (as `#` in
the reader); `hide` keeps the article out of the cache (at a refresh it is never
stored; applied to the cache it is removed). Every hit is logged in `filter-hits.json` in the
data folder (`newsreader filter hits`), and undoable (`newsreader filter undo NAME`): marks and
tags are taken back, and a hidden article is exempted from its rule, so the next refresh stores it
again (it stays hidden until then: its text is not kept). New articles are matched in memory
with the search code itself (an index of just them), so a rule means at a refresh what it
means in `newsreader search`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsreader.i18n import N_
from newsreader.indexes.query import parse_query
from newsreader.indexes.search import SearchIndex
from newsreader.sanitize import search_text
from newsreader.store import Batch
from newsreader.store.files import _atomic_write, _dumps, _quarantine
from newsreader.tagging import clean_tag

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.models import Article

ACTIONS = ("read", "star", "hide")
LOG_NAME = "filter-hits.json"
MAX_LOG = 5_000  # hits kept, newest last


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    query: str
    action: str


def rules_from(config: Sequence[Mapping[str, Any]], warnings: list[str]) -> list[Rule]:
    """The `[[filters]]` of the config that make sense; a line in `warnings` for each other."""
    out: list[Rule] = []
    for n, raw in enumerate(config, 1):
        query = str(raw.get("query", "")).strip()
        action = str(raw.get("action", "")).strip().lower()
        name = str(raw.get("name", "")).strip() or query
        tag = clean_tag(str(raw.get("action", "")).strip()[4:]) if action.startswith("tag:") else ""
        if tag:
            action = "tag:" + tag
        elif action not in ACTIONS:
            warnings.append(
                N_("filter {n}: action {action!r} is none of read, star, hide, tag:NAME").format(
                    n=n, action=action
                )
            )
            continue
        if parse_query(query).is_empty():
            warnings.append(
                N_("filter {n}: nothing to search for in {query!r}").format(n=n, query=query)
            )
            continue
        out.append(Rule(name, query, action))
    return out


@dataclass(slots=True)
class Hit:
    rule: str
    action: str
    id: str
    feed_id: str
    headline: str
    link: str
    at: float


class HitLog:
    """`filter-hits.json`: what the rules did, and the articles exempted by an undo."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOG_NAME

    def read(self) -> tuple[list[Hit], set[str]]:
        try:
            data = json.loads(self.path.read_bytes())
            hits = [Hit(**h) for h in data.get("hits", [])]
            kept = {str(k) for k in data.get("kept", [])}
        except FileNotFoundError:
            return [], set()
        except (ValueError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                _quarantine(self.path)
            return [], set()
        return hits, kept

    def write(self, hits: list[Hit], kept: set[str]) -> None:
        data = {"hits": [asdict(h) for h in hits[-MAX_LOG:]], "kept": sorted(kept)}
        _atomic_write(self.path, _dumps(data))

    def add(self, new: Iterable[Hit]) -> list[Hit]:
        """Log the hits not logged before (a hidden article is kept out again at every refresh
        while its feed carries it); returns those."""
        hits, kept = self.read()
        seen = {(h.rule, h.id) for h in hits}
        fresh = [h for h in new if (h.rule, h.id) not in seen]
        if fresh:
            self.write(hits + fresh, kept)
        return fresh


def match(
    rules: Sequence[Rule],
    articles: Sequence[Article],
    bodies: Mapping[str, str],
    feed_title: Any,
) -> dict[Rule, list[str]]:
    """Which of `articles` (not yet stored) each rule finds: an in-memory index of just them,
    queried as `search` would query the cache."""
    if not rules or not articles:
        return {}
    live = {a.id: a for a in articles}
    index = SearchIndex(live, feed_title)
    index.add_many(articles)
    for art in articles:
        html = bodies.get(art.id)
        if html:
            index.add_body(art.id, search_text(html))
    return {rule: ids for rule in rules if (ids := index.search(rule.query))}


def apply_to_batch(library: Library, rules: Sequence[Rule], batch: Batch) -> list[Hit]:
    """Apply the rules to the batch's new articles before it is committed: marks set in the
    batch, hidden articles taken out of it. Articles an undo exempted are left alone."""
    known = library.articles
    _hits, kept = HitLog(Path(library.dirs.data)).read()
    new = [a for a in batch.articles if a.id not in known and a.id not in kept]
    found = match(rules, new, batch.bodies, library.feed_title)
    return _act(found, {a.id: a for a in new}, batch)


def _act(
    found: Mapping[Rule, list[str]], articles: Mapping[str, Article], batch: Batch
) -> list[Hit]:
    hits: list[Hit] = []
    now = time.time()
    # Kept out wins: a hidden article gets no other rule's marks (nor their lines in the log).
    hidden = {aid for rule, ids in found.items() if rule.action == "hide" for aid in ids}
    for rule, ids in found.items():
        for aid in ids:
            if aid in hidden and rule.action != "hide":
                continue
            art = articles[aid]
            if rule.action == "read":
                batch.read[aid] = True
            elif rule.action == "star":
                batch.starred[aid] = True
            elif rule.action.startswith("tag:"):
                own = batch.article_tags.get(aid, list(art.own_tags))
                if rule.action[4:].casefold() not in {t.casefold() for t in [*art.tags, *own]}:
                    batch.article_tags[aid] = [*own, rule.action[4:]]
                else:
                    continue  # it has the tag already: nothing done, nothing to log
            hits.append(Hit(rule.name, rule.action, aid, art.feed_id, art.headline, art.link, now))
    if hidden:
        batch.articles = [a for a in batch.articles if a.id not in hidden]
        for aid in hidden:
            batch.bodies.pop(aid, None)
            batch.read.pop(aid, None)
            batch.starred.pop(aid, None)
    return hits


def apply_to_cache(library: Library, rules: Sequence[Rule]) -> list[Hit]:
    """Apply the rules to every cached article (`newsreader filter apply`), in one commit."""
    _hits, kept = HitLog(Path(library.dirs.data)).read()
    batch = Batch()
    found: dict[Rule, list[str]] = {}
    for rule in rules:
        ids = [a.id for a in library.search(rule.query) if a.id not in kept]
        if rule.action == "read":
            ids = [i for i in ids if not library.articles[i].read]
        elif rule.action == "star":
            ids = [i for i in ids if not library.articles[i].starred]
        elif rule.action.startswith("tag:"):
            key = rule.action[4:].casefold()
            ids = [i for i in ids if key not in {t.casefold() for t in library.articles[i].tags}]
        if ids:
            found[rule] = ids
    articles = dict(library.articles)
    hits = _act(found, articles, batch)
    batch.removed_articles = [h.id for h in hits if h.action == "hide"]
    if not batch.is_empty():
        library.commit(batch)
    HitLog(Path(library.dirs.data)).add(hits)
    return hits


def undo(library: Library, rule_name: str) -> tuple[int, int]:
    """Take back what a rule did: marks undone, hidden articles exempted from it (stored again
    by the next refresh). Returns (marks taken back, articles exempted)."""
    log = HitLog(Path(library.dirs.data))
    hits, kept = log.read()
    wanted = rule_name.strip().casefold()
    mine = [h for h in hits if h.rule.casefold() == wanted]
    batch = Batch()
    for h in mine:
        if h.action == "read" and h.id in library.articles:
            batch.read[h.id] = False
        elif h.action == "star" and h.id in library.articles:
            batch.starred[h.id] = False
        elif h.action.startswith("tag:") and h.id in library.articles:
            art = library.articles[h.id]
            own = batch.article_tags.get(h.id, list(art.own_tags))
            batch.article_tags[h.id] = [t for t in own if t.casefold() != h.action[4:].casefold()]
    exempt = {h.id for h in mine if h.action == "hide"}
    # Every undone article is exempt from the rules from now on (kept as the user wants it).
    kept |= {h.id for h in mine}
    if not batch.is_empty():
        library.commit(batch)
    log.write([h for h in hits if h.rule.casefold() != wanted], kept)
    return len(batch.read) + len(batch.starred) + len(batch.article_tags), len(exempt)
