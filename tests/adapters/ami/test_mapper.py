"""The pure AMI mapper: the real Asterisk 22 capture, and each rule on its own."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from tests.adapters.ami.capture_server import load_capture
from tests.adapters.ami.test_run_d import asterisk_counters_from, outcomes
from wallboard.adapters.ami.framing import blocks_from_text, split_blocks
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.ami.visibility import NO_DIALPLAN
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.engine.snapshot import Snapshot
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRingNoAnswer,
    AgentStatus,
    AgentUnpaused,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
    CallerLeaving,
    HoldEnded,
    HoldStarted,
)
from wallboard.status import SourceStatus

RUN_A_CONFIG = EngineConfig(queues={"support": QueueSettings(wrapup_s=5.0)})

# The fixture README's figures (queue_log of the same run, plus the FULL refusals).
README_COUNTS = {
    "sales": {
        "offered": 66,
        "answered": 41,
        "answered_in_sl": 11,
        "abandoned+short": 25,
        "short_abandoned": 9,
        "overflow": 0,
        "blocked": 5,
    },
    "support": {
        "offered": 94,
        "answered": 49,
        "answered_in_sl": 9,
        "abandoned+short": 39,
        "short_abandoned": 7,
        "overflow": 6,
        "blocked": 0,
    },
}


def day_counts(snapshot: Snapshot) -> dict[str, dict[str, int]]:
    counts = {}
    for name, queue in snapshot["queues"].items():
        day = queue["day"]
        counts[name] = {
            "offered": day["offered"],
            "answered": day["answered"],
            "answered_in_sl": day["answered_in_sl"],
            "abandoned+short": day["abandoned"] + day["short_abandoned"],
            "short_abandoned": day["short_abandoned"],
            "overflow": day["overflow"],
            "blocked": day["blocked"],
        }
    return counts


def capture_records(run_a: Path) -> list[RawRecord]:
    text = gzip.decompress((run_a / "ami-capture.raw.gz").read_bytes()).decode()
    return [RawRecord(0.0, "ami", block) for block in blocks_from_text(text)]


def event(name: str, received_at: float = 0.0, **headers: str) -> RawRecord:
    return RawRecord(received_at, "ami", [["Event", name], *map(list, headers.items())])


def feed_all(mapper: AmiMapper, records: list[RawRecord]) -> list:
    return [item for record in records for item in mapper.feed(record)]


def test_capture_through_mapper_gives_the_readme_counts(run_a):
    events = feed_all(AmiMapper(RUN_A_CONFIG), capture_records(run_a))
    engine = Engine(RUN_A_CONFIG)
    for item in events:
        engine.apply(item)
    snapshot = engine.snapshot(events[-1].at)
    assert day_counts(snapshot) == README_COUNTS
    assert engine.late_events == 0
    assert engine.unknown_calls == 0
    assert all(queue["waiting"] == 0 for queue in snapshot["queues"].values())


def test_capture_abandon_or_timeout_agrees_with_queue_log(run_a):
    """Decided at QueueCallerAbandon time; queue_log (written by Asterisk) is the judge."""
    events = feed_all(AmiMapper(RUN_A_CONFIG), capture_records(run_a))
    verdicts = {
        e.call_id: type(e).__name__ for e in events if isinstance(e, CallerAbandoned | CallerExited)
    }
    queue_log = {}
    for line in (run_a / "queue_log").read_text().splitlines():
        fields = line.split("|")
        if fields[4] in ("ABANDON", "EXITWITHTIMEOUT"):
            queue_log[fields[1]] = fields[4]
    expected = {
        call_id: "CallerAbandoned" if verb == "ABANDON" else "CallerExited"
        for call_id, verb in queue_log.items()
    }
    assert verdicts == expected
    assert Counter(verdicts.values()) == {"CallerAbandoned": 64, "CallerExited": 6}


# The queue timeouts run A's dialplan gives Queue() (etc/extensions.conf).
# queues.conf `servicelevel` of both queues in run A (its README), seconds.
RUN_A_SERVICE_LEVEL = {"sales": 20, "support": 20}
RUN_A_TIMEOUTS = EngineConfig(
    queues={
        "support": QueueSettings(wrapup_s=5.0, caller_timeout_s=(150.0,)),
        "sales": QueueSettings(caller_timeout_s=(300.0,)),
    }
)


def read_only(records: list[RawRecord]) -> list[RawRecord]:
    """What a `read = call,agent,reporting` user receives of the same run: run A without
    every block whose `Privilege:` names none of those classes."""
    kept = []
    for record in records:
        privilege = dict(record.payload).get("Privilege")
        if privilege is None or set(privilege.split(",")) & {"call", "agent", "reporting"}:
            kept.append(record)
    return kept


def run_a_verdicts(run_a: Path) -> Counter[tuple[str, str, str]]:
    kinds = {"CONNECT": "answered", "ABANDON": "abandon", "EXITWITHTIMEOUT": "timeout"}
    lines = (line.split("|") for line in (run_a / "queue_log").read_text().splitlines())
    return Counter((f[2], f[1], kinds[f[4]]) for f in lines if f[4] in kinds)


def connected(records: list[RawRecord]) -> list[RawRecord]:
    """As the live source hands them on: a connection's status first."""
    return [RawRecord(0.0, "status", SourceStatus(0.0, "live").to_payload()), *records]


