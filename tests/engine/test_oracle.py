"""The oracle itself, against figures computed by hand from docs/ENGINE.md.

These pin the reference down without the engine, so that when the two
disagree the oracle is not the first suspect.
"""

from __future__ import annotations

import math
from datetime import time
from typing import Any

import pytest

from tests.engine.oracle import (
    day_start,
    erlang_c,
    erlang_c_exact,
    erlang_c_log,
    erlang_service_level,
    oracle_snapshot,
    replay,
    staffing,
)
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentStatus,
    AgentUnpaused,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerJoined,
    Event,
    HoldEnded,
    HoldStarted,
)

T0 = 1732262400.0  # 2024-11-22 08:00 UTC: a multiple of 300, 600 and 1800 s


def snapshot(events: list[Event], at: float, **config: Any) -> dict[str, Any]:
    return oracle_snapshot(events, T0 + at, EngineConfig(**config))


CALLS: list[Event] = [
    CallerJoined(T0, "q", "c1"),
    CallerJoined(T0 + 5, "q", "c2"),
    CallerAbandoned(T0 + 8, "q", "c2"),  # wait 3: short
    CallerAnswered(T0 + 10, "q", "c1", "A"),  # wait 10: in SL
    CallerJoined(T0 + 10, "q", "c3"),
    CallerJoined(T0 + 20, "q", "c4"),
    CallerAbandoned(T0 + 40, "q", "c3"),  # wait 30
    CallerExited(T0 + 50, "q", "c4"),  # wait 30
    CallerJoined(T0 + 50, "q", "c5"),
    CallBlocked(T0 + 60, "q", "b1"),
    CallerAnswered(T0 + 75, "q", "c5", "B"),  # wait 25: out of SL
]


def test_window_excludes_its_left_edge_and_includes_t():
    span = snapshot(CALLS[:10], 70, window_s=60)["queues"]["q"]["window"]
    # (10, 70]: the answer at 10 and the short abandon at 8 are out
    assert (span["offered"], span["answered"], span["abandoned"], span["overflow"]) == (2, 0, 1, 1)
    assert (span["short_abandoned"], span["blocked"]) == (0, 1)
    assert span["service_level"] == 0.0
    assert span["abandon_rate"] == 0.5
    assert span["avg_abandon_s"] == 30.0
    assert span["asa_s"] is None
    assert span["blocked_rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("offered", 1 / 3), ("answered_only", 1.0), ("abandons_in_sl_good", 0.5)],
)
def test_interval_counts_and_service_level_variants(variant, expected):
    span = snapshot(CALLS[:10], 70, interval_s=300, sl_variant=variant)["all"]["interval"]
    assert (span["offered"], span["answered"], span["short_abandoned"]) == (4, 1, 1)
    assert span["service_level"] == pytest.approx(expected)
    assert span["avg_queue_s"] == (10 + 3 + 30 + 30) / 4
    assert span["asa_s"] == 10.0
    assert span["answered_pct"] == 0.25
    assert span["queued_pct"] == 1.0


def test_snapshot_on_an_interval_boundary_has_an_empty_interval():
    board = snapshot(CALLS, 300, interval_s=300)
    assert board["all"]["interval"]["offered"] == 0
    assert board["all"]["interval"]["service_level"] is None
    assert board["all"]["day"]["offered"] == 5  # day starts 08:00 UTC, at T0


def test_queued_and_short_thresholds_are_strict_and_sl_inclusive():
    events: list[Event] = [
        CallerJoined(T0, "q", "c1"),
        CallerAnswered(T0 + 1, "q", "c1", "A"),  # wait == queued_min_s: not queued
        CallerJoined(T0 + 1, "q", "c2"),
        CallerAbandoned(T0 + 6, "q", "c2"),  # wait == short_abandon_s: a real abandon
        CallerJoined(T0 + 6, "q", "c3"),
        CallerAnswered(T0 + 8, "q", "c3", "A", wait_s=20.0),  # reported wait == T: in SL
    ]
    span = snapshot(events, 10, short_abandon_s=5.0, queued_min_s=1.0)["all"]["window"]
    assert (span["abandoned"], span["short_abandoned"], span["answered_in_sl"]) == (1, 0, 2)
    assert span["queued_pct"] == pytest.approx(2 / 3)
    assert span["asa_s"] == (1 + 20) / 2


AGENT_DAY: list[Event] = [
    AgentLoggedIn(T0, "A", "q", name="Alice"),
    CallerJoined(T0, "q", "c1"),
    AgentRinging(T0 + 10, "A", "q", "c1"),
    CallerAnswered(T0 + 14, "q", "c1", "A"),
    HoldStarted(T0 + 20, "c1"),
    HoldEnded(T0 + 30, "c1"),
    CallEnded(T0 + 40, "q", "c1", "A", wrap_s=10.0),
    AgentPaused(T0 + 60, "A", "q", reason="lunch"),
]


