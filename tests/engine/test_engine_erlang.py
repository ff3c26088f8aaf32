"""Erlang C against the textbook formula, staffing in the snapshot, and day boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, time
from math import exp, factorial
from zoneinfo import ZoneInfo

import pytest

from tests.engine.test_engine_spans import T, run
from wallboard.engine.calendar import day_start, next_day_start
from wallboard.engine.erlang import erlang_b, erlang_c, service_level, staffing
from wallboard.events import AgentLoggedIn, CallEnded, CallerAnswered, CallerJoined


def erlang_c_by_factorials(n: int, a: float) -> float:
    top = a**n / factorial(n) * n / (n - a)
    return top / (sum(a**k / factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize("n", range(11, 20))
def test_erlang_c_matches_the_factorial_formula(n):
    assert erlang_c(n, 10.0) == pytest.approx(erlang_c_by_factorials(n, 10.0), rel=1e-12)


def test_textbook_staffing_example():
    # 10 erlangs (100 calls per half hour at 180 s), 80% within 20 s: 14 agents
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert service_level(13, 10.0, 180.0, 20.0) == pytest.approx(0.7956, abs=1e-4)
    assert service_level(14, 10.0, 180.0, 20.0) == pytest.approx(0.8884, abs=1e-4)
    required, predicted = staffing(10.0, 180.0, 20.0, 0.8, 12)
    assert required == 14
    sl_12 = 1 - erlang_c_by_factorials(12, 10.0) * exp(-2 * 20 / 180)
    assert predicted == pytest.approx(sl_12, rel=1e-12)


def test_no_service_at_or_below_the_traffic():
    assert erlang_c(10, 10.0) == 1.0
    assert service_level(10, 10.0, 180.0, 20.0) == 0.0
    assert staffing(10.0, 180.0, 20.0, 0.8, 0) == (14, 0.0)


def test_large_traffic_is_stable():
    b = erlang_b(5000, 4900.0)
    c = erlang_c(5000, 4900.0)
    assert 0.0 < b < c < 1.0
    required, predicted = staffing(4900.0, 300.0, 20.0, 0.8, 5000)
    assert 4900 < required < 5000
    assert 0.8 <= predicted <= 1.0
    assert staffing(0.0, 300.0, 20.0, 0.8, 3) == (0, None)


def test_snapshot_staffing_from_window_arrivals_and_aht():
    # 4 joins over the first 900 s of the engine, each call 60 s talk, no wrap
    events = [AgentLoggedIn(T, "A1", "q")]
    for i in range(4):
        start = T + 100 * i + 10
        events += [
            CallerJoined(start, "q", f"c{i}"),
            CallerAnswered(start + 10, "q", f"c{i}", "A1"),
            CallEnded(start + 70, "q", f"c{i}", "A1"),
        ]
    snap = run(events, T + 900)
    queue = snap["queues"]["q"]
    traffic = 4 / 900 * 60.0
    required, predicted = staffing(traffic, 60.0, 20.0, 0.8, 1)
    assert queue["agents_required"] == required
    assert queue["predicted_sl"] == pytest.approx(predicted)
    assert queue["staffing_gap"] == required - 1
    assert run(events[:3], T + 50)["queues"]["q"]["agents_required"] is None  # no aht yet
    # before the window is full, the rate is over the time seen since the first event
    early = run(events[:4], T + 90)["queues"]["q"]
    assert early["agents_required"] == staffing(1 / 90 * 60.0, 60.0, 20.0, 0.8, 1)[0]


def test_staffing_with_no_arrivals_requires_nobody():
    events = [
        AgentLoggedIn(T, "A1", "q"),
        CallerJoined(T, "q", "c1"),
        CallerAnswered(T + 10, "q", "c1", "A1"),
        CallEnded(T + 70, "q", "c1", "A1"),
    ]
    queue = run(events, T + 950)["queues"]["q"]
    assert queue["agents_required"] == 0
    assert queue["predicted_sl"] is None
    assert queue["staffing_gap"] == -1


NEW_YORK = ZoneInfo("America/New_York")


def epoch(*args: int, tz: ZoneInfo = NEW_YORK, fold: int = 0) -> float:
    return datetime(*args, tzinfo=tz, fold=fold).timestamp()


def test_day_start_in_a_zone():
    t = epoch(2024, 11, 22, 12, 0)
    assert day_start(t, time(6, 0), NEW_YORK) == epoch(2024, 11, 22, 6, 0)
    assert day_start(epoch(2024, 11, 22, 5, 59), time(6, 0), NEW_YORK) == epoch(2024, 11, 21, 6)
    assert day_start(epoch(2024, 11, 22, 6, 0), time(6, 0), NEW_YORK) == epoch(2024, 11, 22, 6)
    assert next_day_start(t, time(6, 0), NEW_YORK) == epoch(2024, 11, 23, 6, 0)


def test_day_start_skipped_by_spring_forward():
    # 2024-03-10: clocks jump 02:00 -> 03:00, the local clock never reads 02:30
    t = epoch(2024, 3, 10, 12, 0)
    assert day_start(t, time(2, 30), NEW_YORK) == epoch(2024, 3, 9, 2, 30)
    assert next_day_start(epoch(2024, 3, 9, 12), time(2, 30), NEW_YORK) == epoch(2024, 3, 11, 2, 30)


def test_day_start_read_twice_on_fall_back():
    # 2024-11-03: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST)
    first = datetime(2024, 11, 3, 5, 30, tzinfo=UTC).timestamp()
    second = datetime(2024, 11, 3, 6, 30, tzinfo=UTC).timestamp()
    assert day_start(first + 600, time(1, 30), NEW_YORK) == first
    assert day_start(second + 600, time(1, 30), NEW_YORK) == second
    assert next_day_start(first, time(1, 30), NEW_YORK) == second


def test_engine_day_span_across_spring_forward():
    # Day start 02:30 New York: on 2024-03-10 the clock jumps 02:00 -> 03:00, so at noon
    # that day the day span still runs from 2024-03-09 02:30.
    config = {"timezone": "America/New_York", "day_start": time(2, 30)}
    before = epoch(2024, 3, 9, 2, 0)
    after = epoch(2024, 3, 9, 3, 0)
    noon = epoch(2024, 3, 10, 12, 0)
    events = [
        CallerJoined(before - 5, "q", "c1"),
        CallerAnswered(before, "q", "c1", "A1"),
        CallerJoined(after - 5, "q", "c2"),
        CallerAnswered(after, "q", "c2", "A2"),
        CallerJoined(noon - 5, "q", "c3"),
        CallerAnswered(noon, "q", "c3", "A3"),
    ]
    assert run(events, noon, **config)["all"]["day"]["answered"] == 2
    next_day = epoch(2024, 3, 11, 2, 30)
    assert run(events, next_day + 1, **config)["all"]["day"]["answered"] == 0


def test_no_rate_in_the_first_minute_after_start_up():
    """Found live: nine joins within a microsecond of start-up asked for 5e9 erlangs and hung."""
    events = [AgentLoggedIn(T, "A1", "q")]
    for i in range(9):
        at = T + i * 1e-7
        events += [CallerJoined(at, "q", f"c{i}"), CallerAnswered(at, "q", f"c{i}", "A1")]
        events.append(CallEnded(at, "q", f"c{i}", "A1", talk_s=38.0))
    for t in (T + 2.4e-7, T + 59.9):
        queue = run(events, t)["queues"]["q"]
        assert queue["window"]["aht_s"] == 38.0
        assert (queue["agents_required"], queue["staffing_gap"], queue["predicted_sl"]) == (
            None,
            None,
            None,
        )
    assert (
        run(events, T + 60.0)["queues"]["q"]["agents_required"]
        == staffing(9 / 60.0 * 38.0, 38.0, 20.0, 0.8, 1)[0]
    )


def test_traffic_beyond_any_real_queue_gives_no_staffing_figures():
    events = [AgentLoggedIn(T, "A1", "q"), CallerJoined(T, "q", "c0")]
    events += [CallerAnswered(T + 1, "q", "c0", "A1")]
    events += [CallEnded(T + 2, "q", "c0", "A1", talk_s=43_200.0)]  # a 12-hour handle time
    # 300 joins in the 900 s window at that AHT: 14,400 erlangs
    events += [CallerJoined(T + 3 + i, "q", f"w{i}") for i in range(299)]
    queue = run(events, T + 900)["queues"]["q"]
    assert queue["window"]["aht_s"] is not None
    assert queue["agents_required"] is None and queue["predicted_sl"] is None
