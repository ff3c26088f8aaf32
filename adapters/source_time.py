"""The source-time guard: a timestamp is believed only if the stream around it agrees.

Every metric and every alarm runs on the source's own clock, so one absurd
stamp (a bit flip, a PBX whose clock jumped, a garbled line) would move the
board to another day, and the alarm stepper would have to walk through every
second in between. Each mapper therefore passes every record's time through a
`SourceClock` before anything else reads it. The rules (docs/INPUT.md):

- A time that is not finite, or outside [2000-01-01, 2100-01-01) UTC, is no
  time: the record is skipped.
- A time more than `max_jump_s` ahead of the stream's clock (the newest time
  accepted, plus, for a source that stamps records with our own clock on
  receipt, the time that passed on that clock since) is *suspect*: the record
  is held, not used. The next stamped record decides: if it is within
  `max_jump_s` of the suspect, the stream really moved (a quiet night, a clock
  corrected forward) and the held records are used in order; if it is back at
  the stream's clock, the suspects were wrong and are skipped.
- The very first time of a stream is a suspect too (there is no clock yet to
  judge it by), so a bogus first stamp cannot drag the stream's clock along.
- At the end of the input nothing contradicts the held records: they are used.

Records without a time of their own (AMI resync answers) are dated with the
receipt clock plus the offset between the two clocks seen last, and wait
behind held records so that the order of the stream never changes.

Pure: no clock, no I/O. Decisions depend only on the records, so a recording
replays exactly as its live run was read. Skips are reported as warnings, one
per burst of consecutive skipped records, for the caller to put a place on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

EARLIEST = 946_684_800.0
"""2000-01-01T00:00:00Z: no call-centre event is older (and 0 is an unset clock)."""
LATEST = 4_102_444_800.0
"""2100-01-01T00:00:00Z: beyond any source's clock, and far inside the calendar's range."""
DEFAULT_MAX_JUMP_S = 60.0
"""How far ahead of the stream's clock a time may be before the next record must confirm it."""
NAMED_IN_WARNING = 3
"""How many distinct record names a warning about a burst lists."""
CONFIRM_LOOK_BACK = 16
"""Held times a new time is compared with (the latest first) to confirm one of them."""
MAX_HELD = 10_000
"""Records held at most while a suspect waits for its verdict; past it the oldest is decided."""

T = TypeVar("T")


def plausible(at: float) -> bool:
    """Whether `at` can be a source time at all (finite, in this century)."""
    return EARLIEST <= at < LATEST


def utc_text(at: float) -> str:
    """A time as people read it in a warning; the raw number when it is no time."""
    if not plausible(at):
        return f"{at:g}"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(slots=True)
class _Held(Generic[T]):
    at: float | None  # None: a record without a time of its own
    received_at: float | None
    item: T
    index: int  # which record of the stream it was (for the warnings)


