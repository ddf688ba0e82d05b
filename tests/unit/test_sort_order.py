"""The newest-first order every list shares: `sort_newest_first` (time read in C, only runs of
equal times sorted by the whole key) must equal sorting by `newest_first_key`."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from newsreader.models import Article, newest_first_key, sort_newest_first


def _articles(rng: random.Random, n: int) -> list[Article]:
    base = datetime(2024, 12, 21, 12, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]
    out = []
    for i in range(n):
        # Few distinct times: long runs of equal times, some at the ends of the list.
        when = (base + timedelta(minutes=rng.randrange(12))).astimezone(rng.choice(zones))
        out.append(
            Article(
                id=f"a{i:04d}",
                feed_id=f"f{rng.randrange(3)}",
                guid=rng.choice(["g", f"g{i}"]),
                headline=rng.choice(["Merkel", "merkel", "Zug", "Äpfel", "zug", ""]),
                link=rng.choice(["", "https://x.example/1", "https://x.example/2"]),
                published=when,
            )
        )
    return out


def test_sort_newest_first_is_the_whole_key_order() -> None:
    rng = random.Random(5)
    for n in (0, 1, 2, 3, 17, 400):
        for _ in range(30):
            arts = _articles(rng, n)
            assert sort_newest_first(arts) == sorted(arts, key=newest_first_key)
            assert sort_newest_first(iter(arts)) == sorted(arts, key=newest_first_key)


def test_distinct_times_and_one_run() -> None:
    rng = random.Random(9)
    arts = _articles(rng, 50)
    for i, a in enumerate(arts):  # every time different
        a.published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=i * 7 % 50)
    assert sort_newest_first(arts) == sorted(arts, key=newest_first_key)
    for a in arts:  # one run of 50
        a.published = datetime(2024, 1, 1, tzinfo=UTC)
    assert sort_newest_first(arts) == sorted(arts, key=newest_first_key)
