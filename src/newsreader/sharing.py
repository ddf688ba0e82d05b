r"""Sharing an article: as a Markdown news page (`show`, saving, piping), its link to the
clipboard or to the opener the user set for links like it.

`[openers]` in config.toml maps regular expressions on a link to a command, e.g.
``'youtube\.com/|youtu\.be/' = "mpv {url}"``: the first that matches opens the link (split like
a shell would, never run by one, the URL one argument of its own, only http/https), detached
from the terminal; without a match the browser opens it. A pattern that is not a valid regular
expression is reported once and skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader.i18n import N_, _
from newsreader.players import start_detached
from newsreader.sanitize import is_openable
from newsreader.store.files import _atomic_write

if TYPE_CHECKING:
    from newsreader.library import Library
    from newsreader.models import Article


def render_article(lib: Library, art: Article, related_k: int = 5) -> str:
    """The article as a Markdown news page: kicker, headline, date, lead, body, source, tags."""
    lines: list[str] = []
    if art.kicker:
        lines.append(f"**{art.kicker}**\n")
    lines.append(f"# {art.headline}\n")
    byline = f"{art.published.astimezone():%Y-%m-%d %H:%M} · {lib.feed_title(art.feed_id)}"
    if art.author:
        byline += f" · {art.author}"
    lines.append(f"_{byline}_\n")
    reports: dict[str, Article] = {}  # the same story in other feeds: the first of each feed
    for other in lib.coverage(art):
        reports.setdefault(other.feed_id, other)
    if reports:
        also = ", ".join(f"{lib.feed_title(o.feed_id)} `{o.id[:10]}`" for o in reports.values())
        lines.append(_("Also reported by: {also}\n").format(also=also))
    body = lib.body_markdown(art)
    if art.lead and not body.startswith(art.lead[:60]):
        lines.append(f"> {art.lead}\n")
    if body:
        lines.append(body.rstrip() + "\n")
    if art.extracted:
        again = (
            _(" (fetching it again failed: {error})").format(error=art.extract_error)
            if art.extract_error
            else ""
        )
        lines.append(_("_Full text from the article's page{again}._\n").format(again=again))
    elif art.extract_error:
        lines.append(
            _("_Full text not fetched: {extract_error}_\n").format(extract_error=art.extract_error)
        )
    lines.append("---\n")
    if art.source:
        lines.append(
            _("Source: {source}").format(source=art.source)
            + (f" <{art.link}>" if art.link else "")
            + "\n"
        )
    if art.tags:
        lines.append(_("Tags: ") + ", ".join(art.tags) + "\n")
    for enc in art.enclosures:
        lines.append(
            _("Enclosure: {url} ({kind})\n").format(url=enc.url, kind=enc.type or _("unknown type"))
        )
    related = lib.related(art, related_k)
    if related:
        lines.append(_("## Related stories\n"))
        for rel in related:
            other = lib.articles[rel.article_id]
            lines.append(
                f"- {other.published.astimezone():%Y-%m-%d} **{other.headline}** "
                f"({lib.feed_title(other.feed_id)}) `{other.id[:10]}`"
            )
            teaser = other.lead[:160] + ("…" if len(other.lead) > 160 else "")
            if teaser:
                lines.append(f"  {teaser}")
            if rel.reason:  # "same story: ..." or "topic: ..."
                lines.append(f"  _{rel.reason}_")
        lines.append("")
    return "\n".join(lines) + "\n"


def opener_for(
    url: str, openers: Mapping[str, str], warnings: list[str] | None = None
) -> list[str] | None:
    """The command (argv, `{url}` still in it) of the first `[openers]` pattern `url` matches."""
    for pattern, command in openers.items():
        try:
            matched = re.search(pattern, url) is not None
        except re.error as exc:
            if warnings is not None:
                warnings.append(
                    N_("[openers] {pattern!r} is not a pattern: {exc}").format(
                        pattern=pattern, exc=exc
                    )
                )
            continue
        if matched:
            try:
                argv = shlex.split(command)
            except ValueError:
                continue
            return argv or None
    return None


def open_with_opener(
    url: str, openers: Mapping[str, str], warnings: list[str] | None = None
) -> tuple[str | None, str | None]:
    """Start the opener set for `url`: (its name, None), (None, why not), or (None, None) when
    none is set for it (open it in the browser then)."""
    if not is_openable(url):
        return None, N_("Only http and https links are opened")
    argv = opener_for(url, openers, warnings)
    if argv is None:
        return None, None
    return start_detached(argv, url)


def file_name(art: Article) -> str:
    """A file name for the article: its headline's words, safe on every file system."""
    words = re.sub(r"[^\w-]+", "-", art.headline.lower()).strip("-_")[:80].rstrip("-_")
    return f"{words or art.id}.md"


def save_markdown(lib: Library, art: Article, where: str) -> Path:
    """Write the article as Markdown to `where` (a file, or a folder: a name from the
    headline), atomically; `~` expanded. OSError when it cannot be written."""
    path = Path(os.path.expanduser(where.strip() or "."))
    if path.is_dir():
        path = path / file_name(art)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, render_article(lib, art).encode("utf-8"))
    return path
