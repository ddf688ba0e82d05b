"""Article pages as news sites serve them, and teaser-only feed items pointing at them."""

from __future__ import annotations

from sample_feeds import item

PARAGRAPHS = [
    "Die Gewerkschaft und der Bahnbetreiber haben sich nach neunzehn Stunden Verhandlungen in "
    "der Nacht auf einen neuen Tarifvertrag geeinigt, wie beide Seiten am Morgen mitteilten.",
    "Die Löhne steigen in zwei Stufen um insgesamt 7,4 Prozent; die Laufzeit beträgt zwanzig "
    "Monate. Dazu kommt eine Einmalzahlung von 1.200 Euro für alle Beschäftigten im Betrieb.",
    "Der zweite, dreitägige Streik, der ab Freitag drohte, ist damit abgewendet. Pendler im "
    "ganzen Tal können aufatmen: Die Züge fahren von Samstag an wieder nach dem normalen Plan.",
    "Die Verhandlungsführerin sprach von einem fairen Kompromiss, der Betreiber von einer "
    "großen Belastung, die man aber im Interesse der Fahrgäste und der Beschäftigten trage.",
]


def news_page(n: int) -> str:
    """A news page as publishers serve them: navigation, a cookie banner, teaser boxes, an ad,
    the article with a lazy-loaded image, comments and a footer."""
    paras = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Einigung im Tarifstreit {n}</title>
<script>window.dataLayer = [];</script></head>
<body>
<div id="cookie-banner" class="consent">Wir verwenden Cookies.
<button>Alle akzeptieren</button></div>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/wetter">Wetter</a></li></ul></nav></header>
<aside class="teaser-box"><h3>Meistgelesen</h3><ul><li><a href="/x">Neue Brücke eröffnet</a></li>
<li><a href="/y">Stadtrat beschließt Haushalt</a></li></ul></aside>
<main><article>
<h1>Einigung im Tarifstreit: Kein zweiter Streik</h1>
<p class="byline">Von Anna Beispiel</p>
<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/{n}.jpg"
 alt="Ein Zug im Bahnhof" class="lazyload"><figcaption>Ein Zug im Bahnhof</figcaption></figure>
{paras}
<blockquote><p>„Das ist ein guter Tag für alle Pendler“, sagte die Sprecherin.</p></blockquote>
</article>
<div class="ad-slot" id="ad-1">ANZEIGE: Jetzt Kredit sichern! Nur heute 0,9 Prozent Zinsen!</div>
<section id="comments" class="comments"><h2>Kommentare (3)</h2>
<div class="comment"><p>Leser123: Endlich! Das hat viel zu lange gedauert.</p></div>
<div class="comment"><p>Pendlerin: Und wer zahlt die Taxis vom letzten Streik?</p></div>
</section></main>
<footer><a href="/impressum">Impressum</a> <a href="/datenschutz">Datenschutz</a></footer>
</body></html>"""


def teaser(n: int, url: str) -> dict:
    it = item(n, title=f"Einigung im Tarifstreit {n}", body=" ")
    it["link"] = url
    it["summary"] = "Gewerkschaft und Bahn haben sich geeinigt."
    return it


def png(width: int, height: int, *, claim: tuple[int, int] | None = None) -> bytes:
    """A real RGB PNG of a simple gradient (standard library only); `claim` writes another
    size into the header, as a decompression bomb or a damaged file does."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(
        b"\x00"
        + b"".join(
            bytes((x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 120))
            for x in range(width)
        )
        for y in range(height)
    )
    w, h = claim or (width, height)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int, megabytes: int = 8) -> bytes:
    """A small PNG that claims `width` x `height` and holds `megabytes` of zero rows, compressed
    ~1000:1: decoding it whole would need width * height * 3 bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    idat = b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
