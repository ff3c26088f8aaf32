"""The report grid: bins of the engine's intervals, cut into the centre's local days."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from wallboard.errors import WallboardError
from wallboard.intervals.grid import Grid

LONDON = ZoneInfo("Europe/London")


def at(text: str, tz: ZoneInfo = LONDON) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def test_bins_run_from_the_first_items_bin_to_the_last_items_bin():
    grid = Grid.covering(1000.0, 5400.0, 1800.0, time(0), ZoneInfo("UTC"))
    assert (grid.first, grid.count) == (0, 3)
    assert [grid.start(i) for i in range(4)] == [0.0, 1800.0, 3600.0, 5400.0]
    # An item stamped on a boundary belongs to the bin that ends there.
    assert grid.bin_of(1800.0) == 0 and grid.bin_of(1800.5) == 1 and grid.bin_of(5400.0) == 2


@pytest.mark.parametrize(
    ("day", "hours"),
    [("2024-03-31", 23), ("2024-10-27", 25), ("2024-11-22", 24)],
)
def test_daylight_saving_days_have_their_own_length(day, hours):
    start = at(f"{day}T00:00")
    grid = Grid.covering(start + 1, start + hours * 3600 - 1, 1800.0, time(0), LONDON)
    [only] = grid.days
    assert (only.start, only.end) == (start, start + hours * 3600)
    assert only.stop_bin - only.first_bin == hours * 2 == grid.count


def test_days_start_at_the_configured_local_time_and_partial_days_keep_their_bins():
    first, last = at("2024-11-22T05:10"), at("2024-11-23T09:00")
    grid = Grid.covering(first, last, 900.0, time(7, 30), LONDON)
    starts = [datetime.fromtimestamp(d.start, LONDON).isoformat() for d in grid.days]
    assert starts == [
        "2024-11-21T07:30:00+00:00",
        "2024-11-22T07:30:00+00:00",
        "2024-11-23T07:30:00+00:00",
    ]
    # 05:00-07:30 (the bin of 05:10 starts at 05:00), a whole day, then 07:30-09:00.
    assert [(d.first_bin, d.stop_bin) for d in grid.days] == [(0, 10), (10, 106), (106, 112)]


def test_a_period_clips_the_bins_to_its_days():
    first, last = at("2024-11-20T10:00"), at("2024-11-25T10:00")
    period = (at("2024-11-22T00:00"), at("2024-11-23T00:00"))
    grid = Grid.covering(first, last, 1800.0, time(0), LONDON, period)
    assert (grid.start(0), grid.start(grid.count)) == period
    with pytest.raises(WallboardError, match="no input falls in the period"):
        Grid.covering(first, first + 60, 1800.0, time(0), LONDON, period)


def test_intervals_that_would_straddle_a_day_are_refused_with_the_fix():
    kolkata = ZoneInfo("Asia/Kolkata")  # +05:30: local midnight is half past a UTC hour
    first = at("2024-11-22T10:00", kolkata)
    Grid.covering(first, first + 86400 * 2, 1800.0, time(0), kolkata)
    with pytest.raises(WallboardError, match=r"do not fit the days of Asia/Kolkata.*30 or 15"):
        Grid.covering(first, first + 86400 * 2, 3600.0, time(0), kolkata)