@pytest.mark.parametrize("user", ["all", "read-only"])
def test_run_a_every_answer_abandon_and_timeout_is_queue_logs_on_both_read_classes(run_a, user):
    records = capture_records(run_a)
    if user == "read-only":
        records = read_only(records)
        assert 0 < len(records) < len(capture_records(run_a))
    mapper = AmiMapper(RUN_A_TIMEOUTS)
    assert outcomes(feed_all(mapper, records) + mapper.flush()) == run_a_verdicts(run_a)


def test_run_a_read_only_without_caller_timeouts_misses_exactly_the_timeouts_and_says_so(run_a):
    """AMI hang-ups announce nothing, and run A plays no music on hold: only the timeout
    setting (or the dialplan class) tells its 6 timeouts from hang-ups."""
    mapper = AmiMapper(RUN_A_CONFIG)
    items = feed_all(mapper, connected(read_only(capture_records(run_a)))) + mapper.flush()
    judge = run_a_verdicts(run_a)
    assert outcomes(items) - judge == Counter(
        {(q, c, "abandon"): 1 for q, c, kind in judge if kind == "timeout"}
    )
    limits = {limit for s in items if isinstance(s, SourceStatus) for limit in s.limits}
    assert limits == {NO_DIALPLAN}


def test_capture_full_refusals_are_blocked_calls(run_a):
    records = capture_records(run_a)
    full = {
        dict(r.payload)["Uniqueid"]
        for r in records
        if dict(r.payload).get("Variable") == "QUEUESTATUS" and dict(r.payload)["Value"] == "FULL"
    }
    blocked = [e for e in feed_all(AmiMapper(RUN_A_CONFIG), records) if isinstance(e, CallBlocked)]
    assert {e.call_id for e in blocked} == full
    assert len(full) == 5
    assert {(e.queue, e.reason) for e in blocked} == {("sales", "full")}


def test_capture_times_are_the_timestamp_headers(run_a):
    events = feed_all(AmiMapper(RUN_A_CONFIG), capture_records(run_a))
    assert events
    assert all(1795381984 < e.at < 1795382700 for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_timestamp_falls_back_to_received_at():
    mapper = AmiMapper(EngineConfig())
    received = 1_732_266_042.5
    (joined,) = mapper.feed(event("QueueCallerJoin", received, Queue="q", Uniqueid="1.1"))
    assert joined == CallerJoined(received, "q", "1.1")
    stamp = "1732266007.25"  # a PBX clock 35 s behind ours
    stamped = event("QueueCallerJoin", received, Queue="q", Uniqueid="1.2", Timestamp=stamp)
    (joined,) = mapper.feed(stamped)
    assert joined.at == float(stamp)


def queue_caller(uid: str, queue: str = "sales", timeout: str = "300") -> list[RawRecord]:
    return [
        event(
            "Newexten",
            Uniqueid=uid,
            Exten=queue,
            Application="Queue",
            AppData=f"{queue},,,,{timeout}",
        ),
        event("QueueCallerJoin", Uniqueid=uid, Queue=queue, CallerIDNum="555"),
    ]


def test_hangup_request_before_abandon_is_an_abandon_even_at_the_timeout():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("9.1", timeout="30"))
    mapper.feed(event("HangupRequest", Uniqueid="9.1", Cause="16"))
    out = mapper.feed(event("QueueCallerAbandon", Uniqueid="9.1", Queue="sales", HoldTime="30"))
    assert out == [CallerAbandoned(0.0, "sales", "9.1", 30.0)]
    assert mapper.feed(event("QueueCallerLeave", Uniqueid="9.1", Queue="sales")) == []


