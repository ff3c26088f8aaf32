"""One key figure in large digits, coloured against its target."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, cast

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.renderables.digits import Digits
from textual.strip import Strip
from textual.widget import Widget

from wallboard.tui import block_digits
from wallboard.tui.format import Grade
from wallboard.tui.repaint import repaint_changed

TITLE_ROWS = 1
# Below this scale the block font is no larger than Textual's digits, which read better.
MIN_BLOCK_SCALE = 2
TEXT_META = Style(meta={"offset": (0, 0)})


class KpiTile(Widget):
    """Large digits for the far side of the room; a one-line form when space is short.

    One widget drawing its own lines instead of two labels and a Digits widget: the
    compositor pays per widget on every refresh, and a tile's four lines are cheap
    to rebuild only when its text, width or colours change.
    """

    # Named like the labels they replaced, so the themes' `KpiTile .kpi-title` rules
    # still colour them (a component class is a hidden child of the tile).
    COMPONENT_CLASSES: ClassVar[set[str]] = {"kpi-title", "kpi-digits", "kpi-compact"}

    # A new text never changes the tile's size, and repaints only the rows that read
    # differently (the digits, seldom the title or the blank rows): no layout.
    title: reactive[str] = reactive("", repaint=False)
    value: reactive[str] = reactive("--", repaint=False)
    grade: reactive[Grade] = reactive("none")
    # The panel's one scale for every tile, so a lone "0" is no bigger than "83%" beside it.
    scale_limit: reactive[int] = reactive(0, repaint=False)

    def __init__(self, title: str, short_title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.set_reactive(KpiTile.title, title)
        self.short_title = short_title
        self._lines: tuple[tuple[object, ...], list[Strip]] | None = None

    def watch_title(self) -> None:
        self._repaint_changed()

    def watch_value(self) -> None:
        self._repaint_changed()

    def watch_scale_limit(self) -> None:
        self._repaint_changed()

    def _repaint_changed(self) -> None:
        if self._lines is None:
            self.refresh()  # not drawn yet, or restyled: the paint draws it all
            return
        repaint_changed(self, self._lines[1], self._tile_lines())

    def watch_grade(self, old: Grade, new: Grade) -> None:
        # One restyle for the swap, not one per class: each runs the stylesheet over the tile.
        self.remove_class(f"-{old}", update=False)
        self.add_class(f"-{new}")

    def largest_scale(self) -> int:
        """The largest block-digit scale the value fits at, a blank row and a column
        either side kept."""
        width, height = self.size
        return block_digits.largest_scale(self.value, width - 2, height - TITLE_ROWS - 1)

    def render_line(self, y: int) -> Strip:
        lines = self._tile_lines()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    def _tile_lines(self) -> list[Strip]:
        """The tile's lines, rebuilt when its text or size changes or after a CSS change
        (grade, theme, stale): reading the styles back on every repaint cost more than
        drawing the lines."""
        width, height = self.size
        compact = self.screen.has_class("-compact")
        key = (width, height, compact, self.title, self.short_title, self.value, self.scale_limit)
        if self._lines is not None and self._lines[0] == key:
            return self._lines[1]
        base = self.rich_style
        if compact:
            style = base + self.get_component_rich_style("kpi-compact", partial=True)
            text = f"{self.short_title} {self.value}"
            lines = [_centred(text, width, style, _background(style))]
        else:
            title_style = base + self.get_component_rich_style("kpi-title", partial=True)
            digits_style = base + self.get_component_rich_style("kpi-digits", partial=True)
            # Blank like the unused part of a Textual widget: background only.
            blank = Strip.blank(width, _background(base))
            # Digits as large as the tile holds (wall screen), else Textual's three rows.
            scale = min(self.largest_scale(), self.scale_limit)
            if scale >= MIN_BLOCK_SCALE:
                rows = block_digits.render(self.value, scale)
                digits = [
                    _centred(row, width, digits_style, _background(digits_style)) for row in rows
                ]
            else:
                rows = _digit_rows(self.value, digits_style)
                digits = [_centred(row, width, digits_style, digits_style) for row in rows]
            # Vertically centred when the tile is taller than its content (wall screen).
            top = max(0, (height - TITLE_ROWS - len(digits)) // 2)
            lines = [blank] * top + [
                _centred(
                    _ellipsised(self.title, width), width, title_style, _background(title_style)
                )
            ]
            lines += digits
            lines += [blank] * (height - len(lines))
        self._lines = (key, lines)
        return lines


def _digit_rows(value: str, style: Style) -> list[str]:
    """The three text rows of Textual's Digits font (heavy glyphs when the style is bold)."""
    segments = cast(Iterable[Segment], Digits(value).render(style))
    rows = "".join(segment.text for segment in segments)
    return rows.split("\n")[:3]


def _ellipsised(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _background(style: Style) -> Style:
    return Style(bgcolor=style.bgcolor)


def _centred(text: str, width: int, style: Style, pad: Style) -> Strip:
    """`text` centred on spaces in `pad`, segment for segment as Textual draws a label
    (pad: the background alone) or Digits (pad: the text's style), so screenshots match."""
    text = text[:width]
    left = (width - len(text)) // 2
    right = width - len(text) - left
    segments = [Segment(" " * left, pad)] if left else []
    segments.append(Segment(text, style + TEXT_META))
    if right:
        segments.append(Segment(" " * right, pad))
    return Strip(segments, width)
