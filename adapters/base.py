"""What every source has in common: raw records in, normalized events out.

Each adapter is split the sans-I/O way: a *reader* (socket, file) produces
`RawRecord`s exactly as the source gave them, and a pure *mapper* turns raw
records into `wallboard.events`. Recordings store the raw records, so a
recorded shift replays through the same mapper as the live one did (and
benefits from every mapping fix made since).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal, NamedTuple, Protocol

from wallboard.events import Event
from wallboard.status import SourceStatus

RawKind = Literal["ami", "queue_log", "status", "tick"]


class RawRecord(NamedTuple):
    """One unit of source input, with the moment the adapter received it.

    `payload` is, by kind: `ami`, a list of `[header, value]` pairs in wire
    order (repeated headers kept); `queue_log`, one line without its newline;
    `status`, a `SourceStatus` as a dict; `tick`, None: a second went by
    with nothing received (it moves a mapper's clock on: a decision waiting
    for more events is released by source time, and a quiet PBX must not
    hold it back).
    """

    received_at: float
    kind: RawKind
    payload: Any


class Mapper(Protocol):
    """Pure translation of raw records into events (no clock, no I/O)."""

    def feed(self, record: RawRecord) -> list[Event | SourceStatus]: ...

    def flush(self) -> list[Event | SourceStatus]:
        """What the mapper still holds back; called once at the end of the input."""
        ...

    def take_warnings(self) -> list[str]:
        """Problems met since the last call, for the caller to name the place."""
        ...


class FileSource(Protocol):
    """A finite source read as fast as possible (queue_log files, recordings)."""

    label: str

    def raw(self) -> Iterator[RawRecord]: ...

    def events(self) -> Iterator[Event | SourceStatus]: ...


class LiveSource(Protocol):
    """An endless source (AMI, a hub) that runs inside the asyncio loop."""

    label: str

    def raw(self) -> AsyncIterator[RawRecord]: ...

    def events(self) -> AsyncIterator[Event | SourceStatus]: ...
