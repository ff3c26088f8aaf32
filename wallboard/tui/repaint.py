"""Repainting a widget's lines that read differently, and only those.

A widget that redraws itself in full for one new figure costs the compositor
every one of its lines (and every widget beside them); a KPI tile's title and
blank rows, or most rows of a sparkline, are as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


def repaint_changed(widget: Widget, old: Sequence[Strip], new: Sequence[Strip]) -> None:
    """Refresh the lines of `widget` where `new` differs from `old` (all when their number did)."""
    if len(old) != len(new):
        widget.refresh()
        return
    width = widget.size.width
    for y, (was, now) in enumerate(zip(old, new, strict=True)):
        if was != now:
            widget.refresh(Region(0, y, width, 1))
