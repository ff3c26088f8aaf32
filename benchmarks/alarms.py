"""Alarm evaluation cost: a replay with the built-in rules, against the engine alone.

The alarms are defined as an evaluation of every rule at every whole second of
source time; the stepper evaluates a rule only where its outcome can change
(docs/ALARMS.md). Three runs of the same shift, interleaved three times (each
side keeps its best: a busy spell of the shared machine spoils one run, not
the comparison):

- the engine alone (`Engine.apply` for every event): the baseline of the
  target, alarms <= 3x the engine alone;
- the change-point stepper (the product);
- the every-second stepper it replaced (`tests/alarms/reference.py`): a full
  snapshot at every second, the schedule that defines the transitions.

CPU time (`time.process_time`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import BenchResult
from tests.alarms.reference import EverySecondStepper
from tests.synthetic import generate_shift
from wallboard.alarms import AlarmStepper, Evaluator, load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig

HOURS = 4.0
RUNS = 3
TARGET_RATIO = 3.0  # a replay with alarms costs at most 3x the engine alone


def _replay(stepper_class: type, events: list, rules: list) -> Any:
    stepper = stepper_class(Engine(EngineConfig()), Evaluator(rules))
    for event in events:
        stepper.apply(event)
    stepper.finish(events[-1].at)
    return stepper


def _engine_only(events: list) -> None:
    engine = Engine(EngineConfig())
    for event in events:
        engine.apply(event)


def _cpu(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = run()
    return time.process_time() - start, result


def run() -> list[BenchResult]:
    rules = load_rules(None)
    results = []
    for agents, queues in ((20, 3), (100, 8)):
        events = list(generate_shift(11, agents=agents, queues=queues, hours=HOURS))
        engine_s: list[float] = []
        ours_s: list[float] = []
        reference_s: list[float] = []
        ours = reference = None
        for _ in range(RUNS):
            engine_s.append(_cpu(lambda events=events: _engine_only(events))[0])
            seconds, ours = _cpu(lambda events=events: _replay(AlarmStepper, events, rules))
            ours_s.append(seconds)
            seconds, reference = _cpu(
                lambda events=events: _replay(EverySecondStepper, events, rules)
            )
            reference_s.append(seconds)
        assert ours is not None and reference is not None
        base, value, before = min(engine_s), min(ours_s), min(reference_s)
        ratios = ", ".join(f"{o / e:.1f}x" for o, e in zip(ours_s, engine_s, strict=True))
        label = f"{HOURS:g} h replay with built-in alarms, {agents} agents / {queues} queues"
        results.append(
            BenchResult(
                label,
                value,
                "CPU s",
                baseline=base,
                target=f"<= {TARGET_RATIO:g}x the engine alone",
                met=value <= TARGET_RATIO * base,
                note=(
                    f"{len(events)} events, {len(rules)} rules, {ours.evaluations} instants"
                    f" evaluated; baseline = the engine alone (best of {RUNS}); per run"
                    f" {ratios}"
                ),
            )
        )
        results.append(
            BenchResult(
                f"  same, against the every-second stepper ({agents} agents)",
                value,
                "CPU s",
                baseline=before,
                note=(
                    f"baseline = every rule at every second ({reference.evaluations} snapshots),"
                    f" the schedule that defines the transitions; ratio < 1 = faster"
                ),
            )
        )
    return results


if __name__ == "__main__":
    for result in run():
        print(result)
