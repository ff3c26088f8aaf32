"""Where boards come from: a replay driven by the app's clock, or a live feed.

Both produce one `Board` per refresh tick. The live side keeps only the newest
update from the feed (coalescing any storm) and marks the board stale, with
its age, as soon as the source stops delivering: a frozen board must never
look live.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from wallboard.alarms import AlarmStepper
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import ActiveAlarm
from wallboard.runtime.feed import BoardFeed, BoardUpdate
from wallboard.runtime.history import TrendHistory
from wallboard.runtime.replayer import Replayer
from wallboard.runtime.step import BoardStep
from wallboard.status import STALE_STATES, SourceStatus
from wallboard.tui.board import Board, ReplayPosition
from wallboard.tui.snapshot_config import SnapshotConfig

# A live feed publishes at 4 Hz; this long without an update means it stalled.
STALL_S = 3.0
# The board's refresh rate at most (a live board's, and a replay's while its figures move).
REFRESH_HZ = 4.0
# The longest a replay's board waits for its next tick (paused, played out, or quiet).
IDLE_TICK_S = 1.0
# A timer may fire a little early: the tick lands just past the instant it waits for.
TIMER_SLACK_S = 0.005


class ReplayControl:
    """Moves a replayer on by the wall time elapsed between ticks, times its speed."""

    def __init__(self, replayer: Replayer, clock: Callable[[], float] = time.monotonic) -> None:
        self.replayer = replayer
        self._clock = clock
        self._last_tick = clock()

    def board(self) -> Board:
        now = self._clock()
        self.replayer.tick(now - self._last_tick)
        self._last_tick = now
        return self.current()

    def next_tick_s(self) -> float:
        """Wall seconds until the board can next read differently: the next whole second
        of source time or the next change the replay holds, at most four ticks a second
        and at least one (an idle board at 1x then ticks once a second, not four times)."""
        r = self.replayer
        if r.paused or r.at_end:
            return IDLE_TICK_S
        due = min(math.floor(r.position) + 1, r.next_change_at())
        wall = (due - r.position) / r.speed + TIMER_SLACK_S
        return min(max(wall, 1.0 / REFRESH_HZ), IDLE_TICK_S)

    def restart_clock(self) -> None:
        """The next tick moves on from now: time spent seeking is not time played."""
        self._last_tick = self._clock()

    def current(self) -> Board:
        r = self.replayer
        update = r.board
        status = update.status
        stale = update.at - status.at if status.state in STALE_STATES else None
        return Board(
            update.snapshot,
            status,
            stale,
            r.history,
            ReplayPosition(r.position, r.start, r.end, r.speed, r.paused),
        )

    def acknowledge(self, alarm: ActiveAlarm, silence_s: float | None, by: str) -> str:
        """Through the replayer, which keeps the mark for when the replay passes here again."""
        replayer = self.replayer
        return _acknowledge(replayer if replayer.stepper else None, alarm, silence_s, by)


class LiveControl:
    """Consumes a `BoardFeed` in the background; the app asks for the newest board each tick."""

    def __init__(
        self,
        feed: BoardFeed,
        config: EngineConfig,
        *,
        alarms: AlarmStepper | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.feed = feed
        self.config = config
        self.history = TrendHistory(config.interval_s)
        self._alarms = alarms
        self._clock = clock
        self._wall_clock = wall_clock
        self._latest: BoardUpdate | None = None
        self._received = clock()
        self._started = clock()
        self._fresh_until: float | None = None

    async def consume(self) -> None:
        async for update in self.feed.updates():
            self._latest = update
            self._received = self._clock()
            if update.status.state not in STALE_STATES:
                self._fresh_until = self._wall_clock()
                # Intervals as the source reports them (a hub's may differ from ours).
                interval_s = SnapshotConfig.of(update.snapshot.get("config", {})).interval_s
                if interval_s != self.history.interval_s:
                    self.history = TrendHistory(interval_s)
                self.history.observe(update.snapshot)

    def board(self) -> Board:
        latest = self._latest
        quiet = self._clock() - self._received
        if latest is None:
            # An empty floor from a real engine keeps every panel's layout.
            at = self._wall_clock()
            status = SourceStatus(self._wall_clock(), "connecting", "waiting for the first board")
            empty = BoardStep(self.config, self.feed.label).board(at, status)
            return Board(empty.snapshot, status, quiet, self.history, no_data=True)
        status = latest.status
        stale: float | None = None
        if status.state in STALE_STATES:
            # Age since the figures were last fresh: a source that keeps failing
            # to reconnect re-announces "disconnected", which must not reset it.
            since = status.at if self._fresh_until is None else self._fresh_until
            stale = max(0.0, self._wall_clock() - since)
        elif status.state != "ended" and quiet > STALL_S:
            stale = quiet
            status = SourceStatus(status.at, "disconnected", f"no update for {quiet:.0f} s")
        no_data = self._fresh_until is None  # never live: its boards are empty floors
        return Board(latest.snapshot, status, stale, self.history, no_data=no_data)

    def acknowledge(self, alarm: ActiveAlarm, silence_s: float | None, by: str) -> str:
        return _acknowledge(self._alarms, alarm, silence_s, by)


class _AlarmDesk(Protocol):
    """Where an operator's marks go: a live stepper, or a replayer that replays them."""

    def acknowledge(self, fingerprint: str, by: str) -> object: ...

    def silence(self, fingerprint: str, duration_s: float, by: str) -> object: ...


def _acknowledge(
    stepper: _AlarmDesk | None, alarm: ActiveAlarm, silence_s: float | None, by: str
) -> str:
    """Acknowledge or silence on the evaluator that raised the alarm; says what happened."""
    if stepper is None:
        return "alarms of this source cannot be acknowledged here"
    try:
        if silence_s is None:
            stepper.acknowledge(alarm["fingerprint"], by)
            return f"acknowledged {alarm['rule']}"
        stepper.silence(alarm["fingerprint"], silence_s, by)
        return f"silenced {alarm['rule']} for {silence_s / 60:.0f} min"
    except KeyError:
        return f"{alarm['rule']} is no longer firing"
