"""A sortable table that changes only the cells that changed.

Rebuilding a 500-row table four times a second would cost the whole refresh
budget and lose the cursor; rows are rebuilt only when the set or order of
keys changes, otherwise only the cells whose text or style changed are
replaced, all in one batch with a single repaint (time in state ticks on every
agent row every second, so this path runs for hundreds of cells each tick).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.reactive import reactive
from textual.widgets import DataTable

from wallboard.tui.board import Board


class Styled(NamedTuple):
    """A cell in a themed style; compared by value so an unchanged cell costs no Rich Text."""

    text: str
    component: str
    justify: str = "left"


Cell = Styled | str
# Visible cells times cursor, hover, zebra and focus variants, with room to spare.
RENDERED_CELLS = 4096
Row = tuple[str, tuple[Cell, ...], tuple[Any, ...]]  # key, cells, sort values per column


class BoardTable(DataTable[Text | str]):
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
        self._styles: dict[str, Style] = {}
        self._rendered: LRUCache[tuple[Any, ...], tuple[Text | str, list[list[Segment]]]] = (
            LRUCache(RENDERED_CELLS)
        )
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
        rows = self.board_rows(board)
        if filter_text:
            rows = [r for r in rows if self.matches(board, r[0], filter_text)]
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
                self.add_row(*map(self._render, cells), key=key)
            self._keys = keys
            if selected in keys:
                self.move_cursor(row=keys.index(selected), animate=False)
        else:
            self._replace_changed(rows)
        self._cells = {key: cells for key, cells, _ in rows}

    def _replace_changed(self, rows: Sequence[Row]) -> None:
        """`update_cell` repaints and drops every render cache per call; one batch does it once.

        The row and column keys are the ones `add_row`/`add_column` were given, so
        they index the table's data directly.
        """
        data = self._data
        labels = [label for label, _ in self.COLUMNS]
        changed = False
        for key, cells, _ in rows:
            old = self._cells.get(key)
            if old == cells:
                continue
            row = data[key]  # type: ignore[index]
            for i, cell in enumerate(cells):
                if old is None or old[i] != cell:
                    row[labels[i]] = self._render(cell)  # type: ignore[index]
                    changed = True
        if changed:
            self._update_count += 1
            self.refresh()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable re-renders every visible cell after any change; only changed cells need it.

        A cell's value object is replaced exactly when it changes, so a cached
        render is reused while the very same value sits at the same place in the
        same style.
        """
        if row_index < 0 or column_index < 0:  # the header
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        value = self._data[row_key][self._column_locations.get_key(column_index)]
        key = (
            row_key,
            row_index,
            column_index,
            base_style,
            width,
            cursor,
            hover,
            self.show_cursor,
            self._show_hover_cursor,
            self._pseudo_class_state,
        )
        cached = self._rendered.get(key)
        if cached is not None and cached[0] is value:
            return cached[1]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._rendered[key] = (value, lines)
        return lines

    def _render(self, cell: Cell) -> Text | str:
        """Rich Text for a styled cell; colours come from the theme's TCSS, not from code."""
        if isinstance(cell, str):
            return cell
        style = self._styles.get(cell.component)
        if style is None:
            style = self._styles[cell.component] = self.get_component_rich_style(cell.component)
        return Text(cell.text, style=style, justify=cell.justify)  # type: ignore[arg-type]

    def _refilter(self, _text: str) -> None:
        self.show_board(self._board)

    def _restyle(self, _name: str) -> None:
        self._styles = {}
        self._rendered.clear()
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


def _sort_key(column: int) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = row[2][column]
        # Unknown values (None) sort last whatever the direction of the rest.
        return (value is None, value if value is not None else 0)

    return key
