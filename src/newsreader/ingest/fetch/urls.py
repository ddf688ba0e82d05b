"""What may be fetched: http(s) URLs with a host (redirects included), or a local file."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from newsreader.i18n import N_
from newsreader.ingest.fetch.results import FetchError
from newsreader.sanitize import clean_line

HTTP_SCHEMES = frozenset({"http", "https"})


def check_http_url(url: str, *, redirect: bool) -> None:
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError as exc:
        raise FetchError(N_("invalid URL: {exc}").format(exc=exc)) from None
    shown = clean_line(scheme, 20)
    if redirect and scheme not in HTTP_SCHEMES:
        raise FetchError(
            N_("redirect to a non-http URL refused ({x0})").format(x0=shown or "no scheme")
        )
    if scheme not in HTTP_SCHEMES:
        raise FetchError(N_("unsupported URL scheme: {shown}").format(shown=shown))
    if not host:
        raise FetchError(N_("invalid URL (no host): {x0}").format(x0=clean_line(url, 200)))


def is_local(url: str) -> bool:
    if url.startswith(("/", "~", "./", "../")):
        return True
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme == "file" or scheme == "" or (os.name == "nt" and len(scheme) == 1)
