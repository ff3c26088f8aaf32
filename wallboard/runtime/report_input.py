"""The batch path over a `LogSet`: the passes over the files it needs, and what it says."""

from __future__ import annotations

import logging

from wallboard.engine.settings import EngineConfig
from wallboard.intervals.batch import BatchTotals
from wallboard.intervals.grid import Grid
from wallboard.intervals.streaming import bin_engine, engine_totals
from wallboard.intervals.totals import BinTotals
from wallboard.runtime.log_set import LogSet

log = logging.getLogger(__name__)


def batch_totals(
    log_set: LogSet, config: EngineConfig, interval_s: float, period: tuple[float, float] | None
) -> tuple[Grid, BinTotals]:
    """Report totals of queue_log files by the batch path (docs/REPORTS.md).

    One pass reads the columns; a second pass is needed only for agents the batch
    path leaves to the engine, and input it does not model at all is read again
    through the streaming engine, with a note that says why.
    """
    batch = batch_plan(log_set, config, interval_s, period)
    plan = batch.plan_made
    if plan.everything is not None:
        log_set.note(f"read through the streaming engine, not the batch path: {plan.everything}")
        return engine_totals(
            log_set.events(config), bin_engine(config, interval_s), interval_s, period
        )
    if plan.agents:
        for chunk in log_set.chunks(counted=False):
            batch.feed_engine(chunk.data, chunk.first_line, chunk.numbers)
    return batch.totals()


def batch_plan(
    log_set: LogSet, config: EngineConfig, interval_s: float, period: tuple[float, float] | None
) -> BatchTotals:
    """The files read into columns and the batch path's plan made (`BatchTotals.plan_made`)."""
    # Room for more lines than the files can hold (a line is rarely under 40 bytes, gzip
    # rarely packs queue_log tighter than 10 to 1): it is only reserved (`ColumnReader`).
    expected = sum(f.size * (10 if f.compressed else 1) for f in log_set.files) // 40
    batch = BatchTotals(config, interval_s, period, expected_lines=expected)
    for chunk in log_set.chunks():
        batch.feed(chunk.data, chunk.first_line, chunk.numbers, source=str(chunk.file.path))
    for problem in batch.reader.problems.values():
        more = f" ({problem.count - 1:,} more like it)" if problem.count > 1 else ""
        log.warning("%s: %s%s", problem.where, problem.message, more)
    batch.plan(log_set.member_names() if batch.needs_member_names() else None)
    return batch
