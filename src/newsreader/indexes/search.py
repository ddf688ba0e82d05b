"""Search over the cached articles, on the term index (fulltext.py).

A query string (query.py: the language) becomes a `Plan` the term index runs; read/starred marks,
phrases and the checks the index cannot make (fields, attachments) are applied to the rows it
gives, newest first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import compress

from newsreader.indexes import terms as text_terms
from newsreader.indexes.fulltext import (
    Alternatives,
    Doc,
    Plan,
    TermIndex,
    order_of,
    words_of,
)
from newsreader.indexes.query import MIN_PREFIX, Query, parse_query
from newsreader.indexes.row_places import RowPlaces
from newsreader.models import Article, newest_first_key


def doc_for(article: Article, body_text: str = "", *, sig: int = 0) -> Doc:
    """An article as the term index holds it: distinct terms of its headline, kicker, lead,
    author, tags and (plain) body text; its folded tag keys; its time; and its headline,
    kicker, lead and body as " folded words " for phrases."""
    found: list[str] = []
    for text in (article.headline, article.kicker, article.lead, article.author):
        if text:
            found += text_terms.terms(text)
    for tag in article.tags:
        found += text_terms.terms(tag)
    body_words = text_terms.words(body_text) if body_text else []
    if body_words:
        found += text_terms.terms_of_words(dict.fromkeys(body_words))
    tags = tuple(dict.fromkeys(text_terms.fold_tag(t) for t in article.tags if t.strip()))
    words = folded_fields(article, " ".join(body_words))
    return Doc(
        article.id, article.feed_id, sig, order_of(article), tags, dict.fromkeys(found), words
    )


def folded_fields(article: Article, body_words: str = "") -> str:
    """Headline, kicker, lead and body as " folded words ", fields apart ("|" is never a
    word), so a phrase cannot run from one into the next."""
    fields = [
        " ".join(text_terms.words(t)) for t in (article.headline, article.kicker, article.lead) if t
    ]
    if body_words:
        fields.append(body_words)
    return " " + " | ".join(fields) + " "


class SearchIndex:
    """Queries over a `TermIndex`, checked against the caller's live articles.

    Two ways to keep the term index current: in memory, `add_many`/`add_body`/`remove` (tests,
    and any caller without a cache folder); on disk, `Library` and the CLI sync it from the
    cache's files (search_sync.py). `article(aid, feed)` finds an article the index names (a
    lazy loader in the CLI); an id the caller no longer has is skipped, so a stale index never
    shows a removed article. `marks(aid, feed)` gives (read, starred) without the article
    where that is cheaper (the CLI reads the small mark files, not every article).
    """

    def __init__(
        self,
        articles: Mapping[str, Article],
        feed_title: Callable[[str], str],
        *,
        index: TermIndex | None = None,
        article: Callable[[str, str], Article | None] | None = None,
        marks: Callable[[str, str], tuple[bool, bool]] | None = None,
        live: Callable[[], Mapping[str, Article]] | None = None,
        ordered: Callable[[], list[Article]] | None = None,
    ) -> None:
        self._feed_title = feed_title
        self.index = index if index is not None else TermIndex(None)
        self._article = article or (lambda aid, _feed: articles.get(aid))
        self._marks = marks
        self._ordered = ordered  # every article newest first, when the caller keeps that list
        # The caller's articles, all in memory (current mapping: a reload replaces it).
        self._live = live if live is not None else (None if article else lambda: articles)
        # In memory only: what add_many/add_body gave, to re-put a document when half changes.
        self._docs: dict[str, Doc] = {}
        self._bodies: dict[str, tuple[tuple[str, ...], str]] = {}  # id -> body terms, words
        self._feed_terms: dict[str, frozenset[str]] = {}  # feed title -> its terms
        self._lock = threading.RLock()
        self._rows = RowPlaces()  # index row number -> place in `ordered()`

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
                docs.append(self._with_body(doc))
            self.index.put(docs)

    def _with_body(self, doc: Doc) -> Doc:
        body = self._bodies.get(doc.aid)
        if not body:
            return doc
        terms = dict.fromkeys(doc.terms)
        terms.update(dict.fromkeys(body[0]))
        words = doc.words + "| " + body[1] + " " if body[1] else doc.words
        return Doc(doc.aid, doc.feed, doc.sig, doc.t, doc.tags, terms, words)

    def add_body(self, article_id: str, text: str) -> None:
        """Make an article's plain body text searchable (replaces an earlier body)."""
        with self._lock:
            doc = self._docs.get(article_id)
            if doc is None:
                return
            words = text_terms.words(text)
            terms = tuple(text_terms.terms_of_words(dict.fromkeys(words)))
            self._bodies[article_id] = (terms, " ".join(words))
            self.index.put([self._with_body(doc)])

    def remove(self, article_id: str) -> None:
        with self._lock:
            self._docs.pop(article_id, None)
            self._bodies.pop(article_id, None)
            self.index.delete([article_id])

    # ------------------------------------------------------------------ query

    def search(self, query: str | Query, *, limit: int | None = None) -> list[str]:
        """Ids of the matching articles, newest first."""
        found = self.find(query, limit=limit)
        if found is not None:
            return [a.id for a in found]
        return self._search_loading(query, limit)

    def find(self, query: str | Query, *, limit: int | None = None) -> list[Article] | None:
        """The matching articles, newest first, when the caller keeps every article in memory
        (`live` and `ordered`: the reader); None otherwise (use `search`)."""
        if self._live is None or self._ordered is None:
            return None
        prepared = self._prepare(query, limit)
        if prepared is None:
            return []
        q, plan, phrases, said, check = prepared
        dated = plan.after is not None or plan.before is not None
        if not (plan.all_of or plan.tags or plan.feeds or phrases or dated):
            # Nothing required, only excluded ("unread", "-Sport starred"): walk the caller's
            # own newest-first list past the few excluded ids instead of ~every index row.
            excluded = self.index.excluded(plan) | said
            found = _flagged(q, self._ordered())
            found = [a for a in found if a.id not in excluded] if excluded else found
        elif not phrases:
            found = _flagged(q, self._matching_in_order(plan))
            found = [a for a in found if a.id not in said] if said else found
        else:
            rows = self.index.run(plan, words=True)
            if said:
                rows = [r for r in rows if r[0] not in said]
            items = _flagged_items(q, _known(rows, self._live()))
            found = _in_order([x for x in items if _says_all(x[2], phrases)])
        if check is not None:
            found = [a for a in found if check(a)]
        return found if limit is None else found[:limit]

    def _prepare(
        self, query: str | Query, limit: int | None
    ) -> tuple[Query, Plan, list[str], set[str], Callable[[Article], bool] | None] | None:
        """What both ways of answering start from: the query, its plan, the phrases to find, the
        ids saying an excluded phrase (found among those with all its words: the index narrows
        them, so no other article's words are read) and the check the index cannot make. None:
        nothing to find."""
        q = query if isinstance(query, Query) else parse_query(query)
        if q.is_empty() or (limit is not None and limit <= 0):
            return None
        plan, phrases, not_phrases = self._plan(q)
        return q, plan, phrases, self._saying(not_phrases), _article_check(q)

    def _search_loading(self, query: str | Query, limit: int | None) -> list[str]:
        """`search` for a caller that loads articles on demand (the CLI): rows stream newest
        first, marks are checked from the small mark files, a limit stops the loading early."""
        prepared = self._prepare(query, limit)
        if prepared is None:
            return []
        q, plan, phrases, said, check = prepared
        flags = q.unread is not None or q.starred is not None
        rows = self.index.run(plan, words=bool(phrases))
        if flags and self._marks is not None:  # the cheap check first: no article loaded
            marks = self._marks
            rows = [r for r in rows if _flags_match(q, *marks(r[0], r[1]))]
        if said:
            rows = [r for r in rows if r[0] not in said]
        if self._live is not None:  # every article in memory, no newest-first list of them
            items = _flagged_items(q, _known(rows, self._live()))
            if phrases:
                items = [x for x in items if _says_all(x[2], phrases)]
            if check is not None:
                items = [x for x in items if check(x[1])]
            ids = [a.id for a in _in_order(items)]
            return ids if limit is None else ids[:limit]
        out: list[str] = []
        for art, blob in self._loaded_in_order(rows):  # loads lazily: a limit stops it early
            if flags and not _flags_match(q, art.read, art.starred):
                continue
            if phrases and not _says_all(blob, phrases):
                continue
            if check is not None and not check(art):
                continue
            out.append(art.id)
            if limit is not None and len(out) >= limit:
                break
        return out

    def _matching_in_order(self, plan: Plan) -> list[Article]:
        """The caller's articles the plan matches, in the caller's newest-first list order: the
        index gives row numbers, `RowPlaces` their places in the list, the list is read once."""
        assert self._ordered is not None
        ordered = self._ordered()
        with self.index.snapshot() as snap:
            places = self._rows.places(snap, ordered)
            numbers = self.index.numbers(snap, plan)
        size = len(places)
        marked = bytearray(len(ordered))
        for n in numbers:
            if n < size and (at := places[n]) >= 0:
                marked[at] = 1
        return list(compress(ordered, marked))

    def prepare(self) -> None:
        """Place the index's rows in the caller's current list ahead of the next query (the
        reader's search worker, after each sync: ~0.1 s at 100,000 articles)."""
        if self._live is not None and self._ordered is not None:
            ordered = self._ordered()
            with self.index.snapshot() as snap:
                self._rows.places(snap, ordered)

    def _saying(self, phrases: list[str]) -> set[str]:
        """Ids of the articles whose words contain any of `phrases` (" folded words ")."""
        out: set[str] = set()
        for phrase in phrases:
            terms = [t for w in phrase.split() if (t := text_terms.term_of(w))]
            plan = Plan(all_of=[Alternatives(terms=[t]) for t in dict.fromkeys(terms)])
            out.update(r[0] for r in self.index.run(plan, words=True) if phrase in words_of(r[3]))
        return out

    def _loaded_in_order(
        self, rows: list[tuple[str, str, float, bytes | None]]
    ) -> Iterator[tuple[Article, bytes | None]]:
        """The articles of index rows (in time order), one group of equal times at a time, put
        in `newest_first_key` order (headline, link, guid, id), the order every list shares."""
        same: list[tuple[float, Article, bytes | None]] = []
        for aid, feed, t, blob in rows:
            if same and t != same[0][0]:
                yield from ((art, blob) for _t, art, blob in sorted(same, key=_tie_key))
                same = []
            art = self._article(aid, feed)
            if art is not None:
                same.append((t, art, blob))
        yield from ((art, blob) for _t, art, blob in sorted(same, key=_tie_key))

    def _plan(self, q: Query) -> tuple[Plan, list[str], list[str]]:
        feed_terms = self._current_feed_terms()
        plan = Plan()
        # " folded words " to find in the text; a word still being typed leaves the end open.
        phrases: list[str] = []
        not_phrases: list[str] = []
        last = len(q.words) - 1
        for i, word in enumerate(q.words):
            words = text_terms.words(word)
            prefix = q.prefix and not q.prefix_in_group and i == last
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
        for g, group in enumerate(q.any_of):  # a OR b: one group of alternatives
            either = Alternatives()
            for m, member in enumerate(group):
                words = text_terms.words(member)
                typing = q.prefix_in_group and g == len(q.any_of) - 1 and m == len(group) - 1
                for j, w in enumerate(words):
                    at_end = typing and j == len(words) - 1
                    term = text_terms.term_of(w)
                    if term or at_end:
                        alt = self._alternatives(term, w if at_end else None, feed_terms)
                        either.terms += alt.terms
                        either.prefixes += alt.prefixes
                        either.feeds |= alt.feeds
            if either.terms or either.prefixes or either.feeds:
                plan.all_of.append(either)
        for value in (*q.titles, *q.authors):  # the index narrows; the field is checked after
            for w in text_terms.words(value):
                term = text_terms.term_of(w)
                if term:
                    plan.all_of.append(Alternatives(terms=[term]))
        plan.after, plan.before = q.after, q.before
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


