"""Alarm evaluation cost: a replay evaluates every rule at every whole second of source time."""

from __future__ import annotations

from benchmarks.common import BenchResult, timed
from tests.synthetic import generate_shift
from wallboard.alarms import AlarmStepper, Evaluator, load_rules
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig

HOURS = 4.0
TARGET_S = 10.0  # "a multi-hour recording should evaluate in seconds"


def _replay(events: list, rules: list) -> AlarmStepper:
    stepper = AlarmStepper(Engine(EngineConfig()), Evaluator(rules))
    for event in events:
        stepper.apply(event)
    stepper.finish(events[-1].at)
    return stepper


def _engine_only(events: list) -> None:
    engine = Engine(EngineConfig())
    for event in events:
        engine.apply(event)


def run() -> list[BenchResult]:
    rules = load_rules(None)
    results = []
    for agents, queues in ((20, 3), (100, 8)):
        events = list(generate_shift(11, agents=agents, queues=queues, hours=HOURS))
        base_s, _ = timed(lambda events=events: _engine_only(events))
        alarm_s, stepper = timed(lambda events=events: _replay(events, rules))
        label = f"{HOURS:g} h replay with built-in alarms, {agents} agents / {queues} queues"
        results.append(
            BenchResult(
                label,
                alarm_s,
                "s",
                baseline=base_s,
                target=f"<= {TARGET_S:g} s",
                met=alarm_s <= TARGET_S,
                note=(
                    f"{len(events)} events, {stepper.evaluations} evaluations "
                    f"({stepper.evaluations / alarm_s:,.0f}/s, {len(rules)} rules); "
                    "baseline = the engine alone"
                ),
            )
        )
    return results


if __name__ == "__main__":
    for result in run():
        print(result)
