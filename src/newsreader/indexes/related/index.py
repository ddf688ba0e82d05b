"""Related stories: other cached articles ranked by shared rare tags, names and words, and
closeness in time, from in-memory inverted indexes.

Score = relevance x time factor. Relevance mixes the seed's tag weight (IDF) that a candidate
shares with its BM25 similarity over headline, kicker and lead (names weigh more, see
features.py), each normalised to [0, 1]. Evidence must discriminate across the whole cache:
the user's feed tags are not evidence at all, and a category that a feed puts on most of its
items ("Tech", "video games") is ignored between articles of that feed. The time factor decays
with a half-life of a few days towards a floor; an undated article's distance is unknown, not
far, so it gets a middle factor.

A candidate that is close in time and shares enough of the seed's names and words is the *same
story* (coverage of one event); those come first, then the wider topic. Exact copies (the same
link, or the same headline within two days) are never listed: they are the same article.

Why one long module: the postings, the query's hot loop and the story rule share the index's
state and its lock; the features (features.py) and the wording (reasons.py) live apart.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from newsreader.indexes import terms as text_terms
from newsreader.indexes.related.copies import CopyMap
from newsreader.indexes.related.copies import copy_keys as _copy_keys
from newsreader.indexes.related.copies import is_copy as _copy
from newsreader.indexes.related.features import Doc, bm25_tf, features, name_terms
from newsreader.indexes.related.reasons import explain
from newsreader.models import Article

HALF_LIFE_DAYS = 4.0
TIME_FLOOR = 0.4  # the time factor of a very old story: relevance still counts most
UNKNOWN_TIME = 0.7  # the time factor when either article is undated
TAG_WEIGHT = 0.55  # share of relevance given to tags when the seed has informative ones
TAG_IDF_FULL = 3.0  # seed tags worth this much IDF together (~ one tag on 5%) get TAG_WEIGHT
MIN_TAG_IDF = math.log(2)  # a tag on half the cache or more says nothing
FEED_TAG_MIN_ITEMS = 10  # a feed's own tag rarity counts once it has this many items
TEXT_SATURATION = 0.6
MIN_FEED_TAG_IDF = math.log(8)  # within one feed, a tag on an eighth of its items says nothing
SAME_FEED_FACTOR = 0.7  # relevance of an article of the seed's own feed
# Below this a candidate shares too little to be called related; further apart in time than
# STORY_WINDOW it needs more (an undated article is not far: its distance is unknown).
# Measured on real news (docs/RELATED.md): fewer, truer related stories beat five filled rows.
MIN_RELEVANCE = 0.3
MIN_RELEVANCE_FAR = 0.6
STORY_RELEVANCE = 0.35  # this much text relevance, close in time, with a shared name: one story
STORY_NAMES = 4.0  # ... sharing names of this much IDF together (about two rare ones)
STORY_WINDOW = 3 * 86_400.0
STORY_NAME_POSTINGS = 2_000  # a name on more articles than this finds no story by itself
VISIT_BUDGET = 12_000  # postings walked per query before common features are only re-scored
_DAY = 86_400.0


@dataclass(slots=True)
class Related:
    """One related story and why: whether it is the same story, a short reason a person
    understands ("same story: Umjerow, Genf, US-Plan" / "topic: Ukraine, Russland"), and the
    seed's tags and most telling words it shares (rarest first, as the seed spells them)."""

    article_id: str
    score: float
    shared_tags: list[str]
    shared_words: list[str]
    same_story: bool = False
    reason: str = ""
    relevance: float = 0.0  # before the time factor


def _close_in_time(a: float | None, b: float | None) -> bool:
    return a is None or b is None or abs(a - b) <= STORY_WINDOW


