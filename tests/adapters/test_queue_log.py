"""queue_log mapping: Asterisk's real run, every field layout, and bad input."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogMapper, QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.errors import WallboardError
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRingNoAnswer,
    AgentUnpaused,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
)
from wallboard.runtime.snapshot_at import snapshot_at

RUN_A_CONFIG = EngineConfig(queues={"support": QueueSettings(wrapup_s=5.0)})


# The times of the lines below are seconds after BASE: a source time before 2000 is no
# time at all (docs/INPUT.md), so lines are moved onto a real day and events back from it.
BASE = 1_732_266_000


def on_base(line: str) -> str:
    stamp, sep, rest = line.partition("|")
    return f"{BASE + float(stamp):.6f}".rstrip("0").rstrip(".") + sep + rest


def record(line: str) -> RawRecord:
    return RawRecord(0.0, "queue_log", on_base(line))


def off_base(events: list) -> list:
    return [replace(e, at=e.at - BASE) for e in events]


def mapped(lines: list[str], config: EngineConfig = RUN_A_CONFIG) -> list:
    mapper = QueueLogMapper(config)
    out = []
    for line in lines:
        out += mapper.feed(record(line))
    return off_base(out + mapper.flush())


def day(run_a: Path, variant: str) -> dict[str, dict]:
    config = EngineConfig(sl_variant=variant, queues=RUN_A_CONFIG.queues)  # type: ignore[arg-type]
    snapshot = snapshot_at(QueueLogSource(run_a / "queue_log", config), config)
    return {name: queue["day"] for name, queue in snapshot["queues"].items()}


def test_real_run_counts_match_asterisk(run_a):
    spans = day(run_a, "offered")
    sales, support = spans["sales"], spans["support"]
    assert (sales["offered"], sales["answered"], sales["answered_in_sl"]) == (66, 41, 11)
    assert sales["abandoned"] + sales["short_abandoned"] == 25
    assert (sales["short_abandoned"], sales["overflow"]) == (9, 0)
    assert (support["offered"], support["answered"], support["answered_in_sl"]) == (94, 49, 9)
    assert support["abandoned"] + support["short_abandoned"] == 39
    assert (support["short_abandoned"], support["overflow"]) == (7, 6)


@pytest.mark.parametrize(
    ("variant", "printed"),
    [
        ("answered_only", {"sales": 26.8, "support": 18.4}),
        ("abandons_in_sl_good", {"sales": 42.4, "support": 28.7}),
    ],
)
def test_real_run_service_levels_match_asterisk_to_the_printed_digit(run_a, variant, printed):
    spans = day(run_a, variant)
    assert {q: round(spans[q]["service_level"] * 100, 1) for q in printed} == printed


def test_real_run_has_no_warnings_and_no_dropped_events(run_a, caplog):
    engine = Engine(RUN_A_CONFIG)
    with caplog.at_level(logging.WARNING):
        for event in QueueLogSource(run_a / "queue_log", RUN_A_CONFIG).events():
            engine.apply(event)
    assert caplog.records == []
    assert (engine.late_events, engine.unknown_calls) == (0, 0)
    agents = engine.snapshot(engine.now)["agents"]
    assert sorted(agents) == [f"Agent {n}" for n in (*range(101, 107), *range(201, 208))]


def test_answered_call_uses_the_lines_own_durations_and_the_queues_wrap():
    events = mapped(
        [
            "100|c1|support|NONE|ENTERQUEUE||5550001|1",
            "106|c1|support|Agent 201|CONNECT|6|c1.2|4",
            "130|c1|support|Agent 201|COMPLETECALLER|6|24|1",
        ]
    )
    assert events == [
        CallerJoined(100.0, "support", "c1", "5550001"),
        AgentLoggedIn(106.0, "Agent 201", "support"),
        CallerAnswered(106.0, "support", "c1", "Agent 201", wait_s=6.0, ring_s=4.0),
        CallEnded(130.0, "support", "c1", "Agent 201", talk_s=24.0, wrap_s=5.0),
    ]


def test_older_layouts_leave_missing_fields_unknown():
    events = mapped(
        [
            "100|c1|q|NONE|ENTERQUEUE||",  # 1.4: no position
            "106|c1|q|Agent/1|CONNECT|6|c1.2",  # no ringtime
            "110|c2|q|NONE|EXITWITHTIMEOUT|1",  # 1.4: position only
            "111|c3|q|NONE|EXITWITHKEY|5|2",  # key|position
        ]
    )
    answered = next(e for e in events if isinstance(e, CallerAnswered))
    assert (answered.wait_s, answered.ring_s) == (6.0, None)
    assert [e for e in events if isinstance(e, CallerExited)] == [
        CallerExited(110.0, "q", "c2", "timeout", None),
        CallerExited(111.0, "q", "c3", "key", None),
    ]


def test_unanswered_exits_take_the_waittime_field():
    events = mapped(
        [
            "200|a|q|NONE|ABANDON|1|1|3",
            "201|b|q|NONE|EXITWITHTIMEOUT|2|1|150",
            "202|c|q|NONE|EXITWITHKEY|9|1|2|40",
            "203|d|q|NONE|EXITEMPTY|1|1|12",
            "204|e|q|NONE|WITHDRAW|1|1|30|info",
        ]
    )
    assert events == [
        CallerAbandoned(200.0, "q", "a", 3.0),
        CallerExited(201.0, "q", "b", "timeout", 150.0),
        CallerExited(202.0, "q", "c", "key", 40.0),
        CallerExited(203.0, "q", "d", "empty", 12.0),
        CallerExited(204.0, "q", "e", "other", 30.0),
    ]


@pytest.mark.parametrize(
    ("line", "talk"),
    [
        ("300|c|q|Agent/1|TRANSFER|200|default|5|41|1", 41.0),
        ("300|c|q|Agent/1|TRANSFER|200|default|5|41", 41.0),  # before origposition
        ("300|c|q|Agent/1|BLINDTRANSFER|200|default|5|41|1", 41.0),
        ("300|c|q|Agent/1|ATTENDEDTRANSFER|BRIDGE|b-1|5|41|1", 41.0),
        ("300|c|q|Agent/1|ATTENDEDTRANSFER|APP|Voicemail|5|41|1", 41.0),
        ("300|c|q|Agent/1|ATTENDEDTRANSFER|LINK|Local/a|Local/b|5|41|1", 41.0),
        ("300|c|q|Agent/1|ATTENDEDTRANSFER|THREEWAY|x|5|41|1", None),
    ],
)
def test_transfers_end_the_call_as_transferred_with_their_calltime(line, talk):
    events = mapped(["250|c|q|NONE|ENTERQUEUE||1|1", "255|c|q|Agent/1|CONNECT|5|c.1|2", line])
    assert events[-1] == CallEnded(300.0, "q", "c", "Agent/1", talk, 0.0, transferred=True)


def test_ring_no_answer_converts_milliseconds():
    events = mapped(["400|c|q|Agent/1|RINGNOANSWER|15000"])
    assert events[-1] == AgentRingNoAnswer(400.0, "Agent/1", "q", "c", 15.0)


def test_pauseall_applies_to_every_queue_of_the_agent():
    events = mapped(
        [
            "10|NONE|sales|Local/101@agents|ADDMEMBER|",
            "11|NONE|support|Local/101@agents|ADDMEMBER|PAUSED",
            "20|NONE|NONE|Local/101@agents|PAUSEALL|lunch",
            "30|NONE|NONE|Local/101@agents|UNPAUSEALL|",
        ]
    )
    agent = "Local/101@agents"
    assert events == [
        AgentLoggedIn(10.0, agent, "sales"),
        AgentLoggedIn(11.0, agent, "support"),
        AgentPaused(11.0, agent, "support"),
        AgentPaused(20.0, agent, "sales", "lunch"),
        AgentPaused(20.0, agent, "support", "lunch"),
        AgentUnpaused(30.0, agent, "sales"),
        AgentUnpaused(30.0, agent, "support"),
    ]


def test_interfaces_map_to_member_names_only_when_a_line_ties_them():
    events = mapped(
        [
            "10|MANAGER|q|Local/1@a|ADDMEMBER||Alice",
            "20|MANAGER|q|Local/1@a|REMOVEMEMBER|",
            "30|MANAGER|q|Local/2@a|ADDMEMBER|",
            "40|MANAGER|q|Local/2@a|REMOVEMEMBER|",
        ]
    )
    assert events == [
        AgentLoggedIn(10.0, "Alice", "q"),
        AgentLoggedOut(20.0, "Alice", "q"),
        AgentLoggedIn(30.0, "Local/2@a", "q"),
        AgentLoggedOut(40.0, "Local/2@a", "q"),
    ]


def test_agent_channel_logoff_and_login_move_every_queue():
    events = mapped(
        [
            "10|NONE|q1|Agent/7|PAUSE|x",
            "11|NONE|q2|Agent/7|UNPAUSE|",
            "20|u1|NONE|Agent/7|AGENTLOGOFF|PJSIP/7|600",
            "30|u2|NONE|Agent/7|AGENTLOGIN|PJSIP/7",
        ]
    )
    assert events[-4:] == [
        AgentLoggedOut(20.0, "Agent/7", "q1"),
        AgentLoggedOut(20.0, "Agent/7", "q2"),
        AgentLoggedIn(30.0, "Agent/7", "q1"),
        AgentLoggedIn(30.0, "Agent/7", "q2"),
    ]


def test_restart_loses_waiting_and_connected_calls_honestly():
    events = mapped(
        [
            "10|w|q|NONE|ENTERQUEUE||1|1",
            "11|t|q|NONE|ENTERQUEUE||2|2",
            "12|t|q|Agent/1|CONNECT|1|t.1|1",
            "50|NONE|NONE|NONE|QUEUESTART|",
        ]
    )
    assert events[-2:] == [CallerGone(50.0, "q", "w"), CallEnded(50.0, "q", "t", "Agent/1")]


def test_full_and_joinempty_are_blocked_calls():
    events = mapped(["10|a|q|NONE|FULL|", "11|b|q|NONE|JOINEMPTY|"])
    assert events == [CallBlocked(10.0, "q", "a", "full"), CallBlocked(11.0, "q", "b", "joinempty")]


def test_outcome_of_a_call_that_joined_before_the_file_is_counted():
    config = EngineConfig()
    engine = Engine(config)
    for event in mapped(["500|old|q|NONE|ABANDON|1|1|30", "501|old2|q|Agent/1|CONNECT|12|x|3"]):
        engine.apply(event)
    span = engine.snapshot(501.0)["queues"]["q"]["day"]
    assert (span["offered"], span["abandoned"], span["answered"], span["asa_s"]) == (2, 1, 1, 12.0)


def test_small_disorder_is_put_back_in_time_order():
    events = mapped(["103|b|q|NONE|ENTERQUEUE||2|1", "101|a|q|NONE|ENTERQUEUE||1|1"])
    assert [e.call_id for e in events] == ["a", "b"]


def test_large_disorder_is_applied_in_file_order_with_a_warning():
    mapper = QueueLogMapper(EngineConfig(), reorder_s=5.0)
    out = mapper.feed(record("100|a|q|NONE|ENTERQUEUE||1|1"))
    out += mapper.feed(record("200|b|q|NONE|ENTERQUEUE||1|1"))
    out += mapper.feed(record("150|c|q|NONE|ENTERQUEUE||1|1"))  # in time
    out += mapper.feed(record("210|d|q|NONE|ENTERQUEUE||1|1"))
    assert mapper.take_warnings() == []
    out += mapper.feed(record("160|e|q|NONE|ENTERQUEUE||1|1"))
    assert mapper.take_warnings() == [
        f"timestamp {BASE + 160} is 40 s earlier than lines already applied; applied in file order"
    ]
    out += mapper.flush()
    assert [e.call_id for e in out] == ["a", "c", "b", "e", "d"]


def test_garbage_lines_are_skipped_with_file_and_line(tmp_path, caplog):
    path = tmp_path / "queue_log"
    path.write_bytes(
        b"1732266100|a|q|NONE|ENTERQUEUE||1|1\n"
        b"this is not a queue_log line\n"
        b"\n"
        b"abc|a|q|NONE|ABANDON|1|1|3\n"
        b"1732266101|a|NONE|NONE|ABANDON|1|1|3\n"
        b"1732266102|a|q|NONE|MADEUPVERB|\n"
        b"1732266103|a|q|NONE|ABANDON|1|1|3\xff\n"
    )
    with caplog.at_level(logging.WARNING):
        events = off_base(list(QueueLogSource(path).events()))
    assert events == [CallerJoined(100.0, "q", "a", "1"), CallerAbandoned(103.0, "q", "a", None)]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:2: skipped: not a queue_log line (1 fields, at least 5 expected)",
        f"{path}:4: skipped: bad timestamp 'abc'",
        f"{path}:5: skipped: ABANDON without a queue or call id",
        f"{path}:6: ignored unknown verb 'MADEUPVERB' (further ones silently)",
        f"{path}:7: ABANDON: waittime '3\ufffd' is not a number; read as unknown",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\x00\x01binary\x00", "binary file, not a queue_log or a recording"),
        (b"hello\nworld\n", "no queue_log lines (epoch|callid|queue|agent|verb)"),
    ],
)
def test_unusable_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "queue_log"
    path.write_bytes(content)
    with pytest.raises(WallboardError) as error:
        list(QueueLogSource(path).events())
    assert str(error.value) == f"{path}: {message}"


def test_label_names_the_file(tmp_path):
    assert QueueLogSource(tmp_path / "ql").label == f"queue_log:{tmp_path / 'ql'}"


@pytest.mark.parametrize("stamp", ["nan", "inf", "-inf"])
def test_a_timestamp_that_is_no_time_is_skipped_and_holds_nothing_back(stamp):
    # A nan line used to sit at the head of the reorder buffer and swallow every later line.
    mapper = QueueLogMapper(EngineConfig())
    out = mapper.feed(record("100|a|q|NONE|ENTERQUEUE||1|1"))
    out += mapper.feed(RawRecord(0.0, "queue_log", f"{stamp}|b|q|NONE|ENTERQUEUE||1|1"))
    out += mapper.feed(record("200|c|q|NONE|ENTERQUEUE||1|1"))
    assert mapper.take_warnings() == [f"skipped: bad timestamp {stamp!r}"]
    assert [e.call_id for e in out + mapper.flush()] == ["a", "c"]


def test_an_empty_time_field_is_a_bad_timestamp_even_as_the_first_line():
    mapper = QueueLogMapper(EngineConfig())
    assert mapper.feed(RawRecord(0.0, "queue_log", "|a|q|NONE|ENTERQUEUE||1|1")) == []
    assert mapper.take_warnings() == ["skipped: bad timestamp ''"]


@pytest.mark.parametrize("valid", [False, True])
def test_a_text_file_of_thousands_of_bad_lines_gives_a_few_warnings_and_one_summary(
    tmp_path, caplog, valid
):
    path = tmp_path / "notes.txt"
    lines = [f"note {i}: call the supplier" for i in range(1, 5001)]
    if valid:
        lines[-1] = "1732262400|c1|support|NONE|ENTERQUEUE||1001|1"
    path.write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.WARNING):
        if valid:
            events = list(QueueLogSource(path).events())
            assert len(events) == 1
        else:
            with pytest.raises(WallboardError, match="no queue_log lines"):
                list(QueueLogSource(path).events())
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 11
    assert messages[0].startswith(f"{path}:1: skipped: not a queue_log line")
    assert messages[9].startswith(f"{path}:10: ")
    last = 4999 if valid else 5000
    assert messages[10] == f"{path}: {last - 10} more warnings not shown (lines 11 to {last})"
