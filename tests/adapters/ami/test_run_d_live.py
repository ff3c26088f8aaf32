"""Run D served over TCP to the real pyst2 adapter, with the restart where Asterisk made it.

The server streams each capture connection's bytes and closes the socket at the
byte offset `reconnects.jsonl` gives; the adapter reconnects, resyncs from the
QueueStatus answer taken after the restart, and reads on. The board must then
count what queue_log counts, hold exactly the agents Asterisk listed at the
end, and a recording of what the adapter received must replay to the very same
events (decisions that waited on source time included).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tests.adapters.ami.capture_server import AmiServer, Connection
from tests.adapters.ami.run_d import (
    CONFIG,
    board_members,
    listed_members,
    load,
    pairs_of,
    snapshots,
    stamp_of,
)
from tests.adapters.ami.test_client import FAST, assert_only_allowed_actions
from tests.adapters.ami.test_run_d import QUEUES, day_counts, outcomes
from wallboard.adapters.ami.client import AmiSource
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.recording import RecordingSource, RecordingWriter
from wallboard.engine import Engine
from wallboard.events import Event
from wallboard.status import SourceStatus

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def listed_at(run_d: Path, label: str, blocks: list[bytes]) -> tuple[float, list]:
    """A snapshot's items, answered just before the connection's first timed event.

    The driver took its snapshots a moment after each (re)connection; the
    adapter asks right after its login, so the answer is stamped then.
    """
    _, items = snapshots(run_d)[label]
    listed = [item for item in items if item[0] != ["Event", "QueueStatusComplete"]]
    first = next(stamp for block in blocks if (stamp := stamp_of(block, 0.0)))
    return first - 0.001, listed


async def serve_capture(run_d: Path, user: str) -> tuple[list[RawRecord], AmiServer]:
    """Every record the adapter hands on, from its first connection to the end of the run."""
    capture = load(run_d, user)
    first, second = capture.connections
    start_at, start_items = listed_at(run_d, "start", first.blocks)
    restart_at, restart_items = listed_at(run_d, "post-restart", second.blocks)
    streamed = asyncio.Event()
    last = pairs_of(second.blocks[-1])

    async def session(connection: Connection) -> None:
        await connection.status_answered.wait()
        if connection.number == 0:
            await connection.stream(first.blocks)
            connection.server.status_items = restart_items
            connection.server.now = restart_at
            connection.close()  # where Asterisk's process died
        else:
            await connection.stream(second.blocks)
            streamed.set()

    received: list[RawRecord] = []
    async with AmiServer(session=session, status_items=start_items, clock=start_at) as server:
        source = AmiSource(
            "127.0.0.1",
            server.port,
            "wallboard",
            "wbpass",
            CONFIG,
            clock=server.clock,
            **(FAST | {"ping_interval_s": 5.0}),
        )
        async with asyncio.timeout(120), contextlib.aclosing(source.raw()) as records:
            async for record in records:
                received.append(record)
                if streamed.is_set() and record.kind == "ami" and record.payload == last:
                    break
    return received, server


RESYNCED = ["connecting", "resyncing", "live"]


def map_all(records: list[RawRecord]) -> list[Event | SourceStatus]:
    mapper = AmiMapper(CONFIG)
    return [item for record in records for item in mapper.feed(record)] + mapper.flush()


@pytest.mark.parametrize("user", ["ro", "all"])
async def test_each_user_through_the_restart(run_d, tmp_path, user):
    received, server = await serve_capture(run_d, user)
    assert len(server.connections) == 2
    assert_only_allowed_actions(server)
    states = [SourceStatus.from_payload(r.payload).state for r in received if r.kind == "status"]
    assert states == ["connecting", "resyncing", "live", "disconnected", *RESYNCED]
    live = map_all(received)

    # Every call as queue_log has it, and each queue's day as the queue_log path counts it.
    from_queue_log = list(QueueLogSource(run_d / "queue_log", CONFIG).events())
    assert outcomes(live) == outcomes(from_queue_log)
    assert day_counts(live, CONFIG) == day_counts(from_queue_log, CONFIG)

    # The agents Asterisk listed at the end, each in the state it listed.
    engine = Engine(CONFIG)
    for event in live:
        if not isinstance(event, SourceStatus):
            engine.apply(event)
    board = engine.snapshot(engine.now)
    assert all(board["queues"][q]["waiting"] == board["queues"][q]["leaving"] == 0 for q in QUEUES)
    assert board_members(board) == listed_members(run_d, "final")

    # A recording of those records replays to the same events.
    path = tmp_path / f"{user}.wbrec"
    with RecordingWriter(path, source=f"ami://wb-{user}@pbx", config=CONFIG) as writer:
        for record in received:
            writer.write(record)
    assert list(RecordingSource(path, CONFIG).events()) == live