def _article_check(q: Query) -> Callable[[Article], bool] | None:
    """What the index cannot check (title:, author:, has:enclosure, is:extracted), as one test
    on an article; None when the query has none of them."""
    if not q.needs_article():
        return None
    titles = [_spaced(t) for t in q.titles]
    not_titles = [_spaced(t) for t in q.not_titles]
    authors = [_spaced(t) for t in q.authors]
    not_authors = [_spaced(t) for t in q.not_authors]
    enclosure, extracted = q.enclosure, q.extracted

    def check(a: Article) -> bool:
        if enclosure is not None and bool(a.enclosures) != enclosure:
            return False
        if extracted is not None and a.extracted != extracted:
            return False
        if titles or not_titles:
            headline = _spaced(a.headline)
            if not all(t in headline for t in titles) or any(t in headline for t in not_titles):
                return False
        if authors or not_authors:
            author = _spaced(a.author)
            if not all(t in author for t in authors) or any(t in author for t in not_authors):
                return False
        return True

    return check


def _spaced(text: str) -> str:
    """Folded words between spaces: " x y " in it means the words x y, in this order."""
    return " " + " ".join(text_terms.words(text)) + " "


def _says_all(blob: bytes | None, phrases: list[str]) -> bool:
    words = words_of(blob)
    return all(p in words for p in phrases)


