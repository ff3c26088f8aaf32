"""Source, connection state and the clock in the centre's time zone."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
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

    # A one-line render, not Static.update: changing it every tick must not re-lay out the screen.
    line: reactive[Text] = reactive(Text, layout=False)

    def render(self) -> Text:
        return self.line

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        state = board.status.state
        self.set_class(board.stale_s is not None, "-stale")
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
        self.line = line
