"""Every agent: state (colour AND symbol, so it reads without colour), reason, time in state."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Row, Styled

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


class AgentBoard(BoardTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"state--{s}" for s in STATE_SYMBOLS}
    COLUMNS = (
        ("Agent", 14),
        ("State", 12),
        ("Reason", 9),
        ("In state", 8),
        ("Calls", 5),
        ("Queues", 12),
    )
    FLEXIBLE = (0, 2, 5)  # name, reason, queues

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        # Per agent: the report fields last seen, and the cells and sort values made of them.
        self._made: dict[str, tuple[tuple[Any, ...], _AgentCells]] = {}

    def board_rows(self, board: Board) -> list[Row]:
        """Only time in state changes on most rows each second; the other cells are kept."""
        elapsed = board.elapsed
        rows: list[Row] = []
        made = self._made
        kept: dict[str, tuple[tuple[Any, ...], _AgentCells]] = {}
        duration = fmt.duration
        for agent_id, agent in board.snapshot["agents"].items():
            fields = (
                agent["name"],
                agent["state"],
                agent["reason"],
                agent["calls"],
                agent["queues"],
            )
            entry = made.get(agent_id)
            if entry is None or entry[0] != fields:
                entry = (fields, _agent_cells(*fields))
            kept[agent_id] = entry
            c = entry[1]
            in_state = elapsed(float(agent["since"]))
            cells = (
                c.name,
                c.state,
                c.reason,
                Styled(duration(in_state), c.component, "right"),
                c.calls,
                c.queues,
            )
            rows.append((agent_id, cells, (*c.sort_head, in_state, *c.sort_tail)))
        self._made = kept
        return rows

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        """An agent matches by id, name, or any queue it is logged into."""
        needle = filter_text.lower()
        agent = board.snapshot["agents"][key]
        return (
            needle in key.lower()
            or needle in agent["name"].lower()
            or any(needle in q.lower() for q in agent["queues"])
        )


class _AgentCells(NamedTuple):
    name: str
    state: Styled
    reason: str
    calls: str
    queues: str
    component: str
    sort_head: tuple[str, int, str]  # the sort values before time in state
    sort_tail: tuple[int, str]  # and after it


def _agent_cells(name: str, state: str, reason: str, calls: int, queues: list[str]) -> _AgentCells:
    component = f"state--{state}"
    joined = ",".join(queues)
    return _AgentCells(
        name,
        Styled(f"{STATE_SYMBOLS.get(state, '?')} {state}", component),
        reason,
        str(calls).rjust(5),
        joined,
        component,
        (name.lower(), STATE_ORDER.get(state, len(STATE_ORDER)), reason),
        (calls, joined),
    )