def test_abandon_at_the_queue_timeout_waits_for_queuestatus_when_the_dialplan_is_seen():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("9.2", timeout="30"))
    abandon = event("QueueCallerAbandon", 1.0, Uniqueid="9.2", Queue="sales", HoldTime="30")
    assert mapper.feed(abandon) == [CallerLeaving(1.0, "sales", "9.2")]
    status = event("VarSet", 1.001, Uniqueid="9.2", Variable="QUEUESTATUS", Value="LEAVEEMPTY")
    assert mapper.feed(status) == [CallerExited(1.001, "sales", "9.2", "empty", 30.0)]


def test_abandon_at_the_queue_timeout_without_queuestatus_is_a_timeout_exit():
    """The Queue() call's own timeout argument decides once the channel is gone."""
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("9.2", timeout="30"))
    mapper.feed(event("QueueCallerAbandon", 1.0, Uniqueid="9.2", Queue="sales", HoldTime="30"))
    assert mapper.feed(event("Hangup", 1.01, Uniqueid="9.2")) == [
        CallerExited(1.01, "sales", "9.2", "timeout", 30.0)
    ]


def test_abandon_before_the_timeout_that_hangs_up_is_a_hang_up():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("9.3", timeout="30"))
    mapper.feed(event("QueueCallerAbandon", 1.0, Uniqueid="9.3", Queue="sales", HoldTime="29"))
    assert mapper.feed(event("Hangup", 1.0, Uniqueid="9.3")) == [
        CallerAbandoned(1.0, "sales", "9.3", 29.0)
    ]


def test_a_verdict_waiting_on_a_quiet_pbx_is_released_by_a_tick():
    """Dialplan class seen, no QUEUESTATUS and no hang-up yet: the channel is still up."""
    mapper = AmiMapper(EngineConfig())
    mapper.feed(event("Newexten", Uniqueid="9.4", Application="Queue", AppData="sales"))
    mapper.feed(event("DialEnd", 0.5, Uniqueid="9.8", DialStatus="ANSWER"))  # call class seen
    mapper.feed(event("QueueCallerJoin", 0.5, Uniqueid="9.4", Queue="sales"))
    leaving = mapper.feed(event("QueueCallerAbandon", 1.0, Uniqueid="9.4", Queue="sales"))
    assert leaving == [CallerLeaving(1.0, "sales", "9.4")]
    assert mapper.feed(RawRecord(1.5, "tick", None)) == []
    assert mapper.feed(RawRecord(3.1, "tick", None)) == [
        CallerExited(3.1, "sales", "9.4", "timeout", None)
    ]


def test_full_refusal_takes_the_queue_from_the_queue_application():
    mapper = AmiMapper(EngineConfig())
    mapper.feed(event("Newexten", Uniqueid="8.1", Exten="s", Application="Queue", AppData="vip"))
    out = mapper.feed(event("VarSet", Uniqueid="8.1", Variable="QUEUESTATUS", Value="FULL"))
    assert out == [CallBlocked(0.0, "vip", "8.1", "full")]


def test_join_empty_refusal_without_newexten_falls_back_to_the_extension():
    mapper = AmiMapper(EngineConfig())
    out = mapper.feed(
        event("VarSet", Uniqueid="8.2", Exten="sales", Variable="QUEUESTATUS", Value="JOINEMPTY")
    )
    assert out == [CallBlocked(0.0, "sales", "8.2", "joinempty")]


