"""An idle board repaints once a second: what it counts itself ticks with its clock.

Time in state, an alarm's age and a replay's elapsed time are the clock's second
less the second they started in, so within one second of the clock (and no
event) nothing on the board reads differently, and at the next second they all
move together: three of four 4 Hz ticks then have nothing to repaint.
"""

from __future__ import annotations

import bisect
import math

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
