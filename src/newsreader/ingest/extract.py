"""The story in an article page: trafilatura's extraction, then the one body sanitiser.

Runs in a parse worker (pool.py: a time limit, killed when over it): `extract_page` is pickled
by reference. trafilatura keeps paragraphs, headings, lists, quotes, tables, links and images
and drops navigation, teaser boxes, ads, cookie banners and comments; body_html.py's nh3
allowlist then cleans what it kept, as for every feed body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsreader.i18n import N_
from newsreader.ingest.body_html import clean_body_html, flatten_nesting
from newsreader.ingest.decode import charset_of, decode_document
from newsreader.sanitize import clean_line, html_to_text

MIN_TEXT = 200  # extracted text shorter than this is no article (a paywall, a consent page)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_LEADING_H1 = re.compile(r"\A\s*<h1\b[^>]*>.*?</h1>\s*", re.S)


@dataclass(slots=True)
class Extracted:
    html: str = ""
    error: str | None = None


def extract_page(data: bytes, url: str, content_type: str) -> Extracted:
    """The article in a fetched page, as cleaned body HTML, or why there is none."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime and mime not in _HTML_TYPES:
        return Extracted(error=N_("not a web page ({x0})").format(x0=clean_line(mime, 60)))
    text, _codec = decode_document(data, charset_of(content_type))
    import trafilatura  # ~0.15 s to import: only in the workers that extract

    found = trafilatura.extract(
        flatten_nesting(text),
        url=url or None,
        output_format="html",
        include_links=True,
        include_images=True,
        include_tables=True,
        include_comments=False,
        deduplicate=True,
    )
    if not found:
        return Extracted(error=N_("no article text found on the page"))
    # The page's own headline opens the text: the article already shows it above the lead.
    html = _LEADING_H1.sub("", clean_body_html(found, url), count=1)
    if len(html_to_text(html, MIN_TEXT * 4)) < MIN_TEXT:
        return Extracted(error=N_("no article text found on the page (too short)"))
    return Extracted(html=html)
