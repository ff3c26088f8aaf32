"""The collector: a live AMI source (pyst2 over TCP) into the engine and the alarm rules."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.adapters.ami.capture_server import Connection, load_capture
from tests.adapters.ami.test_mapper import (
    README_COUNTS,
    RUN_A_CONFIG,
    capture_records,
    day_counts,
)
from wallboard.adapters.ami.client import AmiSource
from wallboard.adapters.ami.framing import blocks_from_text
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.alarms.rules import load_rules
from wallboard.alarms.stepper import AlarmStepper
from wallboard.engine import Engine
from wallboard.runtime.collector import Collector
from wallboard.status import SourceStatus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def resync_records(capture) -> list[RawRecord]:
    """What the collector's source hands its mapper before the capture's events."""
    resync_at = capture.snapshot_times["snap-0s"]
    pong = [["Response", "Success"], ["Ping", "Pong"], ["Timestamp", f"{resync_at:.6f}"]]
    records = [RawRecord(resync_at, "ami", pong)]
    records += [RawRecord(resync_at, "ami", item) for item in capture.status_items("0s")]
    records.append(RawRecord(resync_at, "ami", [["Event", "QueueStatusComplete"]]))
    return records


async def collect(capture, blocks: list[bytes], events: int, alarms=None) -> tuple[Collector, list]:
    """Serve `blocks` after the resync; take the boards until `events` events were applied.

    Sent is not read: on a busy machine the last minute may still be in the socket.
    The collector reads the clock the source stamps records with (as both read
    `time.time` in service): the capture streams hundreds of times faster than it
    was recorded, so a wall clock beside the server's would put the board seconds
    of capture time past the events still in flight whenever a loaded machine
    stalls the reader for half a second, and those events would arrive late.
    """
    finished = asyncio.Event()

    async def replay(connection: Connection) -> None:
        await connection.status_answered.wait()
        await connection.stream(blocks)
        finished.set()

    updates = []
    async with capture.server(replay) as server:
        source = AmiSource(
            "127.0.0.1", server.port, "wallboard", "wbpass", RUN_A_CONFIG, clock=server.clock
        )
        collector = Collector(source, RUN_A_CONFIG, alarms=alarms, rate_hz=20, clock=server.clock)
        runner = asyncio.create_task(collector.run())
        try:
            async with asyncio.timeout(60):
                async for update in collector.updates():
                    updates.append(update)
                    if finished.is_set() and collector.stats.events >= events:
                        break
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
    return collector, updates


async def test_live_board_and_alarms_equal_a_replay_of_the_same_bytes(run_a):
    """Ticking at wall-clock rate must not change what the engine or the alarms saw."""
    capture = load_capture(run_a)
    rules = load_rules(None)

    # The same bytes straight through the mapper and the engine: the reference.
    mapper, engine = AmiMapper(RUN_A_CONFIG), Engine(RUN_A_CONFIG)
    stepper = AlarmStepper.factory(rules)(engine)
    records = [*resync_records(capture), *capture_records(run_a)]
    replayed: list[dict] = []
    events = 0
    for record in records:
        for item in mapper.feed(record):
            if not isinstance(item, SourceStatus):
                events += 1
                replayed += stepper.apply(item)

    collector, updates = await collect(capture, capture.blocks, events, AlarmStepper.factory(rules))
    seen = [transition for update in updates for transition in update.transitions]
    states = {update.status.state for update in updates}

    assert "live" in states
    # Once the collector has stopped (serve's SIGTERM), readers get the final board and end.
    async with asyncio.timeout(5):
        finals = [update async for update in collector.updates()]
    assert len(finals) == 1
    # What the collector had when the stream ended ...
    last_event_at = collector.engine.now
    live = collector.engine.snapshot(last_event_at)
    assert day_counts(live) == README_COUNTS
    assert collector.engine.late_events == 0

    # ... equals the reference.
    assert engine.snapshot(last_event_at) == live
    # Alarms up to the last event: both evaluated every whole second of source time.
    assert replayed, "the real run collapses service level: some alarm must fire"
    assert [t for t in seen if t["at"] < last_event_at] == [
        t for t in replayed if t["at"] < last_event_at
    ]


async def test_what_a_read_only_user_cannot_see_is_said_once_and_shown(run_a, caplog):
    """Run A as a `read = call,agent,reporting` user gets it, through pyst2 and the collector."""
    from tests.adapters.ami.run_d import readable_by_read_only
    from wallboard.adapters.ami.visibility import NO_DIALPLAN

    capture = load_capture(run_a)
    blocks = [block for block in capture.blocks if readable_by_read_only(block)]
    mapper = AmiMapper(RUN_A_CONFIG)
    records = resync_records(capture)
    records += [RawRecord(0.0, "ami", p) for b in blocks for p in blocks_from_text(b.decode())]
    events = sum(1 for r in records for e in mapper.feed(r) if not isinstance(e, SourceStatus))
    collector, updates = await collect(capture, blocks, events)
    assert updates[-1].status.limits == (NO_DIALPLAN,)
    said = [r.getMessage() for r in caplog.records if "cannot see" in r.getMessage()]
    assert said == [f"{collector.label}: the source cannot see everything: {NO_DIALPLAN}"]
