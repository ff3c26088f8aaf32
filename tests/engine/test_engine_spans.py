"""Hand-computed call metrics and span edges (docs/ENGINE.md "Calls", "Spans", "Rates")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any

import pytest

from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.engine.snapshot import Snapshot
from wallboard.events import (
    AgentLoggedIn,
    AgentRingNoAnswer,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
    Event,
    HoldEnded,
    HoldStarted,
)

T = 1732262400.0  # 2024-11-22 08:00 UTC, on a 30-minute boundary


def run(events: Iterable[Event], t: float | None = None, **config: Any) -> Snapshot:
    """The snapshot at `t` after applying `events` (in time order) to a fresh engine."""
    engine = Engine(EngineConfig(**config))
    for event in sorted(events, key=lambda e: e.at):
        engine.apply(event)
    return engine.snapshot(t)


def answered(at: float, wait: float, call: str = "c1", queue: str = "q", agent: str = "A1"):
    return [
        CallerJoined(T + at - wait, queue, call),
        CallerAnswered(T + at, queue, call, agent),
    ]


def test_empty_engine_reports_zero_counts_and_null_rates():
    snap = run([], T)
    span = snap["all"]["window"]
    assert span["offered"] == 0 and span["blocked"] == 0
    for key in ("service_level", "asa_s", "abandon_rate", "occupancy", "calls_per_hour", "aht_s"):
        assert span[key] is None
    assert snap["queues"] == {} and snap["agents"] == {}
    assert snap["all"]["agents_required"] is None


def test_answer_counts_wait_and_service_level():
    events = [
        *answered(30, 12.0, "c1"),
        *answered(60, 25.0, "c2", agent="A2"),
    ]
    window = run(events, T + 60)["queues"]["q"]["window"]
    assert window["offered"] == 2 and window["answered"] == 2
    assert window["answered_in_sl"] == 1
    assert window["service_level"] == 0.5
    assert window["asa_s"] == pytest.approx(18.5)
    assert window["avg_queue_s"] == pytest.approx(18.5)
    assert window["answered_pct"] == 1.0


def test_service_level_threshold_is_inclusive():
    events = [*answered(20, 20.0, "c1"), *answered(40, 20.5, "c2", agent="A2")]
    window = run(events, T + 40)["queues"]["q"]["window"]
    assert window["answered_in_sl"] == 1


def test_source_wait_is_preferred_over_event_times():
    events = [
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 30, "q", "c1", "A1", wait_s=19.0),
    ]
    window = run(events, T + 30)["queues"]["q"]["window"]
    assert window["asa_s"] == 19.0 and window["answered_in_sl"] == 1


def test_short_abandon_boundary_is_exclusive():
    events = [
        CallerJoined(T, "q", "short"),
        CallerAbandoned(T + 4.5, "q", "short"),
        CallerJoined(T + 10, "q", "long"),
        CallerAbandoned(T + 15, "q", "long"),  # wait exactly 5 s: not short
        *answered(40, 10.0, "c3"),
    ]
    window = run(events, T + 40)["queues"]["q"]["window"]
    assert window["short_abandoned"] == 1 and window["abandoned"] == 1
    assert window["offered"] == 3
    assert window["avg_abandon_s"] == 5.0
    assert window["avg_queue_s"] == pytest.approx((4.5 + 5 + 10) / 3)
    assert window["abandon_rate"] == 0.5  # 1 / (3 - 1)
    assert window["service_level"] == 0.5


def test_service_level_variants():
    events = [
        *answered(10, 10.0, "a1"),
        *answered(50, 40.0, "a2", agent="A2"),
        CallerJoined(T + 50, "q", "ab_short"),
        CallerAbandoned(T + 52, "q", "ab_short"),
        CallerJoined(T + 50, "q", "ab_long"),
        CallerAbandoned(T + 80, "q", "ab_long"),
        CallerJoined(T + 60, "q", "ex"),
        CallerExited(T + 70, "q", "ex", "timeout"),
    ]
    offered = run(events, T + 80)["queues"]["q"]["window"]
    assert offered["offered"] == 5 and offered["overflow"] == 1
    assert offered["service_level"] == 0.25  # 1 / (5 - 1)
    only = run(events, T + 80, sl_variant="answered_only")["queues"]["q"]["window"]
    assert only["service_level"] == 0.5
    good = run(events, T + 80, sl_variant="abandons_in_sl_good")["queues"]["q"]["window"]
    # answered a1, short abandon (2 s) and exit (10 s) are within 20 s
    assert good["service_level"] == pytest.approx(3 / 5)


def test_per_queue_settings_and_all_uses_engine_wide_variant():
    config = {
        "queues": {"vip": QueueSettings(sl_threshold_s=10.0, sl_variant="answered_only")},
    }
    events = [
        *answered(15, 15.0, "c1", queue="vip"),
        *answered(30, 15.0, "c2", queue="std", agent="A2"),
        CallerJoined(T + 30, "std", "c3"),
        CallerAbandoned(T + 40, "std", "c3"),
    ]
    snap = run(events, T + 40, **config)
    assert snap["queues"]["vip"]["window"]["service_level"] == 0.0
    assert snap["queues"]["std"]["window"]["service_level"] == 0.5
    # all: thresholds applied per call (vip call out of SL), variant "offered": 1 / 3
    assert snap["all"]["window"]["service_level"] == pytest.approx(1 / 3)
    assert snap["all"]["window"]["offered"] == 3


def test_window_edge_excludes_t_minus_w_and_includes_t():
    events = answered(100, 5.0)
    assert run(events, T + 100)["all"]["window"]["answered"] == 1
    assert run(events, T + 999.5)["all"]["window"]["answered"] == 1
    assert run(events, T + 1000)["all"]["window"]["answered"] == 0
    assert run(events, T + 1000)["all"]["window"]["asa_s"] is None


def test_extra_windows_are_reported_by_whole_seconds():
    events = [*answered(10, 5.0, "c1"), *answered(250, 5.0, "c2", agent="A2")]
    snap = run(events, T + 400, extra_windows_s=(300.0,))
    assert snap["all"]["windows"]["300"]["answered"] == 1
    assert snap["all"]["window"]["answered"] == 2


def test_interval_boundary():
    events = [*answered(1799, 5.0, "before"), *answered(1800, 5.0, "at", agent="A2")]
    assert run(events[:2], T + 1799)["all"]["interval"]["answered"] == 1
    snap = run(events, T + 1800)
    assert snap["all"]["interval"]["answered"] == 0
    assert snap["all"]["day"]["answered"] == 2
    # an item stamped exactly on the boundary belongs to no interval
    assert run(events, T + 1801)["all"]["interval"]["answered"] == 0
    later = [*events, *answered(1802, 5.0, "after", agent="A3")]
    assert run(later, T + 1802)["all"]["interval"]["answered"] == 1


def test_interval_rolls_over_across_a_gap_of_several_intervals():
    events = [*answered(10, 5.0, "c1"), *answered(3 * 1800 + 10, 5.0, "c2", agent="A2")]
    snap = run(events, T + 3 * 1800 + 20)
    assert snap["all"]["interval"]["answered"] == 1
    assert snap["all"]["day"]["answered"] == 2


def test_day_starts_at_local_day_start_in_a_non_utc_zone():
    # 06:00 in New York on 2024-11-22 (EST, UTC-5) is 11:00 UTC = T + 3 h
    config = {"timezone": "America/New_York", "day_start": time(6, 0)}
    events = [*answered(3 * 3600 - 1, 5.0, "c1"), *answered(3 * 3600 + 60, 5.0, "c2", agent="A2")]
    assert run(events[:2], T + 3 * 3600 - 1, **config)["all"]["day"]["answered"] == 1
    assert run(events[:2], T + 3 * 3600, **config)["all"]["day"]["answered"] == 0
    assert run(events, T + 3 * 3600 + 60, **config)["all"]["day"]["answered"] == 1
    # in UTC the day started at midnight, both count
    assert run(events, T + 3 * 3600 + 60)["all"]["day"]["answered"] == 2


def test_exit_gone_and_blocked():
    events = [
        CallerJoined(T, "q", "c1"),
        CallerExited(T + 0.5, "q", "c1", "timeout"),
        CallerJoined(T + 1, "q", "c2"),
        CallerGone(T + 2, "q", "c2"),
        CallBlocked(T + 3, "q", "c3", "full"),
    ]
    snap = run(events, T + 3)
    window = snap["queues"]["q"]["window"]
    assert window["overflow"] == 1 and window["offered"] == 1
    assert window["blocked"] == 1 and window["blocked_rate"] == 0.5
    assert window["queued_pct"] == 0.0  # 0.5 s is not more than queued_min_s
    assert snap["queues"]["q"]["waiting"] == 0


def test_queued_min_is_exclusive():
    events = [*answered(1, 1.0, "c1"), *answered(3, 1.5, "c2", agent="A2")]
    assert run(events, T + 3)["all"]["window"]["queued_pct"] == 0.5


def test_waiting_and_longest_wait():
    events = [
        CallerJoined(T, "q", "c1"),
        CallerJoined(T + 5, "q", "c2"),
        CallerJoined(T + 6, "r", "c3"),
        CallerJoined(T + 7, "q", "c1"),  # resync replay of a waiting call: ignored
    ]
    snap = run(events, T + 10)
    assert snap["queues"]["q"]["waiting"] == 2
    assert snap["queues"]["q"]["longest_wait_s"] == 10.0
    assert snap["all"]["waiting"] == 3 and snap["all"]["longest_wait_s"] == 10.0
    assert snap["queues"]["r"]["longest_wait_s"] == 4.0
    calm = run([], T)
    assert calm["all"]["longest_wait_s"] == 0.0


def test_talk_hold_transfer_and_wrap():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        *answered(10, 5.0, "c1"),
        HoldStarted(T + 20, "c1"),
        HoldEnded(T + 35, "c1"),
        CallEnded(T + 110, "q", "c1", "A1", wrap_s=30.0, transferred=True),
    ]
    during_wrap = run(events, T + 120)["queues"]["q"]["window"]
    assert during_wrap["att_s"] == 100.0
    assert during_wrap["avg_hold_s"] == 15.0
    assert during_wrap["transfer_rate"] == 1.0
    assert during_wrap["acw_s"] is None and during_wrap["aht_s"] is None
    after = run(events, T + 140)["queues"]["q"]["window"]
    assert after["acw_s"] == 30.0 and after["aht_s"] == 130.0


def test_source_talk_time_is_preferred():
    events = [*answered(10, 5.0), CallEnded(T + 110, "q", "c1", "A1", talk_s=90.0)]
    window = run(events, T + 110)["queues"]["q"]["window"]
    assert window["att_s"] == 90.0
    assert window["acw_s"] == 0.0  # a zero wrap is recorded at the call's end


def test_hold_still_open_at_call_end_is_closed_at_the_end():
    events = [*answered(10, 5.0), HoldStarted(T + 50, "c1"), CallEnded(T + 80, "q", "c1", "A1")]
    snap = run(events[:3], T + 60)
    assert snap["agents"]["A1"]["state"] == "hold"
    window = run(events, T + 80)["queues"]["q"]["window"]
    assert window["avg_hold_s"] == 30.0 and window["att_s"] == 70.0


def test_ring_no_answer_counted_in_its_queue():
    events = [CallerJoined(T, "q", "c1"), AgentRingNoAnswer(T + 15, "A1", "q", "c1", 15.0)]
    snap = run(events, T + 15)
    assert snap["queues"]["q"]["window"]["ring_no_answer"] == 1
    assert snap["agents"]["A1"]["queues"] == ["q"]


def test_late_event_is_clamped_to_the_clock():
    engine = Engine(EngineConfig())
    engine.apply(CallerJoined(T, "q", "c1"))
    engine.apply(CallerJoined(T + 50, "q", "c2"))
    engine.apply(CallerAnswered(T + 40, "q", "c1", "A1"))  # late: applied at T + 50
    assert engine.late_events == 1
    assert engine.now == T + 50
    window = engine.snapshot()["queues"]["q"]["window"]
    assert window["asa_s"] == 50.0
    assert engine.snapshot(T + 949)["queues"]["q"]["window"]["answered"] == 1
    assert engine.snapshot(T + 950)["queues"]["q"]["window"]["answered"] == 0


def test_unknown_calls_are_dropped():
    engine = Engine(EngineConfig())
    engine.apply(CallerAnswered(T, "q", "ghost", "A1"))
    engine.apply(CallerAbandoned(T + 1, "q", "ghost2"))
    engine.apply(CallEnded(T + 2, "q", "ghost3", "A9"))
    engine.apply(CallerAbandoned(T + 3, "q", "known-wait", wait_s=30.0))
    snap = engine.snapshot(T + 3)
    assert engine.unknown_calls == 3
    assert snap["queues"]["q"]["window"]["offered"] == 1
    assert snap["queues"]["q"]["window"]["abandoned"] == 1
    assert snap["agents"] == {}


def test_snapshot_does_not_move_the_clock_back():
    engine = Engine(EngineConfig())
    engine.apply(CallerJoined(T + 10, "q", "c1"))
    assert engine.snapshot(T)["at"] == T + 10
    snap = engine.snapshot(T + 20)
    assert snap["at"] == T + 20 and engine.now == T + 20
    assert snap["config"] == EngineConfig().summary()
    assert set(snap) == {"at", "config", "queues", "all", "teams", "callbacks", "absent", "agents"}
