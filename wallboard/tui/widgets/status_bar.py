"""Source, connection state and the clock in the centre's time zone."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from wallboard.tui.board import Board

# Fewer characters than this left for the source's name: the date makes room.
MIN_LABEL = 12
STATE_SYMBOLS = {
    "live": "●",
    "connecting": "◌",
    "resyncing": "↻",
    "disconnected": "✖",
    "ended": "■",
}


class StatusBar(Widget):
    """The clock is the board's own instant (source time), so a replay shows its past.

    A replay shows how it plays (`▶ 60x`, `‖ paused`), never the recorded source's
    `● live`, but a recorded outage follows it (`✖ disconnected (recorded)`).
    What the source cannot see (`SourceStatus.limits`: an AMI user without the
    dialplan class...) follows the state after a `⚠`. When the line is short
    the source's name gives way first, then the date, then that note:
    the mode (LIVE, REPLAY, or ENDED once a fed file is played out) and the time
    always show.
    """

    def __init__(self, *, id: str = "status") -> None:
        super().__init__(id=id)
        self._board: Board | None = None
        self._line: Text | None = None  # as drawn, for the width it was drawn at
        self._width = 0

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        """A repaint of this line only (never a layout), and only when it reads differently:
        at 1x the clock moves once a second, and the board ticks four times."""
        if board is None:
            return
        self._board = board
        self.set_class(board.stale_s is not None, "-stale")
        line = self._draw(board, self.size.width)
        if line != self._line:
            self._line, self._width = line, self.size.width
            self.refresh()

    def render(self) -> Text:
        board = self._board
        if board is None:
            return Text()
        if self._line is None or self._width != self.size.width:
            self._line, self._width = self._draw(board, self.size.width), self.size.width
        return self._line

    def _draw(self, board: Board, width: int) -> Text:
        clock = board.local(board.now)
        right = _mode(board)
        state = _state(board)
        time = f"{clock:%H:%M:%S} {clock:%Z}"
        middle = "no data yet" if board.no_data else f"{clock:%a %Y-%m-%d} {time}"
        # Room for the name: the line less the state, the clock and the mode, a space
        # or two between each; below a few characters the date goes instead.
        limits = board.status.limits
        note = f"  ⚠ {'; '.join(limits)}" if limits else ""
        room = width - len(state) - len(note) - len(middle) - len(right) - 5
        if room < MIN_LABEL and not board.no_data:
            middle = time
            room = width - len(state) - len(note) - len(middle) - len(right) - 5
        if room < MIN_LABEL and note:  # the name goes; the note keeps what room is left
            note = _ellipsised(note, len(note) + room)
            room = 0
        label = _ellipsised(board.label, room)
        left = Text(f" {label}  " if label else " ")
        left.append(state, style="bold")
        left.append(note, style="bold")
        gap = max(1, (width - len(middle)) // 2 - len(left.plain))
        line = left + Text(" " * gap) + Text(middle, style="bold")
        line.append(" " * max(1, width - len(line.plain) - len(right)))
        line.append(right, style="bold")
        return line


def _mode(board: Board) -> str:
    """LIVE only while a source can still move the figures: a played-out file has ended."""
    if board.replay:
        return "REPLAY "
    return "ENDED " if board.status.state == "ended" else "LIVE "


def _state(board: Board) -> str:
    replay = board.replay
    if replay is None:
        state = board.status.state
        return f"{STATE_SYMBOLS.get(state, '?')} {state}"
    play = (
        "■ end"
        if replay.position >= replay.end
        else ("‖ paused" if replay.paused else f"▶ {replay.speed:g}x")
    )
    # A trainer shows the outage the recording holds: the recorded state, marked as such.
    recorded = board.status.state
    if recorded in ("live", "ended"):
        return play
    return f"{play}  {STATE_SYMBOLS.get(recorded, '?')} {recorded} (recorded)"


def _ellipsised(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: width - 1] + "…" if width > 1 else ""
