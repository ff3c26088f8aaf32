"""An idle board repaints once a second: what it counts itself ticks with its clock.

Time in state, an alarm's age and a replay's elapsed time are the clock's second
less the second they started in, so within one second of the clock (and no
event) nothing on the board reads differently, and at the next second they all
move together: three of four 4 Hz ticks then have nothing to repaint.
"""

from __future__ import annotations

import bisect
import copy
import difflib
import html
import math
import re

from tests.tui.conftest import make_app
from wallboard.runtime.replayer import Replayer
from wallboard.tui.format import duration
from wallboard.tui.widgets.agent_board import AgentBoard
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.replay_bar import ReplayBar

BIG = (200, 60)


def _quiet_second(replayer: Replayer) -> int:
    """A whole second after the position, and the one after it, without any event."""
    times = [event.at for event in replayer.events]
    second = math.floor(replayer.position) + 1
    while True:
        first = bisect.bisect_left(times, second)
        if first == len(times) or times[first] >= second + 2:
            return second
        second = math.floor(times[first]) + 1


async def test_nothing_reads_differently_within_one_clock_second(replayer):
    second = _quiet_second(replayer)
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        agents = app.screen.query_one(AgentBoard)
        alarms = app.screen.query_one(AlarmStrip)
        bar = app.screen.query_one(ReplayBar)

        async def board_at(t: float) -> tuple[object, ...]:
            app.seek_to(t)
            await pilot.pause()
            rows = [alarms.get_row_at(i) for i in range(alarms.row_count)]
            return (
                [agents.texts(key) for key in agents.keys],
                [[str(cell) for cell in row] for row in rows],
                str(bar.render()),
            )

        first = await board_at(second + 0.02)
        assert first[1] and first[1][0][0] != "✓ all clear"  # alarms have ages to show
        for fraction in (0.26, 0.51, 0.77, 0.98):
            assert await board_at(second + fraction) == first, fraction
        moved = await board_at(second + 1.02)
        assert moved[2] != first[2]
        key = agents.keys[0]
        since = float(replayer.board.snapshot["agents"][key]["since"])
        assert agents.texts(key)[3].strip() == duration(second + 1 - math.floor(since))


def _screen_text(svg: str) -> list[str]:
    """The text of a screenshot's lines, to show where two screenshots differ."""
    lines = re.findall(r'<text class="[^"]*" x="[^"]*" y="([^"]*)"[^>]*>([^<]*)</text>', svg)
    by_y: dict[float, str] = {}
    for y, text in lines:
        by_y[float(y)] = by_y.get(float(y), "") + html.unescape(text).replace("\xa0", " ")
    return [by_y[y] for y in sorted(by_y)]


async def test_a_board_played_tick_by_tick_paints_what_a_new_board_draws(replayer):
    """No stale cell: after 4 Hz ticks through events and clock seconds, sorted by name and
    then by time in state, the screen is exactly that of a new app opened at the same instant
    (a line whose cells changed but was not repainted would still show the old ones)."""
    start = replayer.position
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        agents = app.screen.query_one(AgentBoard)
        for sort_column, steps in ((0, 40), (AgentBoard.TICKING, 24)):
            agents.sort_column = sort_column
            for _ in range(steps):
                app.seek_to(replayer.position + 0.25)
                await pilot.pause()
            await pilot.pause()
            painted = app.export_screenshot()
            fresh = make_app(copy.deepcopy(replayer))
            async with fresh.run_test(size=BIG) as fresh_pilot:
                fresh.screen.query_one(AgentBoard).sort_column = sort_column
                await fresh_pilot.pause()
                drawn = fresh.export_screenshot()
            if painted != drawn:
                diff = difflib.unified_diff(_screen_text(drawn), _screen_text(painted), lineterm="")
                raise AssertionError("painted (+) vs drawn afresh (-):\n" + "\n".join(diff))
    assert replayer.position - start == 16.0
