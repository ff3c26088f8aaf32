"""Replay decode and queue_log mapping emit exactly what they always did.

The decode and mapping paths are tuned for speed; these tests make sure not a
single emitted event, its order, the feed call it comes out of, or a warning
changed. Fixed inputs (the bundled AMI sample, Asterisk's real queue_log, a
synthetic shift with disorder and garbage) are pinned by a digest of their full
trace, captured from the straightforward implementation; the reorder buffer is
also checked against a reference kept here, on generated disorder.

A digest changes with any intended mapping change too: then check the new trace
by hand and pin the new value (`summary` gives it).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import random
import re
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.replay import queue_log_line
from tests.synthetic import generate_shift
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import DEFAULT_REORDER_S, QueueLogMapper, QueueLogSource
from wallboard.adapters.recording import RecordingSource, RecordingWriter
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.events import CallerJoined

# Source times are real ones: a time before 2000 is no time (docs/INPUT.md).
T0 = 1_732_266_000.0
SAMPLE = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"
CONFIG = EngineConfig(
    queues={
        "support": QueueSettings(wrapup_s=5.0),
        "q01": QueueSettings(wrapup_s=12.0),
        "q02": QueueSettings(wrapup_s=0.0),
    }
)
# Captured from the implementation before the speed work (commit ad8bc74).
DISORDERED_SHIFT_INPUT = "bd1cd91477e924d8faee9b9b62b686707d223de7595642cfc07fa457e97c4031"
# Two warnings more than the first pin: a COMPLETECALLER calltime 'xx' is now told
# (read as unknown, as before). A QUEUESTART ends the memberships made by ADDMEMBER and
# every pause (run D's restart); without its QUEUESTART lines the shift maps as before.
DISORDERED_SHIFT_PIN = (
    {
        "!": 42,
        "AgentLoggedIn": 153,
        "AgentLoggedOut": 76,
        "AgentPaused": 103,
        "AgentRingNoAnswer": 70,
        "AgentUnpaused": 92,
        "CallBlocked": 13,
        "CallEnded": 935,
        "CallerAbandoned": 166,
        "CallerAnswered": 912,
        "CallerExited": 5,
        "CallerGone": 16,
        "CallerJoined": 1084,
    },
    "0e2182e44c69f22b776849ccf9d9eb76d40613e1e1c267c1a9f992d566eb67ab",
)
RUN_A_PIN = (
    {
        "AgentLoggedIn": 13,
        "AgentPaused": 13,
        "AgentRingNoAnswer": 13,
        "AgentUnpaused": 13,
        "CallEnded": 90,
        "CallerAbandoned": 64,
        "CallerAnswered": 90,
        "CallerExited": 6,
        "CallerJoined": 160,
    },
    "40c945f54cc308428ad35d93e3755f636b7c115afcc51ce32aa62710da076f4f",
)
AMI_SAMPLE_PIN = (
    {
        "AgentLoggedIn": 58,
        "AgentLoggedOut": 6,
        "AgentPaused": 163,
        "AgentRingNoAnswer": 69,
        "AgentRinging": 1925,
        "AgentStatus": 7132,
        "AgentUnpaused": 162,
        "CallBlocked": 2,
        "CallEnded": 1372,
        "CallerAbandoned": 181,
        "CallerAnswered": 1372,
        "CallerExited": 16,
        "CallerJoined": 1569,
        "CallerLeaving": 16,
        "HoldEnded": 278,
        "HoldStarted": 278,
        "SourceStatus": 3,
    },
    "6d2959900c59cf4eb011f8ffe8dd03b9d7b3d6d413f98960f57cb0a0b12b1e42",
)
GARBAGE = (
    "",
    "   ",
    "this is not a queue_log line",
    "abc|c|q00|NONE|ENTERQUEUE||1|1",
    "{at}|c|q00",
    "{at}|c|q00|NONE|BAD VERB|1",
    "{at}|c|q00|NONE||1",
    "{at}|c|q00|NONE|MADEUPVERB|1",
    "{at}|c|q00|NONE|OTHERVERB",
    "{at}|NONE|q00|NONE|ABANDON|1|1|3",
    "{at}|c9|NONE|NONE|ENTERQUEUE||1|1",
    "{at}|c9|q00|NONE|CONNECT|1|c9|1",
    "{at}|c9|q00||COMPLETEAGENT|1|2|1",
    "{at}|NONE|q00|NONE|ADDMEMBER|",
    "{at}|NONE|NONE|NONE|PAUSE|lunch",
    "{at}|NONE|NONE|NONE|CONFIGRELOAD|",
    "\ufffd\ufffd|junk\r",
)
EXTRAS = (
    "{at}|NONE|NONE|NONE|QUEUESTART|",
    "{at}|NONE|NONE|{agent}|PAUSEALL|meeting",
    "{at}|NONE|NONE|{agent}|UNPAUSEALL|",
    "{at}|NONE|NONE|{agent}|AGENTLOGOFF|PJSIP/9|120",
    "{at}|NONE|NONE|{agent}|AGENTCALLBACKLOGOFF|PJSIP/9|120|autologoff",
    "{at}|NONE|NONE|{agent}|AGENTLOGIN|PJSIP/9",
    "{at}|NONE|NONE|{agent}|AGENTCALLBACKLOGIN|PJSIP/9",
    "{at}|NONE|{queue}|PJSIP/{n}|ADDMEMBER|Agent/9{n}",
    "{at}|NONE|{queue}|PJSIP/{n}|ADDMEMBER|PAUSED",
    "{at}|NONE|{queue}|PJSIP/{n}|REMOVEMEMBER|",
    "{at}|NONE|{queue}|PJSIP/{n}|PAUSE|",
    "{at}|x{n}|{queue}|{agent}|RINGCANCELED|3000",
    "{at}|x{n}|{queue}|NONE|ENTERQUEUE||555{n}|1",
    "{at}|x{n}|{queue}|NONE|EXITWITHKEY|5|1|1|14",
    "{at}|x{n}|{queue}|NONE|WITHDRAW|1|1|20|info",
    "{at}|x{n}|{queue}|NONE|JOINUNAVAIL|",
    "{at}|y{n}|{queue}|NONE|ENTERQUEUE||555{n}|1",
    "{at}|y{n}|{queue}|NONE|JOINEMPTY|",
    "{at}|z{n}|{queue}|{agent}|CONNECT",
    "{at}|z{n}|{queue}|{agent}|ATTENDEDTRANSFER|BRIDGE|b1|4|60|1",
    "{at}|z{n}|{queue}|{agent}|ATTENDEDTRANSFER|LINK|a|b|4|60|1",
    "{at}|z{n}|{queue}|{agent}|ATTENDEDTRANSFER|APP|Dial|4|60|1",
    "{at}|z{n}|{queue}|{agent}|ATTENDEDTRANSFER|ODD|4",
    "{at}|z{n}|{queue}|{agent}|TRANSFER|100|from|3|45|1",
    "{at}|z{n}|{queue}|{agent}|COMPLETECALLER|3|xx|1",
    "{at}|z{n}|{queue}|{agent}|RINGNOANSWER|",
    "{at}.5|w{n}|{queue}|NONE| enterqueue ||1|1\r\n",
    "{at}|w{n}|{queue}|NONE|ENTER_QUEUE||1|1",
    "{at}|w{n}|{queue}|NONE|DID|555",
)


def disordered_shift_lines(seed: int = 11) -> list[str]:
    """A synthetic shift's queue_log with neighbours swapped, late lines, garbage and rare verbs."""
    rng = random.Random(seed)
    events = generate_shift(seed, agents=40, queues=4, hours=3.0, source_durations=True)
    lines = [line for line in map(queue_log_line, events) if line is not None]
    agents = sorted({line.split("|")[3] for line in lines} - {"NONE"})
    out: list[str] = []
    held: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        at = line.split("|", 1)[0]
        fill = {"at": at, "agent": rng.choice(agents), "queue": f"q0{rng.randrange(4)}"}
        fill["n"] = str(rng.randrange(20))
        roll = rng.random()
        if roll < 0.01:
            out.append(rng.choice(GARBAGE).format(**fill))
        elif roll < 0.03:
            out.append(rng.choice(EXTRAS).format(**fill))
        elif roll < 0.035:  # logged late: lands after lines 2-40 positions further on
            held.append((index + rng.randrange(2, 40), line))
            continue
        elif roll < 0.08 and out:  # neighbouring threads: swapped with the previous line
            out.insert(len(out) - 1, line)
            continue
        out.append(line)
        for due in [item for item in held if item[0] <= index]:
            held.remove(due)
            out.append(due[1])
    return out + [line for _, line in held]


