"""What every front end consumes: a stream of board updates.

A live collector, a hub client and a replay all produce `BoardUpdate`s, so the
TUI, `wallboard metrics ws://...` and `wallboard alerts` do not care where the
numbers come from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine.snapshot import ActiveAlarm, Snapshot
from wallboard.status import ConnectionState, SourceStatus


@dataclass(frozen=True, slots=True)
class BoardUpdate:
    """One coherent picture of the floor at `snapshot["at"]`.

    `snapshot` is the engine's JSON layout (docs/ENGINE.md) with `source` and
    `alarms` (the active alarms) filled in; `transitions` are the alarm state
    changes since the previous update, in order.
    """

    snapshot: Snapshot
    status: SourceStatus
    transitions: list[TransitionRecord] = field(default_factory=list)

    @property
    def at(self) -> float:
        return float(self.snapshot["at"])


@dataclass(slots=True)
class FeedStats:
    """How a source itself is doing, beside its boards (the hub's `/metrics` publishes it).

    `reconnects` counts the times the source came back live after losing a
    live connection; `last_event_at` is the wall-clock time the latest event arrived.
    """

    events: int = 0
    reconnects: int = 0
    last_event_at: float | None = None
    _was_live: bool = False
    _lost: bool = False

    def event(self, wall_clock: float) -> None:
        self.events += 1
        self.last_event_at = wall_clock

    def state(self, state: ConnectionState) -> None:
        # A resync also ends in "live"; only one that follows a lost connection is a reconnect.
        if state == "live":
            self.reconnects += self._lost
            self._was_live, self._lost = True, False
        elif state == "disconnected" and self._was_live:
            self._lost = True


class BoardFeed(Protocol):
    """An endless (live) or finite (file) stream of updates."""

    label: str

    def updates(self) -> AsyncIterator[BoardUpdate]: ...


@runtime_checkable
class CountedFeed(Protocol):
    """A feed that runs its source itself (a collector, a paced file), so it can count it."""

    stats: FeedStats


class AlarmDesk(Protocol):
    """Where acknowledgements and silences of a feed's alarms go (its `AlarmStepper`).

    Each returns the transition it made, in the shape of `BoardUpdate.transitions`;
    KeyError when the alarm is not (or no longer) there.
    """

    def acknowledge(self, fingerprint: str, by: str) -> TransitionRecord: ...

    def silence(self, fingerprint: str, duration_s: float, by: str) -> TransitionRecord: ...

    def active(self) -> list[ActiveAlarm]: ...
