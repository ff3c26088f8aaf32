"""The bins of a report: the engine's intervals, grouped into the centre's local days.

Bin `k` holds what the engine's rolling window of one interval shows at the
interval's end `(k + 1) * I`: items stamped in `(k * I, (k + 1) * I]`, agent
time over `[k * I, (k + 1) * I]`. So every item is in exactly one bin, and a
day (or the whole period) is the sum of its bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from wallboard.engine.calendar import day_start, next_day_start
from wallboard.errors import WallboardError

MAX_BINS = 100_000
"""The most intervals a report holds (a year and more of 15-minute intervals): more means a
line's time is far off, and its empty intervals would fill the memory."""


@dataclass(frozen=True, slots=True)
class Day:
    """One local day of the report: its bounds, and the bins of the grid inside it."""

    start: float
    end: float
    first_bin: int
    stop_bin: int  # one past the last

    @property
    def bins(self) -> slice:
        return slice(self.first_bin, self.stop_bin)


@dataclass(frozen=True, slots=True)
class Grid:
    """`count` consecutive bins of `interval_s` seconds, the first ending at `(first + 1) * I`."""

    interval_s: float
    first: int
    count: int
    days: tuple[Day, ...]

    def start(self, index: int) -> float:
        """Where bin `index` begins (its end is `start(index + 1)`)."""
        return (self.first + index) * self.interval_s

    def bin_of(self, at: float) -> int:
        """The bin an item stamped `at` belongs to (may be outside `0..count-1`)."""
        return math.ceil(at / self.interval_s) - 1 - self.first

    @classmethod
    def covering(
        cls,
        first_at: float,
        last_at: float,
        interval_s: float,
        day_starts_at: time,
        tz: ZoneInfo,
        period: tuple[float, float] | None = None,
    ) -> Grid:
        """The bins from the one holding `first_at` to the one holding `last_at`, within `period`.

        `period` is `[start, end)`, local day starts (or infinite: no bound). Every day start inside
        the grid must be an interval boundary, or intervals would straddle days.
        """
        first = math.ceil(first_at / interval_s) - 1
        last = math.ceil(last_at / interval_s) - 1
        if period is not None:
            start, end = period
            if math.isfinite(start):
                _check_boundary(start, interval_s, tz)
                first = max(first, round(start / interval_s))
            if math.isfinite(end):
                _check_boundary(end, interval_s, tz)
                last = min(last, round(end / interval_s) - 1)
        if last < first:
            raise WallboardError("no input falls in the period asked for")
        check_span(first * interval_s, (last + 1) * interval_s, interval_s, tz)
        lo, hi = first * interval_s, (last + 1) * interval_s
        days = []
        start = day_start(lo, day_starts_at, tz)
        while start < hi:
            end = next_day_start(start, day_starts_at, tz)
            if lo < end < hi:
                _check_boundary(end, interval_s, tz)
            first_bin = max(0, math.ceil(start / interval_s) - first)
            stop_bin = min(last + 1, math.floor(end / interval_s)) - first
            days.append(Day(start, end, first_bin, stop_bin))
            start = end
        return cls(interval_s, first, last - first + 1, tuple(days))


def _check_boundary(at: float, interval_s: float, tz: ZoneInfo) -> None:
    if at % interval_s:
        local = datetime.fromtimestamp(at, tz)
        raise WallboardError(
            f"intervals of {interval_s / 60:g} min do not fit the days of {tz.key}: a day starts "
            f"at {local:%Y-%m-%d %H:%M %Z}, which is no interval boundary (intervals count "
            "from 00:00 UTC); use 30 or 15 minutes"
        )


def check_span(start: float, end: float, interval_s: float, tz: ZoneInfo) -> None:
    """Refuse a report of more than MAX_BINS intervals, saying what the input spans."""
    if (end - start) / interval_s > MAX_BINS:
        first = datetime.fromtimestamp(start, tz)
        last = datetime.fromtimestamp(end, tz)
        raise WallboardError(
            f"the input runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}, more than "
            f"{MAX_BINS:,} intervals of {interval_s / 60:g} min: if a line's time is far off, "
            "report on the days you want with --from and --to (or use longer intervals)"
        )