def records_of(lines: Iterable[str]) -> list[RawRecord]:
    return [RawRecord(0.0, "queue_log", line) for line in lines]


def mapper_trace(records: Iterable[RawRecord], reorder_s: float = DEFAULT_REORDER_S) -> list[str]:
    """Every warning and item, tagged with the feed call (1-based record number) it came from."""
    mapper = QueueLogMapper(CONFIG, reorder_s=reorder_s)
    trace: list[str] = []
    for number, record in enumerate(records, start=1):
        items = mapper.feed(record)
        trace += [f"{number} ! {warning}" for warning in mapper.take_warnings()]
        trace += [f"{number} {item!r}" for item in items]
    trace += [f"end {item!r}" for item in mapper.flush()]
    trace += [f"end ! {warning}" for warning in mapper.take_warnings()]
    return trace


def source_trace(
    source: RecordingSource | QueueLogSource, caplog: pytest.LogCaptureFixture
) -> list[str]:
    """The source's warnings and items in the order they were logged and yielded."""
    caplog.clear()
    trace: list[str] = []
    seen = 0
    with caplog.at_level(logging.WARNING):
        for item in source.events():
            trace += [f"! {r.getMessage()}" for r in caplog.records[seen:]]
            seen = len(caplog.records)
            trace.append(repr(item))
        trace += [f"! {r.getMessage()}" for r in caplog.records[seen:]]
    return [line.replace(str(source.path), "<path>") for line in trace]


