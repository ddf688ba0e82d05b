"""A compiled parse path for plain feeds, with feedparser as the fallback.

feedparser costs ~0.5 ms per item in Python handlers (half of a cold refresh's CPU: docs/
PERFORMANCE.md); feedparser-rs (Rust) parses the same document ~45x faster and answers in
feedparser's shape. It is not a drop-in (shared/FACTS.md): it blanks links to loopback and
private hosts, leaves `&amp;` in some links and category terms, lets an Atom feed's author stand
in for every entry's, drops iTunes keywords, serialises XHTML content differently, reads fewer
date formats, and on two real files finds the wrong number of items. So it is used only where it
is known to give the same articles as feedparser:

1. Before: the document uses only the elements listed below (RSS 2.0, RSS 1.0 and Atom 1.0 with
   the content, Dublin Core and Atom-link namespaces, each bound to its usual URI); no XHTML
   content and no xml:base. Anything else (podcast, media, GeoRSS, feedburner elements) is
   feedparser's.
2. After: no parse problem flagged, the version is one of ours, the entry count equals a count of
   `<item>`/`<entry>` start tags, no field that should be plain text or a URL still holds an XML
   reference, every date that is there was read, every entry has a link, no entry carries the
   feed's own author, and no list sits at one of the parser's limits.

Any failed check gives None and the caller runs feedparser. tests/unit/test_fast_parse.py runs
every shared real feed, every realnews feed and the bench corpus through both paths and requires
identical normalised articles wherever this path answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from newsreader.ingest.raw import (
    RawEntry,
    RawFeed,
    categories_of,
    is_html,
    struct_time_to_dt,
    text_of,
)
from newsreader.ingest.salvage import ITEM_START
from newsreader.sanitize import MAX_TAGS

_rs: Any
try:  # a compiled wheel; without it every feed takes feedparser's path
    import feedparser_rs as _rs
except ImportError:  # pragma: no cover - platforms without a wheel
    _rs = None

_PLAIN = frozenset(
    {
        # RSS 2.0 (and 0.9x)
        "rss", "channel", "title", "link", "description", "language", "copyright",
        "managingEditor", "webMaster", "pubDate", "lastBuildDate", "category", "generator",
        "docs", "ttl", "image", "url", "width", "height", "item", "comments", "enclosure",
        "guid",
        # Atom 1.0
        "feed", "entry", "id", "subtitle", "updated", "published", "author", "name", "email",
        "uri", "summary", "content", "icon", "logo", "rights",
        # RSS 1.0 (RDF)
        "items",
    }
)  # fmt: skip
# Namespaced elements both parsers read alike, by their usual prefix; the prefix must be bound
# to this URI in the document.
_NAMESPACED = {
    "atom": ("http://www.w3.org/2005/Atom", frozenset({"link"})),
    "content": ("http://purl.org/rss/1.0/modules/content/", frozenset({"encoded"})),
    "dc": (
        "http://purl.org/dc/elements/1.1/",
        frozenset({"creator", "date", "subject", "language", "rights", "publisher"}),
    ),
    "sy": (
        "http://purl.org/rss/1.0/modules/syndication/",
        frozenset({"updatePeriod", "updateFrequency", "updateBase"}),
    ),
    "rdf": ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", frozenset({"RDF", "Seq", "li"})),
}
_RSS10 = "http://purl.org/rss/1.0/"
_RSS20 = re.compile(r"""<rss\s[^<>]*?\bversion\s*=\s*["']2\.0["']""")
_VERSIONS = frozenset({"rss20", "rss10", "atom10"})
_TOKEN = re.compile(
    r"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?[^<>]*\?>|\]\]>"
    # Attributes as one greedy run up to ">": linear (a lazy run followed by \s* was quadratic
    # in a tag's length: 8,000 spaces took 0.5 s).
    r"|<(/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^<>]*|/)?>|<",
    re.S,
)
_ROOTS = frozenset({"rss", "feed", "RDF"})
_CONTAINERS = frozenset(
    {("", "rss"), ("", "channel"), ("", "item"), ("", "image"), ("", "feed"), ("", "entry")}
    | {("", "items"), ("rdf:", "RDF"), ("rdf:", "Seq")}
)
_ANY_LINK = re.compile(r"<([\w.-]+:)?link(\s[^<>]*?)?(/?)>")
_RSS_LINK = re.compile(r"<link>\s*([^\s<>&\"']+)\s*</link>")
_ATTR = re.compile(r"""\s([\w.:-]+)\s*=\s*["']([^"'<>]*)["']""")
_NOT_PLAIN = re.compile(r"[\s<>&\"']")
_ENCLOSURE = re.compile(r"""<enclosure\s[^<>]*?\burl=["']([^\s<>&"']+)["']""")
_XMLNS = re.compile(r"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
_NO_GO = re.compile(r"""type\s*=\s*["']xhtml["']|xml:base""")
_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8});")
# feedparser-rs's own limits (ParserLimits defaults): a list this long may have been cut.
_AT_LIMIT = {"tags": 100, "authors": 20, "enclosures": 20, "links": 50}


