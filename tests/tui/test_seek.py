"""A long forward seek runs in a thread: the board keeps answering, nothing races the replayer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from textual.widgets import Input

from tests.tui.conftest import CONFIG
from wallboard.commands.launch import alarm_factory
from wallboard.runtime.replayer import Replayer
from wallboard.tui.app import SLOW_SEEK_S, WallboardApp
from wallboard.tui.widgets.replay_bar import ReplayBar

BIG = (120, 40)
WAIT_S = 10.0  # a bound for a loaded machine, never a measured duration


class GatedReplayer(Replayer):
    """A real replayer whose seeks from a thread wait for the test to open the gate.

    It notes every call made from the app's thread while such a seek is under way.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.busy = False
        self.intrusions: list[str] = []
        super().__init__(*args, **kwargs)

    def seek(self, t: float):
        if threading.current_thread() is threading.main_thread():
            self._note("seek")
            return super().seek(t)
        self.busy = True
        self.entered.set()
        try:
            assert self.gate.wait(WAIT_S)
            return super().seek(t)
        finally:
            self.busy = False

    def tick(self, wall_elapsed_s: float):
        self._note("tick")
        return super().tick(wall_elapsed_s)

    def toggle_pause(self) -> None:
        self._note("toggle_pause")
        super().toggle_pause()

    def _note(self, name: str) -> None:
        if self.busy:
            self.intrusions.append(name)


def _replayer(shift_events, cls: type[Replayer] = Replayer) -> Replayer:
    return cls(shift_events, CONFIG, label="synthetic", alarms=alarm_factory(None))


async def _until(pilot, condition) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def test_a_far_seek_runs_in_a_thread_and_the_app_keeps_answering(shift_events):
    replayer = _replayer(shift_events, GatedReplayer)
    assert isinstance(replayer, GatedReplayer)
    app = WallboardApp(replayer, CONFIG, paused=True)
    target = replayer.start + 3600
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("g", *"+60", "enter")
        await _until(pilot, replayer.entered.is_set)
        assert app.seeking_to == target
        bar = app.screen.query_one(ReplayBar)
        shown = f"SEEKING to {datetime.fromtimestamp(target, UTC):%H:%M:%S}"
        await _until(pilot, lambda: shown in str(bar.render()))
        # Keys are handled while the thread works: the theme changes, a second seek
        # replaces the target, pausing is refused with a note instead of racing the seek.
        theme = app.theme
        await pilot.press("t")
        assert app.theme != theme
        await pilot.press("right")
        assert app.seeking_to == target + 60
        await pilot.press("space")
        assert any("still seeking" in n.message for n in app._notifications)
        assert replayer.paused and replayer.position == replayer.start
        replayer.gate.set()
        await _until(pilot, lambda: app.seeking_to is None)
        await pilot.pause()
        assert replayer.intrusions == []
        assert "SEEKING" not in str(bar.render())
    fresh = _replayer(shift_events)
    expected = fresh.seek(target + 60).snapshot
    assert app.board is not None and app.board.snapshot == expected
    assert replayer.position == target + 60


async def test_near_and_backward_seeks_stay_immediate(shift_events):
    replayer = _replayer(shift_events)
    app = WallboardApp(replayer, CONFIG, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        app.seek_to(replayer.start + SLOW_SEEK_S)
        assert app.seeking_to is None and replayer.position == replayer.start + SLOW_SEEK_S
        await pilot.press("left")
        assert replayer.position == replayer.start + SLOW_SEEK_S - 60


class FailingReplayer(Replayer):
    def seek(self, t: float):
        if threading.current_thread() is not threading.main_thread():
            raise ValueError("the recording went away")
        return super().seek(t)


async def test_a_failed_seek_is_a_notification_and_the_board_stays(shift_events):
    replayer = _replayer(shift_events, FailingReplayer)
    app = WallboardApp(replayer, CONFIG, paused=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        shown = app.board
        await pilot.press("g", *"+90", "enter")
        await _until(pilot, lambda: app.seeking_to is None)
        await pilot.pause()
        assert any("the recording went away" in n.message for n in app._notifications)
        assert app.board is not None and shown is not None
        assert app.board.snapshot is shown.snapshot
        assert not isinstance(app.focused, Input)
        assert app.is_running
