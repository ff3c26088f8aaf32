"""A file played as if live: boards forward in source time, ending at the last event."""

from __future__ import annotations

from collections.abc import Iterator

from tests.synthetic import generate_shift
from wallboard.adapters.base import RawRecord
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.runtime.paced_feed import PacedFileFeed

CONFIG = EngineConfig(extra_windows_s=(300.0,))


class SyntheticShiftFile:
    """A finite, deterministic `FileSource` made of a generated shift."""

    label = "synthetic:seed-11"

    def raw(self) -> Iterator[RawRecord]:
        return iter(())

    def events(self) -> Iterator[Event]:
        return generate_shift(11, agents=30, queues=3, hours=1.0)


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
