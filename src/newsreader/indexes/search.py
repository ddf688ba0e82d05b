"""Search over the cached articles with a small query language, from in-memory inverted indexes.

Query language (case-insensitive, umlaut-tolerant: "Munchen" finds "München"):
  words          every word must match headline, kicker, lead, body, tags, author or feed title;
                 the last word also matches as a prefix while it is being typed (no space after)
  "a phrase"     the words in this order in headline, kicker, lead or body
  tag:X          an article tag, exactly (tag:"Naher Osten" for spaces)
  feed:Y         feed title contains Y, or feed id (prefix); several feed: filters mean any of them
  unread starred is:unread is:read is:starred is:unstarred
  -word -"phrase" -tag:X -feed:Y -unread -starred   negation
Stop words ("der", "the") are ignored. Malformed input never raises: an unbalanced quote runs
to the end, an empty tag: is ignored.

Why one long module: the query parser and the index it runs on are one small language; the
tokeniser and folding they share live in terms.py.
"""

from __future__ import annotations

import heapq
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from newsreader.indexes import terms as text_terms
from newsreader.models import Article, newest_first_key

_FILTER_KEYS = {"tag": "tag", "tags": "tag", "feed": "feed", "is": "is"}
_FLAGS = {
    "unread": ("unread", True),
    "read": ("unread", False),
    "starred": ("starred", True),
    "unstarred": ("starred", False),
}
_BARE_FLAGS = ("unread", "starred")  # "read" alone is an ordinary word
MIN_PREFIX = 2


