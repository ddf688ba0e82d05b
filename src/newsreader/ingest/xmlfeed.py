"""RSS, Atom and RDF through feedparser, into the raw types.

The text is made safe for expat first: everything before the root element goes (a DOCTYPE's
entities with it: shared/FACTS.md), characters and references XML forbids are dropped, HTML
entity names become numeric, and runaway author fields are capped (feedparser's author regex
is quadratic). feedparser raising on one element costs that element (salvage.py), not the
feed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html.entities import html5 as _HTML5
from typing import Any

from newsreader.i18n import N_
from newsreader.ingest.fastpath import fast_raw
from newsreader.ingest.raw import (
    MAX_ITEMS,
    FastDeclined,
    ParseError,
    RawEntry,
    RawFeed,
    categories_of,
    is_html,
    struct_time_to_dt,
    text_of,
)
from newsreader.ingest.salvage import KNOWN_ROOT, Unreadable, cap_items, parse_document
from newsreader.sanitize import MAX_TAGS, clean_line

_AUTHOR_TEXT_CAP = 512  # feedparser's author-email regex is quadratic in this length
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_XML_DECL = '<?xml version="1.0" encoding="utf-8"?>'
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_NAMED_REF = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_ROOT_NAME = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_AUTHORISH = re.compile(
    r"(<(?:[\w.-]+:)?(?:author|creator|name|email|managingEditor|webMaster|publisher"
    r"|contributor|owner)\b[^<>]{0,500}>(?:\s*<!\[CDATA\[)?)"
    rf"([^<\]]{{{_AUTHOR_TEXT_CAP}}})[^<\]]*",
    re.I,
)
_MARKUP = re.compile(r"<[?!A-Za-z_:\u0080-\U0010ffff]")
_DECL_SPECIAL = re.compile(r"[\"'\[\]>]")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def parse_xml(text: str, mime: str, *, use_fast: bool = True, fast_only: bool = False) -> RawFeed:
    """The raw feed: the compiled path's where it answers (fastpath.py), else feedparser's;
    `fast_only` raises FastDeclined instead of running feedparser."""
    text, cut_warning = prepare(text, mime)
    fast = fast_raw(text) if use_fast or fast_only else None
    if fast is not None:  # the compiled path answered and passed its checks (fastpath.py)
        fast.warning = cut_warning
        return fast
    if fast_only:
        raise FastDeclined
    try:  # feedparser raising on one element costs that element, not the feed
        result, salvage_warning = parse_document(text)
    except Unreadable as exc:
        raise ParseError(N_("parse failed: {exc}").format(exc=exc)) from None
    raw = _from_feedparser(result)
    problem = _bozo_message(result) if result.get("bozo") else None
    if not raw.entries and not raw.title:
        if problem:
            raise ParseError(N_("not a feed: {problem}").format(problem=problem))
        if not raw.format:
            raise ParseError(N_("not a feed: no RSS, Atom or JSON Feed found"))
    warnings = (cut_warning, salvage_warning, problem)
    raw.warning = "; ".join(w for w in warnings if w) or None
    return raw


def prepare(text: str, mime: str) -> tuple[str, str | None]:
    """The document made safe for either parser, and a warning when items were cut."""
    text = _strip_prolog(text, mime)
    text = _XML_ILLEGAL.sub("", text)
    if "&#" in text:
        text = _CHAR_REF.sub(_char_ref, text)
    if "&" in text:
        text = _NAMED_REF.sub(_named_ref, text)
    if len(text) > 2 * _AUTHOR_TEXT_CAP:
        text = _AUTHORISH.sub(r"\1\2", text)
    return cap_items(text, MAX_ITEMS)


def _strip_prolog(text: str, mime: str) -> str:
    """Drop everything before the root element (DOCTYPE included) and declare UTF-8.

    Removing the DOCTYPE stops entity expansion (shared/FACTS.md); keeping the line count keeps
    feedparser's line numbers in error messages right.
    """
    pos, n = 0, len(text)
    while pos < n:
        markup = _MARKUP.search(text, pos)
        if markup is None:
            pos = n
            break
        lt = markup.start()
        nxt = text[lt + 1]
        if nxt == "?":
            end = text.find("?>", lt + 2)
            pos = n if end < 0 else end + 2
        elif text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            pos = n if end < 0 else end + 3
        elif nxt == "!":
            pos = _skip_declaration(text, lt)
        else:
            pos = lt
            break
    if pos >= n:
        raise ParseError(N_("not a feed: no XML element found"))
    match = _ROOT_NAME.match(text, pos)
    root = (match.group(2) if match else "").lower()
    if root not in _FEED_ROOTS:
        # A feed after junk (a PHP warning) or wrapped in a page still counts; a page does not.
        known = KNOWN_ROOT.search(text, pos, pos + 16_384)
        if known:
            pos = known.start()
        elif root == "html" or mime in ("text/html", "application/xhtml+xml"):
            raise ParseError(N_("not a feed: got an HTML page"))
    return _XML_DECL + "\n" * text.count("\n", 0, pos) + text[pos:]


def _skip_declaration(text: str, start: int) -> int:
    """End of a `<!...>` declaration, skipping quoted strings and an internal `[...]` subset."""
    depth, pos, n = 0, start + 2, len(text)
    while True:
        match = _DECL_SPECIAL.search(text, pos)
        if match is None:
            return n
        ch, pos = match.group(), match.end()
        if ch in "\"'":
            end = text.find(ch, pos)
            if end < 0:
                return n
            pos = end + 1
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            return pos


def _char_ref(match: re.Match[str]) -> str:
    """Drop references to characters XML forbids (feedparser raises or lets ESC through)."""
    hexa, dec = match.group(1), match.group(2)
    if len(hexa or dec) > 10:
        return ""
    code = int(hexa, 16) if hexa else int(dec)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return match.group(0)
    if 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return ""


def _named_ref(match: re.Match[str]) -> str:
    """HTML entity names become numeric references: expat knows only the five XML ones."""
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = _HTML5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(ch)};" for ch in value)


def _bozo_message(result: Mapping[str, Any]) -> str:
    exc = result.get("bozo_exception")
    if exc is None:
        return "malformed feed"
    get_line = getattr(exc, "getLineNumber", None)
    get_message = getattr(exc, "getMessage", None)
    if callable(get_line) and callable(get_message):
        try:
            return f"XML error at line {get_line()}: {one_line(get_message())}"
        except Exception:  # a message is all we want from it
            pass
    return one_line(exc)


def one_line(value: object, limit: int = 200) -> str:
    text = clean_line(value, limit)
    if not text and isinstance(value, BaseException):
        text = type(value).__name__
    return text or "unknown error"


def _from_feedparser(result: Mapping[str, Any]) -> RawFeed:
    fdict = result.get("feed") or {}
    title_detail = fdict.get("title_detail") or {}
    raw = RawFeed(
        title=text_of(fdict.get("title")),
        title_html=is_html(title_detail.get("type")),
        link=text_of(fdict.get("link")),
        categories=categories_of(_tag_pairs(fdict.get("tags"))),
        format=text_of(result.get("version")),
    )
    for entry in result.get("entries") or []:
        raw.entries.append(_entry_from_feedparser(entry))
    return raw


def _entry_from_feedparser(entry: Mapping[str, Any]) -> RawEntry:
    # Skip FeedParserDict's keymap: plain dict.get on the (dict subclass) entry.
    get: Callable[[Any, str], Any] = dict.get if isinstance(entry, dict) else type(entry).get
    title_detail = get(entry, "title_detail") or {}
    summary_detail = get(entry, "summary_detail") or {}
    content, content_html = "", True
    contents = [c for c in get(entry, "content") or [] if isinstance(c, Mapping)]
    if contents:
        best = next((c for c in contents if is_html(c.get("type"))), contents[0])
        content, content_html = text_of(best.get("value")), is_html(best.get("type"))
    source = get(entry, "source") or {}
    names = [a.get("name") for a in get(entry, "authors") or [] if isinstance(a, Mapping)]
    authors = [text_of(a) for a in names if a]
    author = ", ".join(authors) if len(authors) > 1 else text_of(get(entry, "author"))
    detail = get(entry, "author_detail") or {}
    if len(authors) <= 1 and detail.get("name"):
        author = text_of(detail.get("name"))
    return RawEntry(
        key=text_of(get(entry, "id")),
        link=text_of(get(entry, "link")),
        title=text_of(get(entry, "title")),
        title_html=is_html(title_detail.get("type")),
        summary=text_of(get(entry, "summary")),
        summary_html=is_html(summary_detail.get("type") or "text/html"),
        content=content,
        content_html=content_html,
        author=author,
        published=struct_time_to_dt(
            get(entry, "published_parsed")
            or get(entry, "updated_parsed")
            or get(entry, "created_parsed")
        ),
        date_text=text_of(
            get(entry, "published") or get(entry, "updated") or get(entry, "created")
        ),
        categories=categories_of(_tag_pairs(get(entry, "tags"))),
        source=text_of(source.get("title")) if isinstance(source, Mapping) else "",
        enclosures=[
            (e.get("href") or e.get("url"), e.get("type"), e.get("length"))
            for e in entry.get("enclosures") or []
            if isinstance(e, Mapping)
        ],
    )


def _tag_pairs(tags: object) -> list[tuple[object, object]]:
    if not isinstance(tags, list):
        return []
    return [(t.get("label"), t.get("term")) for t in tags[: MAX_TAGS * 4] if isinstance(t, Mapping)]
