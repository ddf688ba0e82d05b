"""Run feedparser on a prepared document, and read what can be read when it raises.

feedparser sometimes raises instead of setting `bozo` (shared/FACTS.md): an empty `</width>` in the
channel image, a podcast chapter without a start time, a GeoRSS position in an unknown
reference system. One bad element must not cost every item, nor reach the user as a Python
message. On an exception:

1. The traceback names the handler that raised (`_end_width`, `_start_psc_chapter`): that
   element is removed from the whole document and the parse retried (a few times). Elements
   the articles are made of (title, link, dates...) are not removed everywhere: step 2.
2. Else items are parsed apart (in chunks, halved down to the item that raises), each inside
   the document's own root; an item that still raises is retried without its bad element,
   then left out. The channel's own details are parsed apart too.

What was left out becomes one line in the user's terms ("some of the feed could not be read:
the channel image is malformed; 12 items kept"), kept as the feed's warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_REMOVALS = 4  # bad elements removed from one document before giving up on that way
# feedparser runs for item-by-item salvage, per item: halving, the item, one retry or two.
# Measured: 2,000 items each with an element that raises, 2.1 s.
PARSES_PER_ITEM = 4
CHUNK = 64  # items per document when parsing items apart

KNOWN_ROOT = re.compile(r"<(?:[\w.-]+:)?(?:rss|feed|RDF)(?=[\s>/])")
ITEM_START = re.compile(r"<(?:[\w.-]+:)?(?:item|entry)(?=[\s>/])")
_ITEM_END = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>")
_CHANNEL_START = re.compile(r"<(?:[\w.-]+:)?channel\b[^<>]*>")
_HANDLER = re.compile(r"_(start|end)_(\w+)")
_FP_HEADERS = {"content-type": "application/xml; charset=utf-8"}

# The skeleton of a feed: without these there is nothing left to salvage.
_STRUCTURE = frozenset({"rss", "rdf", "channel", "feed", "item", "entry", "items"})
# What articles are made of: removed from one item (step 2), never from the whole document.
_CONSUMED = frozenset(
    {
        "title", "link", "links", "description", "summary", "content", "encoded", "body",
        "fullitem", "pubdate", "published", "updated", "modified", "issued", "created",
        "date", "guid", "id", "category", "subject", "keywords", "author", "creator", "name",
        "email", "enclosure", "source", "contributor",
    }
)  # fmt: skip
_PREFIX_THINGS = {
    "psc": "podcast chapter list",
    "gml": "location (GeoRSS) data",
    "georss": "location (GeoRSS) data",
    "geo": "location data",
    "media": "media details",
    "itunes": "podcast details",
    "dc": "Dublin Core details",
    "dcterms": "Dublin Core details",
    "admin": "generator details",
}
_LOCAL_THINGS = {
    "where": "location (GeoRSS) data",
    "width": "image size",
    "height": "image size",
    "pubdate": "date",
    "published": "date",
    "updated": "date",
    "category": "category",
    "enclosure": "enclosure",
    "guid": "id",
}


class Unreadable(Exception):
    """Nothing could be read; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Culprit:
    """The element whose handler raised, and where the parser was."""

    prefix: str  # feedparser's namespace prefix ("" for none): "psc", "gml"
    local: str  # "width", "chapter", "pos"
    place: str  # "image", "item image", "textinput", "item", "channel"

    def phrase(self) -> str:
        if self.place == "image":
            return "the channel image"
        if self.place == "item image":
            return "an item's image"
        if self.place == "textinput":
            return "the channel's text input box"
        owner = "an item's" if self.place == "item" else "the channel's"
        name = f"{self.prefix}:{self.local}" if self.prefix else self.local
        thing = _PREFIX_THINGS.get(self.prefix) or _LOCAL_THINGS.get(self.local)
        return f"{owner} {thing or f'<{name}> element'}"


