"""Following a hub's alarms: each episode reported once, whenever the follower joined."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.alarms import Evaluator, parse_rules
from wallboard.alarms.follow import AlarmFollower
from wallboard.alarms.output import for_pagers

T0 = 1_732_262_400.0
RULES = parse_rules(
    '[[rule]]\nid = "queueing"\nmetric = "waiting"\nop = ">"\nthreshold = 0\n'
    'for = "2s"\nclear_for = "1s"\nmessage = "{value:.0f} waiting in {queue}"\n'
)
QUEUES = ("sales", "support")


def _step(evaluator: Evaluator, at: float, waiting: tuple[int, ...]) -> tuple[list, dict]:
    snapshot: dict[str, Any] = {
        "at": at,
        "queues": {q: {"waiting": n} for q, n in zip(QUEUES, waiting, strict=True)},
    }
    transitions = [t.to_dict() for t in evaluator.evaluate(snapshot)]
    snapshot["alarms"] = evaluator.active()
    return transitions, snapshot


def _kinds(out: list[dict]) -> list[tuple[str, str, float]]:
    return [(t["kind"], t["queue"], t["since"]) for t in out]


def test_joining_mid_incident_reports_what_is_firing_as_active():
    evaluator, follower = Evaluator(RULES), AlarmFollower()
    for i in range(3):
        _step(evaluator, T0 + i, (0, 4))  # support fires at T0 + 2, before anyone follows
    _, snapshot = _step(evaluator, T0 + 3, (0, 4))
    (active,) = follower.follow([], snapshot)
    assert (active["kind"], active["status"], active["queue"]) == ("active", "firing", "support")
    assert (active["since"], active["at"], active["notify"]) == (T0 + 2, T0 + 3, True)
    assert active["message"] == "4 waiting in support" and for_pagers(active)
    assert follower.follow([], snapshot) == []  # the same board again: nothing new


def test_a_silenced_alarm_joins_quietly_and_its_renotification_pages_once():
    evaluator, follower = Evaluator(RULES), AlarmFollower()
    for i in range(3):
        _step(evaluator, T0 + i, (3, 0))
    fp = evaluator.active()[0]["fingerprint"]
    evaluator.silence(fp, T0 + 5, "ops", T0 + 2)
    _, snapshot = _step(evaluator, T0 + 3, (3, 0))
    (active,) = follower.follow([], snapshot)
    assert active["kind"] == "active" and not active["notify"] and not for_pagers(active)
    transitions, snapshot = _step(evaluator, T0 + 5, (3, 0))
    # The hub's own pagers heard of it before the silence; this follower's never did.
    assert [t["kind"] for t in transitions] == ["unsilenced"]
    out = follower.follow(transitions, snapshot)
    assert [(t["kind"], t["notify"]) for t in out] == [("unsilenced", False), ("renotified", True)]
    # Resolution pairs with the page that went out.
    for i in range(6, 9):
        transitions, snapshot = _step(evaluator, T0 + i, (0, 0))
        out += follower.follow(transitions, snapshot)
    assert [(t["kind"], t["notify"]) for t in out][-1] == ("resolved", True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.booleans()), min_size=1, max_size=60
    )
)
def test_one_firing_and_at_most_one_resolution_per_episode_whatever_was_missed(steps):
    """Random floors seen through a flaky connection (False: the follower is cut off)."""
    evaluator, follower = Evaluator(RULES), AlarmFollower()
    out: list[dict] = []
    connected_before = False
    always = all(connected for _, _, connected in steps)
    hub_said: list[dict] = []
    for i, (sales, support, connected) in enumerate(steps):
        transitions, snapshot = _step(evaluator, T0 + i, (sales, support))
        hub_said += transitions
        if connected:
            # A (re)joined follower gets the latest board without its transitions.
            out += follower.follow(transitions if connected_before else [], snapshot)
        connected_before = connected
    if always:
        # Connected from the first board on: exactly what the hub said.
        assert out == [t for t in hub_said if t["kind"] != "active"]
        return
    opened: set[tuple[str, float]] = set()
    closed: set[tuple[str, float]] = set()
    for t in out:
        episode = (t["fingerprint"], t["since"])
        if t["kind"] in ("firing", "active"):
            assert episode not in opened, f"second firing for {episode}"
            opened.add(episode)
        elif t["kind"] == "resolved":
            assert episode in opened and episode not in closed, f"stray resolution {episode}"
            closed.add(episode)
    if steps[-1][2]:
        still = {(a["fingerprint"], a["since"]) for a in evaluator.active()}
        assert opened - closed == still
