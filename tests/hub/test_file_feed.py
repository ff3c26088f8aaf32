"""Serving a file: many viewers see exactly the board the engine computes from it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import msgpack

from tests.hub.conftest import next_frame, open_viewer
from wallboard.adapters.base import RawRecord
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.synthetic import generate_shift

CONFIG = EngineConfig(extra_windows_s=(300.0,))


class SyntheticShiftFile:
    """A finite, deterministic `FileSource` made of a generated shift."""

    label = "synthetic:seed-11"

    def raw(self) -> Iterator[RawRecord]:
        return iter(())

    def events(self) -> Iterator[Event]:
        return generate_shift(11, agents=30, queues=3, hours=1.0)


def engine_board() -> dict:
    """What `wallboard metrics` reports for the file: the engine at the last event."""
    engine = Engine(CONFIG)
    last_at = 0.0
    for event in SyntheticShiftFile().events():
        engine.apply(event)
        last_at = event.at
    snapshot = engine.snapshot(last_at)
    snapshot["source"] = SyntheticShiftFile.label
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


async def test_paced_replay_moves_forward_in_source_time_and_ends_at_the_last_event():
    feed = PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=200_000, rate_hz=200)
    boards = [update async for update in feed.updates()]
    moments = [update.at for update in boards]
    assert len(boards) >= 2
    assert moments == sorted(moments)
    assert {u.status.state for u in boards[:-1]} == {"live"}
    assert boards[-1].status.state == "ended"
    last_event_at = max(event.at for event in SyntheticShiftFile().events())
    assert boards[0].at < last_event_at <= boards[-1].at


async def test_empty_file_yields_nothing():
    class EmptyFile(SyntheticShiftFile):
        def events(self) -> Iterator[Event]:
            return iter(())

    assert [u async for u in PacedFileFeed(EmptyFile(), CONFIG, speed=0).updates()] == []
