"""What a user may subscribe to: http(s) URLs, and local files that exist (as file: URLs).

Also the engine's one user-facing error type, `LibraryError` (re-exported by newsreader.library).
"""

from __future__ import annotations

import re
from pathlib import Path

from newsreader.i18n import N_
from newsreader.sanitize import clean_url


class LibraryError(Exception):
    """A user-facing problem (unknown feed, bad URL); the message is one line."""


def normalise_feed_url(url: str) -> str:
    """Accept http(s) URLs, and local paths and file URLs of files that exist (as a file: URL);
    anything else is refused."""
    raw = url.strip()
    if not raw:
        raise LibraryError(N_("empty URL"))
    if raw.lower().startswith("feed:"):  # feed://host/x and feed:https://host/x
        rest = raw[5:].removeprefix("//")
        raw = rest if "://" in rest else "http://" + rest
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", raw) or Path(raw).expanduser().exists():
        path = Path(raw).expanduser()
        if path.exists():
            return path.resolve().as_uri()
        if "." in raw.split("/")[0] and " " not in raw:
            raw = "https://" + raw  # "example.org/feed.xml"
        else:
            raise LibraryError(N_("not a URL or an existing file: {raw}").format(raw=raw))
    cleaned = clean_url(raw, schemes=frozenset({"http", "https", "file"}))
    if not cleaned:
        raise LibraryError(N_("unsupported URL (only http, https and file): {raw}").format(raw=raw))
    if cleaned.lower().startswith("file:"):
        # The same rule as for a path: the file must exist; stored in the same form as a path.
        from urllib.parse import urlsplit
        from urllib.request import url2pathname

        parts = urlsplit(cleaned)
        if parts.netloc.lower() not in ("", "localhost"):
            raise LibraryError(
                N_("file URL on another host (only local files): {raw}").format(raw=raw)
            )
        path = Path(url2pathname(parts.path))
        if not path.is_absolute() or not path.exists():
            raise LibraryError(N_("not an existing file: {raw}").format(raw=raw))
        return path.resolve().as_uri()
    return cleaned
