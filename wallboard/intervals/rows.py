"""A report's rows: every span metric per queue and interval, per day, and for the period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from wallboard.engine.settings import EngineConfig
from wallboard.intervals.grid import Grid
from wallboard.intervals.totals import BinTotals

Scope = Literal["interval", "day", "period"]


@dataclass(frozen=True, slots=True)
class Row:
    """One span of one queue (`queue` None: every queue together, the engine's `all`)."""

    scope: Scope
    start: float
    end: float
    queue: str | None
    figures: dict[str, Any]

    @property
    def empty(self) -> bool:
        """Nothing happened: no call and no agent time (a night interval, a closed queue)."""
        figures = self.figures
        return not (
            figures["offered"]
            or figures["blocked"]
            or figures["ring_no_answer"]
            or figures["att_s"] is not None
            or figures["acw_s"] is not None
            or figures["occupancy"] is not None
            or figures["calls_per_hour"] is not None
        )


@dataclass(slots=True)
class IntervalReport:
    """Rows per interval, per day and for the whole period, for the queues asked for and all."""

    source: str
    config: EngineConfig
    grid: Grid
    queues: list[str]
    intervals: list[Row] = field(default_factory=list)
    days: list[Row] = field(default_factory=list)
    period: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.grid.start(0)

    @property
    def end(self) -> float:
        return self.grid.start(self.grid.count)

    def rows(self) -> list[Row]:
        return [*self.intervals, *self.days, *self.period]


def select_queues(names: Sequence[str], patterns: Sequence[str]) -> list[str]:
    """The queues matching any of `patterns` (shell globs), all of them when none is given."""
    if not patterns:
        return list(names)
    return [name for name in names if any(fnmatchcase(name, p) for p in patterns)]


def build_report(
    source: str,
    config: EngineConfig,
    grid: Grid,
    totals: BinTotals,
    queues: Sequence[str],
    notes: Sequence[str] = (),
) -> IntervalReport:
    """Every row of the report, formed from the totals by the engine's own rules."""
    report = IntervalReport(source, config, grid, list(queues), notes=list(notes))
    groups: list[str | None] = [*queues, None]
    for index in range(grid.count):
        start, end = grid.start(index), grid.start(index + 1)
        for queue in groups:
            report.intervals.append(
                Row(
                    "interval", start, end, queue, _figures(totals, config, queue, index, index + 1)
                )
            )
    for day in grid.days:
        start = max(day.start, report.start)
        end = min(day.end, report.end)
        for queue in groups:
            report.days.append(
                Row(
                    "day",
                    start,
                    end,
                    queue,
                    _figures(totals, config, queue, day.first_bin, day.stop_bin),
                )
            )
    for queue in groups:
        report.period.append(
            Row(
                "period",
                report.start,
                report.end,
                queue,
                _figures(totals, config, queue, 0, grid.count),
            )
        )
    return report


def _figures(
    totals: BinTotals, config: EngineConfig, queue: str | None, first: int, stop: int
) -> dict[str, Any]:
    if queue is not None and queue not in totals.index:
        return BinTotals([queue], 1).figures(config, queue, slice(0, 0))
    return totals.figures(config, queue, slice(first, stop))
