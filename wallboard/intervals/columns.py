"""queue_log bytes into columns: one numpy array per field, for whole files at once.

The fast path reads the lines Asterisk writes (a whole-second epoch, a verb in
capitals, digits where numbers are, names up to 32 bytes) with a few array
operations per chunk. Every other line is read one by one with the queue_log
mapper's own `parse_line` and verb rules, so each line gets exactly the values
the mapper reads from it, and is skipped exactly when the mapper skips it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from wallboard.adapters.queue_log import NONE, parse_line, verb_rules
from wallboard.adapters.validate import (
    MAX_DURATION_S,
    QUEUE_LOG_DURATIONS,
    blank_bad_durations,
    printable,
)

PAD = 40  # zero bytes around a chunk: 8-byte loads near its edges stay inside
LONGEST = 32  # the longest name the fast path reads

_RULES = verb_rules()
# Verb codes: 0 is a line that gives no event; the others index VERBS.
VERBS: tuple[str, ...] = ("", *sorted(v for v, (handled, _) in _RULES.items() if handled))
CODE = {verb: code for code, verb in enumerate(VERBS)}
# Lines the fast path leaves to Python: their data are words, not numbers.
WORDY = frozenset({"ADDMEMBER", "REMOVEMEMBER", "ATTENDEDTRANSFER"})
# The data field of the line's wait (outcomes), and of its other number (ring time of a
# CONNECT, talk time of a call end).
WAIT_FIELD = {"CONNECT": 0, "ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "WITHDRAW": 2}
WAIT_FIELD["EXITWITHKEY"] = 3
VALUE_FIELD = {"CONNECT": 2, "COMPLETECALLER": 1, "COMPLETEAGENT": 1}
VALUE_FIELD |= {"TRANSFER": 3, "BLINDTRANSFER": 3}
ATTENDED_TALK = {"BRIDGE": 3, "APP": 3, "LINK": 4}
# Bits of `Columns.absent` (a field that is "" or NONE), by field number.
ABSENT_BIT = {1: 1, 2: 2, 3: 4}
REQUIRED = np.array([0, *(sum(ABSENT_BIT[i] for i in _RULES[v][1]) for v in VERBS[1:])], np.uint8)

_U = np.uint64
_ZEROS = _U(0x3030303030303030)
_HIGH = _U(0xF0F0F0F0F0F0F0F0)
_SIX = _U(0x0606060606060606)
# _KEEP[v]: the top `v` bytes of a little-endian word, i.e. the last `v` bytes loaded.
_KEEP = np.array(
    [0, *(((1 << 64) - 1) ^ ((1 << (8 * (8 - v))) - 1) for v in range(1, 9))], np.uint64
)
_NONE_WORD = _U(int.from_bytes(b"\0\0\0\0NONE", "little"))
_MIX = tuple(
    _U(m) for m in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93)
)
_SEQUENCE_BITS = 27  # an Asterisk call id's sequence (up to 8 digits) and its length
_MAX_EPOCH = 1 << 31


@dataclass(slots=True)
class Interned:
    """Names (of queues, of agents, odd call ids) as small codes, the same in every chunk."""

    codes: dict[bytes, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    # The fields seen so far by their 8-byte words: sorted keys (`_combine_words`), and per
    # key its code, length and words, so a chunk's known names need one binary search.
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    key_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    key_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    key_words: np.ndarray = field(default_factory=lambda: np.zeros((0, LONGEST // 8), np.uint64))

    def code(self, raw: bytes) -> int:
        found = self.codes.get(raw)
        if found is None:
            found = self.codes[raw] = len(self.names)
            self.names.append(raw.decode("utf-8", errors="replace"))
        return found

    def known(
        self, key: np.ndarray, words: list[np.ndarray], length: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each field's code, and whether it is one seen before (its words and length equal)."""
        if not len(self.keys):
            return np.zeros(len(key), np.int64), np.zeros(len(key), np.bool_)
        slot = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        same = (self.keys[slot] == key) & (self.key_lengths[slot] == length)
        for part, word in enumerate(words):
            same &= self.key_words[slot, part] == word
        return self.key_codes[slot], same

    def remember(
        self, key: np.ndarray, codes: np.ndarray, words: list[np.ndarray], length: np.ndarray
    ) -> None:
        """Fields just interned, one per key (`key` unique; a key held keeps its field)."""
        new = np.flatnonzero(~np.isin(key, self.keys))
        if not len(new):
            return
        keys = np.concatenate((self.keys, key[new]))
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.key_codes = np.concatenate((self.key_codes, codes[new]))[order]
        self.key_lengths = np.concatenate((self.key_lengths, length[new]))[order]
        block = np.stack([word[new] for word in words], axis=1)
        self.key_words = np.concatenate((self.key_words, block))[order]


