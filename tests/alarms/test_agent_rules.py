"""Agent rules (docs/ALARMS.md "Agent rules"): by hand, and the stepper against their definition.

The definition is an evaluation of every rule at every whole second on the
full board (`Evaluator.evaluate` on a snapshot with its agents); the stepper
steps agent alarms only where their outcome can change. Hypothesis compares
the two on random streams (the engine's agent rows themselves are compared
with the brute-force oracle in tests/engine/test_properties.py).
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alarms.reference import EverySecondStepper
from tests.engine.strategies import Scenario, scenarios
from wallboard.alarms import AlarmStepper, Evaluator, RulesError, parse_rules
from wallboard.alarms.agents import first_flip
from wallboard.alarms.evaluator import agent_fingerprint, hold_end
from wallboard.alarms.output import alertmanager_payload, text_line
from wallboard.alarms.rules import Rule
from wallboard.engine import Engine
from wallboard.engine.schedule import Schedule, Shift
from wallboard.engine.settings import AgentSettings, EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentRingNoAnswer,
    AgentUnpaused,
    CallEnded,
    CallerAnswered,
    CallerJoined,
    Event,
    HoldEnded,
    HoldStarted,
)

T0 = 1732262400.0
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"

PAUSES = """
[[rule]]
id = "break-long"
kind = "agent"
metric = "pause_s"
reason = "break"
op = ">"
threshold = 900
message = "{agent} on {reason} for {duration}"

[[rule]]
id = "lunch-long"
kind = "agent"
metric = "pause_s"
reason = "lunch"
op = ">"
threshold = 3600
"""


def stepper(text: str, config: EngineConfig | None = None, **engine: Any) -> AlarmStepper:
    return AlarmStepper(
        Engine(config or EngineConfig(), **engine), Evaluator(parse_rules(text, "r.toml"))
    )


def run(s: AlarmStepper, events: list[Event], until: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for event in events:
        out += s.apply(event)
    return out + s.advance(until)


def test_a_pause_over_its_reasons_limit_fires_and_ends_with_the_pause():
    s = stepper(PAUSES)
    events: list[Event] = [
        AgentLoggedIn(T0, "Alice", "sales"),
        AgentPaused(T0 + 10.5, "Alice", "sales", reason="Break"),  # reasons match any case
        AgentLoggedIn(T0, "Bob", "sales"),
        AgentPaused(T0 + 20, "Bob", "sales", reason="lunch"),
    ]
    assert run(s, events, T0 + 910) == []  # 899.5 s of break
    (fired,) = s.advance(T0 + 911)
    assert (fired["kind"], fired["rule"], fired["agent"], fired["queue"]) == (
        "firing",
        "break-long",
        "Alice",
        "",
    )
    assert (fired["value"], fired["message"]) == (900.5, "Alice on Break for 15:00")
    assert fired["fingerprint"] == agent_fingerprint("break-long", "Alice")
    (active,) = s.active()
    assert (active["agent"], active["value"]) == ("Alice", 900.5)
    assert s.advance(T0 + 1000) == []
    assert s.active()[0]["value"] == 989.5  # the figure now; the message keeps 15:00
    (resolved,) = s.apply(AgentUnpaused(T0 + 1000.2, "Alice", "sales")) + s.advance(T0 + 1001)
    assert (resolved["kind"], resolved["at"]) == ("resolved", T0 + 1001)
    # Bob's lunch: an hour is fine, a second more is not.
    assert s.advance(T0 + 3620) == []
    (lunch,) = s.advance(T0 + 3621)
    assert (lunch["rule"], lunch["agent"], lunch["value"]) == ("lunch-long", "Bob", 3601.0)


def test_a_new_reason_restarts_the_time_in_pause():
    s = stepper(PAUSES.replace('reason = "break"\n', ""))  # break-long: any pause
    events: list[Event] = [
        AgentLoggedIn(T0, "Alice", "sales"),
        AgentPaused(T0, "Alice", "sales", reason="break"),
        AgentPaused(T0 + 600, "Alice", "sales", reason="coaching"),
    ]
    assert run(s, events, T0 + 1400) == []
    (fired,) = s.advance(T0 + 1501)
    assert (fired["at"], fired["value"]) == (T0 + 1501, 901.0)


WRAP_TALK_RNA = """
[[rule]]
id = "wrap-long"
kind = "agent"
metric = "wrap_s"
op = ">="
threshold = 60
for = "10s"

