"""The change-point stepper gives exactly the every-second stepper's alarms.

Same transitions (instants, values, messages, order), same active alarms at
every instant asked for, same operator marks, on random streams and rule sets
(hypothesis) and on real and recorded shifts. The every-second stepper is
`tests/alarms/reference.py`, the schedule that defines the alarms.

Run longer locally with HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.alarms.reference import EverySecondStepper
from tests.engine.strategies import TEAMS, Scenario, scenarios
from tests.synthetic import generate_shift
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.recording import RecordingSource
from wallboard.alarms import AlarmStepper, Evaluator, load_rules, parse_rules
from wallboard.alarms.rules import AGENT_METRICS, INSTANT_METRICS, SPAN_METRICS, Rule
from wallboard.engine import Engine
from wallboard.engine.schedule import Schedule, Shift
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.events import AgentLoggedIn, CallEnded, CallerAnswered, CallerJoined, Event

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
STREAMS = settings(
    max_examples=2000 if LONG else int(os.environ.get("CHANGE_POINT_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"
RUN_A = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "asterisk-22-run-a"
T0 = 1732262400.0

# Thresholds where the figures of small streams land: ratios, seconds, counts.
LEVELS = {
    "ratio": [0.0, 0.25, 0.5, 0.8, 1.0],
    "seconds": [0.0, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
    "count": [0.0, 1.0, 2.0, 3.0],
    "rate": [0.0, 10.0, 60.0, 400.0],
}
COUNTS = {
    "offered",
    "answered",
    "answered_in_sl",
    "abandoned",
    "short_abandoned",
    "overflow",
    "blocked",
    "ring_no_answer",
    "waiting",
    "agents_required",
    "staffing_gap",
}


def _level(metric: str) -> str:
    if metric in COUNTS or metric.startswith("agents."):
        return "count"
    if metric.endswith("_s"):
        return "seconds"
    if metric == "calls_per_hour":
        return "rate"
    return "ratio"


@st.composite
def agent_rule_texts(draw: st.DrawFn, index: int) -> str:
    """One agent rule (kind = "agent"): any figure, operator, hold-down, agent and team."""
    metric = draw(st.sampled_from(sorted(AGENT_METRICS)))
    op = draw(st.sampled_from(["<", "<=", ">", ">="]))
    levels = LEVELS["count" if metric == "ring_no_answer" else "seconds"]
    threshold = draw(st.sampled_from(levels))
    above = [x for x in levels if x >= threshold]
    below = [x for x in levels if x <= threshold]
    clear = draw(st.sampled_from(above if op in ("<", "<=") else below))
    lines = [
        "[[rule]]",
        f'id = "r{index}"',
        'kind = "agent"',
        f'metric = "{metric}"',
        f'agent = "{draw(st.sampled_from(["*", "*", "A1", "A[12]", "A9"]))}"',
        f'for = "{draw(st.sampled_from([0, 0, 1, 5, 30]))}s"',
        f'clear_for = "{draw(st.sampled_from([0, 0, 1, 3, 20]))}s"',
        f'op = "{op}"',
        f"threshold = {threshold}",
        f"clear = {clear}",
    ]
    if draw(st.integers(0, 3)) == 0:
        lines.append(f'team = "{draw(st.sampled_from(TEAMS))}"')
    if metric == "pause_s" and draw(st.booleans()):
        lines.append(f'reason = "{draw(st.sampled_from(["lunch", "BR*"]))}"')
    return "\n".join(lines)


@st.composite
def rule_texts(draw: st.DrawFn, index: int) -> str:
    """One `[[rule]]` table of any kind, metric, span, selector and hold-downs."""
    if draw(st.integers(0, 3)) == 0:
        return draw(agent_rule_texts(index))
    metric = draw(st.sampled_from(sorted(SPAN_METRICS | INSTANT_METRICS)))
    instant = metric in INSTANT_METRICS
    span = "instant" if instant else draw(st.sampled_from(["window", "interval", "day"]))
    levels = LEVELS[_level(metric)]
    lines = [
        "[[rule]]",
        f'id = "r{index}"',
        f'metric = "{metric}"',
        f'span = "{span}"',
        f'queue = "{draw(st.sampled_from(["*", "q1", "all", "q[12]"]))}"',
        f'for = "{draw(st.sampled_from([0, 0, 1, 2, 5, 30]))}s"',
        f'clear_for = "{draw(st.sampled_from([0, 0, 1, 3, 20]))}s"',
    ]
    if not instant:
        lines.append(f"min_offered = {draw(st.sampled_from([0, 0, 1, 3]))}")
    if draw(st.integers(0, 4)) == 0:
        by = draw(st.sampled_from([x for x in levels if x > 0]))
        lines += [
            'kind = "change"',
            f'over = "{draw(st.sampled_from([1, 2, 5, 30, 90]))}s"',
            f"by = {by}",
            f"clear_by = {draw(st.sampled_from([0.0, by / 2, by]))}",
            f'direction = "{draw(st.sampled_from(["down", "up"]))}"',
        ]
    else:
        op = draw(st.sampled_from(["<", "<=", ">", ">="]))
        threshold = draw(st.sampled_from(levels))
        above = [x for x in levels if x >= threshold]
        below = [x for x in levels if x <= threshold]
        clear = draw(st.sampled_from(above if op in ("<", "<=") else below))
        lines += [f'op = "{op}"', f"threshold = {threshold}", f"clear = {clear}"]
    return "\n".join(lines)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    count = draw(st.integers(1, 4))
    return parse_rules("\n\n".join(draw(rule_texts(i)) for i in range(count)), "drawn.toml")


def _both(
    rules: list[Rule], config: EngineConfig, shifts: list[Shift] | None
) -> tuple[AlarmStepper, EverySecondStepper]:
    def engine() -> Engine:
        return Engine(config, Schedule(shifts) if shifts else None)

    return (
        AlarmStepper(engine(), Evaluator(rules)),
        EverySecondStepper(engine(), Evaluator(rules)),
    )


def assert_same_alarms(
    rules: list[Rule],
    config: EngineConfig,
    events: list[Event],
    looks: dict[int, list[float]],
    end: float,
    marks: bool = True,
    shifts: list[Shift] | None = None,
) -> list[dict[str, Any]]:
    """Play `events` through both steppers, asking for the alarms at `looks` (after event
    count -> instants), acknowledging and silencing as an operator would; compare all."""
    ours, reference = _both(rules, config, shifts)
    seen: list[dict[str, Any]] = []
    for count in range(len(events) + 1):
        for t in looks.get(count, []):
            got, want = ours.advance(t), reference.advance(t)
            assert got == want, f"transitions up to {t}"
            assert ours.active() == reference.active(), f"active alarms at {t}"
            seen += got
            firing = reference.active()
            if marks and firing:
                fp = firing[count % len(firing)]["fingerprint"]
                if count % 2:
                    assert ours.acknowledge(fp, "alice") == reference.acknowledge(fp, "alice")
                else:
                    assert ours.silence(fp, 7.0, "bob") == reference.silence(fp, 7.0, "bob")
        if count < len(events):
            got, want = ours.apply(events[count]), reference.apply(events[count])
            assert got == want, f"transitions before event {count} ({events[count]})"
            seen += got
    got, want = ours.finish(end), reference.finish(end)
    assert got == want, "transitions at the end"
    assert ours.active() == reference.active()
    assert list(ours.evaluator.history) == list(reference.evaluator.history)
    return seen + got


@STREAMS
@given(scenarios(max_steps=40), rule_sets(), st.sampled_from([0.0, 0.5, 7.25, 600.0]))
def test_change_points_equal_every_second(scenario: Scenario, rules: list[Rule], tail: float):
    events = scenario.events
    assume(events and max(e.at for e in events) - events[0].at <= 3000.0)
    looks: dict[int, list[float]] = {}
    for count, t in scenario.checkpoints:
        looks.setdefault(count, []).append(t)
    end = max(e.at for e in events) + tail
    assert_same_alarms(rules, scenario.config, events, looks, end, shifts=scenario.schedule)


def test_a_synthetic_shift_with_the_builtin_and_moving_rules():
    """Long enough for every built-in rule to fire and resolve; moving figures too."""
    events = list(generate_shift(5, agents=15, queues=3, hours=1.5))
    moving = parse_rules(
        """
        [[rule]]
        id = "occupancy-high"
        metric = "occupancy"
        op = ">="
        threshold = 0.7
        clear = 0.6
        for = "20s"

        [[rule]]
        id = "per-hour"
        metric = "calls_per_hour"
        span = "interval"
        queue = "all"
        op = "<"
        threshold = 9
        clear = 11

        [[rule]]
        id = "wait-jump"
        kind = "change"
        metric = "longest_wait_s"
        over = "30s"
        by = 20
        direction = "up"
        """
    )
    rules = load_rules(None) + moving
    looks = {i: [events[i].at - 0.5] for i in range(0, len(events), 97)}
    seen = assert_same_alarms(rules, EngineConfig(), events, looks, events[-1].at + 30.0)
    kinds = {(t["rule"], t["kind"]) for t in seen}
    assert {("long-wait", "firing"), ("occupancy-high", "firing"), ("sl-low", "resolved")} <= kinds


def test_the_sample_recording():
    """Its first hour and a half: the surge at 10:20 comes later, the 4 h run is the bench's."""
    source = RecordingSource(SAMPLE)
    events = [e for e in source.events() if isinstance(e, Event)]
    events = [e for e in events if e.at <= events[0].at + 5400.0]
    looks = {i: [events[i].at] for i in range(0, len(events), 700)}
    seen = assert_same_alarms(load_rules(None), source._config, events, looks, events[-1].at)
    assert len(seen) > 10


