"""A sparkline drawn line by line, one colour worked out per column rather than per cell.

Textual's sparkline blends a colour and builds a style for every cell on every
repaint; the trends change every tick, so that was most of a refresh. The
theme's min/max colours (the sparkline component classes) still apply.

Bars stand on zero, not on the smallest value shown: two quiet minutes are two
low bars, not a wall; a column with no figure (an interval without calls has
no service level) is left blank rather than drawn as zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color, blend_rgb
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Sparkline

from wallboard.tui.repaint import repaint_changed

BARS = "▁▂▃▄▅▆▇█"


class TrendLine(Sparkline):
    """Each column shows the largest value of its share of `values` (all of them, stretched).

    The bars' full height is `ceiling` when given (100 % for a rate), else the largest value.
    """

    # Drawn by the watcher, which repaints just the lines that read differently: a new
    # figure for the interval in progress moves the last bars, seldom every line.
    values: reactive[tuple[float | None, ...]] = reactive((), repaint=False)

    def __init__(self, *, id: str, classes: str, ceiling: float | None = None) -> None:
        super().__init__([], id=id, classes=classes)
        self.ceiling = ceiling
        self._lines: list[Strip] = []
        self._drawn: tuple[object, ...] = ()
        # (min colour, max colour, base style), read again only after a CSS change.
        self._palette: tuple[Color, Color, Style] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None

    def watch_values(self) -> None:
        if self._palette is None:
            self.refresh()  # not drawn yet (or the colours changed): the paint draws it all
            return
        old = self._lines
        self._redraw()
        repaint_changed(self, old, self._lines)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw once per repaint, and only when the data, the size or the colours changed."""
        if self._palette is None:
            _, base = self.background_colors
            low = (base + self.get_component_styles("sparkline--min-color").color).rich_color
            high = (base + self.get_component_styles("sparkline--max-color").color).rich_color
            self._palette = (low, high, self.rich_style)
        self._redraw()
        return super().render_lines(crop)

    def _redraw(self) -> None:
        assert self._palette is not None
        width, height = self.size
        drawn = (self.values, width, height, self._palette)
        if drawn != self._drawn:
            self._drawn = drawn
            self._lines = _draw(self.values, width, height, self.ceiling, *self._palette)

    def render_line(self, y: int) -> Strip:
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)


def _draw(
    data: Sequence[float | None],
    width: int,
    height: int,
    ceiling: float | None,
    low: Color,
    high: Color,
    base: Style,
) -> list[Strip]:
    if width <= 0 or height <= 0:
        return []
    columns = _columns(data, width) if data else [None] * width
    known = [value for value in columns if value is not None]
    top = ceiling if ceiling is not None else max(known, default=0.0)
    levels = len(BARS) * height - 1
    ratios = [
        None if value is None else min(1.0, max(0.0, value / top)) if top > 0 else 0.0
        for value in columns
    ]
    colours = {r: base + Style(color=_blend(low, high, r)) for r in set(ratios) if r is not None}
    # Per column: its bar's height in eighths of a line (-1: no bar) and colour.
    bars = [
        (-1, base) if ratio is None else (int(ratio * levels), colours[ratio]) for ratio in ratios
    ]
    lines = []
    for row in reversed(range(height)):  # top line first
        floor, ceiling_level = row * len(BARS), (row + 1) * len(BARS)
        # Neighbours in one style make one segment (as Strip.simplify would join them).
        segments = []
        text, style = "", base
        for level, colour in bars:
            if level < floor:
                glyph, colour = " ", base
            else:
                glyph = "█" if level >= ceiling_level else BARS[level % len(BARS)]
            if colour == style:
                text += glyph
            else:
                if text:
                    segments.append(Segment(text, style))
                text, style = glyph, colour
        if text:
            segments.append(Segment(text, style))
        lines.append(Strip(segments, width))
    return lines


def _columns(data: Sequence[float | None], width: int) -> list[float | None]:
    """The largest value in each column's share of the data; fewer values than columns stretch."""
    buckets = [data[len(data) * i // width : len(data) * (i + 1) // width] for i in range(width)]
    summaries = [_largest(bucket) for bucket in buckets if bucket]
    step, at, columns = len(summaries) / width, 0.0, []
    for _ in range(width):  # stepped by addition, as Textual's sparkline does: the same columns
        columns.append(summaries[int(at)])
        at += step
    return columns


def _largest(values: Sequence[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _blend(low: Color, high: Color, ratio: float) -> Color:
    if low.triplet is None or high.triplet is None:
        return high
    return Color.from_triplet(blend_rgb(low.triplet, high.triplet, ratio))
