"""Control characters in what a source says reach no event: on a terminal they are commands.

A caller chooses its own number and name (a SIP From header is enough), so an
escape sequence in them must not retitle, clear or move the supervisor's
terminal. The mappers show each one as U+FFFD, say so once, and keep the rest.
"""

from __future__ import annotations

import dataclasses
import gzip
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import RUN_A
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogMapper, QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.events import CallerJoined, Event
from wallboard.status import SourceStatus

CONFIG = EngineConfig(queues={"support": QueueSettings(wrapup_s=5.0)})
# Sets the terminal's title, then clears the screen.
ESCAPES = "\x1b]2;PWNED\x07\x1b[2J\x9b1m"
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def texts(items: list[Event | SourceStatus]) -> list[str]:
    """Every text field of every event."""
    return [
        value
        for item in items
        if not isinstance(item, SourceStatus)
        for value in (getattr(item, f.name) for f in dataclasses.fields(item))
        if isinstance(value, str)
    ]


def figures(items: list[Event | SourceStatus]) -> dict:
    """The run's counts and durations by queue, at its end."""
    engine = Engine(CONFIG)
    for item in items:
        engine.apply(item)
    snapshot = engine.snapshot(max(i.at for i in items) + 1.0, agents=False)
    return {name: (q["day"], q["agents"]) for name, q in snapshot["queues"].items()}


def ami_capture(dirty: bool) -> list[RawRecord]:
    text = gzip.decompress((RUN_A / "ami-capture.raw.gz").read_bytes()).decode()
    if dirty:  # one caller's number and name, in every event that carries them
        text = text.replace(": 5550001\r\n", f": 555{ESCAPES}0001\r\n")
        text = re.sub(r"(CallerIDName: )(.*)\r\n", rf"\1\2{ESCAPES}\r\n", text)
    return [RawRecord(0.0, "ami", block) for block in blocks_from_text(text)]


def mapped(mapper: AmiMapper, records: list[RawRecord]) -> list[Event | SourceStatus]:
    return [item for record in records for item in mapper.feed(record)] + mapper.flush()


def test_a_caller_s_escape_sequence_reaches_no_event_of_the_real_capture():
    clean = mapped(AmiMapper(CONFIG), ami_capture(dirty=False))
    mapper = AmiMapper(CONFIG)
    dirty = mapped(mapper, ami_capture(dirty=True))

    assert not [text for text in texts(dirty) if CONTROLS.search(text)]
    numbers = {e.caller for e in dirty if isinstance(e, CallerJoined)}
    assert "555\ufffd]2;PWNED\ufffd\ufffd[2J\ufffd1m0001" in numbers
    # Said once per header, however many events carry it.
    warnings = mapper.take_warnings()
    told = sorted(w.split(": ")[1].split()[0] for w in warnings if "control characters" in w)
    assert len(told) == len(set(told)) and {"CallerIDName", "CallerIDNum"} <= set(told), told
    # Nothing else changes: every count and duration is the clean run's.
    assert figures(dirty) == figures(clean)


def queue_log_items(path: Path) -> list[Event | SourceStatus]:
    return list(QueueLogSource(path, CONFIG).events())


def test_an_agent_named_with_escapes_in_queue_log_is_one_row_with_the_same_figures(
    tmp_path, caplog
):
    dirty = tmp_path / "queue_log"
    text = (RUN_A / "queue_log").read_text()
    dirty.write_text(text.replace("Agent 201", f"Agent{ESCAPES}201"))

    items = queue_log_items(dirty)

    assert not [text for text in texts(items) if CONTROLS.search(text)]
    assert figures(items) == figures(queue_log_items(RUN_A / "queue_log"))
    told = [r.getMessage() for r in caplog.records if "control characters" in r.getMessage()]
    assert len(told) == 1 and f"{dirty}:" in told[0], told


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=12), max_size=6))
def test_no_control_character_of_any_field_survives_the_queue_log_mapper(data):
    mapper = QueueLogMapper(CONFIG)
    lines = [
        f"1795381986|c1|support|NONE|ENTERQUEUE|{'|'.join(data)}",
        f"1795381990|c1|support|{''.join(data)}|CONNECT|4|c1.1|1",
        f"1795381999|c1|support|{''.join(data)}|COMPLETECALLER|4|9|1",
    ]
    items = [i for line in lines for i in mapper.feed(RawRecord(0.0, "queue_log", line))]
    items += mapper.flush()
    assert not [text for text in texts(items) if CONTROLS.search(text)]
