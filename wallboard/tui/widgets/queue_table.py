"""One row per queue: who is waiting, how fast they are answered, who is there to answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, NamedTuple, cast

from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.board_table import BoardTable, Cell, Row, Styled
from wallboard.tui.widgets.team_table import TEAM_PREFIX

AGENT_COLUMNS = ("available", "talking", "wrap", "paused")


class QueueTable(BoardTable):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grade--good",
        "grade--warn",
        "grade--bad",
        "grade--none",
    }
    COLUMNS = (
        ("Queue", 12),
        ("Wait", 4),
        ("Longest", 7),
        ("SL", 4),
        ("Aband", 5),
        ("ASA", 5),
        ("Avail", 5),
        ("Talk", 4),
        ("Wrap", 4),
        ("Pause", 5),
    )
    FLEXIBLE = (0,)  # the queue's name

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        # Per queue: the figures its row was made of, and the row (most queues read the
        # same from one tick to the next: only those with callers waiting tick).
        self._made: dict[str, tuple[_Figures, Row]] = {}

    def board_rows(self, board: Board) -> list[Row]:
        config = board.config
        rows: list[Row] = []
        made = self._made
        kept: dict[str, tuple[_Figures, Row]] = {}
        for name, queue in board.snapshot["queues"].items():
            settings = config.for_queue(name)
            window = queue["window"]
            agents = cast(Mapping[str, int], queue["agents"])
            waiting = int(queue["waiting"])
            figures = _Figures(
                waiting,
                # Callers whose abandon-or-exit verdict waits a moment for Asterisk's next events.
                int(queue.get("leaving", 0)),
                window["service_level"],
                window["abandon_rate"],
                window["asa_s"],
                queue["longest_wait_s"] if waiting else None,
                settings.sl_threshold_s,
                settings.sl_target,
                tuple(agents[s] for s in AGENT_COLUMNS),
            )
            entry = made.get(name)
            if entry is None or entry[0] != figures:
                entry = (figures, self._row(name, figures))
            kept[name] = entry
            rows.append(entry[1])
        self._made = kept
        return rows

    def _row(self, name: str, f: _Figures) -> Row:
        threshold = f.threshold
        cells: tuple[Cell, ...] = (
            name,
            self.grade(
                f"{f.waiting}↗{f.leaving}" if f.leaving else str(f.waiting),
                fmt.grade_waiting(f.waiting, f.agents[0]),
            ),
            self.grade(fmt.duration(f.longest), fmt.grade_wait(f.longest, threshold)),
            self.grade(fmt.percent(f.sl), fmt.grade_service_level(f.sl, f.target)),
            self.grade(fmt.percent(f.abandon), fmt.grade_abandon(f.abandon)),
            self.grade(fmt.duration(f.asa), fmt.grade_wait(f.asa, threshold)),
            *(Styled(str(n), "grade--none", "right") for n in f.agents),
        )
        return (name, cells, (name, f.waiting, f.longest, f.sl, f.abandon, f.asa, *f.agents))

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        # A team filter narrows the agents and the teams; every queue stays.
        return filter_text.lower().startswith(TEAM_PREFIX) or super().matches(
            board, key, filter_text
        )

    def grade(self, text: str, grade: fmt.Grade) -> Styled:
        return Styled(text, f"grade--{grade}", "right")


class _Figures(NamedTuple):
    """What a queue's row shows, as the snapshot gives it."""

    waiting: int
    leaving: int
    sl: float | None
    abandon: float | None
    asa: float | None
    longest: float | None
    threshold: float
    target: float
    agents: tuple[int, ...]  # AGENT_COLUMNS
