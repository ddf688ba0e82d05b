"""Read and write OPML subscription lists (OPML 1.0 and 2.0), tags included.

Tags are written twice: as `category="a,b"` (the OPML 2.0 way, which keeps all of them) and as a
folder named after the first tag, because most readers, newsboat 2.21 among them, import folders
and ignore `category`.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from newsreader.models import Feed, merge_tags
from newsreader.sanitize import MAX_TAGS, clean_line, clean_url

# `file:` is allowed for local feeds (the demo feeds among them); javascript:, data: are not.
FEED_SCHEMES = frozenset({"http", "https", "file"})
PAGE_SCHEMES = frozenset({"http", "https"})
MAX_OPML_BYTES = 20 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.I | re.S)
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_NAMED_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_REFS = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class OpmlError(Exception):
    """The OPML cannot be read; the message is one line for the user."""


@dataclass(slots=True)
class OpmlFeed:
    url: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    link: str = ""  # the site's page (htmlUrl), if the OPML names one


FeedLike = Feed | OpmlFeed | tuple[str, str, Iterable[str]]


# --- reading ---------------------------------------------------------------------------------


def read_opml(data: bytes | str) -> list[OpmlFeed]:
    """The feeds of an OPML document, folders and categories turned into tags, URLs merged."""
    root = _parse(data)
    if _local(root.tag) != "opml":
        raise OpmlError(f"not an OPML file (the document is <{clean_line(_local(root.tag), 40)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), root)
    feeds: dict[str, OpmlFeed] = {}
    # Iterative walk: a hostile file can nest outlines far deeper than Python's recursion limit.
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [
        (child, ()) for child in reversed(_outlines(body))
    ]
    while stack:
        node, folders = stack.pop()
        attrs = {_local(key): value for key, value in node.attrib.items()}
        children = _outlines(node)
        raw_url = _feed_url(attrs)
        if raw_url:
            url = clean_url(raw_url, schemes=FEED_SCHEMES)
            if url:
                _add(feeds, url, attrs, folders)
        else:
            name = clean_line(attrs.get("text") or attrs.get("title"))
            if name and len(folders) < MAX_TAGS:
                folders = (*folders, name)
        stack.extend((child, folders) for child in reversed(children))
    return list(feeds.values())


def _parse(data: bytes | str) -> ET.Element:
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_OPML_BYTES:
        size = len(raw) / 1024 / 1024
        limit = MAX_OPML_BYTES // 1024 // 1024
        raise OpmlError(f"OPML file too large ({size:.1f} MB, the limit is {limit} MB)")
    if isinstance(data, str):
        # The text is decoded already: its prolog must not make expat decode it again.
        raw = re.sub(rb"^(\s*<\?xml[^>]*?)\sencoding=[\"'][^\"']*[\"']", rb"\1", raw.lstrip())
    elif raw.startswith(_WIDE_BOMS):
        try:
            return _parse(raw.decode("utf-16"))
        except UnicodeDecodeError:
            raise OpmlError("not valid OPML: broken UTF-16 text") from None
    elif raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    raw = raw.lstrip()
    if not raw:
        raise OpmlError("not valid OPML: the file is empty")
    # No DTD is ever needed for OPML, and internal entities can expand without bound.
    raw = _DOCTYPE.sub(b"", raw, count=1)
    if _DECLARATION.search(raw):
        raise OpmlError("not valid OPML: DOCTYPE or entity declarations are not accepted")
    raw = _NAMED_REF.sub(_html_entity, raw)
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise OpmlError(f"not valid OPML: {clean_line(exc, 200)}") from None


def _html_entity(match: re.Match[bytes]) -> bytes:
    # Hand-written OPML files often carry HTML entities such as &nbsp; which XML does not know.
    name = match.group(1)
    if name in _XML_REFS:
        return match.group(0)
    codepoint = html.entities.name2codepoint.get(name.decode("ascii"))
    return b"&#%d;" % codepoint if codepoint else match.group(0)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _outlines(node: ET.Element) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == "outline"]


def _feed_url(attrs: dict[str, str]) -> str:
    url = attrs.get("xmlurl", "").strip()
    if url:
        return url
    # Some exporters write `url`; with type="link"/"include" it names a web page or another OPML.
    if attrs.get("type", "").strip().lower() in ("link", "include"):
        return ""
    return attrs.get("url", "").strip()


def _add(
    feeds: dict[str, OpmlFeed], url: str, attrs: dict[str, str], folders: tuple[str, ...]
) -> None:
    title = clean_line(attrs.get("title") or attrs.get("text"))
    if title == url:
        title = ""  # a title that only repeats the URL says nothing
    tags = merge_tags(folders, _category_tags(attrs.get("category", "")))[:MAX_TAGS]
    link = clean_url(attrs.get("htmlurl", ""), schemes=PAGE_SCHEMES)
    known = feeds.get(url)
    if known is None:
        feeds[url] = OpmlFeed(url=url, title=title, tags=tags, link=link)
        return
    known.title = known.title or title
    known.link = known.link or link
    known.tags = merge_tags(known.tags, tags)[:MAX_TAGS]


def _category_tags(value: str) -> Iterator[str]:
    """`category` is comma-separated; an entry starting with "/" is a path of several tags."""
    for entry in value.split(","):
        entry = entry.strip()
        parts = entry.split("/") if entry.startswith("/") else [entry]
        for part in parts:
            tag = clean_line(part)
            if tag:
                yield tag


# --- writing ---------------------------------------------------------------------------------


def write_opml(
    feeds: Iterable[FeedLike],
    *,
    title: str = "newsreader subscriptions",
    created: datetime | None = None,
) -> str:
    """An OPML 2.0 document: feeds in folders by their first tag, all tags as `category`.

    Feeds whose URL `read_opml` would refuse (javascript:, data: ...) are left out."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = clean_line(title)
    when = (created or datetime.now(UTC)).astimezone(UTC)
    ET.SubElement(head, "dateCreated").text = format_datetime(when, usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for item in feeds:
        url, feed_title, tags, link = _fields(item)
        if not url:
            continue
        parent = body
        if tags:
            parent = folders.get(tags[0])
            if parent is None:
                parent = ET.SubElement(body, "outline", text=tags[0], title=tags[0])
                folders[tags[0]] = parent
        outline = ET.SubElement(parent, "outline", type="rss", text=feed_title or url)
        if feed_title:
            outline.set("title", feed_title)
        outline.set("xmlUrl", url)
        if link:
            outline.set("htmlUrl", link)
        if tags:
            outline.set("category", ",".join(tags))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _fields(item: FeedLike) -> tuple[str, str, list[str], str]:
    if isinstance(item, Feed | OpmlFeed):
        url, title, tags, link = item.url, item.title, item.tags, item.link
    else:
        url, title, tags = item
        link = ""
    clean_tags = merge_tags(_opml_tag(tag) for tag in tags)
    return (
        clean_url(url, schemes=FEED_SCHEMES),
        clean_line(title),
        clean_tags,
        clean_url(link, schemes=PAGE_SCHEMES),
    )


def _opml_tag(tag: str) -> str:
    # `category` has no escaping: a comma would split the tag, a leading "/" make it a path.
    return clean_line(tag.replace(",", " ")).lstrip("/ ")
