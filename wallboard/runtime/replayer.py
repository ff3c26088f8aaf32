"""Replaying a recording or queue_log with pause, speed and seeking.

A replay must show, at every position, exactly the board (metrics, alarms,
trends) that was live at that moment. The events are read once; the engine,
the alarm stepper and the trend history then move forward from the latest
checkpoint at or before the target, so seeking back costs at most one
checkpoint period of events instead of the whole file. Checkpoints are pickles
of that state, taken every `checkpoint_every_s` of source time the first time
the replay passes there.

An operator's acknowledgement or silence is part of the replay too: it is kept
at the source time it was given and applied again whenever the replay passes
that time, so seeking back and playing on shows it exactly where it was made.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import pickle
from collections.abc import Iterable
from dataclasses import dataclass

from wallboard.alarms import AlarmStepper
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.runtime.feed import BoardUpdate
from wallboard.runtime.history import STEP_S, TrendHistory
from wallboard.runtime.step import AlarmFactory, BoardStep
from wallboard.status import SourceStatus

SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
CHECKPOINT_EVERY_S = 600.0


@dataclass(frozen=True, slots=True)
class OperatorAction:
    """An acknowledgement (`silence_s` None) or a silence, at a source time."""

    at: float
    fingerprint: str
    by: str
    silence_s: float | None = None


@dataclass(slots=True)
class _State:
    """Everything that moves forward with the position; pickled as a whole."""

    step: BoardStep
    history: TrendHistory
    index: int  # events[:index] are applied
    next_step: float  # the next step boundary not yet closed
    at: float  # the position this state was last brought to
    actions_done: int = 0  # Replayer._actions[:actions_done] are applied


class Replayer:
    """A finite event stream played at a position, speed and pause state of its own."""

    def __init__(
        self,
        items: Iterable[Event | SourceStatus],
        config: EngineConfig,
        *,
        label: str,
        alarms: AlarmFactory | None = None,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        step_s: float = STEP_S,
    ) -> None:
        self.label = label
        self.config = config
        self._alarms = alarms
        self._step_s = step_s
        self._checkpoint_every_s = checkpoint_every_s
        self.events: list[Event] = []
        self._statuses: list[SourceStatus] = []
        for item in items:
            if isinstance(item, SourceStatus):
                self._statuses.append(item)
            else:
                self.events.append(item)
        if not self.events:
            raise WallboardError(f"{label}: no events to replay")
        self.start = self.events[0].at
        self.end = max(e.at for e in self.events)
        self._status_times = [s.at for s in self._statuses]
        self._checkpoints: dict[float, bytes] = {}
        self._actions: list[OperatorAction] = []
        self._state = self._fresh()
        self.position = self.start
        self.speed: float = 1.0
        self.paused = False
        self.board = self.seek(self.start)

    # ------------------------------------------------------------ controls

    @property
    def at_end(self) -> bool:
        return self.position >= self.end

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])

    def slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])

    def tick(self, wall_elapsed_s: float) -> BoardUpdate:
        """Move on by `wall_elapsed_s` of wall time at the current speed (unless paused)."""
        if not self.paused and not self.at_end:
            return self.seek(self.position + wall_elapsed_s * self.speed)
        return self.board

    def next_change_at(self) -> float:
        """The first instant after the position at which the board can read differently
        other than at a whole second: the next event, or a wrap-up running out on its own
        (inf: neither). Between whole seconds nothing else changes what the board shows but
        what leaves a sliding window or the callback list, which may show up to a second late."""
        s = self._state
        following = self.events[s.index].at if s.index < len(self.events) else math.inf
        return min(following, s.step.engine.next_timer())

    def clamp(self, t: float) -> float:
        """The nearest instant of the recording to `t`."""
        return min(max(t, self.start), self.end)

    def seek_distance(self, t: float) -> float:
        """Seconds of source time a seek to `t` replays (from the state or the nearest checkpoint).

        What a caller weighs before seeking on a thread that must stay responsive.
        """
        t = self.clamp(t)
        checkpoint = self._checkpoint_before(t)
        if t >= self._state.at:
            return t - max(self._state.at, checkpoint if checkpoint is not None else -math.inf)
        return t - (checkpoint if checkpoint is not None else self.start)

    def seek_by(self, delta_s: float) -> BoardUpdate:
        return self.seek(self.position + delta_s)

    def seek(self, t: float) -> BoardUpdate:
        """The board at source time `t` (clamped to the recording), as it was live."""
        t = self.clamp(t)
        checkpoint = self._checkpoint_before(t)
        if t < self._state.at or (checkpoint is not None and checkpoint > self._state.at):
            self._state = self._restore(checkpoint)
        self._run_to(t)
        self.position = t
        self.board = self._board(t)
        return self.board

    def acknowledge(self, fingerprint: str, by: str) -> None:
        """Acknowledge a firing alarm at the position; KeyError if it is not firing."""
        self._act(OperatorAction(self.position, fingerprint, by))

    def silence(self, fingerprint: str, duration_s: float, by: str) -> None:
        """Silence an alarm at the position for `duration_s` of source time; KeyError if unknown."""
        self._act(OperatorAction(self.position, fingerprint, by, duration_s))

    def _act(self, action: OperatorAction) -> None:
        s = self._state
        if s.step.stepper is None:
            raise KeyError(action.fingerprint)
        self._apply_action(s, action)  # raises KeyError before anything is kept
        index = bisect.bisect_right(self._actions, action.at, key=lambda a: a.at)
        self._actions.insert(index, action)
        s.actions_done = index + 1
        # Checkpoints from here on were taken without this action.
        self._checkpoints = {t: c for t, c in self._checkpoints.items() if t < action.at}
        self.board = self._board(self.position)

    # ------------------------------------------------------------ state

    def _fresh(self) -> _State:
        step = BoardStep(self.config, self.label, self._alarms)
        first_step = (math.floor(self.start / self._step_s) + 1) * self._step_s
        return _State(step, TrendHistory(self.config.interval_s, self._step_s), 0, first_step, 0.0)

    def _checkpoint_before(self, t: float) -> float | None:
        """The latest checkpoint at or before `t`."""
        return max((c for c in self._checkpoints if c <= t), default=None)

    def _restore(self, checkpoint: float | None) -> _State:
        if checkpoint is None:
            return self._fresh()
        state: _State = pickle.loads(self._checkpoints[checkpoint])
        return state

    def _run_to(self, t: float) -> None:
        s = self._state
        events = self.events
        n = len(events)
        actions = self._actions
        apply = s.step.apply
        next_action = actions[s.actions_done].at if s.actions_done < len(actions) else math.inf
        while True:
            next_at = events[s.index].at if s.index < n else math.inf
            # At one instant: the step closes, then events, then the operator (as it was given).
            if s.next_step <= t and s.next_step <= next_at and s.next_step <= next_action:
                self._close_step(s)
                continue
            if next_at <= t and next_at <= next_action:
                apply(events[s.index])
                s.index += 1
                continue
            if next_action > t:
                break
            # Actions never change which alarms fire, so this state accepts it as the first did.
            with contextlib.suppress(KeyError):
                self._apply_action(s, actions[s.actions_done])
            s.actions_done += 1
            next_action = actions[s.actions_done].at if s.actions_done < len(actions) else math.inf
        s.at = t

    @staticmethod
    def _apply_action(s: _State, action: OperatorAction) -> None:
        stepper = s.step.stepper
        assert stepper is not None
        stepper.advance(action.at)  # the alarms as the operator saw them
        if action.silence_s is None:
            stepper.acknowledge(action.fingerprint, action.by)
        else:
            stepper.silence(action.fingerprint, action.silence_s, action.by)

    def _close_step(self, s: _State) -> None:
        """Sample the floor at the end of a step without moving the engine past any event."""
        boundary = s.next_step
        engine = s.step.engine
        sample_at = max(engine.now, boundary - self._step_s)
        if s.step.stepper:
            # The alarms evaluate the seconds before the engine moves there (never after).
            s.step.stepper.advance(math.ceil(sample_at) - 1)
        s.history.close_step(boundary, engine.snapshot(sample_at))
        s.next_step = boundary + self._step_s
        c = self._checkpoint_every_s
        if math.isclose(boundary / c, round(boundary / c), abs_tol=1e-9):
            if s.step.stepper:
                # Seconds strictly before the boundary: events at it may still come.
                s.step.stepper.advance(math.ceil(boundary) - 1)
            if boundary not in self._checkpoints:
                self._checkpoints[boundary] = pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL)

    def _board(self, t: float) -> BoardUpdate:
        return self._state.step.board(t, self.status_at(t))

    @property
    def history(self) -> TrendHistory:
        return self._state.history

    @property
    def stepper(self) -> AlarmStepper | None:
        return self._state.step.stepper

    def status_at(self, t: float) -> SourceStatus:
        """The source's health at `t` as recorded (a recording keeps its disconnections)."""
        i = bisect.bisect_right(self._status_times, t)
        if t >= self.end:
            return SourceStatus(t, "ended", f"end of {self.label}")
        if i and self._statuses[i - 1].state != "ended":
            return self._statuses[i - 1]
        return SourceStatus(self.start, "live", f"replaying {self.label}")
