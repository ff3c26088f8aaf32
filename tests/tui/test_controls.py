"""LiveControl: how old the figures are once the source is lost. ReplayControl: when the
board of a replay ticks."""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import AsyncIterator

import pytest

from tests.tui.conftest import CONFIG, make_app
from wallboard.engine import Engine
from wallboard.runtime.feed import BoardUpdate
from wallboard.runtime.replayer import Replayer
from wallboard.status import SourceStatus
from wallboard.tui.board import Board
from wallboard.tui.controls import (
    IDLE_TICK_S,
    REFRESH_HZ,
    TIMER_SLACK_S,
    LiveControl,
    ReplayControl,
)


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


def _quiet_instant(replayer: Replayer, fraction: float) -> float:
    """`fraction` into a second whose next whole second comes before any change."""
    t = math.floor(replayer.start) + 600.0
    while True:
        replayer.seek(t + fraction)
        if replayer.next_change_at() > t + 1:
            return t + fraction
        t += 1


def test_a_quiet_replay_at_1x_ticks_at_the_next_whole_second(shift_events):
    replayer = Replayer(shift_events, CONFIG, label="synthetic")
    control = ReplayControl(replayer)
    _quiet_instant(replayer, 0.4)
    assert control.next_tick_s() == pytest.approx(0.6 + TIMER_SLACK_S)
    _quiet_instant(replayer, 0.9)  # four ticks a second at most
    assert control.next_tick_s() == 1.0 / REFRESH_HZ
    replayer.faster()  # 2x: the next whole second of source time comes twice as soon
    _quiet_instant(replayer, 0.2)
    assert control.next_tick_s() == pytest.approx(0.4 + TIMER_SLACK_S)
    replayer.toggle_pause()
    assert control.next_tick_s() == IDLE_TICK_S
    replayer.toggle_pause()
    replayer.seek(replayer.end)
    assert control.next_tick_s() == IDLE_TICK_S


def test_a_replay_ticks_at_its_next_event_and_its_next_wrap_up_running_out(shift_events):
    replayer = Replayer(shift_events, CONFIG, label="synthetic")
    control = ReplayControl(replayer)
    times = [event.at for event in replayer.events]
    # An event in the middle of a second, well after the position: the tick waits for it.
    event_at = next(
        t for t in times[100:] if 0.3 < t % 1 < 0.9 and t - times[times.index(t) - 1] > 1
    )
    replayer.seek(math.floor(event_at) + 0.05)
    assert replayer.next_change_at() == event_at
    assert control.next_tick_s() == pytest.approx(event_at - replayer.position + TIMER_SLACK_S)
    # A wrap-up running out changes the board by itself.
    for t in range(int(replayer.start) + 60, int(replayer.end), 7):
        replayer.seek(float(t))
        change = replayer.next_change_at()
        if change < times[bisect.bisect_right(times, t)]:
            before, after = (replayer.seek(change + d).snapshot for d in (-0.01, 0.01))
            states = [{a: row["state"] for a, row in s["agents"].items()} for s in (before, after)]
            assert states[0] != states[1]
            break
    else:
        raise AssertionError("the shift has wrap-ups running out between events")


async def test_an_idle_replay_at_1x_publishes_a_board_a_second_not_four(shift_events):
    replayer = Replayer(shift_events, CONFIG, label="synthetic")
    _quiet_instant(replayer, 0.5)
    app = make_app(replayer)
    boards: list[Board | None] = []
    async with app.run_test() as pilot:
        app.action_toggle_pause()  # playing at 1x from a quiet second
        await pilot.pause()
        app.watch(app, "board", lambda board: boards.append(board), init=False)
        await asyncio.sleep(2.2)
    assert 1 <= len(boards) <= 4, len(boards)  # at 4 Hz it was 8 or 9
    for board in boards:
        assert board is not None and board.replay is not None
        assert board.snapshot["at"] == board.replay.position
