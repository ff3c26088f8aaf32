"""Day boundaries in the configured time zone, correct across DST changes.

The day span starts at the latest instant at which the local clock read
`day_start`; on a spring-forward day that reading may never happen and on a
fall-back day it may happen twice, so both folds are tried and checked by a
round trip.

Source times are kept within 2000-2099 by the source-time guard
(`wallboard.adapters.source_time`); anything the calendar cannot place is a ValueError.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _readings(day: date, start: time, tz: ZoneInfo) -> list[float]:
    """Epoch instants at which the local clock of `tz` read `start` on `day`."""
    found = []
    for fold in (0, 1):
        instant = datetime.combine(day, start, tzinfo=tz).replace(fold=fold).timestamp()
        back = datetime.fromtimestamp(instant, tz)
        if back.date() == day and back.time() == start and instant not in found:
            found.append(instant)
    return found


def _beyond(t: float) -> ValueError:
    return ValueError(f"{t!r} is no instant of the calendar (years 1 to 9999)")


def day_start(t: float, start: time, tz: ZoneInfo) -> float:
    """The latest instant <= t at which the local clock read `start`."""
    try:
        today = datetime.fromtimestamp(t, tz).date()
        for back in range(4):
            earlier = [x for x in _readings(today - timedelta(days=back), start, tz) if x <= t]
            if earlier:
                return max(earlier)
    except (OverflowError, OSError, ValueError):
        raise _beyond(t) from None
    raise ValueError(f"no local {start} within four days before {t}")


def next_day_start(t: float, start: time, tz: ZoneInfo) -> float:
    """The earliest instant > t at which the local clock reads `start`."""
    try:
        today = datetime.fromtimestamp(t, tz).date()
        for ahead in range(4):
            later = [x for x in _readings(today + timedelta(days=ahead), start, tz) if x > t]
            if later:
                return min(later)
    except (OverflowError, OSError, ValueError):
        raise _beyond(t) from None
    raise ValueError(f"no local {start} within four days after {t}")
