"""The one tokeniser for German and English news, shared by search and related stories.

Folding: NFC, casefold (ß -> ss), Latin diacritics stripped (ä -> a, é -> e), Arabic vowel
marks dropped, so "Munchen" finds "München". Index terms are folded words minus stop words of
both languages, minus 1-char tokens and numbers of fewer than 3 digits, lightly stemmed
("Kriegs", "Krieges" -> "krieg"; "Sanktionen" -> "sanktion"; "strikes", "strike" -> "strik").
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable

# A word is a run of letters/digits plus combining marks: Python's \w stops at marks, which
# would cut Hindi or vowelled Arabic words in pieces. ZWNJ/ZWJ stay inside words (Persian).
_MARKS = "".join(
    chr(c)
    for lo, hi in ((0x0300, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
    for c in range(lo, hi + 1)
    if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
)
# One character class (an alternation is twice as slow); "_" is turned into a space first.
_WORD = re.compile(r"[\w" + re.escape(_MARKS) + "\u200c\u200d]+")


def _fold_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        base = decomposed[0]
        if len(decomposed) > 1 and base.isascii() and base.isalpha():
            table[chr(code)] = base.lower()
    table.update({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d"})
    table["ı"] = "i"
    for code in [*range(0x064B, 0x0660), 0x0670]:  # Arabic harakat: optional vowel marks
        table[chr(code)] = ""
    return table


# str.translate looks up every character in a dict; a regex finds the few foldable ones in C.
_FOLD = _fold_table()
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD)) + "]")

# Folded forms (für -> fur). Deliberately absent: "war" (German "was", English "war"), "us"
# (US-Kongress), "man", "new": they carry meaning in news.
STOP_WORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einer",
        "eines",
        "einem",
        "einen",
        "kein",
        "keine",
        "keinen",
        "und",
        "oder",
        "aber",
        "sondern",
        "doch",
        "denn",
        "als",
        "wie",
        "wenn",
        "dass",
        "ob",
        "weil",
        "da",
        "so",
        "zu",
        "zum",
        "zur",
        "im",
        "in",
        "am",
        "an",
        "auf",
        "aus",
        "bei",
        "beim",
        "mit",
        "nach",
        "von",
        "vom",
        "vor",
        "fur",
        "uber",
        "unter",
        "durch",
        "gegen",
        "ohne",
        "um",
        "bis",
        "seit",
        "nicht",
        "auch",
        "noch",
        "nur",
        "schon",
        "sehr",
        "mehr",
        "ist",
        "sind",
        "wird",
        "werden",
        "wurde",
        "wurden",
        "worden",
        "hat",
        "haben",
        "hatte",
        "hatten",
        "sein",
        "seine",
        "seiner",
        "seinen",
        "seinem",
        "ihr",
        "ihre",
        "ihren",
        "ihrem",
        "ihrer",
        "es",
        "er",
        "sie",
        "wir",
        "ich",
        "du",
        "sich",
        "dies",
        "diese",
        "dieser",
        "dieses",
        "diesem",
        "diesen",
        "weiter",
        "weitere",
        "weiteren",
        "weiterer",
        "weiteres",
        "jetzt",
        "hier",
        "dort",
        "was",
        "wer",
        "wo",
        "wann",
        "warum",
        "welche",
        "welcher",
        "welches",
        "kann",
        "konnen",
        "soll",
        "sollen",
        "muss",
        "mussen",
        "will",
        "wollen",
        "gibt",
        "bereits",
        "sowie",
        "zwischen",
        "etwa",
        "rund",
        "immer",
        "wieder",
        "alle",
        "sagt",
        "sagte",
        "sagten",
        "laut",
        "zudem",
        "dabei",
        "damit",
        "jedoch",
        "bisher",
        "bislang",
        "derzeit",
        "heute",
        "gestern",
        "the",
        "an",
        "and",
        "or",
        "but",
        "of",
        "to",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "his",
        "her",
        "their",
        "our",
        "your",
        "not",
        "no",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "than",
        "then",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "most",
        "other",
        "such",
        "only",
        "own",
        "same",
        "too",
        "very",
        "just",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "up",
        "down",
        "out",
        "off",
        "again",
        "also",
        "if",
        "via",
        "per",
        "says",
        "said",
    ]
)

# German plural/case endings, longest first ("n" alone would split "Sanktion" from -en).
_SUFFIXES = ("ern", "em", "er", "en", "es", "e", "s")

_stem_cache: dict[str, str] = {}
_STEM_CACHE_MAX = 100_000  # ~11 MB at most; a miss costs ~1 µs


def fold(text: str) -> str:
    """NFC, casefolded, Latin diacritics and Arabic vowel marks removed, "_" made a space."""
    text = unicodedata.normalize("NFC", text).casefold()
    if not text.isascii():
        text = _FOLDABLE.sub(_fold_char, text)
    return text.replace("_", " ")


def _fold_char(match: re.Match[str]) -> str:
    return _FOLD[match.group()]


def words(text: str) -> list[str]:
    """Every folded word, stop words included: the unit of phrase matching."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """A light German/English suffix stripper for folded ASCII words: one suffix, once."""
    n = len(word)
    if n < 5 or not (word.isascii() and word.isalpha()):
        return word
    if n > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    if n > 6 and word.endswith("ing"):
        return word[:-3]
    if n > 5 and word.endswith("ed"):
        return word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and n - len(suffix) >= 4:
            # "Kongress", "Virus": a final s after s/u is part of the stem.
            if suffix == "s" and word[-2] in "su":
                return word
            return word[: n - len(suffix)]
    return word


def term_of(word: str) -> str | None:
    """The index term of one folded word, or None for stop words, 1-char and short numbers."""
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached or None
    if len(word) < 2 or word in STOP_WORDS or (word.isdigit() and len(word) < 3):
        result = ""
    else:
        # Interned so every document's term tuples share one string per term.
        result = sys.intern(stem(word))
    if len(_stem_cache) >= _STEM_CACHE_MAX:
        _stem_cache.clear()
    _stem_cache[word] = result
    return result or None


def terms(text: str) -> list[str]:
    """Index terms of a text, in order, repeats kept."""
    return terms_of_words(_WORD.findall(fold(text)))


def terms_of_words(folded_words: Iterable[str]) -> list[str]:
    """Index terms of already folded words (the output of `words`)."""
    cache = _stem_cache
    out: list[str] = []
    for word in folded_words:
        term = cache.get(word)
        if term is None:
            term = term_of(word) or ""
        if term:
            out.append(term)
    return out


_tag_keys: dict[str, str] = {}


def fold_tag(tag: str) -> str:
    """A tag's folded key: "Naher  Osten", "naher osten", "Nahér Osten" are one tag."""
    key = _tag_keys.get(tag)
    if key is None:
        if len(_tag_keys) >= 100_000:
            _tag_keys.clear()
        key = _tag_keys[tag] = sys.intern(fold(" ".join(tag.split())))
    return key


def term_surfaces(text: str) -> dict[str, str]:
    """Each index term of a text with its first spelling there ("Kriegs" for krieg)."""
    out: dict[str, str] = {}
    for surface in _WORD.findall(unicodedata.normalize("NFC", text).replace("_", " ")):
        for word in words(surface):
            term = term_of(word)
            if term and term not in out:
                out[term] = surface
    return out
