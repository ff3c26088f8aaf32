"""How a duration is written everywhere people read one: the board, reports, alarms."""

from __future__ import annotations

import functools


# Every agent's time in state is written every tick: the same few thousand texts.
@functools.lru_cache(maxsize=8192)
def clock_duration(total_seconds: int) -> str:
    """`m:ss` under an hour, `h:mm:ss` beyond (a wallboard clock, not `1h 2m`)."""
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
