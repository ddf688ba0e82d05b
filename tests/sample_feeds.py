"""Small RSS/Atom documents for tests, built from plain item descriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def item(
    n: int,
    title: str | None = None,
    tags: tuple[str, ...] = (),
    hours: float = 0.0,
    body: str | None = None,
    guid: str | None = None,
) -> dict:
    return {
        "guid": guid or f"urn:test:{n}",
        "title": title or f"Story number {n}",
        "tags": tags,
        "date": BASE - timedelta(hours=hours or n),
        "summary": f"Lead of story {n}: what happened and why it matters.",
        "body": body
        or f"<p>Body of story {n}.</p><ul><li>one</li><li>two</li></ul>"
        f'<p><a href="/more/{n}">more</a></p>',
        "link": f"https://news.example.org/story/{n}",
    }


def rss(title: str, items: list[dict], link: str = "https://news.example.org/") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>",
        "<description>test feed</description>",
    ]
    for it in items:
        cats = "".join(f"<category>{escape(t)}</category>" for t in it["tags"])
        parts.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"<guid>{escape(it['guid'])}</guid><pubDate>{format_datetime(it['date'])}</pubDate>"
            f"{cats}<description>{escape(it['summary'])}</description>"
            f"<content:encoded><![CDATA[{it['body']}]]></content:encoded></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")
