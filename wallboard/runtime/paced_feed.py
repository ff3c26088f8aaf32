"""A file source served as if it were live: paced replay for demos and tests.

At `speed` N the file's source time runs N times faster than the wall clock,
starting from its first event; at speed 0 the whole file is applied at once and
only the final state is published, which makes what viewers see deterministic.
Either way the feed ends holding the board at the last event's time, which is
the instant `wallboard metrics FILE` reports (when played at speed 0).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator

from wallboard.adapters.base import FileSource
from wallboard.alarms import AlarmStepper
from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine.settings import EngineConfig
from wallboard.events import Event
from wallboard.runtime.feed import BoardUpdate, FeedStats
from wallboard.runtime.step import AlarmFactory, BoardStep
from wallboard.status import SourceStatus

# Yield to the event loop this often while catching up, so viewers are served
# even while a day-long file is being read.
_EVENTS_PER_SLICE = 2000


class PacedFileFeed:
    """A `BoardFeed` over a file source, replayed at `speed` (0 = as fast as possible)."""

    def __init__(
        self,
        source: FileSource,
        config: EngineConfig,
        *,
        speed: float = 1.0,
        rate_hz: float = 4.0,
        alarms: AlarmFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.label = source.label
        self._source = source
        self._config = config
        self._speed = speed
        self._period = 1.0 / rate_hz
        self._alarms = alarms
        self._clock = clock
        self.stats = FeedStats()
        # The stepper of the replay under way, where a hub's supervisors acknowledge.
        self.alarms: AlarmStepper | None = None

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        step = BoardStep(self._config, self.label, self._alarms)
        self.alarms = step.stepper
        apply = step.apply
        items: Iterator[Event | SourceStatus] = iter(self._source.events())
        pending = next(items, None)
        if pending is None:
            return
        first_at, started = pending.at, self._clock()
        last_at = first_at
        status = SourceStatus(time.time(), "live", f"replaying {self.label}")
        while True:
            source_now = (
                first_at + (self._clock() - started) * self._speed if self._speed else math.inf
            )
            transitions: list[TransitionRecord] = []
            applied = 0
            while pending is not None and pending.at <= source_now:
                if isinstance(pending, SourceStatus):
                    status = pending
                    self.stats.state(pending.state)
                else:
                    last_at = max(last_at, pending.at)
                    self.stats.event(time.time())
                    transitions += apply(pending) or ()
                pending = next(items, None)
                applied += 1
                if applied % _EVENTS_PER_SLICE == 0:
                    await asyncio.sleep(0)
            if pending is None:
                break
            yield step.board(max(source_now, step.engine.now), status, transitions)
            await asyncio.sleep(self._period)
        final_at = max(last_at, step.engine.now)
        ended = SourceStatus(time.time(), "ended", f"end of {self.label}", status.limits)
        yield step.board(final_at, ended, transitions)
