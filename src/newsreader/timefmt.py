"""How times are shown: today as HH:MM, this year as "24 Nov", older as "Nov'24"."""

from __future__ import annotations

from datetime import datetime


def short_time(when: datetime, now: datetime) -> str:
    """A headline row's time, in the local zone of `now` (fixed width: 6 characters)."""
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M ")
    if local.year == now.year:
        return local.strftime("%d %b")
    return local.strftime("%b'%y")  # "Nov'24": never confused with "24 Nov" of this year


def long_time(when: datetime, now: datetime) -> str:
    """An article's date line: "Tue 24 Nov 2026, 14:05"."""
    return when.astimezone(now.tzinfo).strftime("%a %d %b %Y, %H:%M")
