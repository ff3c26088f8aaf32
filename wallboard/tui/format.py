"""How numbers are written and graded on the board.

Grades compare a figure with its target (`shared/METRICS.md` defaults, the
queue's SL threshold and target from the engine config) so that a calm board is
green and a problem is impossible to miss.
"""

from __future__ import annotations

from typing import Literal

from wallboard.units import clock_duration

Grade = Literal["good", "warn", "bad", "none"]

# Abandon rate: the standard's 3-5 % target; twice the upper end is "bad".
ABANDON_WARN = 0.05
ABANDON_BAD = 0.10
# Staffing gap (agents short): a couple short is a warning, more is a problem.
GAP_BAD = 2


def percent(value: float | None) -> str:
    return "--" if value is None else f"{round(value * 100):d}%"


def duration(seconds: float | None) -> str:
    """`m:ss` under an hour, `h:mm:ss` beyond; `--` when unknown."""
    if seconds is None:
        return "--"
    return clock_duration(max(0, round(seconds)))


def count(value: int | float | None) -> str:
    return "--" if value is None else f"{value:d}" if isinstance(value, int) else f"{value:.0f}"


# Metrics that are fractions of 1 (shown as percentages); `*_s` keys are durations.
FRACTIONS = frozenset(
    {
        "service_level",
        "abandon_rate",
        "answered_pct",
        "blocked_rate",
        "queued_pct",
        "transfer_rate",
        "occupancy",
        "predicted_sl",
        "adherence",
        "attendance",
    }
)


def metric(key: str, value: float | None) -> str:
    """A figure written the way its metric is read: 81%, 0:42, or a count."""
    if key in FRACTIONS:
        return percent(value)
    if key.endswith("_s"):
        return duration(value)
    return count(value)


def grade_service_level(value: float | None, target: float) -> Grade:
    if value is None:
        return "none"
    if value >= target:
        return "good"
    return "warn" if value >= target - 0.10 else "bad"


def grade_wait(seconds: float | None, threshold_s: float) -> Grade:
    """ASA and longest wait: within the SL threshold is good, within twice it a warning."""
    if seconds is None:
        return "none"
    if seconds <= threshold_s:
        return "good"
    return "warn" if seconds <= 2 * threshold_s else "bad"


def grade_waiting(waiting: int, available: int) -> Grade:
    """Callers waiting with nobody free to take them is the problem, not the count itself."""
    if waiting == 0:
        return "good"
    return "warn" if available > 0 else "bad"


def grade_abandon(rate: float | None) -> Grade:
    if rate is None:
        return "none"
    if rate <= ABANDON_WARN:
        return "good"
    return "warn" if rate <= ABANDON_BAD else "bad"


def grade_available(available: int, waiting: int) -> Grade:
    if available > 0:
        return "good"
    return "bad" if waiting > 0 else "warn"


def grade_gap(gap: int | None) -> Grade:
    if gap is None:
        return "none"
    if gap <= 0:
        return "good"
    return "warn" if gap <= GAP_BAD else "bad"
