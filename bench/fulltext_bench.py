"""Cold refresh with full text for every article, against the same refresh without it.

A loopback server (tests/feedserver.py) serves N feeds x M teaser-only items (a one-sentence
summary, no body) and, for every item, a news page like the publishers' (navigation, a cookie
banner, teaser boxes, an ad, the article with an image, comments, a footer: about 6 KB, varied
text). Two cold refreshes into fresh data dirs, in one run (the machine is noisy: compare the
ratio): `[full_text] default = "never"` and `"always"` (no page cap). Wall time, pages per
second, and the resident memory of this process before and at its peak during each refresh
(the parse workers are separate processes, not counted). Each page's image is served too (a
160 x 90 PNG) and kept with its article, as `[images] fetch = "full_text"` does. Run it alone.

Usage: .venv/bin/python bench/fulltext_bench.py [--feeds 200] [--items 50]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer  # noqa: E402
from newsreader.config import Settings  # noqa: E402
from newsreader.ingest.refresh import refresh_sync  # noqa: E402
from newsreader.library import Library  # noqa: E402
from sample_feeds import item, rss  # noqa: E402
from sample_pages import png  # noqa: E402

WORDS = (
    "Regierung Gewerkschaft Bahn Streik Einigung Löhne Stadt Rat Haushalt Brücke Wetter Sturm "
    "Hochwasser Verein Trainer Spiel Saison Forscher Studie Klima Energie Preise Markt Kunden "
    "Unternehmen Mitarbeiter Polizei Gericht Urteil Schule Eltern Kinder Lehrer Wahl Partei"
)


VOCAB = WORDS.split()


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCAB).lower() if i % 3 else rng.choice(VOCAB) for i in range(45))


def page(feed: int, n: int) -> str:
    rng = random.Random(feed * 1000 + n)
    paras = "".join(f"<p>{paragraph(rng)}.</p>\n" for _ in range(6))
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Meldung {feed}-{n}</title><script>var tracking = {{}};</script></head><body>
<div class="cookie-consent">Wir verwenden Cookies. <button>OK</button></div>
<header><nav><a href="/">Start</a> <a href="/politik">Politik</a> <a href="/sport">Sport</a>
</nav></header><aside class="teaser"><h3>Meistgelesen</h3><a href="/x">Anderes</a></aside>
<main><article><h1>Meldung {feed}-{n}</h1>
<figure><img src="/img/{feed}/{n}.jpg" alt="Bild"><figcaption>Bild</figcaption></figure>
{paras}</article><div class="ad">ANZEIGE</div>
<section class="comments"><p>Kommentar eins</p><p>Kommentar zwei</p></section></main>
<footer><a href="/impressum">Impressum</a></footer></body></html>"""


IMAGE = png(160, 90)  # ~30 KB, a thumbnail's size


def serve(server: FeedServer, feeds: int, items: int) -> list[str]:
    urls = []
    for f in range(feeds):
        entries = []
        for n in range(items):
            it = item(n + 1, title=f"Meldung {f}-{n}", body=" ")
            it["link"] = server.url(f"/page/{f}/{n}")
            it["summary"] = "Eine kurze Meldung in einem Satz."
            entries.append(it)
            server.route(f"/page/{f}/{n}", page(f, n), content_type="text/html; charset=utf-8")
            server.route(f"/img/{f}/{n}.jpg", IMAGE, content_type="image/png")
        server.route(f"/feed/{f}.xml", rss(f"Feed {f}", entries))
        urls.append(server.url(f"/feed/{f}.xml"))
    return urls


def memory() -> tuple[float, float]:
    """This process's resident and peak resident MB (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux >= 4.0)


def cold(urls: list[str], mode: str) -> tuple[float, int, int, str]:
    settings = Settings()
    settings.full_text.default = mode
    settings.full_text.max_pages = 10**9
    with (
        tempfile.TemporaryDirectory() as tmp,
        Library.open(Path(tmp) / "d", settings=settings) as lib,
    ):
        for url in urls:
            lib.add_feed(url)
        started = time.perf_counter()
        summary = refresh_sync(lib)
        took = time.perf_counter() - started
        images = sum(1 for a in lib.articles.values() if a.images)
        return (
            took,
            summary.pages.fetched,
            summary.pages.failed,
            f"{summary.line()}; {images} articles with their image kept",
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    args = ap.parse_args()
    with FeedServer() as server:
        urls = serve(server, args.feeds, args.items)
        print(f"{args.feeds} feeds x {args.items} items on {server.url('/')}")
        for mode in ("never", "always"):
            before, _ = memory()
            reset_peak()
            took, fetched, failed, line = cold(urls, mode)
            _, peak = memory()
            rate = f", {fetched / took:.0f} pages/s" if fetched else ""
            print(f"full_text={mode:6}: {took:6.1f} s{rate}; {line}")
            print(
                f"  fetched {fetched}, failed {failed}; RSS {before:.0f} MB before "
                f"(the loopback server's pages included), peak {peak:.0f} MB during"
            )


if __name__ == "__main__":
    main()
