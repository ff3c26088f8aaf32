"""Boards cut to a scope: what is left out, and the `all` of the visible queues against the oracle.

The scoped `all` is checked against the brute-force oracle of tests/engine: its
span figures recomputed from the raw history of the visible queues' calls
alone, on random streams (HYPOTHESIS_PROFILE=long runs 1,000).
"""

from __future__ import annotations

import math
import os
from typing import Any

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.oracle import History, replay, span_metrics
from tests.engine.strategies import QUEUES, Scenario, scenarios
from tests.hub.conftest import board
from wallboard.engine import Engine
from wallboard.hub.access import Scope
from wallboard.hub.protocol import BoardFrame
from wallboard.hub.scope import SPAN_COUNTS, WEIGHTED, scoped_all, scoped_board

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
# Rates of counts: the engine's formula on the summed counts, so exactly the oracle's.
COUNT_RATES = ("abandon_rate", "answered_pct", "blocked_rate")


def visible_history(history: History, queues: set[str]) -> History:
    def keep(items: list[Any]) -> list[Any]:
        return [item for item in items if item.queue in queues]

    return History(
        outcomes=keep(history.outcomes),
        blocked=keep(history.blocked),
        ring_no_answers=keep(history.ring_no_answers),
        call_ends=keep(history.call_ends),
        wrap_ends=keep(history.wrap_ends),
        steps=history.steps,
    )


@settings(
    max_examples=1000 if LONG else 60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(), st.sets(st.sampled_from(QUEUES)), st.sampled_from([0.0, 30.0, 700.0]))
def test_scoped_all_is_the_oracle_over_the_visible_queues_only(
    scenario: Scenario, visible: set[str], after: float
):
    config = scenario.config
    engine = Engine(config)
    for event in scenario.events:
        engine.apply(event)
    t = engine.now + after
    snapshot = engine.snapshot(t)
    queues = [block for name, block in snapshot["queues"].items() if name in visible]
    rows = {a: row for a, row in snapshot["agents"].items() if set(row["queues"]) & visible}
    scoped = scoped_all(snapshot["all"], queues, rows, config.summary()["sl_variant"])

    state = replay(scenario.events, t, config)
    history = visible_history(state.history, visible)
    assert list(scoped) == list(snapshot["all"])
    waits = [joined for (queue, _), joined in state.waiting.items() if queue in visible]
    assert scoped["waiting"] == len(waits)
    assert scoped["leaving"] == sum(1 for queue, _ in state.leaving if queue in visible)
    assert math.isclose(scoped["longest_wait_s"], t - min(waits) if waits else 0.0, abs_tol=1e-9)
    states = [state.agent_state(a)[0] for a, agent in state.agents.items()
              if set(agent.memberships) & visible]  # fmt: skip
    assert scoped["agents"] == {s: states.count(s) for s in snapshot["all"]["agents"]}
    for key in ("agents_required", "staffing_gap", "predicted_sl", "scheduled", "attendance"):
        assert scoped[key] is None
    starts = {
        "window": t - config.window_s,
        "interval": math.floor(t / config.interval_s) * config.interval_s,
        "day": engine.day_start_at,
    }
    spans = [(scoped[name], start) for name, start in starts.items()]
    spans += [(scoped["windows"][str(int(w))], t - w) for w in config.extra_windows_s]
    for span, start in spans:
        oracle = span_metrics(history, config, start, t, None)
        for key in SPAN_COUNTS:
            assert span[key] == oracle[key], key
        for key in COUNT_RATES:
            assert span[key] == oracle[key], key
        if config.sl_variant == "abandons_in_sl_good":
            assert span["service_level"] is None  # the rows carry no abandoned-in-SL count
        else:
            assert span["service_level"] == oracle["service_level"]
        for key in WEIGHTED:
            if oracle[key] is None:
                assert span[key] is None, key
            else:
                assert math.isclose(span[key], oracle[key], rel_tol=1e-9, abs_tol=1e-9), key
        left = set(span) - {*SPAN_COUNTS, *COUNT_RATES, *WEIGHTED, "service_level"}
        assert {key: span[key] for key in left} == dict.fromkeys(left)


