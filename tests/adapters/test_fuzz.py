"""Fuzzing the input boundary with mutated real input (issue 12, "Must show").

The queue_log files and AMI captures of both real runs in `shared/fixtures`,
and the bundled recording, are damaged in seeded, bounded ways and read
through the real readers, mappers, engine and alarm stepper. Two kinds of
damage:

- **Only invalid material added** (garbage lines and blocks, impossible or
  contradicted timestamps, exact duplicates, zero bytes, runaway lines,
  records of the wrong shape): the result must be *exactly* the undamaged
  input's, event for event: the valid records are all counted, the invalid
  ones not at all; and the warnings name only the places damaged (`FILE:LINE`,
  `record N`; the AMI mapper's name the event).
- **Anything** (flipped bytes, cut or repeated lines, truncation): no
  exception may escape, and the alarm stepper's work stays within a bound
  set by the number of records and mutations, whatever the timestamps say
  (a flipped digit can throw a time days ahead; it must not cost a second
  of work per second of it).

No warning may carry a traceback. The same damage over real TCP, through
pyst2, is `tests/adapters/ami/test_hostile_server.py`.

The CI run is derandomized and small; `HYPOTHESIS_PROFILE=long` runs many
more, random, examples.
"""

from __future__ import annotations

import functools
import gzip
import logging
import math
import os
from collections.abc import Iterable
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.adapters.ami import run_d as run_d_capture
from tests.conftest import RUN_A, RUN_D
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.recording import RecordingSource, RecordingWriter
from wallboard.adapters.source_time import LATEST
from wallboard.alarms import AlarmStepper, Evaluator, load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.status import SourceStatus

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"
CONFIG = EngineConfig()
RULES = load_rules(None)
DAY = 86_400.0
FUZZ = settings(
    max_examples=300 if LONG else 12,
    deadline=None,
    derandomize=not LONG,
    # A failure's full example is printed; shrinking one costs minutes on these inputs.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# A whole AMI capture through framing, mapper, engine and alarms costs about a second.
AMI_FUZZ = settings(FUZZ, max_examples=300 if LONG else 6)

pytestmark = pytest.mark.skipif(
    not (RUN_A.is_dir() and RUN_D.is_dir()), reason="../shared/fixtures is not present"
)
QUEUE_LOGS = {"run-a": RUN_A / "queue_log", "run-d": RUN_D / "queue_log"}


@pytest.fixture(autouse=True)
def _warnings(caplog):
    """Every warning is read by the tests that check them, and none carries a traceback."""
    caplog.set_level(logging.WARNING)
    yield
    assert not any(record.exc_info for record in caplog.records)


def warnings_of(caplog) -> list[str]:
    """The wallboard's warnings so far, taken (hypothesis runs many examples per test)."""
    texts = [r.getMessage() for r in caplog.records if r.name.startswith("wallboard")]
    caplog.clear()
    return texts


# --- the pipeline, and its cost --------------------------------------------------------


def run_through(items: Iterable) -> tuple[list, int]:
    """Events (statuses left out) into the engine and the built-in rules; (events, evaluations)."""
    engine = Engine(CONFIG)
    stepper = AlarmStepper(engine, Evaluator(RULES))
    events, last = [], -math.inf
    for item in items:
        if isinstance(item, SourceStatus):
            continue
        events.append(item)
        stepper.apply(item)
        last = max(last, item.at)
    if events:
        stepper.finish(last)
        engine.snapshot(last)
    return events, stepper.evaluations


@functools.cache
def evaluations_of(name: str) -> int:
    return run_through(QueueLogSource(QUEUE_LOGS[name]).events())[1]


def work_bound(base: int, mutations: int) -> int:
    """Stepping through a gap costs at most the settle time plus a few evaluations."""
    settle = max(CONFIG.window_s, CONFIG.interval_s) + max(r.over_s for r in RULES) + 1
    return base + (mutations + 1) * int(settle + 50)


# --- queue_log ----------------------------------------------------------------------


@functools.cache
def lines_of(name: str) -> tuple[bytes, ...]:
    return tuple(QUEUE_LOGS[name].read_bytes().splitlines(keepends=True))


@functools.cache
def events_of(name: str) -> tuple:
    return tuple(QueueLogSource(QUEUE_LOGS[name]).events())


@functools.cache
def clean_warnings(name: str) -> frozenset[str]:
    """What the undamaged file warns of already (an agent named only by interface), unplaced."""
    found: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: found.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("wallboard")
    logger.addHandler(handler)
    try:
        events_of.cache_clear()
        events_of(name)
    finally:
        logger.removeHandler(handler)
    return frozenset(text.removeprefix(str(QUEUE_LOGS[name])) for text in found)


def invalid_line(draw: st.DrawFn, lines: tuple[bytes, ...], at: int, n: int) -> bytes:
    """Something no reader may count, to go before line `at` (0-based) of `lines`.

    `n` numbers the insertions: times thrown ahead are each on other days, so no
    two of them agree with each other (which would be a real jump).
    """
    real = lines[draw(st.integers(0, len(lines) - 1))]
    rest = real.partition(b"|")[2]
    kind = draw(st.sampled_from(["garbage", "time", "ahead", "duplicate", "zeros", "runaway"]))
    if kind == "garbage":
        return draw(
            st.sampled_from(
                [b"this is not a queue_log line\n", b"|||||\n", b"abc|c|q|NONE|ENTERQUEUE||1|1\n"]
            )
        )
    if kind == "time":
        bad = draw(st.sampled_from([b"nan", b"inf", b"-inf", b"1e20", b"-5", b"0", b"17953"]))
        return bad + b"|" + rest
    if kind == "ahead":  # days ahead of the line before: the next line contradicts it
        here = float(lines[max(at - 1, 0)].partition(b"|")[0])
        ahead = min(here + (1 + 1000 * n + draw(st.integers(0, 900))) * DAY, LATEST - 1)
        return f"{ahead:.0f}".encode() + b"|" + rest
    if kind == "duplicate":  # a line already read, within the day
        return lines[draw(st.integers(0, max(at - 1, 0)))] if at else b"\n"
    if kind == "zeros":
        return b"\0" * draw(st.integers(1, 70_000))
    return b"y" * draw(st.integers(64 * 1024 + 1, 200_000)) + b"\n"


@FUZZ
@given(name=st.sampled_from(sorted(QUEUE_LOGS)), data=st.data())
def test_queue_log_with_invalid_lines_added_counts_exactly_the_valid_ones(
    tmp_path, caplog, name, data
):
    lines, known = lines_of(name), clean_warnings(name)
    events_of(name), evaluations_of(name), warnings_of(caplog)  # the clean file's told before
    # Never after the last line: nothing could contradict a time there (docs/INPUT.md).
    where = data.draw(st.lists(st.integers(1, len(lines) - 1), min_size=1, max_size=12))
    damaged: list[bytes] = []
    # The line numbers a warning may name: an insertion's, up to the next valid line's
    # (which is the one that contradicts a time thrown ahead).
    named: set[int] = set()
    number = 1  # of the line being written, as the reader counts (newlines)
    for index, line in enumerate(lines):
        first = number
        for _ in range(where.count(index)):
            damaged.append(invalid_line(data.draw, lines, index, len(damaged)))
            number += damaged[-1].count(b"\n")
        if first != number or where.count(index):
            named.update(range(first, number + 1))
        damaged.append(line)
        number += 1
    path = tmp_path / f"{name}-{data.draw(st.integers(0, 10**9))}"
    path.write_bytes(b"".join(damaged))
    events, evaluations = run_through(QueueLogSource(path).events())
    assert events == list(events_of(name))
    assert evaluations <= work_bound(evaluations_of(name), len(where))
    warnings = [w for w in warnings_of(caplog) if w.removeprefix(str(path)) not in known]
    assert 1 <= len(warnings) <= len(where) + 1  # + the duplicates' summary
    for warning in warnings:
        place, _, text = warning.removeprefix(f"{path}:").partition(": ")
        if text.startswith("at the end: skipped") and "exact duplicate" in text:
            continue
        if " more warning" in warning and "not shown (line" in warning:  # the cap's summary
            continue
        assert place.isdigit() and int(place) in named, warning


@FUZZ
@given(name=st.sampled_from(sorted(QUEUE_LOGS)), data=st.data())
def test_queue_log_damaged_anyhow_raises_nothing_and_costs_no_more_than_its_records(
    tmp_path, name, data
):
    raw = bytearray(b"".join(lines_of(name)))
    flips = data.draw(st.lists(st.integers(0, len(raw) - 1), max_size=40))
    for offset in flips:
        raw[offset] = data.draw(st.sampled_from([*b"0123456789|.\n\0e-", 0xFF, 0x00]))
    cut = data.draw(st.sampled_from([len(raw), data.draw(st.integers(1, len(raw)))]))
    path = tmp_path / f"{name}-{data.draw(st.integers(0, 10**9))}"
    path.write_bytes(bytes(raw[:cut]))
    try:
        _, evaluations = run_through(QueueLogSource(path).events())
    except WallboardError:  # a file damaged enough may be no queue_log at all: one clear line
        return
    assert evaluations <= work_bound(evaluations_of(name), len(flips) + 1)


# --- AMI framing and mapping ------------------------------------------------------------


@functools.cache
def ami_records(name: str) -> tuple[RawRecord, ...]:
    if name == "run-a":
        text = gzip.decompress((RUN_A / "ami-capture.raw.gz").read_bytes()).decode()
        out, last = [], 0.0
        for block in blocks_from_text(text):
            last = float(dict(block).get("Timestamp", last))
            out.append(RawRecord(last, "ami", block))
        return tuple(out)
    return tuple(run_d_capture.records(RUN_D, name.removeprefix("run-d-")))


def mapped(records: Iterable[RawRecord], warnings: list[str] | None = None) -> list:
    """The mapper's output; its warnings appended to `warnings` when given."""
    mapper = AmiMapper(CONFIG)
    out = [item for record in records for item in mapper.feed(record)]
    out += mapper.flush()
    if warnings is not None:
        warnings += mapper.take_warnings()
    return out


@functools.cache
def ami_events(name: str) -> tuple:
    return tuple(mapped(ami_records(name)))


AMI_NAMES = ["run-a", "run-d-ro", "run-d-all"]
MISSHAPEN = [5, [], [["Event"]], [["Event", 5]], [[1, "x"]], ["Event: Hangup"], [["a", "b", "c"]]]


def stamp(record: RawRecord) -> float | None:
    if record.kind != "ami":
        return None
    text = dict(record.payload).get("Timestamp")
    return None if text is None else float(text)


@functools.cache
def stamped(name: str) -> tuple[int, ...]:
    """The indexes of the records that carry a time of their own."""
    return tuple(i for i, record in enumerate(ami_records(name)) if stamp(record) is not None)


def invalid_record(
    draw: st.DrawFn, records: tuple[RawRecord, ...], previous: RawRecord, n: int
) -> tuple[RawRecord, bool]:
    """A record no mapper may count, to go after the stamped record `previous`.

    Returned with whether the mapper must warn of it (an event it does not read
    is dropped without a word). It carries `previous`'s receipt time, so that,
    believed or not, it moves no clock offset; `n` numbers the insertions (see
    `invalid_line`).
    """
    received, before = previous.received_at, stamp(previous)
    assert before is not None
    kind = draw(st.sampled_from(["shape", "noise", "time", "ahead"]))
    real = records[draw(st.integers(0, len(records) - 1))]
    if kind == "shape" or real.kind != "ami":
        return RawRecord(received, "ami", draw(st.sampled_from(MISSHAPEN))), True
    if kind == "noise":  # an event nobody reads, at the time of the one before
        pairs = [["Event", "SomethingNew"], ["Timestamp", f"{before:.6f}"], ["X", "y"]]
        return RawRecord(received, "ami", pairs), False
    pairs = [pair for pair in real.payload if pair[0] != "Timestamp"]
    if kind == "time":
        text = draw(st.sampled_from(["nan", "inf", "1e20", "-1", "0", "17953"]))
    else:  # days ahead of the stream: what follows contradicts it
        ahead = before + (1 + 1000 * n + draw(st.integers(0, 900))) * DAY
        text = f"{min(ahead, LATEST - 1):.6f}"
    return RawRecord(received, "ami", [pairs[0], ["Timestamp", text], *pairs[1:]]), True


@AMI_FUZZ
@given(name=st.sampled_from(AMI_NAMES), data=st.data())
def test_ami_with_invalid_records_added_maps_exactly_the_valid_ones(name, data):
    records, marks = ami_records(name), stamped(name)
    # Right after a stamped record and never after the last one: a later one decides.
    after = data.draw(st.lists(st.sampled_from(marks[:-1]), min_size=1, max_size=12))
    damaged: list[RawRecord] = []
    told = 0  # the insertions that must be told: all but the unread events
    for index, record in enumerate(records):
        damaged.append(record)
        for _ in range(after.count(index)):
            bad, tell = invalid_record(data.draw, records, record, len(damaged))
            told += tell
            damaged.append(bad)
    warnings: list[str] = []
    assert mapped(damaged, warnings) == list(ami_events(name))
    # One warning per insertion (neighbours with bad times are one burst), each naming
    # the event or saying what the block is not.
    assert (1 if told else 0) <= len(warnings) <= told
    for warning in warnings:
        assert warning.startswith("skipped"), warning
        if "timestamp" in warning:
            assert " back (" in warning, warning


@AMI_FUZZ
@given(data=st.data())
def test_ami_bytes_damaged_anyhow_frame_and_map_without_an_exception(data):
    text = bytearray(gzip.decompress((RUN_A / "ami-capture.raw.gz").read_bytes()))
    for _ in range(data.draw(st.integers(0, 60))):
        offset = data.draw(st.integers(0, len(text) - 1))
        text[offset] = data.draw(st.sampled_from([*b"0123456789:\r\n .-e", 0x00, 0xFF]))
    records = [
        RawRecord(1_732_266_000.0 + n / 10, "ami", block)
        for n, block in enumerate(blocks_from_text(text.decode("utf-8", errors="replace")))
    ]
    _, evaluations = run_through(mapped(records))
    assert evaluations <= work_bound(capture_evaluations(), 60)


@functools.cache
def capture_evaluations() -> int:
    text = gzip.decompress((RUN_A / "ami-capture.raw.gz").read_bytes()).decode()
    records = [
        RawRecord(1_732_266_000.0 + n / 10, "ami", block)
        for n, block in enumerate(blocks_from_text(text))
    ]
    return run_through(mapped(records))[1]


# --- recordings ---------------------------------------------------------------------


@functools.cache
def sample_prefix() -> tuple[bytes, tuple[int, ...]]:
    """The bundled recording's header and first 3,000 records, and where each object ends."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    data = SAMPLE.read_bytes()
    unpacker.feed(data)
    ends = []
    for _ in range(3001):
        next(unpacker)
        ends.append(unpacker.tell())
    return data[: ends[-1]], tuple(ends)


@functools.cache
def sample_events(records: int) -> tuple:
    """The events of the sample cut after `records` records (a valid recording itself)."""
    data, ends = sample_prefix()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"wallboard-fuzz-{os.getpid()}-{records}"
    path.write_bytes(data[: ends[records]])
    try:
        return tuple(RecordingSource(path).events())
    finally:
        path.unlink()


RECORDING_MISSHAPEN = [
    7,
    "x",
    [1.0, "ami"],
    [None, "ami", []],
    [math.nan, "ami", [["Event", "Hangup"]]],
    [1e300, "ami", [["Event", "Hangup"]]],
    [1_732_266_000.0, 5, []],
    [1_732_266_000.0, "ami", [["Event", ["x"]]]],
    [1_732_266_000.0, "status", {"at": "x", "state": "live"}],
    [1_732_266_000.0, "queue_log", 5],
    {"at": 1},
]


@FUZZ
@given(data=st.data())
def test_recording_with_misshapen_records_added_replays_exactly_the_valid_ones(
    tmp_path, caplog, data
):
    prefix, ends = sample_prefix()
    sample_events(3000)
    warnings_of(caplog)
    where = sorted(data.draw(st.lists(st.integers(1, 3000), min_size=1, max_size=10)))
    pieces, start = [], 0
    for record in where:
        pieces.append(prefix[start : ends[record - 1]])
        bad = data.draw(st.sampled_from(RECORDING_MISSHAPEN))
        pieces.append(msgpack.packb(bad, use_bin_type=True))
        start = ends[record - 1]
    pieces.append(prefix[start:])
    path = tmp_path / f"r{data.draw(st.integers(0, 10**9))}"
    path.write_bytes(b"".join(pieces))
    assert list(RecordingSource(path).events()) == list(sample_events(3000))
    # Each bad record is named by its index (the header is record 0); a run of them
    # in a row may be told as its first and one line for the rest.
    named: set[int] = set()
    for warning in warnings_of(caplog):
        place = warning.removeprefix(f"{path}: ").split(":", 1)[0].split(" (byte")[0]
        numbers = [int(word) for word in place.split() if word.isdigit()]
        assert place.startswith("record") and numbers, warning
        named.update(range(numbers[0], numbers[-1] + 1))
    assert named == {record + n for n, record in enumerate(where)}


@FUZZ
@given(data=st.data())
def test_recording_cut_anywhere_keeps_every_complete_record(tmp_path, data):
    prefix, ends = sample_prefix()
    cut = data.draw(st.integers(ends[0] + 1, len(prefix)))
    complete = max(i for i, end in enumerate(ends) if end <= cut)
    path = tmp_path / f"r{cut}"
    path.write_bytes(prefix[:cut])
    assert list(RecordingSource(path).events()) == list(sample_events(complete))


@FUZZ
@given(data=st.data())
def test_recording_damaged_anyhow_raises_nothing_and_costs_no_more_than_its_records(tmp_path, data):
    prefix, ends = sample_prefix()
    raw = bytearray(prefix)
    flips = data.draw(st.lists(st.integers(ends[0], len(raw) - 1), max_size=30))
    for offset in flips:
        raw[offset] = data.draw(st.integers(0, 255))
    path = tmp_path / f"r{data.draw(st.integers(0, 10**9))}"
    path.write_bytes(bytes(raw))
    _, evaluations = run_through(RecordingSource(path).events())
    assert evaluations <= work_bound(sample_evaluations(), len(flips))


@functools.cache
def sample_evaluations() -> int:
    return run_through(sample_events(3000))[1]


def test_a_recording_written_from_mutated_records_replays_without_an_exception(tmp_path):
    """What `record` writes from a hostile PBX reads back: one pass over odd real-shaped records."""
    path = tmp_path / "odd.wbrec"
    records = list(ami_records("run-a"))[:500]
    with RecordingWriter(path, source="ami://wb@pbx:5038", config=CONFIG) as writer:
        for n, record in enumerate(records):
            if n % 7 == 3:  # a header blanked, a value made odd, as a broken PBX might send
                pairs = [
                    [key, "" if i % 2 else value + "\t\x00"]
                    for i, (key, value) in enumerate(record.payload)
                ]
                record = RawRecord(record.received_at, "ami", pairs)
            writer.write(record)
    run_through(RecordingSource(path).events())
