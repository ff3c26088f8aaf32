"""The incremental engine equals the brute-force oracle at every snapshot instant.

Run longer locally with HYPOTHESIS_PROFILE=long: 5,000 streams of up to 150 events
(about 10 minutes) instead of 150 of up to 60.
"""

from __future__ import annotations

import math
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.oracle import erlang_c, erlang_service_level, oracle_snapshot, replay, staffing
from tests.engine.strategies import Scenario, scenarios
from wallboard.engine import Engine, erlang
from wallboard.engine.schedule import Schedule

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
STREAMS = settings(
    max_examples=5000 if LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORMULAS = settings(STREAMS, max_examples=2000 if LONG else 50)


def first_difference(engine: Any, oracle: Any, path: str = "") -> str | None:
    """Where two snapshots first differ (None when equal within 1e-9), as a readable path."""
    if isinstance(oracle, dict) and isinstance(engine, dict):
        if list(engine) != list(oracle) and sorted(engine) != sorted(oracle):
            return f"{path or '/'}: keys {sorted(engine)} != oracle {sorted(oracle)}"
        for key in oracle:
            found = first_difference(engine[key], oracle[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(oracle, list) and isinstance(engine, list):
        if len(engine) != len(oracle):
            return f"{path}: {engine!r} != oracle {oracle!r}"
        for index, (e, o) in enumerate(zip(engine, oracle, strict=True)):
            found = first_difference(e, o, f"{path}[{index}]")
            if found:
                return found
        return None
    if (
        isinstance(oracle, float)
        and isinstance(engine, int | float)
        and not isinstance(engine, bool)
    ):
        if math.isclose(engine, oracle, rel_tol=1e-9, abs_tol=1e-9):
            return None
    elif type(engine) is type(oracle) and engine == oracle:
        return None
    return f"{path}: engine {engine!r} != oracle {oracle!r}"


def check(scenario: Scenario) -> None:
    schedule = None if scenario.schedule is None else Schedule(scenario.schedule)
    engine = Engine(scenario.config, schedule)
    applied = 0
    clock = -math.inf
    for count, t in scenario.checkpoints:
        for event in scenario.events[applied:count]:
            engine.apply(event)
        applied = count
        fed = scenario.events[:count]
        clock = max(clock, t)
        expected = oracle_snapshot(fed, clock, scenario.config, scenario.schedule)
        difference = first_difference(engine.snapshot(t), expected)
        assert difference is None, f"after {count} events, at t={t}: {difference}"
    dropped = replay(scenario.events[:applied], engine.now, scenario.config).history.unknown_calls
    assert engine.unknown_calls == dropped


@STREAMS
@given(scenarios(max_steps=150 if LONG else 60))
def test_engine_matches_oracle_on_random_streams(scenario: Scenario) -> None:
    check(scenario)


@FORMULAS
@given(
    traffic=st.floats(0.01, 250.0),
    extra=st.integers(1, 40),
    aht=st.sampled_from([30.0, 180.0, 600.0]),
    threshold=st.sampled_from([5.0, 20.0, 60.0]),
)
def test_erlang_recurrence_matches_the_textbook_formula(traffic, extra, aht, threshold):
    agents = math.floor(traffic) + extra  # up to ~290 agents: both oracle methods
    assert math.isclose(erlang.erlang_c(agents, traffic), erlang_c(agents, traffic), rel_tol=1e-9)
    assert math.isclose(
        erlang.service_level(agents, traffic, aht, threshold),
        erlang_service_level(agents, traffic, threshold, aht),
        rel_tol=1e-9,
        abs_tol=1e-12,
    )


@FORMULAS
@given(
    traffic=st.floats(0.01, 150.0),
    aht=st.sampled_from([30.0, 180.0, 600.0]),
    target=st.sampled_from([0.5, 0.8, 0.95]),
    in_service=st.integers(0, 200),
)
def test_staffing_search_matches_the_oracle(traffic, aht, target, in_service):
    required, _, predicted = staffing(traffic / aht, aht, 20.0, target, in_service)
    engine_required, engine_predicted = erlang.staffing(traffic, aht, 20.0, target, in_service)
    assert engine_required == required
    assert engine_predicted is not None and predicted is not None
    assert math.isclose(engine_predicted, predicted, rel_tol=1e-9, abs_tol=1e-12)
