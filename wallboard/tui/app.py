"""The wallboard app: one Textual app for live sources, hub views and replays.

The app owns the refresh tick. Each tick it asks its control (replay or live)
for one `Board` and publishes it in the reactive `board`; every panel watches
that, so an event storm costs one refresh per tick, never one per event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path, PurePath
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from wallboard.alarms import AlarmStepper
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.runtime.feed import BoardFeed
from wallboard.runtime.instants import check_within, parse_instant
from wallboard.runtime.replayer import Replayer
from wallboard.tui.board import Board
from wallboard.tui.controls import REFRESH_HZ, LiveControl, ReplayControl
from wallboard.tui.messages import AlarmAcknowledged, FilterChanged, SeekRequested
from wallboard.tui.operator import operator
from wallboard.tui.screens.board import BoardScreen
from wallboard.tui.screens.goto import GoToTimeScreen
from wallboard.tui.screens.help import HelpScreen
from wallboard.tui.screens.wall import WallScreen
from wallboard.tui.themes import BOARD_THEMES
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.board_table import BoardTable
from wallboard.tui.widgets.filter_bar import FilterBar
from wallboard.tui.widgets.kpi_panel import TILES

# A seek that must replay more source time than this (seconds of work in a long
# recording) runs in a thread while the board keeps repainting.
SLOW_SEEK_S = 600.0


# Priority, so the arrows seek even while a table has the focus (but never steal keys
# from a text input: see `check_action`).
REPLAY_BINDINGS: tuple[Binding, ...] = (
    Binding(
        "space", "toggle_pause", "Pause/resume", priority=True, tooltip="Pause or resume the replay"
    ),
    Binding(
        "plus,equals_sign", "faster", "Faster", priority=True, tooltip="Replay faster (up to 3600x)"
    ),
    Binding("minus", "slower", "Slower", priority=True, tooltip="Replay slower (down to 1x)"),
    Binding(
        "left", "seek(-60)", "-1 min", show=False, priority=True, tooltip="Seek back one minute"
    ),
    Binding(
        "right", "seek(60)", "+1 min", show=False, priority=True, tooltip="Seek forward one minute"
    ),
    Binding(
        "shift+left,left_square_bracket",
        "seek(-600)",
        "-10 min",
        show=False,
        priority=True,
        tooltip="Seek back ten minutes",
    ),
    Binding(
        "shift+right,right_square_bracket",
        "seek(600)",
        "+10 min",
        show=False,
        priority=True,
        tooltip="Seek forward ten minutes",
    ),
    Binding("g", "goto", "Go to time", priority=True, tooltip="Jump the replay to a typed time"),
)

REPLAY_ACTIONS = frozenset(b.action.split("(")[0] for b in REPLAY_BINDINGS)


def _action_name(action: str) -> str:
    return action.split("(")[0]


class WallboardApp(App[None]):
    CSS_PATH: ClassVar[list[str | PurePath]] = [Path(__file__).with_name("app.tcss")]
    TITLE = "wallboard"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", tooltip="Show every key binding"),
        Binding("q", "quit", "Quit", tooltip="Quit the wallboard"),
        Binding("slash", "filter", "Filter", tooltip="Filter queues and agents"),
        Binding("t", "cycle_theme", "Theme", tooltip="Cycle the colour theme"),
        Binding("c", "toggle_panel('callbacks')", "Callbacks", tooltip="Show the callback list"),
        Binding("T", "toggle_panel('teams')", "Teams", tooltip="Show the team table"),
        *REPLAY_BINDINGS,
    ]

    # No repaint of its own: a repaint of the app redraws the whole screen, and the
    # panels watching the board already redraw just what changed.
    board: reactive[Board | None] = reactive(None, always_update=True, repaint=False)
    filter_text: reactive[str] = reactive("")
    # The newest position asked for while a seek runs in a thread; None when none runs.
    seeking_to: reactive[float | None] = reactive(None)

    def __init__(
        self,
        source: Replayer | BoardFeed,
        config: EngineConfig,
        *,
        theme: str = "dark",
        wall: bool = False,
        rotate_s: float | None = None,
        paused: bool = False,
        alarms: AlarmStepper | None = None,
    ) -> None:
        if theme not in BOARD_THEMES:
            names = ", ".join(BOARD_THEMES)
            raise WallboardError(f"unknown theme {theme!r}; choose one of {names}")
        super().__init__()
        # Only the board's themes: Textual's own lack the board's colours (its theme
        # picker in the command palette then offers just these).
        for name in list(self.available_themes):
            self.unregister_theme(name)
        for board_theme in BOARD_THEMES.values():
            self.register_theme(board_theme)
        self.theme = theme
        self.control: ReplayControl | LiveControl
        if isinstance(source, Replayer):
            source.paused = paused
            self.control = ReplayControl(source)
        else:
            self.control = LiveControl(source, config, alarms=alarms)
        self.wall = wall
        self.rotate_s = rotate_s
        # The replayer is not thread-safe: while a seek runs in a thread nothing else touches
        # it (the panels keep the last board, whose trend history that thread moves on, so it
        # is not published again); the newest target asked for meanwhile waits for its turn.
        self._next_target: float | None = None
        self._tick_timer: Timer | None = None

    @property
    def replayer(self) -> Replayer | None:
        return self.control.replayer if isinstance(self.control, ReplayControl) else None

    def get_default_screen(self) -> Screen[None]:
        return WallScreen(self.rotate_s) if self.wall else BoardScreen()

    def on_mount(self) -> None:
        if isinstance(self.control, LiveControl):
            self._consume_feed()
        self.refresh_board()
        if isinstance(self.control, ReplayControl):
            self._schedule_tick()
        else:
            self.set_interval(1.0 / REFRESH_HZ, self.refresh_board)

    def _schedule_tick(self) -> None:
        """A replay refreshes when its board can next read differently (`next_tick_s`); a
        live feed's boards come at 4 Hz whatever they hold."""
        assert isinstance(self.control, ReplayControl)
        if self._tick_timer is not None:
            self._tick_timer.stop()
        self._tick_timer = self.set_timer(self.control.next_tick_s(), self._tick)

    def _tick(self) -> None:
        self.refresh_board()
        self._schedule_tick()

    @work(exclusive=True, group="feed")
    async def _consume_feed(self) -> None:
        assert isinstance(self.control, LiveControl)
        try:
            await self.control.consume()
        except WallboardError as exc:
            self.notify(str(exc), title="Source failed", severity="error", timeout=30)

    def refresh_board(self) -> None:
        if self.seeking_to is not None:
            return
        board = self.control.board()
        if not board.shows_same_as(self.board):
            self.board = board

    def _republish(self) -> None:
        """Publish at once after a control changed the board, without waiting for the tick
        (which then counts from here: a resumed or faster replay's is sooner)."""
        control = self.control
        if isinstance(control, ReplayControl):
            self.board = control.current()
            self._schedule_tick()
        else:
            self.board = control.board()

    # ------------------------------------------------------------ themes

    def action_cycle_theme(self) -> None:
        names = list(BOARD_THEMES)
        self.theme = names[(names.index(self.theme) + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    # ------------------------------------------------------------ replay controls

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in REPLAY_ACTIONS:
            return self.replayer is not None and not isinstance(self.focused, Input)
        return True

    def action_toggle_pause(self) -> None:
        if self.replayer and not self._busy_seeking():
            self.replayer.toggle_pause()
            if not self.replayer.paused:
                assert isinstance(self.control, ReplayControl)
                self.control.restart_clock()  # time spent paused is not time played
            self._republish()

    def action_faster(self) -> None:
        if self.replayer and not self._busy_seeking():
            self.replayer.faster()
            self._republish()

    def action_slower(self) -> None:
        if self.replayer and not self._busy_seeking():
            self.replayer.slower()
            self._republish()

    def _busy_seeking(self) -> bool:
        """Controls other than seeks wait for a seek in progress (they would race it)."""
        if self.seeking_to is None:
            return False
        self.notify("still seeking: try again in a moment", timeout=2)
        return True

    def action_seek(self, delta_s: float) -> None:
        self.seek_to(self._seek_base() + delta_s)

    def on_seek_requested(self, message: SeekRequested) -> None:
        self.seek_to(message.position)

    def _seek_base(self) -> float:
        """Where relative seeks count from: the newest position asked for."""
        if self.seeking_to is not None:
            return self.seeking_to
        return self.replayer.position if self.replayer else 0.0

    def seek_to(self, t: float) -> None:
        """Seek at once, or in a thread when far ahead; during a seek, the newest target waits."""
        replayer = self.replayer
        if replayer is None:
            return
        target = replayer.clamp(t)
        if self.seeking_to is not None:
            self._next_target = self.seeking_to = target
            return
        if replayer.seek_distance(target) > SLOW_SEEK_S:
            self.seeking_to = target
            self._seek_in_thread(replayer, target)
            return
        replayer.seek(target)
        self._republish()

    @work(thread=True, exit_on_error=False, group="seek")
    def _seek_in_thread(self, replayer: Replayer, target: float) -> None:
        replayer.seek(target)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "seek" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"seek failed: {error}", title="Replay", severity="error", timeout=10)
        replayer = self.replayer
        assert replayer is not None
        assert isinstance(self.control, ReplayControl)
        self.control.restart_clock()
        self.seeking_to = None
        target, self._next_target = self._next_target, None
        if target is not None:
            self.seek_to(target)
        else:
            self._republish()

    def action_goto(self) -> None:
        if self.replayer:
            self.push_screen(GoToTimeScreen(), self._go_to)

    def _go_to(self, text: str | None) -> None:
        replayer = self.replayer
        if not text or replayer is None:
            return
        try:
            target = parse_instant(text, self._seek_base(), replayer.config.tz)
            check_within(
                target, replayer.start, replayer.end, replayer.config.tz, label=replayer.label
            )
        except WallboardError as exc:
            self.notify(str(exc), title="Go to time", severity="error")
            return
        self.seek_to(target)

    # ------------------------------------------------------------ panels

    def action_filter(self) -> None:
        if self.wall:
            return
        bar = self.screen.query_one(FilterBar)
        bar.display = True
        bar.focus()

    def action_toggle_panel(self, panel: str) -> None:
        screen = self.screen
        if isinstance(screen, BoardScreen) and screen.toggle_panel(panel):
            widget = screen.query_one(f"#{panel}")
            widget.focus()

    def on_filter_changed(self, message: FilterChanged) -> None:
        self.filter_text = message.text

    def on_alarm_acknowledged(self, message: AlarmAcknowledged) -> None:
        if self.replayer and self._busy_seeking():
            return
        outcome = self.control.acknowledge(message.alarm, message.silence_s, operator())
        self.notify(outcome, title="Alarm", timeout=4)
        self._republish()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_lines()))

    def binding_lines(self) -> list[tuple[str, str]]:
        """Every binding of the app and the panels, as `(keys, what it does)`."""
        lines: list[tuple[str, str]] = []
        sources: Iterable[tuple[str, list[BindingType]]] = (
            ("", self.BINDINGS),
            ("tables: ", BoardTable.SORT_BINDINGS),  # the cursor keys are the usual ones
            ("alarms: ", AlarmStrip.BINDINGS),
            ("filter: ", FilterBar.BINDINGS),
        )
        for prefix, bindings in sources:
            for binding in bindings:
                assert isinstance(binding, Binding)
                if _action_name(binding.action) in REPLAY_ACTIONS and not self.replayer:
                    continue
                keys = ", ".join(_key_name(k) for k in binding.key.split(","))
                lines.append((keys, prefix + (binding.tooltip or binding.description)))
        lines.append(("tab, shift+tab", "move between panels"))
        lines.append(("ctrl+p", "command palette (every action by name)"))
        lines += [(title, f"tile: {what}") for _, title, _, what in TILES]
        return lines

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if self.check_action(_action_name(binding.action), ()) is False:
                continue
            yield SystemCommand(
                binding.tooltip or binding.description,
                f"Key: {binding.key}",
                _runner(self, binding.action),
            )


def _key_name(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "plus": "+",
        "equals_sign": "=",
        "minus": "-",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "left": "←",
        "right": "→",
        "shift+left": "shift+←",
        "shift+right": "shift+→",
    }
    return names.get(key, key)


def _runner(app: App[None], action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.run_action(action)

    return run
