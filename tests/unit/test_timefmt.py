from datetime import UTC, datetime

from newsreader.timefmt import long_time, short_time

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_short_time_today_this_year_and_older():
    assert short_time(datetime(2026, 11, 24, 9, 5, tzinfo=UTC), NOW) == "09:05 "
    assert short_time(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), NOW) == "02 Mar"
    assert short_time(datetime(2024, 3, 2, 9, 5, tzinfo=UTC), NOW) == "Mar'24"
    assert {len(short_time(datetime(y, 1, 1, tzinfo=UTC), NOW)) for y in (2020, 2026)} == {6}


def test_long_time():
    assert long_time(datetime(2026, 11, 24, 14, 5, tzinfo=UTC), NOW) == "Tue 24 Nov 2026, 14:05"
