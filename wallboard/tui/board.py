"""What every panel draws from: one coherent board per refresh tick.

The app publishes a new `Board` at most once per tick, however many events
arrived, and every panel watches it; panels never read each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from wallboard.engine.snapshot import ActiveAlarm, Snapshot
from wallboard.runtime.history import TrendHistory
from wallboard.status import SourceStatus
from wallboard.tui.snapshot_config import SnapshotConfig


@dataclass(frozen=True, slots=True)
class ReplayPosition:
    position: float
    start: float
    end: float
    speed: float
    paused: bool


@dataclass(frozen=True, slots=True)
class Board:
    """A snapshot plus how to read it: its instant, its freshness, the replay controls."""

    snapshot: Snapshot
    status: SourceStatus
    # How old the data is when the source is not delivering; None while it is.
    stale_s: float | None
    history: TrendHistory
    replay: ReplayPosition | None = None
    # The source has not delivered one board yet: no figures (to be old), no alarms.
    no_data: bool = False
    # The settings the figures were computed with (the hub's, for a viewer).
    config: SnapshotConfig = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", SnapshotConfig.of(self.snapshot.get("config", {})))

    def shows_same_as(self, other: Board | None) -> bool:
        """The same snapshot object read the same way (a paused replay): nothing to redraw."""
        return (
            other is not None
            and self.snapshot is other.snapshot
            and self.history is other.history
            and self.stale_s == other.stale_s
            and self.status == other.status
            and self.replay == other.replay
            and self.no_data == other.no_data
        )

    @property
    def now(self) -> float:
        """The board's instant: ages and time-in-state count from here, never the wall clock."""
        return float(self.snapshot["at"])

    def elapsed(self, since: float) -> float:
        """Seconds from `since` to the board's instant as the clock reads them: the clock's
        second less the second `since` fell in (never below zero).

        Every duration the board counts itself (time in state, an alarm's age) then
        ticks with the clock, all at once and once a second, instead of each at its own
        fraction of a second, which repainted some row at every 4 Hz tick of an idle
        board. It differs from the exact span by less than a second either way.
        """
        return float(max(0, math.floor(self.now) - math.floor(since)))

    @property
    def label(self) -> str:
        return str(self.snapshot.get("source", ""))

    @property
    def alarms(self) -> list[ActiveAlarm]:
        return list(self.snapshot.get("alarms", []))

    def local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, self.config.tz)
