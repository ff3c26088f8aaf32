"""One row per queue: who is waiting, how fast they are answered, who is there to answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, cast

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

    def board_rows(self, board: Board) -> list[Row]:
        config = board.config
        rows: list[Row] = []
        for name, queue in board.snapshot["queues"].items():
            settings = config.for_queue(name)
            window = queue["window"]
            agents = cast(Mapping[str, int], queue["agents"])
            waiting = int(queue["waiting"])
            # Callers whose abandon-or-exit verdict waits a moment for Asterisk's next events.
            leaving = int(queue.get("leaving", 0))
            sl = window["service_level"]
            abandon = window["abandon_rate"]
            asa = window["asa_s"]
            longest = queue["longest_wait_s"] if waiting else None
            threshold, target = settings.sl_threshold_s, settings.sl_target
            cells: tuple[Cell, ...] = (
                name,
                self.grade(
                    f"{waiting}↗{leaving}" if leaving else str(waiting),
                    fmt.grade_waiting(waiting, int(agents["available"])),
                ),
                self.grade(fmt.duration(longest), fmt.grade_wait(longest, threshold)),
                self.grade(fmt.percent(sl), fmt.grade_service_level(sl, target)),
                self.grade(fmt.percent(abandon), fmt.grade_abandon(abandon)),
                self.grade(fmt.duration(asa), fmt.grade_wait(asa, threshold)),
                *(Styled(str(agents[s]), "grade--none", "right") for s in AGENT_COLUMNS),
            )
            sort = (name, waiting, longest, sl, abandon, asa, *(agents[s] for s in AGENT_COLUMNS))
            rows.append((name, cells, sort))
        return rows

    def matches(self, board: Board, key: str, filter_text: str) -> bool:
        # A team filter narrows the agents and the teams; every queue stays.
        return filter_text.lower().startswith(TEAM_PREFIX) or super().matches(
            board, key, filter_text
        )

    def grade(self, text: str, grade: fmt.Grade) -> Styled:
        return Styled(text, f"grade--{grade}", "right")
