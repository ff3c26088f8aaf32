"""The row (or wall grid) of KPI tiles for the whole floor (or one queue, on a wall page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from textual.app import ComposeResult
from textual.widget import Widget

from wallboard.engine.snapshot import QueueFigures
from wallboard.tui import format as fmt
from wallboard.tui.board import Board
from wallboard.tui.widgets.kpi_tile import KpiTile

# key, title, the short title of the one-line form used on small terminals, what it shows
TILES: tuple[tuple[str, str, str, str], ...] = (
    ("sl", "SL", "SL", "answered within the SL threshold, over the rolling window"),
    ("waiting", "Waiting", "Wait", "callers waiting now, every queue"),
    ("longest", "Longest", "Max", "the longest wait now"),
    ("abandon", "Abandon", "Ab", "abandoned calls, over the rolling window"),
    ("asa", "ASA", "ASA", "average speed of answer, over the rolling window"),
    ("agents", "Free/in svc", "Ag", "agents free / agents in service"),
    (
        "gap",
        "Staff short",
        "Short",
        "agents missing, summed over the queues short of staff (Erlang C at each"
        " queue's SL target): spare agents in one queue do not serve another",
    ),
)
TITLES = {key: title for key, title, _, _ in TILES}
# Tiles computed over the rolling window; their titles say how long it is.
WINDOWED = ("sl", "abandon", "asa")
IN_SERVICE = ("available", "ringing", "talking", "hold", "wrap")


class KpiPanel(Widget):
    """Rolling-window figures (the engine's primary window), graded against the targets."""

    # The queue shown (a wall page's); None: the whole floor.
    group: str | None = None

    def compose(self) -> ComposeResult:
        for key, title, short, _ in TILES:
            yield KpiTile(title, short, id=f"kpi-{key}")

    def on_mount(self) -> None:
        self.watch(self.app, "board", self.show_board)

    def on_resize(self) -> None:
        self.call_after_refresh(self._rescale)

    def _rescale(self) -> None:
        """One digit scale for all tiles: the largest the tightest fits at."""
        tiles = list(self.query(KpiTile))
        scale = min(tile.largest_scale() for tile in tiles)
        for tile in tiles:
            tile.scale_limit = scale

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        queues = board.snapshot["queues"]
        floor = (
            queues.get(self.group, board.snapshot["all"]) if self.group else board.snapshot["all"]
        )
        window = floor["window"]
        config = board.config
        agents = cast(Mapping[str, int], floor["agents"])
        available = int(agents["available"])
        in_service = sum(int(agents[s]) for s in IN_SERVICE)
        waiting = int(floor["waiting"])
        minutes = round(config.window_s / 60)
        short = shortfall({self.group: floor} if self.group in queues else queues)
        values: dict[str, tuple[str, fmt.Grade]] = {
            "sl": (
                fmt.percent(window["service_level"]),
                fmt.grade_service_level(window["service_level"], config.sl_target),
            ),
            "waiting": (str(waiting), fmt.grade_waiting(waiting, available)),
            "longest": (
                fmt.duration(floor["longest_wait_s"]),
                fmt.grade_wait(floor["longest_wait_s"], config.sl_threshold_s),
            ),
            "abandon": (
                fmt.percent(window["abandon_rate"]),
                fmt.grade_abandon(window["abandon_rate"]),
            ),
            "asa": (
                fmt.duration(window["asa_s"]),
                fmt.grade_wait(window["asa_s"], config.sl_threshold_s),
            ),
            "agents": (f"{available}/{in_service}", fmt.grade_available(available, waiting)),
            "gap": (_signed(short), fmt.grade_gap(short)),
        }
        tiles = {key: self.query_one(f"#kpi-{key}", KpiTile) for key in values}
        before = [tile.value for tile in tiles.values()]
        for key, (text, grade) in values.items():
            tiles[key].value = text
            tiles[key].grade = grade
        for key in WINDOWED:
            tiles[key].title = f"{TITLES[key]} {minutes}m"
        if [tile.value for tile in tiles.values()] != before:
            self._rescale()  # the scale follows the texts (and the size: on_resize)


def shortfall(queues: Mapping[str, QueueFigures]) -> int | None:
    """Agents missing across the queues short of staff; None while no queue has a figure."""
    gaps = [int(q["staffing_gap"]) for q in queues.values() if q["staffing_gap"] is not None]
    return sum(max(0, gap) for gap in gaps) if gaps else None


def _signed(gap: int | None) -> str:
    if gap is None:
        return "--"
    return f"+{gap}" if gap > 0 else str(gap)
