"""The bundled demo feeds: invented news from a fictional city, in German and English.

The files keep fixed dates (9 to 20 November 2026); `newsreader --demo` shows them as they are.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from newsreader.models import Feed, feed_id_for

# (file name in newsreader/demo/, feed title, feed tags)
DEMO_FEEDS: list[tuple[str, str, list[str]]] = [
    ("neustaedter-anzeiger.xml", "Neustädter Anzeiger", ["Demo", "Regional", "Deutsch"]),
    ("mirbe-valley-post.atom", "The Mirbe Valley Post", ["Demo", "Regional", "English"]),
    ("circuit-ledger.xml", "The Circuit Ledger", ["Demo", "Tech", "English"]),
    ("wrf24.json", "WRF24 – Nachrichten aus Weidenland", ["Demo", "Radio", "Deutsch"]),
]

# The newest demo article is from this day; nothing in the files is later.
DEMO_BASE_DATE = datetime(2026, 11, 20, tzinfo=UTC)

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@functools.cache
def _path_of(name: str) -> Path:
    resource = resources.files("newsreader") / "demo" / name
    if isinstance(resource, Path):
        return resource.resolve()
    # Installed in a zip: extract once and keep the copy until the process ends. Python 3.11's
    # as_file() takes single files only, not directories.
    return _extracted.enter_context(resources.as_file(resource)).resolve()


def demo_feed_paths() -> list[Path]:
    """Real file paths of the demo feeds, in DEMO_FEEDS order."""
    return [_path_of(name) for name, _title, _tags in DEMO_FEEDS]


def demo_feed_urls() -> list[str]:
    """The demo feeds as file:// URLs, in DEMO_FEEDS order."""
    return [path.as_uri() for path in demo_feed_paths()]


def demo_feeds() -> list[Feed]:
    """The demo feeds, ready to subscribe to, with ids that do not depend on where the package
    lives: a feed's id normally comes from its URL, and a file:// URL holds the install path, so
    two clones would give the same article two ids (and tied articles two orders)."""
    return [
        Feed(
            id=feed_id_for(f"newsreader-demo:{name}"),
            url=url,
            title=title,
            tags=list(tags),
            user_title=True,
        )
        for url, (name, title, tags) in zip(demo_feed_urls(), DEMO_FEEDS, strict=True)
    ]
