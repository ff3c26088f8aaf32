"""The reference schedule of the alarms: every rule at every whole second of source time.

This is the stepper the product shipped before it evaluated at change points
(`wallboard.alarms.stepper`): a full snapshot (with agents only for agent rules) at every whole
second, the evaluation at second `s` seeing every event stamped `<= s` and
none later. It defines the transitions the change-point stepper must give,
instant for instant and value for value, and `make bench` measures against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from wallboard.alarms.evaluator import Evaluator, Transition
from wallboard.alarms.rules import Rule
from wallboard.engine import Engine
from wallboard.events import Event


class EverySecondStepper:
    """`AlarmStepper`'s interface, evaluating every rule at every whole second."""

    def __init__(self, engine: Engine, evaluator: Evaluator) -> None:
        self.engine = engine
        self.evaluator = evaluator
        self.evaluations = 0
        self._next: float | None = None
        self._last: float | None = None

    @classmethod
    def factory(cls, rules: Sequence[Rule]) -> Callable[[Engine], EverySecondStepper]:
        """What `Collector(alarms=...)` and `PacedFileFeed(alarms=...)` take."""
        return lambda engine: cls(engine, Evaluator(rules))

    def apply(self, event: Event) -> list[dict[str, Any]]:
        """Evaluate every whole second strictly before the event, then apply it."""
        if self._next is None:
            self._next = float(math.ceil(event.at))
        out = self._run(event.at, inclusive=False)
        self.engine.apply(event)
        return out

    def advance(self, t: float) -> list[dict[str, Any]]:
        """Evaluate every whole second <= t not yet evaluated (nothing before the first event)."""
        return self._run(t, inclusive=True)

    def finish(self, t: float) -> list[dict[str, Any]]:
        """End of a replay: the whole seconds up to `t`, then `t` itself."""
        out = self.advance(t)
        if self._next is not None and (self._last is None or t > self._last):
            out += self._evaluate(t)
        return out

    def active(self) -> list[dict[str, Any]]:
        return self.evaluator.active()

    def acknowledge(self, fingerprint: str, by: str) -> dict[str, Any]:
        """Acknowledge a firing alarm now (source time); KeyError if it is not firing."""
        return self.evaluator.acknowledge(fingerprint, by, self._now()).to_dict()

    def silence(self, fingerprint: str, duration_s: float, by: str) -> dict[str, Any]:
        """Silence an alarm for `duration_s` of source time; KeyError if it never existed."""
        now = self._now()
        return self.evaluator.silence(fingerprint, now + duration_s, by, now).to_dict()

    def _now(self) -> float:
        return max(self.engine.now, self._last or 0.0)

    def _run(self, t: float, *, inclusive: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self._next is None or not self.evaluator.rules:
            return out
        while self._next < t or (inclusive and self._next == t):
            out += self._evaluate(self._next)
            self._next += 1.0
        return out

    def _evaluate(self, t: float) -> list[dict[str, Any]]:
        self._last = t
        self.evaluations += 1
        agents = any(rule.kind == "agent" for rule in self.evaluator.rules)
        transitions: list[Transition] = self.evaluator.evaluate(
            self.engine.snapshot(t, agents=agents)
        )
        return [transition.to_dict() for transition in transitions]
