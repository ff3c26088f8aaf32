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

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)
        self.watch(self.app, "seeking_to", self._seeking, init=False)

    def _seeking(self, _: float | None) -> None:
        self.refresh()

    def show_board(self, board: Board | None) -> None:
        """A repaint of this line only (never a layout): the bar is drawn at its current width."""
        if board is None:
            return
        self.display = board.replay is not None
        self._board = board
        self.refresh()

    def render(self) -> Text:
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
            f"  {fmt.duration(replay.position - replay.start)} / "
            f"{fmt.duration(replay.end - replay.start)} "
        )
        width = max(10, self.size.width - len(head) - len(tail) - 2)
        filled = round(done * width)
        self._bar_start, self._bar_width = len(head) + 1, width
        line = Text(head, style="bold")
        line.append("[")
        line.append("=" * max(0, filled - 1) + (">" if filled else ""), style="bold")
        line.append("-" * (width - filled))
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