def test_agent_state_integrals_and_call_averages():
    board = snapshot(AGENT_DAY, 80, window_s=100)
    span = board["queues"]["q"]["window"]
    # available 20, ringing 4, talking 16, hold 10, wrap 10, paused 20
    assert span["occupancy"] == 26 / 50
    assert span["calls_per_hour"] == 1 / (80 / 3600)
    assert (span["att_s"], span["avg_hold_s"], span["acw_s"], span["aht_s"]) == (26, 10, 10, 36)
    assert (span["avg_ring_s"], span["transfer_rate"]) == (4.0, 0.0)
    assert board["all"]["window"]["occupancy"] == 26 / 50
    wrapped = snapshot(AGENT_DAY, 80, window_s=100, occupancy_includes_wrap=True)
    assert wrapped["all"]["window"]["occupancy"] == 36 / 60
    assert board["agents"]["A"] == {
        "name": "Alice",
        "state": "paused",
        "reason": "lunch",
        "since": T0 + 60,
        "queues": ["q"],
        "calls": 1,
        "team": "",
        "caller": "",
        "answered_at": None,
        "ring_no_answer": 0,
    }
    assert board["queues"]["q"]["agents"]["paused"] == 1


def test_window_integral_clips_states_at_its_left_edge():
    span = snapshot(AGENT_DAY, 80, window_s=50)["all"]["window"]
    # [30, 80]: talking 10, wrap 10, available 10, paused 20
    assert span["occupancy"] == 10 / 20
    assert span["calls_per_hour"] == 0.0  # the answer at 14 is out of (30, 80]


def test_wrap_runs_out_by_itself():
    during = snapshot(AGENT_DAY[:7], 45)
    assert during["agents"]["A"]["state"] == "wrap"
    assert during["agents"]["A"]["since"] == T0 + 40
    assert during["all"]["window"]["acw_s"] is None
    after = snapshot(AGENT_DAY[:7], 50)
    assert after["agents"]["A"]["state"] == "available"
    assert after["agents"]["A"]["since"] == T0 + 50
    assert after["all"]["window"]["acw_s"] == 10.0


def test_logout_mid_call_wrap_after_logout_cut_by_ringing_and_zero_wrap():
    events: list[Event] = [
        AgentLoggedIn(T0, "A", "q1"),
        AgentLoggedIn(T0, "A", "q2"),
        CallerJoined(T0, "q1", "c1"),
        CallerAnswered(T0 + 5, "q1", "c1", "A"),
        AgentLoggedOut(T0 + 10, "A", "q1"),  # the call goes on
        CallEnded(T0 + 20, "q1", "c1", "A", wrap_s=30.0),  # implicitly back in q1
        AgentLoggedOut(T0 + 25, "A", "q1"),  # the wrap runs on, adding no seconds
        CallerJoined(T0 + 25, "q2", "c2"),
        AgentRinging(T0 + 30, "A", "q2", "c2"),  # ends the q1 wrap after 10 s
        CallerAnswered(T0 + 35, "q2", "c2", "A"),
        CallEnded(T0 + 45, "q2", "c2", "A"),  # zero wrap
    ]
    board = snapshot(events, 50)
    q1, q2, every = board["queues"]["q1"], board["queues"]["q2"], board["all"]
    assert (q1["window"]["att_s"], q1["window"]["acw_s"]) == (15.0, 10.0)
    # member 0-10 (available 5, talking 5) and 20-25 (wrap)
    assert q1["window"]["occupancy"] == 5 / 10
    assert q1["window"]["calls_per_hour"] == 1 / (15 / 3600)
    assert q1["agents"]["logged_off"] == 1
    assert (q2["window"]["att_s"], q2["window"]["acw_s"]) == (10.0, 0.0)
    assert q2["window"]["occupancy"] == 25 / 50  # the q1 call counts in q2 too
    assert q2["window"]["avg_ring_s"] == 5.0
    assert (every["window"]["att_s"], every["window"]["acw_s"]) == (12.5, 5.0)
    # talking 25, available 15, ringing 5, wrap 5 (20-25, while still in q1)
    assert every["window"]["occupancy"] == 25 / 45
    assert board["agents"]["A"]["calls"] == 2
    assert board["agents"]["A"]["queues"] == ["q2"]


def test_unknown_calls_are_dropped_and_status_calls_end_by_agent():
    events: list[Event] = [
        CallerAnswered(T0, "q", "c9", "A"),  # never joined, no wait: dropped
        CallerAbandoned(T0 + 1, "q", "c8", wait_s=7.0),  # reported wait: counted
        AgentStatus(T0 + 10, "B", "q", in_call=True),
        CallEnded(T0 + 40, "q", "other", "B"),  # ends B's unknown call: talk 30
        CallEnded(T0 + 41, "q", "c7", "C"),  # nothing to end: dropped
    ]
    state = replay(events, T0 + 50, EngineConfig())
    assert state.history.unknown_calls == 2
    board = snapshot(events, 50)
    assert sorted(board["agents"]) == ["B"]
    span = board["queues"]["q"]["window"]
    assert (span["offered"], span["abandoned"], span["avg_abandon_s"]) == (1, 1, 7.0)
    assert (span["att_s"], span["avg_hold_s"], span["acw_s"]) == (30.0, 0.0, 0.0)


