"""A month of a busy centre's queue_log, made with numpy in seconds: for `make bench` and tests.

Seeded, so the same arguments always give the same bytes. The floor: agents on
8-hour shifts five days a week, each a member of two or three queues, taking
calls back to back (a short gap, a lognormal talk, the queue's wrap-up), pausing
now and then; callers who wait before the answer, some who give up (ABANDON) or
time out (EXITWITHTIMEOUT); ring-all queues, so every answered call also
cancels the ringing of a few other members (RINGCANCELED), and now and then a
member does not answer (RINGNOANSWER); a blind transfer now and then; Asterisk
restarts once a week. Lines are in time order, as Asterisk writes them.

Every field is written at a fixed width for its line kind (zero-padded call
sequence numbers, names of one length), so the text is assembled as byte
arrays rather than line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

START = 1730419200  # 2024-11-01 00:00 UTC, a Friday
DAY = 86_400
WRAPUP_S = (5.0, 10.0, 15.0, 30.0)  # per queue, cycled

# Line kinds, and their verb and data layout.
ENTER, CONNECT, COMPLETE, CALLER_DONE, ABANDON, TIMEOUT, CANCELED, NO_ANSWER = range(8)
TRANSFER, ADD, REMOVE, PAUSE, UNPAUSE, START_LINE = range(8, 14)


@dataclass(frozen=True, slots=True)
class Month:
    """What was made: the files (oldest first), their lines, the queues and their wrap-ups."""

    files: tuple[Path, ...]
    lines: int
    queues: tuple[str, ...]

    def wrapups(self) -> dict[str, float]:
        return {q: WRAPUP_S[i % len(WRAPUP_S)] for i, q in enumerate(self.queues)}


def queue_names(count: int) -> tuple[str, ...]:
    return tuple(f"queue{i:02d}" for i in range(count))


def write_month(
    folder: Path,
    *,
    days: int = 30,
    agents: int = 200,
    queues: int = 10,
    seed: int = 20241101,
    rotate_days: int = 7,
) -> Month:
    """Write `days` of queue_log into `folder`, rotated like logrotate with delaycompress:
    `queue_log` (the last days), `queue_log.1`, then `queue_log.2.gz`, ... (older, gzip)."""
    import gzip

    rng = np.random.default_rng(seed)
    events = _events(rng, days, agents, queues)
    names = queue_names(queues)
    ends = [*range(rotate_days, days, rotate_days), days]  # each file's last day
    cuts = np.searchsorted(events.at, [START + d * DAY for d in ends], side="left")
    files = []
    begin = 0
    for number, cut in enumerate(cuts.tolist()):
        age = len(cuts) - 1 - number
        name = "queue_log" if age == 0 else f"queue_log.{age}" + (".gz" if age > 1 else "")
        path = folder / name
        with gzip.open(path, "wb", compresslevel=1) if age > 1 else path.open("wb") as out:
            for block in _text(events, begin, cut, names):
                out.write(block)
        files.append(path)
        begin = cut
    return Month(tuple(files), len(events.at), names)


@dataclass(slots=True)
class _Events:
    at: np.ndarray
    kind: np.ndarray
    call: np.ndarray  # sequence number of the call (the call id's fraction)
    call_at: np.ndarray  # the call's join time (the call id's epoch)
    queue: np.ndarray
    agent: np.ndarray
    a: np.ndarray  # the line's numbers (wait, talk, ring), by kind
    b: np.ndarray


def _events(rng: np.random.Generator, days: int, n_agents: int, n_queues: int) -> _Events:
    """Every line of the month as arrays, in time order."""
    parts: list[dict[str, np.ndarray]] = []
    # shifts: five days a week per agent, starting at one of the usual hours
    day = np.repeat(np.arange(days), n_agents)
    agent = np.tile(np.arange(n_agents), days)
    works = (day + agent) % 7 < 5
    day, agent = day[works], agent[works]
    start = START + day * DAY + rng.choice([6, 7, 8, 9, 10, 12, 14, 15], len(day)) * 3600
    start += rng.integers(0, 1800, len(day))
    end = start + 8 * 3600
    homes = np.stack([rng.permutation(n_queues)[:3] for _ in range(n_agents)])
    n_homes = 2 + (np.arange(n_agents) % 2)
    # logins and logouts of every home queue
    for slot in range(3):
        has = n_homes[agent] > slot
        q = homes[agent[has], slot]
        parts.append(_lines(start[has] + slot, ADD, agent=agent[has], queue=q))
        parts.append(_lines(end[has] + slot, REMOVE, agent=agent[has], queue=q))
    # two pauses a shift, in the first home queue
    for when in (0.3, 0.7):
        at = start + (when * 8 * 3600).__int__() + rng.integers(0, 1200, len(start))
        q = homes[agent, 0]
        length = rng.integers(300, 1800, len(start))
        parts.append(_lines(at, PAUSE, agent=agent, queue=q))
        parts.append(_lines(at + length, UNPAUSE, agent=agent, queue=q))
    # calls, back to back: gap, (ring), talk, wrap-up
    per_shift = 400
    gap = rng.exponential(12.0, (len(start), per_shift)).astype(np.int64) + 1
    talk = np.minimum(rng.lognormal(4.0, 0.6, (len(start), per_shift)).astype(np.int64) + 5, 3000)
    q_pick = homes[
        agent[:, None], rng.integers(0, 3, (len(start), per_shift)) % n_homes[agent][:, None]
    ]
    wrap = np.array([WRAPUP_S[i % len(WRAPUP_S)] for i in range(n_queues)])[q_pick].astype(np.int64)
    step = gap + talk + wrap
    connect = start[:, None] + 60 + np.cumsum(step, axis=1) - talk - wrap
    done = connect + talk
    inside = done < end[:, None]
    shift_of = np.broadcast_to(np.arange(len(start))[:, None], inside.shape)[inside]
    connect, done, talk, q_pick = connect[inside], done[inside], talk[inside], q_pick[inside]
    who = agent[shift_of]
    n_calls = len(connect)
    wait = np.minimum(rng.exponential(14.0, n_calls).astype(np.int64), 600)
    ring = rng.integers(1, 9, n_calls)
    joined = connect - wait
    call = np.arange(n_calls) + 1
    parts.append(_lines(joined, ENTER, call=call, call_at=joined, queue=q_pick))
    parts.append(
        _lines(connect, CONNECT, call=call, call_at=joined, queue=q_pick, agent=who, a=wait, b=ring)
    )
    transferred = rng.random(n_calls) < 0.02
    by_caller = rng.random(n_calls) < 0.3
    kind = np.where(transferred, TRANSFER, np.where(by_caller, CALLER_DONE, COMPLETE))
    parts.append(
        _lines(done, kind, call=call, call_at=joined, queue=q_pick, agent=who, a=wait, b=talk)
    )
    # ring-all: the ringing of other members is cancelled at the answer
    others = rng.integers(0, 10, n_calls)
    for k in range(9):
        has = others > k
        peer = (who[has] + 1 + k * 7) % n_agents
        parts.append(
            _lines(
                connect[has],
                CANCELED,
                call=call[has],
                call_at=joined[has],
                queue=q_pick[has],
                agent=peer,
                a=ring[has] * 1000,
            )
        )
    missed = rng.random(n_calls) < 0.1
    peer = (who[missed] + 3) % n_agents
    parts.append(
        _lines(
            connect[missed] - 1,
            NO_ANSWER,
            call=call[missed],
            call_at=joined[missed],
            queue=q_pick[missed],
            agent=peer,
            a=np.full(int(missed.sum()), 15000),
        )
    )
    # callers who give up or time out
    lost = n_calls // 12
    lost_at = START + rng.integers(6 * 3600, 22 * 3600, lost) + rng.integers(0, days, lost) * DAY
    lost_wait = rng.integers(1, 300, lost)
    lost_call = n_calls + 1 + np.arange(lost)
    lost_queue = rng.integers(0, n_queues, lost)
    parts.append(_lines(lost_at, ENTER, call=lost_call, call_at=lost_at, queue=lost_queue))
    timeout = rng.random(lost) < 0.2
    parts.append(
        _lines(
            lost_at + lost_wait,
            np.where(timeout, TIMEOUT, ABANDON),
            call=lost_call,
            call_at=lost_at,
            queue=lost_queue,
            a=lost_wait,
        )
    )
    # a restart every week, at 03:00
    restarts = START + np.arange(0, days, 7) * DAY + 3 * 3600
    parts.append(_lines(restarts, START_LINE))
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["at"], kind="stable")
    return _Events(**{key: value[order] for key, value in merged.items()})


def _lines(at: np.ndarray, kind: int | np.ndarray, **fields: np.ndarray) -> dict[str, np.ndarray]:
    n = len(at)
    zeros = np.zeros(n, np.int64)
    out = {
        "at": at.astype(np.int64),
        "kind": np.broadcast_to(np.asarray(kind, np.int8), (n,)).copy(),
    }
    for key in ("call", "call_at", "queue", "agent", "a", "b"):
        out[key] = fields.get(key, zeros).astype(np.int64)
    return out


# Each kind's line: fixed text pieces around the fields, in order. Fields: T time, C call id
# (epoch.sequence), Q queue, A agent, a and b the numbers (6 digits).
_LAYOUT: dict[int, tuple[str, ...]] = {
    ENTER: ("T", "|", "C", "|", "Q", "|NONE|ENTERQUEUE||5550100|1"),
    CONNECT: ("T", "|", "C", "|", "Q", "|", "A", "|CONNECT|", "a", "|", "C", "|", "b"),
    COMPLETE: ("T", "|", "C", "|", "Q", "|", "A", "|COMPLETEAGENT|", "a", "|", "b", "|1"),
    CALLER_DONE: ("T", "|", "C", "|", "Q", "|", "A", "|COMPLETECALLER|", "a", "|", "b", "|1"),
    TRANSFER: (
        "T",
        "|",
        "C",
        "|",
        "Q",
        "|",
        "A",
        "|BLINDTRANSFER|queue00|queues|",
        "a",
        "|",
        "b",
        "|1",
    ),
    ABANDON: ("T", "|", "C", "|", "Q", "|NONE|ABANDON|1|1|", "a"),
    TIMEOUT: ("T", "|", "C", "|", "Q", "|NONE|EXITWITHTIMEOUT|1|1|", "a"),
    CANCELED: ("T", "|", "C", "|", "Q", "|", "A", "|RINGCANCELED|", "a"),
    NO_ANSWER: ("T", "|", "C", "|", "Q", "|", "A", "|RINGNOANSWER|", "a"),
    ADD: ("T", "|MANAGER|", "Q", "|", "A", "|ADDMEMBER|"),
    REMOVE: ("T", "|MANAGER|", "Q", "|", "A", "|REMOVEMEMBER|"),
    PAUSE: ("T", "|NONE|", "Q", "|", "A", "|PAUSE|break"),
    UNPAUSE: ("T", "|NONE|", "Q", "|", "A", "|UNPAUSE|"),
    START_LINE: ("T", "|NONE|NONE|NONE|QUEUESTART|"),
}
_WIDTH = {"T": 10, "C": 18, "Q": 7, "A": 9, "a": 6, "b": 6}


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded ASCII digits, one row each."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + 48).astype(np.uint8)


def _field(events: _Events, rows: np.ndarray, name: str, queues: tuple[str, ...]) -> np.ndarray:
    if name == "T":
        return _digits(events.at[rows], 10)
    if name == "C":
        dot = np.full((len(rows), 1), ord("."), np.uint8)
        return np.hstack((_digits(events.call_at[rows], 10), dot, _digits(events.call[rows], 7)))
    if name == "Q":
        table = np.array([list(q.encode()) for q in queues], np.uint8)
        return table[events.queue[rows]]
    if name == "A":
        agents = np.hstack(
            (np.full((len(rows), 5), list(b"Agent"), np.uint8), _digits(events.agent[rows], 4))
        )
        return agents
    return _digits(getattr(events, name)[rows], 6)


def _text(events: _Events, begin: int, end: int, queues: tuple[str, ...]) -> Iterator[bytes]:
    """The lines `begin:end`, in blocks of bytes."""
    block = 500_000
    for low in range(begin, end, block):
        high = min(end, low + block)
        kinds = events.kind[low:high]
        pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, bytes of each row)
        for kind, layout in _LAYOUT.items():
            rows = np.flatnonzero(kinds == kind)
            if not len(rows):
                continue
            columns = []
            for part in layout:
                if part in _WIDTH:
                    columns.append(_field(events, low + rows, part, queues))
                else:
                    columns.append(np.tile(np.frombuffer(part.encode(), np.uint8), (len(rows), 1)))
            columns.append(np.full((len(rows), 1), 10, np.uint8))
            pieces.append((rows, np.hstack(columns)))
        # back into time order: each kind's rows are fixed-width, so place them by offsets
        lengths = np.zeros(high - low, np.int64)
        for rows, matrix in pieces:
            lengths[rows] = matrix.shape[1]
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        out = np.empty(int(offsets[-1]), np.uint8)
        for rows, matrix in pieces:
            width = matrix.shape[1]
            index = offsets[rows][:, None] + np.arange(width)
            out[index] = matrix
        yield out.tobytes()
