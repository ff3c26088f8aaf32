"""A progress bar on stderr for long reads, drawn only when stderr is a terminal."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

REDRAW_S = 0.1


class Progress:
    """`done` of `total` bytes, redrawn at most ten times a second on one line.

    Quiet when the stream is not a terminal (a pipe, a log file, CI), so a
    report's stderr holds only what someone must read.
    """

    def __init__(
        self, total: int, stream: TextIO | None = None, *, enabled: bool | None = None
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(total, 1)
        self.done = 0
        self.label = ""
        self.lines = 0
        self._drawn_at = -REDRAW_S
        self._width = 0

    def update(self, done: int, label: str, lines: int) -> None:
        self.done, self.label, self.lines = done, label, lines
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn_at >= REDRAW_S:
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        columns = shutil.get_terminal_size((80, 24)).columns
        fraction = min(self.done / self.total, 1.0)
        text = f" {fraction:4.0%}  {self.lines:,} lines  {self.label}"
        bar_width = max(10, min(40, columns - len(text) - 4))
        filled = round(bar_width * fraction)
        line = f"[{'#' * filled}{'.' * (bar_width - filled)}]{text}"[: columns - 1]
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()

    def close(self) -> None:
        """Take the bar off the screen (what follows starts on a clean line)."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
