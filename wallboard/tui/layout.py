"""Size classes shared by the board and wall screens, so layouts adapt without clipping."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

# Large digits need 7 tiles x 15 columns and six rows; below that the tiles go compact.
DIGITS_MIN_WIDTH = 110
DIGITS_MIN_HEIGHT = 34
# The trend panel only fits once the tables have their rows.
TRENDS_MIN_HEIGHT = 44


def apply_size_classes(screen: Screen[Any], width: int, height: int) -> None:
    screen.set_class(width < DIGITS_MIN_WIDTH or height < DIGITS_MIN_HEIGHT, "-compact")
    screen.set_class(height < TRENDS_MIN_HEIGHT, "-short")
    screen.set_class(width >= 200, "-wide")
