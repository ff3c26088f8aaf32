"""Recordings: a source's raw records in a crash-safe msgpack stream.

A recording keeps what the source said, not what we made of it, so a recorded
shift replays through today's mappers (with every fix made since). The file is
a plain concatenation of msgpack objects (header, then one array per record)
with no index or footer, so a power cut loses at most the record being
written. The exact layout is in docs/RECORDING.md.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO

import msgpack

from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogMapper, member_names, open_binary
from wallboard.adapters.source_time import LATEST
from wallboard.engine.settings import (
    EngineConfig,
    QueueSettings,
    empty_conditions_text,
    engine_config_from_mapping,
)
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.status import SourceStatus

if TYPE_CHECKING:
    from wallboard.adapters.ami.mapper import AmiMapper

log = logging.getLogger(__name__)

FORMAT = "wallboard-recording"
VERSION = 1
MAGIC = msgpack.packb("format") + msgpack.packb(FORMAT)
"""The bytes right after the header's map prefix: the header's first key and value."""

FLUSH_EVERY_S = 1.0
SYNC_EVERY_S = 10.0
_MAX_OBJECT_BYTES = 64 * 1024 * 1024
# What msgpack raises on bytes that are no msgpack (an unhashable map key is a TypeError).
_READ_ERRORS = (ValueError, TypeError, msgpack.UnpackException)
MAX_BAD_RECORDS = 100
"""Well-formed objects of the wrong shape in a row past which the rest is taken as corrupt."""


def is_recording(head: bytes) -> bool:
    """Whether a file starts like a recording (any version): a map whose first entry is "format"."""
    if head[:1] and 0x80 <= head[0] <= 0x8F:
        return head[1:].startswith(MAGIC)
    if head[:1] == b"\xde":  # map 16
        return head[3:].startswith(MAGIC)
    return False


def _queue_table(settings: QueueSettings) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key in QueueSettings.__slots__:
        value = getattr(settings, key)
        if value is None or (key == "caller_timeout_s" and not value):
            continue
        if key == "leavewhenempty":
            value = empty_conditions_text(value)
        elif key == "caller_timeout_s":
            value = list(value)
        table[key] = value
    return table


def engine_settings(config: EngineConfig) -> dict[str, Any]:
    """The engine settings as an `[engine]` table: `engine_config_from_mapping` reads it back.

    It also carries the `[agents]` table, under `agents`.
    """
    queues = {name: _queue_table(settings) for name, settings in sorted(config.queues.items())}
    agents = {
        key: {"name": agent.name, "team": agent.team}
        for key, agent in sorted(config.agents.items())
    }
    return {
        "sl_threshold_s": config.sl_threshold_s,
        "sl_variant": config.sl_variant,
        "sl_target": config.sl_target,
        "short_abandon_s": config.short_abandon_s,
        "queued_min_s": config.queued_min_s,
        "windows_s": [config.window_s, *config.extra_windows_s],
        "interval_s": config.interval_s,
        "day_start": config.day_start.isoformat(),
        "timezone": config.timezone,
        "occupancy_includes_wrap": config.occupancy_includes_wrap,
        "queues": queues,
        "agents": agents,
    }


class RecordingWriter:
    """Appends raw records; flushed at least every second, fsync'd every ten.

    Flushing happens on `write` when due; a writer that may go quiet (a live
    source at night) should also call `flush()` from a one-second timer.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        source: str,
        config: EngineConfig,
        force: bool = False,
        started_at: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        try:
            self._file: BinaryIO = self.path.open("wb" if force else "xb")
        except FileExistsError:
            raise WallboardError(
                f"{self.path}: already exists (use --force to overwrite)"
            ) from None
        except OSError as exc:
            raise WallboardError(f"{self.path}: cannot write ({exc.strerror})") from exc
        self._packer = msgpack.Packer(use_bin_type=True)
        self._clock = clock
        self.records = 0
        header = {
            "format": FORMAT,
            "version": VERSION,
            "source": source,
            "timezone": config.timezone,
            "started_at": time.time() if started_at is None else started_at,
            "config": engine_settings(config),
        }
        self._file.write(self._packer.pack(header))
        self._flushed_at = self._synced_at = clock()
        self.flush(sync=True)

    def write(self, record: RawRecord) -> None:
        self._file.write(self._packer.pack([record.received_at, record.kind, record.payload]))
        self.records += 1
        if self._clock() - self._flushed_at >= FLUSH_EVERY_S:
            self.flush()

    def flush(self, sync: bool = False) -> None:
        """Hand buffered records to the OS; also to the disk when `sync` or a sync is due."""
        self._file.flush()
        now = self._clock()
        self._flushed_at = now
        if sync or now - self._synced_at >= SYNC_EVERY_S:
            os.fsync(self._file.fileno())
            self._synced_at = now

    def close(self) -> None:
        if not self._file.closed:
            self.flush(sync=True)
            self._file.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _unpacker(handle: BinaryIO) -> msgpack.Unpacker:
    return msgpack.Unpacker(
        handle, raw=False, strict_map_key=False, max_buffer_size=_MAX_OBJECT_BYTES
    )