def test_the_real_asterisk_queue_log():
    config = EngineConfig(queues={"support": QueueSettings(wrapup_s=5.0)})
    events = [
        e for e in QueueLogSource(RUN_A / "queue_log", config).events() if isinstance(e, Event)
    ]
    rules = load_rules(None) + parse_rules(
        """
        [[rule]]
        id = "busy"
        metric = "occupancy"
        queue = "all"
        op = ">"
        threshold = 0.5
        clear = 0.4
        """
    )
    looks = {i: [events[i].at] for i in range(0, len(events), 40)}
    assert assert_same_alarms(rules, config, events, looks, events[-1].at + 5.0)


def test_a_far_future_stamp_costs_evaluations_not_seconds():
    """Ten years of silence between two events: a handful of evaluations, not 3e8."""
    rules = load_rules(None)
    stepper = AlarmStepper(Engine(EngineConfig()), Evaluator(rules))
    out = stepper.apply(AgentLoggedIn(T0, "A1", "sales"))
    out += stepper.apply(CallerJoined(T0 + 1, "sales", "c1"))
    out += stepper.apply(CallerJoined(T0 + 10 * 365 * 86400.0, "sales", "c2"))
    out += stepper.finish(T0 + 10 * 365 * 86400.0)
    # The staffing rule's first window (900 s) is stepped second by second; nothing more.
    assert stepper.evaluations < 1000
    (fired,) = [t for t in out if t["rule"] == "long-wait"]
    # The first caller waits on: the wait passes 60 s at T0 + 62, as second by second.
    assert (fired["kind"], fired["at"], fired["value"]) == ("firing", T0 + 62, 61.0)