@dataclass(slots=True)
class Query:
    """What a query string was understood as (see the module docstring for the syntax)."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    not_words: list[str] = field(default_factory=list)
    not_phrases: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_feeds: list[str] = field(default_factory=list)
    unread: bool | None = None  # True: unread only; False: read only
    starred: bool | None = None
    prefix: bool = False  # the last of `words` also matches as a prefix
    ignored: list[str] = field(default_factory=list)  # stop words, empty filters, unknown is:

    def is_empty(self) -> bool:
        return not (
            self.words
            or self.phrases
            or self.tags
            or self.feeds
            or self.not_words
            or self.not_phrases
            or self.not_tags
            or self.not_feeds
            or self.unread is not None
            or self.starred is not None
        )

    def __str__(self) -> str:
        parts = list(self.words)
        if self.prefix and parts:
            parts[-1] += "*"
        parts += [f'"{p}"' for p in self.phrases]
        parts += [f"tag:{_quoted(t)}" for t in self.tags]
        parts += [f"feed:{_quoted(f)}" for f in self.feeds]
        parts += [f"-{w}" for w in self.not_words]
        parts += [f'-"{p}"' for p in self.not_phrases]
        parts += [f"-tag:{_quoted(t)}" for t in self.not_tags]
        parts += [f"-feed:{_quoted(f)}" for f in self.not_feeds]
        if self.unread is not None:
            parts.append("is:unread" if self.unread else "is:read")
        if self.starred is not None:
            parts.append("is:starred" if self.starred else "is:unstarred")
        return " ".join(parts)


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


def parse_query(query: str) -> Query:
    """Parse a query string leniently: nothing a user can type makes this raise."""
    q = Query()
    text = query if isinstance(query, str) else str(query)
    n = len(text)
    i = 0
    last_was_word = False
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        last_was_word = False
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            _add_phrase(q, text[i + 1 : end], negated)
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        token = text[i:j]
        key, colon, value = token.partition(":")
        kind = _FILTER_KEYS.get(key.casefold()) if colon else None
        if kind is not None:
            if not value and j < n and text[j] == '"':
                end = text.find('"', j + 1)
                end = n if end < 0 else end
                value = text[j + 1 : end]
                j = end + 1
            _add_filter(q, kind, " ".join(value.split()), negated, token)
        elif token.casefold() in _BARE_FLAGS:
            _add_filter(q, "is", token, negated, token)
        else:
            last_was_word = _add_word(q, token, negated)
        i = j
    q.prefix = last_was_word and bool(text) and not text[-1].isspace()
    return q


def _add_phrase(q: Query, phrase: str, negated: bool) -> None:
    phrase = " ".join(phrase.split())
    if not text_terms.words(phrase):
        if phrase:
            q.ignored.append(f'"{phrase}"')
        return
    (q.not_phrases if negated else q.phrases).append(phrase)


def _add_filter(q: Query, kind: str, value: str, negated: bool, raw: str) -> None:
    if not value:
        q.ignored.append(raw)
    elif kind == "tag":
        (q.not_tags if negated else q.tags).append(value)
    elif kind == "feed":
        (q.not_feeds if negated else q.feeds).append(value)
    else:
        flag = _FLAGS.get(value.casefold())
        if flag is None:
            q.ignored.append(raw)
            return
        name, wanted = flag
        setattr(q, name, wanted != negated)


def _add_word(q: Query, token: str, negated: bool) -> bool:
    """Add a bare word; True when it is a positive word (a candidate for prefix matching)."""
    folded = text_terms.words(token)
    if not any(text_terms.term_of(w) for w in folded):
        if token.strip("-"):
            q.ignored.append(token)
        return False
    (q.not_words if negated else q.words).append(token)
    return not negated


class _Postings:
    """term -> document numbers, append-only: an array of 4-byte numbers per term (a bare int
    for a term seen once) instead of a set of ids, ~10x smaller for body text. A removed or
    replaced document leaves dead numbers behind; `sweep` drops them once they pile up."""

    def __init__(self) -> None:
        self.post: dict[str, array[int] | int] = {}
        self.ids: list[str | None] = []  # number -> article id; None once dead
        self.live: dict[str, int] = {}  # article id -> its live number
        self.dead = 0

    def add(self, aid: str, terms: Iterable[str]) -> list[str]:
        """Index one document (its distinct terms); returns the terms new to the vocabulary."""
        self.remove(aid)
        n = len(self.ids)
        self.ids.append(aid)
        self.live[aid] = n
        post = self.post
        new = []
        for term in terms:
            got = post.get(term)
            if got is None:
                post[term] = n
                new.append(term)
            elif isinstance(got, int):
                post[term] = array("I", (got, n))
            else:
                got.append(n)
        return new

    def remove(self, aid: str) -> None:
        n = self.live.pop(aid, None)
        if n is not None:
            self.ids[n] = None
            self.dead += 1

    def docs(self, term: str) -> set[str]:
        got = self.post.get(term)
        if got is None:
            return set()
        if isinstance(got, int):
            aid = self.ids[got]
            return set() if aid is None else {aid}
        out = set(map(self.ids.__getitem__, got))
        out.discard(None)
        return out  # type: ignore[return-value]

    def needs_sweep(self) -> bool:
        return self.dead > 2_000 and self.dead * 3 > len(self.live)

    def sweep(self) -> list[str]:
        """Renumber the live documents and drop dead numbers; returns the vanished terms."""
        remap = [-1] * len(self.ids)
        ids: list[str | None] = []
        for n, aid in enumerate(self.ids):
            if aid is not None:
                remap[n] = len(ids)
                self.live[aid] = len(ids)
                ids.append(aid)
        gone = []
        for term, got in list(self.post.items()):
            if isinstance(got, int):
                kept = [remap[got]] if remap[got] >= 0 else []
            else:
                kept = [m for m in map(remap.__getitem__, got) if m >= 0]
            if not kept:
                del self.post[term]
                gone.append(term)
            else:
                self.post[term] = kept[0] if len(kept) == 1 else array("I", kept)
        self.ids = ids
        self.dead = 0
        return gone


class SearchIndex:
    """Inverted indexes over the caller's live `articles` mapping; kept current by add/remove."""

    def __init__(self, articles: Mapping[str, Article], feed_title: Callable[[str], str]) -> None:
        self._articles = articles
        self._feed_title = feed_title
        self._meta = _Postings()  # headline, kicker, lead, author, tag words
        self._body = _Postings()  # body text, once added
        self._tags: dict[str, set[str]] = {}  # folded tag key -> ids
        self._doc_tags: dict[str, tuple[str, ...]] = {}
        self._by_feed: dict[str, set[str]] = {}  # feed id -> ids
        self._feed_of: dict[str, str] = {}
        self._prefixes: dict[str, set[str]] = {}  # first 3 chars -> terms (meta and body)
        self._body_text: dict[str, bytes] = {}  # folded body words, compressed, for phrases
        self._order: dict[str, tuple[float, str, str, str, str, str]] = {}  # newest first
        self._feed_terms: dict[str, frozenset[str]] = {}  # feed title -> its terms
        self._folded: dict[str, str] = {}  # id -> folded headline|kicker|lead, filled by phrases
        # Bodies are fed from a background thread while the UI searches: one lock for both.
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._order)

    # ------------------------------------------------------------------ upkeep

    def add(self, article: Article) -> None:
        self.add_many((article,))

    update = add

    def add_many(self, articles: Iterable[Article]) -> None:
        """Index (or re-index) articles; an indexed body is kept until add_body replaces it."""
        with self._lock:
            for article in articles:
                aid = article.id
                if aid in self._order:
                    self._unindex_meta(aid)
                found: list[str] = []
                for text in (article.headline, article.kicker, article.lead, article.author):
                    if text:
                        found += text_terms.terms(text)
                for tag in article.tags:
                    found += text_terms.terms(tag)
                for term in self._meta.add(aid, dict.fromkeys(found)):
                    if term not in self._body.post:
                        self._add_vocabulary(term)
                tags = (text_terms.fold_tag(t) for t in article.tags if t.strip())
                tag_keys = tuple(dict.fromkeys(tags))
                for tag in tag_keys:
                    post = self._tags.get(tag)
                    if post is None:
                        self._tags[tag] = {aid}
                    else:
                        post.add(aid)
                self._doc_tags[aid] = tag_keys
                self._feed_of[aid] = article.feed_id
                self._by_feed.setdefault(article.feed_id, set()).add(aid)
                self._order[aid] = newest_first_key(article)
            self._sweep()

    def add_body(self, article_id: str, text: str) -> None:
        """Make an article's plain body text searchable (replaces an earlier body)."""
        with self._lock:
            if article_id not in self._order:
                return
            words = text_terms.words(text)
            terms = text_terms.terms_of_words(dict.fromkeys(words))
            for term in self._body.add(article_id, dict.fromkeys(terms)):
                if term not in self._meta.post:
                    self._add_vocabulary(term)
            self._body_text[article_id] = zlib.compress(f" {' '.join(words)} ".encode(), 1)
            self._sweep()

    def remove(self, article_id: str) -> None:
        with self._lock:
            if article_id not in self._order:
                return
            self._unindex_meta(article_id)
            self._body.remove(article_id)
            self._body_text.pop(article_id, None)
            del self._order[article_id]
            self._sweep()

    def _unindex_meta(self, aid: str) -> None:
        self._meta.remove(aid)
        self._folded.pop(aid, None)
        for tag in self._doc_tags.pop(aid, ()):
            post = self._tags.get(tag)
            if post is not None:
                post.discard(aid)
                if not post:
                    del self._tags[tag]
        feed_id = self._feed_of.pop(aid, None)
        if feed_id is not None:
            members = self._by_feed.get(feed_id)
            if members is not None:
                members.discard(aid)
                if not members:
                    del self._by_feed[feed_id]

    def _sweep(self) -> None:
        for index, other in ((self._meta, self._body), (self._body, self._meta)):
            if index.needs_sweep():
                for term in index.sweep():
                    if term not in other.post:
                        bucket = self._prefixes.get(term[:3])
                        if bucket is not None:
                            bucket.discard(term)
                            if not bucket:
                                del self._prefixes[term[:3]]

    def _add_vocabulary(self, term: str) -> None:
        bucket = self._prefixes.get(term[:3])
        if bucket is None:
            self._prefixes[term[:3]] = {term}
        else:
            bucket.add(term)

    # ------------------------------------------------------------------ query

    def search(self, query: str | Query, *, limit: int | None = None) -> list[str]:
        """Ids of the matching articles, newest first."""
        with self._lock:
            q = query if isinstance(query, Query) else parse_query(query)
            if q.is_empty() or (limit is not None and limit <= 0):
                return []
            feed_terms = self._current_feed_terms()
            required: list[set[str]] = []
            excluded: list[set[str]] = []
            # " folded words " to find in the text; a word still being typed leaves the end open.
            phrases: list[str] = []
            not_phrases: list[str] = []

            last = len(q.words) - 1
            for i, word in enumerate(q.words):
                words = text_terms.words(word)
                prefix = q.prefix and i == last
                for j, w in enumerate(words):
                    at_end = prefix and j == len(words) - 1
                    term = text_terms.term_of(w)
                    if term or at_end:
                        required.append(self._word_docs(term, w if at_end else None, feed_terms))
                if len(words) > 1:  # "US-Kongress": these words together, in this order
                    phrases.append(" " + " ".join(words) + ("" if prefix else " "))
            for phrase in q.phrases:
                words = text_terms.words(phrase)
                for w in words:
                    term = text_terms.term_of(w)
                    if term:
                        required.append(self._word_docs(term, None, None))
                phrases.append(" " + " ".join(words) + " ")
            for tag in q.tags:
                required.append(self._tags.get(text_terms.fold_tag(tag), set()))
            if q.feeds:
                required.append(self._feed_docs(q.feeds))
            for word in q.not_words:
                words = text_terms.words(word)
                if len(words) > 1:
                    not_phrases.append(" " + " ".join(words) + " ")
                else:
                    term = text_terms.term_of(words[0])
                    if term:
                        excluded.append(self._word_docs(term, None, feed_terms))
            not_phrases += [" " + " ".join(text_terms.words(p)) + " " for p in q.not_phrases]
            for tag in q.not_tags:
                excluded.append(self._tags.get(text_terms.fold_tag(tag), set()))
            if q.not_feeds:
                excluded.append(self._feed_docs(q.not_feeds))

            if required:
                required.sort(key=len)
                candidates = set(required[0])
                for docs in required[1:]:
                    candidates &= docs
            else:
                candidates = set(self._order)
            candidates.difference_update(*excluded)
            articles = self._articles
            if q.unread is not None or q.starred is not None:
                keep = set()
                for d in candidates:
                    art = articles.get(d)
                    if art is None:
                        continue
                    if q.unread is not None and art.read == q.unread:
                        continue
                    if q.starred is not None and art.starred != q.starred:
                        continue
                    keep.add(d)
                candidates = keep
            candidates = {d for d in candidates if d in articles}
            order = self._order.__getitem__
            if not phrases and not not_phrases:
                if limit is not None and limit < len(candidates):
                    return heapq.nsmallest(limit, candidates, key=order)
                return sorted(candidates, key=order)
            out: list[str] = []
            for d in sorted(candidates, key=order):
                if all(self._has_phrase(d, p) for p in phrases) and not any(
                    self._has_phrase(d, p) for p in not_phrases
                ):
                    out.append(d)
                    if limit is not None and len(out) >= limit:
                        break
            return out

    def _word_docs(
        self, term: str | None, prefix: str | None, feed_terms: dict[str, frozenset[str]] | None
    ) -> set[str]:
        """Articles with a query word: its term, a term it begins (prefix), its feed's title."""
        terms = [term] if term else []
        if prefix and len(prefix) >= MIN_PREFIX:
            terms += self._expand(prefix)
        out: set[str] = set()
        for t in terms:
            out |= self._meta.docs(t)
            out |= self._body.docs(t)
        if feed_terms:
            for feed_id, fterms in feed_terms.items():
                if (term and term in fterms) or (
                    prefix
                    and len(prefix) >= MIN_PREFIX
                    and any(f.startswith(prefix) for f in fterms)
                ):
                    out |= self._by_feed[feed_id]
        return out

    def _expand(self, prefix: str) -> list[str]:
        if len(prefix) >= 3:
            return [t for t in self._prefixes.get(prefix[:3], ()) if t.startswith(prefix)]
        out: list[str] = []
        for key, bucket in self._prefixes.items():
            if key.startswith(prefix):
                out.extend(bucket)
        return out

    def _current_feed_terms(self) -> dict[str, frozenset[str]]:
        """Feed id -> terms of its current title (titles are read live: renames count)."""
        cache = self._feed_terms
        if len(cache) > 10_000:
            cache.clear()
        out = {}
        for feed_id in self._by_feed:
            title = self._feed_title(feed_id) or ""
            terms = cache.get(title)
            if terms is None:
                terms = cache[title] = frozenset(text_terms.terms(title))
            if terms:
                out[feed_id] = terms
        return out

    def _feed_docs(self, values: list[str]) -> set[str]:
        """Articles of the feeds whose title contains, or whose id is, any of `values`."""
        wanted = [(v, text_terms.fold(v)) for v in values]
        out: set[str] = set()
        for feed_id, members in self._by_feed.items():
            title = text_terms.fold(self._feed_title(feed_id) or "")
            for raw, folded in wanted:
                if (
                    (folded and folded in title)
                    or feed_id == raw
                    or (len(raw) >= 4 and feed_id.startswith(raw))
                ):
                    out |= members
                    break
        return out

    def _has_phrase(self, aid: str, phrase: str) -> bool:
        """Whether " folded words " occur in the article's headline, kicker, lead or body."""
        folded = self._folded.get(aid)
        if folded is None:
            art = self._articles.get(aid)
            if art is None:
                return False
            # Fields apart ("|" is never a word), so a phrase cannot run from one into the next.
            fields = (art.headline, art.kicker, art.lead)
            folded = " " + " | ".join(" ".join(text_terms.words(t)) for t in fields if t) + " "
            self._folded[aid] = folded
        if phrase in folded:
            return True
        body = self._body_text.get(aid)
        return body is not None and phrase in zlib.decompress(body).decode()
