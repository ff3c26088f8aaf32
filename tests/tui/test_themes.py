"""Themes are palettes over the one board stylesheet: every role defined, each one drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tui.conftest import make_app
from wallboard.themes import PALETTES
from wallboard.tui import app as app_module
from wallboard.tui.widgets.kpi_tile import KpiTile

STYLESHEET = Path(app_module.__file__).with_name("app.tcss").read_text(encoding="utf-8")


def test_every_palette_defines_every_role_the_stylesheet_reads():
    used = set(re.findall(r"\$(board-[a-z-]+)", STYLESHEET))
    assert used
    for palette in PALETTES:
        assert set(palette.variables()) == used, palette.name


@pytest.mark.parametrize("palette", PALETTES, ids=lambda p: p.name)
async def test_a_bad_tile_is_drawn_in_the_palette_colours(replayer, palette):
    app = make_app(replayer, theme=palette.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tile = app.screen.query_one("#kpi-waiting", KpiTile)
        tile.grade = "bad"
        await pilot.pause()
        style = tile.rich_style
        assert style.color is not None and style.bgcolor is not None
        colours = (style.bgcolor.triplet.hex, style.color.triplet.hex)
        if palette.reversed_bad:
            assert colours == (palette.bad, palette.background)
        else:
            assert colours == (palette.alert_background, palette.bad)