[[rule]]
id = "talk-long"
kind = "agent"
metric = "talk_s"
op = ">"
threshold = 600
clear_for = "5s"

[[rule]]
id = "rna"
kind = "agent"
metric = "ring_no_answer"
op = ">="
threshold = 2
severity = "critical"
"""


def test_wrap_up_too_long_waits_for_its_hold_down():
    s = stepper(WRAP_TALK_RNA)
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q"),
        CallerJoined(T0, "q", "c1"),
        CallerAnswered(T0 + 5, "q", "c1", "A1"),
        CallEnded(T0 + 100, "q", "c1", "A1", wrap_s=300),
    ]
    assert run(s, events, T0 + 169) == []  # 60 s of wrap at 160, then 10 s more
    (fired,) = s.advance(T0 + 170)
    assert (fired["rule"], fired["value"]) == ("wrap-long", 70.0)
    (resolved,) = s.advance(T0 + 400)  # the wrap runs out at 400
    assert (resolved["kind"], resolved["at"]) == ("resolved", T0 + 400)


def test_a_call_too_long_counts_hold_and_resolves_after_clear_for():
    s = stepper(WRAP_TALK_RNA)
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q"),
        CallerJoined(T0, "q", "c1"),
        CallerAnswered(T0 + 5, "q", "c1", "A1"),
        HoldStarted(T0 + 300, "c1"),
        HoldEnded(T0 + 500, "c1"),
    ]
    assert run(s, events, T0 + 605) == []
    (fired,) = s.advance(T0 + 606)
    assert (fired["rule"], fired["value"]) == ("talk-long", 601.0)
    assert s.apply(CallEnded(T0 + 700, "q", "c1", "A1")) + s.advance(T0 + 704) == []
    (resolved,) = s.advance(T0 + 705)
    assert resolved["kind"] == "resolved"


def test_a_ring_no_answer_streak_ends_with_an_answer():
    s = stepper(WRAP_TALK_RNA)
    events: list[Event] = [AgentLoggedIn(T0, "A1", "q")]
    for n in range(3):
        call = f"c{n}"
        events += [
            CallerJoined(T0 + 20 * n, "q", call),
            AgentRinging(T0 + 20 * n + 1, "A1", "q", call),
            AgentRingNoAnswer(T0 + 20 * n + 16, "A1", "q", call),
        ]
    out = run(s, events[:7], T0 + 60)
    assert [(t["kind"], t["at"], t["value"]) for t in out] == [("firing", T0 + 36, 2.0)]
    out = run(s, events[7:], T0 + 80)
    assert out == [] and s.active()[0]["value"] == 3.0
    s.apply(CallerJoined(T0 + 90, "q", "c9"))
    (resolved,) = s.apply(CallerAnswered(T0 + 95, "q", "c9", "A1")) + s.advance(T0 + 95)
    assert (resolved["kind"], resolved["value"]) == ("resolved", 0.0)


ABSENT = """
[[rule]]
id = "absent"
kind = "agent"
metric = "absent_s"
op = ">"
threshold = 300
team = "blue"
message = "{agent} ({team}) off for {duration} of a shift"
"""


def test_logged_off_during_a_scheduled_shift():
    config = EngineConfig(
        agents={"PJSIP/101": AgentSettings("Alice", "blue"), "Bob": AgentSettings("Bob", "blue")},
        teams={"Carol": "red"},
    )
    schedule = Schedule(
        [
            Shift("Alice", T0 + 100, T0 + 4000),
            Shift("Bob", T0 + 100, T0 + 4000),
            Shift("Carol", T0 + 100, T0 + 4000),
        ]
    )
    s = stepper(ABSENT, config, schedule=schedule)
    events: list[Event] = [
        AgentLoggedIn(T0, "Alice", "sales"),  # on time
        AgentLoggedIn(T0 + 50, "Carol", "sales"),
        AgentLoggedOut(T0 + 60, "Carol", "sales"),  # Carol is red: no opinion
        AgentLoggedOut(T0 + 1000, "Alice", "sales"),
    ]
    out = run(s, events, T0 + 1400)
    # Bob never logged in: 300 s after his shift began; Alice 300 s after she left.
    assert [(t["agent"], t["at"], t["message"]) for t in out] == [
        ("Bob", T0 + 401, "Bob (blue) off for 5:01 of a shift"),
        ("Alice", T0 + 1301, "Alice (blue) off for 5:01 of a shift"),
    ]
    out = s.apply(AgentLoggedIn(T0 + 1500, "Alice", "sales")) + s.advance(T0 + 4000)
    assert [(t["kind"], t["agent"], t["at"]) for t in out] == [
        ("resolved", "Alice", T0 + 1500),
        ("resolved", "Bob", T0 + 4000),  # the shift is over
    ]


def test_agent_alarms_go_to_pagers_with_their_agent_and_team():
    config = EngineConfig(agents={"Alice": AgentSettings("Alice", "blue")})
    s = stepper(PAUSES, config)
    events: list[Event] = [
        AgentLoggedIn(T0, "Alice", "sales"),
        AgentPaused(T0, "Alice", "sales", reason="break"),
    ]
    (fired,) = run(s, events, T0 + 901)
    assert (fired["agent"], fired["team"]) == ("Alice", "blue")
    labels = alertmanager_payload(fired)["alerts"][0]["labels"]
    assert labels == {
        "alertname": "break-long",
        "agent": "Alice",
        "team": "blue",
        "severity": "warning",
    }
    assert "break-long agent Alice: Alice on break for 15:01" in text_line(fired)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            'metric = "pause_s"\nop = ">"\nthreshold = 1',
            "r.toml:3: rule 'a': metric: pause_s is a figure of one agent: write kind = 'agent'",
        ),
        (
            'kind = "agent"\nmetric = "service_level"\nop = ">"\nthreshold = 1',
            "r.toml:4: rule 'a': metric: unknown agent metric 'service_level'",
        ),
        (
            'kind = "agent"\nmetric = "pause_s"\nqueue = "sales"\nop = ">"\nthreshold = 1',
            "r.toml:5: rule 'a': queue: unknown key for an agent rule (agent rules pick agents",
        ),
        (
            'kind = "agent"\nmetric = "wrap_s"\nreason = "lunch"\nop = ">"\nthreshold = 1',
            "r.toml:5: rule 'a': reason: only applies to pause_s",
        ),
        (
            'kind = "agent"\nmetric = "talk_s"\nop = ">"\nthreshold = 600\nclear = 700',
            "r.toml:7: rule 'a': clear: must be <= threshold 600 for op '>' (hysteresis)",
        ),
        (
            'kind = "agent"\nmetric = "talk_s"\nop = ">"\nthreshold = 1\nmessage = "{queue}"',
            "r.toml:7: rule 'a': message: unknown placeholder {queue}",
        ),
        (
            'kind = "agent"\nmetric = "talk_s"\nop = ">"\nthreshold = 1\nteam = ""',
            "r.toml:7: rule 'a': team: must name a team",
        ),
    ],
)
def test_agent_rule_errors_name_line_key_and_reason(body: str, error: str):
    with pytest.raises(RulesError) as caught:
        parse_rules(f'[[rule]]\nid = "a"\n{body}\n', "r.toml")
    assert str(caught.value).startswith(error)


def test_hold_ends_and_flips_fall_on_whole_seconds():
    assert hold_end(100.5, 10) == 111.0
    assert hold_end(100.0, 10) == 110.0
    assert first_flip(lambda u: u - 100.25 > 60, 120.0, 160.25) == 161.0
    assert first_flip(lambda u: u - 100.0 > 60, 120.0, 160.0) == 161.0
    assert first_flip(lambda u: u - 100.0 > 60, 170.0, 160.0) == math.inf  # already true
    assert first_flip(lambda u: u - 100.0 < 60, 120.0, 160.0) == 160.0


# ------------------------------------------------------------------ the definition


METRICS = ("pause_s", "wrap_s", "talk_s", "absent_s", "ring_no_answer")


@st.composite
def agent_rules(draw: st.DrawFn) -> list[Rule]:
    """A few agent rules with every kind of figure, operator, hold-down and selector."""
    lines = []
    for n in range(draw(st.integers(1, 4))):
        metric = draw(st.sampled_from(METRICS))
        op = draw(st.sampled_from(("<", "<=", ">", ">=")))
        top = 2 if metric == "ring_no_answer" else 60
        threshold = draw(st.integers(0, top)) + draw(st.sampled_from((0.0, 0.5)))
        gap = draw(st.sampled_from((0.0, 0.0, 1.0, 10.0)))
        clear = threshold + gap if op in ("<", "<=") else threshold - gap
        lines += [
            "[[rule]]",
            f'id = "r{n}"',
            'kind = "agent"',
            f'metric = "{metric}"',
            f'op = "{op}"',
            f"threshold = {threshold}",
            f"clear = {clear}",
            f'for = "{draw(st.sampled_from((0, 0, 5, 30)))}s"',
            f'clear_for = "{draw(st.sampled_from((0, 0, 3, 20)))}s"',
            f'agent = "{draw(st.sampled_from(("*", "*", "A1", "A[12]", "A9")))}"',
        ]
        team = draw(st.sampled_from(("", "", "t1")))
        if team:
            lines.append(f'team = "{team}"')
        if metric == "pause_s" and draw(st.booleans()):
            lines.append(f'reason = "{draw(st.sampled_from(("lunch", "BR*")))}"')
    return parse_rules("\n".join(lines), "random.toml")


def every_second(scenario: Scenario, rules: list[Rule], end: float) -> tuple[list, list]:
    """The definition: every rule at every whole second on the full board, then `end`."""
    schedule = None if scenario.schedule is None else Schedule(scenario.schedule)
    reference = EverySecondStepper(Engine(scenario.config, schedule), Evaluator(rules))
    out: list[dict[str, Any]] = []
    for event in scenario.events:
        out += reference.apply(event)
    out += reference.advance(math.floor(end)) + reference.finish(end)
    return out, reference.active()


@settings(
    max_examples=400 if LONG else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios(max_steps=40, long_gaps=False), rules=agent_rules())
def test_the_stepper_gives_the_transitions_of_an_evaluation_every_second(scenario, rules):
    if not scenario.events:
        return
    # A quiet end long enough for the stepper to stop walking second by second.
    end = max(e.at for e in scenario.events) + (150.5 if len(scenario.events) % 3 else 1500.5)
    expected, active = every_second(scenario, rules, end)
    schedule = None if scenario.schedule is None else Schedule(scenario.schedule)
    s = AlarmStepper(Engine(scenario.config, schedule), Evaluator(rules))
    got: list[dict[str, Any]] = []
    for event in scenario.events:
        got += s.apply(event)
    got += s.advance(math.floor(end)) + s.finish(end)
    assert got == expected
    assert s.active() == active


def same_as_every_second(events: list[Event], text: str, end: float, **config: Any) -> list:
    """The stepper's transitions on `events`, checked against the definition."""
    scenario = Scenario(EngineConfig(**config), events, [])
    rules = parse_rules(text, "r.toml")
    expected, active = every_second(scenario, rules, end)
    s = AlarmStepper(Engine(scenario.config), Evaluator(rules))
    got: list[dict[str, Any]] = []
    for event in events:
        got += s.apply(event)
    got += s.advance(math.floor(end)) + s.finish(end)
    assert got == expected
    assert s.active() == active
    return got


