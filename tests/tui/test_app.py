"""Every panel and binding, driven through Textual's pilot on a real engine and shift."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual.renderables.digits import Digits
from textual.widgets import Input, Sparkline

from tests.synthetic import DEFAULT_START
from tests.tui.conftest import CONFIG, make_app
from wallboard.engine import Engine
from wallboard.runtime.feed import BoardUpdate
from wallboard.runtime.sources import open_file_source
from wallboard.status import SourceStatus
from wallboard.tui.app import WallboardApp
from wallboard.tui.format import duration, percent
from wallboard.tui.screens.goto import GoToTimeScreen
from wallboard.tui.screens.help import HelpScreen
from wallboard.tui.widgets.agent_board import STATE_SYMBOLS, AgentBoard
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.kpi_tile import KpiTile
from wallboard.tui.widgets.queue_table import QueueTable
from wallboard.tui.widgets.replay_bar import ReplayBar
from wallboard.tui.widgets.stale_banner import StaleBanner
from wallboard.tui.widgets.status_bar import StatusBar
from wallboard.tui.widgets.trend_line import TrendLine

BIG = (120, 40)


def plain(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def tile_lines(tile: KpiTile) -> list[str]:
    """The tile's drawn lines inside its frame, without the centring spaces."""
    return [tile.render_line(y).text.strip() for y in range(tile.size.height)]


def big_digits(value: str) -> list[str]:
    """Textual's own bold Digits rendering of `value`, row by row."""
    rows = "".join(s.text for s in Digits(value).render(Style(bold=True)))
    return [row.strip() for row in rows.split("\n")[:3]]