def test_queuestatus_after_a_join_is_no_refusal():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("8.3"))
    mapper.feed(event("QueueCallerLeave", Uniqueid="8.3", Queue="sales"))
    assert mapper.feed(event("VarSet", Uniqueid="8.3", Variable="QUEUESTATUS", Value="FULL")) == []


def test_answered_call_leave_before_connect_is_no_exit():
    mapper = AmiMapper(EngineConfig(queues={"sales": QueueSettings(wrapup_s=7.0)}))
    feed_all(mapper, queue_caller("7.1"))
    called = mapper.feed(
        event("AgentCalled", Uniqueid="7.1", Queue="sales", MemberName="Ann", Interface="PJSIP/1")
    )
    assert called[0].agent == "Ann"
    assert mapper.feed(event("DialEnd", Uniqueid="7.1", DialStatus="ANSWER")) == []
    assert mapper.feed(event("QueueCallerLeave", Uniqueid="7.1", Queue="sales")) == []
    out = mapper.feed(
        event(
            "AgentConnect",
            Uniqueid="7.1",
            Linkedid="7.0",
            DestUniqueid="7.2",
            Queue="sales",
            MemberName="Ann",
            HoldTime="12",
            RingTime="3",
        )
    )
    assert out == [CallerAnswered(0.0, "sales", "7.1", "Ann", 12.0, 3.0)]
    assert mapper.feed(event("Hold", Uniqueid="7.2", Linkedid="7.0")) == [HoldStarted(0.0, "7.1")]
    assert mapper.feed(event("Unhold", Uniqueid="7.9", Linkedid="7.0")) == [HoldEnded(0.0, "7.1")]
    mapper.feed(event("BlindTransfer", Result="Success", TransfererUniqueid="7.2"))
    out = mapper.feed(
        event(
            "AgentComplete",
            Uniqueid="7.1",
            Queue="sales",
            MemberName="Ann",
            HoldTime="12",
            TalkTime="40",
            Reason="agent",
        )
    )
    assert out == [CallEnded(0.0, "sales", "7.1", "Ann", 40.0, 7.0, True)]
    assert mapper.feed(event("Hold", Uniqueid="7.2", Linkedid="7.0")) == []


def test_leave_without_answer_or_abandon_is_an_exit():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("6.1"))
    out = mapper.feed(event("QueueCallerLeave", Uniqueid="6.1", Queue="sales"))
    assert out == [CallerExited(0.0, "sales", "6.1", "other")]


def test_agent_dump_cancels_a_pending_answer():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("6.2"))
    mapper.feed(event("DialEnd", Uniqueid="6.2", DialStatus="ANSWER"))
    dumped = mapper.feed(event("AgentDump", Uniqueid="6.2", Queue="sales", MemberName="Bo"))
    assert dumped == [AgentRingNoAnswer(0.0, "Bo", "sales", "6.2")]
    out = mapper.feed(event("QueueCallerLeave", Uniqueid="6.2", Queue="sales"))
    assert out == [CallerExited(0.0, "sales", "6.2", "other")]


def test_ring_no_answer_time_is_milliseconds():
    mapper = AmiMapper(EngineConfig())
    out = mapper.feed(
        event("AgentRingNoAnswer", Uniqueid="5.1", Queue="q", MemberName="Cy", RingTime="12000")
    )
    assert out == [AgentRingNoAnswer(0.0, "Cy", "q", "5.1", 12.0)]


def test_agent_without_member_name_is_named_by_interface():
    mapper = AmiMapper(EngineConfig())
    out = mapper.feed(event("QueueMemberAdded", Queue="q", Interface="PJSIP/7", Paused="0"))
    assert out == [AgentLoggedIn(0.0, "PJSIP/7", "q", "")]


