"""A snapshot reuses what has not changed since the last one (span figures of totals that
stayed, rows of agents who did nothing) and equals, exactly, one formed from scratch."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.engine.recompute import recomputed_snapshot
from tests.engine.strategies import Scenario, played, scenarios
from tests.synthetic import generate_shift
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import AgentLoggedIn, AgentRinging, CallerJoined


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(max_steps=60))
def test_a_reused_snapshot_equals_one_formed_from_scratch(scenario: Scenario) -> None:
    for engine, count, t in played(scenario):
        kept = engine.snapshot(t)
        assert kept == recomputed_snapshot(engine, t), f"after {count} events at {t}"
        # ... and again, a quarter of a second on, with nothing in between.
        kept = engine.snapshot(t + 0.25)
        assert kept == recomputed_snapshot(engine, t + 0.25)


def test_a_busy_shift_at_four_hertz():
    """Snapshots every 0.25 s of a shift, events in between: each equals one from scratch."""
    events = list(generate_shift(3, agents=60, queues=6, hours=0.5))
    config = EngineConfig(extra_windows_s=(300.0,), window_s=120.0, interval_s=300.0)
    engine = Engine(config)
    t = events[0].at
    for event in events:
        while t + 0.25 <= event.at:
            t += 0.25
            if int(t * 4) % 7 == 0:
                assert engine.snapshot(t) == recomputed_snapshot(engine, t), t
            else:
                engine.snapshot(t)
        engine.apply(event)


def test_an_offer_before_its_callers_join_shows_the_number_once_it_joins():
    """Found by the property above (fresh-clone CI): an agent ringing for a call whose
    CallerJoined came later kept its reused row without the caller's number."""
    engine = Engine(EngineConfig())
    start = 1_732_262_999.0
    engine.apply(AgentLoggedIn(start, "A1", "q1"))
    engine.apply(AgentRinging(start + 600, "A1", "q2", "c1"))
    assert engine.snapshot(start + 601)["agents"]["A1"]["caller"] == ""
    engine.apply(CallerJoined(start + 1200, "q2", "c1", "+1 555 555-1234"))
    kept = engine.snapshot(start + 1201)
    assert kept["agents"]["A1"]["caller"] == "+1 555 555-1234"
    assert kept == recomputed_snapshot(engine, start + 1201)
