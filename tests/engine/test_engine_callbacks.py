"""The callback list and the callers' numbers, by hand (docs/ENGINE.md "Callbacks").

Each case is checked on the engine and on the oracle: the list is where a
supervisor's phone calls start, so a caller kept or dropped wrongly is a
caller nobody rings back.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.oracle import oracle_snapshot
from tests.engine.test_engine_spans import T
from wallboard.engine import Engine
from wallboard.engine.callbacks import mask_number, number_key, same_number
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentRinging,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
    CallerLeaving,
    Event,
    NumberDialed,
)


def both(events: list[Event], at: float, **config: Any) -> dict[str, Any]:
    """The snapshot at `T + at`, after checking that the engine and the oracle agree on it."""
    settings = EngineConfig(**config)
    engine = Engine(settings)
    for event in events:
        engine.apply(event)
    snap = engine.snapshot(T + at)
    expected = oracle_snapshot(events, T + at, settings)
    for key in ("callbacks", "agents"):
        assert snap[key] == expected[key], key
    for queue in expected["queues"]:
        pending = expected["queues"][queue]["callbacks_pending"]
        assert snap["queues"][queue]["callbacks_pending"] == pending
    assert snap["all"]["callbacks_pending"] == expected["all"]["callbacks_pending"]
    return snap


def abandon(at: float, call: str, number: str, queue: str = "sales", wait: float = 30) -> list:
    return [
        CallerJoined(T + at - wait, queue, call, number),
        CallerAbandoned(T + at, queue, call),
    ]


def test_an_abandon_is_listed_with_its_number_queue_time_and_wait():
    snap = both(abandon(100, "c1", "+44 20 7946 0958"), 200)
    assert snap["callbacks"] == [
        {
            "number": "+44 20 7946 0958",
            "queue": "sales",
            "queues": ["sales"],
            "at": T + 100,
            "first_at": T + 100,
            "wait_s": 30.0,
            "attempts": 1,
        }
    ]
    assert snap["queues"]["sales"]["callbacks_pending"] == 1
    assert snap["all"]["callbacks_pending"] == 1


def test_short_abandons_exits_and_callers_without_a_number_are_not_listed():
    events = [
        *abandon(100, "c1", "5550001", wait=3),  # short (< 5 s)
        CallerJoined(T + 100, "sales", "c2", "5550002"),
        CallerExited(T + 150, "sales", "c2", reason="timeout"),
        *abandon(200, "c3", ""),
        *abandon(300, "c4", "anonymous"),
        *abandon(400, "c5", "5550005", wait=5),  # exactly short_abandon_s: a real abandon
    ]
    snap = both(events, 500)
    assert [c["number"] for c in snap["callbacks"]] == ["5550005"]


def test_a_caller_who_abandons_twice_is_one_entry():
    events = [
        *abandon(100, "c1", "5551234", queue="sales", wait=20),
        *abandon(400, "c2", "+1 555 555-1234", queue="support", wait=40),
    ]
    snap = both(events, 500)
    assert snap["callbacks"] == [
        {
            "number": "+1 555 555-1234",  # the latest spelling
            "queue": "support",  # where it gave up last
            "queues": ["sales", "support"],
            "at": T + 400,
            "first_at": T + 100,
            "wait_s": 40.0,
            "attempts": 2,
        }
    ]
    assert snap["queues"]["sales"]["callbacks_pending"] == 0
    assert snap["queues"]["support"]["callbacks_pending"] == 1


def test_the_list_keeps_the_order_of_the_last_abandon():
    events = [
        *abandon(100, "c1", "5550001"),
        *abandon(200, "c2", "5550002"),
        *abandon(300, "c3", "5550001"),
    ]
    snap = both(events, 400)
    assert [(c["number"], c["attempts"]) for c in snap["callbacks"]] == [
        ("5550002", 1),
        ("5550001", 2),
    ]


def test_a_number_that_comes_back_and_reaches_an_agent_leaves_the_list():
    events = [
        AgentLoggedIn(T, "A1", "support"),
        *abandon(100, "c1", "0207 946 0958", queue="sales"),
        *abandon(110, "c2", "5550002", queue="sales"),
        CallerJoined(T + 200, "support", "c3", "+44 207 946 0958"),
    ]
    waiting = both(events, 210)
    assert len(waiting["callbacks"]) == 2  # calling again is not being reached
    events += [
        AgentRinging(T + 205, "A1", "support", "c3"),
        CallerAnswered(T + 212, "support", "c3", "A1"),
    ]
    snap = both(events, 220)
    assert [c["number"] for c in snap["callbacks"]] == ["5550002"]


def test_an_outbound_call_to_the_number_clears_it():
    events = [
        *abandon(100, "c1", "5551234"),
        *abandon(110, "c2", "4445556666"),
        *abandon(120, "c3", "101"),
        NumberDialed(T + 200, "95551234", agent="A1"),  # an outside-line prefix
        NumberDialed(T + 210, "5556666"),  # 7 digits: the end of 4445556666
        NumberDialed(T + 220, "1101"),  # 101 is an extension: only 101 itself is 101
    ]
    snap = both(events, 300)
    assert [c["number"] for c in snap["callbacks"]] == ["101"]
    snap = both([*events, NumberDialed(T + 230, "101")], 300)
    assert snap["callbacks"] == []


def test_a_callback_expires_keep_s_after_its_last_abandon():
    events = [*abandon(100, "c1", "5551234"), *abandon(150, "c2", "5559999")]
    assert len(both(events, 159, callbacks_keep_s=60)["callbacks"]) == 2
    snap = both(events, 160, callbacks_keep_s=60)  # 100 + 60: out
    assert [c["number"] for c in snap["callbacks"]] == ["5559999"]
    # An abandon after the first expired starts a new entry.
    again = both([*events, *abandon(170, "c3", "5551234")], 175, callbacks_keep_s=60)
    assert [(c["number"], c["attempts"]) for c in again["callbacks"]] == [
        ("5559999", 1),
        ("5551234", 1),
    ]


def test_the_agent_row_shows_the_callers_number_while_ringing_and_talking():
    events = [
        AgentLoggedIn(T, "A1", "sales"),
        CallerJoined(T + 10, "sales", "c1", "5551234"),
        AgentRinging(T + 12, "A1", "sales", "c1"),
    ]
    assert both(events, 13)["agents"]["A1"]["caller"] == "5551234"
    events.append(CallerAnswered(T + 15, "sales", "c1", "A1"))
    talking = both(events, 16)["agents"]["A1"]
    assert (talking["caller"], talking["answered_at"]) == ("5551234", T + 15)
    events.append(CallEnded(T + 60, "sales", "c1", "A1", wrap_s=10))
    wrapping = both(events, 61)["agents"]["A1"]
    assert (wrapping["caller"], wrapping["answered_at"]) == ("", None)


def test_leaving_and_gone_callers_take_their_number_with_them():
    events = [
        CallerJoined(T, "sales", "c1", "5551234"),
        CallerLeaving(T + 30, "sales", "c1"),
        CallerAbandoned(T + 31, "sales", "c1", wait_s=30),
        CallerJoined(T + 40, "sales", "c2", "5559999"),
        CallerGone(T + 50, "sales", "c2"),
        CallerAbandoned(T + 60, "sales", "c2", wait_s=20),  # gone: an unknown call now
    ]
    snap = both(events, 100)
    assert [c["number"] for c in snap["callbacks"]] == ["5551234"]


def test_masked_numbers_everywhere_the_snapshot_shows_one():
    events = [
        AgentLoggedIn(T, "A1", "sales"),
        *abandon(100, "c1", "+44 20 7946 0958"),
        CallerJoined(T + 110, "sales", "c2", "5551234"),
        AgentRinging(T + 111, "A1", "sales", "c2"),
    ]
    snap = both(events, 120, mask_numbers=True)
    assert snap["callbacks"][0]["number"] == "+** ** **** *958"
    assert snap["agents"]["A1"]["caller"] == "****234"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("5551234", "5551234", True),
        ("5551234", "15555551234", True),
        ("5551234", "95551234", True),
        ("555123", "9555123", False),  # six digits: too few to be sure
        ("02079460958", "+44 20 7946 0958", True),  # a trunk prefix for a country code
        ("9 0207 946 0958", "+44 20 7946 0958", True),
        ("4445551234", "3335551234", False),
        ("15551234567", "25551234567", True),  # only the last 9 digits count
        ("101", "101", True),
        ("101", "1101", False),
        ("5551234", "5551235", False),
    ],
)
def test_two_spellings_are_one_number_when_the_shorter_ends_the_longer(a, b, same):
    assert same_number(number_key(a), number_key(b)) is same
    assert same_number(number_key(b), number_key(a)) is same


def test_number_keys_and_masks():
    assert number_key("+1 (555) 555-1234") == "15555551234"
    assert number_key("anonymous") == ""
    assert mask_number("5551234") == "****234"
    assert mask_number("sip:alice12@example.org") == "***:*****12@*******.***"
    assert mask_number(mask_number("+44 7700 900123")) == mask_number("+44 7700 900123")
