"""The synthetic shift generator: deterministic, ordered, causally consistent, engine-ready."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.synthetic import DEFAULT_START, generate_shift
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentPaused,
    AgentRinging,
    AgentStatus,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerJoined,
    HoldStarted,
)


@pytest.fixture(scope="module")
def shift():
    return list(generate_shift(3, agents=40, queues=4, hours=3.0, resync_every_s=3600.0))


def test_same_seed_same_stream(shift):
    assert list(generate_shift(3, agents=40, queues=4, hours=3.0, resync_every_s=3600.0)) == shift
    assert list(generate_shift(4, agents=40, queues=4, hours=0.5)) != shift[: len(shift) // 6]


def test_time_ordered_within_the_shift(shift):
    times = [e.at for e in shift]
    assert times == sorted(times)
    assert times[0] >= DEFAULT_START and times[-1] <= DEFAULT_START + 3 * 3600


def test_every_kind_of_event_occurs(shift):
    kinds = Counter(type(e) for e in shift)
    for kind in (CallerJoined, CallerAnswered, CallerAbandoned, CallEnded, AgentRinging):
        assert kinds[kind] > 10, kind.__name__
    for kind in (CallBlocked, HoldStarted, AgentPaused, AgentStatus):
        assert kinds[kind] > 0, kind.__name__


def test_calls_follow_their_lifecycle(shift):
    joined: dict[tuple[str, str], float] = {}
    answered: set[tuple[str, str]] = set()
    for event in shift:
        if isinstance(event, CallerJoined):
            joined[(event.queue, event.call_id)] = event.at
        elif isinstance(event, CallerAnswered | CallerAbandoned | CallerExited):
            assert (event.queue, event.call_id) in joined
            if isinstance(event, CallerAnswered):
                answered.add((event.queue, event.call_id))
        elif isinstance(event, CallEnded):
            assert (event.queue, event.call_id) in answered


def test_source_durations_are_whole_seconds():
    events = list(generate_shift(5, agents=10, queues=2, hours=0.5, source_durations=True))
    waits = [e.wait_s for e in events if isinstance(e, CallerAnswered)]
    assert waits and all(w is not None and w == int(w) for w in waits)


def test_the_engine_takes_a_shift_without_drops(shift):
    engine = Engine(EngineConfig())
    for event in shift:
        engine.apply(event)
    snap = engine.snapshot()
    assert engine.late_events == 0 and engine.unknown_calls == 0
    day = snap["all"]["day"]
    assert day["offered"] == day["answered"] + day["abandoned"] + (
        day["short_abandoned"] + day["overflow"]
    )
    assert 0.3 < day["occupancy"] < 1.0
    assert len(snap["agents"]) == 40


def test_snapshot_without_agents_is_the_full_board_less_the_agents(shift):
    """Alarm evaluation takes the cheaper board; every figure it reads must be the same."""
    engine = Engine(EngineConfig(extra_windows_s=(300.0,)))
    checked = 0
    for i, event in enumerate(shift):
        engine.apply(event)
        if i % 499 == 0:
            full = engine.snapshot(event.at)
            lean = engine.snapshot(event.at, agents=False)
            assert full.pop("agents")
            assert lean == full
            checked += 1
    assert checked > 10
