"""Deterministic engine-vs-oracle cases for the readings docs/ENGINE.md had to pin down.

Each is a small stream showing one edge the random streams reach only rarely.
The first is the one engine bug the property test caught (an agent's `since`
moved where a call end replaced a running wrap by another; fixed in 9b5d35c).
"""

from __future__ import annotations

from datetime import time

import pytest

from tests.engine.oracle import oracle_snapshot
from tests.engine.test_properties import first_difference
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentRingNoAnswer,
    AgentStatus,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerGone,
    CallerJoined,
    Event,
    HoldEnded,
    HoldStarted,
)

T = 1732262400.0  # 2024-11-22 08:00 UTC

CASES: dict[str, list[Event]] = {
    "wrap replaced by a wrap keeps since": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 1, "q", "c1", "A"),
        CallerJoined(T + 2, "q", "c2"),
        CallerAnswered(T + 3, "q", "c2", "A"),
        CallEnded(T + 4, "q", "c2", "A", wrap_s=90.0),
        CallEnded(T + 10, "q", "c1", "A", wrap_s=5.0),
    ],
    "a second call with one id: the first ends through its agent": [
        CallerAnswered(T + 1, "q", "c", "A", wait_s=3.0),
        CallerJoined(T + 2, "q", "c"),
        CallerAnswered(T + 3, "q", "c", "B"),
        CallEnded(T + 4, "q", "c", "B"),
        CallEnded(T + 10, "q", "c", "A"),
    ],
    "the first of two same-id calls ends in its own queue": [
        CallerAnswered(T + 1, "q", "c", "A", wait_s=3.0),
        CallerJoined(T + 2, "q", "c"),
        CallerAnswered(T + 3, "q", "c", "B"),
        CallEnded(T + 4, "q", "c", "B"),
        CallEnded(T + 10, "r", "c", "A", wrap_s=1.0),
    ],
    "ending the first of two same-id calls keeps the second named": [
        CallerAnswered(T + 1, "q", "c", "A", wait_s=3.0),
        CallerJoined(T + 2, "q", "c"),
        CallerAnswered(T + 3, "q", "c", "B"),
        CallEnded(T + 5, "q", "other", "A"),
        CallEnded(T + 8, "q", "c", "C"),
    ],
    "gone for a call not waiting ends its ringing": [
        AgentLoggedIn(T, "A", "q"),
        AgentRinging(T + 1, "A", "q", "x"),
        CallerGone(T + 2, "q", "x"),
    ],
    "call end naming another agent": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "c"),
        CallerAnswered(T + 1, "q", "c", "A"),
        CallEnded(T + 5, "q", "c", "B", wrap_s=30.0),
    ],
    "logout mid-call, call end brings the agent back": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "c"),
        CallerAnswered(T + 1, "q", "c", "A"),
        AgentLoggedOut(T + 2, "A", "q"),
        CallEnded(T + 5, "q", "c", "A", wrap_s=30.0),
        AgentLoggedOut(T + 8, "A", "q"),
    ],
    "re-login keeps the pause": [
        AgentPaused(T, "A", "q", "lunch"),
        AgentLoggedIn(T + 5, "A", "q"),
    ],
    "status call while wrapping, then ringing": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "c"),
        CallerAnswered(T + 1, "q", "c", "A"),
        CallEnded(T + 5, "q", "c", "A", wrap_s=30.0),
        AgentStatus(T + 10, "A", "q", in_call=True),
        AgentRinging(T + 12, "A", "q", "d"),
        CallEnded(T + 15, "q", "unknown", "A", wrap_s=2.0),
    ],
    "hold on a call no longer current": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 1, "q", "c1", "A"),
        HoldStarted(T + 2, "c1"),
        CallerJoined(T, "q", "c2"),
        CallerAnswered(T + 3, "q", "c2", "A"),
        HoldEnded(T + 6, "c1"),
        CallEnded(T + 8, "q", "c1", "A", wrap_s=4.0),
    ],
    "ringing or an answer ends wraps in every queue": [
        AgentLoggedIn(T, "A", "q1"),
        AgentLoggedIn(T, "A", "q2"),
        CallerJoined(T, "q1", "c1"),
        CallerAnswered(T + 1, "q1", "c1", "A"),
        CallerJoined(T, "q2", "c2"),
        CallerAnswered(T + 2, "q2", "c2", "A"),
        CallEnded(T + 3, "q2", "c2", "A", wrap_s=50.0),
        CallEnded(T + 4, "q1", "c1", "A", wrap_s=50.0),
        AgentRinging(T + 10, "A", "q1", "z"),
    ],
    "ring-no-answer for another call, re-ring keeps the start": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T, "q", "a"),
        AgentRinging(T + 1, "A", "q", "a"),
        AgentRingNoAnswer(T + 2, "A", "q", "b"),
        AgentRinging(T + 3, "A", "q", "a"),
        AgentRinging(T + 4, "A", "q", "a"),
        CallerAnswered(T + 6, "q", "a", "A"),
    ],
    "late event is clamped to the clock": [
        AgentLoggedIn(T, "A", "q"),
        CallerJoined(T + 10, "q", "c"),
        CallerAbandoned(T + 5, "q", "c"),
    ],
    "fractional times on a long day": [
        AgentLoggedIn(T + 0.123456, "A", "q"),
        CallerJoined(T + 3600.987654, "q", "c"),
        CallerAnswered(T + 3611.000001, "q", "c", "A"),
        CallEnded(T + 3900.333333, "q", "c", "A", wrap_s=7.25),
    ],
}


@pytest.mark.parametrize("events", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("after", [0.0, 5.0, 60.0, 4000.0])
def test_engine_matches_oracle(events: list[Event], after: float) -> None:
    config = EngineConfig(window_s=60.0, interval_s=300.0, extra_windows_s=(30.0,))
    engine = Engine(config)
    for event in events:
        engine.apply(event)
    t = max(e.at for e in events) + after
    assert first_difference(engine.snapshot(t), oracle_snapshot(events, t, config)) is None


@pytest.mark.parametrize(
    "t",
    [1729989000.0, 1729990800.0, 1729992600.0, 1729992600.5],  # around the repeated 01:30
)
def test_day_span_across_the_autumn_dst_repeat(t: float) -> None:
    config = EngineConfig(timezone="Europe/London", day_start=time(1, 30), window_s=60.0)
    events: list[Event] = [AgentLoggedIn(1729988000.0, "A", "q")]
    for k, at in enumerate([1729989000.0, 1729990800.0, 1729992600.0]):
        events += [
            CallerJoined(at - 1, "q", f"c{k}"),
            CallerAnswered(at, "q", f"c{k}", "A"),
            CallEnded(at, "q", f"c{k}", "A"),
        ]
    fed = [e for e in events if e.at <= t]
    engine = Engine(config)
    for event in fed:
        engine.apply(event)
    assert first_difference(engine.snapshot(t), oracle_snapshot(fed, t, config)) is None
