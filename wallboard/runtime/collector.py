"""The live runtime: one source into one engine, published as board updates.

The collector is the only writer of its engine. It reads a live source as fast
as the source delivers (Asterisk drops slow AMI readers), and publishes
coalesced updates at a fixed rate, so an event storm costs one refresh per tick,
not one per event. Alarm rules are stepped through every whole second of
source time, exactly as a replay steps them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from wallboard.adapters.base import LiveSource
from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine.settings import EngineConfig
from wallboard.runtime.feed import BoardUpdate, FeedStats
from wallboard.runtime.step import AlarmFactory, BoardStep
from wallboard.status import SourceStatus

log = logging.getLogger(__name__)

# How far the board trails the source's clock between events. Ticking right up
# to "now" would move the engine's clock past events still in flight, which then
# arrive "late" and are clamped; half a second absorbs the network's jitter.
LIVE_LAG_S = 0.5


class Collector:
    """Runs a live source into an engine and serves updates to any number of readers."""

    def __init__(
        self,
        source: LiveSource,
        config: EngineConfig,
        *,
        alarms: AlarmFactory | None = None,
        rate_hz: float = 4.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.label = source.label
        self._step = BoardStep(config, source.label, alarms)
        self._waiting = BoardStep(config, source.label)
        self.engine = self._step.engine
        self._source = source
        self.alarms = self._step.stepper
        self._period = 1.0 / rate_hz
        self._clock = clock
        self._offset: float | None = None
        self.status = SourceStatus(clock(), "connecting")
        self.stats = FeedStats()
        self._subscribers: list[_Subscriber] = []
        self._changed = asyncio.Event()
        self.ended = False
        self.latest = self._tick()

    def source_now(self) -> float | None:
        """The source's clock now, estimated from the latest event's lag or lead on ours.

        `None` until the first event: the source's clock is unknown, and the
        board stays where the engine is.
        """
        if self._offset is None:
            return None
        return self._clock() + self._offset - LIVE_LAG_S

    def _tick(self) -> BoardUpdate:
        now = self.source_now()
        if now is None:
            # Nothing from the source yet: an empty floor at our clock (not the engine's,
            # whose clock must start at the source's first event, nor 1970).
            update = self._waiting.board(max(self._clock(), self._waiting.engine.now), self.status)
            return BoardUpdate(update.snapshot, update.status)
        update = self._step.board(now, self.status)
        self._publish(update.transitions)
        return BoardUpdate(update.snapshot, update.status)

    def _publish(self, transitions: list[TransitionRecord]) -> None:
        if transitions:
            for subscriber in self._subscribers:
                subscriber.pending.extend(transitions)

    async def run(self) -> None:
        """Consume the source until it ends, publishing a fresh board every tick."""
        ticker = asyncio.create_task(self._run_ticker())
        apply = self._step.apply
        try:
            async for item in self._source.events():
                if isinstance(item, SourceStatus):
                    if item.limits != self.status.limits:
                        _say_limits(self.label, item.limits)
                    self.status = item
                    self.stats.state(item.state)
                    log.info("%s: %s %s", self.label, item.state, item.detail)
                    continue
                now = self._clock()
                self._offset = item.at - now
                self.stats.event(now)
                transitions = apply(item)
                if transitions:
                    self._publish(transitions)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            self.latest = self._tick()
            self.ended = True
            self._changed.set()

    async def _run_ticker(self) -> None:
        while True:
            self.latest = self._tick()
            self._changed.set()
            self._changed = asyncio.Event()
            await asyncio.sleep(self._period)

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        """The latest board at each tick, until the final one once `run` has ended.

        Alarm transitions are never coalesced away.
        """
        subscriber = _Subscriber()
        self._subscribers.append(subscriber)
        try:
            while True:
                changed, ended = self._changed, self.ended
                pending, subscriber.pending = subscriber.pending, []
                latest = self.latest
                yield BoardUpdate(latest.snapshot, latest.status, pending)
                if ended:
                    return
                await changed.wait()
        finally:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)


class _Subscriber:
    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: list[TransitionRecord] = []


def _say_limits(label: str, limits: tuple[str, ...]) -> None:
    """What the source was just found unable to see (or able again), said once."""
    if limits:
        log.warning("%s: the source cannot see everything: %s", label, "; ".join(limits))
    else:
        log.info("%s: the source sees everything the board reads", label)
