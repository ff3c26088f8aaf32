"""Every agent: state (colour AND symbol, so it reads without colour), reason, time in state."""

from __future__ import annotations

from typing import ClassVar

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

    def board_rows(self, board: Board) -> list[Row]:
        now = board.now
        rows: list[Row] = []
        for agent_id, agent in board.snapshot["agents"].items():
            state = agent["state"]
            in_state = max(0.0, now - float(agent["since"]))
            queues = ",".join(agent["queues"])
            cells = (
                agent["name"],
                Styled(f"{STATE_SYMBOLS.get(state, '?')} {state}", f"state--{state}"),
                agent["reason"],
                Styled(fmt.duration(in_state), f"state--{state}", "right"),
                str(agent["calls"]).rjust(5),
                queues,
            )
            sort = (
                agent["name"].lower(),
                STATE_ORDER.get(state, len(STATE_ORDER)),
                agent["reason"],
                in_state,
                agent["calls"],
                queues,
            )
            rows.append((agent_id, cells, sort))
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
