"""Every agent: state (colour AND symbol, so it reads without colour), reason or caller,
time in state."""

from __future__ import annotations

import math
from typing import Any, ClassVar, NamedTuple

from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Row, Since, Styled
from wallboard.tui.widgets.team_table import TEAM_PREFIX, team_matches

# Distinct shapes, one cell wide in common terminal fonts.
STATE_SYMBOLS: dict[str, str] = {
    "available": "●",
    "ringing": "◐",
    "talking": "■",
    "hold": "◆",
    "wrap": "≈",
    "paused": "‖",
    "logged_off": "·",
}
# Board order when sorting by state: who can take a call first, who is gone last.
STATE_ORDER = {state: i for i, state in enumerate(STATE_SYMBOLS)}
# Before the name of an agent whose agent alarm fires (docs/ALARMS.md "Agent rules").
ALARM_MARK = "⚑"
# States with a caller on the line (or ringing): the detail column shows the number.
WITH_CALLER = frozenset({"ringing", "talking", "hold"})


class AgentBoard(BoardTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"state--{s}" for s in STATE_SYMBOLS} | {
        "agent--alarm"
    }
    COLUMNS = (
        ("Agent", 14),
        ("State", 12),
        ("Detail", 11),  # the pause reason, or the caller's number while on a call
        ("In state", 8),
        ("Calls", 5),
        ("Queues", 12),
    )
    FLEXIBLE = (0, 2, 5)  # name, detail, queues
    TICKING = 3  # in state

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        # Per agent: its report as last seen and the row made of it. The engine shares an
        # unchanged agent's report between snapshots; a hub's arrive anew, so the fields
        # are compared too.
        self._made: dict[str, _Made] = {}

    def board_rows(self, board: Board) -> list[Row]:
        """A row is made again only when its agent reads differently: its time in state is
        the instant the state began (`Since`), so the row stays while the agent does."""
        rows: list[Row] = []
        made = self._made
        kept: dict[str, _Made] = {}
        alarmed = {alarm.get("agent") for alarm in board.alarms} - {"", None}
        for agent_id, agent in board.snapshot["agents"].items():
            entry = made.get(agent_id)
            marked = agent_id in alarmed
            if entry is None or entry.agent is not agent or entry.fields[-1] != marked:
                state = agent["state"]
                fields = (
                    agent["name"],
                    state,
                    agent["caller"] if state in WITH_CALLER else agent["reason"],
                    agent["calls"],
                    agent["queues"],
                    float(agent["since"]),
                    marked,
                )
                if entry is None or entry.fields != fields:
                    entry = _Made(agent, fields, _agent_row(agent_id, *fields))
                else:
                    entry = entry._replace(agent=agent)
            kept[agent_id] = entry
            rows.append(entry.row)
        self._made = kept
        return rows

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        """An agent matches by id, name, team, or any queue it is logged into; `team:NAME`
        keeps the agents of that team only."""
        needle = filter_text.lower()
        agent = board.snapshot["agents"][key]
        if needle.startswith(TEAM_PREFIX):
            return team_matches(agent["team"], needle)
        return (
            needle in key.lower()
            or needle in agent["name"].lower()
            or needle in agent["team"].lower()
            or any(needle in q.lower() for q in agent["queues"])
        )


class _Made(NamedTuple):
    agent: object  # the report the row was made of, or found equal to
    fields: tuple[Any, ...]
    row: Row


def _agent_row(
    agent_id: str,
    name: str,
    state: str,
    detail: str,
    calls: int,
    queues: list[str],
    since: float,
    marked: bool,
) -> Row:
    component = f"state--{state}"
    joined = ",".join(queues)
    cells = (
        Styled(f"{ALARM_MARK} {name}", "agent--alarm") if marked else name,
        Styled(f"{STATE_SYMBOLS.get(state, '?')} {state}", component),
        detail,
        Since(since, component),
        str(calls).rjust(5),
        joined,
    )
    # Longer in state sorts after: by the second the state began, latest first (the same
    # order as the time in state the clock reads, ties included).
    in_state = -math.floor(since)
    sort = (name.lower(), STATE_ORDER.get(state, len(STATE_ORDER)), detail, in_state, calls, joined)
    return (agent_id, cells, sort)
