"""Article body HTML to Markdown (when an article is shown) and to plain text (for search).

Ingest stores HTML cleaned by ingest/body_html.py; converting costs ~1 ms per KB
(shared/FACTS.md), so it is done per article on display (bodies stored before that cleaning
are shown as safely). The output is Markdown a viewer renders: only http/https/mailto links
stay live, text can never turn into a link, and no control characters get through.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsreader.ingest.body_html import DROPPED_WITH_CONTENT, flatten_nesting, is_tracking_pixel
from newsreader.sanitize import (
    MAX_BODY,
    OPENABLE_SCHEMES,
    SAFE_LINK_SCHEMES,
    clean_line,
    clean_text,
    clean_url,
    html_to_text,
    strip_tracking,
)

# Characters of HTML converted to formatted Markdown (markdownify is ~1 ms per KB); the rest
# of a longer body is shown too, as plain text (linear), so no stored text is ever hidden.
MAX_MARKDOWN_INPUT = 200_000
_CUT_WINDOW = 20_000  # how far back from the cap to look for a block boundary

# Removed with their content, as at ingest (where they are already gone from new bodies).
_DROP_TAGS = sorted(DROPPED_WITH_CONTENT)
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in '()<>[]"\\ `{}|^\n\t'}

_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCK_START = re.compile(
    r"<(?:p|div|h[1-6]|li|ul|ol|dl|table|tr|pre|blockquote|section|article|figure|hr|br)\b", re.I
)
_HIDDEN_OPEN = re.compile(r"<(script|style|template|noscript|iframe|svg)\b|<!--", re.I)
_LINE_MARK = re.compile(r"^([#>+=|~-])", re.M)
_LINE_NUMBER = re.compile(r"^(\d{1,9})([.)])", re.M)

# Markdown that must not come alive: link destinations, reference definitions, autolinks.
_LINK_DEST = re.compile(r"\]\(\s*<?\s*(?:([A-Za-z][A-Za-z0-9+.\-]{0,31}):)?")
_REF_DEF = re.compile(r"^( {0,3})\[(?=[^\]\n]*\]:)", re.M)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}):")
_TEXT_SPECIAL = re.compile(r"([\\\[\]<`])")


def plain_text(html: str, limit: int = MAX_BODY) -> str:
    """Readable plain text from HTML (paragraphs kept), cheap enough for search indexing."""
    return html_to_text(html, limit)


def article_markdown(html: str, base_url: str = "") -> str:
    """Markdown for an article body; links made absolute, unsafe ones reduced to their text.

    The whole body is shown: the first MAX_MARKDOWN_INPUT characters formatted, the rest as
    plain text; nesting deeper than html_clean.MAX_DEPTH is flattened first (markdownify
    recurses per level). Both steps are linear, so the cost stays bounded on any input.
    """
    if not html:
        return ""
    html = flatten_nesting(html)
    head, tail = _split(html, MAX_MARKDOWN_INPUT)
    base = base_url if urlsplit(base_url).scheme.lower() in OPENABLE_SCHEMES else ""
    try:
        markdown = _convert(head, base)
    except RecursionError:  # nesting the flattening did not see (a tree builder's repairs)
        markdown, tail = _text_markdown(html), ""
    if tail:
        markdown = f"{markdown.rstrip()}\n\n{_text_markdown(tail)}"
    markdown = _neutralise(clean_text(markdown, max(MAX_BODY, len(markdown))))
    lines = [line.rstrip() if line.strip() else "" for line in markdown.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _split(html: str, cap: int) -> tuple[str, str]:
    """(head, tail) with head at most `cap` long, cut before a block tag when there is one
    near the cap, else before any tag, else at a space; never inside a script or comment."""
    if len(html) <= cap:
        return html, ""
    cut = -1
    for match in _BLOCK_START.finditer(html, cap - _CUT_WINDOW, cap):
        cut = match.start()
    if cut < 0:
        cut = html.rfind("<", cap - _CUT_WINDOW, cap)
    if cut < 0:
        cut = html.rfind(" ", cap - _CUT_WINDOW, cap)
    if cut <= 0:
        cut = cap
    openers = list(_HIDDEN_OPEN.finditer(html, 0, cut))  # old caches may still hold these
    if openers and openers[-1].start() > 0:
        last = openers[-1]
        close = "-->" if last.group(1) is None else f"</{last.group(1).lower()}"
        if html[last.end() : cut].lower().find(close) < 0:
            cut = last.start()  # an element still open at the cut goes whole to the tail
    return html[:cut], html[cut:]


def _text_markdown(html: str) -> str:
    """Plain text from HTML as Markdown that stays text (no link, heading, list or quote)."""
    text = _escape_text(plain_text(html))
    return _LINE_NUMBER.sub(r"\1\\\2", _LINE_MARK.sub(r"\\\1", text))


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

    class Converter(MarkdownConverter):
        def __init__(self, base_url: str = "", **options: Any) -> None:
            options.setdefault("heading_style", "ATX")
            options.setdefault("bullets", "-")
            super().__init__(**options)
            self.base_url = base_url

        def escape(self, text: str, parent_tags: Any) -> str:
            if not text:
                return ""
            # Text is text: brackets and '<' escaped so "[x](javascript:..)" stays literal.
            # markdownify ships no type hints for its converter methods.
            escaped = _TEXT_SPECIAL.sub(r"\\\1", text)
            return super().escape(escaped, parent_tags)  # type: ignore[misc]

        def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
            el.attrs["href"] = _safe_url(el.get("href"), self.base_url, SAFE_LINK_SCHEMES)
            el.attrs.pop("title", None)
            return super().convert_a(el, text, parent_tags)  # type: ignore[misc]

        def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
            src = _safe_url(el.get("src") or el.get("data-src"), self.base_url, OPENABLE_SCHEMES)
            alt = _escape_text(clean_line(el.get("alt") or "", 300))
            if not src or is_tracking_pixel(
                el.get("width"), el.get("height"), el.get("style"), src
            ):
                return alt
            if (
                "_inline" in parent_tags
                and el.parent.name not in self.options["keep_inline_images_in"]  # type: ignore[attr-defined]
            ):
                return alt
            if el.parent is not None and el.parent.name != "a":
                # Its own paragraph: the reader draws a lone image as a picture (article_image).
                return f"\n\n![{alt}]({src})\n\n"
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