@dataclass(slots=True)
class Problem:
    """Lines of one kind the mapper warns about: how many, and where the first one is."""

    count: int
    where: str
    message: str


@dataclass(slots=True)
class Columns:
    """The lines that give events, in input order, one array per field.

    `call` is the call id as a number: `epoch << 31 | digits << 27 | sequence` for
    Asterisk's `EPOCH.SEQUENCE` ids, `-1 - code` (`ColumnReader.odd_calls`) for others.
    `wait`/`value` hold NaN where `has_wait`/`has_value` say the line has none.
    `absent`: bits of the call id (1), queue (2) and agent (4) fields that are "" or
    NONE. `data`: the data fields of the lines whose data are words, by line.
    """

    at: np.ndarray
    verb: np.ndarray
    queue: np.ndarray
    agent: np.ndarray
    call: np.ndarray
    absent: np.ndarray
    wait: np.ndarray
    has_wait: np.ndarray
    value: np.ndarray
    has_value: np.ndarray
    data: dict[int, list[str]]

    def __len__(self) -> int:
        return len(self.at)

    def take(self, index: np.ndarray) -> Columns:
        """The lines at `index` (increasing), as columns of their own."""
        position = np.full(len(self), -1, np.int64)
        position[index] = np.arange(len(index))
        arrays = {name: getattr(self, name)[index] for name in _ARRAYS}
        data = {int(position[i]): d for i, d in self.data.items() if position[i] >= 0}
        return Columns(**arrays, data=data)

    def head(self, stop: int) -> Columns:
        """The first `stop` lines (views, not copies)."""
        arrays = {name: getattr(self, name)[:stop] for name in _ARRAYS}
        return Columns(**arrays, data={i: d for i, d in self.data.items() if i < stop})

    def sort_by_time(self) -> None:
        """Put the lines in time order (stable: lines of one second keep their file order).

        In place, one array at a time: a month's columns are hundreds of MB, and a
        sorted copy of all of them at once would double the peak.
        """
        if lateness(self.at) <= 0:
            return
        order = np.argsort(self.at, kind="stable")
        for name in _ARRAYS:
            array = getattr(self, name)
            array[:] = array[order]
        position = np.empty(len(order), np.int64)
        position[order] = np.arange(len(order))
        self.data = {int(position[i]): d for i, d in self.data.items()}


def vars_of(columns: Columns) -> dict[str, Any]:
    """The fields of `columns`, to build another `Columns` (or a subclass) from."""
    return {f.name: getattr(columns, f.name) for f in fields(Columns)}


def lateness(at: np.ndarray, block: int = 1 << 20) -> float:
    """How far the most out-of-order time is behind the latest time before it (0 or less:
    in order). In blocks, so its temporaries stay small next to a month of times."""
    newest = -np.inf
    late = -np.inf
    for begin in range(0, len(at), block):
        part = at[begin : begin + block]
        running = np.maximum.accumulate(part)
        np.maximum(running, newest, out=running)
        if len(part) > 1:
            late = max(late, float((running[:-1] - part[1:]).max()))
        if begin:
            late = max(late, newest - float(part[0]))
        newest = float(running[-1])
    return late


