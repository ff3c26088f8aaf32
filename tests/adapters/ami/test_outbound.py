"""Calls placed from the PBX (`DialBegin`): callbacks seen being made, and queue offers not.

The real captures hold no outbound call, but every dial of a queue's offers
and of the driver's originates: none of those may read as a callback. The
callback list they leave is checked against Asterisk's own queue_log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.ami.run_d import CONFIG as RUN_D_CONFIG
from tests.adapters.ami.run_d import records
from tests.adapters.ami.test_mapper import RUN_A_CONFIG, capture_records, event, feed_all
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.ami.outbound import device_of, dialled_number, local_twin
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import AgentSettings, EngineConfig
from wallboard.events import Event, NumberDialed
from wallboard.status import SourceStatus


def queue_log_callbacks(path: Path, short_abandon_s: float = 5.0) -> set[tuple[str, str, float]]:
    """(number, queue, wait) of every ABANDON of `short_abandon_s` or more in a queue_log."""
    lines = [line.split("|") for line in path.read_text().splitlines()]
    numbers = {(f[1], f[2]): f[6] for f in lines if f[4] == "ENTERQUEUE"}
    return {
        (numbers[f[1], f[2]], f[2], float(f[7]))
        for f in lines
        if f[4] == "ABANDON" and float(f[7]) >= short_abandon_s
    }


def engine_callbacks(events: list[Event | SourceStatus], config: EngineConfig) -> Engine:
    engine = Engine(config)
    for item in events:
        if not isinstance(item, SourceStatus):
            engine.apply(item)
    return engine


def test_run_a_offers_and_originates_are_no_outbound_calls(run_a):
    events = feed_all(AmiMapper(RUN_A_CONFIG), capture_records(run_a))
    assert not [e for e in events if isinstance(e, NumberDialed)]
    engine = engine_callbacks(events, RUN_A_CONFIG)
    snap = engine.snapshot(engine.now)
    listed = {(c["number"], c["queue"], c["wait_s"]) for c in snap["callbacks"]}
    assert listed == queue_log_callbacks(run_a / "queue_log")
    assert (snap["queues"]["sales"]["callbacks_pending"], len(listed)) == (16, 48)


@pytest.mark.parametrize("user", ["all", "ro"])
def test_run_d_callbacks_equal_the_queue_logs_abandons_for_both_users(run_d, user):
    mapper = AmiMapper(RUN_D_CONFIG)
    events = feed_all(mapper, records(run_d, user)) + mapper.flush()
    assert not [e for e in events if isinstance(e, NumberDialed)]
    engine = engine_callbacks(events, RUN_D_CONFIG)
    snap = engine.snapshot(engine.now)
    listed = {(c["number"], c["queue"], c["wait_s"]) for c in snap["callbacks"]}
    assert listed == queue_log_callbacks(run_d / "queue_log")
    assert len(listed) == 56  # sales 27, support 15, billing 14
    # The queue_log source lists the same callers.
    from_queue_log = engine_callbacks(
        list(QueueLogSource(run_d / "queue_log", RUN_D_CONFIG).events()), RUN_D_CONFIG
    )
    same = from_queue_log.snapshot(from_queue_log.now)["callbacks"]
    assert {(c["number"], c["queue"], c["wait_s"]) for c in same} == listed


NOW = 1796157300.0  # records are received then (the mapper guards against far-off times)
AGENT = [
    event(
        "QueueMemberAdded",
        NOW,
        Queue="sales",
        MemberName="Alice",
        Interface="PJSIP/101",
        StateInterface="PJSIP/101",
    ),
]


def dial(**headers: str) -> RawRecord:
    return event("DialBegin", NOW, Timestamp=str(NOW + 0.5), **headers)


def test_an_agent_calling_a_number_is_a_call_placed_by_that_agent():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, AGENT)
    (placed,) = mapper.feed(
        dial(
            Channel="PJSIP/101-0000002a",
            Uniqueid="1796157300.7",
            Exten="95551234",
            DestChannel="PJSIP/trunk-0000002b",
            DialString="trunk/5551234",
        )
    )
    assert placed == NumberDialed(1796157300.5, "5551234", "Alice")


def test_asterisk_11_dial_begin_and_a_phone_named_in_the_agents_table():
    mapper = AmiMapper(EngineConfig(agents={"SIP/201": AgentSettings("Bob")}))
    (placed,) = mapper.feed(
        event(
            "Dial",
            NOW,
            SubEvent="Begin",
            Channel="SIP/201-00000007",
            UniqueID="17.1",
            Destination="SIP/trunk-00000008",
            Dialstring="trunk/+44 20 7946 0958",
            Timestamp=str(NOW),
        )
    )
    assert placed == NumberDialed(NOW, "+44 20 7946 0958", "Bob")
    # A phone nobody named: the call counts, its agent is unknown.
    (other,) = mapper.feed(dial(Channel="PJSIP/555-00000009", Uniqueid="9", Exten="5550000"))
    assert (other.number, other.agent) == ("5550000", "")


def test_a_queue_ringing_a_local_channel_member_and_its_phone_is_no_outbound_call():
    mapper = AmiMapper(EngineConfig())
    join = event("QueueCallerJoin", NOW, Queue="sales", Uniqueid="1.1", CallerIDNum="5551234")
    offers = [
        # the caller's channel dials the member's Local channel ...
        dial(
            Channel="PJSIP/trunk-00000001",
            Uniqueid="1.1",
            DestChannel="Local/101@agents-00000002;1",
            DialString="Local/101@agents/n",
        ),
        # ... whose other half dials the phone
        dial(
            Channel="Local/101@agents-00000002;2",
            Uniqueid="1.3",
            DestChannel="PJSIP/101-00000004",
            DialString="101",
        ),
        dial(Channel="PJSIP/101-00000004", Uniqueid="1.4", DialString="5551234"),
        # an Originate's first leg has no calling channel
        dial(DestChannel="PJSIP/101-00000005", DialString="PJSIP/101"),
    ]
    assert [e for e in feed_all(mapper, [join, *offers]) if isinstance(e, NumberDialed)] == []
    # Once hung up, the phone's channel name may dial out on its own.
    mapper.feed(event("Hangup", NOW, Channel="PJSIP/101-00000004", Uniqueid="1.4"))
    assert mapper.feed(dial(Channel="PJSIP/101-00000004", Uniqueid="2.1", Exten="5551234"))


@pytest.mark.parametrize(
    ("dial_string", "exten", "number"),
    [
        ("trunk/5551234", "", "5551234"),
        ("5551234@outbound", "", "5551234"),
        ("PJSIP/trunk/sip:+15555551234@example.org", "", "+15555551234"),
        ("trunk", "95551234", "95551234"),
        ("trunk", "s", ""),
    ],
)
def test_the_dialled_number_is_the_last_part_of_the_dial_string(dial_string, exten, number):
    assert dialled_number(dial_string, exten) == number


def test_channel_names_and_their_devices():
    assert device_of("PJSIP/101-0000002a") == "PJSIP/101"
    assert device_of("Local/agent101@agents-00000001;1") == "Local/agent101@agents"
    assert local_twin("Local/agent101@agents-00000001;1") == "Local/agent101@agents-00000001;2"
    assert local_twin("PJSIP/101-0000002a") is None
