"""The one step from events to boards, as the collector, replayer and paced feed take it."""

from __future__ import annotations

from wallboard.alarms import AlarmStepper, load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.runtime.step import BoardStep
from wallboard.status import SourceStatus

CONFIG = EngineConfig()


def test_without_rules_the_board_is_the_engines_snapshot(shift_events):
    step = BoardStep(CONFIG, "shift")
    engine = Engine(CONFIG)
    for event in shift_events:
        assert step.apply(event) is None
        engine.apply(event)
    at = shift_events[-1].at + 30
    status = SourceStatus(at, "live")
    update = step.board(at, status)
    assert update.snapshot == {**engine.snapshot(at), "source": "shift", "alarms": []}
    assert update.status is status
    assert update.transitions == []


def test_with_rules_the_board_carries_every_transition_in_order(shift_events):
    rules = load_rules(None)
    step = BoardStep(CONFIG, "shift", AlarmStepper.factory(rules))
    reference = AlarmStepper.factory(rules)(Engine(CONFIG))
    half = len(shift_events) // 2
    applied: list[dict] = []
    for event in shift_events[:half]:
        applied += step.apply(event) or []
    expected = [t for e in shift_events[:half] for t in reference.apply(e)]
    at = shift_events[half].at
    expected += reference.advance(at)
    update = step.board(at, SourceStatus(at, "live"), applied)
    assert expected, "the shift raises alarms in its first half"
    assert update.transitions == expected
    assert update.snapshot["alarms"] == reference.active()
    assert update.snapshot["source"] == "shift"
