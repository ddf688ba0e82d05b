"""Search over the cached articles with a small query language, on the term index (fulltext.py).

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

The parser and the planner are one small language: a query becomes a `Plan` the term index
runs (fulltext.py); read/starred marks and phrases are checked on the rows it streams, newest
first. The tokeniser and folding live in terms.py.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from newsreader.indexes import terms as text_terms
from newsreader.indexes.fulltext import Alternatives, Doc, Plan, TermIndex, order_of
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


def doc_for(article: Article, body_text: str = "", *, sig: int = 0) -> Doc:
    """An article as the term index holds it: distinct terms of its headline, kicker, lead,
    author, tags and (plain) body text; its folded tag keys; its newest-first order."""
    found: list[str] = []
    for text in (article.headline, article.kicker, article.lead, article.author):
        if text:
            found += text_terms.terms(text)
    for tag in article.tags:
        found += text_terms.terms(tag)
    if body_text:
        found += text_terms.terms_of_words(dict.fromkeys(text_terms.words(body_text)))
    tags = tuple(dict.fromkeys(text_terms.fold_tag(t) for t in article.tags if t.strip()))
    return Doc(article.id, article.feed_id, sig, order_of(article), tags, dict.fromkeys(found))


def folded_fields(article: Article) -> str:
    """Headline, kicker and lead as " folded words ", fields apart ("|" is never a word), so
    a phrase cannot run from one into the next."""
    fields = (article.headline, article.kicker, article.lead)
    return " " + " | ".join(" ".join(text_terms.words(t)) for t in fields if t) + " "


class SearchIndex:
    """Queries over a `TermIndex`, checked against the caller's live articles.

    Two ways to keep the term index current: in memory, `add_many`/`add_body`/`remove` (tests,
    and any caller without a cache folder); on disk, `Library` syncs it from the cache's files
    (search_sync.py) and gives `body_words` to read a body's folded words for phrases.
    `article(aid, feed)` finds an article the index names (a lazy loader in the CLI); an id
    the caller no longer has is skipped, so a stale index never shows a removed article.
    """

    def __init__(
        self,
        articles: Mapping[str, Article],
        feed_title: Callable[[str], str],
        *,
        index: TermIndex | None = None,
        body_words: Callable[[Article], str] | None = None,
        article: Callable[[str, str], Article | None] | None = None,
    ) -> None:
        self._articles = articles
        self._feed_title = feed_title
        self.index = index if index is not None else TermIndex(None)
        self._external_bodies = body_words
        self._article = article or (lambda aid, _feed: articles.get(aid))
        # In memory only: what add_many/add_body gave, to re-put a document when half changes.
        self._docs: dict[str, Doc] = {}
        self._body_terms: dict[str, tuple[str, ...]] = {}
        self._body_text: dict[str, bytes] = {}  # folded body words, compressed, for phrases
        self._feed_terms: dict[str, frozenset[str]] = {}  # feed title -> its terms
        self._folded: dict[str, str] = {}  # id -> folded headline|kicker|lead, for phrases
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return self.index.count()

    # ------------------------------------------------------------------ upkeep (in memory)

    def add(self, article: Article) -> None:
        self.add_many((article,))

    update = add

    def add_many(self, articles: Iterable[Article]) -> None:
        """Index (or re-index) articles; an indexed body is kept until add_body replaces it."""
        with self._lock:
            docs = []
            for article in articles:
                doc = doc_for(article)
                self._docs[article.id] = doc
                self._folded.pop(article.id, None)
                docs.append(self._with_body(doc))
            self.index.put(docs)

    def _with_body(self, doc: Doc) -> Doc:
        body = self._body_terms.get(doc.aid)
        if not body:
            return doc
        terms = dict.fromkeys(doc.terms)
        terms.update(dict.fromkeys(body))
        return Doc(doc.aid, doc.feed, doc.sig, doc.t, doc.tags, terms)

    def add_body(self, article_id: str, text: str) -> None:
        """Make an article's plain body text searchable (replaces an earlier body)."""
        with self._lock:
            doc = self._docs.get(article_id)
            if doc is None:
                return
            words = text_terms.words(text)
            self._body_terms[article_id] = tuple(text_terms.terms_of_words(dict.fromkeys(words)))
            self._body_text[article_id] = zlib.compress(f" {' '.join(words)} ".encode(), 1)
            self.index.put([self._with_body(doc)])

    def remove(self, article_id: str) -> None:
        with self._lock:
            self._docs.pop(article_id, None)
            self._body_terms.pop(article_id, None)
            self._body_text.pop(article_id, None)
            self._folded.pop(article_id, None)
            self.index.delete([article_id])

    # ------------------------------------------------------------------ query

    def search(self, query: str | Query, *, limit: int | None = None) -> list[str]:
        """Ids of the matching articles, newest first."""
        q = query if isinstance(query, Query) else parse_query(query)
        if q.is_empty() or (limit is not None and limit <= 0):
            return []
        plan, phrases, not_phrases = self._plan(q)
        out: list[str] = []
        for art in self._newest_first(self.index.run(plan)):
            if q.unread is not None and art.read == q.unread:
                continue
            if q.starred is not None and art.starred != q.starred:
                continue
            if (phrases or not_phrases) and not (
                all(self._has_phrase(art, p) for p in phrases)
                and not any(self._has_phrase(art, p) for p in not_phrases)
            ):
                continue
            out.append(art.id)
            if limit is not None and len(out) >= limit:
                break
        return out

    def _newest_first(self, rows: Iterable[tuple[str, str, float]]) -> Iterator[Article]:
        """The articles of index rows (in time order), ties on time put in `newest_first_key`
        order, which the caller shares with every other list; ids the caller lacks skipped."""
        same: list[Article] = []
        at: float | None = None
        for aid, feed, t in rows:
            if t != at:
                if len(same) > 1:
                    same.sort(key=newest_first_key)
                yield from same
                same.clear()
                at = t
            art = self._article(aid, feed)
            if art is not None:
                same.append(art)
        if len(same) > 1:
            same.sort(key=newest_first_key)
        yield from same

    def _plan(self, q: Query) -> tuple[Plan, list[str], list[str]]:
        feed_terms = self._current_feed_terms()
        plan = Plan()
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
                    plan.all_of.append(self._alternatives(term, w if at_end else None, feed_terms))
            if len(words) > 1:  # "US-Kongress": these words together, in this order
                phrases.append(" " + " ".join(words) + ("" if prefix else " "))
        for phrase in q.phrases:
            words = text_terms.words(phrase)
            for w in words:
                term = text_terms.term_of(w)
                if term:
                    plan.all_of.append(Alternatives(terms=[term]))
            phrases.append(" " + " ".join(words) + " ")
        plan.tags = [text_terms.fold_tag(tag) for tag in q.tags]
        if q.feeds:
            plan.feeds.append(self._feed_ids(q.feeds))
        for word in q.not_words:
            words = text_terms.words(word)
            if len(words) > 1:
                not_phrases.append(" " + " ".join(words) + " ")
            else:
                term = text_terms.term_of(words[0])
                if term:
                    plan.none_of.append(self._alternatives(term, None, feed_terms))
        not_phrases += [" " + " ".join(text_terms.words(p)) + " " for p in q.not_phrases]
        plan.not_tags = [text_terms.fold_tag(tag) for tag in q.not_tags]
        if q.not_feeds:
            plan.not_feeds = self._feed_ids(q.not_feeds)
        return plan, phrases, not_phrases

    def _alternatives(
        self, term: str | None, prefix: str | None, feed_terms: dict[str, frozenset[str]]
    ) -> Alternatives:
        """A query word: its term, the terms it begins (prefix), feeds with it in their title."""
        alt = Alternatives(terms=[term] if term else [])
        long_enough = prefix is not None and len(prefix) >= MIN_PREFIX
        if prefix and long_enough:
            alt.prefixes.append(prefix)
        for feed_id, fterms in feed_terms.items():
            if (term and term in fterms) or (
                prefix and long_enough and any(f.startswith(prefix) for f in fterms)
            ):
                alt.feeds.add(feed_id)
        return alt

    def _current_feed_terms(self) -> dict[str, frozenset[str]]:
        """Feed id -> terms of its current title (titles are read live: renames count)."""
        cache = self._feed_terms
        if len(cache) > 10_000:
            cache.clear()
        out = {}
        for feed_id in self.index.feeds():
            title = self._feed_title(feed_id) or ""
            terms = cache.get(title)
            if terms is None:
                terms = cache[title] = frozenset(text_terms.terms(title))
            if terms:
                out[feed_id] = terms
        return out

    def _feed_ids(self, values: list[str]) -> set[str]:
        """The feeds whose title contains, or whose id is, any of `values`."""
        wanted = [(v, text_terms.fold(v)) for v in values]
        out: set[str] = set()
        for feed_id in self.index.feeds():
            title = text_terms.fold(self._feed_title(feed_id) or "")
            for raw, folded in wanted:
                if (
                    (folded and folded in title)
                    or feed_id == raw
                    or (len(raw) >= 4 and feed_id.startswith(raw))
                ):
                    out.add(feed_id)
                    break
        return out

    def _has_phrase(self, art: Article, phrase: str) -> bool:
        """Whether " folded words " occur in the article's headline, kicker, lead or body."""
        with self._lock:
            folded = self._folded.get(art.id)
            if folded is None:
                folded = self._folded[art.id] = folded_fields(art)
                if len(self._folded) > 50_000:
                    self._folded.clear()
        if phrase in folded:
            return True
        if self._external_bodies is not None:
            return phrase in self._external_bodies(art)
        body = self._body_text.get(art.id)
        return body is not None and phrase in zlib.decompress(body).decode()
