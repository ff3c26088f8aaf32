"""Trend lines: bars stand on zero against their scale, and no figure draws no bar."""

from __future__ import annotations

import copy

from textual.widgets import Sparkline

from tests.tui.conftest import make_app

TALL = (200, 60)  # the trends panel shows from 44 rows


def columns_drawn(trend: Sparkline) -> list[str]:
    """Each column of the painted trend, bottom up."""
    painted = trend.render_lines(trend.region.reset_offset)
    lines = ["".join(segment.text for segment in line) for line in painted]
    return ["".join(line[x] for line in reversed(lines)) for x in range(len(lines[0]))]


async def test_a_quiet_start_of_shift_draws_no_walls(replayer):
    replayer = copy.deepcopy(replayer)
    replayer.seek(replayer.start + 5)  # nobody waiting, no call answered yet
    app = make_app(replayer)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        assert replayer.board.snapshot["all"]["waiting"] == 0
        sl = app.screen.query_one("#trend-sl", Sparkline)
        assert {c.strip() for c in columns_drawn(sl)} == {""}  # no service level yet: nothing
        waiting = app.screen.query_one("#trend-waiting", Sparkline)
        # Zero waiting is a figure: the lowest bar along the bottom, nothing above it.
        assert {c.rstrip() for c in columns_drawn(waiting)} == {"▁"}


async def test_service_level_bars_stand_against_100_percent(replayer):
    app = make_app(replayer)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        sl = app.screen.query_one("#trend-sl", Sparkline)
        height = sl.size.height
        first, second = (s.service_level for s in replayer.history.intervals)
        # An hour in: two closed half hours, and the new one without a call yet.
        assert replayer.board.snapshot["all"]["interval"]["service_level"] is None
        drawn = columns_drawn(sl)
        third = len(drawn) // 3
        for value, column in ((first, drawn[0]), (second, drawn[third + 1])):
            assert value is not None and value < 1
            full = len(column.rstrip(" ").rstrip("▁▂▃▄▅▆▇"))  # whole cells of bar
            assert abs(full - value * height) <= 1, (value, column)
        assert drawn[-1].strip() == ""
