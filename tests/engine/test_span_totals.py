"""`span_totals` holds exactly what every span of `snapshot` is formed from."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.engine.strategies import Scenario, scenarios
from wallboard.engine import Engine
from wallboard.engine.metrics import span_metrics
from wallboard.engine.report import SpanTotals
from wallboard.engine.schedule import Schedule


def _spans(queue: dict[str, Any]) -> list[dict[str, Any]]:
    return [queue["window"], *queue["windows"].values(), queue["interval"], queue["day"]]


def _figures(totals: SpanTotals, engine: Engine, snapshot: dict[str, Any]) -> None:
    config = engine.config
    assert sorted(totals.queues) == list(snapshot["queues"])
    groups = [
        (name, spans, config.for_queue(name).sl_variant) for name, spans in totals.queues.items()
    ]
    groups.append(("all", totals.all, config.sl_variant))
    for name, spans, variant in groups:
        expected = snapshot["all"] if name == "all" else snapshot["queues"][name]
        formed = [
            span_metrics(acc, seconds, variant, config.occupancy_includes_wrap, None)
            for acc, seconds in spans
        ]
        reported = [{**span, "adherence": None} for span in _spans(expected)]
        assert formed == reported, name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_steps=50))
def test_span_totals_form_every_span_of_the_snapshot(scenario: Scenario) -> None:
    schedule = None if scenario.schedule is None else Schedule(scenario.schedule)
    by_totals = Engine(scenario.config, schedule)
    by_snapshot = Engine(scenario.config, schedule)
    applied = 0
    for count, t in scenario.checkpoints:
        for event in scenario.events[applied:count]:
            by_totals.apply(event)
            by_snapshot.apply(event)
        applied = count
        _figures(by_totals.span_totals(t), by_totals, by_snapshot.snapshot(t))