def test_since_reason_and_first_paused_queue():
    events: list[Event] = [
        AgentPaused(T0, "A", "q2", reason="b"),
        AgentPaused(T0 + 5, "A", "q1", reason="a"),
        AgentStatus(T0 + 10, "A", "q1", paused=True, reason="a"),  # no change
        AgentPaused(T0 + 20, "A", "q2", reason="c"),  # q1 still decides the reason
    ]
    agent = snapshot(events, 30)["agents"]["A"]
    assert (agent["state"], agent["reason"], agent["since"]) == ("paused", "a", T0 + 5)
    agent = snapshot([*events, AgentUnpaused(T0 + 25, "A", "q1")], 30)["agents"]["A"]
    assert (agent["state"], agent["reason"], agent["since"]) == ("available", "", T0 + 25)


def test_staffing_from_window_rate_and_aht():
    events: list[Event] = [AgentLoggedIn(T0, "A", "q")]
    events += [CallerJoined(T0 + 60 * k + 30, "q", f"c{k}") for k in range(10)]
    events += [
        CallerAnswered(T0 + 40, "q", "c0", "A"),
        CallEnded(T0 + 90, "q", "c0", "A", wrap_s=10.0),
    ]
    events.sort(key=lambda e: e.at)
    block = snapshot(events, 600, window_s=600, sl_threshold_s=20.0, sl_target=0.8)["all"]
    # rate 10 / 600 s, aht 50 + 10: one erlang; SL(2) = 0.76, SL(3) = 0.95
    assert (block["agents_required"], block["staffing_gap"]) == (3, 2)
    assert block["predicted_sl"] == 0.0  # one agent cannot carry one erlang
    assert erlang_service_level(3, 1.0, 20.0, 60.0) == pytest.approx(1 - math.exp(-2 / 3) / 11)


def test_staffing_without_traffic_or_aht():
    quiet = snapshot([AgentLoggedIn(T0, "A", "q")], 60)["all"]
    assert (quiet["agents_required"], quiet["staffing_gap"], quiet["predicted_sl"]) == (
        None,
        None,
        None,
    )
    events: list[Event] = [
        AgentLoggedIn(T0, "A", "q"),
        CallerJoined(T0, "q", "c1"),
        CallerAnswered(T0, "q", "c1", "A"),
        CallEnded(T0 + 200, "q", "c1", "A"),
    ]
    idle = snapshot(events, 200, window_s=100)["all"]  # no join in the window: rate 0
    assert (idle["agents_required"], idle["staffing_gap"], idle["predicted_sl"]) == (0, -1, None)


def test_erlang_c_textbook_values_and_both_methods_agree():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-15)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-15)
    for agents, traffic in [(70, 60.0), (100, 90.5), (61, 12.25)]:
        assert erlang_c_log(agents, traffic) == pytest.approx(
            erlang_c_exact(agents, traffic), rel=1e-12
        )
    assert staffing(1 / 60, 60.0, 20.0, 0.8, 3) == (3, 0, erlang_service_level(3, 1.0, 20.0, 60.0))


LONDON_0130 = EngineConfig(timezone="Europe/London", day_start=time(1, 30))


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (1711886400.0, 1711762200.0),  # 2024-03-31 12:00Z: 01:30 skipped, so 03-30 01:30 GMT
        (1729990800.0, 1729989000.0),  # 2024-10-27 01:00Z: after the first 01:30 (00:30Z)
        (1729992600.0, 1729992600.0),  # exactly the second 01:30 (01:30Z)
        (1729992599.5, 1729989000.0),
    ],
)
def test_day_start_across_dst(t, expected):
    assert day_start(t, LONDON_0130) == expected


def test_day_start_in_utc_and_off_grid_zones():
    assert day_start(T0, EngineConfig(day_start=time(8, 0))) == T0
    assert day_start(T0 - 0.5, EngineConfig(day_start=time(8, 0))) == T0 - 86400
    kolkata = EngineConfig(timezone="Asia/Kolkata", day_start=time(6, 0))
    assert day_start(T0, kolkata) == T0 - 7.5 * 3600  # 06:00 IST = 00:30Z


def test_day_span_excludes_its_start_and_counts_members_who_left_since():
    events: list[Event] = [
        AgentLoggedIn(T0 - 100, "A", "q"),
        AgentLoggedIn(T0 - 100, "B", "q"),
        CallerJoined(T0 - 10, "q", "c1"),
        CallerAbandoned(T0, "q", "c1"),  # exactly at the day start: not in the day
        AgentLoggedOut(T0 - 1, "A", "q"),  # before the day: not counted
        AgentLoggedOut(T0, "B", "q"),  # at the day start: counted as logged off
    ]
    events.sort(key=lambda e: e.at)
    board = snapshot(events, 30, day_start=time(8, 0))
    assert board["queues"]["q"]["day"]["offered"] == 0
    assert board["queues"]["q"]["window"]["offered"] == 1
    assert board["queues"]["q"]["agents"]["logged_off"] == 1
    assert board["all"]["agents"]["logged_off"] == 2