def _in_order(items: list[tuple[float, Article, bytes | None]]) -> list[Article]:
    """Articles of rows in time order, ties on time in `newest_first_key` order (as
    `_loaded_in_order`, in whole-list passes): sorting only runs of equal times."""
    out = [x[1] for x in items]
    n = len(items)
    i = 1
    while i < n:
        if items[i][0] != items[i - 1][0]:
            i += 1
            continue
        start = i - 1
        while i < n and items[i][0] == items[start][0]:
            i += 1
        out[start:i] = [x[1] for x in sorted(items[start:i], key=_tie_key)]
    return out


def _flagged(q: Query, articles: list[Article]) -> list[Article]:
    """`articles` with the query's read/starred conditions, in one pass."""
    u, s = q.unread, q.starred
    if u is None and s is None:
        return articles
    if s is None:
        return [a for a in articles if a.read != u]
    if u is None:
        return [a for a in articles if a.starred == s]
    return [a for a in articles if a.read != u and a.starred == s]


def _flagged_items(
    q: Query, items: list[tuple[float, Article, bytes | None]]
) -> list[tuple[float, Article, bytes | None]]:
    if q.unread is None and q.starred is None:
        return items
    return [x for x in items if _flags_match(q, x[1].read, x[1].starred)]


def _flags_match(q: Query, read: bool, starred: bool) -> bool:
    return (q.unread is None or read != q.unread) and (q.starred is None or starred == q.starred)


def _known(
    rows: list[tuple[str, str, float, bytes | None]], articles: Mapping[str, Article]
) -> list[tuple[float, Article, bytes | None]]:
    get = articles.get
    return [(r[2], a, r[3]) for r in rows if (a := get(r[0])) is not None]


def _tie_key(item: tuple[float, Article, bytes | None]) -> tuple[float, str, str, str, str, str]:
    return newest_first_key(item[1])
