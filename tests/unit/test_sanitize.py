"""The one sanitiser: control and bidi characters out, lengths capped, links filtered."""

import time

import pytest

from newsreader.sanitize import (
    MAX_HEADLINE,
    clean_headline,
    clean_line,
    clean_text,
    clean_url,
    html_to_text,
    is_openable,
)

HOSTILE = [
    "\x1b[2J\x1b[31mred",  # CSI: clear screen, colour
    "\x1b]0;retitled\x07",  # OSC window title
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hidden hyperlink
    "\x9b31m C1 CSI \x85 NEL \x90 DCS",
    "\u202eevil\u202c \u2066isolate\u2069 \u202aembed",
    "zero\u200bwidth\ufeff and \u2060joiner",
    "nul\x00 bell\x07 backspace\x08 del\x7f",
    "lone surrogate \ud800 here",
]


def has_unsafe(text: str) -> bool:
    return any(
        (ord(c) < 32 and c not in "\n\t")
        or 0x7F <= ord(c) <= 0x9F
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
        or c in "\u200b\u2060\ufeff"
        or 0xD800 <= ord(c) <= 0xDFFF
        for c in text
    )


@pytest.mark.parametrize("raw", HOSTILE)
def test_every_cleaner_removes_controls_and_bidi(raw):
    for cleaned in (clean_text(raw), clean_line(raw), clean_headline(raw), html_to_text(raw)):
        assert not has_unsafe(cleaned), repr(cleaned)


def test_markup_is_kept_as_literal_text():
    title = "[@click=app.quit]x[/] Array[int] [b]bold[/b]"
    assert clean_headline(title) == title
    assert clean_line("a\n\tb  c") == "a b c"
    assert clean_text("keep\nnew\tlines\r\nand crlf") == "keep\nnew\tlines\nand crlf"


def test_emoji_joiners_and_rtl_text_survive():
    family = "👨\u200d👩\u200d👧"  # ZWJ sequence
    urdu = "پاکستان\u200cمیں"  # ZWNJ in Urdu
    assert clean_line(family) == family and clean_line(urdu) == urdu


def test_headlines_are_plain_text_with_entities_decoded():
    assert clean_headline("<b>Krieg</b> &amp; Frieden &#8211; &quot;jetzt&quot;") == (
        'Krieg & Frieden – "jetzt"'
    )
    assert clean_headline("&#27;]0;title") == "]0;title"
    assert len(clean_headline("x" * 10_000)) == MAX_HEADLINE


def test_html_to_text_drops_hidden_elements_and_keeps_paragraphs():
    html = '<p>One</p><script>var x="</p>";</script><p>Two <style>p{}</style>three</p>'
    assert html_to_text(html) == "One\n\nTwo three"
    assert html_to_text("<p>before</p><SCRIPT>never closed <p>gone</p>") == "before"


@pytest.mark.parametrize("payload", ["<script>" * 20_000, "<" * 160_000, "<a " * 50_000])
def test_html_to_text_is_linear_on_pathological_input(payload):
    started = time.perf_counter()
    html_to_text(payload, limit=200_000)
    # Generous bound: the quadratic version took minutes on these inputs.
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://example.org/a", "", "https://example.org/a"),
        ("/b c", "https://example.org/x/", "https://example.org/b%20c"),
        ("mailto:desk@example.org", "", "mailto:desk@example.org"),
        ("javascript:alert(1)", "", ""),
        ("JaVaScRiPt:alert(1)", "https://example.org/", ""),
        ("data:text/html,<b>x</b>", "", ""),
        ("file:///etc/passwd", "", ""),
        ("https://exa\x1bmple.org/", "", "https://example.org/"),
    ],
)
def test_clean_url_keeps_only_safe_schemes(url, base, expected):
    assert clean_url(url, base) == expected


def _clean_url_by_urljoin(value, base, schemes):
    """clean_url without its shortcut for plain absolute links: every URL the long way (the
    reference the shortcut must equal)."""
    from newsreader.sanitize import MAX_URL, _joined_url

    url = clean_line(value, MAX_URL).replace(" ", "%20")
    return _joined_url(url, base, schemes) if url else ""


