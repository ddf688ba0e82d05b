"""Fetching feeds over HTTP(S) and from local files: bounded, polite, conditional, never raising.

Every fetch ends in a `FetchResult` whose `outcome` says what the caller should do; errors are
one line. Limits that feedparser's own fetching lacks (shared/FACTS.md) are enforced here:
a total deadline per feed covering connect, headers and body; a cap on the decompressed body counted
while streaming (gzip is inflated here in bounded steps, so a bomb never expands in memory);
redirects followed by hand, only to http(s), with a new URL reported only for permanent chains.

By job: `client` (the Fetcher: one policy over one httpx client: deadline, redirects, per-host
slots, the refresh budget), `body` (reading a body under the cap, inflating in steps),
`headers` (conditional GET, Retry-After), `urls` (what may be fetched), `local` (feeds in
files), `errors` (one line for every failure), `results` (what a fetch returns).
"""

from __future__ import annotations

import importlib.util
import sys

# httpcore runs `import sniffio` for every lock it makes (several per request); when sniffio is
# not installed (anyio 4.16, which we use, does not need it) each failed import searches all of
# sys.path: ~70 stat() calls per request, a fifth of a 2,000-feed refresh. A None entry makes
# the import fail at once, and httpcore then assumes asyncio, which is what we run. (Before
# anything here imports httpx.)
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

from newsreader.ingest.fetch.body import ACCEPT_ENCODING  # noqa: E402
from newsreader.ingest.fetch.client import ACCEPT, MAX_REDIRECTS, USER_AGENT, Fetcher  # noqa: E402
from newsreader.ingest.fetch.errors import describe_error  # noqa: E402
from newsreader.ingest.fetch.headers import parse_retry_after  # noqa: E402
from newsreader.ingest.fetch.results import (  # noqa: E402
    Fetched,
    FetchError,
    FetchRequest,
    FetchResult,
)

__all__ = [
    "ACCEPT",
    "ACCEPT_ENCODING",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "FetchError",
    "FetchRequest",
    "FetchResult",
    "Fetched",
    "Fetcher",
    "describe_error",
    "parse_retry_after",
]