def as_logged(trace: list[str], where: str) -> list[str]:
    """A mapper trace as its source logs and yields it; `where` formats the record number."""
    out = []
    for line in trace:
        number, text = line.split(" ", 1)
        if text.startswith("! "):
            text = f"! <path>{where.format(number)}: {text[2:]}"
        out.append(text)
    return out


_KIND = re.compile(r"^(?:\S+ )?(!|\w+)[ (]")


def summary(trace: list[str]) -> tuple[dict[str, int], str]:
    """How many lines of each kind, and a digest of the whole trace in order."""
    kinds = Counter(_KIND.match(line).group(1) for line in trace)  # type: ignore[union-attr]
    return dict(sorted(kinds.items())), hashlib.sha256("\n".join(trace).encode()).hexdigest()


def assert_pinned(trace: list[str], counts: dict[str, int], digest: str) -> None:
    got_counts, got_digest = summary(trace)
    assert got_counts == counts
    assert got_digest == digest, "same counts, but other events, order or warnings"


def write_recording(path: Path, records: Iterable[RawRecord]) -> RecordingSource:
    with RecordingWriter(path, source="queue_log:test", config=CONFIG, started_at=0.0) as writer:
        for record in records:
            writer.write(record)
    return RecordingSource(path, CONFIG)


def test_the_disordered_shift_exercises_every_path_of_the_reorder_buffer():
    lines = disordered_shift_lines()
    trace = mapper_trace(records_of(lines))
    ats = [float(line.split("|", 1)[0]) for line in lines if line[:1].isdigit()]
    newest = list(accumulate(ats, max))
    in_time = sum(1 for i in range(1, len(ats)) if newest[i - 1] - 5 <= ats[i] < newest[i - 1])
    assert in_time >= 50
    assert sum("earlier than lines already applied" in line for line in trace) >= 10
    assert sum("! skipped: " in line for line in trace) >= 10


