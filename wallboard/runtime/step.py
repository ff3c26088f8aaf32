"""The one step from events to boards: an engine, its alarm stepper, and the board they make.

The live collector, the replayer, the paced file feed and the TUI's empty
first board all go through it, so a board is put together (snapshot, source
label, active alarms, the transitions up to its instant) the same way
everywhere, and a replay's board is the live one.
"""

from __future__ import annotations

from collections.abc import Callable

from wallboard.alarms import AlarmStepper
from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import SourceStatus

AlarmFactory = Callable[[Engine], AlarmStepper]


class BoardStep:
    """One engine, and the alarm stepper that evaluates its rules, read as boards.

    `apply` is the engine's own `apply` when there are no rules (the hot path
    pays for no extra call), else the stepper's, which evaluates every whole
    second before the event first; either way it returns the alarm transitions
    (`None` or empty when there are none).
    """

    def __init__(
        self, config: EngineConfig, label: str, alarms: AlarmFactory | None = None
    ) -> None:
        self.label = label
        self.engine = Engine(config)
        self.stepper = alarms(self.engine) if alarms else None
        self.apply: Callable[[Event], list[TransitionRecord] | None] = (
            self.stepper.apply if self.stepper else self.engine.apply
        )

    def board(
        self,
        at: float,
        status: SourceStatus,
        transitions: list[TransitionRecord] | None = None,
    ) -> BoardUpdate:
        """The board at `at`: alarms evaluated up to it, their transitions after `transitions`."""
        stepper = self.stepper
        changes = list(transitions or ())
        if stepper:
            changes += stepper.advance(at)
        snapshot = self.engine.snapshot(at)
        snapshot["source"] = self.label
        snapshot["alarms"] = stepper.active() if stepper else []
        return BoardUpdate(snapshot, status, changes)