_ARRAYS = tuple(f.name for f in fields(Columns) if f.name != "data")
# wait/value start as float32 (every duration Asterisk writes, whole seconds up to a day,
# is exact in it) and become float64 the first time a value is not.
_DTYPES = dict(
    zip(_ARRAYS, ("f8", "u1", "i4", "i4", "i8", "u1", "f4", "?", "f4", "?"), strict=True)
)
_NARROW = ("wait", "value")


class ColumnReader:
    """Reads queue_log chunks (whole lines) into `Columns`, and remembers what it skipped."""

    def __init__(self, expected_lines: int = 0) -> None:
        """`expected_lines`: about how many lines will come (room is made for them at once)."""
        self.queues = Interned()
        self.agents = Interned()
        self.odd_calls = Interned()
        self.problems: dict[str, Problem] = {}
        self.lines = 0
        self._expected = expected_lines
        self._store: dict[str, np.ndarray] = {}
        self._size = 0
        self._data: dict[int, list[str]] = {}
        self._unknown: set[str] = set()
        self._controls_told = False
        self._verb_words = _verb_words()
        self._source = "queue_log"

    def columns(self) -> Columns:
        """Every line read so far, one array per field (views of the reader's own)."""
        size = self._size
        if not self._store:
            return Columns(**{name: np.zeros(0, t) for name, t in _DTYPES.items()}, data={})
        return Columns(**{name: a[:size] for name, a in self._store.items()}, data=self._data)

    def _append(self, arrays: tuple[np.ndarray, ...], words: dict[int, list[str]]) -> None:
        """Into arrays with room to spare: `np.empty` only reserves it, and a page is memory
        once written, so an estimate too large costs nothing and one too small a copy."""
        n = len(arrays[0])
        if not n:
            return
        size = self._size
        capacity = len(self._store[_ARRAYS[0]]) if self._store else 0
        if size + n > capacity:
            room = max(size + n, 2 * capacity, self._expected)
            for name in _ARRAYS:
                held = self._store.get(name)
                self._grow(name, room, _DTYPES[name] if held is None else held.dtype)
        for name in _NARROW:
            store, array = self._store[name], arrays[_ARRAYS.index(name)]
            if store.dtype != array.dtype and not _exact(array, store.dtype):
                self._grow(name, len(store), array.dtype)
        for name, array in zip(_ARRAYS, arrays, strict=True):
            self._store[name][size : size + n] = array
        self._data.update((size + i, f) for i, f in words.items())
        self._size = size + n

    def _grow(self, name: str, room: int, dtype: np.dtype | str) -> None:
        """Array `name` with room for `room` lines, of `dtype`: the lines so far copied in."""
        grown = np.empty(room, dtype)
        if self._size:
            grown[: self._size] = self._store[name][: self._size]
        self._store[name] = grown

    def problem(self, message: str, line: int, count: int = 1) -> None:
        """Lines the mapper would warn about; one entry per kind (the message up to its quote)."""
        kind = message.split(" '")[0].split(" (")[0]
        found = self.problems.get(kind)
        if found is None:
            self.problems[kind] = Problem(count, f"{self._source}:{line}", message)
        else:
            found.count += count

    # -------------------------------------------------------------- a chunk

    def feed(
        self,
        data: bytes,
        first_line: int,
        numbers: Sequence[int] | None = None,
        source: str = "queue_log",
    ) -> None:
        """One chunk of whole lines of file `source`; `numbers`: each line's number, when they
        do not run on from `first_line`."""
        self._source = source
        chunk, arrays, keep, words = self._read(data, first_line, numbers)
        self.lines += len(chunk.starts)
        index = np.flatnonzero(keep)
        position = np.full(len(keep), -1, np.int64)
        position[index] = np.arange(len(index))
        self._append(
            tuple(column[index] for column in arrays),
            {int(position[i]): f for i, f in words.items() if position[i] >= 0},
        )

    def lines_of(
        self,
        data: bytes,
        first_line: int,
        numbers: Sequence[int] | None,
        wanted: Callable[[Columns], np.ndarray],
    ) -> list[str]:
        """The text of the chunk's lines that give events and that `wanted` picks (a mask over
        the chunk's lines, as `Columns`), in order; warnings are not counted twice."""
        problems, self.problems = self.problems, {}
        try:
            chunk, arrays, keep, words = self._read(data, first_line, numbers)
        finally:
            self.problems = problems
        picked = keep & wanted(Columns(**dict(zip(_ARRAYS, arrays, strict=True)), data=words))
        return [chunk.text(i) for i in np.flatnonzero(picked).tolist()]

    def _read(
        self, data: bytes, first_line: int, numbers: Sequence[int] | None
    ) -> tuple[_Chunk, tuple[np.ndarray, ...], np.ndarray, dict[int, list[str]]]:
        """A chunk's lines as arrays (by `Columns` field), which of them give events, and the
        data of those whose data are words."""
        chunk = _Chunk(data)
        n = len(chunk.starts)
        slow = chunk.slow.copy()
        at, ok = chunk.digits(0)
        slow |= ~ok
        verb, ok = self._verb_codes(chunk)
        slow |= ~ok
        absent = np.zeros(n, np.uint8)
        queue, ok, none = chunk.names(2, self.queues)
        slow |= ~ok
        absent |= none * np.uint8(ABSENT_BIT[2])
        agent, ok, none = chunk.names(3, self.agents)
        slow |= ~ok
        absent |= none * np.uint8(ABSENT_BIT[3])
        call, ok, none = chunk.calls(self.odd_calls)
        slow |= ~ok
        absent |= none * np.uint8(ABSENT_BIT[1])
        wait, has_wait, ok = chunk.numbers(verb, _field_table(WAIT_FIELD))
        slow |= ~ok
        value, has_value, ok = chunk.numbers(verb, _field_table(VALUE_FIELD))
        slow |= ~ok
        keep = ~slow & (verb > 0)
        line_numbers = (
            np.asarray(numbers, np.int64)
            if numbers is not None
            else np.arange(first_line, first_line + n, dtype=np.int64)
        )
        words: dict[int, list[str]] = {}
        for i in np.flatnonzero(slow).tolist():
            row = self._slow(chunk.text(i), int(line_numbers[i]))
            if row is None:
                continue
            keep[i] = True
            (
                at[i], verb[i], queue[i], agent[i], call[i], absent[i],
                wait[i], has_wait[i], value[i], has_value[i], extra,
            ) = row  # fmt: skip
            if extra is not None:
                words[i] = extra
        missing = keep & ((absent & REQUIRED[verb]) != 0)
        for code in np.unique(verb[missing]).tolist():
            where = np.flatnonzero(missing & (verb == code))
            self.problem(
                f"skipped: {VERBS[code]} without {_required_names(code)}",
                int(line_numbers[where[0]]),
                len(where),
            )
        keep &= ~missing
        arrays = (at, verb, queue, agent, call, absent, wait, has_wait, value, has_value)
        return chunk, arrays, keep, words

    def _verb_codes(self, chunk: _Chunk) -> tuple[np.ndarray, np.ndarray]:
        """Each line's verb code, where the verb is one the fast path reads (else not ok)."""
        lo, hi, length = chunk.tail_words(4)
        keys, table_lo, table_hi, table_length, codes = self._verb_words
        key = _combine_words(lo, hi, length)
        slot = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        ok = (
            (keys[slot] == key)
            & (table_lo[slot] == lo)
            & (table_hi[slot] == hi)
            & (table_length[slot] == length)
        )
        return np.where(ok, codes[slot], 0).astype(np.uint8), ok

    def _slow(self, text: str, line: int) -> tuple | None:
        """A line read the mapper's way: None when it gives no event (warned about as it does)."""
        text = text.rstrip("\r\n")
        if not text.isprintable():
            shown = printable(text)
            if shown != text and not self._controls_told:
                self._controls_told = True
                self.problem(
                    "control characters (terminal escapes) shown as U+FFFD, here and in later "
                    "lines",
                    line,
                )
            text = shown
        fields = text.split("|")
        if len(fields) < 5 and not text.strip():
            return None
        try:
            at, verb, fields = parse_line(text)
        except ValueError as exc:
            self.problem(f"skipped: {exc}", line)
            return None
        rule = _RULES.get(verb)
        if rule is None:
            if verb not in self._unknown:
                self._unknown.add(verb)
                self.problem(f"ignored unknown verb {verb!r} (further ones silently)", line)
            return None
        if not rule[0]:
            return None
        absent = sum(bit for i, bit in ABSENT_BIT.items() if fields[i] in ("", NONE))
        if verb in QUEUE_LOG_DURATIONS and not absent & REQUIRED[CODE[verb]]:
            for warning in blank_bad_durations(verb, fields):
                self.problem(warning, line)
        wait = value = None
        if verb in WAIT_FIELD:
            wait = _number(fields, WAIT_FIELD[verb])
        if verb in VALUE_FIELD:
            value = _number(fields, VALUE_FIELD[verb])
        elif verb == "ATTENDEDTRANSFER":
            talk = ATTENDED_TALK.get(fields[5] if len(fields) > 5 else "")
            value = None if talk is None else _number(fields, talk)
        call = fields[1].encode()
        key = _numeric_call(call)
        return (
            at,
            CODE[verb],
            self.queues.code(fields[2].encode()),
            self.agents.code(fields[3].encode()),
            key if key is not None else -1 - self.odd_calls.code(call),
            absent,
            np.nan if wait is None else wait,
            wait is not None,
            np.nan if value is None else value,
            value is not None,
            fields[5:] if verb in WORDY else None,
        )


