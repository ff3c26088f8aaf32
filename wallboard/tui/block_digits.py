"""Digits of any size for the wall display: a 3x5 pixel font drawn in half blocks.

Textual's Digits font is three rows tall whatever the room; a wall screen's tile
can be twenty. Each pixel here is `scale` columns wide and `scale` half-rows
tall (a terminal cell is about twice as tall as wide, so pixels stay square),
one pixel column between glyphs.
"""

from __future__ import annotations

FONT_ROWS = 5
GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "%": ("#.#", "..#", ".#.", "#..", "#.#"),
    ":": (".", "#", ".", "#", "."),
    "/": ("..#", "..#", ".#.", "#..", "#.."),
    "+": ("...", ".#.", "###", ".#.", "..."),
    "-": ("...", "...", "###", "...", "..."),
    ".": (".", ".", ".", ".", "#"),
}
UNKNOWN = ("...",) * FONT_ROWS
HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def size(text: str, scale: int) -> tuple[int, int]:
    """(columns, rows) that `text` takes at `scale`."""
    pixels = sum(len(GLYPHS.get(ch, UNKNOWN)[0]) for ch in text) + max(0, len(text) - 1)
    return pixels * scale, -(-FONT_ROWS * scale // 2)


def largest_scale(text: str, width: int, height: int) -> int:
    """The largest scale at which `text` fits in width x height (0: not even at 1)."""
    scale = 0
    while True:
        columns, rows = size(text, scale + 1)
        if columns > width or rows > height:
            return scale
        scale += 1


def render(text: str, scale: int) -> list[str]:
    """The text rows of `text` drawn at `scale` (>= 1)."""
    glyphs = [GLYPHS.get(ch, UNKNOWN) for ch in text]
    pixel_rows = [".".join(glyph[row] for glyph in glyphs) for row in range(FONT_ROWS)]
    # Scaled up: each pixel repeated `scale` times across and down.
    grid = [
        [cell == "#" for cell in row for _ in range(scale)]
        for row in pixel_rows
        for _ in range(scale)
    ]
    if len(grid) % 2:
        grid.append([False] * len(grid[0]))
    return [
        "".join(HALF_BLOCKS[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(grid[::2], grid[1::2], strict=True)
    ]
