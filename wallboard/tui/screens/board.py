"""The supervisor's board: KPI tiles, queues, agents, trends and alarms on one screen."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from wallboard.tui.layout import apply_size_classes
from wallboard.tui.widgets.agent_board import AgentBoard
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.callback_list import CallbackList
from wallboard.tui.widgets.filter_bar import FilterBar
from wallboard.tui.widgets.kpi_panel import KpiPanel
from wallboard.tui.widgets.queue_table import QueueTable
from wallboard.tui.widgets.replay_bar import ReplayBar
from wallboard.tui.widgets.stale_banner import StaleBanner
from wallboard.tui.widgets.status_bar import StatusBar
from wallboard.tui.widgets.team_table import TeamTable
from wallboard.tui.widgets.trends import TrendsPanel


class BoardScreen(Screen[None]):
    AUTO_FOCUS = "#queues"

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield StaleBanner(id="stale")
        yield KpiPanel(id="kpis")
        yield FilterBar()
        with Vertical(id="tables"):
            yield QueueTable(id="queues")
            with Horizontal(id="lower"):
                with Vertical(id="people"):
                    yield TeamTable(id="teams")
                    yield AgentBoard(id="agents")
                yield TrendsPanel(id="trends")
                yield CallbackList(id="callbacks")
        yield AlarmStrip(id="alarms")
        yield ReplayBar(id="replay-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(QueueTable).border_title = "Queues"
        self.query_one(AgentBoard).border_title = "Agents"
        self.query_one(TrendsPanel).border_title = "Trends"
        self.query_one(AlarmStrip).border_title = "Alarms"

    def toggle_panel(self, panel: str) -> bool:
        """Show or hide the callback list (in the trends' place) or the team table (above
        the agents); whether it is shown now."""
        self.toggle_class(f"-{panel}")
        return self.has_class(f"-{panel}")

    def on_resize(self, event: events.Resize) -> None:
        apply_size_classes(self, event.size.width, event.size.height)
