"""queue_log files as lines: zero bytes, runaway lines and exact duplicates (docs/INPUT.md).

Two rules any reader of queue_log files applies (the live reader here, and a
batch reader of many rotated files), so they live apart from the mapping:

- **Zero bytes.** A crash often leaves a zero-filled tail (the file's size
  was extended before the data reached the disk), and a PBX that came back
  writes its new lines after the zeros. A run of zero bytes therefore ends a
  line like a newline does and is skipped, with one warning per run; a line
  longer than `MAX_LINE_BYTES` is skipped with a warning, and never held whole.
- **Exact duplicates.** Overlapping rotated files (`cat queue_log.1
  queue_log`, a copytruncate that ran twice) repeat lines. A line is a
  duplicate when its text, without the line ending, is identical to a line
  already read from the same input, and that earlier line's time field
  reads at most `DUPLICATE_HORIZON_S` (a day) before the newest time read so
  far (lines are forgotten in batches, so some are remembered up to 3 hours
  longer). The caller gives each line's time as the source-time guard allows
  it: a line thrown years ahead must not make the day's lines forgotten.
  Lines are compared by a 64-bit digest of their text. Two distinct
  events can write byte-identical lines only within one second and with the
  same fields: a repeated `PAUSE`/`UNPAUSE`/`ADDMEMBER` (which change nothing
  the second time), or an `ENTERQUEUE` of the same channel into the same
  queue (which the engine ignores while the call waits); no call outcome can,
  as each names its call once. The real runs in `shared/fixtures` hold no
  identical lines at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

MAX_LINE_BYTES = 64 * 1024
"""The longest queue_log line read (Asterisk writes a few hundred bytes at most)."""
DUPLICATE_HORIZON_S = 86_400.0
"""How far back (in the lines' own time) a line is remembered for spotting its duplicate."""

Warn = Callable[[int, str], None]  # (line number, message)


def read_lines(handle: BinaryIO, warn: Warn) -> Iterator[tuple[int, bytes]]:
    """Each line's number and bytes (without the newline); zero runs and runaways skipped."""
    number, piece, zeros, zeros_from, overlong = 1, b"", 0, 0, False

    def done(text: bytes) -> Iterator[tuple[int, bytes]]:
        nonlocal zeros, overlong
        if overlong:
            warn(number, f"skipped a line longer than {MAX_LINE_BYTES // 1024} KiB")
            overlong = False
        elif text.strip():
            if zeros:
                _told_zeros(warn, zeros, zeros_from, number)
                zeros = 0
            yield number, text

    while chunk := handle.readline(MAX_LINE_BYTES):
        ends = chunk.endswith(b"\n")
        if ends and not piece and not zeros and not overlong and b"\0" not in chunk:
            if chunk.strip():  # the usual line, straight through
                yield number, chunk[:-1]
            number += 1
            continue
        if ends:
            chunk = chunk[:-1]
        if b"\0" in chunk:
            parts = chunk.split(b"\0")
            if not zeros:
                zeros_from = number
            zeros += len(parts) - 1
            for part in parts[:-1]:  # each is ended by a zero byte
                yield from done(piece + part)
                piece = b""
            chunk = parts[-1]
        piece += chunk
        if len(piece) > MAX_LINE_BYTES:
            piece, overlong = b"", True
        if ends:
            yield from done(piece)
            piece = b""
            number += 1
    yield from done(piece)
    if zeros:
        _told_zeros(warn, zeros, zeros_from, number)


def _told_zeros(warn: Warn, zeros: int, first: int, last: int) -> None:
    lines = f"line {first}" if first == last else f"lines {first} to {last}"
    warn(first, f"skipped {zeros} zero bytes ({lines}: a crash's zero-filled tail?)")


class DuplicateLines:
    """Which lines repeat one already read (the rule in the module docstring)."""

    def __init__(self, horizon_s: float = DUPLICATE_HORIZON_S) -> None:
        self.horizon_s = horizon_s
        self.count = 0  # duplicates seen
        self.first = ""  # the first duplicate line
        self._seen: dict[int, float] = {}  # digest -> the line's time
        self._forget_at = float("-inf")

    def repeats(self, line: str, at: float) -> bool:
        """Whether `line` (stamped `at`) repeats a remembered line; remembers it if not."""
        digest = hash(line)
        seen = self._seen
        if digest in seen:
            self.count += 1
            if self.count == 1:
                self.first = line
            return True
        seen[digest] = at
        if at > self._forget_at or at < self._forget_at - 2 * self.horizon_s:
            # Forget in batches (a line is kept from a day to a day and 3 hours), so the
            # usual line costs one hash and one dict insertion. Far back of the schedule:
            # the time that set it was one the stream did not follow; set it again.
            oldest = at - self.horizon_s
            self._seen = {d: t for d, t in seen.items() if t >= oldest}
            self._forget_at = at + self.horizon_s / 8
        return False

    def summary(self, noun: str = "line") -> str | None:
        """The one warning for the whole input, if any line was a duplicate."""
        if not self.count:
            return None
        many = "s" if self.count > 1 else ""
        first = self.first if len(self.first) <= 80 else self.first[:77] + "..."
        return (
            f"skipped {self.count} exact duplicate {noun}{many}, identical to {noun}s "
            f"read before (overlapping rotated files?); the first: {first!r}"
        )
