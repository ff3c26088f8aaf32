"""The banner that makes a frozen board impossible to mistake for a live one."""

from __future__ import annotations

from textual.widgets import Static

from wallboard.tui import format as fmt
from wallboard.tui.board import Board


class StaleBanner(Static):
    """Hidden while the source delivers; otherwise says what happened and how old the data is."""

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        stale = board.stale_s
        self.display = stale is not None
        self.screen.set_class(stale is not None, "-stale")
        if stale is not None:
            status = board.status
            detail = f" ({status.detail})" if status.detail else ""
            if board.no_data:
                self.update(f"NO DATA YET: source {status.state}{detail}; nothing received so far")
            else:
                age = fmt.duration(stale)
                self.update(f"STALE DATA: source {status.state}{detail}; figures are {age} old")
