"""Adherence, attendance and scheduled against hand-computed figures (docs/ENGINE.md, Schedule)."""

from __future__ import annotations

from datetime import time

from wallboard.engine import Engine
from wallboard.engine.schedule import Schedule, Shift
from wallboard.engine.settings import EngineConfig
from wallboard.events import AgentLoggedIn, AgentLoggedOut, AgentPaused, AgentUnpaused

T0 = 1732262400.0  # 2024-11-22 08:00 UTC, a day start below
CONFIG = EngineConfig(window_s=600.0, interval_s=1800.0, day_start=time(8))


def engine_with(*shifts: Shift) -> Engine:
    return Engine(CONFIG, Schedule(shifts))


def test_without_a_schedule_the_keys_are_none():
    engine = Engine(CONFIG)
    engine.apply(AgentLoggedIn(T0 + 10, "A1", "q1"))
    snap = engine.snapshot(T0 + 100)
    for block in (snap["queues"]["q1"], snap["all"]):
        assert block["scheduled"] is None and block["attendance"] is None
        assert block["window"]["adherence"] is None and block["day"]["adherence"] is None


def test_adherence_counts_ready_time_within_the_shift_only():
    # A1 scheduled 08:05-08:15 for every queue; logged in 08:00, paused 08:07-08:09.
    engine = engine_with(Shift("A1", T0 + 300, T0 + 900))
    engine.apply(AgentLoggedIn(T0, "A1", "q1"))
    engine.apply(AgentPaused(T0 + 420, "A1", "q1", "break"))
    engine.apply(AgentUnpaused(T0 + 540, "A1", "q1"))
    snap = engine.snapshot(T0 + 1200)
    # Scheduled 600 s, ready 600 - 120 = 480 s; the time before and after the shift is ignored.
    for block in (snap["queues"]["q1"], snap["all"]):
        assert block["day"]["adherence"] == 480 / 600
        assert block["interval"]["adherence"] == 480 / 600
        assert block["scheduled"] == 0 and block["attendance"] is None
    # Window [08:10, 08:20]: 300 s scheduled, all ready.
    assert snap["queues"]["q1"]["window"]["adherence"] == 1.0


def test_adherence_is_none_when_no_shift_falls_in_the_span():
    engine = engine_with(Shift("A1", T0 + 60, T0 + 120))
    engine.apply(AgentLoggedIn(T0, "A1", "q1"))
    snap = engine.snapshot(T0 + 3600)
    assert snap["all"]["window"]["adherence"] is None  # window starts at 08:50
    assert snap["all"]["interval"]["adherence"] is None  # interval starts at 08:30
    assert snap["all"]["day"]["adherence"] == 1.0


def test_attendance_counts_scheduled_agents_logged_in_now():
    # A1 (q1 only) and A2 (any queue) on shift from 08:00; A3 scheduled but never seen.
    engine = engine_with(
        Shift("A1", T0, T0 + 3600, "q1"),
        Shift("A2", T0, T0 + 3600),
        Shift("A3", T0, T0 + 3600),
    )
    engine.apply(AgentLoggedIn(T0 + 10, "A1", "q1"))
    engine.apply(AgentLoggedIn(T0 + 10, "A1", "q2"))
    engine.apply(AgentLoggedIn(T0 + 10, "A2", "q2"))
    engine.apply(AgentPaused(T0 + 20, "A2", "q2", "lunch"))
    snap = engine.snapshot(T0 + 60)
    q1, q2 = snap["queues"]["q1"], snap["queues"]["q2"]
    assert (q1["scheduled"], q1["attendance"]) == (3, 1 / 3)  # A1 in, A2 and A3 not members
    # q2: A1's shifts name q1 only, so A1 is not scheduled for q2; A2 (paused) counts.
    assert (q2["scheduled"], q2["attendance"]) == (2, 1 / 2)
    assert (snap["all"]["scheduled"], snap["all"]["attendance"]) == (3, 2 / 3)
    # q2 adherence: A2 ready 08:00:10-08:00:20 of 2 x 60 s scheduled (A2, A3).
    assert q2["day"]["adherence"] == 10 / 120


def test_shift_edges_on_span_edges_and_overlaps_merge():
    # Two overlapping shifts (one of them naming q1) form one 08:30-09:30 span.
    engine = engine_with(
        Shift("A1", T0 + 1800, T0 + 3000),
        Shift("A1", T0 + 2400, T0 + 5400, "q1"),
    )
    engine.apply(AgentLoggedIn(T0, "A1", "q1"))
    at_start = engine.snapshot(T0 + 1800)  # the shift starts exactly at the interval edge
    assert at_start["queues"]["q1"]["scheduled"] == 1
    assert at_start["queues"]["q1"]["attendance"] == 1.0
    assert at_start["queues"]["q1"]["interval"]["adherence"] is None  # empty interval
    engine.apply(AgentLoggedOut(T0 + 3600, "A1", "q1"))
    snap = engine.snapshot(T0 + 5400)  # the shift ends exactly now
    q1 = snap["queues"]["q1"]
    assert q1["scheduled"] == 0 and q1["attendance"] is None
    assert q1["day"]["adherence"] == 1800 / 3600  # ready 08:30-09:00 of 08:30-09:30
    assert q1["interval"]["adherence"] is None  # 09:30 starts an empty interval
    assert q1["window"]["adherence"] == 0.0  # 09:20-09:30: logged off throughout
    # `all` uses the same merged span; the agent state is logged off from 09:00.
    assert snap["all"]["day"]["adherence"] == 1800 / 3600
