"""The search query language: what a query string means, as a `Query` (search.py plans and runs it).

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

The tokeniser and folding live in terms.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsreader.indexes import terms as text_terms

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
