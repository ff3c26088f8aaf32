"""Source, connection state and the clock in the centre's time zone."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from wallboard.tui.board import Board

STATE_SYMBOLS = {
    "live": "●",
    "connecting": "◌",
    "resyncing": "↻",
    "disconnected": "✖",
    "ended": "■",
}


class StatusBar(Widget):
    """The clock is the board's own instant (source time), so a replay shows its past."""

    def __init__(self, *, id: str = "status") -> None:
        super().__init__(id=id)
        self._board: Board | None = None

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        """A repaint of this line only (never a layout): the line is drawn at its current width."""
        if board is None:
            return
        self._board = board
        self.set_class(board.stale_s is not None, "-stale")
        self.refresh()

    def render(self) -> Text:
        board = self._board
        if board is None:
            return Text()
        state = board.status.state
        clock = board.local(board.now)
        mode = "REPLAY" if board.replay else "LIVE"
        left = Text(f" {board.label}  ")
        left.append(f"{STATE_SYMBOLS.get(state, '?')} {state}", style="bold")
        middle = f"{clock:%a %Y-%m-%d} {clock:%H:%M:%S} {clock:%Z}"
        right = f"{mode} "
        width = max(self.size.width, 40)
        gap = max(1, (width - len(middle)) // 2 - len(left.plain))
        line = left + Text(" " * gap) + Text(middle, style="bold")
        line.append(" " * max(1, width - len(line.plain) - len(right)))
        line.append(right, style="bold")
        return line
