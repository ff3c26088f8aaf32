"""Fan-out of one source's boards to many viewers, with no sockets involved.

Each viewer owns a one-board slot. A new board replaces an unsent one (keeping
its alarm transitions), so a stalled viewer costs one board of memory, however
long it stalls, and a viewer that catches up gets the latest picture, never a
backlog. The channel throttles a source to the hub's rate but lets alarm
transitions through at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine.snapshot import ActiveAlarm
from wallboard.hub.protocol import BoardFrame
from wallboard.runtime.feed import BoardUpdate


class LatestSlot:
    """What one viewer has yet to be sent: at most one board."""

    __slots__ = ("_board", "_ready")

    def __init__(self) -> None:
        self._board: BoardFrame | None = None
        self._ready = asyncio.Event()

    @property
    def pending(self) -> BoardFrame | None:
        return self._board

    def put(self, board: BoardFrame) -> None:
        older = self._board
        self._board = board if older is None else board.following(older)
        self._ready.set()

    def replace(self, board: BoardFrame | None) -> None:
        """A fresh start (a new subscription): whatever was owed before no longer applies."""
        self._board = board
        if board is None:
            self._ready.clear()
        else:
            self._ready.set()

    async def take(self) -> BoardFrame:
        await self._ready.wait()
        self._ready.clear()
        board, self._board = self._board, None
        assert board is not None  # _ready is only set together with a board
        return board


class Channel:
    """One source as the hub publishes it: its latest board and the slots of its viewers."""

    def __init__(
        self,
        name: str,
        label: str,
        rate_hz: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.label = label
        self.latest: BoardFrame | None = None
        self.slots: set[LatestSlot] = set()
        self._period = 1.0 / rate_hz
        self._clock = clock
        self._waiting: BoardFrame | None = None
        self._next_at = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, update: BoardUpdate) -> None:
        """Take a board from the feed; publish now if due or if it carries alarm transitions."""
        board = BoardFrame(self.name, self._as_published(update))
        self._waiting = board if self._waiting is None else board.following(self._waiting)
        now = self._clock()
        if update.transitions or now >= self._next_at:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._next_at - now, self.flush)

    def _as_published(self, update: BoardUpdate) -> BoardUpdate:
        """The board under the source's name: its label (a recording's path, an AMI user and
        host) is the hub's business, not its viewers' (docs/HUB.md)."""
        label, status = self.label, update.status
        if label and label in status.detail:
            status = replace(status, detail=status.detail.replace(label, self.name))
        snapshot = update.snapshot
        if "source" in snapshot:
            snapshot = {**snapshot, "source": self.name}
        elif status is update.status:
            return update
        return BoardUpdate(snapshot, status, update.transitions)

    def flush(self) -> None:
        """Publish the waiting board to every viewer (the last one of a finished feed, too)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        board, self._waiting = self._waiting, None
        if board is None:
            return
        self.latest = board
        self._next_at = self._clock() + self._period
        for slot in self.slots:
            slot.put(board)

    @property
    def newest(self) -> BoardFrame | None:
        """The newest board, published or still held back by the rate."""
        return self._waiting or self.latest

    def announce(self, transitions: list[TransitionRecord], alarms: list[ActiveAlarm]) -> None:
        """Publish at once the newest board with operator transitions and the alarms they left."""
        board = self.newest
        if board is None:
            return
        update = board.update
        self.offer(BoardUpdate({**update.snapshot, "alarms": alarms}, update.status, transitions))

    def join(self, slot: LatestSlot) -> None:
        """Add a viewer, who gets the latest board straight away."""
        self.slots.add(slot)
        slot.replace(self.latest.without_transitions() if self.latest else None)

    def leave(self, slot: LatestSlot) -> None:
        self.slots.discard(slot)
