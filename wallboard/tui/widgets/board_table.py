"""A sortable table that paints only the rows on screen, each from a per-row cache.

Time in state changes on every agent row every second, so a 500-row board
changes almost entirely each tick. A general-purpose table re-renders cells
through Rich for that; this one builds a visible row's line straight from its
cell texts, and keeps it while the row's cells, its place (zebra, cursor) and
the theme stay the same, so an unchanged row costs one dict lookup.

A time-in-state cell holds the instant it counts from (`Since`), not its text:
a row then reads the same until its agent changes, so a board whose rows are
all as they were is not sorted, fitted or compared again, and only the shown
lines are repainted when the clock's second moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from wallboard.tui.board import Board
from wallboard.tui.format import duration


class Styled(NamedTuple):
    """A cell in a themed style; compared by value so an unchanged cell costs nothing."""

    text: str
    component: str
    justify: str = "left"


class Since(NamedTuple):
    """Seconds from an instant to the board's, as the clock reads them (`Board.elapsed`)."""

    at: float
    component: str

    def read(self, board: Board) -> Styled:
        return Styled(duration(board.elapsed(self.at)), self.component, "right")


Cell = Styled | Since | str
Row = tuple[str, tuple[Cell, ...], tuple[Any, ...]]  # key, cells, sort values per column
CELL_PADDING = 1  # blank cells either side of every column
SORT_ASCENDING, SORT_DESCENDING = "▲", "▼"
# Cells on screen in each of their row styles, with room for a tick's changes.
CELLS_KEPT = 4096
PART_CLASSES = (
    "board-table--header",
    "board-table--even-row",
    "board-table--odd-row",
    "board-table--cursor",
)