def _exact(values: np.ndarray, dtype: np.dtype) -> bool:
    """Whether every value (NaN included) is the same in `dtype`."""
    narrow = values.astype(dtype)
    return bool(((narrow == values) | np.isnan(values)).all())


def _number(fields: list[str], index: int) -> float | None:
    """Data field `index` as the mapper reads it (None when absent or not a number)."""
    try:
        return float(fields[5 + index])
    except (IndexError, ValueError):
        return None


def _numeric_call(raw: bytes) -> int | None:
    """`EPOCH.SEQUENCE` (10 digits, a dot, 1 to 8 digits) as its number; None for other ids."""
    if not (12 <= len(raw) <= 19 and raw[10:11] == b"." and raw[:10].isdigit()):
        return None
    sequence = raw[11:]
    epoch = int(raw[:10])
    if not sequence.isdigit() or not sequence.isascii() or epoch >= _MAX_EPOCH:
        return None
    return epoch << 31 | len(sequence) << _SEQUENCE_BITS | int(sequence)


def _required_names(code: int) -> str:
    names = {1: "a call id", 2: "a queue", 3: "an agent"}
    return " or ".join(names[i] for i in _RULES[VERBS[code]][1])


def _field_table(by_verb: dict[str, int]) -> np.ndarray:
    """Data field number per verb code (-1: the verb has no such number)."""
    return np.array([by_verb.get(v, -1) for v in VERBS], np.int64)


