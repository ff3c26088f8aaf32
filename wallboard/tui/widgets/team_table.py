"""One row per team: its agents by state, how busy they were, how long they paused."""

from __future__ import annotations

from typing import ClassVar

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Cell, Row, Styled


class TeamTable(BoardTable):
    """Agents by state now; occupancy over the rolling window; pause time and adherence
    over the day (docs/ENGINE.md "Teams")."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"team--figure"}
    COLUMNS = (
        ("Team", 12),
        ("Agents", 6),
        ("Avail", 5),
        ("Busy", 4),
        ("Wrap", 4),
        ("Pause", 5),
        ("Off", 4),
        ("Occ", 4),
        ("Paused today", 12),
        ("Adher", 5),
    )
    FLEXIBLE = (0,)

    def board_rows(self, board: Board) -> list[Row]:
        rows: list[Row] = []
        for name, team in board.snapshot.get("teams", {}).items():
            agents = team["agents"]
            counts = (
                len(team["members"]),
                agents["available"],
                agents["ringing"] + agents["talking"] + agents["hold"],
                agents["wrap"],
                agents["paused"],
                agents["logged_off"],
            )
            occupancy = team["window"]["occupancy"]
            paused = team["day"]["pause_s"]
            adherence = team["day"]["adherence"]
            cells: tuple[Cell, ...] = (
                name,
                *(Styled(str(n), "team--figure", "right") for n in counts),
                Styled(fmt.percent(occupancy), "team--figure", "right"),
                Styled(fmt.duration(paused), "team--figure", "right"),
                Styled(fmt.percent(adherence), "team--figure", "right"),
            )
            rows.append((name, cells, (name.lower(), *counts, occupancy, paused, adherence)))
        self.show_title(
            "Teams" if rows else "Teams: none (give agents a team in [agents], or [engine] teams)"
        )
        return rows

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        return team_matches(key, filter_text)


def team_matches(team: str, filter_text: str) -> bool:
    """`team:NAME` picks the teams whose name starts so; other text, any team naming it."""
    needle = filter_text.lower()
    if needle.startswith(TEAM_PREFIX):
        return bool(team) and team.lower().startswith(needle[len(TEAM_PREFIX) :].strip())
    return needle in team.lower()


TEAM_PREFIX = "team:"
