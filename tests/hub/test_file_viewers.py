"""Serving a file: many viewers see exactly the board the engine computes from it."""

from __future__ import annotations

import asyncio

import msgpack

from tests.hub.conftest import next_frame, open_viewer
from tests.runtime.test_paced_feed import CONFIG, SyntheticShiftFile
from wallboard.engine import Engine
from wallboard.runtime.paced_feed import PacedFileFeed


def engine_board() -> dict:
    """What `wallboard metrics` reports for the file: the engine at the last event."""
    engine = Engine(CONFIG)
    last_at = 0.0
    for event in SyntheticShiftFile().events():
        engine.apply(event)
        last_at = event.at
    snapshot = engine.snapshot(last_at)
    snapshot["source"] = "main"  # the hub names its source; its label stays on the hub
    snapshot["alarms"] = []
    # msgpack, like JSON, has no tuples: compare in the wire's own types.
    return msgpack.unpackb(msgpack.packb(snapshot))


async def test_200_viewers_get_exactly_the_engines_board(start_hub):
    feed = PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=0)
    hub, url = await start_hub({"main": feed})
    await hub.wait_feeds()
    expected = engine_board()

    async def view() -> dict:
        viewer = await open_viewer(url)
        try:
            assert (await next_frame(viewer))["type"] == "hello"
            return await next_frame(viewer)
        finally:
            await viewer.close()

    async with asyncio.timeout(60):
        frames = await asyncio.gather(*(view() for _ in range(200)))
    assert expected["queues"] and expected["agents"]
    for frame in frames:
        assert frame["type"] == "board"
        assert frame["status"]["state"] == "ended"
        assert frame["snapshot"] == expected