# --- regressions found by the long profile -----------------------------------------------


def test_a_moving_figure_unknown_after_a_span_restart_keeps_the_one_before():
    """A firing alarm on calls per hour; its interval restarts with no event: the figure is
    unknown there (no call offered yet), so the board keeps the one of the second before,
    not the one it fired with (400-example run, seed 160553993066875617030980766971299695098)."""
    rules = parse_rules(
        """
        [[rule]]
        id = "per-hour"
        metric = "calls_per_hour"
        span = "interval"
        queue = "*"
        op = ">"
        threshold = 0
        min_offered = 1
        """
    )
    config = EngineConfig(interval_s=60.0, window_s=90.0)
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q1"),
        CallerJoined(T0 + 1, "q1", "c1"),
        CallerAnswered(T0 + 2, "q1", "c1", "A1"),
    ]
    seen = assert_same_alarms(rules, config, events, {3: [T0 + 60.5]}, T0 + 61, marks=False)
    assert [t["kind"] for t in seen] == ["firing"]


def test_a_staffing_figure_unknown_at_first_is_followed_through_the_first_window():
    """The staffing gap on `all` is unknown until the arrival rate has been observed for a
    minute; an event that leaves its inputs as they were must not leave it unstepped (it
    fired at T0 + 62 second by second, never with change points: hypothesis, 25 examples)."""
    rules = parse_rules(
        """
        [[rule]]
        id = "short"
        metric = "staffing_gap"
        queue = "all"
        op = "<"
        threshold = 2
        clear = 2
        for = "2s"
        """
    )
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q1"),
        CallerJoined(T0 + 1, "q1", "c1"),
        CallerAnswered(T0 + 2, "q1", "c1", "A1"),
        CallEnded(T0 + 10, "q1", "c1", "A1", talk_s=8.0),
    ]
    seen = assert_same_alarms(rules, EngineConfig(), events, {}, T0 + 120)
    assert [(t["kind"], t["at"]) for t in seen] == [("firing", T0 + 62)]