class SourceClock(Generic[T]):
    """The clock of one stream, and the gate every record's time passes.

    `admit` takes a record's own time (`None` if it has none), the receipt
    clock's reading (`None` for a file line that has only its own stamp) and
    the caller's item; it returns the items whose time is now decided, in
    stream order, each with its time. Skipped ones are gone, with a warning.
    """

    def __init__(
        self,
        max_jump_s: float = DEFAULT_MAX_JUMP_S,
        *,
        noun: str = "record",
        name: Callable[[T], str] | None = None,
    ) -> None:
        """`name` tells a skipped item's name for the warning (an AMI event's), if it has one."""
        if not max_jump_s > 0:
            raise ValueError("max_jump_s must be positive")
        self.max_jump_s = max_jump_s
        self.noun = noun
        self._name = name
        self._burst_names: list[str] = []
        self.now: float | None = None  # the stream's clock: the newest time used
        self.skipped = 0
        self._now_received: float | None = None
        self._offset = 0.0  # source clock minus receipt clock, as last seen
        self._held: list[_Held[T]] = []
        self._index = 0
        self.warnings: list[str] = []
        self._burst: list[float] = []  # times skipped since the last time used
        self._burst_index = 0

    # ------------------------------------------------------------------ input

    def admit(self, at: float | None, received_at: float | None, item: T) -> list[tuple[float, T]]:
        """The items decided by this record (usually just it); see the module docstring."""
        self._index += 1
        now = self.now
        if (  # the usual record, decided inline: in order, near the clock, nothing held
            at is not None
            and now is not None
            and not self._held
            and EARLIEST <= at < LATEST
            and at <= now + self.max_jump_s
        ):
            if at >= now:
                self.now, self._now_received = at, received_at
            if received_at is not None:
                self._offset = at - received_at
            if self._burst:
                self._end_burst()
            return [(at, item)]
        if at is None:
            if not self._held:
                return [(self._undated(received_at), item)]
            self._hold(at, received_at, item)
            return []
        if not plausible(at):  # also nan, whose every comparison is false
            self._skip(at, self._index, item)
            return []
        if self._fits(at, received_at):
            out = self._decide(at) if self._held else []  # back at the stream's time
        elif self._confirms(at, received_at):
            out = self._decide(at)  # the stream did move there
        else:
            self._hold(at, received_at, item)
            return self._settle() if len(self._held) > MAX_HELD else []
        self._use(at, received_at)
        out.append((at, item))
        return out

    def flush(self) -> list[tuple[float, T]]:
        """End of input: nothing contradicts the held records any more, so they are used."""
        out = self._settle()
        self._end_burst()
        return out

    def take_warnings(self) -> list[str]:
        """The warnings so far (one per burst of skipped records), each once."""
        warnings = self.warnings
        if warnings:
            self.warnings = []
        return warnings

    # ---------------------------------------------------------------- helpers

    def _allowance(self, since_received: float | None, received_at: float | None) -> float:
        """`max_jump_s`, plus the time the receipt clock says passed between two records."""
        if since_received is None or received_at is None or received_at <= since_received:
            return self.max_jump_s
        return self.max_jump_s + (received_at - since_received)

    def _fits(self, at: float, received_at: float | None) -> bool:
        """Not ahead of the stream's clock (a first time: agrees with the receipt clock)."""
        if self.now is not None:
            return at <= self.now + self._allowance(self._now_received, received_at)
        return received_at is not None and abs(at - received_at) <= self.max_jump_s

    def _confirms(self, at: float, received_at: float | None) -> bool:
        """Whether `at` is near one of the latest held times: the stream continues there.

        Away from a clock it has, the stream must also move on past that time: a PBX
        clock wrong for a moment stamps a burst of records with one time, and those
        must not vouch for each other. (A first time has no clock to be drawn from.)
        """
        looked = 0
        later = self.now is not None
        for held in reversed(self._held):
            if held.at is None:
                continue
            if (held.at < at or not later) and abs(at - held.at) <= self._allowance(
                held.received_at, received_at
            ):
                return True
            looked += 1
            if looked == CONFIRM_LOOK_BACK:
                break
        return False

    def _undated(self, received_at: float | None) -> float:
        if received_at is None:
            return self.now if self.now is not None else EARLIEST
        return received_at + self._offset

    def _use(self, at: float, received_at: float | None) -> None:
        if self.now is None or at >= self.now:
            self.now, self._now_received = at, received_at
        if received_at is not None:
            self._offset = at - received_at
        self._end_burst()

    def _hold(self, at: float | None, received_at: float | None, item: T) -> None:
        self._held.append(_Held(at, received_at, item, self._index))

    def _decide(self, at: float) -> list[tuple[float, T]]:
        """Settle the held records against a confirmed time: use those not far beyond it."""
        out: list[tuple[float, T]] = []
        held, self._held = self._held, []
        for record in held:
            if record.at is None:
                out.append((self._undated(record.received_at), record.item))
            elif record.at <= at + self.max_jump_s:
                self._use(record.at, record.received_at)
                out.append((record.at, record.item))
            else:
                self._skip(record.at, record.index, record.item)
        return out

    def _settle(self) -> list[tuple[float, T]]:
        """Decide the held records by the latest of them, as nothing later can."""
        for held in reversed(self._held):
            if held.at is not None:
                return self._decide(held.at)
        return self._decide(math.inf)

    def _skip(self, at: float, index: int, item: T) -> None:
        self.skipped += 1
        if not self._burst:
            self._burst_index = index
        self._burst.append(at)
        if self._name is not None and len(self._burst_names) <= NAMED_IN_WARNING:
            name = self._name(item)
            if name not in self._burst_names:
                self._burst_names.append(name)

    def _end_burst(self) -> None:
        burst, self._burst = self._burst, []
        if not burst:
            return
        names, self._burst_names = self._burst_names, []
        count, back, noun = len(burst), self._index - self._burst_index, self.noun
        what = f"{count} {noun}{'s' if count > 1 else ''}"
        if back == 0:
            what = f"this {noun}"
        else:
            what += f" {'from ' if count > 1 else ''}{back} {noun}{'s' if back > 1 else ''} back"
        if names:
            more = ", ..." if len(names) > NAMED_IN_WARNING else ""
            what += f" ({', '.join(names[:NAMED_IN_WARNING])}{more})"
        impossible = [at for at in burst if not plausible(at)]
        if impossible:
            reason = f"timestamp {_span(impossible)} is not a time between 2000 and 2100 UTC"
        else:
            clock = f" ({utc_text(self.now)})" if self.now is not None else ""
            reason = (
                f"timestamp {_span(burst)} is more than {self.max_jump_s:g} s ahead of "
                f"the stream's clock{clock} and the stream did not follow"
            )
        self.warnings.append(f"skipped {what}: {reason}")


def _span(times: list[float]) -> str:
    finite = [t for t in times if not math.isnan(t)]
    if not finite:
        return "nan"
    low, high = min(finite), max(finite)
    return utc_text(low) if low == high else f"{utc_text(low)} .. {utc_text(high)}"