def parse_document(text: str) -> tuple[Mapping[str, Any], str | None]:
    """feedparser's result for `text` (prepared by xmlfeed.py) and a warning when parts of it
    had to be left out; raises Unreadable when nothing could be read."""
    try:
        return _feedparse(text), None
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        error = exc
    text, result, phrases, _, error = _without_culprits(text, error, everywhere=True)
    if result is not None:
        return result, _warning(phrases, 0, len(result.get("entries") or []))
    salvaged = _item_by_item(text)
    if salvaged is None:
        raise Unreadable(_failure(error, phrases))
    result, more, dropped = salvaged
    return result, _warning(phrases + more, dropped, len(result["entries"]))


def cap_items(text: str, limit: int) -> tuple[str, str | None]:
    """Cut the document before item `limit` + 1 and close its root, so feedparser never
    sees the rest; returns the text and a warning when items were dropped."""
    cut = -1
    total = 0
    for total, match in enumerate(ITEM_START.finditer(text), 1):
        if total == limit + 1:
            cut = match.start()
    if cut < 0:
        return text, None
    return text[:cut] + _closer(text), f"kept the first {limit:,} of {total:,} items"


def culprit_of(exc: BaseException) -> Culprit | None:
    """The feedparser element handler an exception came from (the outermost one: the element
    being dispatched, not a helper it shares with others), or None."""
    tb = exc.__traceback__
    while tb is not None:
        match = _HANDLER.fullmatch(tb.tb_frame.f_code.co_name)
        parser = tb.tb_frame.f_locals.get("self") if match else None
        if match and type(parser).__module__.startswith("feedparser"):
            return _culprit(match.group(2), parser)
        tb = tb.tb_next
    return None


def remove_element(text: str, local: str) -> str:
    """`text` without any element named `local` (any namespace prefix): empty and text-only
    elements go whole, other start and end tags of that name go alone (their text stays)."""
    name = rf"(?:[\w.-]+:)?{re.escape(local)}(?=[\s/>])"
    pattern = re.compile(rf"<{name}[^<>]*/>|<{name}[^<>]*>[^<]*</{name}\s*>|</?{name}[^<>]*>", re.I)
    return pattern.sub("", text)


# -- internals ---------------------------------------------------------------------------------


