"""The bundled sample shift: a simulated Asterisk shift written straight to a recording.

No socket and no clock: the model is driven to its end and every AMI event
the wallboard reads is stored as the AMI mapper would have received it live
(`received_at` = the event's own `Timestamp`), so the same seed always gives
the same bytes. The header carries the simulated queues' wrap-up times,
because AMI never announces them and replay metrics depend on them.

    python -m wallboard.simulator.sample --out recordings/sample-shift.wbrec
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from wallboard.adapters.base import RawRecord
from wallboard.adapters.recording import RecordingWriter
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.errors import WallboardError
from wallboard.simulator.ami import for_recording, render
from wallboard.simulator.happenings import Happening
from wallboard.simulator.model import CallCentre
from wallboard.simulator.scenarios import SCENARIOS, Scenario, build_scenario
from wallboard.status import ConnectionState, SourceStatus

DEFAULT_SEED = 1
DEFAULT_HOURS = 4.0
DEFAULT_SCENARIO = "spike"
DEFAULT_AGENTS = 40
STEP_S = 300.0
"""Simulated time per model step: keeps memory flat however long the shift."""


def engine_config(scenario: Scenario) -> EngineConfig:
    """Default engine settings plus each simulated queue's wrap-up time."""
    return EngineConfig(
        queues={spec.name: QueueSettings(wrapup_s=float(spec.wrapup_s)) for spec in scenario.queues}
    )


def source_label(scenario: Scenario, seed: int) -> str:
    return f"simulator:{scenario.name} seed={seed} agents={scenario.agents}"


def _status(at: float, state: ConnectionState, detail: str = "") -> RawRecord:
    return RawRecord(at, "status", SourceStatus(at, state, detail).to_payload())


def shift_records(scenario: Scenario, seed: int) -> Iterator[RawRecord]:
    """The records a live `wallboard record` would have kept, in arrival order."""
    model = CallCentre(scenario, seed)
    yield _status(scenario.start, "connecting")
    yield _status(scenario.start, "live")
    for happening in _happenings(model):
        for event in render(happening)[0]:
            kept = for_recording(event)
            if kept is not None:
                yield RawRecord(float(dict(kept)["Timestamp"]), "ami", kept)
    yield _status(model.now, "ended", "end of the simulated shift")


def _happenings(model: CallCentre) -> Iterator[Happening]:
    """What `model.run_to_end()` returns, produced a few minutes at a time."""
    while model.now < model.end:
        yield from model.run_until(min(model.now + STEP_S, model.end))
    while not model.drained and (upcoming := model.next_time()) is not None:
        yield from model.run_until(upcoming)


def write_sample(
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    hours: float = DEFAULT_HOURS,
    scenario_name: str = DEFAULT_SCENARIO,
    agents: int = DEFAULT_AGENTS,
) -> int:
    """Write the recording (complete or not at all); returns the number of records."""
    scenario = build_scenario(scenario_name, duration_s=hours * 3600.0, agents=agents)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with RecordingWriter(
            partial,
            source=source_label(scenario, seed),
            config=engine_config(scenario),
            force=True,
            started_at=scenario.start,
        ) as writer:
            for record in shift_records(scenario, seed):
                writer.write(record)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return writer.records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wallboard.simulator.sample",
        description="Write a simulated shift as a wallboard recording (same seed, same bytes).",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--hours", type=float, default=DEFAULT_HOURS)
    parser.add_argument("--scenario", choices=SCENARIOS, default=DEFAULT_SCENARIO)
    parser.add_argument("--agents", type=int, default=DEFAULT_AGENTS)
    args = parser.parse_args(argv)
    try:
        records = write_sample(
            args.out,
            seed=args.seed,
            hours=args.hours,
            scenario_name=args.scenario,
            agents=args.agents,
        )
    except WallboardError as exc:
        print(f"wallboard: {exc}", file=sys.stderr)
        return 1
    size = args.out.stat().st_size
    print(f"wrote {records} records, {size:,} bytes, to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
