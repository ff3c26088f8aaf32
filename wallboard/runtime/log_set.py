"""Many queue_log files (rotated, compressed, named in any order) or recordings, as one input.

Asterisk rotates `queue_log` into `queue_log.1`, `queue_log.2.gz`, ...: a month
is a handful of files, and people name them with globs in whatever order the
shell gives. The files are read in the order of their first line's time, as
one stream, so a call that spans a rotation is one call.

Overlapping files (the same lines in two of them: a copy taken before the
rotation, a `copytruncate` race, one file named twice under two names) are
read once: a line of a later file that is identical to a line of an earlier
one near their common stretch of time is left out, and a note says how many.
A corrupt or cut-short `.gz` keeps every whole line before the damage, with a
note; the rest of that file is missing from the report, and the note says so.
"""

from __future__ import annotations

import glob
import logging
import math
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal
from zoneinfo import ZoneInfo

from wallboard.adapters.base import RawRecord, SourceStatus
from wallboard.adapters.queue_log import CappedWarnings, QueueLogMapper, member_names, parse_line
from wallboard.adapters.recording import RecordingSource, is_recording
from wallboard.adapters.source_time import DEFAULT_MAX_JUMP_S, SourceClock
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.runtime.instants import moment
from wallboard.runtime.progress import Progress

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 << 20
HEAD_BYTES = 64 << 10
GZIP_MAGIC = b"\x1f\x8b"
TAIL_LINES = 32  # a file's last stamped lines kept to judge where it ends
OVERLAP_MARGIN_S = 60.0
"""How far apart in time two copies of one line may be seen and still be matched.

queue_log is written in time order give or take a second or two (threads), so
a duplicate sits within seconds of the place its copy holds in the other file."""

Kind = Literal["queue_log", "recording"]


@dataclass(slots=True)
class InputFile:
    """One file of the set, as sniffed before reading: what it is and where it starts."""

    path: Path
    kind: Kind
    compressed: bool
    size: int
    first_at: float
    last_at: float = -math.inf  # known once read (queue_log: the last line with a time)
    lines: int = 0
    tail: list[float] = field(default_factory=list)  # the times of its last lines, in order


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines of one file (the file's last line may lack its newline).

    `numbers`: each line's number in its file, when lines were left out (else
    they run on from `first_line`).
    """

    data: bytes
    file: InputFile
    first_line: int
    numbers: tuple[int, ...] | None = None
    lines: int = 0  # how many lines it holds

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """Each line as the queue_log reader decodes it, with its number in the file."""
        lines = self.data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        numbers = self.numbers or range(self.first_line, self.first_line + len(lines))
        for number, raw in zip(numbers, lines, strict=True):
            yield number, raw.decode("utf-8", errors="replace").rstrip("\r\n")


def expand(specs: Sequence[str]) -> list[Path]:
    """Paths named by SOURCE arguments: files, globs, and folders (their queue_log* files)."""
    found: dict[Path, Path] = {}
    for spec in specs:
        if glob.has_magic(spec):
            matches = sorted(Path(p) for p in glob.glob(spec))
            if not matches:
                raise WallboardError(f"{spec}: no file matches")
        else:
            path = Path(spec)
            if path.is_dir():
                matches = sorted(p for p in path.glob("queue_log*") if p.is_file())
                if not matches:
                    raise WallboardError(f"{spec}: a folder with no queue_log* file in it")
            elif not path.exists():
                raise WallboardError(f"{spec}: no such file")
            else:
                matches = [path]
        for path in matches:
            if path.is_dir():
                continue
            found.setdefault(path.resolve(), path)
    if not found:
        raise WallboardError("no input files")
    return list(found.values())


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise WallboardError(f"{path}: cannot read ({exc.strerror})") from exc


class _CutShort(Exception):
    """A compressed file ends inside its data: what is before the cut was given out."""


def _inflate(path: Path, raw: BinaryIO, block: int = 1 << 18) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file (every member of it).

    Raises `_CutShort` at the end of a file cut inside a member (a rotation
    caught half-way, a full disk): every byte before the cut is sound. Corrupt
    data is another matter: deflate notices damage only where it breaks the
    code or at the member's checksum, after it may already have given out
    garbage, so a corrupt file is refused whole.
    """
    inflater = zlib.decompressobj(wbits=31)
    while True:
        piece = raw.read(block)
        if not piece:
            if not inflater.eof:
                raise _CutShort("the file ends inside the compressed data (cut short?)")
            return
        while piece:
            try:
                out = inflater.decompress(piece)
            except zlib.error as exc:
                raise WallboardError(
                    f"{path}: corrupt gzip data ({exc}), so none of it can be trusted "
                    f"(`gzip -t {path}` confirms): restore the file or leave it out"
                ) from None
            if out:
                yield out
            piece = inflater.unused_data
            if inflater.eof and piece:  # the next member of a multi-member file
                inflater = zlib.decompressobj(wbits=31)
            else:
                piece = b""


