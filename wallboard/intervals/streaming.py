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
from wallboard.intervals.grid import Grid
from wallboard.intervals.totals import BinTotals
from wallboard.status import SourceStatus

_Read = tuple[int, dict[str, Totals], Totals]


def bin_engine(config: EngineConfig, interval_s: float) -> Engine:
    """An engine whose primary window is one interval (nothing else about it changes)."""
    return Engine(replace(config, window_s=interval_s, extra_windows_s=(), interval_s=interval_s))


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
    start_k = -math.inf if period is None else period[0] / interval_s
    stop_at = math.inf if period is None else period[1]
    read: list[_Read] = []
    k: int | None = None  # the next boundary to read, in intervals from the epoch
    first_at, last_at = math.inf, -math.inf

    def read_until(at: float) -> None:
        nonlocal k
        assert k is not None
        while k * interval_s < at and k * interval_s <= stop_at:
            if k - 1 >= start_k:
                totals = engine.span_totals(k * interval_s)
                spans = {name: s[0] for name, s in totals.queues.items()}
                read.append((k - 1, spans, totals.all[0]))
            k += 1

    for item in events:
        if isinstance(item, SourceStatus):
            continue
        if k is None:
            k = math.ceil(item.at / interval_s)
        read_until(item.at)
        if item.at > stop_at:
            break
        engine.apply(item)
        first_at = min(first_at, item.at)
        last_at = max(last_at, item.at)
    if k is None:
        raise WallboardError("no events in the input")
    if first_at == math.inf:
        raise WallboardError("no input falls in the period asked for")
    last_k = math.ceil(last_at / interval_s)
    read_until(last_k * interval_s + interval_s / 2)
    grid = Grid.covering(first_at, last_at, interval_s, config.day_start, config.tz, period)
    out = BinTotals(sorted({name for _, spans, _ in read for name in spans}), grid.count)
    for k_bin, spans, everyone in read:
        index = k_bin - grid.first
        if 0 <= index < grid.count:
            for name, totals in spans.items():
                out.put(out.index[name], index, totals)
            out.put(None, index, everyone)
    return grid, out
