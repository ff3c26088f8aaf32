"""A file source driven through the engine, as fast as possible, to one instant.

This is what `wallboard metrics FILE --at TIME` reports: the board exactly as
it was live at TIME, computed from the events up to that instant only.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.adapters.base import FileSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.status import SourceStatus

_EPOCH = re.compile(r"^\d+(?:\.\d*)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def epoch_or_iso(text: str, tz: ZoneInfo) -> float:
    """Epoch seconds or ISO 8601 (naive: `tz`); ValueError for anything else."""
    if _EPOCH.match(text):
        return float(text)
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()


def parse_instant(text: str, first_at: float, tz: ZoneInfo) -> float:
    """TIME as typed: epoch seconds, ISO 8601 (naive: `tz`), or HH:MM[:SS] on the first day."""
    text = text.strip()
    clock = _CLOCK.match(text)
    if clock:
        hour, minute, second = (int(part or 0) for part in clock.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise WallboardError(f"--at {text!r}: not a time of day")
        day = datetime.fromtimestamp(first_at, tz)
        return day.replace(hour=hour, minute=minute, second=second, microsecond=0).timestamp()
    try:
        return epoch_or_iso(text, tz)
    except ValueError:
        raise WallboardError(
            f"--at {text!r}: expected epoch seconds, ISO 8601 (2024-11-22T14:05) or HH:MM[:SS]"
        ) from None


def snapshot_at(
    source: FileSource,
    config: EngineConfig,
    at: str | float | None = None,
) -> dict[str, Any]:
    """The board at `at` (default: the last event's time), with `source` and `alarms` added.

    Events after `at` are not read further than the first one, so an early
    instant in a long file costs only the events before it.
    """
    engine = Engine(config)
    target: float | None = None if isinstance(at, str) else at
    last: float | None = None
    for item in source.events():
        if isinstance(item, SourceStatus):
            continue
        if isinstance(at, str) and target is None:
            target = parse_instant(at, item.at, config.tz)
        if target is not None and item.at > target:
            break
        engine.apply(item)
        last = item.at if last is None else max(last, item.at)
    if last is None and target is None:
        raise WallboardError(f"{source.label}: no events to report on")
    snapshot = engine.snapshot(target if target is not None else last)
    return {
        "at": snapshot["at"],
        "source": source.label,
        "config": snapshot["config"],
        "queues": snapshot["queues"],
        "all": snapshot["all"],
        "agents": snapshot["agents"],
        "alarms": [],
    }
