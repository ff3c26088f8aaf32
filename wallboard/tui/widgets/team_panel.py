"""A team in large digits, for a wall display's team page: its agents by state, how busy."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget

from wallboard.engine.snapshot import TeamFigures
from wallboard.tui import format as fmt
from wallboard.tui.widgets.kpi_tile import KpiTile

# key, title, short title
TEAM_TILES: tuple[tuple[str, str, str], ...] = (
    ("available", "Available", "Av"),
    ("busy", "On a call", "Call"),
    ("wrap", "Wrap-up", "Wrap"),
    ("paused", "Paused", "Pause"),
    ("logged_off", "Logged off", "Off"),
    ("occupancy", "Occupancy", "Occ"),
    ("paused_today", "Paused today", "P.day"),
    ("adherence", "Adherence", "Adh"),
)


class TeamPanel(Widget):
    """The figures of the team `show_team` was last given (the wall page's team)."""

    def compose(self) -> ComposeResult:
        for key, title, short in TEAM_TILES:
            yield KpiTile(title, short, id=f"team-{key}")

    def show_team(self, team: TeamFigures | None) -> None:
        values: dict[str, str] = dict.fromkeys((key for key, _, _ in TEAM_TILES), "--")
        if team is not None:
            agents = team["agents"]
            values.update(
                available=str(agents["available"]),
                busy=str(agents["ringing"] + agents["talking"] + agents["hold"]),
                wrap=str(agents["wrap"]),
                paused=str(agents["paused"]),
                logged_off=str(agents["logged_off"]),
                occupancy=fmt.percent(team["window"]["occupancy"]),
                paused_today=fmt.duration(team["day"]["pause_s"]),
                adherence=fmt.percent(team["day"]["adherence"]),
            )
        for key, text in values.items():
            self.query_one(f"#team-{key}", KpiTile).value = text
