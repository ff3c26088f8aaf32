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
from typing import Any, Protocol

from wallboard.adapters.base import LiveSource, SourceStatus
from wallboard.config import EngineConfig
from wallboard.engine import Engine
from wallboard.events import Event
from wallboard.feed import BoardUpdate

log = logging.getLogger(__name__)


class AlarmStepper(Protocol):
    """Alarm evaluation driven by source time (see `wallboard.alarms`)."""

    def apply(self, event: Event) -> list[dict[str, Any]]: ...

    def advance(self, t: float) -> list[dict[str, Any]]: ...

    def active(self) -> list[dict[str, Any]]: ...


class Collector:
    """Runs a live source into an engine and serves updates to any number of readers."""

    def __init__(
        self,
        source: LiveSource,
        config: EngineConfig,
        *,
        alarms: Callable[[Engine], AlarmStepper] | None = None,
        rate_hz: float = 4.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.label = source.label
        self.engine = Engine(config)
        self._source = source
        self._alarms = alarms(self.engine) if alarms else None
        self._period = 1.0 / rate_hz
        self._clock = clock
        self._offset = 0.0
        self.status = SourceStatus(clock(), "connecting")
        self._subscribers: list[_Subscriber] = []
        self._changed = asyncio.Event()
        self.latest = self._tick()

    def source_now(self) -> float:
        """The source's clock now: wall time shifted by the latest event's lag or lead."""
        return max(self.engine.now, self._clock() + self._offset)

    def _tick(self) -> BoardUpdate:
        now = self.source_now()
        transitions = self._alarms.advance(now) if self._alarms else []
        snapshot = self.engine.snapshot(now)
        snapshot["source"] = self.label
        snapshot["alarms"] = self._alarms.active() if self._alarms else []
        self._publish(transitions)
        return BoardUpdate(snapshot, self.status)

    def _publish(self, transitions: list[dict[str, Any]]) -> None:
        if transitions:
            for subscriber in self._subscribers:
                subscriber.pending.extend(transitions)

    async def run(self) -> None:
        """Consume the source until it ends, publishing a fresh board every tick."""
        ticker = asyncio.create_task(self._run_ticker())
        try:
            async for item in self._source.events():
                if isinstance(item, SourceStatus):
                    self.status = item
                    log.info("%s: %s %s", self.label, item.state, item.detail)
                    continue
                self._offset = item.at - self._clock()
                if self._alarms:
                    self._publish(self._alarms.apply(item))
                else:
                    self.engine.apply(item)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            self.latest = self._tick()
            self._changed.set()

    async def _run_ticker(self) -> None:
        while True:
            self.latest = self._tick()
            self._changed.set()
            self._changed = asyncio.Event()
            await asyncio.sleep(self._period)

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        """The latest board at each tick; alarm transitions are never coalesced away."""
        subscriber = _Subscriber()
        self._subscribers.append(subscriber)
        try:
            while True:
                changed = self._changed
                pending, subscriber.pending = subscriber.pending, []
                latest = self.latest
                yield BoardUpdate(latest.snapshot, latest.status, pending)
                await changed.wait()
        finally:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)


class _Subscriber:
    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
