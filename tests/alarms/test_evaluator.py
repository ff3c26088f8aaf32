"""The alarm lifecycle on literal snapshots: edges of hysteresis, hold-down, ack, silence."""

from __future__ import annotations

from typing import Any

import pytest

from wallboard.alarms.evaluator import Evaluator, fingerprint
from wallboard.alarms.rules import parse_rules


def rules(body: str) -> Evaluator:
    return Evaluator(parse_rules(body, "t.toml"))


SL = """
[[rule]]
id = "sl"
metric = "service_level"
queue = "*"
op = "<"
threshold = 0.8
clear = 0.85
for = "10s"
clear_for = "5s"
severity = "critical"
message = "SL {value:.0%} in {queue} (target {threshold:.0%})"
"""


def snap(at: float, **queues: dict[str, Any]) -> dict[str, Any]:
    return {"at": at, "queues": queues, "all": {"window": {"service_level": None}}}


def sl(value: float | None, offered: int = 100) -> dict[str, Any]:
    return {"window": {"service_level": value, "offered": offered}, "waiting": 0}


def run(ev: Evaluator, values: list[float | None], start: float = 0.0) -> list[tuple]:
    """Evaluate one value per second for queue q; (second, kind) of each transition."""
    out = []
    for i, value in enumerate(values):
        for t in ev.evaluate(snap(start + i, q=sl(value))):
            out.append((t.at, t.kind))
    return out


def test_exactly_at_the_threshold_does_not_fire():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"'))
    assert run(ev, [0.8] * 5) == []
    assert run(ev, [0.7999], start=5) == [(5, "firing")]


def test_fires_exactly_when_the_hold_down_has_elapsed():
    ev = rules(SL)
    # True from t=0; `for` = 10 s -> fires at t=10, not at t=9.
    assert run(ev, [0.5] * 11) == [(10, "firing")]
    assert ev.active()[0]["since"] == 10


def test_a_dip_shorter_than_the_hold_down_never_fires():
    ev = rules(SL)
    values = [0.5] * 10 + [0.81] + [0.5] * 10
    # Restarted pending at t=11; fires at 21, not 10.
    assert run(ev, [*values, 0.5]) == [(21, "firing")]


def test_hysteresis_between_threshold_and_clear_keeps_firing():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"'))
    got = run(ev, [0.7, 0.82, 0.84, 0.8499, 0.79, 0.85, 0.85, 0.85, 0.85, 0.85, 0.9])
    # Clears only at >= 0.85 held for clear_for = 5 s: from t=5, resolved at t=10.
    assert got == [(0, "firing"), (10, "resolved")]