def _feedparse(text: str) -> Mapping[str, Any]:
    import feedparser  # ~0.1 s: only when a feed is parsed, not on every CLI start

    # No content-location on purpose: feedparser would resolve relative ids against it too, so
    # a guid would change with the URL the feed was fetched from (and it costs ~20%). Links
    # still get xml:base applied by feedparser; normalise.py makes them absolute.
    return feedparser.parse(
        text.encode("utf-8", "surrogatepass"),
        response_headers=_FP_HEADERS,
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def _culprit(handler: str, parser: object) -> Culprit:
    prefix, _, local = handler.partition("_")
    if not local or prefix.lower() not in _known_prefixes():
        prefix, local = "", handler
    if getattr(parser, "inimage", False):
        place = "item image" if getattr(parser, "inentry", False) else "image"
    elif getattr(parser, "intextinput", False):
        place = "textinput"
    elif getattr(parser, "inentry", False):
        place = "item"
    else:
        place = "channel"
    return Culprit(prefix.lower(), local.lower(), place)


_PREFIXES: frozenset[str] | None = None


def _known_prefixes() -> frozenset[str]:
    global _PREFIXES
    if _PREFIXES is None:
        try:
            from feedparser.mixin import _FeedParserMixin

            names = _FeedParserMixin.namespaces.values()
        except (ImportError, AttributeError):  # another feedparser version: the usual ones
            names = _PREFIX_THINGS.keys()
        _PREFIXES = frozenset(p.lower() for p in names if p)
    return _PREFIXES


def _without_culprits(
    text: str, exc: Exception, *, everywhere: bool
) -> tuple[str, Mapping[str, Any] | None, list[str], list[str], Exception]:
    """Retry with each element that raises removed; (text, result or None, phrases, elements
    removed, last exception). With `everywhere`, elements articles need are left in place."""
    phrases: list[str] = []
    removed: list[str] = []
    for _ in range(MAX_REMOVALS):
        culprit = culprit_of(exc)
        if culprit is None or culprit.local in removed or culprit.local in _STRUCTURE:
            break
        if everywhere and culprit.local in _CONSUMED:
            break
        shorter = remove_element(text, culprit.local)
        if shorter == text:
            break
        text = shorter
        removed.append(culprit.local)
        if culprit.phrase() not in phrases:
            phrases.append(culprit.phrase())
        try:
            return text, _feedparse(text), phrases, removed, exc
        except (RecursionError, MemoryError):
            raise
        except Exception as again:
            exc = again
    return text, None, phrases, removed, exc


def _item_by_item(text: str) -> tuple[dict[str, Any], list[str], int] | None:
    """(merged result, phrases, items left out), or None when not even the channel reads."""
    root = KNOWN_ROOT.search(text)
    tag_end = text.find(">", root.end()) if root else -1
    if root is None or tag_end < 0:
        return None
    starts = [m.start() for m in ITEM_START.finditer(text)]
    first = starts[0] if starts else len(text)
    opener = text[: tag_end + 1]
    channel = _CHANNEL_START.search(text, len(opener), first)
    if channel and not root.group(0).lower().endswith("rdf"):
        opener += channel.group(0)  # RSS 2.0 items live in the channel; RSS 1.0 ones do not
    closer = _closer(text)
    state = _Salvage(opener, closer, len(starts))
    head = state.parse_one(text[:first] + closer)
    if head is None:
        head = state.parse_one(opener + closer)
        if head is None:
            return None
        state.phrases.append("the channel details")
    if starts:
        last = _ITEM_END.search(text, starts[-1])
        bounds = [*starts[1:], last.end() if last else len(text)]
        items = [text[a:b] for a, b in zip(starts, bounds, strict=True)]
        for at in range(0, len(items), CHUNK):
            state.run(items[at : at + CHUNK])
    result = {
        "feed": head.get("feed") or {},
        "entries": state.entries,
        "version": head.get("version") or "",
        "bozo": head.get("bozo") or 0,
        "bozo_exception": head.get("bozo_exception"),
    }
    return result, state.phrases, state.dropped


class _Salvage:
    def __init__(self, opener: str, closer: str, items: int) -> None:
        self.opener, self.closer = opener, closer
        self.entries: list[Any] = []
        self.phrases: list[str] = []
        self.dropped = 0
        self.budget = PARSES_PER_ITEM * items + 2 * MAX_REMOVALS

    def parse_one(self, doc: str) -> Mapping[str, Any] | None:
        """One document, retried without its bad elements (any of them); None if it fails."""
        if self.budget <= 0:
            return None
        self.budget -= 1
        try:
            return _feedparse(doc)
        except (RecursionError, MemoryError):
            raise
        except Exception as exc:
            _, result, phrases, removed, _ = _without_culprits(doc, exc, everywhere=False)
        self.budget -= len(removed)
        if result is not None:
            self.phrases.extend(p for p in phrases if p not in self.phrases)
        return result

    def run(self, items: list[str]) -> None:
        if self.budget <= 0:
            self.dropped += len(items)
            return
        if len(items) == 1:
            result = self.parse_one(self.opener + items[0] + self.closer)
            if result is None:
                self.dropped += 1
            else:
                self.entries.extend(result.get("entries") or [])
            return
        self.budget -= 1
        try:
            result = _feedparse(self.opener + "".join(items) + self.closer)
        except (RecursionError, MemoryError):
            raise
        except Exception:
            half = len(items) // 2
            self.run(items[:half])
            self.run(items[half:])
            return
        self.entries.extend(result.get("entries") or [])


def _closer(text: str) -> str:
    root = KNOWN_ROOT.search(text)
    name = root.group(0)[1:] if root else "rss"
    return f"</channel></{name}>" if name.endswith("rss") else f"</{name}>"


def _warning(phrases: list[str], dropped: int, kept: int) -> str | None:
    if not phrases and not dropped:
        return None
    parts = [f"{p} {'are' if p.endswith('details') else 'is'} malformed" for p in phrases]
    if dropped:
        parts.append(f"{_count(dropped, 'item')} could not be read and {_was(dropped)} left out")
    return f"some of the feed could not be read: {'; '.join(parts)}; {_count(kept, 'item')} kept"


def _failure(exc: Exception, phrases: list[str]) -> str:
    what = f"{phrases[0]} is malformed" if phrases else "the feed is malformed"
    detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:120]
    return f"{what} and nothing in it could be read ({detail})"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"