async def test_kpi_tiles_show_the_engine_window_figures_in_large_digits(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        floor = replayer.board.snapshot["all"]
        sl = app.screen.query_one("#kpi-sl", KpiTile)
        assert sl.value == percent(floor["window"]["service_level"])
        assert tile_lines(sl) == [sl.title, *big_digits(sl.value)]
        assert app.screen.query_one("#kpi-waiting", KpiTile).value == str(floor["waiting"])
        assert app.screen.query_one("#kpi-asa", KpiTile).value == duration(floor["window"]["asa_s"])
        graded = {t.grade for t in app.screen.query(KpiTile)}
        assert graded <= {"good", "warn", "bad", "none"}
        assert f"-{sl.grade}" in sl.classes


async def test_kpi_tiles_repaint_in_the_new_colours_after_a_theme_change(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        tile = app.screen.query_one("#kpi-waiting", KpiTile)

        def digits_colour() -> str:
            line = tile.render_line(1)
            style = next(seg.style for seg in line if seg.text.strip())
            assert style.bold
            return str(style.color)

        dark = digits_colour()
        assert dark == str(tile.rich_style.color)
        await pilot.press("t")
        await pilot.pause()
        assert digits_colour() == str(tile.rich_style.color) != dark


async def test_queue_table_has_a_row_per_queue_and_sorts_by_column(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        queues = replayer.board.snapshot["queues"]
        assert table.keys == sorted(queues)
        table.focus()
        await pilot.press("s")  # by calls waiting
        await pilot.press("s")  # by longest wait
        await pilot.press("s")  # by service level
        await pilot.pause()

        def shown_sl() -> list[float]:
            return [queues[q]["window"]["service_level"] for q in table.keys]

        assert shown_sl() == sorted(shown_sl()) and len(set(shown_sl())) > 1
        await pilot.press("S")
        await pilot.pause()
        assert shown_sl() == sorted(shown_sl(), reverse=True)


async def test_clicking_a_header_sorts_by_it(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        table = app.screen.query_one(AgentBoard)
        await pilot.click(AgentBoard, offset=(20, 1))  # the State header
        await pilot.pause()
        assert table.sort_column == 1
        states = [table.texts(key)[1].split()[1] for key in table.keys]
        order = list(STATE_SYMBOLS)
        assert states == sorted(states, key=order.index)


async def test_agent_board_marks_states_with_symbols_and_ticks_time_in_state(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        board = app.screen.query_one(AgentBoard)
        agents = replayer.board.snapshot["agents"]
        assert board.row_count == len(agents)
        agent_id, agent = next(iter(agents.items()))
        row = board.texts(agent_id)
        assert row[1] == f"{STATE_SYMBOLS[agent['state']]} {agent['state']}"
        # The clock's second less the second the state began in (tests/tui/test_repaint.py).
        before = math.floor(replayer.position) - math.floor(agent["since"])
        assert row[3].strip() == duration(before)
        await pilot.press("right")
        await pilot.pause()
        if replayer.board.snapshot["agents"][agent_id]["since"] == agent["since"]:
            assert board.texts(agent_id)[3].strip() == duration(before + 60)


async def test_trends_show_intervals_and_minutes_so_far(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        waiting = app.screen.query_one("#trend-waiting", TrendLine)
        assert len(waiting.values) == 61  # 60 closed minutes + now
        offered = app.screen.query_one("#trend-offered", TrendLine)
        assert len(offered.values) == 3  # two closed half hours + the current one


async def test_trend_bars_take_the_new_theme_colours(replayer):
    app = make_app(replayer)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        trend = app.screen.query_one("#trend-waiting", Sparkline)

        def bar_colours() -> set[str]:
            lines = trend.render_lines(trend.region.reset_offset)
            return {str(seg.style.color) for line in lines for seg in line if seg.text.strip()}

        dark = bar_colours()
        await pilot.press("t")
        await pilot.pause()
        assert bar_colours().isdisjoint(dark)


async def test_alarm_strip_lists_alarms_and_a_acknowledges_the_selected_one(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        strip = app.screen.query_one(AlarmStrip)
        alarms = replayer.board.snapshot["alarms"]
        assert alarms and strip.row_count == len(alarms)
        assert "-active" in strip.classes
        strip.focus()
        await pilot.press("a")
        await pilot.pause()
        first = replayer.board.snapshot["alarms"][0]
        assert first["acknowledged_by"]
        assert "ack" in plain(strip.get_row_at(0)[0])
        strip.move_cursor(row=1)
        await pilot.press("x")
        await pilot.pause()
        assert replayer.board.snapshot["alarms"][1]["silenced_until"] is not None


async def test_status_bar_clock_is_the_replay_position_in_the_centre_time_zone(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(StatusBar).render())
        assert f"{datetime.fromtimestamp(replayer.position, UTC):%H:%M:%S} UTC" in text
        assert "2024-11-22" in text and "REPLAY" in text and "synthetic" in text


async def test_space_pauses_plus_minus_change_speed(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("space")
        assert not replayer.paused
        await pilot.press("space")
        assert replayer.paused
        await pilot.press("plus", "plus")
        assert replayer.speed == 5
        await pilot.press("minus")
        assert replayer.speed == 2
        await pilot.pause()
        assert "PAUSED 2x" in str(app.screen.query_one(ReplayBar).render())


async def test_a_paused_replay_publishes_no_new_board_until_something_changes(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        shown = app.board
        app.refresh_board()
        assert app.board is shown
        await pilot.press("plus")
        assert app.board is not shown and app.board is not None
        assert app.board.replay is not None and app.board.replay.speed == 2


async def test_arrows_and_brackets_seek_by_one_and_ten_minutes(replayer):
    app = make_app(replayer)
    start = replayer.position
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("right")
        assert replayer.position == start + 60
        await pilot.press("shift+right")
        assert replayer.position == start + 660
        await pilot.press("left_square_bracket", "left")
        assert replayer.position == start
        await pilot.press("right_square_bracket")
        assert replayer.position == start + 600
        await pilot.press("shift+left")
        await pilot.pause()
        assert app.board is not None and app.board.now == start


async def test_g_goes_to_a_typed_time_and_reports_a_bad_one(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GoToTimeScreen)
        await pilot.press(*"08:30", "enter")
        await pilot.pause()
        assert replayer.position == DEFAULT_START + 1800
        await pilot.press("g", *"noon", "enter")
        await pilot.pause()
        assert replayer.position == DEFAULT_START + 1800
        assert any("noon" in n.message for n in app._notifications)
        await pilot.press("g", *"23:59", "enter")  # the same words as `--at` outside the file
        await pilot.pause()
        assert replayer.position == DEFAULT_START + 1800
        assert any("is after the end of" in n.message for n in app._notifications)


async def test_clicking_the_position_bar_seeks_there(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(ReplayBar)
        bar_start, width = bar._bar_start, bar._bar_width
        await pilot.click(ReplayBar, offset=(bar_start + width // 4, 0))
        span = replayer.end - replayer.start
        assert abs(replayer.position - (replayer.start + span / 4)) < span / width + 1


async def test_slash_filters_queues_and_agents(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"q01")
        await pilot.pause()
        queues = app.screen.query_one(QueueTable)
        assert queues.keys == ["q01"]
        agents = app.screen.query_one(AgentBoard)
        members = [a for a in replayer.board.snapshot["agents"].values() if "q01" in a["queues"]]
        assert agents.row_count == len(members) > 0
        position = replayer.position
        await pilot.press("right")  # typed into the filter, not a seek
        assert replayer.position == position
        await pilot.press("escape")
        await pilot.pause()
        assert queues.row_count == len(replayer.board.snapshot["queues"])


async def test_t_cycles_the_themes(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        seen = []
        for _ in range(4):
            seen.append(app.theme)
            await pilot.press("t")
        assert seen == ["dark", "light", "high-contrast", "colour-blind-safe"]
        assert app.theme == "dark"
        assert list(app.available_themes) == seen  # Textual's picker offers only these


async def test_question_mark_lists_every_binding(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for needle in ("?", "q", "/", " t ", "space", "+", "←", "shift+→", "[", "g", " a ", " x "):
            assert needle in text, needle
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_the_actions(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Pause or resume the replay", "Cycle the colour theme", "Quit the wallboard"):
            assert title in titles


async def test_tab_moves_between_panels(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        focused = []
        for _ in range(3):
            focused.append(type(app.focused).__name__)
            await pilot.press("tab")
        assert focused == ["QueueTable", "AgentBoard", "AlarmStrip"]


async def test_q_quits(replayer):
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_wall_layout_has_only_tiles_and_alarms(replayer):
    app = make_app(replayer, wall=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query(QueueTable) and not app.screen.query(AgentBoard)
        tiles = list(app.screen.query("KpiPanel KpiTile"))  # (a team page's are hidden)
        assert len(tiles) == 7
        for tile in tiles:
            assert tile.size.width >= Digits.get_width(tile.value)
            lines = [line for line in tile_lines(tile) if line]
            assert lines == [tile.title, *big_digits(tile.value)]


async def test_small_terminal_keeps_every_number_readable(replayer):
    app = make_app(replayer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for tile in app.screen.query(KpiTile):
            assert tile_lines(tile) == [f"{tile.short_title} {tile.value}"]


async def test_replay_of_a_real_queue_log(run_a):
    from wallboard.runtime.replayer import Replayer

    source = open_file_source(str(run_a / "queue_log"), CONFIG)
    replayer = Replayer(source.events(), CONFIG, label=source.label)
    replayer.seek(replayer.end)
    app = make_app(replayer)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        assert table.row_count == len(replayer.board.snapshot["queues"]) > 0
        assert "END" in str(app.screen.query_one(ReplayBar).render())


class DroppedFeed:
    """A live feed whose source drops: one live board, then the same board, disconnected."""

    label = "ami://test"

    def __init__(self, snapshot: dict) -> None:
        self.snapshot = snapshot
        self.released = asyncio.Event()

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        at = self.snapshot["at"]
        yield BoardUpdate(self.snapshot, SourceStatus(at, "live"))
        await self.released.wait()
        yield BoardUpdate(self.snapshot, SourceStatus(at, "disconnected", "connection reset"))
        await asyncio.Event().wait()


async def test_a_lost_connection_marks_the_board_stale_with_its_age(shift_events):
    engine = Engine(CONFIG)
    for event in shift_events[:500]:
        engine.apply(event)
    snapshot = engine.snapshot()
    snapshot.update(source="ami://test", alarms=[])
    feed = DroppedFeed(snapshot)
    app = WallboardApp(feed, CONFIG)
    async with app.run_test(size=BIG) as pilot:
        banner = app.screen.query_one(StaleBanner)
        status = app.screen.query_one(StatusBar)
        # The first board (before the feed's) is already marked LIVE, and stale: connecting.
        await _until(pilot, lambda: "● live" in str(status.render()))
        assert "LIVE" in str(status.render())
        assert not banner.display
        feed.released.set()
        await _until(pilot, lambda: banner.display)
        text = str(banner.render())
        assert "STALE" in text and "disconnected" in text and "old" in text
        assert "-stale" in app.screen.classes


async def _until(pilot, condition) -> None:
    """Wait for the next 4 Hz ticks to show something; bounded, for a loaded machine."""
    for _ in range(50):
        await pilot.pause(0.1)
        if condition():
            return
    assert condition()
