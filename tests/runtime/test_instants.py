"""One parser for every typed time: `metrics --at`, `replay --at` and the board's `g` key."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from wallboard.errors import WallboardError
from wallboard.runtime.instants import check_within, parse_instant

REFERENCE = 1732262400.0  # 2024-11-22 08:00:00 UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", 1732267800.0),
        ("09:30:15", 1732267815.0),
        ("2024-11-22 10:00", 1732269600.0),
        ("2024-11-22T10:00:30", 1732269630.0),
        ("2024-11-22T11:00+01:00", 1732269600.0),
        ("1732269600", 1732269600.0),
        ("1732269600.5", 1732269600.5),
        ("+10", REFERENCE + 600),
        ("-30s", REFERENCE - 30),
        ("+1h", REFERENCE + 3600),
        ("+90m", REFERENCE + 5400),
        ("  09:30  ", 1732267800.0),
    ],
)
def test_every_form(text, expected):
    assert parse_instant(text, REFERENCE, UTC) == expected


def test_clock_times_and_naive_dates_are_in_the_centres_zone_on_the_references_day():
    taipei = ZoneInfo("Asia/Taipei")
    late = datetime(2024, 11, 22, 23, 30, tzinfo=taipei).timestamp()  # 15:30 UTC
    assert (
        parse_instant("08:15", late, taipei)
        == datetime(2024, 11, 22, 8, 15, tzinfo=taipei).timestamp()
    )
    assert (
        parse_instant("2024-11-23 01:00", late, taipei)
        == datetime(2024, 11, 23, 1, 0, tzinfo=taipei).timestamp()
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("25:00", "'25:00': not a time of day"),
        ("soon", "'soon': expected HH:MM[:SS] (that day)"),
        ("+", "'+': expected"),
    ],
)
def test_nonsense_is_one_line_that_lists_the_forms(text, words):
    with pytest.raises(WallboardError, match=re.escape(words)) as caught:
        parse_instant(text, REFERENCE, UTC)
    assert "\n" not in str(caught.value)
    assert "expected" not in words or "epoch seconds" in str(caught.value)


def test_a_time_outside_the_source_says_what_it_covers():
    check_within(REFERENCE, REFERENCE, REFERENCE + 60, UTC, label="shift")
    with pytest.raises(WallboardError) as caught:
        check_within(REFERENCE + 61, REFERENCE, REFERENCE + 60, UTC, label="shift")
    assert str(caught.value) == (
        "2024-11-22 08:01:01 UTC is after the end of shift; "
        "it covers 2024-11-22 08:00:00 UTC to 2024-11-22 08:01:00 UTC"
    )
    with pytest.raises(WallboardError, match="is before the start of shift"):
        check_within(REFERENCE - 1, REFERENCE, None, UTC, label="shift")
    # A typo such as 9.30 for 09:30 reads as epoch seconds, which no source covers.
    with pytest.raises(WallboardError, match="1970-01-01 00:00:09 UTC is before the start"):
        check_within(parse_instant("9.30", REFERENCE, UTC), REFERENCE, None, UTC, label="shift")
