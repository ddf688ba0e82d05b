"""Body HTML cleaning at ingest: only what the article view shows is ever stored.

`clean_body_html` runs once per article when a feed is parsed. It bounds nesting (a linear
scan), drops tracking pixels, then sanitises with an allowlist (nh3, the Rust ammonia
library): the tags and attributes `to_markdown` converts, links resolved against the article
and kept only for http/https/mailto (images only http/https), campaign parameters stripped.
Scripts, styles, frames, forms, objects and event handlers are gone with their content, so a
later sync or export cannot carry them. Display (to_markdown.py) checks again.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from typing import Any

from newsreader.sanitize import (
    MAX_BODY,
    MAX_URL,
    OPENABLE_SCHEMES,
    SAFE_LINK_SCHEMES,
    clean_text,
    clean_url,
    may_track,
    strip_tracking,
)

# Nesting kept; deeper tags are dropped (their text stays). html5ever's tree builder is
# quadratic in depth (50,000 nested <div> took 3.8 s in nh3) and markdownify recurses per
# level (RecursionError near 330); real articles nest a few dozen deep.
MAX_DEPTH = 100

# What to_markdown's converter shows, plus neutral containers whose text it keeps.
BODY_TAGS = frozenset(
    {
        "a", "abbr", "address", "article", "aside", "b", "bdi", "blockquote", "br", "caption",
        "center", "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "samp",
        "section", "small", "source", "span", "strike", "strong", "sub", "summary", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var",
        "video", "wbr",
    }
)  # fmt: skip
BODY_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "data-src", "alt", "width", "height"},
    "video": {"src", "poster"},
    "source": {"src", "type"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed with everything inside them (the article view drops the same, to_markdown._DROP_TAGS).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "form", "input", "button", "select",
        "option", "textarea", "object", "embed", "applet", "noscript", "template", "svg",
        "math", "canvas", "head", "meta", "link", "base", "audio", "map", "area", "dialog",
        "noembed", "noframes", "title", "xmp", "plaintext",
    }
)  # fmt: skip
_URL_ATTRS = {
    "href": SAFE_LINK_SCHEMES,
    "src": OPENABLE_SCHEMES,
    "data-src": OPENABLE_SCHEMES,
    "poster": OPENABLE_SCHEMES,
}

# -- nesting -----------------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]{0,63})([^<>]*)>")
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "isindex",
    }
)  # fmt: skip
_SELF_CLOSING = frozenset({"p", "li"})  # a second one closes the first (the HTML parser rule)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th",
        "tr", "ul",
    }
)  # fmt: skip


def flatten_nesting(html: str, limit: int = MAX_DEPTH) -> str:
    """The HTML with every tag deeper than `limit` removed, in one linear pass.

    Text is never dropped: a removed block tag becomes one line break before the next text,
    so paragraphs beyond the limit stay apart. Shallow documents come back unchanged.
    """
    if html.count("<") <= limit:
        return html
    out: list[str] = []
    stack: list[str] = []
    on_stack: dict[str, int] = {}
    dropped: dict[str, int] = {}
    pos = 0
    pending_break = changed = False
    for match in _TAG.finditer(html):
        text = html[pos : match.start()]
        pos = match.end()
        if text:
            if pending_break and text.strip():
                out.append("<br>")
                pending_break = False
            out.append(text)
        closing, name, rest = match.groups()
        name = name.lower()
        keep = True
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                keep = False
            elif on_stack.get(name):
                while stack:
                    top = stack.pop()
                    on_stack[top] -= 1
                    if top == name:
                        break
                dropped.clear()  # what was open deeper is closed with it
        elif name not in _VOID and name not in DROPPED_WITH_CONTENT and not rest.endswith("/"):
            # (a <script> tag dropped here would turn its code into text: kept, not counted)
            if name in _SELF_CLOSING and stack and stack[-1] == name and not dropped:
                stack.pop()
                on_stack[name] -= 1
            if len(stack) >= limit:
                dropped[name] = dropped.get(name, 0) + 1
                keep = False
            else:
                stack.append(name)
                on_stack[name] = on_stack.get(name, 0) + 1
        if keep:
            if pending_break and name not in _BLOCK:
                out.append("<br>")
            pending_break = False
            out.append(match.group(0))
        else:
            changed = True
            pending_break = pending_break or name in _BLOCK
    if not changed:
        return html
    out.append(html[pos:])
    return "".join(out)


# -- tracking pixels ---------------------------------------------------------------------------

IMG_TAG = re.compile(r"<img\b[^<>]*>", re.I)
_IMG_ATTR = re.compile(
    r"""\s(width|height|style|src|data-src)\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+)""", re.I
)
_STYLE_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d+)(?:\.\d*)?\s*px", re.I)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Hosts and paths that serve only counting pixels (FeedBurner, WordPress stats, analytics).
_TRACKER_SRC = re.compile(
    r"//(?:feeds\.feedburner\.com/~r/|pixel\.wp\.com/|stats\.wordpress\.com/|"
    r"[\w.-]*feedsportal\.com/|feeds\.feedblitz\.com/~/i/|pixel\.quantserve\.com/|"
    r"www\.google-analytics\.com/|[\w.-]*doubleclick\.net/)|/__utm\.gif",
    re.I,
)


def strip_pixels(html: str) -> str:
    """The HTML without counting images (run before the sanitiser: it needs `style`)."""
    if "<img" in html or "<IMG" in html or "<Img" in html:
        return IMG_TAG.sub(_drop_pixel_tag, html)
    return html


def img_attributes(tag: str) -> dict[str, str]:
    """width, height, style, src and data-src of one `<img ...>` tag, unquoted and unescaped
    (the first of a repeated attribute wins, as in browsers). One scanner for the tracking
    pixel check here and for the images an article keeps (ingest/images.py)."""
    attrs: dict[str, str] = {}
    for name, value in _IMG_ATTR.findall(tag):
        quoted = value[:1] in "\"'" and len(value) >= 2
        attrs.setdefault(name.lower(), htmllib.unescape(value[1:-1] if quoted else value))
    return attrs


def _drop_pixel_tag(match: re.Match[str]) -> str:
    attrs = img_attributes(match.group(0))
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
    return int(text) if text.isdecimal() and len(text) < 7 else None


# -- the allowlist -----------------------------------------------------------------------------


def clean_body_html(html: str, base: str = "") -> str:
    """Body HTML as stored: nesting bounded, pixels out, allowlisted tags and attributes only,
    links absolute (against `base`, the article link) with safe schemes and no tracking."""
    if not html:
        return ""
    if html.count("<") > _SAFE_TAG_COUNT:
        html = flatten_nesting(html)
    html = strip_pixels(html)
    local = _LOCAL.__dict__
    cleaner = local.get("cleaner")
    if cleaner is None:
        import nh3  # a Rust extension: loaded where feeds are parsed, not at every start

        # One Cleaner per thread (building one costs ~40 us); the base is per body.
        cleaner = local["cleaner"] = nh3.Cleaner(attribute_filter=_keep_attribute, **_OPTIONS)
    local["base"] = base
    # nh3 decodes character references: "&#27;" comes out as a raw ESC, so clean again.
    return clean_text(cleaner.clean(html), MAX_BODY * 2).strip()


# Fewer tags than this cannot nest deep enough to make nh3 slow (2,000 levels: ~6 ms), so the
# flattening scan (~18 ms per million characters) runs only on bodies with more; display
# flattens again for markdownify's own, lower limit.
_SAFE_TAG_COUNT = 2_000
_LOCAL = threading.local()
_OPTIONS: dict[str, Any] = {
    "tags": set(BODY_TAGS),
    "clean_content_tags": set(DROPPED_WITH_CONTENT),
    "attributes": BODY_ATTRIBUTES,
    "strip_comments": True,
    "link_rel": None,
    "url_schemes": set(SAFE_LINK_SCHEMES),
}


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute callback: URLs resolved, checked and untracked; other values kept.

    nh3 checks the scheme of href/src before calling this and not after, and not at all for
    data-src and poster: every URL this returns is checked here.
    """
    schemes = _URL_ATTRS.get(attribute)
    if schemes is None:
        return value
    if (
        value.startswith(("https://", "http://"))
        and len(value) <= MAX_URL
        and value.isprintable()  # no control, format (bidi) or line-break character
        and " " not in value
        and not may_track(value)
    ):
        return value  # the common case: absolute, allowed, nothing to strip
    url = strip_tracking(clean_url(value, _LOCAL.__dict__.get("base", ""), schemes))
    return url or None
