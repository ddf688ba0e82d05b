"""Read and write OPML subscription lists (OPML 1.0 and 2.0), tags included.

Tags are written twice: as `category="a,b"` (the OPML 2.0 way, which keeps all of them) and as a
folder named after the first tag, because most readers, newsboat 2.21 among them, import folders
and ignore `category`.

Reading accounts for every outline that is not a folder: each becomes a feed or a skipped outline
with its reason, so an import can say what happened to every line of the file.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from newsreader.i18n import _, ngettext
from newsreader.models import Feed, merge_tags
from newsreader.sanitize import MAX_TAGS, clean_line, clean_url, url_scheme

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


@dataclass(slots=True)
class Skipped:
    """An outline (or a feed given to `Library.add_feeds`) that was not subscribed, and why."""

    url: str  # as written, one clean line ("" when the outline has none)
    title: str
    reason: str

    def line(self) -> str:
        """`"Title" <url>: reason`, one line."""
        name = f'"{clean_line(self.title, 60)}"' if self.title else ""
        where = clean_line(self.url, 200)
        label = " ".join(part for part in (name, f"<{where}>" if where else "") if part)
        return f"{label or _('(an outline without a name)')}: {self.reason}"


@dataclass(slots=True)
class OpmlRead:
    """Everything `read_opml_report` found: `feeds` + `skipped` are all the feed outlines."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def outlines(self) -> int:
        """Outlines that are not folders (a folder has no feed URL and holds other outlines)."""
        return len(self.feeds) + len(self.skipped)


@dataclass(slots=True)
class AddedFeeds:
    """What `Library.add_feeds` did with each entry: exactly one list holds each of them."""

    added: list[Feed] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # URLs subscribed before (tags merged)
    skipped: list[Skipped] = field(default_factory=list)

    def __iter__(self) -> Iterator[int]:
        """Unpacks as the older `(added, not added)` pair: `added, _ = lib.add_feeds(...)`."""
        return iter((len(self.added), len(self.already) + len(self.skipped)))

    @property
    def local_files(self) -> list[str]:
        """The local files the added feeds read (file: URLs), as paths."""
        from urllib.request import url2pathname

        return [
            url2pathname(urlsplit(feed.url).path)
            for feed in self.added
            if url_scheme(feed.url) == "file"
        ]


def import_report(
    name: str, read: OpmlRead, added: AddedFeeds, *, limit: int | None = None
) -> list[str]:
    """The lines `newsreader import` prints: a summary whose counts add up to the outlines, one
    line per skipped outline with its reason and one per local file that refreshes will read
    (at most `limit` of each, then how many more)."""
    skipped = [
        "  " + _("skipped {outline}").format(outline=entry.line())
        for entry in (*read.skipped, *added.skipped)
    ]
    local = [
        "  " + _("local file, read at every refresh: {path}").format(path=path)
        for path in added.local_files
    ]
    outlines = ngettext("{count} feed outline", "{count} feed outlines", read.outlines).format(
        count=read.outlines
    )
    lines = [
        _(
            "{name}: {outlines}: {imported} imported, {already} already there, {skipped} skipped"
        ).format(
            name=clean_line(name, 200),
            outlines=outlines,
            imported=len(added.added),
            already=len(added.already),
            skipped=len(skipped),
        )
    ]
    more = (
        (skipped, _("  … and {count} more skipped outlines")),
        (local, _("  … and {count} more local files")),
    )
    for group, template in more:
        shown = group if limit is None else group[:limit]
        lines += shown
        if len(group) > len(shown):
            lines.append(template.format(count=len(group) - len(shown)))
    return lines


# --- reading ---------------------------------------------------------------------------------


def read_opml(data: bytes | str) -> list[OpmlFeed]:
    """The feeds of an OPML document, folders and categories turned into tags, URLs merged."""
    return read_opml_report(data).feeds


def read_opml_report(data: bytes | str) -> OpmlRead:
    """The feeds of an OPML document, and every other non-folder outline with the reason it is
    skipped: a URL scheme other than http, https and file, a relative URL, no URL, a web page
    (type="link") or another list (type="include"), or the same URL as an earlier outline (whose
    tags it adds to the first)."""
    root = _parse(data)
    if _local(root.tag) != "opml":
        raise OpmlError(f"not an OPML file (the document is <{clean_line(_local(root.tag), 40)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), root)
    feeds: dict[str, OpmlFeed] = {}
    skipped: list[Skipped] = []
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
            if not url:
                skipped.append(_skipped(attrs, raw_url, _refusal(raw_url)))
            elif not _add(feeds, url, attrs, folders):
                reason = "the same feed as an earlier outline (its tags were added to it)"
                skipped.append(_skipped(attrs, url, reason))
        elif children:
            name = clean_line(attrs.get("text") or attrs.get("title"))
            if name and len(folders) < MAX_TAGS:
                folders = (*folders, name)
        else:
            skipped.append(_skipped(attrs, attrs.get("url", ""), _no_feed_reason(attrs)))
        stack.extend((child, folders) for child in reversed(children))
    return OpmlRead(list(feeds.values()), skipped)


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


def _refusal(raw_url: str) -> str:
    scheme = url_scheme(clean_line(raw_url, 200))
    if not scheme:
        return "not an absolute URL (relative URLs cannot be fetched)"
    return f'unsupported URL scheme "{clean_line(scheme, 20)}:" (only http, https and file)'


def _no_feed_reason(attrs: dict[str, str]) -> str:
    kind = attrs.get("type", "").strip().lower()
    if kind == "link" and attrs.get("url", "").strip():
        return 'a web page (type="link"), not a feed'
    if kind == "include" and attrs.get("url", "").strip():
        return 'another OPML list (type="include"), not followed'
    return "no feed URL (xmlUrl)"


def _skipped(attrs: dict[str, str], url: str, reason: str) -> Skipped:
    title = clean_line(attrs.get("title") or attrs.get("text"), 60)
    return Skipped(url=clean_line(url, 200), title=title, reason=reason)


def _add(
    feeds: dict[str, OpmlFeed], url: str, attrs: dict[str, str], folders: tuple[str, ...]
) -> bool:
    """Add the feed or merge it into an earlier outline's; True if it was new."""
    title = clean_line(attrs.get("title") or attrs.get("text"))
    if title == url:
        title = ""  # a title that only repeats the URL says nothing
    tags = merge_tags(folders, _category_tags(attrs.get("category", "")))[:MAX_TAGS]
    link = clean_url(attrs.get("htmlurl", ""), schemes=PAGE_SCHEMES)
    known = feeds.get(url)
    if known is None:
        feeds[url] = OpmlFeed(url=url, title=title, tags=tags, link=link)
        return True
    known.title = known.title or title
    known.link = known.link or link
    known.tags = merge_tags(known.tags, tags)[:MAX_TAGS]
    return False


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
            folder = folders.get(tags[0])
            if folder is None:
                folder = ET.SubElement(body, "outline", text=tags[0], title=tags[0])
                folders[tags[0]] = folder
            parent = folder
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
    tags: Iterable[str]
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