def test_the_plain_link_shortcut_equals_urljoin():
    """Absolute http(s) links skip urljoin; whatever urljoin would change (an empty `?`, `#`
    or `;`, a missing host, IPv6 brackets, another scheme's base) goes the long way."""
    import random

    from newsreader.sanitize import OPENABLE_SCHEMES, SAFE_LINK_SCHEMES

    rng = random.Random(4)
    seeds = [
        "https://www.tagesschau.de/inland/story-100.html?at=1#top",
        "http://example.org/a/b;p?q=1&utm_source=x#f",
        "https://user@host.example:8080/path/../x/./y",
        "http://[::1]:80/x",
        "https://xn--bcher-kva.example/b\u00fccher",
    ]
    pieces = list(";?#[]/:@ %&=.-_~") + ["..", "/./", "//", "?#", "HTTP", "é", "\t"]
    bases = ["", "https://example.org/a/b", "http://example.org/", "mailto:x@y.org", "/rel"]
    bases += ["https://[::1/feed", "https://a]b/", "https://ex\uff03ample.org/feed"]  # unparsable
    schemes = [SAFE_LINK_SCHEMES, OPENABLE_SCHEMES, frozenset({"https"})]
    urls = ["http://", "https://", "http:///x", "https://?x", "HTTPS://A.ORG/"]
    for seed in seeds:
        urls += [seed, seed + "?", seed + "#", seed + ";", seed + "?#"]
        for _ in range(60):
            at = rng.randrange(len(seed) + 1)
            urls.append(seed[:at] + rng.choice(pieces) + seed[at:])
    for url in urls:
        for base in bases:
            for allowed in schemes:
                assert clean_url(url, base, allowed) == _clean_url_by_urljoin(url, base, allowed)


def test_only_http_and_https_open():
    assert is_openable("https://example.org/") and is_openable("http://example.org/x")
    for url in ("mailto:a@b.c", "file:///etc/passwd", "javascript:x", "https://", "ftp://x/"):
        assert not is_openable(url)


def test_clean_texts_printable_shortcut_changes_nothing() -> None:
    """clean_text returns printable text untouched without its two regex passes: for every code
    point, alone and between letters, the result equals those passes' result."""
    from newsreader import sanitize

    def passes(text: str) -> str:
        return sanitize._UNSAFE.sub("", sanitize._CR.sub("\n", text))

    for code in range(0x110000):
        c = chr(code)
        # alone, between letters, and beside the characters the second shortcut lets through
        for text in (c, f"a{c}b", f"a\n{c}\tb\xa0", f"x\ny{c}"):
            assert clean_text(text) == passes(text), hex(code)


def test_html_to_text_skips_only_passes_that_change_nothing() -> None:
    """html_to_text runs each whitespace pass only where its pattern can match: the result is
    the one of running them all, on every text of the shared real feeds and on odd spacing."""
    import feedparser

    from newsreader import sanitize
    from shared_paths import REALFEEDS

    def all_passes(value: str, limit: int = sanitize.MAX_LEAD) -> str:
        raw = sanitize._ANY_SPACE.sub(" ", value[: limit * 4])
        text = sanitize._SPACE_RUN.sub(" ", clean_text(sanitize._markup_out(raw, "\n"), limit * 2))
        text = sanitize._NL_SPACE.sub("\n", text)
        return sanitize._BLANK_LINES.sub("\n\n", text).strip()[:limit]

    if not REALFEEDS.is_dir():
        pytest.skip(f"realfeeds not found at {REALFEEDS}")
    texts = [
        "a  b", "a\tb", "a\r\nb", "<p>a</p><p>b</p>", "<p>a</p>\n\n<p></p><p></p><p>b</p>",
        "a&nbsp;&nbsp;b", "a\u00a0b", "<br> <br> <br>x", "x\x0b\x0cy", " ", "", "\n\n\n",
    ]  # fmt: skip
    for path in sorted(REALFEEDS.glob("*"))[:49]:
        parsed = feedparser.parse(path.read_bytes())
        for e in parsed.entries[:30]:
            texts += [e.get("title", ""), e.get("summary", "")]
            texts += [c.get("value", "") for c in e.get("content", [])]
    assert len(texts) > 500
    for text in texts:
        assert html_to_text(text) == all_passes(text), text[:80]
