"""How the main screens look, at the smallest and a large terminal, in two themes.

Everything on screen is driven by the replay position (clock, time in state,
alarm ages), so the pictures are deterministic.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("theme", ["dark", "high-contrast"])
def test_board_screen(snap_compare, replayer, size, theme):
    assert snap_compare(make_app(replayer, theme=theme), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("theme", ["light", "colour-blind-safe"])
def test_wall_screen(snap_compare, replayer, size, theme):
    assert snap_compare(make_app(replayer, theme=theme, wall=True), terminal_size=size)


def test_help_overlay(snap_compare, replayer):
    assert snap_compare(make_app(replayer), press=["question_mark"], terminal_size=(80, 24))