def _verb_words() -> tuple[np.ndarray, ...]:
    """The verbs the fast path reads (sorted by key): key, last 8 bytes, the 8 before, length,
    code (0: a verb whose lines give no event)."""
    verbs = [(v, CODE[v]) for v in VERBS[1:] if v not in WORDY and len(v) <= 16]
    verbs += [(v, 0) for v, (handled, _) in _RULES.items() if not handled and len(v) <= 16]
    rows = []
    for verb, code in verbs:
        raw = verb.encode()
        lo = int.from_bytes(raw[-8:].rjust(8, b"\0"), "little")
        hi = int.from_bytes(raw[:-8].rjust(8, b"\0"), "little") if len(raw) > 8 else 0
        key = int(
            _combine_words(
                np.array([lo], np.uint64), np.array([hi], np.uint64), np.array([len(raw)])
            )[0]
        )
        rows.append((key, lo, hi, len(raw), code))
    rows.sort()
    columns = list(zip(*rows, strict=True))
    return (
        np.array(columns[0], np.uint64),
        np.array(columns[1], np.uint64),
        np.array(columns[2], np.uint64),
        np.array(columns[3], np.int64),
        np.array(columns[4], np.uint8),
    )


def _combine_words(*words_and_length: np.ndarray) -> np.ndarray:
    """A key for grouping (equal fields, equal keys); equality is then checked word by word."""
    *words, length = words_and_length
    key = length.astype(np.uint64) * _MIX[3]
    for word, mix in zip(words, _MIX, strict=False):
        key = key ^ (word * mix)
        key = key ^ (key >> _U(29))
    return key


