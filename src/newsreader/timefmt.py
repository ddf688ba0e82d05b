"""How times are shown, in the reader's language (i18n.language()).

Headline rows (fixed width, 6 cells): today "14:05", this year "24 Nov" / "24.11.", older
"Nov'24" / "11/24". The article's date line, with Babel's locale data: "Tue 24 Nov 2026, 14:05" /
"24. November 2026, 14:05 Uhr" (as German news sites write it).
"""

from __future__ import annotations

from datetime import datetime

from newsreader import i18n

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG = {"en": "EEE dd MMM y, HH:mm", "de": "d. MMMM y, HH:mm 'Uhr'"}


def short_time(when: datetime, now: datetime) -> str:
    """A headline row's time, in the local zone of `now` (fixed width: 6 characters)."""
    local = when.astimezone(now.tzinfo)
    german = i18n.language() == "de"
    if local.date() == now.date():
        return local.strftime("%H:%M ")
    if local.year == now.year:
        if german:
            return f"{local.day:02d}.{local.month:02d}."
        return f"{local.day:02d} {_MONTHS[local.month - 1]}"
    if german:
        return f"{local.month:02d}/{local.year % 100:02d} "
    return f"{_MONTHS[local.month - 1]}'{local.year % 100:02d}"  # never confused with "24 Nov"


def long_time(when: datetime, now: datetime) -> str:
    """An article's date line, in the reader's language."""
    from babel.dates import format_datetime  # ~30 ms to import: first shown article only

    lang = i18n.language()
    local = when.astimezone(now.tzinfo)
    return format_datetime(local, _LONG.get(lang, _LONG["en"]), locale=lang)
