"""`wallboard record`: keep a source's raw input for replays, tests and disputes."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wallboard.errors import WallboardError

if TYPE_CHECKING:
    import asyncio

    from wallboard.adapters.base import RawRecord
    from wallboard.adapters.recording import RecordingWriter
    from wallboard.engine.settings import EngineConfig

NAME = "record"
HELP = "record a source's raw input to a file (replay it later as SOURCE)"
DESCRIPTION = """\
Write everything SOURCE sends, exactly as received, to FILE (a crash-safe
msgpack stream, see docs/RECORDING.md). Replaying FILE later (`wallboard replay
FILE`, `wallboard metrics FILE`) runs it through the current mappers, so a
recorded shift benefits from every fix made since.

A live source (ami://) is recorded until Ctrl-C or SIGTERM, then FILE is closed
cleanly; it is flushed every second, so a crash or power cut loses at most the
last second. FILE is created once the PBX has answered: a refused login or a
PBX never reached leaves no file (and exits with status 2). A file source (a
queue_log) is converted whole.

FILE is never overwritten unless --force is given. If FILE is a directory,
each run writes a new file there, named by the source and the time it started
(pbx-20241122T090000Z.wbrec): what a service that restarts needs. The recording names the
source and the engine settings, never the AMI secret.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="ami://USER@HOST[:PORT] or a queue_log")
    parser.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="FILE",
        help="the recording to write; an existing directory: a new file there, named by "
        "the source and its start (UTC), e.g. pbx-20241122T090000Z.wbrec",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wallboard.adapters.recording import RecordingWriter
    from wallboard.runtime.config import load_settings
    from wallboard.runtime.sources import is_hub, open_source

    if is_hub(args.source):
        raise WallboardError(
            f"{args.source}: a hub serves finished boards, not raw input; record the PBX itself"
        )
    settings = load_settings(args.config)
    source = open_source(args.source, settings)
    directory = Path(args.out) if Path(args.out).is_dir() else None
    out = Path(args.out) if directory is None else file_in(directory, source.label)
    if not args.source.startswith("ami://") and out.exists() and out.samefile(args.source):
        raise WallboardError(f"{out}: is SOURCE itself; choose another --out")
    raw = source.raw()
    if isinstance(raw, Iterator):
        written = convert_file(
            raw, out, label=source.label, config=settings.engine, force=args.force
        )
    else:
        if out.exists() and not args.force:
            raise WallboardError(f"{out}: already exists (use --force to overwrite)")

        def open_writer() -> RecordingWriter:
            # In a directory, the file is named by the moment the PBX first answered.
            path = out if directory is None else file_in(directory, source.label)
            return RecordingWriter(
                path, source=source.label, config=settings.engine, force=args.force
            )

        recording = LiveRecording(open_writer)
        written = asyncio.run(record_until_signalled(raw, recording))
        if recording.writer is None:
            kept = f"{out} not written" if directory is None else f"no file in {directory}"
            raise WallboardError(
                f"{source.label}: never connected ({recording.why_not()}); nothing recorded, {kept}"
            )
        out = recording.writer.path
    print(f"wallboard: recorded {written} records from {source.label} to {out}", file=sys.stderr)
    return 0


def file_in(directory: Path, label: str) -> Path:
    """A new recording in DIR, named by its source and start (UTC): pbx-20241122T090000Z.wbrec."""
    name = urlsplit(label).hostname or Path(label.partition(":")[2]).stem or "recording"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{stamp}.wbrec"


def convert_file(
    records: Iterator[RawRecord], out: Path, *, label: str, config: EngineConfig, force: bool
) -> int:
    """A whole file into a recording; FILE appears only once complete (a failure leaves none)."""
    from wallboard.adapters.recording import RecordingWriter

    if out.exists() and not force:
        raise WallboardError(f"{out}: already exists (use --force to overwrite)")
    partial = out.with_name(f".{out.name}.partial")
    try:
        with RecordingWriter(partial, source=label, config=config, force=True) as writer:
            for record in records:
                writer.write(record)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return writer.records


class LiveRecording:
    """FILE appears only once the source has sent something of its own.

    A refused login or an unreachable PBX then leaves no file behind to block
    the retry; the connection attempts before the first record are kept (the
    latest `HELD_STATUSES`) and written first, so the recording still shows them.
    """

    HELD_STATUSES = 1000

    def __init__(self, open_writer: Callable[[], RecordingWriter]) -> None:
        self.writer: RecordingWriter | None = None
        self._open = open_writer
        self._held: deque[RawRecord] = deque(maxlen=self.HELD_STATUSES)

    @property
    def records(self) -> int:
        return self.writer.records if self.writer else 0

    def write(self, record: RawRecord) -> None:
        if self.writer is None:
            if record.kind == "status":
                self._held.append(record)
                return
            self.writer = self._open()
            for held in self._held:
                self.writer.write(held)
            self._held.clear()
        self.writer.write(record)

    def why_not(self) -> str:
        """The last connection problem seen before any record came."""
        details = [
            r.payload.get("detail") for r in self._held if r.payload.get("state") == "disconnected"
        ]
        return next((d for d in reversed(details) if d), "no answer")

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def record_until_signalled(
    records: AsyncIterator[RawRecord], writer: RecordingWriter | LiveRecording
) -> int:
    """Record until SIGINT/SIGTERM or the end of the source, then close FILE cleanly."""
    import asyncio

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        return await record_until(records, writer, stop)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def record_until(
    records: AsyncIterator[RawRecord],
    writer: RecordingWriter | LiveRecording,
    stop: asyncio.Event,
) -> int:
    """Write records until `stop` is set or the source ends; its error is raised after closing."""
    import asyncio

    from wallboard.adapters.recording import FLUSH_EVERY_S

    async def consume() -> None:
        async for record in records:
            writer.write(record)

    async def flush_while_quiet() -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            writer.flush()

    tasks = [asyncio.create_task(job) for job in (consume(), stop.wait(), flush_while_quiet())]
    try:
        await asyncio.wait(tasks[:2], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        outcome = (await asyncio.gather(*tasks, return_exceptions=True))[0]
        if isinstance(records, AsyncGenerator):
            await records.aclose()
        writer.close()
    if isinstance(outcome, Exception):
        raise outcome
    return writer.records
