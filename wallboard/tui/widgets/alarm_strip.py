"""Active alarms, loudest first: severity, rule, queue, value and age; `a` acknowledges."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.messages import AlarmAcknowledged

SEVERITY_SYMBOLS = {"critical": "▲▲", "warning": "▲", "info": "●"}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
SILENCE_S = 900.0


class AlarmStrip(DataTable[Text | str]):
    """Calm (one quiet line) when all is well; the strip lights up while any alarm is active."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "severity--critical",
        "severity--warning",
        "severity--info",
        "alarm--acknowledged",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge", tooltip="Acknowledge the selected alarm"),
        Binding(
            "x",
            "silence",
            "Silence 15 min",
            tooltip=f"Silence the selected alarm for {SILENCE_S / 60:.0f} minutes",
        ),
    ]

    def __init__(self, *, id: str = "alarms") -> None:
        super().__init__(id=id, cursor_type="row", show_header=False)
        self._alarms: list[dict[str, Any]] = []
        self._board: Board | None = None
        self._styled_with: tuple[Style, ...] = ()
        self._rows_shown: list[tuple[str, ...]] = []

    def on_mount(self) -> None:
        for label, width in (
            ("sev", 16),
            ("rule", 16),
            ("queue", 10),
            ("value", 6),
            ("age", 8),
            ("message", 60),
        ):
            self.add_column(label, width=width, key=label)
        self.watch(self.app, "board", self.show_board)

    def _alarm_styles(self) -> tuple[Style, ...]:
        return tuple(self.get_component_rich_style(name) for name in sorted(self.COMPONENT_CLASSES))

    def notify_style_update(self) -> None:
        """Rows carry their colours: redo them when the theme, focus or alert state changes them.

        (A paused replay publishes no new board to do it.)
        """
        super().notify_style_update()
        if self._board is not None and self._alarm_styles() != self._styled_with:
            self.call_later(self.show_board, self._board)

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        self._board = board
        alarms = sorted(
            board.alarms, key=lambda a: (SEVERITY_ORDER.get(a.get("severity", ""), 9), a["since"])
        )
        self.set_class(bool(alarms), "-active")
        self.set_class(
            any(a.get("severity") == "critical" and not _acknowledged(a) for a in alarms),
            "-critical",
        )
        self._alarms = alarms
        # (style, severity text, rule, queue, value, age, message) per row
        rows: list[tuple[str, ...]] = []
        for alarm in alarms:
            severity = str(alarm.get("severity", "warning"))
            mark = (
                "quiet " if alarm.get("silenced_until") else "ack " if _acknowledged(alarm) else ""
            )
            rows.append(
                (
                    "alarm--acknowledged" if _acknowledged(alarm) else f"severity--{severity}",
                    f"{SEVERITY_SYMBOLS.get(severity, '!')} {mark}{severity}",
                    str(alarm["rule"]),
                    str(alarm.get("queue") or "all"),
                    fmt.metric(str(alarm.get("metric", "")), alarm.get("value")),
                    fmt.duration(board.now - float(alarm["since"])),
                    str(alarm.get("message") or ""),
                )
            )
        styles = self._alarm_styles()
        if rows == self._rows_shown and styles == self._styled_with and self.row_count:
            return  # a quiet strip (or a paused one) stays as drawn
        self._rows_shown, self._styled_with = rows, styles
        row = self.cursor_row
        self.clear()
        if not rows:
            self.add_row(Text("✓ all clear"), "No active alarms", "", "", "", "")
            return
        for style, severity, rule, *plain in rows:
            rich = self.get_component_rich_style(style)
            self.add_row(Text(severity, style=rich), Text(rule, style=rich), *plain)
        self.move_cursor(row=min(max(row, 0), len(alarms) - 1), animate=False)

    def action_acknowledge(self) -> None:
        if 0 <= self.cursor_row < len(self._alarms):
            self.post_message(AlarmAcknowledged(self._alarms[self.cursor_row]))

    def action_silence(self) -> None:
        if 0 <= self.cursor_row < len(self._alarms):
            self.post_message(AlarmAcknowledged(self._alarms[self.cursor_row], SILENCE_S))


def _acknowledged(alarm: dict[str, Any]) -> bool:
    return bool(alarm.get("acknowledged_by") or alarm.get("silenced_until"))
