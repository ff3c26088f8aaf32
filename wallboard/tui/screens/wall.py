"""The wall display: only big tiles and alarms, for a screen across the room."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen

from wallboard.tui.layout import apply_size_classes
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.kpi_panel import KpiPanel
from wallboard.tui.widgets.replay_bar import ReplayBar
from wallboard.tui.widgets.stale_banner import StaleBanner
from wallboard.tui.widgets.status_bar import StatusBar


class WallScreen(Screen[None]):
    AUTO_FOCUS = "#alarms"

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield StaleBanner(id="stale")
        yield KpiPanel(id="kpis")
        yield AlarmStrip(id="alarms")
        yield ReplayBar(id="replay-bar")

    def on_mount(self) -> None:
        self.query_one(AlarmStrip).border_title = "Alarms"

    def on_resize(self, event: events.Resize) -> None:
        apply_size_classes(self, event.size.width, event.size.height)
        # The wall has room for digits at any size: its tiles form a grid, not a row.
        self.set_class(False, "-compact")
