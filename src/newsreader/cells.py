"""Terminal cell widths for the CLI's columns: a CJK character or most emoji take two cells,
combining marks none (`len` counts one each, and columns drift). Standard library only: the
engine does not import rich."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "…"


@lru_cache(maxsize=4096)
def char_cells(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def cell_len(text: str) -> int:
    return sum(char_cells(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: cut with … when longer, padded with spaces."""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out, used = [], 0
    for ch in text:
        size = char_cells(ch)
        if used + size > width - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + ELLIPSIS + " " * (width - used - 1)
