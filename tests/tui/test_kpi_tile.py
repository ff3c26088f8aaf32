"""KPI tiles: digits that grow with the tile on a wall screen."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from wallboard.tui import block_digits


def test_the_block_font_at_its_smallest():
    assert block_digits.render("8", 1) == ["█▀█", "█▀█", "▀▀▀"]
    assert block_digits.render("1:0", 1) == ["▄█  ▄ █▀█", " █  ▄ █ █", "▀▀▀   ▀▀▀"]
    assert block_digits.size("83%", 2) == (22, 5)


@pytest.mark.parametrize("size", [(200, 60), (250, 70)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_wall_digits_grow_with_the_tile(replayer, size):
    app = make_app(replayer, wall=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        tiles = list(app.screen.query("KpiPanel KpiTile"))  # (a team page's are hidden)
        scale = min(tile.largest_scale() for tile in tiles)
        assert scale >= 3  # 8 rows and more; Textual's digits are 3
        for tile in tiles:
            drawn = [tile.render_line(y).text for y in range(tile.size.height)]
            digits = [line for line in drawn if line.strip() and tile.title not in line]
            # Every tile at the one scale the tightest fits at.
            assert [line.strip() for line in digits] == [
                row.strip() for row in block_digits.render(tile.value, scale)
            ], tile.id
