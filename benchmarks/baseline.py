"""The engine against the naive way: recompute every metric from all events at each refresh.

Workload: a seeded synthetic shift played as if live, the board refreshed at
4 Hz of source time (a snapshot every 0.25 s of the shift, from its first
event to its last). Before each refresh, every event up to that instant has
been seen.

- engine: `Engine.apply` each event as it arrives, `Engine.snapshot(t)` at
  each refresh (running totals; a refresh costs about the same at any hour).
- naive: `tests/engine/oracle.py`'s `oracle_snapshot(events so far, t)` at each
  refresh: every record and state timeline rebuilt from the full event list,
  so a refresh costs more the longer the shift has run.

Both produce the same board (the engine's tests check that), so the ratio of
their refresh rates is the gain of keeping running totals. The shift is kept
small so that the naive run finishes in about a minute; the gain grows with
the shift's length.
"""

from __future__ import annotations

import bisect
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import BenchResult
from tests.synthetic import generate_shift
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.engine.oracle import oracle_snapshot  # tests/ is not installed: found via the repo root

REFRESH_S = 0.25
TARGET_RATIO = 50.0
AGENTS, QUEUES, HOURS = 20, 3, 0.4


def refresh_instants(events: list[Event]) -> list[float]:
    first, last = events[0].at, events[-1].at
    return [first + REFRESH_S * i for i in range(int((last - first) / REFRESH_S) + 1)]


def engine_refreshes(events: list[Event], instants: list[float], config: EngineConfig) -> None:
    engine = Engine(config)
    apply, snapshot = engine.apply, engine.snapshot
    seen = 0
    for t in instants:
        upto = bisect.bisect_right(events, t, lo=seen, key=lambda e: e.at)
        for event in events[seen:upto]:
            apply(event)
        seen = upto
        snapshot(t)


def naive_refreshes(events: list[Event], instants: list[float], config: EngineConfig) -> None:
    for t in instants:
        oracle_snapshot(events[: bisect.bisect_right(events, t, key=lambda e: e.at)], t, config)


def _cpu_seconds(run: Callable[[], None]) -> float:
    # CPU time: the comparison must not depend on what else the shared machine runs.
    started = time.process_time()
    run()
    return time.process_time() - started


def run() -> list[BenchResult]:
    config = EngineConfig()
    events = list(generate_shift(3, agents=AGENTS, queues=QUEUES, hours=HOURS))
    instants = refresh_instants(events)
    engine_s = min(
        _cpu_seconds(lambda: engine_refreshes(events, instants, config)) for _ in range(3)
    )
    naive_s = _cpu_seconds(lambda: naive_refreshes(events, instants, config))
    engine_rate, naive_rate = len(instants) / engine_s, len(instants) / naive_s
    return [
        BenchResult(
            f"live board at 4 Hz vs naive recompute ({AGENTS} agents, {QUEUES} queues)",
            engine_rate,
            "refresh/s",
            baseline=naive_rate,
            target=f">= {TARGET_RATIO:g}x the naive rate",
            met=engine_rate >= TARGET_RATIO * naive_rate,
            note=(
                f"{len(events):,} events over {(events[-1].at - events[0].at) / 60:.0f} min "
                f"of source time, {len(instants):,} refreshes (one per 0.25 s); CPU time; "
                f"engine {engine_s:.2f} s (best of 3), naive {naive_s:.1f} s "
                "(tests/engine/oracle.py oracle_snapshot on all events so far)"
            ),
        )
    ]


if __name__ == "__main__":
    for result in run():
        print(result, f"ratio {result.ratio:.1f}x")
