"""Hand-computed agent states and their time integrals (docs/ENGINE.md "Agents")."""

from __future__ import annotations

import pytest

from tests.engine.test_engine_spans import T, run
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentRingNoAnswer,
    AgentStatus,
    AgentUnpaused,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerJoined,
)

# One agent, one call: available 0-100, ringing 100-110, talking 110-210, wrap 210-240.
ONE_CALL = [
    AgentLoggedIn(T, "A1", "q", "Alice"),
    CallerJoined(T + 95, "q", "c1"),
    AgentRinging(T + 100, "A1", "q", "c1"),
    CallerAnswered(T + 110, "q", "c1", "A1"),
    CallEnded(T + 210, "q", "c1", "A1", wrap_s=30.0),
]


def test_occupancy_and_calls_per_hour_over_the_day():
    snap = run(ONE_CALL, T + 300)
    day = snap["queues"]["q"]["day"]
    # busy 100; idle = available 100 + ringing 10 + available 60; wrap 30 excluded
    assert day["occupancy"] == pytest.approx(100 / 270)
    assert day["calls_per_hour"] == pytest.approx(1 / (300 / 3600))
    assert day["avg_ring_s"] == 10.0
    assert snap["all"]["day"]["occupancy"] == pytest.approx(100 / 270)


def test_occupancy_including_wrap():
    day = run(ONE_CALL, T + 300, occupancy_includes_wrap=True)["queues"]["q"]["day"]
    assert day["occupancy"] == pytest.approx(130 / 300)


def test_window_integral_cuts_the_segment_at_the_edge():
    # window [180, 300]: talking 180-210, wrap 210-240, available 240-300
    snap = run(ONE_CALL, T + 300, window_s=120.0)
    assert snap["queues"]["q"]["window"]["occupancy"] == pytest.approx(30 / 90)
    # window [400, 520]: only available time, no call activity at all
    later = run(ONE_CALL, T + 520, window_s=120.0)["queues"]["q"]["window"]
    assert later["occupancy"] == 0.0
    assert later["calls_per_hour"] == 0.0


def test_interval_integral_restarts_at_the_boundary():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        CallerJoined(T + 1700, "q", "c1"),
        CallerAnswered(T + 1700, "q", "c1", "A1"),
        CallEnded(T + 1900, "q", "c1", "A1"),
    ]
    snap = run(events, T + 2000)
    # interval [1800, 2000]: talking 100, available 100
    assert snap["all"]["interval"]["occupancy"] == pytest.approx(0.5)
    assert snap["all"]["day"]["occupancy"] == pytest.approx(200 / 2000)


def test_states_along_one_call():
    def state(t: float) -> str:
        events = [e for e in ONE_CALL if e.at <= t]
        return run(events, t)["agents"]["A1"]["state"]

    assert state(T + 50) == "available"
    assert state(T + 105) == "ringing"
    assert state(T + 150) == "talking"
    assert state(T + 239) == "wrap"
    assert state(T + 240) == "available"  # the wrap ran out exactly now


def test_wrap_cut_short_by_a_new_call():
    events = [
        *ONE_CALL,
        CallerJoined(T + 215, "q", "c2"),
        AgentRinging(T + 220, "A1", "q", "c2"),
    ]
    snap = run(events, T + 221)
    assert snap["queues"]["q"]["window"]["acw_s"] == 10.0
    assert snap["agents"]["A1"]["state"] == "ringing"
    # the wrap's own end time passes without recording a second wrap
    assert run(events, T + 300)["queues"]["q"]["day"]["acw_s"] == 10.0


def test_ringing_ended_by_another_agents_answer_and_by_an_abandon():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        AgentLoggedIn(T, "A2", "q"),
        AgentLoggedIn(T, "A3", "q"),
        CallerJoined(T + 1, "q", "c1"),
        AgentRinging(T + 2, "A1", "q", "c1"),
        AgentRinging(T + 2, "A2", "q", "c1"),
        CallerJoined(T + 3, "q", "c2"),
        AgentRinging(T + 3, "A3", "q", "c2"),
        CallerAnswered(T + 6, "q", "c1", "A2"),
        CallerAbandoned(T + 8, "q", "c2"),
    ]
    snap = run(events, T + 8)
    assert snap["agents"]["A1"]["state"] == "available"
    assert snap["agents"]["A2"]["state"] == "talking"
    assert snap["agents"]["A3"]["state"] == "available"
    assert snap["queues"]["q"]["window"]["avg_ring_s"] == 4.0
    assert snap["queues"]["q"]["agents"]["talking"] == 1
    assert snap["queues"]["q"]["agents"]["available"] == 2