def test_repause_with_new_reason_and_auto_pause():
    mapper = AmiMapper(EngineConfig())
    member = {"Queue": "q", "MemberName": "Di", "Interface": "PJSIP/4"}
    assert mapper.feed(event("QueueMemberPause", Paused="1", PausedReason="lunch", **member)) == [
        AgentPaused(0.0, "Di", "q", "lunch")
    ]
    assert mapper.feed(event("QueueMemberPause", Paused="1", PausedReason="break", **member)) == [
        AgentPaused(0.0, "Di", "q", "break")
    ]
    assert mapper.feed(
        event("QueueMemberPause", Paused="1", PausedReason="Auto-Pause", **member)
    ) == [AgentPaused(0.0, "Di", "q", "Auto-Pause")]
    assert mapper.feed(event("QueueMemberPause", Paused="0", PausedReason="", **member)) == [
        AgentUnpaused(0.0, "Di", "q")
    ]


def test_asterisk_11_names():
    mapper = AmiMapper(EngineConfig())
    assert mapper.feed(event("Join", Queue="q", Uniqueid="4.1", CallerIDNum="1")) == [
        CallerJoined(0.0, "q", "4.1", "1")
    ]
    mapper.feed(event("Dial", SubEvent="End", UniqueID="4.1", DialStatus="ANSWER"))
    assert mapper.feed(event("Leave", Queue="q", Uniqueid="4.1")) == []
    assert mapper.feed(
        event("QueueMemberPaused", Queue="q", Location="SIP/9", MemberName="Ed", Paused="1")
    ) == [AgentPaused(0.0, "Ed", "q", "")]
    assert mapper.feed(
        event("AgentConnect", Queue="q", Uniqueid="4.1", MemberName="Ed", Holdtime="4")
    ) == [CallerAnswered(0.0, "q", "4.1", "Ed", 4.0, None)]


def test_member_removed_and_member_status():
    mapper = AmiMapper(EngineConfig())
    status = mapper.feed(
        event(
            "QueueMemberStatus",
            Queue="q",
            MemberName="Fa",
            Interface="PJSIP/5",
            Paused="1",
            PausedReason="coaching",
            InCall="1",
        )
    )
    assert status == [AgentStatus(0.0, "Fa", "q", "Fa", True, "coaching", True)]
    assert mapper.feed(event("QueueMemberRemoved", Queue="q", MemberName="Fa")) == [
        AgentLoggedOut(0.0, "Fa", "q")
    ]


def test_noise_and_unknown_events_map_to_nothing():
    mapper = AmiMapper(EngineConfig())
    assert mapper.feed(event("VarSet", Uniqueid="1", Variable="CALLNUM", Value="3")) == []
    assert mapper.feed(event("Newexten", Uniqueid="1", Application="Wait")) == []
    assert mapper.feed(event("SomethingNew", Queue="q")) == []
    assert mapper.feed(RawRecord(0.0, "ami", [["Response", "Success"]])) == []


def test_status_record_passes_through():
    status = SourceStatus(3.0, "live", "ok")
    mapper = AmiMapper(EngineConfig())
    assert mapper.feed(RawRecord(3.0, "status", status.to_payload())) == [status]


def status_answer(text: str, received_at: float) -> list[RawRecord]:
    return [RawRecord(received_at, "ami", b) for b in split_blocks(text.splitlines())]


def test_resync_lists_members_and_callers_and_drops_what_is_gone():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("3.1", queue="sales"))
    feed_all(mapper, queue_caller("3.2", queue="sales"))
    mapper.feed(event("QueueMemberAdded", Queue="sales", MemberName="Old", Interface="L/1"))
    answer = """Event: QueueParams
Queue: sales

Event: QueueMember
Queue: sales
Name: Gi
Location: Local/1@agents/n
InCall: 0
Paused: 1
PausedReason: lunch

Event: QueueEntry
Queue: sales
Uniqueid: 3.2
CallerIDNum: 555
Wait: 40

Event: QueueEntry
Queue: sales
Uniqueid: 3.3
CallerIDNum: 556
Wait: 5

Event: QueueStatusComplete
EventList: Complete
ListItems: 4
"""
    out = feed_all(mapper, status_answer(answer, 1000.0))
    assert out == [
        CallerJoined(960.0, "sales", "3.2", "555"),
        CallerJoined(995.0, "sales", "3.3", "556"),
        AgentStatus(1000.0, "Gi", "sales", "Gi", True, "lunch", False),
        CallerGone(1000.0, "sales", "3.1"),
        AgentLoggedOut(1000.0, "Old", "sales"),
    ]
    # 3.3 is now believed waiting: its abandon maps; 3.1 is forgotten.
    assert mapper.feed(event("QueueCallerAbandon", Uniqueid="3.3", Queue="sales", HoldTime="9"))
    again = feed_all(mapper, status_answer("Event: QueueStatusComplete\n", 2000.0))
    assert again == [
        CallerAbandoned(2000.0, "sales", "3.3", 9.0),  # its wait for QUEUESTATUS is over
        CallerGone(2000.0, "sales", "3.2"),
        AgentLoggedOut(2000.0, "Gi", "sales"),
    ]