def test_a_rule_below_a_growing_figure_clears_as_it_grows():
    text = WRAP_TALK_RNA.replace(
        'op = ">="\nthreshold = 60\nfor = "10s"', 'op = "<"\nthreshold = 30\nclear = 50'
    )
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q"),
        CallerJoined(T0, "q", "c1"),
        CallerAnswered(T0 + 5, "q", "c1", "A1"),
        CallEnded(T0 + 10, "q", "c1", "A1", wrap_s=90),
    ]
    got = same_as_every_second(events, text, T0 + 200.5)
    wraps = [(t["kind"], t["at"]) for t in got if t["rule"] == "wrap-long"]
    assert wraps == [
        ("firing", T0),  # not wrapping: 0 s of wrap-up
        ("resolved", T0 + 60),
        ("firing", T0 + 100),
    ]


def test_the_last_instant_of_a_replay_steps_every_agent_alarm():
    events: list[Event] = [
        AgentLoggedIn(T0, "A1", "q"),
        AgentPaused(T0 + 0.3, "A1", "q", reason="break"),
    ]
    got = same_as_every_second(events, PAUSES, T0 + 900.5)
    assert [(t["kind"], t["at"]) for t in got] == [("firing", T0 + 900.5)]


def test_an_agent_missing_at_the_start_of_a_shift_after_a_quiet_night():
    """No event all night: the shift edge alone starts the absence, which alarms on time."""
    schedule = Schedule([Shift("Alice", T0 + 36000, T0 + 50000)])
    s = stepper(ABSENT.replace('team = "blue"\n', ""), schedule=schedule)
    s.apply(AgentLoggedIn(T0, "Bob", "sales"))
    out = s.advance(T0 + 40000)
    assert [(t["agent"], t["at"], t["value"]) for t in out] == [("Alice", T0 + 36301, 301.0)]
    assert s.evaluations < 2000  # not every second of the night: the first half hour only