def _header(path: Path, unpacker: msgpack.Unpacker) -> dict[str, Any]:
    try:
        header = next(unpacker)
    except (StopIteration, *_READ_ERRORS):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise WallboardError(f"{path}: not a wallboard recording (bad or missing header)")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise WallboardError(
            f"{path}: recording format version {version!r}; this wallboard reads up to {VERSION}"
        )
    return header


def _record(item: Any) -> RawRecord:
    """The record an unpacked object is; ValueError (saying why) when it is not one.

    Checks exact types: msgpack only ever makes plain list, str, int, float and
    bool (a bool is not a time). What a payload holds is the mapper's to check.
    """
    if type(item) is not list or len(item) != 3:
        raise ValueError("not a [received_at, kind, payload] array")
    received_at, kind, _ = item
    if type(kind) is not str:
        raise ValueError(f"its kind is {type(kind).__name__}, not text")
    if type(received_at) not in (float, int) or not 0 <= received_at < LATEST:
        raise ValueError(f"its received_at {str(received_at)[:24]!r} is no time")
    item[0] = float(received_at)
    return _as_record(RawRecord, item)


# Builds the named tuple straight from the unpacked list, without a Python-level __new__.
_as_record = tuple.__new__


class RecordingSource:
    """A recording replayed through the mapper of each record's kind (a `FileSource`)."""

    def __init__(self, path: str | Path, config: EngineConfig | None = None) -> None:
        self.path = Path(path)
        self.label = f"recording:{self.path}"
        with open_binary(self.path) as handle:
            self.header = _header(self.path, _unpacker(handle))
        self._config = _with_recorded_pbx(config or EngineConfig(), self.header, self.path)

    def raw(self) -> Iterator[RawRecord]:
        """The records in order; stops with a warning at a cut-off tail or corrupt bytes."""
        for _, record in self._numbered():
            yield record

    def _numbered(
        self, *, say: Callable[..., None] = log.warning
    ) -> Iterator[tuple[int, RawRecord]]:
        """Each record with its place in the file (1 = the first after the header).

        A well-formed object of the wrong shape is skipped with a warning (one per
        run of them) and reading goes on; corrupt bytes end the reading. `say`
        tells those (a second pass over the file keeps quiet).
        """
        with open_binary(self.path) as handle:
            unpacker = _unpacker(handle)
            _header(self.path, unpacker)
            tell = unpacker.tell
            count, good_end = 0, tell()
            bad = _BadRun(self.path, say)
            try:
                for item in unpacker:
                    count += 1
                    if (  # the usual record, checked inline (a call per record shows)
                        type(item) is list
                        and len(item) == 3
                        and type(item[0]) is float
                        and 0.0 <= item[0] < LATEST
                        and type(item[1]) is str
                    ):
                        record = _as_record(RawRecord, item)
                    else:
                        try:
                            record = _record(item)
                        except ValueError as exc:
                            if bad.skip(count, good_end, exc) == MAX_BAD_RECORDS:
                                raise ValueError(
                                    f"{MAX_BAD_RECORDS} records in a row of the wrong shape"
                                ) from None
                            good_end = tell()
                            continue
                    if bad.count:
                        bad.end(count - 1)
                    good_end = tell()
                    yield count, record
            except _READ_ERRORS as exc:
                # The last record read: before the run of misshapen ones, or before the bytes.
                last = bad.first - 1 if bad.count == MAX_BAD_RECORDS else count
                say(
                    "%s: corrupt data after record %d (byte %d): %s; the rest is ignored",
                    self.path,
                    last,
                    good_end,
                    exc,
                )
                return
            if bad.count:
                bad.end(count)
            # The unpacker's position after a partial object is not where it started.
            size = os.fstat(handle.fileno()).st_size
            if good_end < size:
                say(
                    "%s: the last %d bytes are an incomplete record (cut short while "
                    "recording?); ignored",
                    self.path,
                    size - good_end,
                )

    def _queue_log_lines(self) -> Iterator[str]:
        """The queue_log lines, for learning member names (the mapping pass tells problems)."""
        for _, record in self._numbered(say=_quiet):
            if record[1] == "queue_log" and type(record[2]) is str:
                yield record[2]

    def events(self) -> Iterator[Event | SourceStatus]:
        queue_log: QueueLogMapper | None = None
        ami: AmiMapper | None = None
        skipped: set[str] = set()
        for number, record in self._numbered():
            kind = record[1]
            if kind == "queue_log":
                if queue_log is None:
                    members = member_names(self.path, self._queue_log_lines)
                    queue_log = QueueLogMapper(self._config, members=members)
                items = queue_log.feed(record)
                for warning in queue_log.take_warnings():
                    log.warning("%s: record %d: %s", self.path, number, warning)
            elif kind in ("ami", "status", "tick"):
                ami = ami or _ami_mapper(self._config)
                items = ami.feed(record)
                for warning in ami.take_warnings():
                    log.warning("%s: record %d: %s", self.path, number, warning)
            else:
                if kind not in skipped:
                    skipped.add(kind)
                    log.warning("%s: skipped records of unknown kind %r", self.path, kind)
                continue
            if items:  # most queue_log lines wait in the reorder buffer and give nothing yet
                yield from items
        for mapper in (queue_log, ami):
            if mapper is not None:
                yield from mapper.flush()
                for warning in mapper.take_warnings():
                    log.warning("%s: at the end: %s", self.path, warning)


