"""Replay position, speed and pause state; click on the bar to jump there."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.messages import SeekRequested


class ReplayBar(Widget):
    """Shown only in replays: `▶ 60x  09:12:30  [=====>----]  +1:12:30 / 8:00:00`."""

    def __init__(self, *, id: str = "replay-bar") -> None:
        super().__init__(id=id)
        self._bar_start = 0
        self._bar_width = 0
        self._board: Board | None = None
        self._line: Text | None = None  # as drawn, for the width it was drawn at
        self._width = 0

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)
        self.watch(self.app, "seeking_to", self._seeking, init=False)

    def _seeking(self, _: float | None) -> None:
        self._redraw()

    def show_board(self, board: Board | None) -> None:
        """A repaint of this line only (never a layout), and only when it reads differently:
        at 1x its clock and bar move once a second, and the board ticks four times."""
        if board is None:
            return
        self.display = board.replay is not None
        self._board = board
        self._redraw()

    def _redraw(self) -> None:
        line = self._draw(self.size.width)
        if line != self._line:
            self._line, self._width = line, self.size.width
            self.refresh()

    def render(self) -> Text:
        if self._line is None or self._width != self.size.width:
            self._line, self._width = self._draw(self.size.width), self.size.width
        return self._line

    def _draw(self, width: int) -> Text:
        board = self._board
        if board is None or board.replay is None:
            return Text()
        replay = board.replay
        span = max(replay.end - replay.start, 1e-9)
        done = (replay.position - replay.start) / span
        state = "‖ PAUSED" if replay.paused else "▶ PLAYING"
        if replay.position >= replay.end:
            state = "■ END"
        seeking_to: float | None = getattr(self.app, "seeking_to", None)
        if seeking_to is not None:
            state = f"⧗ SEEKING to {board.local(seeking_to):%H:%M:%S}…"
        head = f" {state} {replay.speed:g}x  {board.local(replay.position):%H:%M:%S}  "
        tail = (
            f"  {fmt.duration(board.elapsed(replay.start))} / "
            f"{fmt.duration(replay.end - replay.start)} "
        )
        bar_width = max(10, width - len(head) - len(tail) - 2)
        filled = round(done * bar_width)
        self._bar_start, self._bar_width = len(head) + 1, bar_width
        line = Text(head, style="bold")
        line.append("[")
        line.append("=" * max(0, filled - 1) + (">" if filled else ""), style="bold")
        line.append("-" * (bar_width - filled))
        line.append("]")
        line.append(tail)
        return line

    def on_click(self, event: events.Click) -> None:
        board = self._board
        if board is None or board.replay is None or self._bar_width <= 0:
            return
        fraction = (event.x - self._bar_start) / self._bar_width
        if 0.0 <= fraction <= 1.0:
            replay = board.replay
            self.post_message(SeekRequested(replay.start + fraction * (replay.end - replay.start)))