def _gzip_head(path: Path, raw: BinaryIO) -> bytes:
    """The start of a compressed file, as far as it decompresses (the damage is noted later)."""
    head = b""
    try:
        for out in _inflate(path, raw, 1 << 14):
            head += out
            if len(head) >= HEAD_BYTES:
                break
    except _CutShort:
        if not head:
            raise WallboardError(f"{path}: a gzip file cut short before any data") from None
    return head


def _first_time(head: bytes) -> float | None:
    for raw in head.split(b"\n")[:-1] or head.split(b"\n"):
        try:
            return parse_line(raw.decode("utf-8", errors="replace"))[0]
        except ValueError:
            continue
    return None


def _stamp(line: bytes) -> float | None:
    """A line's time, when it has one (the first field up to the first `|`)."""
    head = line.split(b"|", 1)[0]
    try:
        at = float(head)
    except ValueError:
        return None
    return at if at - at == 0 else None


@dataclass(slots=True)
class _Overlap:
    """The lines read so far that a later file may repeat, and what was found repeated."""

    tail: Counter[bytes] = field(default_factory=Counter)
    last_at: float = -math.inf  # the latest time of any line read so far
    repeated: int = 0
    inside: int = 0  # lines of the later file in the earlier one's time but not in it


class LogSet:
    """The files named by SOURCE arguments, sorted by their first time, read as one input."""

    def __init__(
        self,
        specs: Sequence[str],
        *,
        tz: ZoneInfo | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.notes: list[str] = []
        self.tz = tz or ZoneInfo("UTC")
        files = []
        for path in expand(specs):
            sniffed = self._sniff(path)
            if sniffed is not None:
                files.append(sniffed)
        if not files:
            raise WallboardError("every input file is empty")
        kinds = {f.kind for f in files}
        if len(kinds) > 1:
            raise WallboardError(
                "the inputs mix queue_log files and recordings; a recording holds the same "
                "calls its PBX logged, so report on one kind at a time"
            )
        self.kind: Kind = kinds.pop()
        self.files = sorted(files, key=lambda f: (f.first_at, str(f.path)))
        self.progress = progress or Progress(sum(f.size for f in self.files), enabled=False)
        self.lines = 0

    @property
    def label(self) -> str:
        if len(self.files) == 1:
            return f"{self.kind}:{self.files[0].path}"
        return (
            f"{self.kind}: {len(self.files)} files, {self.files[0].path} ... {self.files[-1].path}"
        )

    def note(self, text: str) -> None:
        """A problem with the input as a whole: logged now, and kept for the report (once,
        however many times the files are read)."""
        if text not in self.notes:
            log.warning("%s", text)
            self.notes.append(text)

    # ------------------------------------------------------------- sniffing

    def _sniff(self, path: Path) -> InputFile | None:
        with _open(path) as raw:
            size = raw.seek(0, 2)
            raw.seek(0)
            magic = raw.read(2)
            raw.seek(0)
            compressed = magic == GZIP_MAGIC
            head = _gzip_head(path, raw) if compressed else raw.read(HEAD_BYTES)
        if not head:
            self.note(f"{path}: empty file, skipped")
            return None
        if is_recording(head):
            if compressed:
                raise WallboardError(
                    f"{path}: a compressed recording; decompress it first (gunzip)"
                )
            header = RecordingSource(path).header
            started = header.get("started_at")
            first = float(started) if isinstance(started, int | float) else 0.0
            return InputFile(path, "recording", False, size, first)
        if b"\0" in head:
            raise WallboardError(f"{path}: binary file, not a queue_log or a recording")
        first_at = _first_time(head)
        if first_at is None:
            raise WallboardError(
                f"{path}: not a queue_log (no epoch|callid|queue|agent|verb line in its first "
                f"{HEAD_BYTES // 1024} KB) nor a recording"
            )
        return InputFile(path, "queue_log", compressed, size, first_at)

    # --------------------------------------------------------------- reading

    def chunks(self, *, counted: bool = True) -> Iterator[Chunk]:
        """Every queue_log line of every file, in file order, each overlapping line once.

        `counted`: the reading shows on the progress bar and in `lines` (not when the
        files are read again for what a first reading needs to know).
        """
        overlap = _Overlap()
        done_bytes = 0
        for index, file in enumerate(self.files):
            following = self.files[index + 1].first_at if index + 1 < len(self.files) else math.inf
            before = overlap.repeated, overlap.inside
            earlier_last = overlap.last_at
            checking = file.first_at <= earlier_last + OVERLAP_MARGIN_S
            for chunk, position in self._read(file):
                if checking:
                    chunk, checking = _drop_repeats(chunk, overlap, earlier_last)
                if file.tail:
                    file.last_at = _believed_last(file.tail, following)
                _keep_tail(chunk, overlap, following)
                if counted:
                    self.lines += chunk.lines
                    self.progress.update(done_bytes + position, file.path.name, self.lines)
                if chunk.data:
                    yield chunk
            done_bytes += file.size
            overlap.last_at = max(overlap.last_at, file.last_at)
            repeated, inside = overlap.repeated - before[0], overlap.inside - before[1]
            if repeated or inside:
                earlier = [f for f in self.files[:index] if f.last_at >= file.first_at]
                names = ", ".join(str(f.path) for f in earlier) or "the earlier files"
                text = (
                    f"{file.path} overlaps {names} in time (it starts at "
                    f"{moment(file.first_at, self.tz)}, before {moment(earlier_last, self.tz)}):"
                    f" {repeated:,} lines are in both and are counted once"
                )
                if inside:
                    text += (
                        f"; {inside:,} of its lines fall in that time without being in the "
                        "earlier files, and are applied out of time order"
                    )
                self.note(text)
        if counted:
            self.progress.update(done_bytes, "", self.lines)
            self.progress.close()

    def member_names(self) -> dict[str, str]:
        """The interface -> member name pairs the whole set teaches, as a queue_log file's own
        reader learns them (`adapters.queue_log.member_names`; the files are read twice more)."""

        def lines() -> Iterator[str]:
            for chunk in self.chunks(counted=False):
                for _, line in chunk.numbered_lines():
                    yield line

        return member_names(self.files[0].path if len(self.files) == 1 else Path(self.label), lines)

    def _read(self, file: InputFile) -> Iterator[tuple[Chunk, int]]:
        """The file in chunks of whole lines, with the bytes of the file read so far."""
        with _open(file.path) as raw:
            blocks = (
                _inflate(file.path, raw)
                if file.compressed
                else iter(lambda: raw.read(CHUNK_BYTES), b"")
            )
            rest = b""
            line = 1
            try:
                for block in blocks:
                    data = rest + block
                    end = data.rfind(b"\n") + 1
                    rest = data[end:]
                    if end:
                        count = data.count(b"\n", 0, end)
                        chunk = Chunk(data[:end], file, line, lines=count)
                        line += count
                        _note_last(file, chunk.data)
                        yield chunk, raw.tell()
            except _CutShort as exc:
                cut = f"; a cut line of {len(rest)} bytes after them is left out" if rest else ""
                self.note(
                    f"{file.path}: {exc}: its first {line - 1:,} lines are read{cut}; the rest "
                    "of the file is missing from the report"
                )
                return
            if rest:
                _note_last(file, rest)
                yield Chunk(rest, file, line, lines=1), raw.tell()

    def events(self, config: EngineConfig) -> Iterator[Event | SourceStatus]:
        """The events of the whole set, through the mapper of each file's kind."""
        if self.kind == "recording":
            yield from self._recording_events(config)
            return
        mapper = QueueLogMapper(config, members=self.member_names())
        warn: CappedWarnings | None = None
        number = 0
        try:
            for chunk in self.chunks():
                if warn is None or warn.path != chunk.file.path:
                    if warn is not None:
                        warn.summary()
                    warn = CappedWarnings(chunk.file.path)
                for number, line in chunk.numbered_lines():
                    items = mapper.feed(RawRecord(0.0, "queue_log", line))
                    for warning in mapper.take_warnings():
                        warn(number, warning)
                    yield from items
            rest = mapper.flush()
            for warning in mapper.take_warnings():
                if warn is not None:
                    warn(number, f"at the end: {warning}")
            yield from rest
        finally:
            if warn is not None:
                warn.summary()

    def _recording_events(self, config: EngineConfig) -> Iterator[Event | SourceStatus]:
        done = 0
        last_at = -math.inf
        for file in self.files:
            late = 0
            for item in RecordingSource(file.path, config).events():
                if not isinstance(item, SourceStatus):
                    late += item.at < last_at
                    last_at = max(last_at, item.at)
                yield item
            if late:
                self.note(
                    f"{file.path}: {late:,} events are earlier than the end of the recording "
                    "before it (the recordings overlap in time); they are applied late"
                )
            done += file.size
            self.progress.update(done, file.path.name, 0)
        self.progress.close()


def _note_last(file: InputFile, data: bytes) -> None:
    """Remember the times of the chunk's last lines that have one (where the file got to)."""
    start = len(data)
    for _ in range(TAIL_LINES + 1):  # not `rsplit`, which would copy the whole chunk
        start = data.rfind(b"\n", 0, start)
        if start < 0:
            break
    stamps = (_stamp(raw) for raw in data[start + 1 :].split(b"\n"))
    times = [at for at in stamps if at is not None]
    if times:
        file.tail = (file.tail + times)[-TAIL_LINES:]


def _believed_last(times: list[float], following: float) -> float:
    """The latest of a file's last times that the source-time guard would believe.

    A far-future line at the end of a file (a clock that jumped, a garbled stamp)
    is skipped by the mapper once the next file's lines contradict it, so it must
    not make the next file look like an overlap either: the guard's own rules
    decide, on the file's last times and the next file's first.
    """
    clock: SourceClock[int] = SourceClock(DEFAULT_MAX_JUMP_S, noun="line")
    used = [clock.admit(at, None, i) for i, at in enumerate(times)]
    if following != math.inf:
        used.append(clock.admit(following, None, -1))
    used.append(clock.flush())
    believed = [at for decided in used for at, i in decided if i >= 0]
    return max(believed, default=-math.inf)


def _keep_tail(chunk: Chunk, overlap: _Overlap, following: float) -> None:
    """Keep the lines a later file may repeat: those near or after that file's start."""
    if following == math.inf or chunk.file.last_at < following - OVERLAP_MARGIN_S:
        return
    for raw in chunk.data.split(b"\n"):
        at = _stamp(raw)
        if at is not None and at >= following - OVERLAP_MARGIN_S:
            overlap.tail[raw.rstrip(b"\r")] += 1


def _drop_repeats(chunk: Chunk, overlap: _Overlap, earlier_last: float) -> tuple[Chunk, bool]:
    """The chunk without the lines an earlier file had; whether later chunks need checking."""
    lines = chunk.data.split(b"\n")
    ends_open = bool(lines[-1])
    if not ends_open:
        lines.pop()
    kept: list[bytes] = []
    numbers: list[int] = []
    checking = True
    for offset, raw in enumerate(lines):
        at = _stamp(raw)
        if checking and at is not None and at > earlier_last + OVERLAP_MARGIN_S:
            checking = False
        if checking and at is not None:
            key = raw.rstrip(b"\r")
            if overlap.tail[key] > 0:
                overlap.tail[key] -= 1
                overlap.repeated += 1
                continue
            if at < earlier_last:
                overlap.inside += 1
        kept.append(raw)
        numbers.append(chunk.first_line + offset)
    if len(kept) == len(lines):
        return chunk, checking
    data = b"\n".join(kept) + (b"\n" if kept and not ends_open else b"")
    return Chunk(data, chunk.file, chunk.first_line, tuple(numbers), len(kept)), checking
