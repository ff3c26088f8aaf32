"""Report totals by the engine itself: the reference the batch path must equal.

The engine runs with its primary window set to the report's interval and is
read at every interval boundary `b`, once every event stamped at or before `b`
is applied: the window then holds exactly the bin `(b - I, b]` (see
`wallboard.intervals.grid`). This is the path for recordings, and for what
the batch path leaves to the engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from wallboard.engine import Engine
from wallboard.engine.report import Totals
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.intervals.grid import MAX_BINS, Grid, check_span
from wallboard.intervals.totals import BinTotals
from wallboard.status import SourceStatus

_Read = tuple[int, dict[str, Totals], Totals]


def bin_engine(config: EngineConfig, interval_s: float) -> Engine:
    """An engine whose primary window is one interval (nothing else about it changes)."""
    return Engine(replace(config, window_s=interval_s, extra_windows_s=(), interval_s=interval_s))


class _Reader:
    """Reads the engine's window of one interval at each boundary `k * I` passed."""

    def __init__(self, engine: Engine, interval_s: float, first: float, stop_at: float) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.first = first  # read boundaries from `first` on (in intervals from the epoch)
        self.stop_at = stop_at  # and up to this instant
        self.k: int | None = None
        self.k0 = 0  # the first boundary read
        self.read: list[_Read] = []

    def until(self, at: float) -> None:
        """Read every boundary before `at` (call before applying an event at `at`)."""
        if self.k is None:
            first = math.ceil(at / self.interval_s)
            self.k = first if self.first == -math.inf else max(first, math.ceil(self.first))
            self.k0 = self.k
        interval = self.interval_s
        if min(at, self.stop_at) - self.k0 * interval > MAX_BINS * interval:
            check_span(self.k0 * interval, at, interval, self.engine.config.tz)
        while self.k * interval < at and self.k * interval <= self.stop_at:
            totals = self.engine.span_totals(self.k * interval)
            spans = {name: s[0] for name, s in totals.queues.items()}
            self.read.append((self.k - 1, spans, totals.all[0]))
            self.k += 1

    def fill(self, grid: Grid, queues: list[str]) -> BinTotals:
        out = BinTotals(queues, grid.count)
        for k_bin, spans, everyone in self.read:
            index = k_bin - grid.first
            if 0 <= index < grid.count:
                for name, totals in spans.items():
                    if name in out.index:
                        out.put(out.index[name], index, totals)
                out.put(None, index, everyone)
        return out


def engine_totals(
    events: Iterable[Event | SourceStatus],
    engine: Engine,
    interval_s: float,
    period: tuple[float, float] | None = None,
) -> tuple[Grid, BinTotals]:
    """Apply `events` (in source order) to `engine` and read every bin they cover.

    `period` (`[start, end)`, local day starts) bounds the bins read; events
    after it are not read further than the first one.
    """
    config = engine.config
    start = -math.inf if period is None else period[0] / interval_s + 1
    stop_at = math.inf if period is None else period[1]
    reader = _Reader(engine, interval_s, start, stop_at)
    first_at, last_at = math.inf, -math.inf
    for item in events:
        if isinstance(item, SourceStatus):
            continue
        reader.until(item.at)
        if item.at > stop_at:
            break
        engine.apply(item)
        first_at = min(first_at, item.at)
        last_at = max(last_at, item.at)
    if reader.k is None:
        raise WallboardError("no events in the input")
    if first_at == math.inf:
        raise WallboardError("no input falls in the period asked for")
    reader.until(math.ceil(last_at / interval_s) * interval_s + interval_s / 2)
    grid = Grid.covering(first_at, last_at, interval_s, config.day_start, config.tz, period)
    return grid, reader.fill(grid, sorted({name for _, spans, _ in reader.read for name in spans}))


def grid_totals(
    events: Iterable[Event | SourceStatus], engine: Engine, grid: Grid, queues: list[str]
) -> BinTotals:
    """Apply `events` to `engine`, reading the totals of the bins of a given `grid`."""
    interval = grid.interval_s
    stop_at = grid.start(grid.count)
    reader = _Reader(engine, interval, grid.first + 1, stop_at)
    for item in events:
        if isinstance(item, SourceStatus):
            continue
        reader.until(item.at)
        if item.at > stop_at:
            break
        engine.apply(item)
    if reader.k is not None:
        reader.until(stop_at + interval / 2)
    return reader.fill(grid, queues)