def test_disordered_synthetic_shift_maps_to_the_pinned_events(tmp_path, caplog):
    lines = disordered_shift_lines()
    input_digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert input_digest == DISORDERED_SHIFT_INPUT, "the synthetic shift changed: pin both anew"
    records = records_of(lines)
    trace = mapper_trace(records)
    assert_pinned(trace, *DISORDERED_SHIFT_PIN)
    recording = write_recording(tmp_path / "shift.wbrec", records)
    # Its unnamed PJSIP/N members are said once, before anything else.
    untied, *rest = source_trace(recording, caplog)
    assert untied.startswith("! <path>: PJSIP/0, PJSIP/11, PJSIP/12,") and "[agents]" in untied
    assert rest == as_logged(trace, ": record {}")


def test_real_queue_log_maps_to_the_pinned_events(tmp_path, run_a, caplog):
    source = QueueLogSource(run_a / "queue_log", CONFIG)
    records = list(source.raw())
    trace = mapper_trace(records)
    assert_pinned(trace, *RUN_A_PIN)
    assert source_trace(source, caplog) == as_logged(trace, ":{}")
    recording = write_recording(tmp_path / "run_a.wbrec", records)
    assert source_trace(recording, caplog) == as_logged(trace, ": record {}")


def test_bundled_ami_sample_replays_to_the_pinned_events(caplog):
    assert_pinned(source_trace(RecordingSource(SAMPLE, CONFIG), caplog), *AMI_SAMPLE_PIN)


def reference_trace(ats: list[float], reorder_s: float) -> list[str]:
    """The reorder buffer as first written (one heap, every line pushed and popped), traced."""
    heap: list[tuple[float, int]] = []
    newest = released = float("-inf")
    trace: list[str] = []

    def emit(number: int | str, index: int) -> None:
        trace.append(f"{number} {CallerJoined(ats[index], 'q', f'c{index}', '1')!r}")

    def release(number: int | str, up_to: float) -> None:
        nonlocal released
        while heap and heap[0][0] <= up_to:
            at, index = heapq.heappop(heap)
            released = at
            emit(number, index)

    def place(number: int | str, index: int) -> None:
        nonlocal newest
        at = ats[index]
        if at < released:
            trace.append(
                f"{number} ! timestamp {at:.0f} is {released - at:.0f} s earlier than "
                "lines already applied; applied in file order"
            )
            emit(number, index)
            return
        heapq.heappush(heap, (at, index))
        newest = max(newest, at)
        release(number, newest - reorder_s)

    # The source-time guard holds the first line until the second confirms it (docs/INPUT.md).
    for index in range(1, len(ats)):
        if index == 1:
            place(2, 0)
        place(index + 1, index)
    if len(ats) == 1:
        place("end", 0)
    release("end", float("inf"))
    # As `mapper_trace` tags them: per record, its warnings before its items.
    first: dict[str, int] = {}
    for line in trace:
        first.setdefault(line.split(" ", 1)[0], len(first))
    return sorted(trace, key=lambda line: (first[line.split(" ", 1)[0]], " ! " not in line))


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.integers(-24, 6), max_size=60),
    reorder_s=st.sampled_from([0.0, 2.5, 5.0]),
)
def test_reorder_buffer_releases_like_the_reference(steps: list[int], reorder_s: float):
    ats, at = [], T0 + 1000.0
    for step in steps:
        at = max(T0 + 990.0, at + step / 2)
        ats.append(at)
    lines = [f"{at!r}|c{index}|q|NONE|ENTERQUEUE||1|1" for index, at in enumerate(ats)]
    assert mapper_trace(records_of(lines), reorder_s) == reference_trace(ats, reorder_s)