def test_hangup_of_a_caller_still_waiting_is_gone():
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("2.1"))
    assert mapper.feed(event("Hangup", Uniqueid="2.1")) == [CallerGone(0.0, "sales", "2.1")]


@pytest.mark.parametrize("state", ["disconnected", "connecting"])
def test_disconnection_forgets_channel_memory_only(state):
    mapper = AmiMapper(EngineConfig())
    feed_all(mapper, queue_caller("1.1", timeout="10"))
    mapper.feed(RawRecord(5.0, "status", SourceStatus(5.0, state).to_payload()))
    out = mapper.feed(event("QueueCallerAbandon", Uniqueid="1.1", Queue="sales", HoldTime="10"))
    out += mapper.flush()
    expected = "CallerAbandoned" if state == "disconnected" else "CallerExited"
    assert [type(e).__name__ for e in out if not isinstance(e, CallerLeaving)] == [expected]


def test_resync_answers_land_on_the_pbx_clock_learnt_from_a_pong():
    """QueueStatus answers carry no time; a PBX whose clock is not ours must not move them."""
    mapper = AmiMapper(EngineConfig())
    ours = 1_732_266_000.0  # the PBX's clock is 4000 s ahead of ours

    def pong(received: float) -> RawRecord:
        stamp = f"{received + 4000:.6f}"
        return RawRecord(
            received, "ami", [["Response", "Success"], ["Ping", "Pong"], ["Timestamp", stamp]]
        )

    assert mapper.feed(pong(ours)) == []
    entry = [["Event", "QueueEntry"], ["Queue", "sales"], ["Uniqueid", "9.1"], ["Wait", "30"]]
    complete = [["Event", "QueueStatusComplete"], ["ListItems", "1"]]
    items = feed_all(
        mapper, [RawRecord(ours + 10, "ami", entry), RawRecord(ours + 10, "ami", complete)]
    )
    # A first time that our clock does not vouch for waits for the next one (docs/INPUT.md):
    # the next Ping answer agrees with it, so the PBX's clock is followed.
    items += mapper.feed(pong(ours + 15))
    assert [e for e in items if isinstance(e, CallerJoined)] == [
        CallerJoined(ours + 3980, "sales", "9.1")
    ]


@pytest.mark.parametrize("path", ["all", "read-only", "queue_log"])
def test_run_a_asterisks_own_counters_on_both_read_classes_and_queue_log(run_a, path):
    """Run A's final QueueParams (no restart, nothing reset): Completed, Abandoned, SL, SL2."""
    capture = load_capture(run_a)
    listed = capture.snapshots["snap-final-status"]
    params = {dict(p)["Queue"]: dict(p) for p in listed if ["Event", "QueueParams"] in p}
    if path == "queue_log":
        items = list(QueueLogSource(run_a / "queue_log", RUN_A_TIMEOUTS).events())
    else:
        records = capture_records(run_a)
        mapper = AmiMapper(RUN_A_TIMEOUTS)
        chosen = read_only(records) if path == "read-only" else records
        items = feed_all(mapper, connected(chosen)) + mapper.flush()
    counters = ("Completed", "Abandoned", "ServicelevelPerf", "ServicelevelPerf2")
    expected = {q: {key: params[q][key] for key in counters} for q in ("sales", "support")}
    counted = asterisk_counters_from(
        items, 0.0, capture.snapshot_times["snap-final"], service_level=RUN_A_SERVICE_LEVEL
    )
    assert counted == expected
