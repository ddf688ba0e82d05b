"""Feed discovery: from a web page's address to its feeds (`newsreader add https://site/`).

A page announces its feeds with ``<link rel="alternate" type="application/rss+xml" href=...>``
(RSS, Atom, RDF and JSON Feed types); a page that announces none is tried at the paths
where sites commonly put one (/feed, /rss.xml, /atom.xml, ...), each answer sniffed for a
feed. An address that already is a feed is that feed. What comes back is untrusted: titles
go through the sanitiser, links are resolved against the page and only http/https kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from newsreader.i18n import N_
from newsreader.ingest.fetch import USER_AGENT
from newsreader.sanitize import clean_line, clean_url

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/rdf+xml": "RDF",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "text/xml": "XML",
    "application/xml": "XML",
}
COMMON_PATHS = (
    "/feed",
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/rss/index.rss",
    "/?feed=rss2",
)
MAX_PAGE = 2 * 1024 * 1024  # bytes of a page read at most
TIMEOUT = 15.0
_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*"
    rb"<(rss|feed|rdf:RDF)\b",
    re.S,
)


class DiscoveryError(Exception):
    """Nothing to offer, with why (for the user)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    url: str
    title: str = ""
    kind: str = ""  # RSS, Atom, RDF, JSON Feed, XML


@dataclass(slots=True)
class Found:
    is_feed: bool = False  # the address itself is a feed
    candidates: list[Candidate] = field(default_factory=list)


def discover(url: str, *, client: httpx.Client | None = None) -> Found:
    """The feeds at `url` (http or https): DiscoveryError when the page cannot be read; an
    empty `candidates` when it has none."""
    own = client is None
    http = client or httpx.Client(
        timeout=TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    )
    try:
        final, ctype, body = _get(http, url)
        if _is_feed(ctype, body):
            return Found(is_feed=True, candidates=[Candidate(final)])
        found = _announced(body, final)
        if not found:
            found = _common(http, final)
        return Found(candidates=found)
    finally:
        if own:
            http.close()


def _get(http: httpx.Client, url: str) -> tuple[str, str, bytes]:
    try:
        with http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise DiscoveryError(
                    N_("{url} answered HTTP {status}").format(url=url, status=response.status_code)
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_PAGE:
                    break
            ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return str(response.url), ctype, b"".join(chunks)[:MAX_PAGE]
    except httpx.HTTPError as exc:
        raise DiscoveryError(
            N_("cannot read {url}: {error}").format(url=url, error=type(exc).__name__)
        ) from None


def _is_feed(ctype: str, body: bytes) -> bool:
    head = body[:4096]
    if _FEED_START.match(head):
        return True
    if ctype in ("application/feed+json", "application/json") or head.lstrip().startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            return False
        return isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", ""))
    return False


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag in ("link", "a") and values.get("href"):
            self.links.append(values)


def _announced(body: bytes, page: str) -> list[Candidate]:
    parser = _Links()
    try:
        parser.feed(body.decode("utf-8", "replace"))
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser on hostile input: use what it found
        pass
    base = urljoin(page, parser.base) if parser.base else page
    out: dict[str, Candidate] = {}
    for attrs in parser.links:
        rels = attrs.get("rel", "").lower().split()
        kind = FEED_TYPES.get(attrs.get("type", "").split(";")[0].strip().lower())
        if "alternate" not in rels or kind is None:
            continue
        href = clean_url(urljoin(base, attrs["href"].strip()), schemes=frozenset({"http", "https"}))
        if href and href not in out:
            out[href] = Candidate(href, clean_line(attrs.get("title", ""), 200), kind)
    return list(out.values())


def _common(http: httpx.Client, page: str) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for path in COMMON_PATHS:
        url = urljoin(page, path)
        try:
            final, ctype, body = _get(http, url)
        except DiscoveryError:
            continue
        if final not in seen and _is_feed(ctype, body):
            seen.add(final)
            out.append(Candidate(final, "", ""))
            break  # one is enough: the rest are usually the same feed
    return out


def feeds_at(raw: str) -> tuple[str, Found | None, str | None]:
    """The service call for "add this address" (the CLI's `add`, the welcome screen): the
    address as it would be subscribed (LibraryError when it cannot be), what discovery found
    there, and why it could not look. Found None: nothing to look at (a file) or a page that
    cannot be read now (add it as given: the refresh will say what is wrong)."""
    from newsreader.feed_urls import normalise_feed_url

    url = normalise_feed_url(raw)
    if not url.lower().startswith(("http://", "https://")):
        return url, None, None
    try:
        return url, discover(url), None
    except DiscoveryError as exc:
        return url, None, str(exc)
