"""Article body HTML to Markdown (when an article is shown) and to plain text (for search).

Ingest stores cleaned HTML; converting costs ~1 ms per KB (FACTS.md), so it is done per
article on display. The output is Markdown a viewer renders: only http/https/mailto links
stay live, text can never turn into a link, and no control characters get through.
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsreader.sanitize import (
    MAX_BODY,
    OPENABLE_SCHEMES,
    SAFE_LINK_SCHEMES,
    clean_line,
    clean_text,
    clean_url,
    html_to_text,
    may_track,
    strip_tracking,
    url_scheme,
)

MAX_MARKDOWN_INPUT = 200_000  # characters of HTML converted; markdownify is ~1 ms per KB

_DROP_TAGS = [
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "form",
    "input",
    "button",
    "select",
    "option",
    "textarea",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
    "canvas",
    "head",
    "meta",
    "link",
    "base",
    "audio",
    "map",
    "area",
    "dialog",
]
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in '()<>[]"\\ `{}|^\n\t'}

_BLANK_LINES = re.compile(r"\n{3,}")

# Markdown that must not come alive: link destinations, reference definitions, autolinks.
_LINK_DEST = re.compile(r"\]\(\s*<?\s*(?:([A-Za-z][A-Za-z0-9+.\-]{0,31}):)?")
_REF_DEF = re.compile(r"^( {0,3})\[(?=[^\]\n]*\]:)", re.M)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}):")
_TEXT_SPECIAL = re.compile(r"([\\\[\]<`])")

# Body HTML at ingest: link attributes and <img> tags, each found by one linear scan.
_URL_ATTR = re.compile(r"""(\s(?:href|src|poster)\s*=\s*)("[^"]*"|'[^']*'|[^\s>"']+)""", re.I)
_BAD_SCHEME_HINT = re.compile(r"(?:script|data|file)\s*:", re.I)
_IMG_TAG = re.compile(r"<img\b[^<>]*>", re.I)
_IMG_ATTR = re.compile(r"""\s(width|height|style|src)\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+)""", re.I)
_STYLE_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d+)(?:\.\d*)?\s*px", re.I)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Hosts and paths that serve only counting pixels (FeedBurner, WordPress stats, analytics).
_TRACKER_SRC = re.compile(
    r"//(?:feeds\.feedburner\.com/~r/|pixel\.wp\.com/|stats\.wordpress\.com/|"
    r"[\w.-]*feedsportal\.com/|feeds\.feedblitz\.com/~/i/|pixel\.quantserve\.com/|"
    r"www\.google-analytics\.com/|[\w.-]*doubleclick\.net/)|/__utm\.gif",
    re.I,
)


def plain_text(html: str, limit: int = MAX_BODY) -> str:
    """Readable plain text from HTML (paragraphs kept), cheap enough for search indexing."""
    return html_to_text(html, limit)


def strip_body_tracking(html: str) -> str:
    """Body HTML without tracking pixels, utm_*-style parameters or javascript:/file:/data:
    links (done once at ingest, so what is stored is clean; display checks again)."""
    if "<" not in html:
        return html
    if "<img" in html or "<IMG" in html:
        html = _IMG_TAG.sub(_drop_pixel_tag, html)
    if may_track(html) or _BAD_SCHEME_HINT.search(html):
        html = _URL_ATTR.sub(_strip_attr, html)
    return html


