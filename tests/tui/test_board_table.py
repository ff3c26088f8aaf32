"""The board tables' own behaviour, through the pilot: header, cursor, sorting, styling.

The agent board of the test shift (14 agents) is longer than the 80x24 screen
shows, so scrolling is real here.
"""

from __future__ import annotations

import copy

from rich.style import Style
from textual.strip import Strip

from tests.tui.conftest import make_app
from wallboard.themes import PALETTES
from wallboard.tui.widgets.agent_board import AgentBoard
from wallboard.tui.widgets.queue_table import QueueTable

SMALL = (80, 24)


def line_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def style_at(strip: Strip, x: int) -> Style:
    """The style of the cell at column x of a painted line."""
    for segment in strip:
        if x < len(segment.text):
            assert segment.style is not None
            return segment.style
        x -= len(segment.text)
    raise IndexError(x)


def background(style: Style) -> str:
    assert style.bgcolor is not None and style.bgcolor.triplet is not None
    return style.bgcolor.triplet.hex


def foreground(style: Style) -> str:
    assert style.color is not None and style.color.triplet is not None
    return style.color.triplet.hex


def visible_rows(table: AgentBoard) -> range:
    top = int(table.scroll_y)
    return range(top, top + table.scrollable_content_region.height - 1)


async def test_the_header_stays_on_top_while_the_rows_scroll(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(AgentBoard)
        board.focus()
        await pilot.press("end")
        await pilot.pause()
        assert board.cursor_row == board.row_count - 1
        assert board.scroll_y > 0
        assert line_text(board.render_line(0)).split()[:3] == ["Agent▲", "State", "Detail"]
        last = board.texts(board.keys[-1])[0]
        height = board.scrollable_content_region.height
        assert line_text(board.render_line(height - 1)).split()[0] == last.split()[0]


async def test_cursor_keys_move_the_cursor_and_keep_it_in_view(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(AgentBoard)
        board.focus()
        await pilot.press("down", "down")
        assert board.cursor_row == 2
        await pilot.press("up")
        assert board.cursor_row == 1
        await pilot.press("pagedown")
        await pilot.pause()
        page = board.scrollable_content_region.height - 1
        assert board.cursor_row == min(1 + page, board.row_count - 1)
        assert board.cursor_row in visible_rows(board)
        await pilot.press("end", "down")
        assert board.cursor_row == board.row_count - 1
        await pilot.press("home", "up")
        await pilot.pause()
        assert board.cursor_row == 0 and board.scroll_y == 0
        await pilot.press("pageup")
        assert board.cursor_row == 0


async def test_clicking_a_row_puts_the_cursor_on_it(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        board = app.screen.query_one(AgentBoard)
        await pilot.click(AgentBoard, offset=(5, 4))  # border, header, then rows 0, 1, 2
        assert board.cursor_row == 2


async def test_the_cursor_stays_on_its_row_when_the_rows_reorder(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(AgentBoard)
        board.focus()
        await pilot.press("down", "down", "down")
        selected = board.keys[board.cursor_row]
        before = list(board.keys)
        await pilot.press("s", "S")  # by state, then the other way round
        await pilot.pause()
        assert board.keys != before
        assert board.keys[board.cursor_row] == selected
        assert board.cursor_row in visible_rows(board)


async def test_clicking_the_same_header_again_reverses_the_order(replayer):
    app = make_app(replayer)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        await pilot.click(QueueTable, offset=(2, 1))  # the Queue header: already the sort
        await pilot.pause()
        assert table.sort_column == 0 and table.sort_reverse
        assert table.keys == sorted(replayer.board.snapshot["queues"], reverse=True)


async def test_stripes_cursor_and_state_colours_come_from_the_theme(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        board = app.screen.query_one(AgentBoard)
        assert not board.has_focus  # the queue table starts with the focus
        state_x = 1 + 16 + 2  # border, the Agent column, into the State text

        def painted(row: int) -> Strip:
            return board.render_line(row + 1 - int(board.scroll_y))

        def check(theme_even_row: str) -> None:
            even = board.get_component_rich_style("board-table--even-row")
            assert background(even) == theme_even_row
            for row in (1, 2):  # row 0 carries the cursor
                state = replayer.board.snapshot["agents"][board.keys[row]]["state"]
                colour = board.get_component_rich_style(f"state--{state}")
                cell = style_at(painted(row), state_x)
                # The state's colour over the row's stripe, not over the table's background.
                assert foreground(cell) == foreground(colour)
                assert background(cell) == background(style_at(painted(row), 0))
            assert background(style_at(painted(2), 0)) == theme_even_row
            assert background(style_at(painted(1), 0)) != theme_even_row

        check(PALETTES[0].panel)  # dark
        await pilot.press("t")
        await pilot.pause()
        check(PALETTES[1].panel)  # light


async def test_the_cursor_is_brighter_in_the_focused_table(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        board = app.screen.query_one(AgentBoard)
        blurred = background(style_at(board.render_line(1), 3))
        board.focus()
        await pilot.pause()
        focused = background(style_at(board.render_line(1), 3))
        assert focused != blurred
        assert focused == background(board.get_component_rich_style("board-table--cursor"))
        assert background(style_at(board.render_line(2), 3)) != focused


async def test_painted_lines_follow_the_board(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        board = app.screen.query_one(AgentBoard)
        first = [line_text(board.render_line(y)) for y in range(4)]
        app.refresh_board()  # paused: the same position, the same board
        await pilot.pause()
        assert [line_text(board.render_line(y)) for y in range(4)] == first
        await pilot.press("right")  # a minute later every time in state has moved on
        await pilot.pause()
        assert [line_text(board.render_line(y)) for y in range(1, 4)] != first[1:]


async def test_the_sorted_column_is_marked_in_the_header(replayer):
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        queues = app.screen.query_one(QueueTable)
        assert line_text(queues.render_line(0)).split()[:2] == ["Queue▲", "Wait"]
        queues.focus()
        await pilot.press("s")  # by calls waiting: "Wait" fills its column, the mark its padding
        await pilot.pause()
        assert line_text(queues.render_line(0)).split()[:3] == ["Queue", "Wait▲", "Longest"]
        await pilot.press("S")
        await pilot.pause()
        assert line_text(queues.render_line(0)).split()[:3] == ["Queue", "Wait▼", "Longest"]
        # The mark takes no room: the next label starts where it always did.
        assert line_text(queues.render_line(0)).index("Longest") == 1 + 12 + 2 + 4 + 2


async def test_the_agent_board_opens_at_its_top_while_agents_log_in(played_replayer):
    """Agents logging in sort in above the first one seen: an untouched cursor stays put."""
    replayer = copy.deepcopy(played_replayer)
    replayer.seek(replayer.start)
    app = make_app(replayer)
    async with app.run_test(size=SMALL) as pilot:
        board = app.screen.query_one(AgentBoard)
        for _ in range(60):  # the first ten minutes, as a 1x replay shows them
            app.seek_to(replayer.position + 10)
            await pilot.pause()
        assert board.row_count == len(replayer.board.snapshot["agents"]) > 4
        assert (board.cursor_row, board.scroll_y) == (0, 0)
        assert (
            line_text(board.render_line(1)).split()[0] == board.texts(board.keys[0])[0].split()[0]
        )
