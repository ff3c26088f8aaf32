"""The stepper on the real engine: whole-second evaluation, replay = live, the end instant."""

from __future__ import annotations

import os
import random
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.alarms.reference import EverySecondStepper
from tests.engine.strategies import scenarios
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


# --- quiet gaps -------------------------------------------------------------

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"

# Rules that read every kind of thing a quiet gap can move: the longest wait (threshold
# with hold-downs, and a change rule looking back), day-span counts and agent-state ratios,
# windows, intervals and staffing, callbacks expiring, an agent's time in pause.
QUIET_RULES = """
[[rule]]
id = "wait"
metric = "longest_wait_s"
op = ">"
threshold = 200
clear = 150
for = "20s"
clear_for = "10s"

[[rule]]
id = "wait-rise"
kind = "change"
metric = "longest_wait_s"
over = "2m"
by = 100
direction = "up"

[[rule]]
id = "day-abandons"
metric = "abandon_rate"
span = "day"
op = ">"
threshold = 0.2
min_offered = 1

[[rule]]
id = "sl"
metric = "service_level"
span = "window"
op = "<"
threshold = 0.8
for = "30s"

[[rule]]
id = "interval-asa"
metric = "asa_s"
span = "interval"
op = ">"
threshold = 3

[[rule]]
id = "gap"
metric = "staffing_gap"
op = ">"
threshold = 0
queue = "*"

[[rule]]
id = "callbacks"
metric = "callbacks_pending"
queue = "all"
op = ">="
threshold = 1
for = "5s"

[[rule]]
id = "long-pause"
kind = "agent"
metric = "pause_s"
op = ">"
threshold = 60
"""
DAY_OCCUPANCY = """
[[rule]]
id = "day-occupancy"
metric = "occupancy"
span = "day"
op = ">="
threshold = 0.5
"""


def _with_gaps(events: list, gaps: list[tuple[int, float]]) -> list:
    """The stream with quiet gaps opened after some events (later ones moved on)."""
    shift = dict(gaps)
    out, moved = [], 0.0
    for index, event in enumerate(events):
        out.append(replace(event, at=event.at + moved))
        moved += shift.get(index, 0.0)
    return out


def _run(
    cls: type[AlarmStepper | EverySecondStepper], config: EngineConfig, rules, events, end: float
) -> tuple:
    stepper = cls(Engine(config), Evaluator(rules))
    out = [t for e in events for t in stepper.apply(e)]
    out += stepper.advance(end - 0.5)
    out += stepper.finish(end)
    return out, stepper.active(), stepper.evaluations


@settings(max_examples=60 if LONG else 5, deadline=None)
@given(
    scenario=scenarios(max_steps=30),
    gaps=st.lists(st.tuples(st.integers(0, 35), st.sampled_from([800.0, 1500.5])), max_size=2),
    tail=st.sampled_from([0.0, 900.0, 1500.0]),
    occupancy=st.booleans(),
)
def test_quiet_gaps_give_exactly_the_transitions_of_every_second(scenario, gaps, tail, occupancy):
    assume(scenario.events and scenario.events[-1].at - scenario.events[0].at < 3600)
    events = _with_gaps(scenario.events, gaps)
    rules = parse_rules(QUIET_RULES + (DAY_OCCUPANCY if occupancy else ""), "quiet.toml")
    end = max(e.at for e in events) + tail
    quick = _run(AlarmStepper, scenario.config, rules, events, end)
    assert quick[:2] == _run(EverySecondStepper, scenario.config, rules, events, end)[:2]


def test_a_silence_ending_in_a_quiet_gap_is_announced_on_time():
    s = stepper(LONG_WAIT)
    s.apply(CallerJoined(T0, "sales", "c1"))
    (fired,) = s.advance(T0 + 11)
    s.silence(fired["fingerprint"], 5000.5, "alice")
    out = s.advance(T0 + 20_000)
    assert [(t["kind"], t["at"]) for t in out] == [("unsilenced", T0 + 5012)]
    assert s.evaluations < 1900  # the interval (30 min) settles, then two evaluations


def test_a_month_without_events_costs_what_one_quiet_hour_does():
    """Evaluations follow the events, not the span of source time (counted, not timed)."""
    events = list(generate_shift(7, agents=6, queues=2, hours=0.2))
    month = 30 * 86_400.0
    rules = load_rules(None)
    counts = []
    for gap in (3600.0, month):
        later = [replace(e, at=e.at + gap) for e in events]
        s = AlarmStepper(Engine(EngineConfig()), Evaluator(rules))
        for event in events + later:
            s.apply(event)
        s.finish(later[-1].at + gap)
        counts.append(s.evaluations)
    assert counts[1] < counts[0] + 2000
    assert counts[1] < 20_000  # stepping every second: over 5 million
