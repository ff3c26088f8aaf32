"""The callers to ring back: every abandon not reached since, oldest first (docs/ENGINE.md)."""

from __future__ import annotations

from typing import ClassVar

from wallboard.engine.snapshot import CallbackEntry
from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Row, Styled


class CallbackList(BoardTable):
    """One row per number: when it last abandoned, how long ago, where, how often.

    Sorted by its first column, the last abandon, so the caller who has waited
    longest for a call back is on top.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"callback--once", "callback--again"}
    COLUMNS = (
        ("Abandoned", 9),
        ("Ago", 7),
        ("Number", 14),
        ("Queue", 10),
        ("Waited", 6),
        ("Tries", 5),
    )
    FLEXIBLE = (2, 3)  # number, queue

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._entries: dict[str, CallbackEntry] = {}

    def board_rows(self, board: Board) -> list[Row]:
        now = board.now
        rows: list[Row] = []
        entries: dict[str, CallbackEntry] = {}
        for entry in board.snapshot.get("callbacks", []):
            at = float(entry["at"])
            attempts = int(entry["attempts"])
            # A caller who tried more than once stands out: they want that call.
            component = "callback--again" if attempts > 1 else "callback--once"
            ago = now - at
            cells = (
                board.local(at).strftime("%H:%M:%S"),
                Styled(fmt.duration(ago), component, "right"),
                entry["number"],
                entry["queue"],
                Styled(fmt.duration(entry["wait_s"]), component, "right"),
                Styled(str(attempts), component, "right"),
            )
            key = f"{entry['first_at']!r} {entry['number']}"
            entries[key] = entry
            sort = (at, ago, entry["number"], entry["queue"], entry["wait_s"], attempts)
            rows.append((key, cells, sort))
        self._entries = entries
        self.show_title(f"Callbacks {len(rows)}")
        return rows

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        """By number (or the digits typed of it), or by a queue it abandoned."""
        needle = filter_text.lower()
        entry = self._entries[key]
        return needle in entry["number"].lower() or any(
            needle in q.lower() for q in entry["queues"]
        )
