"""`callbacks_pending` as an alarm metric: by hand, against the snapshot, and the stepper
against the every-second reference where the callback list changes without the queue's
totals (an answer in another queue, a call placed, an entry expiring)."""

from __future__ import annotations

from typing import Any

from tests.alarms.reference import EverySecondStepper
from tests.alarms.test_change_points import assert_same_alarms
from wallboard.alarms import AlarmStepper, Evaluator, parse_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerJoined,
    Event,
    NumberDialed,
)

T0 = 1732262400.0

RULES = """
[[rule]]
id = "callbacks"
metric = "callbacks_pending"
queue = "*"
op = ">="
threshold = 1
for = "2s"

[[rule]]
id = "callbacks-all"
metric = "callbacks_pending"
queue = "all"
op = ">="
threshold = 2
"""


def _abandon(at: float, queue: str, call: str, number: str) -> list[Event]:
    return [CallerJoined(at, queue, call, number), CallerAbandoned(at + 20, queue, call, 20.0)]


def _events() -> list[Event]:
    return [
        AgentLoggedIn(T0, "A1", "q2"),
        *_abandon(T0 + 1, "q1", "c1", "+44 20 7946 0958"),
        *_abandon(T0 + 3.5, "q1", "c2", "5551234567"),
        # The first number comes back in q2 and is answered: q1's totals do not move.
        CallerJoined(T0 + 100, "q2", "c3", "02079460958"),
        CallerAnswered(T0 + 102, "q2", "c3", "A1", 2.0),
        CallEnded(T0 + 150, "q2", "c3", "A1", talk_s=48.0),
        # An agent calls the second one back.
        NumberDialed(T0 + 200.5, "5551234567", "A1"),
        # A third abandons and is left to expire (keep_s 300 s).
        *_abandon(T0 + 250, "q1", "c4", "07700900123"),
        AgentLoggedIn(T0 + 900, "A2", "q2"),
    ]


def _run(stepper: AlarmStepper | EverySecondStepper, events: list[Event], end: float) -> list:
    out: list[dict[str, Any]] = []
    for event in events:
        out += stepper.apply(event)
    return out + stepper.finish(end)


def test_callbacks_pending_fires_and_resolves_where_the_list_changes():
    config = EngineConfig(callbacks_keep_s=300.0)
    stepper = AlarmStepper(Engine(config), Evaluator(parse_rules(RULES, "r.toml")))
    got = [
        (t["kind"], t["rule"], t["queue"], t["at"], t["value"])
        for t in _run(stepper, _events(), T0 + 1000)
    ]
    assert got == [
        ("firing", "callbacks", "q1", T0 + 23, 1.0),  # abandoned at 21, held 2 s
        ("firing", "callbacks-all", "all", T0 + 24, 2.0),  # 23.5: the second one
        ("resolved", "callbacks-all", "all", T0 + 102, 1.0),  # answered in q2
        ("resolved", "callbacks", "q1", T0 + 201, 0.0),  # called back at 200.5
        ("firing", "callbacks", "q1", T0 + 272, 1.0),
        ("resolved", "callbacks", "q1", T0 + 570, 0.0),  # 300 s after its abandon at 270
    ]


def test_callbacks_pending_equals_every_second():
    config = EngineConfig(callbacks_keep_s=300.0)
    events = _events()
    looks = {i: [events[i].at - 0.25, events[i].at] for i in range(len(events))}
    assert_same_alarms(parse_rules(RULES, "r.toml"), config, events, looks, T0 + 1000.5)


def test_a_queue_rule_on_callbacks_pending_reads_the_list_not_the_agents():
    """The drawn rule set the port failed on (KeyError: '' in the probe, which took the
    metric for an agent count): `callbacks_pending` on each queue and on `all`."""
    rules = parse_rules(
        """
        [[rule]]
        id = "r0"
        metric = "callbacks_pending"
        queue = "q[12]"
        op = "<="
        threshold = 1.0
        clear = 1.0
        for = "5s"
        clear_for = "3s"

        [[rule]]
        id = "r1"
        metric = "callbacks_pending"
        queue = "all"
        op = "<="
        threshold = 1.0
        clear = 1.0
        for = "5s"
        clear_for = "3s"
        """,
        "drawn.toml",
    )
    events: list[Event] = [
        AgentLoggedIn(T0, "A3", "q1"),
        *_abandon(T0 + 136, "q3", "c1", "0201234567"),
        *_abandon(T0 + 140.5, "q2", "c2", "+44 20 1234567"),
        *_abandon(T0 + 141.5, "q2", "c3", "5551234"),
    ]
    assert_same_alarms(rules, EngineConfig(), events, {3: [T0 + 150.0]}, T0 + 200.0)
