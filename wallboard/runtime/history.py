"""Trend history: what the floor looked like over the last hours.

The engine reports only the current spans, so the trends are built from
boards taken at the end of each step of source time. Both a replay and a live
feed fill the same history, and the replayer checkpoints it with the engine, so
trends are identical whether a moment was reached by playing or by seeking.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TypedDict

from wallboard.engine.snapshot import QueueFigures

STEP_S = 60.0
KEEP_S = 8 * 3600.0


class FloorAt(TypedDict):
    """What the history reads of a board (a whole `Snapshot` is one)."""

    at: float
    all: QueueFigures


@dataclass(frozen=True, slots=True)
class IntervalSample:
    """One completed reporting interval of the whole floor."""

    start: float
    offered: int
    service_level: float | None


class TrendHistory:
    """Calls waiting per step and offered/SL per completed interval, bounded in memory."""

    def __init__(self, interval_s: float, step_s: float = STEP_S, keep_s: float = KEEP_S) -> None:
        self.interval_s = interval_s
        self.step_s = step_s
        self.waiting: deque[tuple[float, int]] = deque(maxlen=max(1, int(keep_s // step_s)))
        self.intervals: deque[IntervalSample] = deque(maxlen=max(1, int(keep_s // interval_s)))
        self._last: FloorAt | None = None

    def close_step(self, boundary: float, snapshot: FloorAt) -> None:
        """Record `snapshot`, the floor just before `boundary`, as that step's closing board."""
        floor = snapshot["all"]
        self.waiting.append((boundary, int(floor["waiting"])))
        if _is_multiple(boundary, self.interval_s):
            span = floor["interval"]
            self.intervals.append(
                IntervalSample(
                    boundary - self.interval_s, int(span["offered"]), span["service_level"]
                )
            )

    def observe(self, snapshot: FloorAt) -> None:
        """Feed boards in time order (live): a step is closed by the last board before its end."""
        last = self._last
        if last is not None:
            first = math.floor(last["at"] / self.step_s) + 1
            upto = math.floor(snapshot["at"] / self.step_s)
            for k in range(max(first, upto - (self.waiting.maxlen or 1) + 1), upto + 1):
                self.close_step(k * self.step_s, last)
        self._last = {"at": snapshot["at"], "all": snapshot["all"]}


def _is_multiple(t: float, step: float) -> bool:
    return math.isclose(t / step, round(t / step), rel_tol=0.0, abs_tol=1e-9)
