"""Report totals from the engine equal the brute-force oracle's rolling window of one interval.

A bin `(b - I, b]` is what a window of `I` shows at `b`; a day or the whole
period (their bins added up) is what a window as long as the row shows at its
end. The oracle (tests/oracle.py) computes both from the events directly.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from tests.engine.oracle import oracle_snapshot
from tests.engine.strategies import Scenario, scenarios
from tests.engine.test_properties import first_difference
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.events import Event
from wallboard.intervals.rows import Row, build_report
from wallboard.intervals.streaming import bin_engine, engine_totals


def oracle_row(events: list[Event], row: Row, config: EngineConfig) -> dict[str, Any]:
    """The window of the row's length at its end, after every event stamped up to it."""
    seen = []
    for event in events:
        if event.at > row.end:
            break
        seen.append(event)
    window = replace(config, window_s=row.end - row.start, extra_windows_s=())
    snapshot = oracle_snapshot(seen, row.end, window)
    block = snapshot["all"] if row.queue is None else snapshot["queues"].get(row.queue)
    return None if block is None else block["window"]


def check_rows(events: list[Event], config: EngineConfig, interval: float, rows: int) -> None:
    grid, totals = engine_totals(events, bin_engine(config, interval), interval)
    report = build_report("test", replace(config, interval_s=interval), grid, totals, totals.queues)
    checked = [r for r in report.intervals if not r.empty][:rows] + report.days + report.period
    for row in checked:
        expected = oracle_row(events, row, config)
        if expected is None:  # a queue not seen yet at that time: nothing in it
            assert row.empty, row
            continue
        difference = first_difference(row.figures, {**expected, "adherence": None})
        assert difference is None, f"{row.scope} {row.queue} ({row.start}, {row.end}]: {difference}"


def _in_time_order(scenario: Scenario) -> list[Event]:
    """The scenario's events without the late ones (a report reads sources in time order)."""
    clock = -math.inf
    kept = []
    for event in scenario.events:
        if event.at >= clock:
            kept.append(event)
            clock = event.at
    return kept


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_steps=40))
def test_bins_days_and_period_equal_the_oracle_on_random_streams(scenario: Scenario) -> None:
    assume(scenario.events)
    check_rows(_in_time_order(scenario), scenario.config, scenario.config.interval_s, rows=12)


def test_bins_of_a_real_asterisk_queue_log_equal_the_oracle(run_a):
    config = EngineConfig(
        timezone="Europe/Paris",
        sl_variant="abandons_in_sl_good",
        queues={"support": QueueSettings(wrapup_s=5.0, sl_threshold_s=30.0)},
    )
    events = [e for e in QueueLogSource(run_a / "queue_log", config).events()]
    check_rows(events, config, 60.0, rows=20)
