"""The last hours at a glance: SL and offered calls per interval, calls waiting per minute."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.trend_line import TrendLine


class TrendsPanel(Widget):
    """Completed intervals from the trend history, then the interval in progress."""

    def compose(self) -> ComposeResult:
        # A rate's bars stand against 100 %; counts against their largest.
        for key, ceiling in (("sl", 1.0), ("offered", None), ("waiting", None)):
            with Horizontal(classes="trend-row"):
                yield Label("", id=f"trend-{key}-label", classes="trend-label")
                yield TrendLine(id=f"trend-{key}", classes="trend-line", ceiling=ceiling)

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        history = board.history
        interval = board.snapshot["all"]["interval"]
        intervals = list(history.intervals)
        sl = [s.service_level for s in intervals] + [interval["service_level"]]
        offered = [s.offered for s in intervals] + [interval["offered"]]
        waiting = [w for _, w in history.waiting] + [board.snapshot["all"]["waiting"]]
        minutes = round(board.config.interval_s / 60)
        self._show("sl", f"SL/{minutes}m {fmt.percent(sl[-1])}", sl)
        self._show("offered", f"Offered/{minutes}m {offered[-1]}", offered)
        self._show("waiting", f"Waiting/min {waiting[-1]}", waiting)

    def _show(self, key: str, label: str, data: Sequence[float | None]) -> None:
        title = self.query_one(f"#trend-{key}-label", Label)
        if str(title.content) != label:
            # One line of a fixed width (app.tcss): a new text never moves anything else,
            # so it is a repaint of the label, never a layout of the screen.
            title.update(label, layout=False)
        self.query_one(f"#trend-{key}", TrendLine).values = tuple(data)