class _Chunk:
    """One chunk's lines, their fields' bounds, and 8-byte loads at any offset in it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        raw = np.frombuffer(data, np.uint8)
        buf = np.zeros(len(raw) + 2 * PAD, np.uint8)
        buf[PAD : PAD + len(raw)] = raw
        self.buf = buf
        # word(o): the 8 bytes from data offset o on, little-endian
        self._words = np.ndarray(buffer=buf, dtype="<u8", shape=(len(buf) - 7,), strides=(1,))
        low = np.flatnonzero(raw < 32)  # line ends, and the control bytes a line may hold
        newline = raw[low] == 10
        ends = low[newline]
        if len(raw) and raw[-1] != 10:
            ends = np.append(ends, len(raw))
        starts = np.zeros(len(ends), np.int64)
        starts[1:] = ends[:-1] + 1
        # The mapper strips trailing \r and \n: one \r is stripped here. Lines with other
        # control characters are slow: the mapper shows them as U+FFFD.
        self.cr = (ends > starts) & (buf[PAD + ends - 1] == 13)
        stripped = ends[self.cr] - 1
        ends = ends - self.cr
        odd = [low[~newline]]
        if b"\x7f" in data:
            odd.append(np.flatnonzero(raw == 127))
        wrong = not data.isascii()
        if wrong:
            try:
                data.decode("utf-8")
                wrong = False
            except UnicodeDecodeError:  # bytes that are not UTF-8: decoded the mapper's way
                odd.append(np.flatnonzero(raw >= 128))
            if not wrong:  # C1 controls (U+0080 to U+009F) are C2 80 to C2 9F in UTF-8
                lead = np.flatnonzero(raw[:-1] == 0xC2)
                odd.append(lead[(raw[lead + 1] >= 0x80) & (raw[lead + 1] <= 0x9F)])
        controls = np.concatenate(odd)
        controls = controls[~np.isin(controls, stripped)]
        slow = np.zeros(len(starts), np.bool_)
        slow[np.searchsorted(starts, controls, side="right") - 1] = True
        pipes = np.flatnonzero(raw == 124)
        first = np.searchsorted(pipes, starts)
        count = np.empty(len(starts), np.int64)
        count[:-1] = first[1:] - first[:-1]  # the pipes of each line (none in a line end)
        count[-1:] = len(pipes) - first[-1:]
        slow |= count < 4
        self.starts, self.ends, self.slow, self.count = starts, ends, slow, count
        self._pipes, self._first = pipes, first
        self._cuts: dict[int, np.ndarray] = {0: starts - 1}

    def cut(self, k: int, rows: np.ndarray | None = None) -> np.ndarray:
        """The separator before field k (k = 0: before the line) of every line, or of `rows`;
        the line's end where it has fewer fields."""
        if rows is not None:
            if k == 0:
                return self.starts[rows] - 1
            count = self.count[rows]
            index = np.minimum(self._first[rows] + k - 1, max(len(self._pipes) - 1, 0))
            pipe = self._pipes[index] if len(self._pipes) else self.ends[rows]
            return np.where(count >= k, pipe, self.ends[rows])
        found = self._cuts.get(k)
        if found is None:
            found = self._cuts[k] = self.cut(k, np.arange(len(self.starts)))
        return found

    def text(self, i: int) -> str:
        """Line `i` as the queue_log reader decodes it."""
        end = int(self.ends[i]) + int(self.cr[i])
        return self.data[int(self.starts[i]) : end].decode("utf-8", errors="replace")

    def bounds(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        start = self.cut(k) + 1
        return start, np.maximum(self.cut(k + 1), start)

    def length(self, k: int) -> np.ndarray:
        start, end = self.bounds(k)
        return end - start

    def word(self, offsets: np.ndarray) -> np.ndarray:
        return self._words[offsets + PAD]

    def tail_words(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Field k's last 8 bytes and the 8 before (zero where the field has none), its length."""
        start, end = self.bounds(k)
        length = end - start
        lo = self.word(end - 8) & _KEEP[np.clip(length, 0, 8)]
        hi = self.word(end - 16) & _KEEP[np.clip(length - 8, 0, 8)]
        return lo, hi, length

    def digits(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Field k as a number where it is 1 to 16 digits (else not ok), as float64."""
        start, end = self.bounds(k)
        value, ok = _decimal(self, start, end)
        return value.astype(np.float64), ok

    def numbers(
        self, verb: np.ndarray, field_of: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each line's data field `field_of[verb]`: value, whether it has one, whether the fast
        path could read it (an empty or missing field has none; digits are read; else slow)."""
        wanted = field_of[verb]
        n = len(verb)
        value = np.full(n, np.nan)
        has = np.zeros(n, np.bool_)
        ok = np.ones(n, np.bool_)
        for index in np.unique(wanted[wanted >= 0]).tolist():
            rows = np.flatnonzero(wanted == index)
            k = 5 + index
            start = self.cut(k, rows) + 1
            end = np.maximum(self.cut(k + 1, rows), start)
            number, readable = _decimal(self, start, end)
            empty = end == start
            # a duration past a day is read as unknown, with a warning: the slow path's
            readable &= number <= _U(MAX_DURATION_S)
            value[rows] = np.where(readable & ~empty, number.astype(np.float64), np.nan)
            has[rows] = readable & ~empty
            ok[rows] = readable | empty
        return value, has, ok

    def names(self, k: int, table: Interned) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Field k's codes in `table` (names up to LONGEST bytes; else not ok); absent ones."""
        start, end = self.bounds(k)
        length = end - start
        ok = length <= LONGEST
        words = [self.word(end - 8) & _KEEP[np.clip(length, 0, 8)]]
        for part in range(1, LONGEST // 8):
            word = np.zeros(len(start), np.uint64)
            rows = np.flatnonzero(length > 8 * part)
            if len(rows):
                word[rows] = (
                    self.word(end[rows] - 8 * (part + 1))
                    & _KEEP[np.clip(length[rows] - 8 * part, 0, 8)]
                )
            words.append(word)
        none = (length == 0) | ((length == 4) & (words[0] == _NONE_WORD))
        codes, same = self._intern(words, length, ok, start, end, table)
        return codes, ok & same, none

    def calls(self, table: Interned) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Call ids as numbers (see `Columns.call`); odd ones interned; absent ones."""
        start, end = self.bounds(1)
        length = end - start
        epoch, epoch_ok = _decimal(self, start, start + 10)
        sequence, sequence_ok = _decimal(self, start + 11, end)
        dot = self.buf[PAD + np.minimum(start + 10, len(self.data))] == 46
        numeric = (
            (length >= 12) & (length <= 19) & dot & epoch_ok & sequence_ok
            & (epoch < _MAX_EPOCH)
        )  # fmt: skip
        key = (
            (epoch.astype(np.int64) << 31)
            | ((length - 11) << _SEQUENCE_BITS)
            | sequence.astype(np.int64)
        )
        odd = np.flatnonzero(~numeric)
        ok = np.ones(len(start), np.bool_)
        none = np.zeros(len(start), np.bool_)
        if len(odd):
            codes, odd_ok, odd_none = self._odd_calls(start[odd], end[odd], table)
            key[odd] = -1 - codes
            ok[odd] = odd_ok
            none[odd] = odd_none
        return key, ok, none

    def _odd_calls(
        self, start: np.ndarray, end: np.ndarray, table: Interned
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        length = end - start
        ok = length <= LONGEST
        words = []
        for part in range(LONGEST // 8):
            words.append(self.word(end - 8 * (part + 1)) & _KEEP[np.clip(length - 8 * part, 0, 8)])
        none = (length == 0) | ((length == 4) & (words[0] == _NONE_WORD))
        codes, same = self._intern(words, length, ok, start, end, table)
        return codes, ok & same, none

    def _intern(
        self,
        words: list[np.ndarray],
        length: np.ndarray,
        ok: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        table: Interned,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Codes of equal fields: by a key, then checked word by word (exact). Fields seen in
        earlier chunks are looked up; only new ones are grouped here."""
        key = _combine_words(*words, length)
        codes, known = table.known(key, words, length)
        miss = np.flatnonzero(ok & ~known)
        if len(miss):
            missed = [word[miss] for word in words]
            new, same = self._intern_new(
                missed, length[miss], key[miss], start[miss], end[miss], table
            )
            codes[miss] = new
            known[miss] = same
        return codes, known | ~ok

    def _intern_new(
        self,
        words: list[np.ndarray],
        length: np.ndarray,
        key: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        table: Interned,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Codes of fields not seen before: grouped by key, each group checked against its
        first field (the others are not the same field: a rare clash of keys)."""
        unique, first, local = np.unique(key, return_index=True, return_inverse=True)
        rep = first[local]
        same = length == length[rep]
        for word in words:
            same &= word == word[rep]
        codes = np.array(
            [table.code(self.data[int(start[r]) : int(end[r])]) for r in first.tolist()],
            np.int64,
        )
        table.remember(unique, codes, [word[first] for word in words], length[first])
        return codes[local], same


def _decimal(chunk: _Chunk, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bytes [start, end) as a decimal number where they are 1 to 16 digits (else not ok)."""
    length = end - start
    lo, lo_ok = _digits8(chunk.word(end - 8), np.clip(length, 0, 8))
    hi, hi_ok = _digits8(chunk.word(end - 16), np.clip(length - 8, 0, 8))
    ok = lo_ok & hi_ok & (length >= 1) & (length <= 16)
    return hi * _U(100_000_000) + lo, ok


def _digits8(word: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last `valid` bytes of each word as digits, by SWAR arithmetic; whether all are."""
    keep = _KEEP[valid]
    w = (word & keep) | (_ZEROS & ~keep)
    ok = ((w & _HIGH) == _ZEROS) & (((w + _SIX) & _HIGH) == _ZEROS)
    x = w - _ZEROS
    x = (x * _U(10) + (x >> _U(8))) & _U(0x00FF00FF00FF00FF)
    x = (x * _U(100) + (x >> _U(16))) & _U(0x0000FFFF0000FFFF)
    x = (x * _U(10000) + (x >> _U(32))) & _U(0xFFFFFFFF)
    return x, ok