def available() -> bool:
    return _rs is not None


def eligible(text: str) -> bool:
    """Whether `text` (prepared by xmlfeed.py) is one well-nested document of elements both
    parsers read alike. One pass over the tags: every name known (and its namespace prefix bound
    to the usual URI), tags balanced, no element inside a text element (`<title>a<link/>b</title>`
    reads differently in the two parsers), no stray `<` or `]]>`, one root, nothing after it."""
    if _rs is None or not text.startswith("<") or _no_go(text):
        return False
    bound = {m.group(1): m.group(2) for m in _XMLNS.finditer(text)}
    known: set[tuple[str, str]] = set()
    stack: list[tuple[str, str]] = []
    containers = _CONTAINERS
    done = False
    for match in _TOKEN.finditer(text):
        closing, prefix, local, attrs = match.groups()
        if local is None:
            token = match.group(0)
            if token in ("<", "]]>") or (done and token.startswith("<![")):
                return False  # markup XML forbids, or CDATA after the root
            continue
        if done:
            return False  # a second root
        key = (prefix or "", local)
        if key not in known:
            if not _known_name(key, bound):
                return False
            known.add(key)
        if closing:
            if not stack or stack.pop() != key:
                return False
            done = not stack
            continue
        if stack and stack[-1] not in containers:
            return False
        if not stack:
            if local not in _ROOTS:
                return False
            if local == "feed":
                containers = _CONTAINERS | {("", "author")}  # Atom's person construct
        if not (attrs and attrs.endswith("/")):
            stack.append(key)
        else:
            done = not stack
    return done


def _no_go(text: str) -> bool:
    """XHTML content or xml:base somewhere. The regex only where a substring search (a fast C
    scan) finds its words: alone it cost 0.5 ms per 150 KB feed, 5% of a parse."""
    return "xml:base" in text or ("xhtml" in text and _NO_GO.search(text) is not None)


def _known_name(key: tuple[str, str], bound: dict[str, str]) -> bool:
    prefix, local = key
    if not prefix:
        return local in _PLAIN
    namespace = _NAMESPACED.get(prefix[:-1])
    return (
        namespace is not None and local in namespace[1] and bound.get(prefix[:-1]) == namespace[0]
    )


def fast_raw(text: str) -> RawFeed | None:
    """The raw feed from feedparser-rs, or None whenever it might differ from feedparser's
    (or the compiled parser raises: feedparser then reads the document)."""
    try:
        return _fast_raw(text)
    except (MemoryError, RecursionError):
        raise
    except Exception:
        return None


def _fast_raw(text: str) -> RawFeed | None:
    if not eligible(text) or _rs is None:
        return None
    result = _rs.parse(
        text.encode("utf-8", "surrogatepass"), sanitize_html=False, resolve_relative_uris=False
    )
    if result.bozo or result.version not in _VERSIONS:
        return None
    if result.version == "rss10" and _RSS10 not in text:
        return None  # feedparser calls RSS 0.90 (another namespace) rss090
    if result.version == "rss20" and not _RSS20.match(text, text.find("<rss")):
        return None  # feedparser calls an <rss> without version 2.0 "rss" or rss09x
    starts = [m.start() for m in ITEM_START.finditer(text)]
    if len(result.entries) != len(starts):
        return None
    if not result.entries and not text_of(result.feed.title):
        return None  # feedparser's path says what is wrong with it
    meta = result.feed
    feed_author = text_of(meta.author)
    raw = RawFeed(
        title=text_of(meta.title),
        title_html=is_html(_type(meta.title_detail)),
        link=text_of(meta.link),
        categories=_categories(meta.tags),
        format=text_of(result.version),
    )
    if any(not link.href for link in meta.links or ()):
        raw.link = _own_link(text, 0, starts[0] if starts else len(text))  # blanked
        if not raw.link:
            return None
    if _escaped([raw.link, *raw.categories]):
        return None
    ends = [*starts[1:], len(text)] if starts else []
    for entry, start, end in zip(result.entries, starts, ends, strict=True):
        raw_entry = _entry(entry, text, start, end)
        if raw_entry is None or (feed_author and raw_entry.author == feed_author):
            return None
        raw.entries.append(raw_entry)
    return raw


