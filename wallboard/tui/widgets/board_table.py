"""A sortable table that changes only the cells that changed.

Rebuilding a 500-row table four times a second would cost the whole refresh
budget and lose the cursor; rows are rebuilt only when the set or order of
keys changes, otherwise single cells are updated in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import DataTable

from wallboard.tui.board import Board

Cell = Text | str
Row = tuple[str, tuple[Cell, ...], tuple[Any, ...]]  # key, cells, sort values per column


class BoardTable(DataTable[Cell]):
    """Subclasses define COLUMNS (label, width) and `rows(board)`; sorting is shared."""

    COLUMNS: ClassVar[tuple[tuple[str, int], ...]] = ()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort", tooltip="Sort by the next column"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
    ]

    sort_column: reactive[int] = reactive(0)
    sort_reverse: reactive[bool] = reactive(False)

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._board: Board | None = None

    def on_mount(self) -> None:
        for label, width in self.COLUMNS:
            self.add_column(label, width=width, key=label)
        self.watch(self.app, "board", self.show_board)
        self.watch(self.app, "filter_text", self._refilter)
        self.watch(self.app, "board_theme", self._restyle)

    def board_rows(self, board: Board) -> list[Row]:
        raise NotImplementedError

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        return filter_text.lower() in key.lower()

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        self._board = board
        filter_text: str = getattr(self.app, "filter_text", "")
        rows = [r for r in self.board_rows(board) if self.matches(board, r[0], filter_text)]
        column = min(self.sort_column, len(self.COLUMNS) - 1)
        rows.sort(key=_sort_key(column), reverse=self.sort_reverse)
        self._show(rows)

    def _show(self, rows: Sequence[Row]) -> None:
        keys = [key for key, _, _ in rows]
        if keys != self._keys:
            selected = (
                self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None
            )
            self.clear()
            for key, cells, _ in rows:
                self.add_row(*cells, key=key)
            self._keys = keys
            if selected in keys:
                self.move_cursor(row=keys.index(selected), animate=False)
        else:
            labels = [label for label, _ in self.COLUMNS]
            for key, cells, _ in rows:
                old = self._cells.get(key, ())
                for i, cell in enumerate(cells):
                    if i >= len(old) or old[i] != cell:
                        self.update_cell(key, labels[i], cell)
        self._cells = {key: cells for key, cells, _ in rows}

    def _refilter(self, _text: str) -> None:
        self.show_board(self._board)

    def _restyle(self, _name: str) -> None:
        self._cells = {}
        self.show_board(self._board)

    def watch_sort_column(self) -> None:
        self.show_board(self._board)

    def watch_sort_reverse(self) -> None:
        self.show_board(self._board)

    def action_sort_next(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(self.COLUMNS)

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_index == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = event.column_index

    def styled(self, text: str, component: str, justify: str = "left") -> Text:
        """Text in a themed style: colours come from the theme's TCSS, not from code."""
        return Text(text, style=self.get_component_rich_style(component), justify=justify)  # type: ignore[arg-type]


def _sort_key(column: int) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = row[2][column]
        # Unknown values (None) sort last whatever the direction of the rest.
        return (value is None, value if value is not None else 0)

    return key
