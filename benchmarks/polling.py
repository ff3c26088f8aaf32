"""The live board against the way other wallboards refresh: Asterisk's QueueStatus every 5 s.

One simulated hour of a 500-agent, 20-queue floor (the simulator's model of
Asterisk 22), read two ways from the same PBX:

- events (this project): every AMI event as Asterisk sends it, through the
  mapper and the engine, and a snapshot at 4 Hz, the board's refresh. Every
  figure of docs/ENGINE.md, exact to the event.
- polling (the usual wallboard): every 5 s the QueueStatus answer Asterisk
  gives at that instant (a QueueParams per queue, a QueueMember per
  membership, a QueueEntry per waiting caller, as `manager_queues_status`
  writes them), read into what such a board shows: callers waiting, the
  longest wait, members by state, Completed, Abandoned, ServicelevelPerf.
  Counters since Asterisk's last reset, no sliding windows, no agent timing,
  figures up to 5 s old.

Both sides start from header pairs (the socket's line splitting is the same
for both and left out). Only the wallboard's side is timed: building each
answer, a walk of every queue and member under Asterisk's locks every 5 s,
is the PBX's cost, which the event-driven board does not impose at all.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.common import BenchResult
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.simulator.ami import render
from wallboard.simulator.model import CallCentre
from wallboard.simulator.scenarios import build_scenario
from wallboard.simulator.server import queue_status_items

AGENTS, QUEUES, HOURS = 500, 20, 1.0
POLL_S = 5.0
REFRESH_S = 0.25
# QueueMember `Status` (AST_DEVICE_*): 1 not in use, 2 in use, 3 busy, 6 ringing, 7 ring+in use.
_DEVICE_STATES = {"1": "available", "2": "talking", "3": "talking", "6": "ringing", "7": "ringing"}


@dataclass
class PolledQueue:
    """What a QueueStatus board shows of one queue."""

    waiting: int
    completed: int
    abandoned: int
    service_level: float
    longest_wait_s: int = 0
    members: Counter[str] = field(default_factory=Counter)


def polled_board(items: list[list[list[str]]]) -> dict[str, PolledQueue]:
    """One QueueStatus answer read into a board, as a polling wallboard reads it."""
    board: dict[str, PolledQueue] = {}
    for item in items:
        headers = dict(item)
        kind = headers["Event"]
        if kind == "QueueParams":
            board[headers["Queue"]] = PolledQueue(
                int(headers["Calls"]),
                int(headers["Completed"]),
                int(headers["Abandoned"]),
                float(headers["ServicelevelPerf"]),
            )
        elif kind == "QueueMember":
            if headers["Paused"] == "1":
                state = "paused"
            elif headers["InCall"] == "1":
                state = "talking"
            else:
                state = _DEVICE_STATES.get(headers["Status"], "unavailable")
            board[headers["Queue"]].members[state] += 1
        elif kind == "QueueEntry":
            queue = board[headers["Queue"]]
            queue.longest_wait_s = max(queue.longest_wait_s, int(headers["Wait"]))
    return board


def simulated_hour() -> tuple[list[RawRecord], list[list[list[list[str]]]], float, float]:
    """The hour's AMI events, and the QueueStatus answer at every poll, from one model run."""
    names = tuple(f"queue{i:02}" for i in range(QUEUES))
    scenario = build_scenario(duration_s=HOURS * 3600.0, queues=names, agents=AGENTS)
    centre = CallCentre(scenario, seed=14)
    records: list[RawRecord] = []
    answers = []
    start = scenario.start
    t = start
    while t < centre.end:
        t += POLL_S
        for happening in centre.run_until(t):
            events, _ = render(happening)
            records += (RawRecord(happening.at, "ami", event) for event in events)
        answers.append(queue_status_items(centre.queue_views(), t))
    return records, answers, start, t


def _cpu(run: Callable[..., None], *args: object) -> float:
    started = time.process_time()
    run(*args)
    return time.process_time() - started


def events_side(records: list[RawRecord], start: float, end: float, refresh_s: float) -> None:
    """Every event through the mapper and the engine, a snapshot every `refresh_s`."""
    config = EngineConfig()
    mapper, engine = AmiMapper(config), Engine(config)
    apply, snapshot = engine.apply, engine.snapshot
    next_refresh = start + refresh_s
    for record in records:
        while record.received_at >= next_refresh:
            snapshot(next_refresh)
            next_refresh += refresh_s
        for item in mapper.feed(record):
            apply(item)
    while next_refresh <= end:
        snapshot(next_refresh)
        next_refresh += refresh_s


def run() -> list[BenchResult]:
    records, answers, start, end = simulated_hour()

    def polling_side() -> None:
        for answer in answers:
            polled_board(answer)

    polling_s = min(_cpu(polling_side) for _ in range(2))
    items = sum(len(answer) for answer in answers) / len(answers)
    results = []
    for refresh_s, why in ((POLL_S, "as fresh as the poll"), (REFRESH_S, "the board's 4 Hz")):
        events_s = min(_cpu(events_side, records, start, end, refresh_s) for _ in range(2))
        results.append(
            BenchResult(
                f"board from events, a snapshot every {refresh_s:g} s ({why}), vs QueueStatus "
                f"every 5 s ({AGENTS} agents, {QUEUES} queues), CPU per hour",
                events_s / HOURS,
                "CPU s",
                baseline=polling_s / HOURS,
                target="measured: what exact, event-driven figures cost over polling",
                note=(
                    f"a simulated Asterisk 22 hour: {len(records):,} AMI events through the "
                    f"mapper and engine, {int((end - start) / refresh_s):,} snapshots with "
                    f"agents; baseline {len(answers)} QueueStatus answers ({items:,.0f} items "
                    "each) read into waiting, longest wait, members by state and Asterisk's "
                    "counters; CPU time, best of 2; Asterisk's cost of building the answers "
                    "not counted"
                ),
            )
        )
    return results


if __name__ == "__main__":
    for result in run():
        print(result, f"ratio {result.ratio:.2f}")