def _entry(entry: Any, text: str, start: int, end: int) -> RawEntry | None:
    for name, limit in _AT_LIMIT.items():
        if len(getattr(entry, name) or ()) >= limit:
            return None
    contents = list(entry.content or ())
    content, content_html = "", True
    if contents:
        best = next((c for c in contents if is_html(c.type)), contents[0])
        content, content_html = text_of(best.value), is_html(best.type)
    names = [text_of(a.name) for a in entry.authors or () if a.name]
    author = ", ".join(names) if len(names) > 1 else text_of(entry.author)
    detail = entry.author_detail
    if len(names) <= 1 and detail is not None and detail.name:
        author = text_of(detail.name)
    published = entry.published_parsed or entry.updated_parsed or entry.created_parsed
    date_text = text_of(entry.published or entry.updated or entry.created)
    if date_text.strip() and not published:
        return None  # a date feedparser may read and this parser did not
    source = entry.source
    raw = RawEntry(
        key=text_of(entry.id),
        link=text_of(entry.link),
        title=text_of(entry.title),
        title_html=is_html(_type(entry.title_detail)),
        summary=text_of(entry.summary),
        summary_html=is_html(_type(entry.summary_detail) or "text/html"),
        content=content,
        content_html=content_html,
        author=author,
        published=struct_time_to_dt(published),
        date_text=date_text,
        categories=_categories(entry.tags),
        source=text_of(getattr(source, "title", None)) if source is not None else "",
        enclosures=[(e.href, e.type, e.length) for e in entry.enclosures or ()],
    )
    if not raw.link.strip():
        raw.link = _own_link(text, start, end)  # blanked: a loopback or private host
        if not raw.link:
            return None
    if _escaped([raw.link, raw.key, raw.author, raw.source, *raw.categories]):
        return None
    if len(raw.enclosures) == 1 and not raw.enclosures[0][0]:  # blanked, as links are
        _, mime, length = raw.enclosures[0]
        raw.enclosures = [(_own_enclosure(text, start, end), mime, length)]
    if any(not href or _escaped([str(href)]) for href, _, _ in raw.enclosures):
        return None  # an enclosure blanked or still escaped
    return raw


def _own_link(text: str, start: int, end: int) -> str:
    """The link of an item (or of the feed, before its first item) read from the text, when
    feedparser-rs blanked it (its guard against links to loopback and private hosts; feedparser
    keeps them, and so do we: an intranet feed's links are real). Only the plain case: exactly one
    RSS `<link>` text or alternate HTML link href, with nothing to decode; anything else is ""
    and feedparser parses the feed."""
    found: list[str] = []
    for match in _ANY_LINK.finditer(text, start, end):
        prefix, attrs_text, closed = match.groups()
        if attrs_text is None and not closed:  # <link>URL</link>
            rss = _RSS_LINK.match(text, match.start(), end)
            if prefix or rss is None:
                return ""
            found.append(rss.group(1))
            continue
        attrs = dict(_ATTR.findall(attrs_text or ""))
        if attrs.get("rel", "alternate") != "alternate":
            continue  # self, enclosure, related...: not the article's link
        href = attrs.get("href", "")
        if prefix or "html" not in attrs.get("type", "html") or _NOT_PLAIN.search(href):
            return ""
        found.append(href)
    return found[0] if len(found) == 1 and found[0] else ""


def _own_enclosure(text: str, start: int, end: int) -> str:
    """The URL of the item's one RSS enclosure, read from its text (see _own_link)."""
    found = _ENCLOSURE.findall(text, start, end)
    return found[0] if len(found) == 1 and text.count("<enclosure", start, end) == 1 else ""


def _escaped(values: Iterable[str]) -> bool:
    """A value that should be plain text or a URL still holds an XML reference (`&amp;`):
    feedparser-rs leaves some undecoded where feedparser decodes them."""
    return any("&" in v and _REFERENCE.search(v) for v in values)


def _type(detail: Any) -> str | None:
    return None if detail is None else detail.type


def _categories(tags: Any) -> list[str]:
    return categories_of((t.label, t.term) for t in list(tags or ())[: MAX_TAGS * 4])
