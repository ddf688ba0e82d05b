"""Related stories: other cached articles ranked by shared rare tags, headline/lead similarity
and closeness in time, from in-memory inverted indexes.

Score = relevance x time factor. Relevance mixes the seed's tag weight (IDF) that a candidate
shares with its BM25 headline+lead similarity, each normalised to [0, 1]; the time factor decays
with a half-life of a few days towards a floor, so a week-old story of the same war still beats
a same-day story that shares only "Krieg".
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from newsreader import text_terms
from newsreader.models import Article

HALF_LIFE_DAYS = 4.0
TIME_FLOOR = 0.4  # the time factor of a very old story: relevance still counts most
TAG_WEIGHT = 0.55  # share of relevance given to tags when the seed has informative ones
TAG_IDF_FULL = 3.0  # seed tags worth this much IDF together (~ one tag on 5%) get TAG_WEIGHT
MIN_TAG_IDF = math.log(2)  # a tag on half the cache or more says nothing
TEXT_SATURATION = 0.6
MIN_RELEVANCE = 0.08  # below this a candidate shares too little to be called related
COPY_WINDOW = 2 * 86_400.0  # same normalised headline within this many seconds: a copy
HEADLINE_TF = 2  # headline and kicker words count twice, lead words once (ints: shared objects)
K1, B = 1.2, 0.5  # BM25; headline+lead texts are short, so length matters less than usual
REF_LENGTH = 32.0  # a typical weighted headline+kicker+lead length
VISIT_BUDGET = 40_000  # postings walked per query before common features are only re-scored
SHARED_WORDS = 5
_DAY = 86_400.0
_TRACKING = ("utm_", "at_", "wt_", "fbclid", "gclid", "ref", "xtor", "mc_")


@dataclass(slots=True)
class Related:
    """One related story and why: the seed's tags it shares (rarest first, as the seed spells
    them) and the seed's most telling words it shares."""

    article_id: str
    score: float
    shared_tags: list[str]
    shared_words: list[str]


@dataclass(slots=True)
class _Doc:
    terms: tuple[str, ...]
    weights: tuple[int, ...]  # field-weighted term frequency, parallel to terms
    tags: tuple[str, ...]  # folded tag keys
    ts: float
    link: str  # normalised; "" when absent
    title: str  # normalised headline; "" when absent


def normalise_link(url: str) -> str:
    """A link without scheme, www., fragment, tracking parameters or trailing slash."""
    url = url.strip()
    if not url:
        return ""
    if "?" not in url and "#" not in url:
        # The common case, without urlsplit's cost: scheme://host/path.
        rest = url.split("://", 1)[-1]
        host, _, path = rest.partition("/")
        host = host.rpartition("@")[2].lower().removeprefix("www.")
        return f"{host}/{path}".rstrip("/")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(_TRACKING)]
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def headline_key(headline: str) -> str:
    """A headline reduced to its folded words: copies in two feeds compare equal."""
    return " ".join(text_terms.words(headline))


def _when(article: Article) -> float:
    ts = article.published.timestamp()
    return ts if ts > 0 else article.first_seen.timestamp()


def _features(article: Article) -> _Doc:
    tf: dict[str, int] = {}
    head_words = text_terms.words(article.headline)
    for term in text_terms.terms_of_words(head_words):
        tf[term] = tf.get(term, 0) + HEADLINE_TF
    if article.kicker:
        for term in text_terms.terms(article.kicker):
            tf[term] = tf.get(term, 0) + HEADLINE_TF
    if article.lead:
        for term in text_terms.terms(article.lead):
            tf[term] = tf.get(term, 0) + 1
    return _Doc(
        terms=tuple(tf),
        weights=tuple(tf.values()),
        tags=tuple(dict.fromkeys(text_terms.fold_tag(t) for t in article.tags if t.strip())),
        ts=_when(article),
        link=normalise_link(article.link),
        title=" ".join(head_words),
    )


_factors: dict[tuple[int, int], float] = {}


def _bm25_tf(tf: int, length: int) -> float:
    """BM25's saturated, length-normalised term frequency, against a fixed typical length so
    that it can live in the postings and never goes stale as the cache changes."""
    factor = _factors.get((tf, length))
    if factor is None:
        # Few distinct (tf, length) pairs: one shared float each instead of millions.
        if len(_factors) > 100_000:
            _factors.clear()
        factor = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / REF_LENGTH))
        _factors[(tf, length)] = factor
    return factor


