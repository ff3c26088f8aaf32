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
from wallboard.adapters.queue_log import QueueLogMapper, open_binary
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
    from wallboard.adapters.ami import AmiMapper

log = logging.getLogger(__name__)

FORMAT = "wallboard-recording"
VERSION = 1
MAGIC = msgpack.packb("format") + msgpack.packb(FORMAT)
"""The bytes right after the header's map prefix: the header's first key and value."""

FLUSH_EVERY_S = 1.0
SYNC_EVERY_S = 10.0
_MAX_OBJECT_BYTES = 64 * 1024 * 1024
_READ_ERRORS = (ValueError, msgpack.UnpackException)


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
    """The record an unpacked object is; ValueError when it is not one.

    Checks exact types: msgpack only ever makes plain list, str, int, float and
    bool (a bool is not a time).
    """
    if type(item) is not list or len(item) != 3 or type(item[1]) is not str:
        raise ValueError("not a [received_at, kind, payload] record")
    received_at = item[0]
    if type(received_at) is not float:
        if type(received_at) is not int:
            raise ValueError("not a [received_at, kind, payload] record")
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
        with open_binary(self.path) as handle:
            unpacker = _unpacker(handle)
            _header(self.path, unpacker)
            tell = unpacker.tell
            count, good_end = 0, tell()
            try:
                for item in unpacker:
                    if (  # the usual record, checked inline (a call per record shows)
                        type(item) is list
                        and len(item) == 3
                        and type(item[0]) is float
                        and type(item[1]) is str
                    ):
                        record = _as_record(RawRecord, item)
                    else:
                        record = _record(item)
                    count += 1
                    good_end = tell()
                    yield record
            except _READ_ERRORS as exc:
                log.warning(
                    "%s: corrupt data after record %d (byte %d): %s; the rest is ignored",
                    self.path,
                    count,
                    good_end,
                    exc,
                )
                return
            # The unpacker's position after a partial object is not where it started.
            size = os.fstat(handle.fileno()).st_size
            if good_end < size:
                log.warning(
                    "%s: the last %d bytes are an incomplete record (cut short while "
                    "recording?); ignored",
                    self.path,
                    size - good_end,
                )

    def events(self) -> Iterator[Event | SourceStatus]:
        queue_log: QueueLogMapper | None = None
        ami: AmiMapper | None = None
        skipped: set[str] = set()
        for number, record in enumerate(self.raw(), start=1):
            kind = record[1]
            if kind == "queue_log":
                if queue_log is None:
                    queue_log = QueueLogMapper(self._config)
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


def _with_recorded_pbx(config: EngineConfig, header: dict[str, Any], path: Path) -> EngineConfig:
    """Take the PBX's facts from the recording where `config` does not give them.

    Wrap-up times, leave-when-empty rules and caller timeouts are facts about
    the PBX the shift was recorded on (Asterisk announces none of them), and so
    is who the agents are (`[agents]`): the recording remembers them, for the
    queues and agents `config` does not mention. Service-level targets and the
    like stay the viewer's own choice.
    """
    try:
        recorded = engine_config_from_mapping(header.get("config") or {}, "recording header")
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
    from wallboard.adapters.ami import AmiMapper

    return AmiMapper(config)
