"""The KPI tiles: what a supervisor acts on, graded against its target."""

from __future__ import annotations

from tests.synthetic import generate_shift
from tests.tui.conftest import CONFIG, make_app
from wallboard.runtime.replayer import Replayer
from wallboard.tui.screens.help import HelpScreen
from wallboard.tui.widgets.kpi_tile import KpiTile


async def test_staff_short_sums_the_queues_short_of_staff():
    """75 minutes into a 10-agent shift the floor as one pool has an agent to spare, while
    q01 is two short: its callers are not served by q00's spare agents."""
    replayer = Replayer(list(generate_shift(7, agents=10, queues=3, hours=2.0)), CONFIG, label="s")
    replayer.seek(replayer.start + 4500)
    snapshot = replayer.board.snapshot
    gaps = {name: queue["staffing_gap"] for name, queue in snapshot["queues"].items()}
    assert snapshot["all"]["staffing_gap"] < 0 < max(gaps.values())
    app = make_app(replayer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tile = app.screen.query_one("#kpi-gap", KpiTile)
        assert tile.value == f"+{sum(gap for gap in gaps.values() if gap > 0)}" == "+2"
        assert tile.grade == "warn"
        assert tile.title == "Staff short"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "Staff short" in text and "summed over the queues short of staff" in text
