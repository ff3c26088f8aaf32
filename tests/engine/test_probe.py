"""A probe reads exactly the figures a snapshot at the same instant shows."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from tests.engine.strategies import Scenario, played, scenarios
from wallboard.alarms.rules import INSTANT_METRICS, SPAN_METRICS
from wallboard.engine.probe import FIELDS_READ, Probe, whole_second_leaving
from wallboard.engine.settings import SL_VARIANTS

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


@settings(
    max_examples=1000 if LONG else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(max_steps=40))
def test_probe_figures_equal_the_snapshot(scenario: Scenario):
    for engine, _, t in played(scenario):
        if t < engine.now:
            continue  # the past: a snapshot answers at the clock, a probe is not asked
        engine.advance(t)
        # A probe reads one instant once (the stepper never asks twice at one instant).
        probes = {name: Probe(engine, queue) for name, queue in engine.queues.items()}
        probes[None] = Probe(engine, None)
        snapshot = engine.snapshot(t, agents=False)
        for name, probe in probes.items():
            group = snapshot["all"] if name is None else snapshot["queues"][name]
            probe.at(t)
            for metric in sorted(SPAN_METRICS):
                for span in ("window", "interval", "day"):
                    want = group[span][metric]
                    assert probe.read(span, metric, 0) == (None if want is None else float(want))
            for metric in sorted(INSTANT_METRICS):
                if metric.startswith("agents."):
                    want = group["agents"][metric.partition(".")[2]]
                else:
                    want = group[metric]
                assert probe.read("instant", metric, 0) == (None if want is None else float(want))


def test_fields_read_follow_the_formulas():
    assert FIELDS_READ[("answered_pct", "offered")] == (0, 1)  # answered / offered
    assert {FIELDS_READ[("service_level", v)] for v in SL_VARIANTS} == {
        (0, 2, 4),  # in SL / (offered - short)
        (1, 2),  # in SL / answered
        (0, 2, 8),  # (in SL + abandoned in SL) / offered
    }
    assert ("occupancy", "offered") not in FIELDS_READ  # time integrals only


def test_an_item_leaves_at_the_first_second_past_the_window():
    assert whole_second_leaving(1732262400.5, 900.0) == 1732263301.0
    assert whole_second_leaving(1732262400.0, 900.0) == 1732263300.0  # stamped <= edge: out