def _strip_attr(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    url = htmllib.unescape(value[1:-1] if quote else value)
    scheme = url_scheme(url)
    stripped = "" if scheme and scheme not in SAFE_LINK_SCHEMES else strip_tracking(url)
    if stripped == url:
        return match.group(0)
    return f'{match.group(1)}"{htmllib.escape(stripped, quote=True)}"'


def _drop_pixel_tag(match: re.Match[str]) -> str:
    attrs: dict[str, str] = {}
    for name, value in _IMG_ATTR.findall(match.group(0)):
        quoted = value[:1] in "\"'" and len(value) >= 2
        attrs.setdefault(name.lower(), htmllib.unescape(value[1:-1] if quoted else value))
    pixel = is_tracking_pixel(
        attrs.get("width"), attrs.get("height"), attrs.get("style"), attrs.get("src")
    )
    return "" if pixel else match.group(0)


def is_tracking_pixel(width: object, height: object, style: object, src: object) -> bool:
    """A counting image: every stated dimension 0 or 1 px, hidden, or from a pixel host."""
    if isinstance(src, str) and _TRACKER_SRC.search(src):
        return True
    sizes: dict[str, int | None] = {"width": _px(width), "height": _px(height)}
    if isinstance(style, str) and style:
        if _STYLE_HIDDEN.search(style):
            return True
        for name, value in _STYLE_SIZE.findall(style):
            sizes[name.lower()] = int(value)
    stated = [v for v in sizes.values() if v is not None]
    return bool(stated) and all(v <= 1 for v in stated)


def _px(value: object) -> int | None:
    text = str(value or "").strip().lower().removesuffix("px").strip()
    return int(text) if text.isdigit() and len(text) < 7 else None


def article_markdown(html: str, base_url: str = "") -> str:
    """Markdown for an article body; links made absolute, unsafe ones reduced to their text."""
    if not html:
        return ""
    truncated = len(html) > MAX_MARKDOWN_INPUT
    if truncated:
        html = html[:MAX_MARKDOWN_INPUT]
    base = base_url if urlsplit(base_url).scheme.lower() in OPENABLE_SCHEMES else ""
    try:
        markdown = _convert(html, base)
    except RecursionError:  # markdownify recurses per nesting level (~330 levels)
        markdown = _escape_text(plain_text(html))
    markdown = _neutralise(clean_text(markdown))
    lines = [line.rstrip() if line.strip() else "" for line in markdown.split("\n")]
    markdown = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if truncated:
        markdown += "\n\n…"
    return markdown


def _escape_text(text: str) -> str:
    text = _TEXT_SPECIAL.sub(r"\\\1", text)
    return text.replace("*", r"\*").replace("_", r"\_")


def _neutralise(markdown: str) -> str:
    """Break any link syntax that is not http/https/mailto (text in <pre>, odd corners)."""

    def dest(match: re.Match[str]) -> str:
        scheme = (match.group(1) or "").lower()
        if scheme in SAFE_LINK_SCHEMES or _escaped(markdown, match.start()):
            return match.group(0)
        return "] (" + match.group(0)[2:]

    def auto(match: re.Match[str]) -> str:
        scheme = match.group(1).lower()
        if scheme in SAFE_LINK_SCHEMES or _escaped(markdown, match.start()):
            return match.group(0)
        return "\\" + match.group(0)

    if "](" in markdown:
        markdown = _LINK_DEST.sub(dest, markdown)
    if "]:" in markdown:
        markdown = _REF_DEF.sub(r"\1\\[", markdown)
    if "<" in markdown:
        markdown = _AUTOLINK.sub(auto, markdown)
    return markdown


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at pos is backslash-escaped (an odd run of backslashes before)."""
    run = 0
    while pos - run > 0 and text[pos - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _safe_url(value: Any, base: str, schemes: frozenset[str]) -> str:
    """An absolute, allowed URL that cannot break out of Markdown link syntax, or ""."""
    url = strip_tracking(clean_url(value if isinstance(value, str) else "", base, schemes))
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if any(ch in parts.netloc for ch in '()<>[]"\\ `{}|^') and not parts.netloc.startswith("["):
        return ""
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            parts.path.translate(_URL_UNSAFE),
            parts.query.translate(_URL_UNSAFE),
            parts.fragment.translate(_URL_UNSAFE),
        )
    )


def _convert(html: str, base: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        if not tag.decomposed:
            tag.decompose()
    return _converter_class()(base_url=base).convert_soup(soup)


_CONVERTER: type | None = None


def _converter_class() -> type:
    """The markdownify subclass, built on first use so importing this module stays cheap."""
    global _CONVERTER
    if _CONVERTER is not None:
        return _CONVERTER
    from markdownify import MarkdownConverter

    class Converter(MarkdownConverter):  # type: ignore[misc]
        def __init__(self, base_url: str = "", **options: Any) -> None:
            options.setdefault("heading_style", "ATX")
            options.setdefault("bullets", "-")
            super().__init__(**options)
            self.base_url = base_url

        def escape(self, text: str, parent_tags: Any) -> str:
            if not text:
                return ""
            # Text is text: brackets and '<' escaped so "[x](javascript:..)" stays literal.
            return super().escape(_TEXT_SPECIAL.sub(r"\\\1", text), parent_tags)

        def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
            el.attrs["href"] = _safe_url(el.get("href"), self.base_url, SAFE_LINK_SCHEMES)
            el.attrs.pop("title", None)
            return super().convert_a(el, text, parent_tags)

        def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
            src = _safe_url(el.get("src") or el.get("data-src"), self.base_url, OPENABLE_SCHEMES)
            alt = _escape_text(clean_line(el.get("alt") or "", 300))
            if not src or is_tracking_pixel(
                el.get("width"), el.get("height"), el.get("style"), src
            ):
                return alt
            if (
                "_inline" in parent_tags
                and el.parent.name not in self.options["keep_inline_images_in"]
            ):
                return alt
            return f"![{alt}]({src})"

        def convert_video(self, el: Any, text: str, parent_tags: Any) -> str:
            src = el.get("src")
            if not src:
                source = el.find("source", attrs={"src": True})
                src = source.get("src") if source else ""
            href = _safe_url(src, self.base_url, OPENABLE_SCHEMES)
            poster = _safe_url(el.get("poster"), self.base_url, OPENABLE_SCHEMES)
            label = text.strip() or "video"
            if href and poster:
                return f"[![{label}]({poster})]({href})"
            if href:
                return f"[{label}]({href})"
            return f"![{label}]({poster})" if poster else text

        def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
            if not text:
                return ""
            longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
            fence = "`" * max(3, longest + 1)
            return f"\n\n{fence}\n{text.strip(chr(10))}\n{fence}\n\n"

    _CONVERTER = Converter
    return Converter
