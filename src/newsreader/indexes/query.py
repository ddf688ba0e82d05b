"""The search query language: what a query string means, as a `Query` (search.py plans and runs it).

Query language (case-insensitive, umlaut-tolerant: "Munchen" finds "München"):
  words          every word must match headline, kicker, lead, body, tags, author or feed title;
                 the last word also matches as a prefix while it is being typed (no space after)
  "a phrase"     the words in this order in headline, kicker, lead or body
  tag:X          an article tag, exactly (tag:"Naher Osten" for spaces)
  feed:Y         feed title contains Y, or feed id (prefix); several feed: filters mean any of them
  a OR b         either word (OR in capitals, between single words: Ukraine OR Kyjiw OR Kiew)
  title:X        X (a word, or "words in this order") in the headline; author:X in the author
  newer:3d older:2w   published within / before the last N hours (h), days (d), weeks (w),
                 months (m, 30 days) or years (y); a bare number is days
  after:2025-12-01 before:2025-12-01   published on or after / before that day (local time)
  has:enclosure  with audio, video or another attachment; is:extracted  whole article fetched
  unread starred is:unread is:read is:starred is:unstarred
  -word -"phrase" -tag:X -feed:Y -title:X -author:X -has:enclosure -is:extracted -unread
                 negation
Stop words ("der", "the") are ignored. Malformed input never raises: an unbalanced quote runs
to the end, an empty tag: or a date that is none (after:yesterday) is ignored, and `ignored`
says so.

The tokeniser and folding live in terms.py.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

from newsreader.indexes import terms as text_terms

_FILTER_KEYS = {
    "tag": "tag",
    "tags": "tag",
    "feed": "feed",
    "is": "is",
    "has": "has",
    "title": "title",
    "author": "author",
    "newer": "newer",
    "older": "older",
    "after": "after",
    "before": "before",
}
_SPAN = re.compile(r"(\d{1,6})\s*([hdwmy]?)")
_UNIT = {"h": 3600, "d": 86400, "": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
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
    any_of: list[list[str]] = field(default_factory=list)  # a OR b OR c: one group each
    titles: list[str] = field(default_factory=list)  # title:X
    authors: list[str] = field(default_factory=list)  # author:X
    not_titles: list[str] = field(default_factory=list)
    not_authors: list[str] = field(default_factory=list)
    after: float | None = None  # published at or after this time (seconds since the epoch)
    before: float | None = None  # published before this time
    unread: bool | None = None  # True: unread only; False: read only
    starred: bool | None = None
    enclosure: bool | None = None  # has:enclosure
    extracted: bool | None = None  # is:extracted
    prefix: bool = False  # the last word typed (of `words`, or of the last OR group) is a prefix
    prefix_in_group: bool = False  # ... and it is the last member of the last `any_of` group
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
            or self.any_of
            or self.titles
            or self.authors
            or self.not_titles
            or self.not_authors
            or self.after is not None
            or self.before is not None
            or self.enclosure is not None
            or self.extracted is not None
        )

    def needs_article(self) -> bool:
        """Conditions the index cannot answer: checked on each article it finds."""
        return bool(
            self.titles
            or self.authors
            or self.not_titles
            or self.not_authors
            or self.enclosure is not None
            or self.extracted is not None
        )

    def __str__(self) -> str:
        parts = list(self.words)
        if self.prefix and parts and not self.prefix_in_group:
            parts[-1] += "*"
        groups = [list(g) for g in self.any_of]
        if self.prefix and self.prefix_in_group and groups:
            groups[-1][-1] += "*"
        parts += [" OR ".join(g) for g in groups]
        parts += [f"title:{_quoted(t)}" for t in self.titles]
        parts += [f"author:{_quoted(t)}" for t in self.authors]
        parts += [f"-title:{_quoted(t)}" for t in self.not_titles]
        parts += [f"-author:{_quoted(t)}" for t in self.not_authors]
        if self.after is not None:
            parts.append("after:" + _day(self.after))
        if self.before is not None:
            parts.append("before:" + _day(self.before))
        if self.enclosure is not None:
            parts.append(("" if self.enclosure else "-") + "has:enclosure")
        if self.extracted is not None:
            parts.append(("" if self.extracted else "-") + "is:extracted")
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


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


def parse_query(query: str, *, now: float | None = None) -> Query:
    """Parse a query string leniently: nothing a user can type makes this raise. `now` (the
    clock by default) is what newer:/older: count back from."""
    q = Query()
    clock = time.time() if now is None else now
    text = query if isinstance(query, str) else str(query)
    n = len(text)
    i = 0
    last_was_word = False  # the last token was a positive word
    group: list[str] | None = None  # the OR group the last positive word is in
    joining = False  # "OR" came right after a positive word
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        was_word, last_was_word = last_was_word, False
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            _add_phrase(q, text[i + 1 : end], negated)
            i = end + 1
            joining = _dangling(q, joining)
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
            _add_filter(q, kind, " ".join(value.split()), negated, token, clock)
            joining = _dangling(q, joining)
        elif token.casefold() in _BARE_FLAGS:
            _add_filter(q, "is", token, negated, token, clock)
            joining = _dangling(q, joining)
        elif token == "OR" and not negated and was_word:
            joining = True
            last_was_word = True  # "a OR OR b" stays one group
        else:
            last_was_word = _add_word(q, token, negated)
            if joining and last_was_word:
                word = q.words.pop()
                if group is None:
                    group = [q.words.pop(), word]
                    q.any_of.append(group)
                else:
                    group.append(word)
            elif last_was_word:
                group = None
            else:
                joining = _dangling(q, joining)
            joining = False
        i = j
    _dangling(q, joining)
    q.prefix = last_was_word and not joining and bool(text) and not text[-1].isspace()
    q.prefix_in_group = q.prefix and group is not None
    return q


def _dangling(q: Query, joining: bool) -> bool:
    """An OR with no word after it is ignored (and said so)."""
    if joining:
        q.ignored.append("OR")
    return False


def _add_phrase(q: Query, phrase: str, negated: bool) -> None:
    phrase = " ".join(phrase.split())
    if not text_terms.words(phrase):
        if phrase:
            q.ignored.append(f'"{phrase}"')
        return
    (q.not_phrases if negated else q.phrases).append(phrase)


def _add_filter(q: Query, kind: str, value: str, negated: bool, raw: str, now: float) -> None:
    if not value:
        q.ignored.append(raw)
    elif kind == "tag":
        (q.not_tags if negated else q.tags).append(value)
    elif kind == "feed":
        (q.not_feeds if negated else q.feeds).append(value)
    elif kind in ("title", "author"):
        if not text_terms.words(value):
            q.ignored.append(raw)
        elif kind == "title":
            (q.not_titles if negated else q.titles).append(value)
        else:
            (q.not_authors if negated else q.authors).append(value)
    elif kind in ("newer", "older", "after", "before"):
        _add_time(q, kind, value, negated, raw, now)
    elif kind == "has":
        if value.casefold() in ("enclosure", "enclosures", "attachment", "audio", "video"):
            q.enclosure = not negated
        else:
            q.ignored.append(raw)
    else:
        if value.casefold() == "extracted":
            q.extracted = not negated
            return
        flag = _FLAGS.get(value.casefold())
        if flag is None:
            q.ignored.append(raw)
            return
        name, wanted = flag
        setattr(q, name, wanted != negated)


def _add_time(q: Query, kind: str, value: str, negated: bool, raw: str, now: float) -> None:
    """newer:/older: a span back from `now`; after:/before: a day, at local midnight. Negated,
    each means its opposite (-newer:3d is older:3d). Several bounds: the narrowest wins."""
    at: float | None = None
    if kind in ("newer", "older"):
        span = _SPAN.fullmatch(value.casefold())
        if span:
            at = now - int(span.group(1)) * _UNIT[span.group(2)]
        since = kind == "newer"
    else:
        day = _DAY.fullmatch(value)
        if day:
            try:
                year, month, mday = (int(x) for x in day.groups())
                at = datetime(year, month, mday).timestamp()  # local midnight
            except (ValueError, OverflowError, OSError):
                at = None
        since = kind == "after"
    if at is None:
        q.ignored.append(raw)
        return
    if since != negated:
        q.after = at if q.after is None else max(q.after, at)
    else:
        q.before = at if q.before is None else min(q.before, at)


def _add_word(q: Query, token: str, negated: bool) -> bool:
    """Add a bare word; True when it is a positive word (a candidate for prefix matching)."""
    folded = text_terms.words(token)
    if not any(text_terms.term_of(w) for w in folded):
        if token.strip("-"):
            q.ignored.append(token)
        return False
    (q.not_words if negated else q.words).append(token)
    return not negated
