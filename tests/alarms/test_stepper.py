"""The stepper on the real engine: whole-second evaluation, replay = live, the end instant."""

from __future__ import annotations

import random

from tests.synthetic import generate_shift
from wallboard.alarms import AlarmStepper, Evaluator, parse_rules
from wallboard.alarms.rules import load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import CallerAbandoned, CallerJoined

T0 = 1732262400.0

LONG_WAIT = """
[[rule]]
id = "long-wait"
metric = "longest_wait_s"
op = ">"
threshold = 10
"""


def stepper(text: str) -> AlarmStepper:
    return AlarmStepper(Engine(EngineConfig()), Evaluator(parse_rules(text, "t.toml")))


def test_fires_at_the_first_whole_second_past_the_threshold():
    s = stepper(LONG_WAIT)
    out = s.apply(CallerJoined(T0 + 0.5, "sales", "c1"))
    out += s.advance(T0 + 10.9)
    assert out == []  # at T0+10 the caller has waited 9.5 s
    (fired,) = s.advance(T0 + 11)
    assert (fired["at"], fired["value"]) == (T0 + 11, 10.5)
    (resolved,) = s.apply(CallerAbandoned(T0 + 20.2, "sales", "c1")) + s.advance(T0 + 21)
    # The abandon at 20.2 is seen at the whole second 21, not at 20.
    assert (resolved["kind"], resolved["at"]) == ("resolved", T0 + 21)
    assert s.active() == []


def test_an_event_on_a_whole_second_is_seen_by_that_second():
    s = stepper(LONG_WAIT.replace("longest_wait_s", "waiting").replace("10", "0"))
    assert s.apply(CallerJoined(T0 + 5, "sales", "c1")) == []
    (fired,) = s.advance(T0 + 5)
    assert fired["at"] == T0 + 5


def test_finish_evaluates_the_last_instant_itself():
    s = stepper(LONG_WAIT)
    s.apply(CallerJoined(T0, "sales", "c1"))
    assert s.advance(T0 + 10.5) == []
    s.apply(CallerJoined(T0 + 10.5, "sales", "c2"))
    (fired,) = s.finish(T0 + 10.5)
    assert fired["at"] == T0 + 10.5
    assert s.finish(T0 + 10.5) == []


def test_operator_actions_are_stamped_with_source_time():
    s = stepper(LONG_WAIT)
    s.apply(CallerJoined(T0, "sales", "c1"))
    (fired,) = s.advance(T0 + 11)
    ack = s.acknowledge(fired["fingerprint"], "alice")
    assert (ack["kind"], ack["at"], ack["by"]) == ("acknowledged", T0 + 11, "alice")
    silence = s.silence(fired["fingerprint"], 60, "alice")
    assert silence["until"] == T0 + 71
    assert s.active()[0]["acknowledged_by"] == "alice"


def test_live_pacing_gives_exactly_the_replayed_transitions():
    """However often a live collector ticks, the alarms are those of a straight replay."""
    events = list(generate_shift(7, agents=12, queues=2, hours=0.5))
    rules = load_rules(None)
    replay = AlarmStepper(Engine(EngineConfig()), Evaluator(rules))
    expected = [t for e in events for t in replay.apply(e)]
    expected += replay.advance(events[-1].at)
    live = AlarmStepper(Engine(EngineConfig()), Evaluator(rules))
    rng = random.Random(3)
    got = []
    for event in events:
        # Ticks between events at random instants, never past the next event.
        if rng.random() < 0.3 and live.evaluations:
            got += live.advance(event.at - rng.random() * 2)
        got += live.apply(event)
    got += live.advance(events[-1].at)
    assert expected, "the shift should raise some alarms"
    assert got == expected
    assert live.evaluations == replay.evaluations


def test_no_rules_means_no_evaluations():
    s = AlarmStepper(Engine(EngineConfig()), Evaluator([]))
    s.apply(CallerJoined(T0, "sales", "c1"))
    assert s.advance(T0 + 100) == [] and s.evaluations == 0
