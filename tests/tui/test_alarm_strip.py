"""The alarm strip: whole messages on any screen, the figure that fired and the one now."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from wallboard.tui.widgets.alarm_strip import AlarmStrip


def painted_rows(strip: AlarmStrip) -> list[str]:
    """The strip's rows as drawn on screen (inside its border)."""
    height = strip.scrollable_content_region.height
    return ["".join(s.text for s in strip.render_line(y)) for y in range(height)]


@pytest.mark.parametrize("size", [(80, 24), (200, 60), (250, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_alarm_messages_are_never_cut(replayer, size):
    app = make_app(replayer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        strip = app.screen.query_one(AlarmStrip)
        alarms = replayer.board.snapshot["alarms"]
        rows = painted_rows(strip)
        assert rows
        for alarm, row in zip(alarms, rows, strict=False):
            assert alarm["message"] in row, (alarm["message"], row)
            assert alarm["severity"] in row
        if size[0] >= 200:
            for alarm, row in zip(alarms, rows, strict=False):
                assert alarm["rule"] in row and alarm["queue"] in row


async def test_an_alarm_shows_the_figure_that_fired_it_and_the_current_one(replayer):
    app = make_app(replayer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        strip = app.screen.query_one(AlarmStrip)
        alarms = replayer.board.snapshot["alarms"]
        index, sl = next((i, a) for i, a in enumerate(alarms) if a["rule"] == "sl-low")
        assert round(sl["fired_value"], 2) != round(sl["value"], 2)
        fired, now = f"{sl['fired_value']:.0%}", f"{sl['value']:.0%}"
        row = painted_rows(strip)[index]
        assert f"{fired}→{now}" in row
        assert sl["message"] == f"SL {fired} in {sl['queue']} (target 80%)"  # as it fired