class BoardTable(ScrollView, can_focus=True):
    """Subclasses define COLUMNS (label, width) and `board_rows(board)`; the rest is shared.

    The widths are the least a column gets; the FLEXIBLE ones (names, lists) widen to
    their longest cell while the table has room, and a cell still too long ends in `…`.
    """

    COLUMNS: ClassVar[tuple[tuple[str, int], ...]] = ()
    FLEXIBLE: ClassVar[tuple[int, ...]] = ()
    # The column of `Since` cells, if any: it reads differently at every second of the clock.
    TICKING: ClassVar[int | None] = None
    COMPONENT_CLASSES: ClassVar[set[str]] = set(PART_CLASSES)
    SORT_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort", tooltip="Sort by the next column"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        *SORT_BINDINGS,
        Binding("up", "cursor_by(-1)", "Cursor up", show=False),
        Binding("down", "cursor_by(1)", "Cursor down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First row", show=False),
        Binding("end", "cursor_to(-1)", "Last row", show=False),
    ]

    sort_column: reactive[int] = reactive(0)
    sort_reverse: reactive[bool] = reactive(False)
    cursor_row: reactive[int] = reactive(0, always_update=True)

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._rows: list[Row] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._board: Board | None = None
        # What the rows were made of and how they were read (filter, sort, width), and the
        # clock's second the shown lines were last painted at.
        self._read_as: tuple[list[Row], tuple[Any, ...]] | None = None
        self._second: int | None = None
        self._title = ""
        # The cursor follows its row through re-sorts once the supervisor has put it
        # there; until then it stays on the first row, and the table at its top.
        self._placed = False
        self._palette: tuple[Any, ...] = ()
        # False until the styles are read after a CSS change (theme, focus, classes).
        self._palette_read = False
        self._styles: dict[str, Style] = {}
        self._header: Strip | None = None
        # Per row key: the line drawn and what it was drawn from.
        self._strips: dict[str, _Line] = {}
        self._cell_segments: LRUCache[tuple[Any, ...], tuple[Segment, ...]] = LRUCache(CELLS_KEPT)
        self._widths: list[int] = []
        self._starts: list[int] = []
        self._set_widths([width for _, width in self.COLUMNS])

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)
        self.watch(self.app, "filter_text", self._refilter)

    def on_resize(self) -> None:
        self.show_board(self._board)

    # ------------------------------------------------------------ rows

    def board_rows(self, board: Board) -> list[Row]:
        raise NotImplementedError

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        return filter_text.lower() in key.lower()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def keys(self) -> list[str]:
        """Row keys in the order shown."""
        return list(self._keys)

    def cells(self, key: str) -> tuple[Styled | str, ...]:
        """A row's cells: their texts and the styles they are drawn in."""
        return self._read(self._rows[self._index[key]][1])

    def _read(self, cells: tuple[Cell, ...]) -> tuple[Styled | str, ...]:
        board = self._board
        assert board is not None
        return tuple(cell.read(board) if isinstance(cell, Since) else cell for cell in cells)

    def texts(self, key: str) -> tuple[str, ...]:
        """What each cell of a row reads."""
        return tuple(_text(cell) for cell in self.cells(key))

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        self._board = board
        if not self.display:
            # A hidden table (the team table, the callback list) builds no rows: shown
            # again it gets a Resize, which draws the board it kept.
            return
        filter_text: str = getattr(self.app, "filter_text", "")
        rows = self.board_rows(board)
        column = min(self.sort_column, len(self.COLUMNS) - 1)
        view = (filter_text, column, self.sort_reverse, self.scrollable_content_region.width)
        second = math.floor(board.now)
        ticked = self.TICKING is not None and second != self._second
        self._second = second
        if self._read_as is not None and self._read_as[1] == view and self._read_as[0] == rows:
            # The same rows read the same way: only what counts from an instant moved.
            if ticked:
                self._repaint_shown()
            return
        self._read_as = (rows, view)
        if filter_text:
            rows = [r for r in rows if self.matches(board, r[0], filter_text)]
        rows = sorted(rows, key=_sort_key(column), reverse=self.sort_reverse)
        widths = self._fitted_widths(rows)
        if widths != self._widths:
            self._set_widths(widths)
            self._keys = []  # every line is drawn anew
        self._show(rows, ticked)

    def _fitted_widths(self, rows: list[Row]) -> list[int]:
        """The least widths, then the room left shared among the flexible columns that
        need it, none wider than its longest cell."""
        widths = [width for _, width in self.COLUMNS]
        room = self.scrollable_content_region.width - sum(widths) - 2 * CELL_PADDING * len(widths)
        need = {}
        for column in self.FLEXIBLE if room > 0 else ():
            # Each distinct cell once: 500 agents share a few reasons and queue lists.
            cells = {row[1][column] for row in rows}
            longest = max((_width(_text(cell)) for cell in cells), default=0)
            if longest > widths[column]:
                need[column] = longest - widths[column]
        while room > 0 and need:
            share = max(1, room // len(need))
            for column in list(need):
                given = min(share, need[column], room)
                widths[column] += given
                room -= given
                need[column] -= given
                if not need[column]:
                    del need[column]
        return widths

    def _set_widths(self, widths: list[int]) -> None:
        self._widths = widths
        padded = [width + 2 * CELL_PADDING for width in widths]
        self._starts = [sum(padded[:i]) for i in range(len(padded) + 1)]
        self._header = None
        self._strips = {}
        self._cell_segments.clear()

    def _show(self, rows: list[Row], ticked: bool) -> None:
        old = self._rows
        selected = old[self.cursor_row][0] if 0 <= self.cursor_row < len(old) else None
        self._rows = rows
        keys = [key for key, _, _ in rows]
        if keys != self._keys:
            self._keys = keys
            self._index = {key: i for i, key in enumerate(keys)}
            self._strips = {k: v for k, v in self._strips.items() if k in self._index}
            self.virtual_size = Size(self._starts[-1], len(rows) + 1)
            cursor = self.cursor_row
            if selected and self._placed:
                cursor = self._index.get(selected, cursor)
            self.cursor_row = min(cursor, max(len(rows) - 1, 0))
            self.refresh()
            return
        # Same rows in the same order: repaint just the lines on screen that read differently.
        self._repaint_shown(None if ticked else lambda i: rows[i][1] != old[i][1])

    def _repaint_shown(self, changed: Callable[[int], bool] | None = None) -> None:
        """Repaint the rows on screen that `changed` picks (all when None), each run of them
        on its own: the lines between are as they were (line 0 is the header)."""
        top = int(self.scroll_y)
        shown = range(top, min(top + self.scrollable_content_region.height, len(self._rows)))
        lines = [index for index in shown if changed is None or changed(index)]
        for first, last in _runs(lines):
            self.refresh_lines(first + 1, last - first + 1)

    def show_title(self, title: str) -> None:
        """The border title as written (never markup: `[agents]` is a config section), set
        only when it reads differently: Textual parses and restyles a title on every set."""
        if title != self._title:
            self._title = title
            self.border_title = Content(title)

    def _refilter(self, _text: str) -> None:
        self.show_board(self._board)

    # ------------------------------------------------------------ painting

    def render_lines(self, crop: Region) -> list[Strip]:
        self._check_palette()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            if self._header is None:
                self._header = self._header_line(width)
            line = self._header
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            line = self._row_line(index, width)
        return line.crop(scroll_x, scroll_x + width)

    def _row_line(self, index: int, width: int) -> Strip:
        """A row's line, kept while its cells and place stay; when only its `Since` cell
        reads differently (each second), the segments either side of it are kept too."""
        key, cells, _ = self._rows[index]
        cursor = index == self.cursor_row
        place = (cells, index % 2, cursor)
        tick = self.TICKING
        ticking = None if tick is None else self._read(cells[tick : tick + 1])[0]
        cached = self._strips.get(key)
        if cached is not None and cached.place == place:
            if cached.ticking == ticking:
                return cached.line
            before, after, row_style = cached.before, cached.after, cached.row_style
        else:
            styles = self._styles
            row_style = styles["board-table--odd-row" if index % 2 else "board-table--even-row"]
            if cursor:
                row_style += styles["board-table--cursor"]
            split = len(cells) if tick is None else tick
            before = self._segments(cells[:split], 0, row_style, cursor)
            after = self._segments(cells[split + 1 :], split + 1, row_style, cursor)
            table_width = self._starts[-1]
            if width > table_width:
                after.append(Segment(" " * (width - table_width), row_style))
            after = list(Segment.simplify(after))
        segments = before
        if ticking is not None:
            assert tick is not None
            segments = [*before, *self._cell_segments_of(ticking, tick, row_style, cursor), *after]
        elif after:
            segments = [*before, *after]
        line = Strip(segments, max(width, self._starts[-1]))
        self._strips[key] = _Line(place, ticking, line, before, after, row_style)
        return line

    def _segments(
        self, cells: Sequence[Cell], first: int, row_style: Style, cursor: bool
    ) -> list[Segment]:
        """The cells' segments (columns from `first` on), neighbours in one style joined."""
        segments: list[Segment] = []
        for column, cell in enumerate(self._read(tuple(cells)), first):
            segments += self._cell_segments_of(cell, column, row_style, cursor)
        return list(Segment.simplify(segments))

    def _cell_segments_of(
        self, cell: Styled | str, column: int, row_style: Style, cursor: bool
    ) -> tuple[Segment, ...]:
        key = (cell, column, row_style, cursor)
        segments = self._cell_segments.get(key)
        if segments is None:
            segments = self._cell_segments[key] = self._cell(cell, column, row_style, cursor)
        return segments

    def _cell(
        self, cell: Styled | str, column: int, row_style: Style, cursor: bool
    ) -> tuple[Segment, ...]:
        """One cell's segments; most cells of a row are as they were last tick, so they are kept."""
        column_width = self._widths[column]
        pad = " " * CELL_PADDING
        if isinstance(cell, str):
            return (Segment(pad + _fitted(cell, column_width) + pad, row_style),)
        text = cell.text
        if cell.justify == "right" and cell_len(text) < column_width:
            text = text.rjust(column_width)
        style = row_style + self._styles[cell.component]
        if cursor:
            style += Style(color=row_style.color)  # the cursor's colour reads over any cell's
        return (
            Segment(pad, row_style),
            Segment(_fitted(text, column_width), style),
            Segment(pad, row_style),
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette_read = False

    def _check_palette(self) -> None:
        """Drop every cached line when the theme or the focus changes a style.

        The styles are read again only after a CSS change, like Textual's DataTable:
        every repaint forgets the computed component styles, and reading them back
        each tick cost more than the changed rows themselves.
        """
        width = self.scrollable_content_region.width
        if self._palette_read and self._palette and width == self._palette[-1]:
            return
        self._palette_read = True
        base = self.rich_style
        # Subclasses list only their own classes; Textual merges them with these.
        names = sorted({*PART_CLASSES, *self.COMPONENT_CLASSES})
        palette = (base, *(self.get_component_rich_style(name) for name in names))
        if palette == self._palette[:-1] and width == self._palette[-1]:
            return
        self._palette = (*palette, width)
        # Parts keep their full style (translucent colours blended over the table's own);
        # a cell's style gives its colour and weight, never a background over the row's.
        self._styles = dict(zip(names, palette[1:], strict=True))
        for name in names:
            if name not in PART_CLASSES:
                style = self._styles[name]
                self._styles[name] = Style.from_color(style.color) + style.without_color
        self._header = None
        self._strips = {}
        self._cell_segments.clear()

    # ------------------------------------------------------------ cursor

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)  # below the header
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def action_cursor_by(self, rows: int) -> None:
        self._placed = True
        self.cursor_row += rows

    def action_page(self, direction: int) -> None:
        self._placed = True
        self.cursor_row += direction * max(self.scrollable_content_region.height - 1, 1)

    def action_cursor_to(self, row: int) -> None:
        self._placed = True
        self.cursor_row = row if row >= 0 else len(self._rows) - 1

    def on_click(self, event: events.Click) -> None:
        """A click on the header sorts by that column (again: reversed); on a row it selects it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + int(self.scroll_x)
            column = next((i for i in range(len(self.COLUMNS)) if x < self._starts[i + 1]), None)
            if column is None:
                return
            if column == self.sort_column:
                self.sort_reverse = not self.sort_reverse
            else:
                self.sort_column = column
        elif int(self.scroll_y) + offset.y - 1 < len(self._rows):
            self._placed = True
            self.cursor_row = int(self.scroll_y) + offset.y - 1

    # ------------------------------------------------------------ sorting

    def header_labels(self) -> tuple[str, ...]:
        """Column labels, the sorted one marked ▲ (ascending) or ▼ (descending)."""
        mark = SORT_DESCENDING if self.sort_reverse else SORT_ASCENDING
        return tuple(
            label + mark if column == self.sort_column else label
            for column, (label, _) in enumerate(self.COLUMNS)
        )

    def _header_line(self, width: int) -> Strip:
        """The mark takes the label's right padding when the label fills its column,
        so no column is wider for it."""
        pad = " " * CELL_PADDING
        text = "".join(
            pad + set_cell_size(label, column_width + CELL_PADDING)
            for label, column_width in zip(self.header_labels(), self._widths, strict=True)
        )
        style = self._styles["board-table--header"]
        segments = [Segment(text, style)]
        if width > cell_len(text):
            segments.append(Segment(" " * (width - cell_len(text)), style))
        return Strip(segments, max(width, cell_len(text)))

    def watch_sort_column(self) -> None:
        self._header = None
        self.show_board(self._board)
        self.refresh_lines(0)

    def watch_sort_reverse(self) -> None:
        self._header = None
        self.show_board(self._board)
        self.refresh_lines(0)

    def action_sort_next(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(self.COLUMNS)

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse


class _Line(NamedTuple):
    place: tuple[Any, ...]  # the row's cells, zebra parity, under the cursor
    ticking: Styled | str | None  # its `Since` cell as read when drawn
    line: Strip
    before: list[Segment]  # the segments either side of the `Since` cell
    after: list[Segment]
    row_style: Style


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _fitted(text: str, width: int) -> str:
    """`text` padded or cut to `width` cells; a cut text ends in `…` so it reads as cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _width(text: str) -> int:
    """Cells `text` takes on screen; printable ASCII without asking Rich (names are)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def _text(cell: Cell) -> str:
    assert not isinstance(cell, Since)  # never a flexible column
    return cell if isinstance(cell, str) else cell.text


def _sort_key(column: int) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = row[2][column]
        # Unknown values (None) sort last whatever the direction of the rest.
        return (value is None, value if value is not None else 0)

    return key
