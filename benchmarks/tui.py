"""Board refresh cost at floor scale, and replay seek time in a long recording.

- One refresh of the whole board (every panel) with 50 queues and 500 agents,
  against the naive way (a plain DataTable cleared and refilled with every row
  each tick, in place of each board table) and against the same board with
  every widget repainted in full each refresh (what repainting only the lines
  that read differently saves), in the same run. The figure is the
  process's CPU time from the new position to the screen redrawn: the pilot's
  wait for the app to settle sleeps at least 20 ms of wall time however little
  there is to do, and the machine is shared. That wait is not free either (the
  pilot and the app's timers run through it): the same run also times a wait
  with no new board, and a second row gives the refresh net of it.
- An idle board: a replay playing at 1x (the board ticking at 4 Hz, time in
  state and the clock moving every second, the shift's own events arriving),
  its CPU over a few seconds of wall time as a share of one core, for the
  bundled sample shift (what `make demo` shows) and at 50 queues / 500 agents.
  Baseline: the same board with a 4 Hz tick beside its own (every tick a
  snapshot and every panel, as the board ticked before its cadence followed
  what it shows); the note gives an empty Textual app's idle cost as well.
- Seeking to the middle of an 8-hour shift: the first time (every event read
  through the engine and the alarm rules), and back there from the end, which
  restores a checkpoint instead of starting over.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import time
from importlib.resources import as_file

from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from benchmarks.common import BenchResult, timed
from tests.alarms.reference import EverySecondStepper
from tests.synthetic import generate_shift
from wallboard.alarms import load_rules
from wallboard.commands.launch import alarm_factory
from wallboard.engine.settings import EngineConfig
from wallboard.recordings import sample_shift
from wallboard.runtime.replayer import Replayer
from wallboard.runtime.sources import open_file_source
from wallboard.tui.app import WallboardApp
from wallboard.tui.board import Board
from wallboard.tui.controls import REFRESH_HZ
from wallboard.tui.widgets.board_table import BoardTable, Cell, Since

CONFIG = EngineConfig()
REFRESHES = 40
RUNS = 3
# Issue 14: a refresh must leave almost all of a 4 Hz tick to the source and the terminal.
TARGET_MS = 10.0
SEEK_TARGET_S = 0.5  # a trainer's first seek to the middle of a shift
IDLE_S = 6.0
IDLE_TARGET_PCT = 1.0


class RebuiltTable(DataTable[Text | str]):
    """The naive board table: the same rows and colours, every row added again each tick."""

    def __init__(self, model: BoardTable) -> None:
        super().__init__(id=f"naive-{model.id}", cursor_type="row", zebra_stripes=True)
        self.model = model
        self.colours = {
            name: model.get_component_rich_style(name) for name in model.COMPONENT_CLASSES
        }
        for rule in ("width", "height", "max_height"):
            setattr(self.styles, rule, getattr(model.styles, rule))

    def on_mount(self) -> None:
        for label, width in self.model.COLUMNS:
            self.add_column(label, width=width)
        self.watch(self.app, "board", self.show_board)

    def show_board(self, board: Board | None) -> None:
        if board is None:
            return
        self.clear()
        for key, cells, _ in sorted(self.model.board_rows(board), key=lambda row: row[2][0]):
            self.add_row(*(self._cell(cell, board) for cell in cells), key=key)

    def _cell(self, cell: Cell, board: Board) -> Text | str:
        if isinstance(cell, Since):
            cell = cell.read(board)
        if isinstance(cell, str):
            return Text(cell)
        return Text(cell.text, style=self.colours[cell.component], justify=cell.justify)  # type: ignore[arg-type]


async def _refresh_ms(replayer: Replayer, *, way: str) -> tuple[float, float, float]:
    """Median CPU and wall ms from a new position to every panel redrawn (snapshot included),
    and median CPU ms of the pilot's settle wait alone (no new board: the harness's own cost).

    `way`: "ours", "naive" (DataTables refilled) or "full" (every widget repainted in full).
    """
    app = WallboardApp(replayer, CONFIG, paused=True)
    cpu: list[float] = []
    wall: list[float] = []
    idle: list[float] = []
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        if way == "naive":
            for table in list(app.screen.query(BoardTable)):
                assert table.parent is not None
                await table.parent.mount(RebuiltTable(table), before=table)
                await table.remove()
            await pilot.pause()
        for _ in range(REFRESHES):
            start_cpu = time.process_time()
            await pilot.pause()
            idle.append((time.process_time() - start_cpu) * 1000)
            start, start_cpu = time.perf_counter(), time.process_time()
            replayer.seek_by(1.0)  # time in state changes on every agent row
            app.refresh_board()
            if way == "full":
                for widget in app.screen.walk_children(with_self=True):
                    widget.refresh()
            await pilot.pause()
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(cpu), statistics.median(wall), statistics.median(idle)


def refresh_results() -> list[BenchResult]:
    events = list(generate_shift(11, agents=500, queues=50, hours=1.0))
    replayer = Replayer(events, CONFIG, label="bench")
    replayer.seek(replayer.start + 1800)
    gc.freeze()  # as `wallboard replay` does: the events are out of the collector's sight
    # Runs alternate, and each side keeps its best run: a busy spell of the shared
    # machine then spoils one run of one side, not the comparison (as timeit advises).
    runs: dict[str, list[tuple[float, float, float]]] = {"naive": [], "full": [], "ours": []}
    for _ in range(RUNS):
        for way, kept in runs.items():
            kept.append(asyncio.run(_refresh_ms(replayer, way=way)))
    naive, naive_wall, naive_idle = min(runs["naive"])
    full, _, full_idle = min(runs["full"])
    ours, ours_wall, ours_idle = min(runs["ours"])
    spread = ", ".join(f"{run[0]:.1f}" for run in runs["ours"])
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    target = f"< {TARGET_MS:.0f} ms ({REFRESH_HZ:g} Hz tick: {1000 / REFRESH_HZ:.0f} ms)"
    return [
        BenchResult(
            "tui refresh, 50 queues / 500 agents",
            ours,
            "CPU ms/refresh",
            baseline=naive,
            target=target,
            met=ours < TARGET_MS,
            note=(
                f"median of {REFRESHES}, best of {RUNS} runs ({spread} ms); baseline = a"
                " DataTable refilled with every row each tick;"
                f" wall {ours_wall:.0f} ms (baseline {naive_wall:.0f} ms) includes the pilot's"
                f" >= 20 ms settle wait; of the CPU, {ours_idle:.1f} ms (baseline"
                f" {naive_idle:.1f} ms) is that wait with no new board (harness and app timers);"
                f" {load}"
            ),
        ),
        BenchResult(
            "tui refresh vs every widget repainted in full",
            ours,
            "CPU ms/refresh",
            baseline=full,
            target=target,
            met=ours < TARGET_MS,
            note=(
                "the row above; baseline = the same board with every widget refreshed in full"
                f" after each new board (its pilot wait {full_idle:.1f} ms), same run; {load}"
            ),
        ),
        BenchResult(
            "tui refresh, net of the idle pilot pause",
            ours - ours_idle,
            "CPU ms/refresh",
            baseline=naive - naive_idle,
            target=target,
            met=ours - ours_idle < TARGET_MS,
            note=(
                "the row above minus the median CPU of a pilot.pause() with no new board in the"
                f" same run ({ours_idle:.1f} ms; baseline {naive_idle:.1f} ms): the app's own"
                " share; the gross figure above is the one the target is judged on"
            ),
        ),
    ]


async def _idle_pct(app: App[None], *, every_quarter: bool = False) -> float:
    """% of one core the process spends while `app` runs untouched for IDLE_S of wall time;
    `every_quarter`: with a board refresh at 4 Hz beside the app's own ticks."""
    async with app.run_test(size=(200, 60)) as pilot:
        if every_quarter:
            assert isinstance(app, WallboardApp)
            app.set_interval(1.0 / REFRESH_HZ, app.refresh_board)
        await pilot.pause()
        await asyncio.sleep(1.0)  # the first boards drawn
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.sleep(IDLE_S)
        return (time.process_time() - cpu) / (time.perf_counter() - wall) * 100


