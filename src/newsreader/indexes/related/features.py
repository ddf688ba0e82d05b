"""What an article brings to relatedness: weighted terms, names, tags, time, link and headline.

Terms are the search tokeniser's (terms.py), headline and kicker counting twice. Named things
count more than common words, in German and English: a capitalised word that does not open a
sentence gets a bonus (in German that favours nouns over verbs, which is what we want too), and
runs of capitalised words ("Red Hat", "Red Dead Redemption", "Olaf Scholz", "British-Airways")
add their adjacent pairs as terms of their own ("red hat"), which are rare and so decisive.
Numbers written with separators ("185.000", "2,4") become one term ("185000"), so the same
figure in two reports matches. A title-case English headline ("Board Rejects Offer") says
nothing about names, so its capitals are ignored.

The user's own feed tags are not the article's evidence: they are left out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from newsreader.indexes import terms as text_terms
from newsreader.models import Article

HEADLINE_TF = 2  # headline and kicker words count twice, lead words once (ints: shared objects)
NAME_BONUS = 1  # added to a capitalised word's weight where it does not open a sentence
PAIR_TF = 2  # a name pair ("red hat") in the lead; twice that in the headline
LEAD_NAMES = 200  # names are looked for in the lead's opening (where the story names them)
K1, B = 1.2, 0.5  # BM25; headline+lead texts are short, so length matters less than usual
REF_LENGTH = 32.0  # a typical weighted headline+kicker+lead length
_TRACKING = ("utm_", "at_", "wt_", "fbclid", "gclid", "ref", "xtor", "mc_")

# A token: letters/digits with inner hyphens, apostrophes and number separators kept, so that
# "British-Airways-Kunden", "Rockstar's" and "185.000" are one token each.
_TOKEN = re.compile(r"\w(?:[\w'’]|[-.,](?=\w))*", re.UNICODE)
# Between two tokens, these end a sentence or a headline segment ("Magdeburg - nach ...").
_BREAK = re.compile(r"[.!?:;|–—\"„“”«»()\[\]]|\s-\s")
_NUMBER = re.compile(r"\d[\d.,]*\d")
# A word that starts with a capital letter or a digit (and is not the tail of another word).
_UPPER = "".join(chr(c) for c in range(0x10000) if chr(c).isupper() and chr(c).isalpha())
_CAPITAL = re.compile(
    r"(?<![\w'’])(?<!\w[-.,])[" + re.escape(_UPPER) + r"\d](?:[\w'’]|[-.,](?=\w))*"
)


@dataclass(slots=True)
class Doc:
    terms: tuple[str, ...]
    weights: tuple[int, ...]  # field-weighted term frequency, parallel to terms
    tags: tuple[str, ...]  # folded tag keys, the user's feed tags left out
    ts: float | None  # None: undated (the feed gave no date)
    link: str  # normalised; "" when absent
    title: str  # normalised headline; "" when absent
    feed_id: str
    names: frozenset[str]  # the name terms among `terms` (pairs and capitalised words)


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


_folded: dict[str, tuple[str, str | None]] = {}  # word -> (folded, index term): words repeat


def _fold_word(part: str) -> tuple[str, str | None]:
    hit = _folded.get(part)
    if hit is None:
        if len(_folded) >= 200_000:
            _folded.clear()
        folded = text_terms.fold(part)
        hit = _folded[part] = (folded, text_terms.term_of(folded))
    return hit


def name_terms(text: str) -> tuple[list[str], list[str], dict[str, str]]:
    """(capitalised word terms, name pair terms, term -> spelling) of one text."""
    singles: list[str] = []
    pairs: list[str] = []
    spelled: dict[str, str] = {}
    _names(text, singles, pairs, spelled)
    return singles, pairs, spelled


def _names(
    text: str, singles: list[str], pairs: list[str], spelled: dict[str, str] | None = None
) -> None:
    """The names of a text, appended to `singles` and `pairs`.

    Capitalised words count only where they do not open a sentence or segment; a pair is two
    adjacent capitalised, non-stop words with nothing but space or a hyphen between them;
    numbers with separators are one term ("185.000" -> "185000"). This runs for every article
    the index takes: the regex finds only capitalised words and numbers (in C), and each
    distinct word is folded once.
    """
    matches = list(_CAPITAL.finditer(text))
    if not matches:
        return
    if len(matches) >= 4 and len(matches) >= 0.8 * len(text.split()):
        return  # a Title Case Headline: its capitals mean nothing
    stop_words = text_terms.STOP_WORDS
    prev_end = -1
    prev: tuple[str, str] | None = None  # (folded word, spelling) of a capitalised run
    for m in matches:
        token = m.group()
        start = m.start()
        if token[0].isdigit():
            if ("." in token or "," in token) and _NUMBER.fullmatch(token):
                digits = "".join(ch for ch in token if ch.isdigit())
                if len(digits) >= 3:
                    singles.append(digits)
                    if spelled is not None:
                        spelled.setdefault(digits, token)
            prev, prev_end = None, m.end()
            continue
        before = text[max(0, start - 4) : start]
        opens = start == 0 or bool(_BREAK.search(before)) or not before.strip() and start < 4
        if prev is not None and not text[prev_end:start].isspace():
            prev = None  # a word or punctuation in between ends a run of names
        prev_end = m.end()
        parts = token.split("-") if "-" in token else (token,)
        for i, part in enumerate(parts):
            if not part or not part[0].isupper():
                prev = None
                continue
            folded, term = _fold_word(part)
            first = opens and i == 0
            # A capitalised stop word inside a sentence is part of a name ("Red Hat", "Die
            # Linke" mid-sentence); opening one ("Der Anschlag") it starts nothing.
            if len(folded) < 2 or (first and folded in stop_words):
                prev = None
                continue
            if term and not first:
                singles.append(term)
                if spelled is not None:
                    spelled.setdefault(term, part)
            if prev is not None:
                pair = f"{prev[0]} {folded}"
                pairs.append(pair)
                if spelled is not None:
                    spelled.setdefault(pair, f"{prev[1]} {part}")
            prev = (folded, part)
        if len(parts) > 1 and parts[-1] and not parts[-1][0].isupper():
            prev = None


def features(article: Article, user_tags: frozenset[str] = frozenset()) -> Doc:
    tf: dict[str, int] = {}
    singles: list[str] = []
    pairs: list[str] = []
    head_words = text_terms.words(article.headline)
    for term in text_terms.terms_of_words(head_words):
        tf[term] = tf.get(term, 0) + HEADLINE_TF
    _names(article.headline, singles, pairs)
    head_pairs = len(pairs)
    if article.kicker:
        for term in text_terms.terms(article.kicker):
            tf[term] = tf.get(term, 0) + HEADLINE_TF
        _names(article.kicker, singles, pairs)
        head_pairs = len(pairs)
    if article.lead:
        for term in text_terms.terms(article.lead):
            tf[term] = tf.get(term, 0) + 1
        _names(article.lead[:LEAD_NAMES], singles, pairs)
    for term in singles:
        tf[term] = tf.get(term, 0) + NAME_BONUS
    for n, pair in enumerate(pairs):
        tf[pair] = tf.get(pair, 0) + PAIR_TF * (HEADLINE_TF if n < head_pairs else 1)
    tags = (text_terms.fold_tag(t) for t in article.tags if t.strip())
    ts = article.published.timestamp()
    return Doc(
        terms=tuple(tf),
        weights=tuple(tf.values()),
        tags=tuple(t for t in dict.fromkeys(tags) if t not in user_tags),
        ts=ts if article.dated and ts > 0 else None,
        link=normalise_link(article.link),
        title=" ".join(head_words),
        feed_id=article.feed_id,
        names=frozenset(singles) | frozenset(pairs),
    )


_factors: dict[tuple[int, int], float] = {}


def bm25_tf(tf: int, length: int) -> float:
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
