"""Active alarms, loudest first: severity, rule, queue, value and age; `a` acknowledges.

The value reads `78%→81%` when the figure has moved since it fired the alarm (the
message keeps the one that fired it). Columns are as wide as what they hold and
the message takes the rest of the line; on a narrow screen the queue and rule
columns go first, since the message names both.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from wallboard.alarms.output import where
from wallboard.engine.snapshot import ActiveAlarm
from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.messages import AlarmAcknowledged

SEVERITY_SYMBOLS = {"critical": "▲▲", "warning": "▲", "info": "●"}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
SILENCE_S = 900.0
COLUMNS = ("sev", "rule", "queue", "value", "age", "message")
# Left out, in this order, while the message would not fit whole.
DROPPED_FIRST = ("queue", "rule")
CELL_PADDING = 2  # DataTable's padding, one cell either side


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
        self._alarms: list[ActiveAlarm] = []
        self._board: Board | None = None
        self._styled_with: tuple[Style, ...] = ()
        self._rows_shown: list[tuple[str, ...]] = []
        self._columns_shown: tuple[tuple[str, int], ...] = ()

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def on_resize(self) -> None:
        if self._board is not None:
            self.show_board(self._board)

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
                    where(alarm) or "all",  # a queue, or "agent ID" for an agent rule's
                    _value(alarm),
                    fmt.duration(board.elapsed(float(alarm["since"]))),
                    str(alarm.get("message") or ""),
                )
            )
        if not rows:
            # No figures yet is not "all clear": no rule has had anything to judge.
            empty = (
                ("… no data", "No figures yet")
                if board.no_data
                else ("✓ all clear", "No active alarms")
            )
            rows = [("", empty[0], "", "", "", "", empty[1])]
        styles = self._alarm_styles()
        columns = _fit([row[1:] for row in rows], self.scrollable_content_region.width)
        if (rows, styles, columns) == (self._rows_shown, self._styled_with, self._columns_shown):
            return  # a quiet strip (or a paused one) stays as drawn
        row = self.cursor_row
        self.clear(columns=columns != self._columns_shown)
        if columns != self._columns_shown:
            for key, width in columns:
                self.add_column(key, width=width, key=key)
        self._rows_shown, self._styled_with, self._columns_shown = rows, styles, columns
        shown = [COLUMNS.index(key) for key, _ in columns]
        for style, *cells in rows:
            # Colour and weight only: a background of its own would hide the cursor's
            # under the severity (light text on the light alert tint, unreadable).
            rich = self.get_component_rich_style(style) if style else Style()
            rich = Style.from_color(rich.color) + rich.without_color
            texts: list[Text | str] = [Text(cells[0], style=rich), Text(cells[1], style=rich)]
            texts += cells[2:]
            self.add_row(*(texts[i] for i in shown))
        if alarms:
            self.move_cursor(row=min(max(row, 0), len(alarms) - 1), animate=False)

    def action_acknowledge(self) -> None:
        if 0 <= self.cursor_row < len(self._alarms):
            self.post_message(AlarmAcknowledged(self._alarms[self.cursor_row]))

    def action_silence(self) -> None:
        if 0 <= self.cursor_row < len(self._alarms):
            self.post_message(AlarmAcknowledged(self._alarms[self.cursor_row], SILENCE_S))


def _value(alarm: ActiveAlarm) -> str:
    """The figure now, after the one that fired the alarm when they read differently."""
    metric = str(alarm.get("metric", ""))
    now = fmt.metric(metric, alarm.get("value"))
    fired = fmt.metric(metric, alarm.get("fired_value", alarm.get("value")))
    return now if fired == now else f"{fired}→{now}"


def _fit(rows: list[tuple[str, ...]], width: int) -> tuple[tuple[str, int], ...]:
    """The columns shown and their widths: each as wide as its widest cell, the message the
    rest of the line; the columns the message repeats go while it would be cut."""
    widths = {key: max(len(row[i]) for row in rows) for i, key in enumerate(COLUMNS)}
    shown = list(COLUMNS)
    for key in (None, *DROPPED_FIRST):
        if key is not None:
            shown.remove(key)
        room = width - sum(widths[k] + CELL_PADDING for k in shown if k != "message")
        if room - CELL_PADDING >= widths["message"]:
            break
    message = max(room - CELL_PADDING, widths["message"] if width <= 0 else 1)
    return tuple((key, message if key == "message" else widths[key]) for key in shown)


def _acknowledged(alarm: ActiveAlarm) -> bool:
    return bool(alarm.get("acknowledged_by") or alarm.get("silenced_until"))