class RelatedIndex:
    """Related stories over the caller's live `articles` mapping; kept current by add/remove."""

    def __init__(
        self,
        articles: Mapping[str, Article],
        feed_title: Callable[[str], str],
        feed_tags: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._articles = articles
        # Kept for symmetry with SearchIndex: a feed's title plays no part in relatedness.
        self._feed_title = feed_title
        self._feed_tags = feed_tags
        self._docs: dict[str, Doc] = {}
        # term -> {article id: BM25 tf factor}; tag key -> article ids
        self._terms: dict[str, dict[str, float]] = {}
        self._tags: dict[str, set[str]] = {}
        # Per feed: its article count and how many of them carry each tag (boilerplate test).
        self._feed_size: Counter[str] = Counter()
        self._tag_feeds: dict[str, Counter[str]] = {}
        # Refreshes commit from a worker while the UI asks for related stories.
        self._lock = threading.RLock()
        # Normalised link or headline -> article ids: exact and near-identical copies.
        self._copy_keys: dict[str, set[str]] = {}
        # Set to a list to collect every scored candidate (bench/related_quality.py tunes).
        self.trace: list[tuple] | None = None

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._docs

    # ------------------------------------------------------------------ upkeep

    def _user_tags(self, feed_id: str) -> frozenset[str]:
        if self._feed_tags is None:
            return frozenset()
        return frozenset(text_terms.fold_tag(t) for t in self._feed_tags(feed_id))

    def add(self, article: Article) -> None:
        """Index an article, replacing what was indexed under its id."""
        self.add_many((article,))

    update = add

    def add_many(self, articles: Iterable[Article]) -> None:
        """Index (or re-index) many articles: a refresh of hundreds costs milliseconds."""
        with self._lock:
            docs, term_post, tag_post = self._docs, self._terms, self._tags
            user_tags: dict[str, frozenset[str]] = {}
            for article in articles:
                aid = article.id
                if aid in docs:
                    self._unindex(aid)
                fid = article.feed_id
                own = user_tags.get(fid)
                if own is None:
                    own = user_tags[fid] = self._user_tags(fid)
                doc = features(article, own)
                docs[aid] = doc
                self._feed_size[fid] += 1
                for key in _copy_keys(doc):
                    self._copy_keys.setdefault(key, set()).add(aid)
                length = sum(doc.weights)
                for term, weight in zip(doc.terms, doc.weights, strict=True):
                    factor = bm25_tf(weight, length)
                    post = term_post.get(term)
                    if post is None:
                        term_post[term] = {aid: factor}
                    else:
                        post[aid] = factor
                for tag in doc.tags:
                    tags = tag_post.get(tag)
                    if tags is None:
                        tag_post[tag] = {aid}
                        self._tag_feeds[tag] = Counter({fid: 1})
                    else:
                        tags.add(aid)
                        self._tag_feeds[tag][fid] += 1

    def remove(self, article_id: str) -> None:
        with self._lock:
            if article_id in self._docs:
                self._unindex(article_id)

    def _unindex(self, article_id: str) -> None:
        doc = self._docs.pop(article_id)
        self._feed_size[doc.feed_id] -= 1
        for key in _copy_keys(doc):
            group = self._copy_keys.get(key)
            if group is not None:
                group.discard(article_id)
                if not group:
                    del self._copy_keys[key]
        for term in doc.terms:
            post = self._terms.get(term)
            if post is not None:
                post.pop(article_id, None)
                if not post:
                    del self._terms[term]
        for tag in doc.tags:
            tags = self._tags.get(tag)
            if tags is not None:
                tags.discard(article_id)
                self._tag_feeds[tag][doc.feed_id] -= 1
                if not tags:
                    del self._tags[tag]
                    del self._tag_feeds[tag]

    def _feed_weights(self, tag: str) -> dict[str, float]:
        """For each feed that uses `tag`: how rare it is among that feed's items (an IDF within
        the feed), 0 where it is too common there to tell that feed's stories apart."""
        size = self._feed_size
        out: dict[str, float] = {}
        for fid, count in self._tag_feeds.get(tag, {}).items():
            items = size[fid]
            if items < FEED_TAG_MIN_ITEMS:
                out[fid] = math.inf  # too few items to judge: the cache-wide rarity decides
                continue
            weight = math.log((items + 1) / (count + 0.5))
            out[fid] = weight if weight >= MIN_FEED_TAG_IDF else 0.0
        return out

    # ------------------------------------------------------------------ query

    def copies(self, article_id: str) -> list[str]:
        """Other articles that are this one again: the same link, or the same headline (folded:
        case, accents and punctuation aside) within two days, in this feed or another."""
        with self._lock:
            doc = self._docs.get(article_id)
            if doc is None:
                return []
            found: set[str] = set()
            for key in _copy_keys(doc):
                found |= self._copy_keys.get(key, set())
            found.discard(article_id)
            return sorted(o for o in found if _copy(doc, self._docs[o]))

    def copy_map(self) -> CopyMap:
        """Every article's copies at once, for folding the list (see copies.py)."""
        with self._lock:
            return CopyMap.of(self._docs, self._copy_keys)

    def coverage(self, article_id: str, k: int = 8) -> list[str]:
        """The same story from other feeds: copies first, then other reports of the event."""
        with self._lock:
            doc = self._docs.get(article_id)
            if doc is None:
                return []
            out = [o for o in self.copies(article_id) if self._docs[o].feed_id != doc.feed_id]
            for rel in self.related(article_id, k):
                if rel.same_story and self._docs[rel.article_id].feed_id != doc.feed_id:
                    out.append(rel.article_id)
            return out[:k]

    def stories(self, article_ids: Iterable[str]) -> dict[str, list[str]]:
        """Same-story groups among `article_ids` (taken in the given order, newest first in the
        headline list): each maps to the other members of its group, for folding a story's
        reports into one row. A group is an article and what is the same article or the same
        story as it (star-shaped, so two stories never chain into one through a shared report).
        About 0.1 ms per article (bench/related_bench.py): a worker's job at 100,000."""
        with self._lock:
            wanted = [a for a in article_ids if a in self._docs]
            within = set(wanted)
            taken: set[str] = set()
            groups: dict[str, list[str]] = {}
            for aid in wanted:
                if aid in taken:
                    continue
                members = [aid]
                for other in self.copies(aid) + self.same_story(aid):
                    if other in within and other not in taken and other not in members:
                        members.append(other)
                if len(members) < 2:
                    continue
                taken.update(members)
                for member in members:
                    groups[member] = [m for m in members if m != member]
            return groups

    def same_story(self, article_id: str) -> list[str]:
        """Other feeds' reports of the event this article reports, by the related query's story
        rule (close in time, the same text, two rare names or a name pair) applied to every
        article that shares a rare name with it, not just a shortlist: fast enough to run over
        the whole cache, and conservative (names too common to look up are no evidence)."""
        with self._lock:
            seed = self._docs.get(article_id)
            if seed is None or seed.ts is None or not seed.names:
                return []
            n = len(self._docs)
            term_features, self_score = self._term_features(seed, 1, n)
            if self_score <= 0:
                return []
            docs, seed_ts, seed_feed = self._docs, seed.ts, seed.feed_id
            found: dict[str, tuple[float, int, bool]] = {}
            for term, _weight, post in term_features:
                if term not in seed.names or len(post) > STORY_NAME_POSTINGS:
                    continue
                idf = math.log(1 + (n - len(post) + 0.5) / (len(post) + 0.5))
                pair = " " in term
                for other in post:
                    d = docs[other]
                    if d.feed_id == seed_feed or d.ts is None or abs(d.ts - seed_ts) > STORY_WINDOW:
                        continue
                    names, count, has_pair = found.get(other, (0.0, 0, False))
                    found[other] = (names + idf, count + 1, has_pair or pair)
            scale = 1.0 / (self_score * TEXT_SATURATION)
            out = []
            for other, (names, count, has_pair) in found.items():
                if names < STORY_NAMES or not (count >= 2 or has_pair):
                    continue
                text = sum(w * post[other] for _t, w, post in term_features if other in post)
                if min(text * scale, 1.0) >= STORY_RELEVANCE:
                    out.append(other)
            return sorted(out)

    def _term_features(
        self, seed: Doc, own: int, n: int
    ) -> tuple[list[tuple[str, float, dict[str, float]]], float]:
        """The seed's indexed terms with their query weights (BM25 IDF x the seed's count), and
        the seed's score against itself, which normalises a candidate's text similarity. A term
        only the seed has is left out (`own` is 1 when the seed is itself indexed)."""
        features: list[tuple[str, float, dict[str, float]]] = []
        self_score = 0.0
        seed_length = sum(seed.weights)
        for term, qtf in zip(seed.terms, seed.weights, strict=True):
            post = self._terms.get(term)
            df = len(post) if post else 0
            if post is None or df - own <= 0:
                continue
            weight = qtf * math.log(1 + (n - df + 0.5) / (df + 0.5))
            features.append((term, weight, post))
            self_score += weight * bm25_tf(qtf, seed_length)
        return features, self_score

    def related(self, article_id: str, k: int = 5) -> list[Related]:
        """Up to k other stories, the same story's coverage first, each with its reason."""
        with self._lock:
            seed = self._docs.get(article_id)
            own = 1 if seed is not None else 0
            if seed is None:
                article = self._articles.get(article_id)
                if article is None:
                    return []
                seed = features(article, self._user_tags(article.feed_id))
            n = len(self._docs)
            if n == 0 or k <= 0:
                return []
            return self._query(article_id, seed, own, n, k)

    def _query(self, article_id: str, seed: Doc, own: int, n: int, k: int) -> list[Related]:
        # A feature only the seed has is left out, so that the normalisers measure what can be
        # shared, not what is unique to the seed.
        # A tag's evidence between two articles is capped by how rare it is within each one's
        # feed: a section ("Panorama", "Sport") that a feed puts on a fifth of its items, or a
        # category on all of them, separates no stories, whatever its rarity in the cache.
        tag_features: list[tuple[str, float, set[str], dict[str, float]]] = []
        tag_total = 0.0
        for tag in seed.tags:
            tags = self._tags.get(tag)
            df = len(tags) if tags else 0
            if tags is None or df - own <= 0:
                continue
            in_feeds = self._feed_weights(tag)
            weight = min(math.log((n + 1) / (df + 0.5)), in_feeds.get(seed.feed_id, 0.0))
            if weight >= MIN_TAG_IDF:
                tag_features.append((tag, weight, tags, in_feeds))
                tag_total += weight
        term_features, self_score = self._term_features(seed, own, n)
        if tag_total <= 0 and self_score <= 0:
            return []

        # Common tags get little say: their share grows with the IDF they carry together.
        tag_share = TAG_WEIGHT * min(1.0, tag_total / TAG_IDF_FULL) if self_score > 0 else 1.0
        tag_scale = tag_share / tag_total if tag_total > 0 else 0.0
        text_cap = 1.0 - tag_share
        # Covering TEXT_SATURATION of the seed's word weight already counts as full similarity
        # (a different lead never covers all of it). Tags are evidence only where a feed gives
        # them: a tagless story is judged by its words alone.
        text_scale = text_cap / (self_score * TEXT_SATURATION) if self_score > 0 else 0.0
        full_text_scale = 1.0 / (self_score * TEXT_SATURATION) if self_score > 0 else 0.0

        docs = self._docs
        # Candidate generation: walk the smallest postings (rarest features) first; those past
        # the budget (the commonest, lowest IDF) only count when re-scoring the shortlist.
        tag_acc: defaultdict[str, float] = defaultdict(float)
        text_acc: defaultdict[str, float] = defaultdict(float)
        deferred_tags: list[tuple[str, float, set[str], dict[str, float]]] = []
        deferred_terms: list[tuple[str, float, dict[str, float]]] = []
        wanted = max(4 * k + 20, 60)
        visited = 0
        merged = sorted(
            [(len(f[2]), 0, i) for i, f in enumerate(tag_features)]
            + [(len(f[2]), 1, i) for i, f in enumerate(term_features)]
        )
        seed_feed = seed.feed_id
        for size, kind, i in merged:
            over = visited + size > VISIT_BUDGET and len(tag_acc) + len(text_acc) >= wanted
            if kind == 0:
                _tag, weight, tags, in_feeds = tag_features[i]
                if over:
                    deferred_tags.append(tag_features[i])
                    continue
                if min(in_feeds.values()) >= weight:  # no feed caps it: the plain walk
                    for other in tags:
                        tag_acc[other] += weight
                    visited += size
                    continue
                for other in tags:
                    w = in_feeds[docs[other].feed_id]
                    tag_acc[other] += w if w < weight else weight
            else:
                _term, weight, post = term_features[i]
                if over:
                    deferred_terms.append(term_features[i])
                    continue
                for other, factor in post.items():
                    text_acc[other] += weight * factor
            visited += size
        tag_acc.pop(article_id, None)
        text_acc.pop(article_id, None)

        seed_ts = seed.ts
        floor, rise, rate = TIME_FLOOR, 1.0 - TIME_FLOOR, math.log(2) / (HALF_LIFE_DAYS * _DAY)
        exp = math.exp

        def factor_of(ts: float | None) -> float:
            if ts is None or seed_ts is None:
                return UNKNOWN_TIME
            return floor + rise * exp(-abs(ts - seed_ts) * rate)

        # relevance x time over every candidate: this is the hot loop of a query (inlined).
        provisional: dict[str, float] = {}
        text_get = text_acc.get
        unknown = UNKNOWN_TIME
        if seed_ts is None:
            for other, tag_sum in tag_acc.items():
                text = text_get(other, 0.0) * text_scale
                rel = tag_sum * tag_scale + (text if text < text_cap else text_cap)
                provisional[other] = rel * unknown
        else:
            for other, tag_sum in tag_acc.items():
                text = text_get(other, 0.0) * text_scale
                rel = tag_sum * tag_scale + (text if text < text_cap else text_cap)
                ts = docs[other].ts
                if ts is None:
                    provisional[other] = rel * unknown
                else:
                    provisional[other] = rel * (floor + rise * exp(-abs(ts - seed_ts) * rate))
        for other, text_sum in text_acc.items():
            if other in provisional:
                continue
            d = docs[other]
            if d.tags:
                rel = text_sum * text_scale
                if rel > text_cap:
                    rel = text_cap
            else:
                rel = text_sum * full_text_scale
            ts = d.ts
            if ts is None or seed_ts is None:
                provisional[other] = rel * unknown
            else:
                provisional[other] = rel * (floor + rise * exp(-abs(ts - seed_ts) * rate))
        shortlist = heapq.nlargest(wanted, provisional, key=provisional.__getitem__)

        # The seed's names found in a candidate, by their rarity: the evidence of one story.
        name_idf = {
            term: math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for term in seed.names
            if (posting := self._terms.get(term)) is not None
        }
        term_idf = {
            term: math.log(1 + (n - len(post) + 0.5) / (len(post) + 0.5))
            for term, _w, post in term_features
        }
        seed_terms = set(term_idf)
        # (same story?, score, id, relevance)
        scored: list[tuple[bool, float, str, float]] = []
        for other in shortlist:
            d = docs[other]
            tag_sum = tag_acc.get(other, 0.0)
            tag_sum += sum(
                min(w, in_feeds[d.feed_id])
                for _t, w, tags, in_feeds in deferred_tags
                if other in tags
            )
            text_sum = text_acc.get(other, 0.0)
            text_sum += sum(w * post[other] for _t, w, post in deferred_terms if other in post)
            text_rel = min(text_sum * full_text_scale, 1.0)
            rel = tag_sum * tag_scale + min(text_sum * text_scale, text_cap) if d.tags else text_rel
            if tag_sum <= 0 and not any(" " in t for t in d.names & seed.names):
                # Words alone: one shared word ("Grad", "Internet") is a coincidence.
                shared = 0
                for _term, _w, post in term_features:
                    if other in post:
                        shared += 1
                        if shared >= 2:
                            break
                if shared < 2:
                    continue
            if d.feed_id == seed_feed:
                # One feed's articles share its authors, series and phrasing: more is needed.
                rel *= SAME_FEED_FACTOR
            close = _close_in_time(seed_ts, d.ts)
            if rel < MIN_RELEVANCE or (not close and rel < MIN_RELEVANCE_FAR):
                continue
            # Names either article writes as a name ("Fujitsu" opening one headline is still
            # a name in the other), found in both, by their rarity: the evidence of one story.
            shared_names = [t for t in name_idf if other in self._terms[t]]
            shared_names += [t for t in d.names & seed_terms if t not in name_idf]
            names = sum(name_idf.get(t) or term_idf[t] for t in shared_names)
            # One capitalised noun ("Städte") is no story: two names, or one name pair; and
            # a story needs both dates: across an unknown distance it is only the same topic.
            story = (
                text_rel >= STORY_RELEVANCE
                and names >= STORY_NAMES
                and (len(shared_names) >= 2 or any(" " in t for t in shared_names))
                and seed_ts is not None
                and d.ts is not None
                and abs(seed_ts - d.ts) <= STORY_WINDOW
            )
            if self.trace is not None:
                self.trace.append((article_id, other, rel, text_rel, names, seed_ts, d.ts))
            scored.append((story, rel * factor_of(d.ts), other, rel))
        scored.sort(key=lambda s: (not s[0], -s[1], s[2]))

        chosen: list[tuple[bool, float, str, float]] = []
        seen: list[Doc] = [seed]
        for story, score, other, rel in scored:
            d = docs[other]
            if any(_copy(d, s) for s in seen):
                continue
            seen.append(d)
            chosen.append((story, score, other, rel))
            if len(chosen) >= k:
                break
        if not chosen:
            return []
        tag_weights = {tag: weight for tag, weight, _, _ in tag_features}
        term_weights = {term: weight for term, weight, _ in term_features}
        # Display spellings come from the seed article itself: its tags and first word forms.
        tag_spelled: dict[str, str] = {}
        word_spelled: dict[str, str] = {}
        article = self._articles.get(article_id)
        if article is not None:
            tag_spelled = {text_terms.fold_tag(t): t for t in reversed(article.tags)}
            for field in (article.lead, article.kicker, article.headline):
                word_spelled.update(text_terms.term_surfaces(field))
            for field in (article.lead, article.kicker, article.headline):
                word_spelled.update(name_terms(field)[2])
        spelled = (tag_spelled, word_spelled)
        out = []
        terms = self._terms
        for story, score, other, rel in chosen:

            def has_term(term: str, other: str = other) -> bool:
                return other in terms.get(term, ())

            reason = explain(
                seed,
                docs[other],
                has_term,
                story=story,
                tag_weights=tag_weights,
                term_weights=term_weights,
                spelled=spelled,
            )
            out.append(
                Related(
                    article_id=other,
                    score=round(score, 4),
                    shared_tags=reason.tags,
                    shared_words=reason.words,
                    same_story=story,
                    reason=reason.line,
                    relevance=round(rel, 4),
                )
            )
        return out
