"""The wall display: only big tiles and alarms, for a screen across the room.

With a rotation (`--wall --rotate 20s`) it turns pages for a TV: the whole
floor, then each queue, then each team, the alarm strip on every page.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from wallboard.tui.board import Board
from wallboard.tui.layout import apply_size_classes
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.kpi_panel import KpiPanel
from wallboard.tui.widgets.replay_bar import ReplayBar
from wallboard.tui.widgets.stale_banner import StaleBanner
from wallboard.tui.widgets.status_bar import StatusBar
from wallboard.tui.widgets.team_panel import TeamPanel

# A page: ("floor", ""), ("queue", NAME) or ("team", NAME).
Page = tuple[str, str]
FLOOR: Page = ("floor", "")


class WallScreen(Screen[None]):
    AUTO_FOCUS = "#alarms"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "turn(1)", "Next page", tooltip="Wall: the next page (queue or team)"),
        Binding("p", "turn(-1)", "Previous page", show=False, tooltip="Wall: the page before"),
    ]

    def __init__(self, rotate_s: float | None = None) -> None:
        super().__init__()
        self.rotate_s = rotate_s
        self.page: Page = FLOOR

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield StaleBanner(id="stale")
        yield Static(id="wall-page")
        yield KpiPanel(id="kpis")
        yield TeamPanel(id="team-kpis")
        yield AlarmStrip(id="alarms")
        yield ReplayBar(id="replay-bar")

    def on_mount(self) -> None:
        self.query_one(AlarmStrip).border_title = "Alarms"
        self.set_class(self.rotate_s is not None, "-paged")
        self.watch(self.app, "board", self._show_page)
        if self.rotate_s is not None:
            self.set_interval(self.rotate_s, self.action_turn)

    def pages(self, board: Board | None) -> list[Page]:
        """The floor, then every queue, then every team, in the board's order."""
        if board is None:
            return [FLOOR]
        snapshot = board.snapshot
        return [
            FLOOR,
            *(("queue", name) for name in snapshot["queues"]),
            *(("team", name) for name in snapshot.get("teams", {})),
        ]

    def action_turn(self, step: int = 1) -> None:
        """The next page (`step` -1: the one before); a page that went away starts over."""
        self.add_class("-paged")  # turned by hand: say which page this is
        board: Board | None = getattr(self.app, "board", None)
        pages = self.pages(board)
        index = pages.index(self.page) if self.page in pages else -step
        self.page = pages[(index + step) % len(pages)]
        self._show_page(board)

    def _show_page(self, board: Board | None) -> None:
        pages = self.pages(board)
        if self.page not in pages:
            self.page = FLOOR
        kind, name = self.page
        kpis = self.query_one(KpiPanel)
        if kpis.group != (name if kind == "queue" else None):
            kpis.group = name if kind == "queue" else None
            kpis.show_board(board)
        self.set_class(kind == "team", "-team-page")
        if kind == "team" and board is not None:
            self.query_one(TeamPanel).show_team(board.snapshot.get("teams", {}).get(name))
        title = {"floor": "Whole floor", "queue": f"Queue {name}", "team": f"Team {name}"}[kind]
        number = pages.index(self.page) + 1
        self.query_one("#wall-page", Static).update(f"{title}  ·  page {number} of {len(pages)}")

    def on_resize(self, event: events.Resize) -> None:
        apply_size_classes(self, event.size.width, event.size.height)
        # The wall has room for digits at any size: its tiles form a grid, not a row.
        self.set_class(False, "-compact")
