"""Hostile and broken input at the adapters (issue 12): each fault one warning, the rest kept."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import msgpack
import pytest

from tests.conftest import RUN_A
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.queue_log_lines import DuplicateLines
from wallboard.adapters.recording import MAX_BAD_RECORDS, RecordingSource, RecordingWriter
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import CallerJoined
from wallboard.status import SourceStatus

T0 = 1_795_381_986.0  # 2026-11-22 21:13:06 UTC
SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"
MONTH = 30 * 86_400.0


def ami(received_at: float, *pairs: tuple[str, str]) -> RawRecord:
    return RawRecord(received_at, "ami", [list(pair) for pair in pairs])


def ami_join(uid: str, received_at: float, stamp: float) -> RawRecord:
    return ami(
        received_at,
        ("Event", "QueueCallerJoin"),
        ("Timestamp", f"{stamp:.6f}"),
        ("Queue", "sales"),
        ("Uniqueid", uid),
    )


# --- item 1: a far-future timestamp ---------------------------------------------


def test_a_queue_log_line_a_month_ahead_is_skipped_and_the_shift_goes_on(tmp_path, caplog):
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0:.0f}|a|q|NONE|ENTERQUEUE||1|1\n"
        f"{T0 + MONTH:.0f}|b|q|NONE|ENTERQUEUE||2|1\n"
        f"{T0 + 2:.0f}|c|q|NONE|ENTERQUEUE||3|1\n"
        f"{T0 + 14 * 3600:.0f}|d|q|NONE|ENTERQUEUE||4|1\n"  # the morning after: real
        f"{T0 + 14 * 3600 + 3:.0f}|e|q|NONE|ENTERQUEUE||5|1\n"
    )
    with caplog.at_level(logging.WARNING):
        events = list(QueueLogSource(path).events())
    assert [(e.call_id, e.at - T0) for e in events] == [
        ("a", 0.0),
        ("c", 2.0),
        ("d", 14 * 3600.0),
        ("e", 14 * 3600.0 + 3),
    ]
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"{path}:3: skipped 1 line 1 line back: timestamp 2026-12-22")


def test_an_ami_timestamp_a_month_ahead_moves_neither_the_clock_nor_resync_answers():
    mapper = AmiMapper(EngineConfig())
    out = mapper.feed(ami_join("1.1", T0, T0))
    out += mapper.feed(ami_join("1.2", T0 + 1, T0 + MONTH))
    # A resync answer has no time of its own: it takes the offset of the last believed one.
    entry = ami(
        T0 + 2, ("Event", "QueueEntry"), ("Queue", "sales"), ("Uniqueid", "1.3"), ("Wait", "0")
    )
    out += mapper.feed(entry)
    out += mapper.feed(ami_join("1.4", T0 + 3, T0 + 3))
    out += mapper.feed(ami(T0 + 3, ("Event", "QueueStatusComplete"), ("ListItems", "1")))
    joined = [(e.call_id, e.at - T0) for e in out if isinstance(e, CallerJoined)]
    assert joined == [("1.1", 0.0), ("1.4", 3.0), ("1.3", 2.0)]
    (warning,) = mapper.take_warnings()
    assert "skipped 1 record 2 records back" in warning


# --- item 3: a well-formed recording value of the wrong shape -------------------------

NAN = float("nan")
MISSHAPEN = [
    5,
    "text",
    {"format": "wallboard-recording"},
    [T0, "ami"],
    [T0, "ami", [], 4],
    ["x", "ami", [["Event", "Hangup"]]],
    [None, "ami", [["Event", "Hangup"]]],
    [True, "ami", [["Event", "Hangup"]]],
    [NAN, "ami", [["Event", "Hangup"]]],
    [1e300, "ami", [["Event", "Hangup"]]],
    [-5.0, "ami", [["Event", "Hangup"]]],
    [T0, 5, []],
    [T0, "ami", 5],
    [T0, "ami", []],
    [T0, "ami", [["Event"]]],
    [T0, "ami", [["Event", 5]]],
    [T0, "ami", [[1, "x"]]],
    [T0, "ami", [["Event", ["QueueCallerJoin"]]]],
    [T0, "ami", ["Event: QueueCallerJoin"]],
    [T0, "status", {"state": "live"}],
    [T0, "status", {"at": "x", "state": "live"}],
    [T0, "status", {"at": T0, "state": "bogus"}],
    [T0, "status", {"at": T0, "state": "live", "detail": 5}],
    [T0, "status", [1, 2]],
    [T0, "queue_log", 5],
    [T0, "queue_log", ["1795381986|a|q|NONE|ENTERQUEUE||1|1"]],
]


class Clean:
    """The first blocks of the real capture as a recording: its bytes, records and events."""

    def __init__(self, path: Path, run_a: Path) -> None:
        text = gzip.decompress((run_a / "ami-capture.raw.gz").read_bytes()).decode()
        with RecordingWriter(path, source="ami://wb@pbx:5038", config=EngineConfig()) as w:
            for index, block in enumerate(list(blocks_from_text(text))[:300]):
                w.write(RawRecord(T0 + index / 10, "ami", block))
        self.data = path.read_bytes()
        self.events = list(RecordingSource(path).events())
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(self.data)
        self.ends = []  # where the header and each record end
        for _ in unpacker:
            self.ends.append(unpacker.tell())

    def with_objects(self, path: Path, extra: list, before: int) -> RecordingSource:
        """The recording with `extra` objects written before record `before` (1-based)."""
        cut = self.ends[before - 1]
        inserted = b"".join(msgpack.packb(item, use_bin_type=True) for item in extra)
        path.write_bytes(self.data[:cut] + inserted + self.data[cut:])
        return RecordingSource(path)


@pytest.fixture(scope="module")
def clean(tmp_path_factory, run_a_module) -> Clean:
    return Clean(tmp_path_factory.mktemp("clean") / "clean.wbrec", run_a_module)


@pytest.fixture(scope="module")
def run_a_module() -> Path:
    if not RUN_A.is_dir():
        pytest.skip("../shared/fixtures/asterisk-22-run-a is not present")
    return RUN_A


@pytest.mark.parametrize("bad", MISSHAPEN, ids=[str(b)[:40] for b in MISSHAPEN])
def test_a_record_of_the_wrong_shape_is_one_warning_and_the_rest_is_kept(
    tmp_path, clean, caplog, bad
):
    with caplog.at_level(logging.WARNING):
        damaged = list(clean.with_objects(tmp_path / "damaged", [bad], before=150).events())
    assert damaged == clean.events
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"{tmp_path / 'damaged'}: record 150" in warning and "skipped" in warning


def test_a_run_of_misshapen_records_is_two_lines_and_a_long_one_ends_the_reading(
    tmp_path, clean, caplog
):
    with caplog.at_level(logging.WARNING):
        events = list(clean.with_objects(tmp_path / "r", MISSHAPEN[:6], before=101).events())
    assert events == clean.events
    assert len(caplog.records) == 2
    assert "records 102 to 106: skipped 5 more records of the wrong shape" in (
        caplog.records[1].getMessage()
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        source = clean.with_objects(tmp_path / "g", [7] * MAX_BAD_RECORDS, before=101)
        assert len(list(source.raw())) == 100
    assert (
        caplog.records[-1]
        .getMessage()
        .startswith(f"{tmp_path / 'g'}: corrupt data after record 100 ")
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"\x82\xa6format\xb3wallboard-recording\x91\x01\x01", "not a wallboard recording"),
        (msgpack.packb({"format": "wallboard-recording", "version": 1, "config": [1]}), None),
    ],
)
def test_a_header_of_the_wrong_shape_is_one_line(tmp_path, caplog, header, message):
    path = tmp_path / "r"
    path.write_bytes(
        header + msgpack.packb([T0, "queue_log", f"{T0:.0f}|a|q|NONE|ENTERQUEUE||1|1"])
    )
    if message:
        with pytest.raises(WallboardError, match=message):
            RecordingSource(path)
        return
    with caplog.at_level(logging.WARNING):
        assert [type(e).__name__ for e in RecordingSource(path).events()] == ["CallerJoined"]
    assert "ignoring the recorded engine settings: not a map" in caplog.records[0].getMessage()


# --- item 5: negative or absurd durations ----------------------------------------------


def _day(events) -> dict:
    engine = Engine(EngineConfig())
    for event in events:
        engine.apply(event)
    return engine.snapshot(engine.now)["queues"]["q"]["day"]


@pytest.mark.parametrize("hold", ["-500", "1e9", "nan", "inf", "soon"])
def test_an_ami_wait_that_is_no_duration_is_read_as_unknown(hold):
    mapper = AmiMapper(EngineConfig())

    def event(name: str, at: float, **headers: str) -> list:
        pairs = [("Event", name), ("Timestamp", f"{at:.6f}"), *headers.items()]
        return mapper.feed(ami(at, *pairs))

    out = event("QueueCallerJoin", T0, Queue="q", Uniqueid="1.1")
    out += event("AgentConnect", T0 + 30, Queue="q", Uniqueid="1.1", MemberName="A", HoldTime=hold)
    out += event("QueueCallerJoin", T0 + 40, Queue="q", Uniqueid="1.2")
    out += event("QueueCallerAbandon", T0 + 140, Queue="q", Uniqueid="1.2", HoldTime=hold)
    out += mapper.flush()
    day = _day(e for e in out if not isinstance(e, SourceStatus))
    # The waits are the stamps' differences: 30 s answered, 100 s abandoned (not short).
    assert (day["asa_s"], day["service_level"]) == (30.0, 0.0)
    assert (day["abandoned"], day["short_abandoned"], day["avg_abandon_s"]) == (1, 0, 100.0)
    warnings = mapper.take_warnings()
    assert warnings == [
        f"AgentConnect: HoldTime {hold!r} {_why(hold)}; read as unknown",
        f"QueueCallerAbandon: HoldTime {hold!r} {_why(hold)}; read as unknown",
    ]


def _why(text: str) -> str:
    return "is not a number" if text == "soon" else "is outside 0 to 86400 s"


@pytest.mark.parametrize("wait", ["-500", "99999999", "nan"])
def test_a_queue_log_wait_that_is_no_duration_is_read_as_unknown(tmp_path, caplog, wait):
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0:.0f}|a|q|NONE|ENTERQUEUE||1|1\n"
        f"{T0 + 30:.0f}|a|q|A|CONNECT|{wait}|a.1|{wait}\n"
        f"{T0 + 40:.0f}|b|q|NONE|ENTERQUEUE||1|1\n"
        f"{T0 + 140:.0f}|b|q|NONE|ABANDON|1|1|{wait}\n"
        f"{T0 + 150:.0f}|c|q|A|RINGNOANSWER|{wait}000\n"
    )
    with caplog.at_level(logging.WARNING):
        events = list(QueueLogSource(path).events())
    day = _day(events)
    assert (day["asa_s"], day["abandoned"], day["short_abandoned"]) == (30.0, 1, 0)
    assert day["avg_abandon_s"] == 100.0
    messages = [r.getMessage().split(": ", 1)[1] for r in caplog.records]
    assert [m.split(" ", 2)[:2] for m in messages] == [
        ["CONNECT:", "holdtime"],
        ["CONNECT:", "ringtime"],
        ["ABANDON:", "waittime"],
        ["RINGNOANSWER:", "ringtime"],
    ]


# --- items 6 and 7: duplicate lines, zero bytes, runaway lines ---------------------------


def _events(path: Path) -> list:
    return list(QueueLogSource(path).events())


def _offered(events: list) -> int:
    engine = Engine(EngineConfig())
    for event in events:
        engine.apply(event)
    return engine.snapshot(engine.now)["all"]["day"]["offered"]


def test_overlapping_rotated_files_count_each_line_once(tmp_path, run_a, caplog):
    lines = (run_a / "queue_log").read_bytes().splitlines(keepends=True)
    whole = tmp_path / "whole"
    whole.write_bytes(b"".join(lines))
    overlap = tmp_path / "overlap"  # queue_log.1 (to line 300), then queue_log (from line 250)
    overlap.write_bytes(b"".join(lines[:300]) + b"".join(lines[249:]))
    expected = _events(whole)
    assert _offered(expected) == 160
    with caplog.at_level(logging.WARNING):
        events = _events(overlap)
    assert events == expected
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(
        f"{overlap}:{len(lines) + 51}: at the end: skipped 51 exact duplicate lines, identical "
        "to lines read before (overlapping rotated files?); the first: '"
    )


def test_zero_bytes_between_and_after_the_lines_are_skipped_with_one_warning_each(
    tmp_path, run_a, caplog
):
    lines = (run_a / "queue_log").read_bytes().splitlines(keepends=True)
    expected = _events(run_a / "queue_log")
    damaged = tmp_path / "queue_log"
    damaged.write_bytes(
        b"\0" * 5000  # zeros where the file starts: still a queue_log
        + b"".join(lines[:100])
        + b"\0" * 300
        + b"".join(lines[100:200])
        + b"\0" * 50  # a crash mid-file: zeros, then the PBX writes on after them
        + b"".join(lines[200:])
        + b"\0" * 200_000  # a zero-filled tail, no newline
    )
    with caplog.at_level(logging.WARNING):
        assert _events(damaged) == expected
    assert [r.getMessage() for r in caplog.records] == [
        f"{damaged}:1: skipped 5000 zero bytes (line 1: a crash's zero-filled tail?)",
        f"{damaged}:101: skipped 300 zero bytes (line 101: a crash's zero-filled tail?)",
        f"{damaged}:201: skipped 50 zero bytes (line 201: a crash's zero-filled tail?)",
        f"{damaged}:{len(lines) + 1}: skipped 200000 zero bytes "
        f"(line {len(lines) + 1}: a crash's zero-filled tail?)",
    ]


def test_a_runaway_line_is_skipped_without_being_held(tmp_path, run_a, caplog):
    lines = (run_a / "queue_log").read_bytes().splitlines(keepends=True)
    damaged = tmp_path / "queue_log"
    damaged.write_bytes(b"".join(lines[:10]) + b"x|" * 600_000 + b"\n" + b"".join(lines[10:]))
    with caplog.at_level(logging.WARNING):
        assert _events(damaged) == _events(run_a / "queue_log")
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning == f"{damaged}:11: skipped a line longer than 64 KiB"


def test_a_duplicate_is_a_repeat_of_a_line_from_the_last_day():
    lines = DuplicateLines()
    line = f"{T0:.0f}|NONE|q|Agent 1|PAUSE|lunch"
    assert not lines.repeats(line, T0)
    assert lines.repeats(line, T0)  # the same bytes: counted once
    assert not lines.repeats(line + " ", T0)  # one byte apart: another line
    lines.repeats("later", T0 + 86_400)
    assert lines.repeats(line, T0)  # still within the day
    lines.repeats("much later", T0 + 86_400 + 4 * 3600)
    assert not lines.repeats(line, T0)  # read again days later: forgotten, kept
    assert lines.count == 2 and lines.first == line


def test_a_line_thrown_ahead_does_not_make_the_duplicates_forgotten(tmp_path, run_a, caplog):
    """A bogus far-future stamp is no reason to forget the day's lines (found by the fuzz)."""
    lines = (run_a / "queue_log").read_bytes().splitlines(keepends=True)
    thrown = b"4102444799|" + lines[50].partition(b"|")[2]  # 2099-12-31, then back
    damaged = tmp_path / "queue_log"
    damaged.write_bytes(b"".join([*lines[:100], thrown, *lines[100:200], lines[40], *lines[200:]]))
    with caplog.at_level(logging.WARNING):
        assert _events(damaged) == _events(run_a / "queue_log")
    assert [r.getMessage() for r in caplog.records] == [
        f"{damaged}:102: skipped 1 line 1 line back: timestamp 2099-12-31 23:59:59 UTC is "
        "more than 60 s ahead of the stream's clock (2026-11-22 21:15:06 UTC) and the stream "
        "did not follow",
        f"{damaged}:{len(lines) + 2}: at the end: skipped 1 exact duplicate line, identical to "
        f"lines read before (overlapping rotated files?); the first: {lines[40].decode()[:-1]!r}",
    ]


# --- item 11: no rate above 100 % ---------------------------------------------------


def test_no_transfer_rate_of_the_sample_shift_exceeds_100_percent():
    """A call answered in one span and transferred in the next counted once on each side."""
    source = RecordingSource(SAMPLE)
    engine = Engine(EngineConfig())
    rates, next_look = [], None
    for item in source.events():
        if isinstance(item, SourceStatus):
            continue
        if next_look is None:
            next_look = item.at
        while item.at > next_look:  # every 5 minutes of the shift
            board = engine.snapshot(next_look, agents=False)
            for group in [*board["queues"].values(), board["all"]]:
                for span in ("window", "interval", "day"):
                    rates.append(group[span]["transfer_rate"])
            next_look += 300
        engine.apply(item)
    known = [rate for rate in rates if rate is not None]
    assert len(known) > 500
    assert max(known) <= 1.0