def floor() -> dict[str, Any]:
    """A board of two queues, agents in one, the other and both, and alarms on each."""
    block = {"waiting": 1, "window": {"offered": 3}}
    return {
        "at": 1_732_262_400.0,
        "source": "ami://pbx1",
        "config": {"sl_variant": "offered", "queues": {"billing": {"sl_target": 0.9}}},
        "queues": {"sales": block, "billing": block},
        "all": {"waiting": 2, "agents": {"available": 3, "talking": 0}},
        "agents": {
            "A1": {"name": "Ann", "state": "available", "queues": ["sales"], "team": "blue"},
            "A2": {"name": "Bo", "state": "available", "queues": ["billing"], "team": "red"},
            "A3": {
                "name": "Cy",
                "state": "available",
                "queues": ["billing", "sales"],
                "team": "blue",
                "secret_field": "x",
            },
        },
        "alarms": [
            {"rule": "sl-low", "queue": "sales", "fingerprint": "s"},
            {"rule": "sl-low", "queue": "billing", "fingerprint": "b"},
            {"rule": "waiting", "queue": "all", "fingerprint": "a"},
            {"rule": "pause", "queue": "", "agent": "A2", "fingerprint": "p2"},
            {"rule": "pause", "queue": "", "agent": "A3", "fingerprint": "p3"},
        ],
        "engine_internal": {"billing": 4},
    }


def test_a_queue_scope_leaves_out_other_queues_their_agents_and_alarms():
    transitions = [
        {"kind": "firing", "queue": "billing", "fingerprint": "b"},
        {"kind": "acknowledged", "queue": "sales", "fingerprint": "s", "by": "alice"},
        {"kind": "firing", "queue": "all", "fingerprint": "a"},
    ]
    scoped, kept = scoped_board(floor(), transitions, Scope(queues=("sales",)))
    assert sorted(scoped) == ["agents", "alarms", "all", "at", "config", "queues", "source"]
    assert list(scoped["queues"]) == ["sales"]
    assert scoped["config"]["queues"] == {}
    # Cy works both queues: shown, with billing left off the row; Bo is not shown.
    assert scoped["agents"] == {
        "A1": {"name": "Ann", "state": "available", "queues": ["sales"], "team": "blue"},
        "A3": {"name": "Cy", "state": "available", "queues": ["sales"], "team": "blue"},
    }
    assert [a["fingerprint"] for a in scoped["alarms"]] == ["s", "p3"]
    assert kept == [transitions[1]]
    assert scoped["all"]["waiting"] == 1
    assert scoped["all"]["agents"] == {"available": 2, "talking": 0}
    assert "billing" not in repr(scoped)


def test_a_team_scope_keeps_every_queue_but_only_its_agents():
    scoped, _ = scoped_board(floor(), [], Scope(teams=("blue",)))
    assert list(scoped["queues"]) == ["sales", "billing"]
    assert scoped["all"] == floor()["all"]  # every queue is visible: the engine's own `all`
    assert sorted(scoped["agents"]) == ["A1", "A3"]
    assert [a["fingerprint"] for a in scoped["alarms"]] == ["s", "b", "a", "p3"]


def test_the_whole_board_goes_unchanged_and_is_encoded_once_for_all_who_see_it():
    frame = BoardFrame("east", board(1))
    everything = frame.encoded()
    assert frame.encoded(Scope()) is everything
    assert frame.encoded(Scope(sources=("east",))) is everything
    sales = frame.encoded(Scope(queues=("sales",)))
    assert frame.encoded(Scope(queues=("sales",))) is sales
    assert msgpack.unpackb(everything)["snapshot"] == board(1).snapshot


def test_callbacks_teams_and_absent_agents_follow_the_scope():
    board = {
        **floor(),
        "callbacks": [
            {"number": "5550001", "queue": "sales", "queues": ["billing", "sales"], "at": 1.0},
            {"number": "5550002", "queue": "billing", "queues": ["billing", "sales"], "at": 2.0},
        ],
        "teams": {"blue": {"members": ["A1", "A3"]}, "red": {"members": ["A2"]}},
        "absent": {"A1": None, "A2": 5.0, "A9": 7.0},
    }
    sales, _ = scoped_board(board, [], Scope(queues=("sales",)))
    # By the queue of the last abandon, its other queues cut to those the scope sees.
    assert sales["callbacks"] == [
        {"number": "5550001", "queue": "sales", "queues": ["sales"], "at": 1.0}
    ]
    assert sales["teams"] == {}  # a team's figures count agents of every queue
    assert sales["absent"] == {"A1": None}
    assert "billing" not in repr(sales) and "5550002" not in repr(sales)
    blue, _ = scoped_board(board, [], Scope(teams=("blue",)))
    assert blue["callbacks"] == board["callbacks"]
    assert list(blue["teams"]) == ["blue"]
    assert blue["absent"] == {"A1": None}
    everything, _ = scoped_board(board, [], Scope(sources=("east",)))
    assert everything["teams"] == board["teams"] and everything["absent"] == board["absent"]
