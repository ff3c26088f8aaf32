"""Drives the evaluator through every whole second of source time.

Live and replayed sources go through the same stepper, so a recording fires
its alarms at exactly the instants the live run did: the evaluation at second
`s` sees every event stamped `<= s`, and none later.

A quiet gap (a night, a weekend, `--at` long after the last event) must not
cost a second of work per second of source time. With no event, what a rule
reads stops changing once every window has emptied, the interval has rolled
over and the last wraps have run out (`settle_s` after the last event):
from then on the lean board is constant, except for the day's roll-over at the
next day start, the longest wait of queues where callers still wait, and
agent-state ratios of the day span (`occupancy`, `calls_per_hour`) until that
roll-over. So once no hold-down is running the stepper evaluates only where a
transition can happen: the day's roll-over, a silence's end, the seconds
around a longest-wait threshold, and the instant it was asked for. Each of
those gets the evaluations stepping would have made just before it that a
change rule's look-back could read. The transitions are those of stepping
every second (tests/alarms/test_stepper.py compares both).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from wallboard.alarms.evaluator import Evaluator, Transition, TransitionRecord, select
from wallboard.alarms.rules import Rule
from wallboard.engine import Engine
from wallboard.engine.calendar import next_day_start
from wallboard.engine.snapshot import ActiveAlarm, Snapshot
from wallboard.events import Event

# What keeps changing in a quiet gap after `settle_s` (see the module docstring):
QUIET_GROWING = frozenset({"longest_wait_s"})
"""Instant metrics that grow while callers wait."""
STATE_RATIOS = frozenset({"occupancy", "calls_per_hour"})
"""Span metrics made of agent-state seconds: the day span's move until its roll-over."""


class AlarmStepper:
    """Owns the evaluation schedule of one engine (the `AlarmStepper` of the collector)."""

    def __init__(self, engine: Engine, evaluator: Evaluator) -> None:
        self.engine = engine
        self.evaluator = evaluator
        self.evaluations = 0
        self._next: float | None = None
        self._last: float | None = None
        rules = evaluator.rules
        config = engine.config
        self._event_at: float | None = None  # the engine's clock at the latest event
        # `settle_s` (module docstring): every window has emptied, the interval has
        # rolled over, the longest wrap seen has run out, and a change rule's
        # look-back reaches no earlier than that.
        self._spans_s = max(config.window_s, *config.extra_windows_s, config.interval_s)
        self._look_back_s = max((r.over_s for r in rules if r.kind == "change"), default=0.0)
        self._settle_s = self._spans_s + self._look_back_s + 1.0
        # A change rule on a growing metric reads a sample `over` seconds back.
        growing = [r for r in rules if r.metric in QUIET_GROWING]
        self._run_up = max((math.ceil(r.over_s) for r in growing if r.kind == "change"), default=0)
        self._wait_rules = [r for r in growing if r.kind == "threshold"]
        self._day_ratios = any(r.span == "day" and r.metric in STATE_RATIOS for r in rules)
        self._day_end: float | None = None  # the first day start after the latest event
        self._board: Snapshot | None = None  # the latest lean board evaluated

    @classmethod
    def factory(cls, rules: Sequence[Rule]) -> Callable[[Engine], AlarmStepper]:
        """What `Collector(alarms=...)` and `PacedFileFeed(alarms=...)` take."""
        return lambda engine: cls(engine, Evaluator(rules))

    def apply(self, event: Event) -> list[TransitionRecord]:
        """Evaluate every whole second strictly before the event, then apply it."""
        if self._next is None:
            self._next = float(math.ceil(event.at))
        out = self._run(event.at, inclusive=False)
        self.engine.apply(event)
        self._event_at, self._day_end = self.engine.now, None
        wrap = getattr(event, "wrap_s", None)
        if wrap is not None and wrap > self._spans_s:  # a wrap runs on after its call's end
            self._spans_s = wrap
            self._settle_s = wrap + self._look_back_s + 1.0
        return out

    def advance(self, t: float) -> list[TransitionRecord]:
        """Evaluate every whole second <= t not yet evaluated (nothing before the first event)."""
        return self._run(t, inclusive=True)

    def finish(self, t: float) -> list[TransitionRecord]:
        """End of a replay: the whole seconds up to `t`, then `t` itself."""
        out = self.advance(t)
        if self._next is not None and (self._last is None or t > self._last):
            out += self._evaluate(t)
        return out

    def active(self) -> list[ActiveAlarm]:
        return self.evaluator.active()

    def acknowledge(self, fingerprint: str, by: str) -> TransitionRecord:
        """Acknowledge a firing alarm now (source time); KeyError if it is not firing."""
        return self.evaluator.acknowledge(fingerprint, by, self._now()).to_dict()

    def silence(self, fingerprint: str, duration_s: float, by: str) -> TransitionRecord:
        """Silence an alarm for `duration_s` of source time; KeyError if it never existed."""
        now = self._now()
        return self.evaluator.silence(fingerprint, now + duration_s, by, now).to_dict()

    def _now(self) -> float:
        return max(self.engine.now, self._last or 0.0)

    def _run(self, t: float, *, inclusive: bool) -> list[TransitionRecord]:
        out: list[TransitionRecord] = []
        if self._next is None or not self.evaluator.rules:
            return out
        quiet_from = math.inf if self._event_at is None else self._event_at + self._settle_s
        while self._next < t or (inclusive and self._next == t):
            if self._next >= quiet_from:
                self._next = self._quiet_landing(t, inclusive)
            out += self._evaluate(self._next)
            self._next += 1.0
        return out

    def _quiet_landing(self, t: float, inclusive: bool) -> float:
        """The next second worth evaluating in a settled quiet gap (see the module docstring)."""
        now = self._next
        assert now is not None and self._event_at is not None
        if not self.evaluator.settled():
            return now  # a hold-down runs: every second counts
        if self._day_end is None:
            engine = self.engine
            self._day_end = next_day_start(
                self._event_at, engine.config.day_start, engine.config.tz
            )
        day_end = self._day_end
        if self._day_ratios and now <= day_end:
            return now
        due = now + (math.floor(t - now) if inclusive else math.ceil(t - now) - 1)
        points = [due, float(math.ceil(day_end))]
        points += [float(math.ceil(until)) for until in self.evaluator.silence_ends()]
        points += self._wait_crossings()
        target = min(p for p in points if p >= now)
        return max(now, target - self._run_up)

    def _wait_crossings(self) -> list[float]:
        """Seconds around which a growing longest wait reaches a rule's threshold or clear."""
        board = self._board
        if board is None or not self._wait_rules:
            return []
        seconds: list[float] = []
        at = float(board["at"])
        for rule in self._wait_rules:
            for _, group in select(rule.queue, board):
                if not group.get("waiting"):
                    continue
                waited = float(group["longest_wait_s"])
                for limit in (rule.threshold, rule.clear):
                    reached = math.floor(at + (limit - waited))
                    seconds += [float(reached + k) for k in (-1, 0, 1, 2)]
        return seconds

    def _evaluate(self, t: float) -> list[TransitionRecord]:
        self._last = t
        self.evaluations += 1
        board = self.engine.snapshot(t, agents=False)
        self._board = board
        transitions: list[Transition] = self.evaluator.evaluate(board)
        return [transition.to_dict() for transition in transitions]