class RelatedIndex:
    """Related stories over the caller's live `articles` mapping; kept current by add/remove."""

    def __init__(self, articles: Mapping[str, Article], feed_title: Callable[[str], str]) -> None:
        self._articles = articles
        # Kept for symmetry with SearchIndex: a feed's title plays no part in relatedness.
        self._feed_title = feed_title
        self._docs: dict[str, _Doc] = {}
        # term -> {article id: BM25 tf factor}; tag key -> article ids
        self._terms: dict[str, dict[str, float]] = {}
        self._tags: dict[str, set[str]] = {}
        # Refreshes commit from a worker while the UI asks for related stories.
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._docs

    # ------------------------------------------------------------------ upkeep

    def add(self, article: Article) -> None:
        """Index an article, replacing what was indexed under its id."""
        self.add_many((article,))

    update = add

    def add_many(self, articles: Iterable[Article]) -> None:
        """Index (or re-index) many articles: a refresh of hundreds costs milliseconds."""
        with self._lock:
            docs, term_post, tag_post = self._docs, self._terms, self._tags
            for article in articles:
                aid = article.id
                if aid in docs:
                    self._unindex(aid)
                doc = _features(article)
                docs[aid] = doc
                length = sum(doc.weights)
                for term, weight in zip(doc.terms, doc.weights, strict=True):
                    factor = _bm25_tf(weight, length)
                    post = term_post.get(term)
                    if post is None:
                        term_post[term] = {aid: factor}
                    else:
                        post[aid] = factor
                for tag in doc.tags:
                    tags = tag_post.get(tag)
                    if tags is None:
                        tag_post[tag] = {aid}
                    else:
                        tags.add(aid)

    def remove(self, article_id: str) -> None:
        with self._lock:
            if article_id in self._docs:
                self._unindex(article_id)

    def _unindex(self, article_id: str) -> None:
        doc = self._docs.pop(article_id)
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
                if not tags:
                    del self._tags[tag]

    # ------------------------------------------------------------------ query

    def related(self, article_id: str, k: int = 5) -> list[Related]:
        """Up to k other stories, best first, each with the tags and words it shares."""
        with self._lock:
            seed = self._docs.get(article_id)
            own = 1 if seed is not None else 0
            if seed is None:
                article = self._articles.get(article_id)
                if article is None:
                    return []
                seed = _features(article)
            n = len(self._docs)
            if n == 0 or k <= 0:
                return []

            # A feature only the seed has is left out, so that the normalisers measure what can be
            # shared, not what is unique to the seed.
            tag_features: list[tuple[str, float, set[str]]] = []
            tag_total = 0.0
            for tag in seed.tags:
                tags = self._tags.get(tag)
                df = len(tags) if tags else 0
                if tags is None or df - own <= 0:
                    continue
                weight = math.log((n + 1) / (df + 0.5))
                if weight >= MIN_TAG_IDF:
                    tag_features.append((tag, weight, tags))
                    tag_total += weight
            term_features: list[tuple[str, float, dict[str, float]]] = []
            self_score = 0.0
            seed_length = sum(seed.weights)
            for term, qtf in zip(seed.terms, seed.weights, strict=True):
                post = self._terms.get(term)
                df = len(post) if post else 0
                if post is None or df - own <= 0:
                    continue
                weight = qtf * math.log(1 + (n - df + 0.5) / (df + 0.5))
                term_features.append((term, weight, post))
                self_score += weight * _bm25_tf(qtf, seed_length)
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

            # Candidate generation: walk the smallest postings (rarest features) first; those past
            # the budget (the commonest, lowest IDF) only count when re-scoring the shortlist.
            tag_acc: defaultdict[str, float] = defaultdict(float)
            text_acc: defaultdict[str, float] = defaultdict(float)
            deferred_tags: list[tuple[str, float, set[str]]] = []
            deferred_terms: list[tuple[str, float, dict[str, float]]] = []
            wanted = max(4 * k + 20, 60)
            visited = 0
            merged = sorted(
                [(len(f[2]), 0, i) for i, f in enumerate(tag_features)]
                + [(len(f[2]), 1, i) for i, f in enumerate(term_features)]
            )
            for size, kind, i in merged:
                over = visited + size > VISIT_BUDGET and len(tag_acc) + len(text_acc) >= wanted
                if kind == 0:
                    _tag, weight, tags = tag_features[i]
                    if over:
                        deferred_tags.append(tag_features[i])
                        continue
                    for other in tags:
                        tag_acc[other] += weight
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

            docs = self._docs
            seed_ts = seed.ts
            floor, rise, rate = TIME_FLOOR, 1.0 - TIME_FLOOR, math.log(2) / (HALF_LIFE_DAYS * _DAY)
            exp = math.exp

            # relevance x time over every candidate, inlined: this is the hot loop of a query.
            provisional: dict[str, float] = {}
            text_get = text_acc.get
            for other, tag_sum in tag_acc.items():
                text = text_get(other, 0.0) * text_scale
                rel = tag_sum * tag_scale + (text if text < text_cap else text_cap)
                factor = floor + rise * exp(-abs(docs[other].ts - seed_ts) * rate)
                provisional[other] = rel * factor
            for other, text_sum in text_acc.items():
                if other in provisional:
                    continue
                d = docs[other]
                rel = min(text_sum * text_scale, text_cap) if d.tags else text_sum * full_text_scale
                provisional[other] = rel * (floor + rise * exp(-abs(d.ts - seed_ts) * rate))
            shortlist = heapq.nlargest(wanted, provisional, key=provisional.__getitem__)

            scored: list[tuple[float, str]] = []
            for other in shortlist:
                d = docs[other]
                tag_sum = tag_acc.get(other, 0.0)
                tag_sum += sum(w for _t, w, tags in deferred_tags if other in tags)
                text_sum = text_acc.get(other, 0.0)
                text_sum += sum(w * post[other] for _t, w, post in deferred_terms if other in post)
                if d.tags:
                    rel = tag_sum * tag_scale + min(text_sum * text_scale, text_cap)
                else:
                    rel = min(text_sum * full_text_scale, 1.0)
                if rel >= MIN_RELEVANCE:
                    scored.append((rel * (floor + rise * exp(-abs(d.ts - seed_ts) * rate)), other))
            scored.sort(key=lambda s: (-s[0], s[1]))

            chosen: list[tuple[float, str]] = []
            seen: list[_Doc] = [seed]
            for score, other in scored:
                d = docs[other]
                if any(_same_story(d, s) for s in seen):
                    continue
                seen.append(d)
                chosen.append((score, other))
                if len(chosen) >= k:
                    break
            if not chosen:
                return []
            tag_weights = {tag: weight for tag, weight, _ in tag_features}
            term_weights = {term: weight for term, weight, _ in term_features}
            # Display spellings come from the seed article itself: its tags and first word forms.
            tag_spelled: dict[str, str] = {}
            word_spelled: dict[str, str] = {}
            article = self._articles.get(article_id)
            if article is not None:
                tag_spelled = {text_terms.fold_tag(t): t for t in reversed(article.tags)}
                for text in (article.lead, article.kicker, article.headline):
                    word_spelled.update(text_terms.term_surfaces(text))
            spelled = (tag_spelled, word_spelled)
            return [
                self._explain(seed, other, score, tag_weights, term_weights, spelled)
                for score, other in chosen
            ]

    def _explain(
        self,
        seed: _Doc,
        other: str,
        score: float,
        tag_weights: dict[str, float],
        term_weights: dict[str, float],
        spelled: tuple[dict[str, str], dict[str, str]],
    ) -> Related:
        d = self._docs[other]
        shared_tags = [t for t in seed.tags if t in tag_weights and t in d.tags]
        shared_tags.sort(key=lambda t: -tag_weights[t])
        # Words that merely repeat a shared tag ("Ukraine") would say the same thing twice.
        tag_words = {text_terms.term_of(w) for t in shared_tags for w in text_terms.words(t)}
        shared_terms = [
            t for t in term_weights if t not in tag_words and other in self._terms.get(t, ())
        ]
        shared_terms.sort(key=lambda t: -term_weights[t])
        return Related(
            article_id=other,
            score=round(score, 4),
            shared_tags=[spelled[0].get(t, t) for t in shared_tags],
            shared_words=[spelled[1].get(t, t) for t in shared_terms[:SHARED_WORDS]],
        )


def _same_story(a: _Doc, b: _Doc) -> bool:
    if a.link and a.link == b.link:
        return True
    return bool(a.title) and a.title == b.title and abs(a.ts - b.ts) <= COPY_WINDOW