def test_ring_no_answer_ends_ringing():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        CallerJoined(T + 1, "q", "c1"),
        AgentRinging(T + 2, "A1", "q", "c1"),
        AgentRingNoAnswer(T + 17, "A1", "q", "c1"),
    ]
    assert run(events, T + 17)["agents"]["A1"]["state"] == "available"


def test_implicit_membership():
    events = [CallerJoined(T, "sales", "c1"), AgentRinging(T + 1, "A7", "sales", "c1")]
    snap = run(events, T + 1)
    assert snap["agents"]["A7"] == {
        "name": "A7",
        "state": "ringing",
        "reason": "",
        "since": T + 1,
        "queues": ["sales"],
        "calls": 0,
        "team": "",
        "caller": "",
        "answered_at": None,
        "ring_no_answer": 0,
    }
    assert snap["queues"]["sales"]["agents"]["ringing"] == 1


def test_pause_reason_since_and_state_priority():
    events = [
        AgentLoggedIn(T, "A1", "b", "Alice"),
        AgentLoggedIn(T, "A1", "a"),
        AgentPaused(T + 10, "A1", "b", "lunch"),
        AgentPaused(T + 20, "A1", "a", "training"),
    ]
    snap = run(events, T + 30)
    agent = snap["agents"]["A1"]
    assert agent["state"] == "paused" and agent["reason"] == "training"  # queue "a" first
    assert agent["since"] == T + 20 and agent["name"] == "Alice"
    assert snap["queues"]["b"]["agents"]["paused"] == 1
    assert snap["all"]["agents"]["paused"] == 1
    # still available in "a" while "b" is paused
    partly = run(events[:3], T + 15)
    assert partly["agents"]["A1"]["state"] == "available"
    assert partly["queues"]["b"]["agents"]["paused"] == 1
    assert partly["queues"]["a"]["agents"]["available"] == 1
    resumed = run([*events, AgentUnpaused(T + 40, "A1", "a")], T + 40)["agents"]["A1"]
    assert resumed["state"] == "available" and resumed["reason"] == ""


def test_agent_counted_once_in_all_integrals():
    events = [
        AgentLoggedIn(T, "A1", "a"),
        AgentLoggedIn(T, "A1", "b"),
        CallerJoined(T, "a", "c1"),
        CallerAnswered(T + 100, "a", "c1", "A1"),
    ]
    snap = run(events, T + 200)
    assert snap["all"]["day"]["occupancy"] == 0.5
    assert snap["all"]["day"]["calls_per_hour"] == pytest.approx(1 / (200 / 3600))
    # each membership is talking on the call, whatever queue it came from
    assert snap["queues"]["b"]["day"]["occupancy"] == 0.5
    assert snap["queues"]["b"]["agents"]["talking"] == 1


def test_logout_and_logged_off_counts():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        AgentLoggedIn(T, "A2", "q"),
        AgentPaused(T + 100, "A2", "q", "break"),
        AgentLoggedOut(T + 200, "A1", "q"),
        AgentLoggedOut(T + 200, "nobody", "q"),
    ]
    snap = run(events, T + 400)
    assert snap["queues"]["q"]["agents"]["logged_off"] == 1
    assert snap["queues"]["q"]["agents"]["paused"] == 1
    assert snap["all"]["agents"]["logged_off"] == 1
    assert snap["agents"]["A1"]["state"] == "logged_off" and snap["agents"]["A1"]["queues"] == []
    assert "nobody" not in snap["agents"]
    day = snap["queues"]["q"]["day"]
    # logged in: A1 200 s + A2 400 s; no answers
    assert day["calls_per_hour"] == 0.0
    assert day["occupancy"] == 0.0  # idle 200 + 100, busy 0
    # the next day, A1's logout is no longer "earlier in the day"
    tomorrow = run(events, T + 86400)
    assert tomorrow["queues"]["q"]["agents"]["logged_off"] == 0


