"""The one sanitiser for every string that comes from a feed.

Feed text reaches the terminal: Textual strips only a few C0 controls, so ESC, other C0, C1
and bidi overrides would reach it raw (shared/FACTS.md). Everything from a feed passes through here
once, at ingest, before it is stored.
"""

from __future__ import annotations

import functools
import html
import re
from urllib.parse import unquote, urljoin, urlsplit

# Caps on stored lengths (characters).
MAX_HEADLINE = 500
MAX_LINE = 1_000  # kicker, author, source, tag, feed title
MAX_LEAD = 2_000
MAX_BODY = 400_000
MAX_URL = 4_096
MAX_TAGS = 40

# C0 controls except TAB and LF, DEL, C1 controls; bidi embeddings/overrides/isolates;
# invisible zero-width characters that only serve to hide or split text (ZWJ/ZWNJ are kept:
# emoji sequences and Persian/Indic scripts need them); lone surrogates; non-characters.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069"
    "\u200b\u2060\u2061-\u2064\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ufffe\uffff]"
)
_CR = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SPACE_RUN = re.compile(r"[ \t\u00a0]+")
_WS = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
# HTML to text: every pattern is linear (no scan that restarts at each "<").
_DROP_OPEN = re.compile(r"<(script|style|template|noscript|iframe|svg)\b|<!--", re.I)
_DROP_CLOSE = {
    name: re.compile(rf"</{name}\b[^<>]*>", re.I)
    for name in ("script", "style", "template", "noscript", "iframe", "svg")
}
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|h[1-6]|blockquote|tr|ul|ol|dl|dt|dd|table|pre|hr|section"
    r"|article|header|footer|figure|figcaption|aside)\b[^<>]*>",
    re.I,
)
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_NL_SPACE = re.compile(r" ?\n ?")
_ANY_SPACE = re.compile(r"[ \t\r\n\f\v]+")

# Query parameters that only identify a campaign, a click or a mail recipient: names in lower
# case, plus any name with the utm_ prefix (Google Analytics campaign tags).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
        "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "igshid", "yclid",
        "ref_src", "ref_url", "twclid", "ttclid", "li_fat_id", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "rb_clickid", "s_cid", "vero_conv", "vero_id", "wickedid", "_openstat",
        "_ga", "_gl", "ncid", "at_medium", "at_campaign", "pk_campaign", "pk_kwd",
        "pk_source", "pk_medium", "pk_content", "mtm_campaign", "mtm_kwd", "mtm_source",
        "mtm_medium", "mtm_content",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)
# A cheap test that a URL might carry one of them, so most URLs skip the splitting.
_TRACKING_HINT = re.compile(
    r"[?&#;](?:utm_|"
    + "|".join(sorted((re.escape(p) for p in TRACKING_PARAMS), key=len, reverse=True))
    + r")",
    re.I,
)

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
OPENABLE_SCHEMES = frozenset({"http", "https"})


