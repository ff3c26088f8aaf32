"""Every agent: state (colour AND symbol, so it reads without colour), reason or caller,
time in state."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple, cast

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Row, Styled
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
# States with a caller on the line (or ringing): the detail column shows the number.
WITH_CALLER = frozenset({"ringing", "talking", "hold"})


class AgentBoard(BoardTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"state--{s}" for s in STATE_SYMBOLS}
    COLUMNS = (
        ("Agent", 14),
        ("State", 12),
        ("Detail", 11),  # the pause reason, or the caller's number while on a call
        ("In state", 8),
        ("Calls", 5),
        ("Queues", 12),
    )
    FLEXIBLE = (0, 2, 5)  # name, detail, queues

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        # Per agent: the report fields last seen and the cells made of them, then the time
        # in state last shown and the row made with it.
        self._made: dict[str, _Made] = {}

    def board_rows(self, board: Board) -> list[Row]:
        """A row is made again only when its agent reads differently: its fields, or its
        time in state, which moves once a second (with the clock) while the board ticks four
        times; the other cells are kept while the fields stay."""
        elapsed = board.elapsed
        rows: list[Row] = []
        made = self._made
        kept: dict[str, _Made] = {}
        duration = fmt.duration
        for agent_id, agent in board.snapshot["agents"].items():
            state = agent["state"]
            fields = (
                agent["name"],
                state,
                agent["caller"] if state in WITH_CALLER else agent["reason"],
                agent["calls"],
                agent["queues"],
            )
            in_state = elapsed(float(agent["since"]))
            entry = made.get(agent_id)
            if entry is None or entry.fields != fields:
                entry = _Made(fields, _agent_cells(*fields))
            if entry.row is None or entry.in_state != in_state:
                c = entry.cells
                cells = (
                    c.name,
                    c.state,
                    c.detail,
                    Styled(duration(in_state), c.component, "right"),
                    c.calls,
                    c.queues,
                )
                sort = (*c.sort_head, in_state, *c.sort_tail)
                entry = _Made(fields, c, in_state, (agent_id, cells, sort))
            kept[agent_id] = entry
            rows.append(cast(Row, entry.row))
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
    fields: tuple[Any, ...]
    cells: _AgentCells
    in_state: float | None = None
    row: Row | None = None


class _AgentCells(NamedTuple):
    name: str
    state: Styled
    detail: str  # the pause reason or the caller's number
    calls: str
    queues: str
    component: str
    sort_head: tuple[str, int, str]  # the sort values before time in state
    sort_tail: tuple[int, str]  # and after it


def _agent_cells(name: str, state: str, detail: str, calls: int, queues: list[str]) -> _AgentCells:
    component = f"state--{state}"
    joined = ",".join(queues)
    return _AgentCells(
        name,
        Styled(f"{STATE_SYMBOLS.get(state, '?')} {state}", component),
        detail,
        str(calls).rjust(5),
        joined,
        component,
        (name.lower(), STATE_ORDER.get(state, len(STATE_ORDER)), detail),
        (calls, joined),
    )
