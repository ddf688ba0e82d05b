"""The lead once: real feeds repeat their teaser as the body's first paragraph.

Golem puts an image and then the teaser, word for word, as the whole body; the Guardian and
TechCrunch open the body with it as a paragraph; heise's RDF body is the teaser itself; CRE
puts a subtitle first and then its lead again. The article view shows the lead above the body,
so the copy in the body goes, at display time (the stored body stays whole, for search).

Only a copy that fills whole runs of text near the start of the body is removed (the words of
the lead, in order, matching complete text nodes), so a body that merely begins like its lead,
or quotes it inside a longer paragraph, is left alone. Tags stay: an image next to the teaser is
kept, and elements left empty are dropped.
"""

from __future__ import annotations

import html as htmllib
import re

_PARTS = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"\w+", re.UNICODE)
# Where a teaser ends with a marker of being cut or a "read on" link.
_TAIL = {"mehr", "weiterlesen", "weiter", "lesen", "more", "read"}
_EMPTY = re.compile(
    r"<(p|div|span|em|i|strong|b|blockquote|small|a|li|ul)\b[^>]*>\s*</\1\s*>", re.I
)
SEARCH_WORDS = 80  # the copy must start within the body's first words
MIN_WORDS = 4  # a shorter lead is no evidence of a copy


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(htmllib.unescape(text))]


def drop_repeated_lead(body_html: str, lead: str) -> str:
    """The body without the lead's copy near its start; the body as it is if there is none."""
    lead_words = _words(lead)
    truncated = lead.rstrip().endswith(("…", "...", "[…]", "[...]"))
    while lead_words and lead_words[-1] in _TAIL:
        lead_words.pop()
    if truncated and lead_words:
        lead_words.pop()  # the last word may be cut in half
    if len(lead_words) < MIN_WORDS or not body_html:
        return body_html
    parts = _PARTS.split(body_html)
    # (part index, its words) for every text part, in order.
    texts: list[tuple[int, list[str]]] = []
    seen = 0
    for i, part in enumerate(parts):
        if i % 2 == 1 or not part.strip():
            continue
        words = _words(part)
        if words:
            texts.append((i, words))
            seen += len(words)
            if seen > SEARCH_WORDS + len(lead_words):
                break
    before = 0
    for start, (_i, first_words) in enumerate(texts):
        if before > SEARCH_WORDS:
            break
        matched = _match(texts, start, lead_words)
        if matched is not None:
            first, last = texts[start][0], texts[matched][0]
            for index in range(first, last + 1, 2):
                parts[index] = ""  # the copy, and the punctuation between its pieces
            if last + 2 < len(parts) and not _WORD.search(parts[last + 2]):
                parts[last + 2] = ""  # a closing ")" or "." after it
            out = "".join(parts)
            for _ in range(4):  # nested empties: <div><p></p></div>
                out, n = _EMPTY.subn("", out)
                if not n:
                    break
            return out
        before += len(first_words)
    return body_html


def _match(texts: list[tuple[int, list[str]]], start: int, lead: list[str]) -> int | None:
    """The index (in `texts`) of the last text part of the copy, when the parts from `start` on
    hold the lead's words in order, else None.

    A lead that ends inside a part was cut (a feed's summary, our length cap): the whole parts
    before it are the copy, the paragraph it was cut from stays (nothing of the body is lost).
    A part that is the lead plus a "read on" tail is the copy too.
    """
    pos = 0
    for k in range(start, len(texts)):
        words = texts[k][1]
        rest = lead[pos:]
        if len(words) <= len(rest):
            if words != rest[: len(words)]:
                if k > start and _cut_in(words, rest):
                    return k - 1
                return None
            pos += len(words)
            if pos == len(lead):
                return k
        else:
            if words[: len(rest)] == rest and set(words[len(rest) :]) <= _TAIL:
                return k
            if k > start and _cut_in(words, rest):
                return k - 1
            return None
    return None


def _cut_in(words: list[str], rest: list[str]) -> bool:
    """The rest of the lead is the start of this part, its last word maybe cut in half."""
    if len(rest) > len(words) or not rest:
        return False
    return words[: len(rest) - 1] == rest[:-1] and words[len(rest) - 1].startswith(rest[-1])