def test_clear_hold_down_restarts_when_the_value_slips_back():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"'))
    got = run(ev, [0.5, 0.9, 0.9, 0.9, 0.9, 0.84, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    # Clear from 1, broken at 5, clear again from 6: resolved at 6 + 5 s, not at 6.
    assert got == [(0, "firing"), (11, "resolved")]


def test_null_values_neither_fire_nor_clear_nor_reset_timers():
    ev = rules(SL)
    # Pending from 0; nulls in between; true again at 10 -> fires at 10 (timer kept).
    assert run(ev, [0.5, None, None, None, None, None, None, None, None, None, 0.5]) == [
        (10, "firing")
    ]
    # Firing: nulls do not resolve, however long.
    assert run(ev, [None] * 30, start=11) == []
    assert [a["rule"] for a in ev.active()] == ["sl"]


def test_min_offered_turns_thin_figures_into_nulls():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"') + "min_offered = 5\n")
    assert [t.kind for t in ev.evaluate(snap(0, q=sl(0.0, offered=4)))] == []
    assert [t.kind for t in ev.evaluate(snap(1, q=sl(0.0, offered=5)))] == ["firing"]


def test_queue_selectors_exact_glob_each_and_aggregate():
    body = SL.replace('for = "10s"', 'for = "0s"')
    low = sl(0.1)
    for selector, expected in [
        ("*", {"sales", "support", "billing"}),
        ("s*", {"sales", "support"}),
        ("billing", {"billing"}),
        ("nosuch", set()),
        ("all", {"all"}),
    ]:
        ev = rules(body.replace('queue = "*"', f'queue = "{selector}"'))
        snapshot = snap(0, sales=low, support=low, billing=low)
        snapshot["all"] = low
        assert {t.queue for t in ev.evaluate(snapshot)} == expected


def test_instant_and_agent_metrics():
    ev = rules(
        """
[[rule]]
id = "wait"
metric = "longest_wait_s"
op = ">="
threshold = 60
[[rule]]
id = "nobody"
metric = "agents.available"
op = "<"
threshold = 1
queue = "all"
"""
    )
    queue = {"longest_wait_s": 60.0, "agents": {"available": 0}}
    got = ev.evaluate({"at": 5.0, "queues": {"q": queue}, "all": queue})
    assert [(t.rule, t.queue) for t in got] == [("wait", "q"), ("nobody", "all")]


def test_message_fingerprint_and_transition_shape():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"'))
    (fired,) = ev.evaluate(snap(100, support=sl(0.61)))
    assert fired.message == "SL 61% in support (target 80%)"
    assert fired.fingerprint == fingerprint("sl", "support") != fingerprint("sl", "sales")
    assert len(fired.fingerprint) == 16
    assert fired.to_dict() == {
        "kind": "firing",
        "at": 100,
        "status": "firing",
        "rule": "sl",
        "name": "sl",
        "queue": "support",
        "agent": "",
        "team": "",
        "severity": "critical",
        "fingerprint": fired.fingerprint,
        "since": 100,
        "value": 0.61,
        "message": "SL 61% in support (target 80%)",
        "notify": True,
        "by": "",
        "until": None,
    }
    assert ev.active() == [
        {
            "rule": "sl",
            "queue": "support",
            "agent": "",
            "team": "",
            "severity": "critical",
            "since": 100,
            "metric": "service_level",
            "value": 0.61,
            "fired_value": 0.61,
            "fingerprint": fired.fingerprint,
            "name": "sl",
            "message": "SL 61% in support (target 80%)",
            "acknowledged_by": None,
            "acknowledged_at": None,
            "silenced_until": None,
        }
    ]


def test_resolved_carries_the_firing_start_and_ends_the_active_entry():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"').replace('clear_for = "5s"', ""))
    ev.evaluate(snap(0, q=sl(0.5)))
    (resolved,) = ev.evaluate(snap(7, q=sl(0.9)))
    assert (resolved.kind, resolved.status, resolved.since, resolved.at) == (
        "resolved",
        "resolved",
        0,
        7,
    )
    assert resolved.value == 0.9
    assert ev.active() == []
    assert [t.kind for t in ev.history] == ["firing", "resolved"]


def test_acknowledge_lasts_until_the_alarm_resolves():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"').replace('clear_for = "5s"', ""))
    (fired,) = ev.evaluate(snap(0, q=sl(0.5)))
    ack = ev.acknowledge(fired.fingerprint, "alice", 3.0)
    assert (ack.kind, ack.by, ack.notify) == ("acknowledged", "alice", False)
    assert ev.active()[0]["acknowledged_by"] == "alice"
    ev.evaluate(snap(4, q=sl(0.9)))
    with pytest.raises(KeyError):
        ev.acknowledge(fired.fingerprint, "alice", 5.0)
    ev.evaluate(snap(6, q=sl(0.5)))
    assert ev.active()[0]["acknowledged_by"] is None


def test_silence_suppresses_notifications_until_it_expires():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"').replace('clear_for = "5s"', ""))
    (first,) = ev.evaluate(snap(0, q=sl(0.5)))
    ev.evaluate(snap(1, q=sl(0.9)))
    silenced = ev.silence(first.fingerprint, until=10.0, by="bob", at=1.0)
    assert (silenced.kind, silenced.until) == ("silenced", 10.0)
    (again,) = ev.evaluate(snap(2, q=sl(0.5)))
    assert (again.kind, again.notify) == ("firing", False)
    assert ev.active()[0]["silenced_until"] == 10.0
    assert ev.evaluate(snap(9, q=sl(0.5))) == []
    # Expiry at exactly `until`: the still-firing alarm is notified now.
    expired = ev.evaluate(snap(10, q=sl(0.5)))
    assert [(t.kind, t.notify) for t in expired] == [("unsilenced", False), ("renotified", True)]
    assert expired[1].since == 2
    assert ev.active()[0]["silenced_until"] is None


def test_a_firing_never_notified_resolves_silently():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"').replace('clear_for = "5s"', ""))
    ev.evaluate(snap(0, q=sl(0.9)))
    ev.silence(fingerprint("sl", "q"), until=100.0, by="bob", at=0.0)
    (fired,) = ev.evaluate(snap(1, q=sl(0.5)))
    (resolved,) = ev.evaluate(snap(2, q=sl(0.9)))
    assert (fired.notify, resolved.notify) == (False, False)
    assert ev.evaluate(snap(100, q=sl(0.9)))[0].kind == "unsilenced"


def test_silence_validation():
    ev = rules(SL)
    with pytest.raises(KeyError):
        ev.silence("0000", until=5.0, by="x", at=0.0)
    ev.evaluate(snap(0, q=sl(0.9)))
    with pytest.raises(ValueError):
        ev.silence(fingerprint("sl", "q"), until=0.0, by="x", at=0.0)


CHANGE = """
[[rule]]
id = "drop"
kind = "change"
metric = "answered_pct"
queue = "q"
over = "10s"
by = 0.10
clear_by = 0.05
direction = "down"
message = "{metric} {previous:.0%} -> {value:.0%} ({change:+.0%} in {over})"
"""


def pct(value: float | None) -> dict[str, Any]:
    return {"window": {"answered_pct": value, "offered": 50}}


def change_run(ev: Evaluator, values: list[float | None]) -> list[tuple]:
    out = []
    for i, value in enumerate(values):
        out += [(t.at, t.kind, t.message) for t in ev.evaluate(snap(float(i), q=pct(value)))]
    return out


def test_change_rule_fires_on_a_drop_of_exactly_by_within_over():
    ev = rules(CHANGE)
    # 0.95 at t=0..; at t=10 value 0.85 -> compared with t=0: down exactly 0.10.
    got = change_run(ev, [0.95] * 10 + [0.85])
    assert got == [(10, "firing", "answered_pct 95% -> 85% (-10% in 10s)")]


def test_change_rule_ignores_a_slow_drift_and_needs_a_full_period():
    ev = rules(CHANGE)
    # 0.01 per second: only 0.09 over any 10 s -> never.
    assert change_run(ev, [0.95 - 0.009 * i for i in range(40)]) == []
    # A big drop before `over` seconds of history exists -> no comparison yet.
    ev = rules(CHANGE)
    assert change_run(ev, [0.95, 0.5, 0.5]) == []


def test_change_rule_clears_with_hysteresis_and_up_direction():
    ev = rules(CHANGE)
    values = [0.9] * 10 + [0.7] * 10 + [0.7] + [0.7] * 10
    got = [(at, kind) for at, kind, _ in change_run(ev, values)]
    # Fires at 10 (0.9 -> 0.7); from 20 the 10-s-ago value is 0.7 too: moved 0 < 0.05.
    assert got == [(10, "firing"), (20, "resolved")]
    up = rules(CHANGE.replace('"down"', '"up"'))
    assert [k for _, k, _ in change_run(up, [0.5] * 10 + [0.61])] == ["firing"]


def test_change_rule_skips_nulls_on_either_side():
    ev = rules(CHANGE)
    assert change_run(ev, [None] * 10 + [0.1]) == []
    ev = rules(CHANGE)
    assert change_run(ev, [0.9] * 10 + [None]) == []


def test_history_is_bounded_by_the_number_of_transitions():
    ev = Evaluator(
        parse_rules(SL.replace('for = "10s"', 'for = "0s"').replace('clear_for = "5s"', ""), "t"),
        history_limit=3,
    )
    for i in range(10):
        ev.evaluate(snap(float(i), q=sl(0.5 if i % 2 == 0 else 0.9)))
    assert [t.at for t in ev.history] == [7.0, 8.0, 9.0]


def test_a_firing_alarm_keeps_the_figure_that_fired_it_and_shows_the_current_one():
    ev = rules(SL.replace('for = "10s"', 'for = "0s"'))
    run(ev, [0.5, 0.81])  # above the target, below the clear level: still firing
    (alarm,) = ev.active()
    assert (alarm["fired_value"], alarm["value"]) == (0.5, 0.81)
    assert alarm["message"] == "SL 50% in q (target 80%)"  # as it fired (ALARMS.md)
    assert alarm["since"] == 0