def _quiet(*_: object) -> None:
    """Says nothing: what a second pass over a file finds was told by the first."""


class _BadRun:
    """Misshapen records in a row: the first is told, the rest counted into one more line."""

    def __init__(self, path: Path, say: Callable[..., None]) -> None:
        self.path = path
        self.say = say
        self.count = 0
        self.first = 0

    def skip(self, number: int, offset: int, why: ValueError) -> int:
        if not self.count:
            self.first = number
            self.say("%s: record %d (byte %d): skipped: %s", self.path, number, offset, why)
        self.count += 1
        return self.count

    def end(self, last: int) -> None:
        if self.count == 2:
            self.say("%s: record %d: skipped 1 more of the wrong shape", self.path, last)
        elif self.count > 2:
            self.say(
                "%s: records %d to %d: skipped %d more records of the wrong shape",
                self.path,
                self.first + 1,
                last,
                self.count - 1,
            )
        self.count = 0


def _with_recorded_pbx(config: EngineConfig, header: dict[str, Any], path: Path) -> EngineConfig:
    """Take the PBX's facts from the recording where `config` does not give them.

    Wrap-up times, leave-when-empty rules and caller timeouts are facts about
    the PBX the shift was recorded on (Asterisk announces none of them), and so
    is who the agents are (`[agents]`): the recording remembers them, for the
    queues and agents `config` does not mention. Service-level targets and the
    like stay the viewer's own choice.
    """
    table = header.get("config") or {}
    if not isinstance(table, dict):
        log.warning("%s: ignoring the recorded engine settings: not a map", path)
        return config
    try:
        recorded = engine_config_from_mapping(table, "recording header")
    except WallboardError as exc:
        log.warning("%s: ignoring the recorded engine settings: %s", path, exc)
        return config
    queues = dict(config.queues)
    for name, settings in recorded.queues.items():
        facts = QueueSettings(
            wrapup_s=settings.wrapup_s,
            leavewhenempty=settings.leavewhenempty,
            caller_timeout_s=settings.caller_timeout_s,
        )
        if name not in queues and facts != QueueSettings():
            queues[name] = facts
    agents = {**recorded.agents, **config.agents}
    if queues == config.queues and agents == config.agents:
        return config
    return replace(config, queues=queues, agents=agents)


def _ami_mapper(config: EngineConfig) -> AmiMapper:
    # Imported on first use: a queue_log recording should not pull in the AMI client.
    from wallboard.adapters.ami.mapper import AmiMapper

    return AmiMapper(config)
