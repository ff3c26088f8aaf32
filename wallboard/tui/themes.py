"""The board's palettes as Textual themes.

Each theme is its base Textual theme (so the footer, inputs and notifications
look as Textual draws them) plus the palette's `$board-*` roles, which the one
board stylesheet reads.
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

from wallboard.themes import PALETTES, Palette


def board_theme(palette: Palette) -> Theme:
    """Args:
    palette: the board's colours by role.
    """
    base = BUILTIN_THEMES[palette.base]
    return replace(base, name=palette.name, variables={**base.variables, **palette.variables()})


BOARD_THEMES: dict[str, Theme] = {palette.name: board_theme(palette) for palette in PALETTES}
