"""LiveControl: how old the figures are once the source is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tests.tui.conftest import CONFIG
from wallboard.engine import Engine
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import SourceStatus
from wallboard.tui.controls import LiveControl


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class ReconnectingFeed:
    """Live at 100, then the source fails to reconnect again and again."""

    label = "ami://test"

    def __init__(self, wall: Wall) -> None:
        self.wall = wall

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        snapshot = Engine(CONFIG).snapshot(0.0)
        snapshot.update(source=self.label, alarms=[])
        yield BoardUpdate(snapshot, SourceStatus(100.0, "live"))
        for at in (101.0, 103.0, 107.0):
            self.wall.now = at
            yield BoardUpdate(snapshot, SourceStatus(at, "disconnected", "Connection refused"))


async def test_stale_age_counts_from_the_last_fresh_board_not_the_last_retry():
    wall = Wall(100.0)
    control = LiveControl(ReconnectingFeed(wall), CONFIG, wall_clock=wall)
    await control.consume()
    wall.now = 110.0
    board = control.board()
    assert board.status.state == "disconnected"
    assert board.stale_s == 10.0
