"""`wallboard report` over a month of queue_log: the batch path against the streaming engine.

A month of a busy centre (`tests/queue_log_month.py`: over 10 million lines, 200
agents, 10 queues, rotated and gzip-compressed as logrotate leaves them) is
written into a temporary folder, never kept. The report's two paths read those
files in the same run, each in a process of its own so that its peak memory is
its own: the batch path (numpy columns, the default) over the whole month, and
the baseline, the streaming engine (queue_log mapper and engine, event by
event: `report --streaming`), over the month's first file (its first week,
2.3 million lines: the whole month would take it a quarter of an hour;
`BENCH_REPORT_MONTH=1` gives it the month). The batch path also reads that
first file, and both must give the same totals there (their digests are
compared).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from benchmarks.common import BenchResult, peak_rss_mb
from tests.queue_log_month import write_month
from wallboard.engine.ledger import JOINS
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.intervals.streaming import bin_engine, engine_totals
from wallboard.runtime.log_set import LogSet
from wallboard.runtime.report_input import batch_totals

INTERVAL_S = 1800.0
MIN_LINES = 10_000_000


def _config(wrapups: dict[str, float]) -> EngineConfig:
    queues = {name: QueueSettings(wrapup_s=wrap) for name, wrap in wrapups.items()}
    return EngineConfig(queues=queues, timezone="Europe/Paris")


@dataclass(frozen=True, slots=True)
class _Run:
    """One path over some files, in a process of its own."""

    seconds: float  # wall
    user_s: float  # CPU in the program, and in the kernel for it (mostly page faults)
    system_s: float
    lines: int
    peak_mb: float
    digest: str
    load: tuple[float, float, float]  # the machine's load average when it ended

    def describe(self) -> str:
        cpu = self.user_s + self.system_s
        return (
            f"{self.lines:,} lines in {self.seconds:.1f} s ({self.lines / self.seconds:,.0f}/s; "
            f"CPU {self.user_s:.1f} s user + {self.system_s:.1f} s system = "
            f"{self.lines / cpu:,.0f} lines per CPU second), peak {self.peak_mb:,.0f} MB, "
            f"load {' '.join(f'{x:.1f}' for x in self.load)}"
        )


def _one_path(files: list[str], wrapups: dict[str, float], path: str, out: Connection) -> None:
    """In a child process: one path's totals of `files` (`_Run`)."""
    config = _config(wrapups)
    log_set = LogSet(files, tz=config.tz)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if path == "batch":
        _, totals = batch_totals(log_set, config, INTERVAL_S, None)
    else:
        events = log_set.events(config)
        _, totals = engine_totals(events, bin_engine(config, INTERVAL_S), INTERVAL_S)
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    counts = totals.counts.copy()
    counts[:, :, JOINS] = 0  # the one count no report column reads (the batch path skips it)
    digest = hashlib.sha256(
        repr(totals.queues).encode()
        + counts.tobytes()
        + totals.sums.tobytes()
        + totals.seconds.tobytes()
    ).hexdigest()
    out.send(
        _Run(
            seconds,
            used.ru_utime - before.ru_utime,
            used.ru_stime - before.ru_stime,
            log_set.lines,
            peak_rss_mb(),
            digest,
            os.getloadavg(),
        )
    )


def _measure(files: list[Path], wrapups: dict[str, float], path: str) -> _Run:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    names = [str(f) for f in files]
    process = context.Process(target=_one_path, args=(names, wrapups, path, child))
    process.start()
    child.close()
    result = parent.recv()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the {path} path failed (exit {process.exitcode})")
    return result


def run() -> list[BenchResult]:
    with tempfile.TemporaryDirectory(prefix="wallboard-month-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        month = write_month(folder, days=31, agents=200, queues=10)
        made_s = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in month.files) / 1e6
        print(
            f"   a month: {month.lines:,} lines in {len(month.files)} files ({size_mb:,.0f} MB "
            f"on disk, some gzip), made in {made_s:.1f} s",
            flush=True,
        )
        if month.lines < MIN_LINES:
            raise RuntimeError(f"the synthetic month has {month.lines:,} lines, < {MIN_LINES:,}")
        wrapups = month.wrapups()
        whole = list(month.files)
        batch = _measure(whole, wrapups, "batch")
        print(f"   batch, the month: {batch.describe()}", flush=True)
        baseline = whole if os.environ.get("BENCH_REPORT_MONTH") == "1" else whole[:1]
        batch_digest = _measure(baseline, wrapups, "batch").digest
        stream = _measure(baseline, wrapups, "streaming")
        print(f"   streaming, {len(baseline)} file(s): {stream.describe()}", flush=True)
    if batch_digest != stream.digest:
        raise RuntimeError("the batch path's totals differ from the streaming engine's")
    batch_rate, stream_rate = batch.lines / batch.seconds, stream.lines / stream.seconds
    batch_mb = batch.peak_mb
    note = (
        f"batch: {batch.describe()} (31 days, 200 agents, 10 queues, 30-min intervals); "
        f"baseline: the streaming engine, {stream.describe()}; same totals"
    )
    return [
        BenchResult(
            "report: batch path, a month of queue_log",
            batch_rate,
            "lines/s",
            baseline=stream_rate,
            target=">= 1,000,000 lines/s and >= 10x the streaming engine",
            met=batch_rate >= 1_000_000 and batch_rate >= 10 * stream_rate,
            note=note,
        ),
        BenchResult(
            "report: batch path, peak RSS",
            batch_mb,
            "MB",
            target="< 1,000 MB",
            met=batch_mb < 1000,
            note="the whole process reading the month (interpreter and numpy included)",
        ),
    ]
