"""The alarm strip: whole messages on any screen, the figure that fired and the one now."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from wallboard.themes import PALETTES
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


def _contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(colour: tuple[int, int, int]) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        red, green, blue = (channel(c / 255) for c in colour)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", [palette.name for palette in PALETTES])
@pytest.mark.parametrize("focused", [True, False], ids=["focused", "blurred"])
async def test_the_selected_alarm_reads_in_every_theme(replayer, theme, focused):
    """The cursor row is one band: every cell on the cursor's background, all readable.

    Readable is WCAG's 3:1 for bold text (the severity and rule are bold; Textual's
    dark cursor, white on blue, is 3.8:1). Before, the severity kept the alert
    tint under the light cursor's text: 1.01:1.
    """
    app = make_app(replayer, theme=theme)
    async with app.run_test(size=(120, 40)) as pilot:
        strip = app.screen.query_one(AlarmStrip)
        if focused:
            strip.focus()
        await pilot.pause()
        assert strip.cursor_row == 0
        painted = [s for s in strip.render_line(0) if s.text.strip() and s.style]
    backgrounds = {s.style.bgcolor.get_truecolor() for s in painted if s.style.bgcolor}
    assert len(backgrounds) == 1, backgrounds
    for segment in painted:
        colour = segment.style.color.get_truecolor()
        ratio = _contrast(tuple(colour), tuple(next(iter(backgrounds))))
        assert ratio >= 3.0, (segment.text, ratio)