def clean_text(value: object, limit: int = MAX_BODY) -> str:
    """Remove control and bidi-override characters, normalise newlines, cap the length."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit * 2:
        text = text[: limit * 2]  # bound the regex work on absurd inputs first
    if text.isprintable():  # no control, format (bidi, zero-width), separator nor surrogate
        return text[:limit]  # character at all: nothing below would change it (C speed)
    if _only_kept_controls(text):  # multi-line text, tabs, no-break spaces: kept as they are
        return text[:limit]
    text = _CR.sub("\n", text)
    text = _UNSAFE.sub("", text)
    return text[:limit]


def _only_kept_controls(text: str) -> bool:
    """True when the only characters `isprintable` refuses are ones clean_text keeps (LF, TAB,
    NBSP): bodies and leads, which the two regex passes cost ~20 us each for nothing."""
    return text.replace("\n", "").replace("\t", "").replace("\xa0", "").isprintable()


def clean_line(value: object, limit: int = MAX_LINE) -> str:
    """One line of plain text: sanitised, whitespace collapsed, capped."""
    text = clean_text(value, limit * 2)
    return _WS.sub(" ", text).strip()[:limit]


def html_to_text(value: object, limit: int = MAX_LEAD) -> str:
    """Plain text from HTML (headlines, leads, search): tags out, entities decoded, paragraphs
    kept as blank lines; linear time on any input."""
    raw = value if isinstance(value, str) else ("" if value is None else str(value))
    if not raw:
        return ""
    raw = raw[: limit * 4]
    if _needs(raw, "  ", "\t", "\r", "\n", "\f", "\v"):
        raw = _ANY_SPACE.sub(" ", raw)  # source line breaks are spaces in HTML
    text = clean_text(_markup_out(raw, "\n"), limit * 2)
    if _needs(text, "  ", "\t", "\xa0"):
        text = _SPACE_RUN.sub(" ", text)
    if "\n" in text:  # the passes below change nothing without a line break (most headlines)
        text = _NL_SPACE.sub("\n", text)
        if "\n\n\n" in text:
            text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()[:limit]


def _needs(text: str, *parts: str) -> bool:
    return any(p in text for p in parts)


def search_text(value: str, limit: int = MAX_BODY) -> str:
    """The words of HTML for the search index, cheaply: hidden elements out, block tags made
    spaces, other tags removed, entities decoded. Spacing is left as it comes (the tokeniser
    only looks at words), which makes this ~6x cheaper than `html_to_text` on feed bodies."""
    return _UNSAFE.sub("", _markup_out(value[: limit * 4], " "))


def _markup_out(raw: str, block: str) -> str:
    """Hidden elements out, block tags made `block`, other tags removed, entities decoded."""
    if "<" in raw:
        raw = _drop_hidden_elements(raw)
        raw = _BLOCK_TAG.sub(block, raw)
        raw = _TAG.sub("", raw)
    if "&" in raw:
        raw = html.unescape(raw)
    return raw


def _drop_hidden_elements(raw: str) -> str:
    """Remove script/style/template/noscript/iframe/svg elements and comments in one pass."""
    out: list[str] = []
    pos, n = 0, len(raw)
    while pos < n:
        match = _DROP_OPEN.search(raw, pos)
        if match is None:
            break
        out.append(raw[pos : match.start()])
        if match.group(1) is None:
            end = raw.find("-->", match.end())
            pos = n if end < 0 else end + 3
        else:
            close = _DROP_CLOSE[match.group(1).lower()].search(raw, match.end())
            pos = n if close is None else close.end()  # unclosed: it runs to the end
        out.append(" ")
    out.append(raw[pos:])
    return "".join(out)


def clean_headline(value: object) -> str:
    """A headline: plain text on one line (feeds put HTML and entities in titles)."""
    return clean_line(html_to_text(value, MAX_HEADLINE * 2), MAX_HEADLINE)


def url_scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def clean_url(value: object, base: str = "", schemes: frozenset[str] = SAFE_LINK_SCHEMES) -> str:
    """An absolute URL with an allowed scheme, or "" (javascript:, file:, data: ... dropped)."""
    url = clean_line(value, MAX_URL)
    if not url:
        return ""
    url = url.replace(" ", "%20")
    if _plain_web_url(url) and url[: url.index(":")] in schemes and _base_parses(base):
        return url  # what urljoin and the scheme test would give back unchanged, ~10x cheaper
    return _joined_url(url, base, schemes)


def _joined_url(url: str, base: str, schemes: frozenset[str]) -> str:
    """The long way for any URL: joined to the base, then the scheme checked."""
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return ""
    return url if url_scheme(url) in schemes else ""


def _plain_web_url(url: str) -> bool:
    """An absolute http(s) URL that `urljoin` returns as it is whatever the base (it re-joins
    the parts of an absolute URL, which drops an empty `?`, `#` or `;`), with a host, in ASCII,
    no IPv6 brackets (checked by urlsplit): the common case of feed links."""
    if url.startswith("https://"):
        host = 8
    elif url.startswith("http://"):
        host = 7
    else:
        return False
    return (
        len(url) > host
        and url[host] not in "/?#"
        and url.isascii()
        and ";" not in url
        and "[" not in url
        and "]" not in url
        and "?#" not in url
        and url[-1] not in "?#"
    )


@functools.lru_cache(maxsize=256)
def _base_parses(base: str) -> bool:
    """urljoin parses the base first and raises on one urlsplit refuses (brackets, a host that
    NFKC changes): then clean_url gives "", shortcut or not. Bases repeat (a feed's URL)."""
    try:
        urlsplit(base)
    except ValueError:
        return False
    return True


def is_tracking_param(name: str) -> bool:
    key = unquote(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def may_track(text: str) -> bool:
    """Whether text might hold a URL with a tracking parameter (a quick, linear test)."""
    return _TRACKING_HINT.search(text) is not None


def strip_tracking(url: str) -> str:
    """The URL without utm_*-style campaign and click-id parameters; every other parameter
    keeps its place and spelling. Applies to the query and to a key=value fragment."""
    if not url or not _TRACKING_HINT.search(url):
        return url
    head, hash_, fragment = url.partition("#")
    base, qmark, query = head.partition("?")
    if qmark:
        query = _drop_params(query)
        head = f"{base}?{query}" if query else base
    if hash_ and "=" in fragment:
        kept = _drop_params(fragment)
        if kept != fragment:
            return f"{head}#{kept}" if kept else head
    return f"{head}{hash_}{fragment}"


def _drop_params(query: str) -> str:
    pairs = query.split("&")
    kept = [p for p in pairs if p and not is_tracking_param(p.split("=", 1)[0])]
    if len(kept) == len([p for p in pairs if p]):
        return query  # nothing to drop: keep it byte for byte (empty pairs included)
    return "&".join(kept)


def is_openable(url: str) -> bool:
    """Only http and https links may be handed to a browser."""
    return url_scheme(url) in OPENABLE_SCHEMES and bool(urlsplit(url).netloc)
