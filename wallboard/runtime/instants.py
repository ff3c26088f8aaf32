"""A time as a person types it, one way for every command (`metrics --at`, `replay --at`, `g`).

Clock times and naive dates are in the centre's time zone; a clock time and a
relative offset count from a reference instant the caller gives (the source's
first event, or the position shown).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from wallboard.adapters.source_time import LATEST
from wallboard.errors import WallboardError

FORMATS = (
    "HH:MM[:SS] (that day), YYYY-MM-DD HH:MM[:SS] or ISO 8601 (without an offset: the "
    "centre's time zone), epoch seconds (1732268400), or +/-N[s|m|h] (N alone: minutes)"
)
_EPOCH = re.compile(r"^\d+(?:\.\d*)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_RELATIVE = re.compile(r"^([+-])(\d+(?:\.\d+)?)([smh]?)$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "": 60.0}


def epoch_or_iso(text: str, tz: ZoneInfo) -> float:
    """Epoch seconds or ISO 8601 (naive: `tz`); ValueError for anything else."""
    if _EPOCH.match(text):
        return float(text)
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()


def parse_instant(text: str, reference: float, tz: ZoneInfo) -> float:
    """TIME in any of `FORMATS`; a clock time is on `reference`'s day, an offset from it.

    No source time lies after 2099 (docs/INPUT.md), and the calendar cannot place
    everything a number can say: such a time is refused here; an earlier one is
    for `check_within` to put beside what the source covers.
    """
    instant = _parse(text.strip(), reference, tz)
    if not 0 <= instant < LATEST:
        raise WallboardError(f"{text.strip()!r}: not a time between 2000 and 2100")
    return instant


def _parse(text: str, reference: float, tz: ZoneInfo) -> float:
    relative = _RELATIVE.match(text)
    if relative:
        sign, amount, unit = relative.groups()
        return reference + (1 if sign == "+" else -1) * float(amount) * _UNIT_S[unit]
    clock = _CLOCK.match(text)
    if clock:
        hour, minute, second = (int(part or 0) for part in clock.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise WallboardError(f"{text!r}: not a time of day")
        day = datetime.fromtimestamp(reference, tz)
        return day.replace(hour=hour, minute=minute, second=second, microsecond=0).timestamp()
    try:
        return epoch_or_iso(text, tz)
    except (ValueError, OverflowError):
        raise WallboardError(f"{text!r}: expected {FORMATS}") from None


def check_within(t: float, start: float, end: float | None, tz: ZoneInfo, *, label: str) -> None:
    """A clear error unless `label`, from `start` to `end` (None: not known yet), covers `t`."""
    if t < start:
        covers = f"; it covers {moment(start, tz)} to {moment(end, tz)}" if end is not None else ""
        raise WallboardError(
            f"{moment(t, tz)} is before the start of {label} ({moment(start, tz)}){covers}"
        )
    if end is not None and t > end:
        raise WallboardError(
            f"{moment(t, tz)} is after the end of {label}; it covers {moment(start, tz)} "
            f"to {moment(end, tz)}"
        )


def moment(t: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S %Z")