def idle_results() -> list[BenchResult]:
    empty = asyncio.run(_idle_pct(App()))
    results = []
    with as_file(sample_shift()) as sample:
        sample_events = list(open_file_source(str(sample), CONFIG).events())
    shifts = (
        ("sample shift (3 queues, 40 agents)", sample_events),
        ("50 queues / 500 agents", list(generate_shift(11, agents=500, queues=50, hours=1.0))),
    )
    for name, events in shifts:
        pcts = []
        for every_quarter in (True, False):
            replayer = Replayer(events, CONFIG, label="bench")
            replayer.seek(replayer.start + 1800)
            gc.freeze()  # as `wallboard replay` does
            app = WallboardApp(replayer, CONFIG)
            pcts.append(asyncio.run(_idle_pct(app, every_quarter=every_quarter)))
        quarter, pct = pcts
        results.append(
            BenchResult(
                f"tui idle board at 1x, {name}",
                pct,
                "% of a core",
                baseline=quarter,
                target=f"< {IDLE_TARGET_PCT:g} %",
                met=pct < IDLE_TARGET_PCT,
                note=(
                    f"CPU over {IDLE_S:g} s of wall time, replay playing at 1x from 30 min in;"
                    " baseline = the same board with a 4 Hz refresh beside its own ticks; an"
                    f" empty Textual app under the same pilot: {empty:.2f} %;"
                    f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
                ),
            )
        )
    return results


def seek_results() -> list[BenchResult]:
    events = list(generate_shift(12, agents=100, queues=10, hours=8.0))
    replayer = Replayer(events, CONFIG, label="bench", alarms=alarm_factory(None))
    middle = (replayer.start + replayer.end) / 2
    cold, _ = timed(lambda: replayer.seek(middle))
    replayer.seek(replayer.end)
    back, _ = timed(lambda: replayer.seek(middle))
    # The same first seek with the alarms evaluated every second (the stepper this replaced)
    # and with no alarms at all, in the same run.
    rules = load_rules(None)
    every = Replayer(events, CONFIG, label="bench", alarms=EverySecondStepper.factory(rules))
    every_second, _ = timed(lambda: every.seek(middle))
    bare = Replayer(events, CONFIG, label="bench")
    no_alarms, _ = timed(lambda: bare.seek(middle))
    return [
        BenchResult(
            "replay seek to mid 8 h shift, first time",
            cold,
            "s",
            baseline=every_second,
            target=f"< {SEEK_TARGET_S:g} s",
            met=cold < SEEK_TARGET_S,
            note=(
                f"{len(events):,} events, 100 agents, built-in alarm rules at change points;"
                f" baseline = the same seek with every rule evaluated every second; without"
                f" alarms {no_alarms:.2f} s"
            ),
        ),
        BenchResult(
            "replay seek back to mid 8 h shift",
            back * 1000,
            "ms",
            baseline=cold * 1000,
            target="< 1000 ms",
            met=back < 1.0,
            note="from the end: restores a checkpoint; baseline = replaying from the start",
        ),
    ]


def run() -> list[BenchResult]:
    return refresh_results() + idle_results() + seek_results()


if __name__ == "__main__":
    for result in run():
        print(result)
