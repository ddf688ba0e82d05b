"""Feed bytes to text: BOMs, UTF-16/32 without one, labels that lie, and windows-1252 last.

Done here, not by feedparser, so that wrong charset labels are dealt with before any parser
sees the document."""

from __future__ import annotations

import codecs
import re

_WHATWG_LATIN1 = frozenset({"latin_1", "iso8859_1", "ascii"})
_BAD_CODECS = ("escape", "utf_7", "punycode", "idna", "undefined", "mbcs", "oem")
_PROLOG_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


def decode_document(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode feed bytes to text; returns (text, codec name).

    Order (as Miniflux): a BOM; UTF-16/32 without BOM; bytes that are valid UTF-8 are UTF-8
    whatever the labels say; then the HTTP charset; then the XML prolog; else windows-1252.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    wide = _sniff_wide(data, http_charset)
    if wide:
        return data.decode(wide, "replace"), wide
    try:
        # A body cut at a size cap may end inside a character: that alone must not demote it.
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=False), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _PROLOG_ENCODING.match(data[:300])
    prolog = match.group(1).decode("ascii") if match else None
    declared = [c for c in (_codec(http_charset), _codec(prolog)) if c]
    for name in declared:
        if name == "utf-8":
            continue
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    mostly = data.decode("utf-8", "replace")
    bad = mostly.count("\ufffd")
    non_ascii = len(mostly) - len(mostly.encode("ascii", "ignore"))
    if non_ascii - bad >= 4 * bad:
        return mostly, "utf-8"  # UTF-8 with a few stray bytes
    for name in declared:
        if name not in ("utf-8", "cp1252") and not _single_byte(name):
            return data.decode(name, "replace"), name
    return data.decode("cp1252", "replace"), "cp1252"


def _sniff_wide(data: bytes, http_charset: str | None) -> str | None:
    head = data[:4]
    if len(head) < 4:
        return None
    if head == b"<\x00\x00\x00":
        return "utf-32-le"
    if head == b"\x00\x00\x00<":
        return "utf-32-be"
    if head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    name = _codec(http_charset)
    # A UTF-16/32 label on bytes with no NUL at all is wrong (single-byte XML never has one):
    # trusting it would turn a plain feed into "no XML element found".
    if name and name.startswith(("utf-16", "utf-32")) and b"\x00" in data[:256]:
        return name
    return None


def _codec(label: str | None) -> str | None:
    """A Python text codec for a charset label, or None; latin-1 labels mean windows-1252."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    name = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or any(b in name for b in _BAD_CODECS):
        return None
    if name in _WHATWG_LATIN1:
        return "cp1252"
    if name in ("utf_8", "utf_8_sig"):
        return "utf-8"
    if name == "utf_16":
        return "utf-16"
    return info.name


def _single_byte(name: str) -> bool:
    try:
        return len(bytes(range(256)).decode(name, "replace")) == 256
    except (LookupError, UnicodeDecodeError, ValueError):
        return False


def charset_of(content_type: str) -> str | None:
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None