def test_call_in_progress_goes_on_after_logout():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 10, "q", "c1", "A1"),
        AgentLoggedOut(T + 20, "A1", "q"),
    ]
    snap = run(events, T + 30)
    assert snap["agents"]["A1"]["state"] == "talking"
    assert snap["queues"]["q"]["agents"]["talking"] == 0
    assert snap["queues"]["q"]["agents"]["logged_off"] == 1
    ended = run([*events, CallEnded(T + 40, "q", "c1", "A1")], T + 40)
    assert ended["queues"]["q"]["window"]["att_s"] == 30.0


def test_calls_count_answers_of_the_current_day():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 10, "q", "c1", "A1"),
        CallEnded(T + 20, "q", "c1", "A1"),
    ]
    assert run(events, T + 30)["agents"]["A1"]["calls"] == 1
    assert run(events, T + 86400)["agents"]["A1"]["calls"] == 0


def test_agent_status_resync():
    engine = Engine(EngineConfig())
    engine.apply(AgentStatus(T, "A1", "q", "Alice", paused=True, reason="lunch"))
    snap = engine.snapshot(T)
    assert snap["agents"]["A1"]["state"] == "paused"
    assert snap["agents"]["A1"]["reason"] == "lunch"
    engine.apply(AgentStatus(T + 10, "A1", "q", paused=False, in_call=True))
    assert engine.snapshot()["agents"]["A1"]["state"] == "talking"
    engine.apply(CallEnded(T + 70, "q", "whatever", "A1", wrap_s=5.0))
    snap = engine.snapshot(T + 80)
    assert snap["queues"]["q"]["window"]["att_s"] == 60.0
    assert snap["queues"]["q"]["window"]["acw_s"] == 5.0
    assert engine.unknown_calls == 0
    # without in_call, an unknown call is cleared; a known call is never touched
    engine.apply(AgentStatus(T + 90, "A1", "q", in_call=True))
    engine.apply(AgentStatus(T + 95, "A1", "q", in_call=False))
    assert engine.snapshot()["agents"]["A1"]["state"] == "available"
    engine.apply(CallerJoined(T + 100, "q", "c1"))
    engine.apply(CallerAnswered(T + 101, "q", "c1", "A1"))
    engine.apply(AgentStatus(T + 102, "A1", "q", in_call=False))
    assert engine.snapshot()["agents"]["A1"]["state"] == "talking"


def test_call_ended_found_by_the_agents_current_call():
    events = [
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 5, "q", "c1", "A1"),
        CallEnded(T + 65, "q", "other-id", "A1"),
    ]
    snap = run(events, T + 65)
    assert snap["queues"]["q"]["window"]["att_s"] == 60.0
    assert snap["agents"]["A1"]["state"] == "available"


def test_state_passing_through_one_event_does_not_touch_since():
    # c1 ends into a 90 s wrap; the late end of the older call c0 replaces that wrap
    # within one event: the agent stays in wrap, so `since` stays at the first call end.
    events = [
        CallerJoined(T, "q", "c0"),
        CallerAnswered(T + 1, "q", "c0", "A1"),
        CallerJoined(T + 2, "q", "c1"),
        CallerAnswered(T + 3, "q", "c1", "A1"),
        AgentPaused(T + 4, "A1", "q", "lunch"),
        CallEnded(T + 10, "q", "c1", "A1", wrap_s=90.0),
        CallEnded(T + 20, "q", "c0", "A1", wrap_s=5.0),
    ]
    snap = run(events, T + 21)
    assert snap["agents"]["A1"]["state"] == "wrap"
    assert snap["agents"]["A1"]["since"] == T + 10
    assert snap["queues"]["q"]["window"]["acw_s"] == 10.0  # the replaced wrap ran 10 s
    after = run(events, T + 25)
    assert after["agents"]["A1"]["state"] == "paused"
    assert after["agents"]["A1"]["since"] == T + 25
    assert after["queues"]["q"]["window"]["acw_s"] == 7.5
