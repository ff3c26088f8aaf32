"""Report totals from queue_log columns with numpy: the streaming engine's figures, in bulk.

`wallboard.intervals.streaming` runs every event through the engine; this module
computes the same totals per queue and bin from whole arrays, following the
queue_log mapper's rules (what each line means) and the engine's (what each
event counts), docs/ENGINE.md. The parts that would need the engine's full state
machine are not computed here: they are handed to the engine itself (see
`BatchPlan`), so the totals are the engine's in every case.

How the figures are formed, in the order of the mapper's output (time order,
lines of the same second in file order):

- outcomes (answers with a known wait, abandons, exits), blocked calls and
  ring-no-answers are items at their own time, counted into their bin with the
  queue's thresholds, exactly as `Engine._on_answered` and its siblings do;
- an agent's calls are the pairs (answer, the end of that same call), each a
  talking stretch and, at its end, a call-end item; its wrap-up runs from the end
  for the queue's wrap-up time or until the agent's next answer, and is an item
  where it ends;
- memberships and pauses are runs per (agent, queue), from the lines that log
  in, pause, name the agent in the queue, or log out;
- state seconds per bin are the lengths of those runs cut at bin edges, less the
  talking and wrap-up seconds inside them (measured with running sums).

An agent whose lines do not follow that shape (two calls at once, a call ended
by another agent, an end of another call while on one) is left to the engine:
its lines, with those of the calls it took, run through the mapper and an engine
of their own (the engine's state of one agent depends on nothing else).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from wallboard.adapters.base import RawRecord
from wallboard.adapters.identity import AgentDirectory
from wallboard.adapters.queue_log import DEFAULT_REORDER_S, QueueLogMapper
from wallboard.adapters.source_time import EARLIEST, LATEST
from wallboard.engine.ledger import (
    ABANDONED,
    ABANDONED_IN_SL,
    ANSWERED,
    ANSWERED_IN_SL,
    BLOCKED,
    ENDED,
    HOLD,
    N_COUNTS,
    OFFERED,
    OVERFLOW,
    QUEUED,
    RING_NO_ANSWER,
    RING_TIME,
    RINGS,
    SHORT_ABANDONED,
    TALK,
    TRANSFERRED,
    WAIT_ABANDONED,
    WAIT_ALL,
    WAIT_ANSWERED,
    WRAP_TIME,
    WRAPS,
)
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.intervals.columns import (
    ABSENT_BIT,
    VERBS,
    ColumnReader,
    Columns,
    Interned,
    lateness,
    vars_of,
)
from wallboard.intervals.grid import Grid
from wallboard.intervals.streaming import bin_engine, grid_totals
from wallboard.intervals.totals import BinTotals

# What a line is, by verb.
(
    K_NONE, K_ENTER, K_CONNECT, K_END, K_ABANDON, K_EXIT, K_BLOCKED, K_RNA, K_RINGCANCELED,
    K_PAUSE, K_UNPAUSE, K_PAUSE_ALL, K_UNPAUSE_ALL, K_ADD, K_REMOVE, K_START, K_ENGINE,
) = range(17)  # fmt: skip
_KIND_OF = {
    "ENTERQUEUE": K_ENTER,
    "CONNECT": K_CONNECT,
    "COMPLETECALLER": K_END,
    "COMPLETEAGENT": K_END,
    "TRANSFER": K_END,
    "BLINDTRANSFER": K_END,
    "ATTENDEDTRANSFER": K_END,
    "ABANDON": K_ABANDON,
    "EXITWITHTIMEOUT": K_EXIT,
    "EXITEMPTY": K_EXIT,
    "EXITWITHKEY": K_EXIT,
    "WITHDRAW": K_EXIT,
    "FULL": K_BLOCKED,
    "JOINEMPTY": K_BLOCKED,
    "JOINUNAVAIL": K_BLOCKED,
    "RINGNOANSWER": K_RNA,
    "RINGCANCELED": K_RINGCANCELED,
    "PAUSE": K_PAUSE,
    "UNPAUSE": K_UNPAUSE,
    "PAUSEALL": K_PAUSE_ALL,
    "UNPAUSEALL": K_UNPAUSE_ALL,
    "ADDMEMBER": K_ADD,
    "REMOVEMEMBER": K_REMOVE,
    "QUEUESTART": K_START,
}
# Verbs the mapper handles that this module does not model (old chan_agent logins):
# their lines send the whole input to the engine.
KIND = np.array([_KIND_OF.get(v, K_ENGINE) if v else K_NONE for v in VERBS], np.uint8)
TRANSFER_VERBS = np.array([v.endswith("TRANSFER") for v in VERBS], np.bool_)
PAUSED_MARK = "PAUSED"
# Fields of the accumulator the agents' side of the engine fills (the rest come from calls).
AGENT_FIELDS = (ENDED, TRANSFERRED, TALK, HOLD, WRAPS, WRAP_TIME)
BUSY, IDLE, WRAP_G, PAUSED_G = range(4)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the batch path leaves to the engine, once every line is read.

    `everything`: why the whole input must go through the streaming engine (None:
    it need not). `agents`: the agents whose state the batch path does not model
    (their lines, and the lines of the calls they took, run through an engine of
    their own: `BatchTotals.feed_engine`).
    """

    everything: str | None
    agents: frozenset[int] = frozenset()
    calls: frozenset[int] = frozenset()


@dataclass(slots=True)
class _Lines(Columns):
    """The columns in the mapper's order (time, then file order), up to the period's end,
    with what each line is (`KIND` of its verb)."""

    kind: np.ndarray

    @classmethod
    def of(cls, columns: Columns, stop_at: float) -> _Lines:
        """`columns` sorted (in place: a month's columns are not copied) and cut at `stop_at`."""
        columns.sort_by_time()
        stop = int(np.searchsorted(columns.at, stop_at, side="right"))
        if stop < len(columns):
            columns = columns.head(stop)
        return cls(**vars_of(columns), kind=KIND[columns.verb])

    def queue_present(self) -> np.ndarray:
        return (self.absent & ABSENT_BIT[2]) == 0


@dataclass(slots=True)
class _Settings:
    """Per-queue settings by queue code, and the bins' placement."""

    threshold: np.ndarray
    short: np.ndarray
    wrapup: np.ndarray
    queued_min: float
    interval: float
    first_bin: int
    bins: int

    def bin_of(self, at: np.ndarray) -> np.ndarray:
        """Each stamp's bin (an item at a boundary belongs to the bin ending there); -1 outside."""
        index = np.ceil(at / self.interval).astype(np.int64) - 1 - self.first_bin
        return np.where((index >= 0) & (index < self.bins), index, -1)


class _Accumulator:
    """Adds items into a `BinTotals` by queue code, field and bin."""

    def __init__(self, totals: BinTotals, queue_index: np.ndarray, settings: _Settings) -> None:
        self.totals = totals
        self.queue_index = queue_index  # queue code -> row of `totals` (-1: not reported)
        self.settings = settings

    def add(
        self,
        field: int,
        queue: np.ndarray,
        at: np.ndarray,
        weights: np.ndarray | None = None,
    ) -> None:
        """One item per element (of weight `weights`, else 1) stamped `at` in queue code `queue`."""
        if not len(at):
            return
        rows = self.queue_index[queue]
        bins = self.settings.bin_of(at)
        keep = (rows >= 0) & (bins >= 0)
        n_bins = self.totals.bins
        flat = rows[keep] * n_bins + bins[keep]
        size = len(self.totals.queues) * n_bins
        if field < N_COUNTS:
            counted = np.bincount(flat, minlength=size)
            if weights is not None:
                raise ValueError("counts take no weights")
            self.totals.counts[:, :, field] += counted.reshape(-1, n_bins)
        else:
            w = np.ones(len(at)) if weights is None else weights
            summed = np.bincount(flat, weights=w[keep], minlength=size)
            self.totals.sums[:, :, field - N_COUNTS] += summed.reshape(-1, n_bins)

    def seconds(self, row: int, bins: np.ndarray, group: int, length: np.ndarray) -> None:
        """State seconds of `totals` row `row` (the last: all) per bin."""
        if len(bins):
            self.totals.seconds[row, :, group] += np.bincount(
                bins, weights=length, minlength=self.totals.bins
            )


def _waits(lines: _Lines, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line of `rows` (the lines about calls' outcomes): whether its outcome counts, its
    wait, and whether a blocked line is an exit.

    An outcome with its own wait counts with it; without one, the engine takes the
    time since the call joined, if it is still waiting (else drops the outcome).
    A FULL/JOINEMPTY line for a call the mapper holds as waiting is an exit. Both
    need the waiting lists as they run, kept here for the few calls concerned.
    """
    kind = lines.kind[rows]
    has_wait = lines.has_wait[rows]
    counts = has_wait.copy()
    wait = lines.wait[rows].astype(np.float64)  # (stored as float32 where that is exact)
    exits = np.zeros(len(rows), np.bool_)
    outcome = (kind == K_CONNECT) | (kind == K_ABANDON) | (kind == K_EXIT)
    concerned = (outcome & ~has_wait) | (kind == K_BLOCKED)
    if not concerned.any():
        return counts, wait, exits
    calls = np.unique(lines.call[rows[concerned]])
    every = lines.kind
    waiting_kinds = _OUTCOME_LINES[every] & (every != K_RNA) | (every == K_ENTER)
    followed = np.flatnonzero(waiting_kinds | (every == K_START))
    followed = followed[(every[followed] == K_START) | _among(lines.call[followed], calls)]
    mapper_waiting: set[tuple[int, int]] = set()
    engine_waiting: dict[tuple[int, int], float] = {}
    for i in followed.tolist():
        k = int(every[i])
        if k == K_START:  # the mapper ends every waiting call with CallerGone
            for key in mapper_waiting:
                engine_waiting.pop(key, None)
            mapper_waiting.clear()
            continue
        key = (int(lines.queue[i]), int(lines.call[i]))
        at = float(lines.at[i])
        if k == K_ENTER:
            mapper_waiting.add(key)
            engine_waiting.setdefault(key, at)
            continue
        j = int(np.searchsorted(rows, i))  # its place among `rows`
        if k == K_BLOCKED:
            if key not in mapper_waiting:
                counts[j] = True  # a blocked call
                continue
            exits[j] = True  # refused after joining: an exit with no wait of its own
        mapper_waiting.discard(key)
        joined = engine_waiting.pop(key, None)
        if has_wait[j] and not exits[j]:
            continue
        counts[j] = joined is not None
        wait[j] = at - joined if joined is not None else np.nan
    return counts, wait, exits


def _outcomes(
    lines: _Lines,
    acc: _Accumulator,
    rows: np.ndarray,
    counts: np.ndarray,
    wait: np.ndarray,
    exits: np.ndarray,
) -> np.ndarray:
    """Items of calls (the lines `rows`): answers, abandons, exits, blocked calls,
    ring-no-answers; the answers that count (they make their agent talking), by line."""
    s = acc.settings
    kind, queue, at = lines.kind[rows], lines.queue[rows], lines.at[rows]
    has_value, value = lines.has_value[rows], lines.value[rows].astype(np.float64)
    answered = (kind == K_CONNECT) & counts
    abandoned = (kind == K_ABANDON) & counts
    exited = ((kind == K_EXIT) | exits) & counts
    blocked = (kind == K_BLOCKED) & ~exits & counts
    threshold = s.threshold[queue]
    in_sl = wait <= threshold
    queued = wait > s.queued_min
    offered = answered | abandoned | exited
    short = abandoned & (wait < s.short[queue])
    for field, mask in (
        (OFFERED, offered),
        (ANSWERED, answered),
        (ANSWERED_IN_SL, answered & in_sl),
        (SHORT_ABANDONED, short),
        (ABANDONED, abandoned & ~short),
        (OVERFLOW, exited),
        (ABANDONED_IN_SL, (abandoned | exited) & in_sl),
        (QUEUED, offered & queued),
        (BLOCKED, blocked),
        (RING_NO_ANSWER, kind == K_RNA),
        (RINGS, answered & has_value),
    ):
        acc.add(field, queue[mask], at[mask])
    for field, mask, weights in (
        (WAIT_ANSWERED, answered, wait),
        (WAIT_ALL, offered, wait),
        (WAIT_ABANDONED, abandoned & ~short, wait),
        (RING_TIME, answered & has_value, value),
    ):
        acc.add(field, queue[mask], at[mask], weights[mask])
    by_line = np.zeros(len(lines), np.bool_)
    by_line[rows[answered]] = True
    return by_line


_OUTCOME_LINES = np.zeros(K_ENGINE + 1, np.bool_)  # the lines `_waits` and `_outcomes` read
_OUTCOME_LINES[[K_CONNECT, K_ABANDON, K_EXIT, K_BLOCKED, K_RNA]] = True


# How a line changes an agent's membership of a queue (the engine's view).
IN, IN_PAUSED, IN_UNPAUSED, OUT = range(4)


class _Measure:
    """The running length of sorted, disjoint intervals: `at(x)` is their measure up to x."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts = starts
        self.lengths = ends - starts
        self.before = (
            np.concatenate(([0.0], np.cumsum(self.lengths)[:-1])) if len(starts) else starts
        )

    def at(self, x: np.ndarray) -> np.ndarray:
        if not len(self.starts):
            return np.zeros(len(x))
        j = np.searchsorted(self.starts, x, side="right") - 1
        k = np.maximum(j, 0)
        inside = np.minimum(np.maximum(x - self.starts[k], 0.0), self.lengths[k])
        return np.where(j >= 0, self.before[k] + inside, 0.0)

    def within(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return self.at(hi) - self.at(lo)


def _pieces(
    lo: np.ndarray, hi: np.ndarray, s: _Settings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intervals [lo, hi) cut at bin edges, within the grid: bin, start, end, interval number."""
    g0 = s.first_bin * s.interval
    g1 = (s.first_bin + s.bins) * s.interval
    lo = np.maximum(lo, g0)
    hi = np.minimum(hi, g1)
    keep = np.flatnonzero(hi > lo)
    lo, hi = lo[keep], hi[keep]
    k0 = np.floor(lo / s.interval).astype(np.int64)
    k1 = np.ceil(hi / s.interval).astype(np.int64) - 1
    count = k1 - k0 + 1
    which = np.repeat(np.arange(len(lo)), count)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
    k = k0[which] + offset
    start = np.maximum(lo[which], k * s.interval)
    end = np.minimum(hi[which], (k + 1) * s.interval)
    return k - s.first_bin, start, end, keep[which]


def _runs(
    times: np.ndarray, changes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Memberships from time-ordered changes (IN, IN_PAUSED, IN_UNPAUSED, OUT).

    Returns the stretches of one state: whether a member and whether paused, from
    when to when (the last one open). A change that leaves the state as it was
    (a call's end names the agent in a queue it is a member of) starts none.
    """
    member, paused = _states(changes)
    # the state after the last change at each time, where it differs from the one before
    final = np.concatenate((times[1:] != times[:-1], [True]))
    member, paused, times = member[final], paused[final], times[final]
    moved = np.concatenate(([True], (member[1:] != member[:-1]) | (paused[1:] != paused[:-1])))
    member, paused, times = member[moved], paused[moved], times[moved]
    ends = np.concatenate((times[1:], [np.inf]))
    return member, paused, times, ends


_Membership = tuple[np.ndarray, np.ndarray, np.ndarray]  # times, changes, line numbers


def _states(changes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """After each change in order: whether a member, and whether paused."""
    member = changes != OUT
    before = np.concatenate(([False], member[:-1]))
    created = member & ~before
    sets = (changes != IN) | created  # a change that decides the pause flag
    flag = changes == IN_PAUSED
    last = np.maximum.accumulate(np.where(sets, np.arange(len(changes)), -1))
    paused = np.where(last >= 0, flag[np.maximum(last, 0)], False) & member
    return member, paused


@dataclass(slots=True)
class _AgentLines:
    """One agent's lines (indices into `_Lines`, in order) and what the call part found."""

    rows: np.ndarray
    answered: np.ndarray  # per row: a CONNECT whose answer counts


@dataclass(slots=True)
class _Calls:
    """An agent's calls as the engine sees them: answered and ended (`answer_at`, `end_*`,
    `talk`, `transferred`), still open at the end (`open_at`), and every answer time."""

    answer_at: np.ndarray
    end_seq: np.ndarray
    end_at: np.ndarray
    end_queue: np.ndarray
    talk: np.ndarray
    transferred: np.ndarray
    open_at: np.ndarray
    answers: np.ndarray


def _agent_calls(lines: _Lines, agent: _AgentLines, restarts: np.ndarray) -> _Calls | None:
    """The agent's calls; None when its lines do not follow the shape the batch path
    models (one call at a time, each ended by its own end line or a restart)."""
    rows = agent.rows
    kind = lines.kind[rows]
    connect = kind == K_CONNECT
    end = kind == K_END
    # Calls still connected when Asterisk restarts are ended by the mapper there.
    synthetic_seq = np.zeros(0, np.int64)
    synthetic_of = np.zeros(0, np.int64)
    if len(restarts) and connect.any():
        linked = np.flatnonzero(connect | end)
        order = np.lexsort((linked, lines.queue[rows[linked]], lines.call[rows[linked]]))
        ordered = linked[order]
        same_next = np.zeros(len(ordered), np.bool_)
        if len(ordered) > 1:
            r = rows[ordered]
            same_next[:-1] = (lines.call[r[1:]] == lines.call[r[:-1]]) & (
                lines.queue[r[1:]] == lines.queue[r[:-1]]
            )
        next_seq = np.full(len(ordered), np.iinfo(np.int64).max)
        next_seq[:-1] = np.where(same_next[:-1], rows[ordered[1:]], next_seq[:-1])
        is_connect = connect[ordered]
        seq = rows[ordered]
        first_restart = np.searchsorted(restarts, seq, side="right")
        has = first_restart < len(restarts)
        restart_seq = np.where(has, restarts[np.minimum(first_restart, len(restarts) - 1)], -1)
        cut = is_connect & has & (restart_seq < next_seq)
        synthetic_seq = restart_seq[cut]
        synthetic_of = ordered[cut]  # the CONNECT each synthetic end ends
        if len(np.unique(synthetic_seq)) < len(synthetic_seq):
            return None  # two calls connected at once when Asterisk restarted
    # Activity in order: counted answers, call ends (the lines and the restart's).
    answers = np.flatnonzero(connect & agent.answered)
    ends = np.flatnonzero(end)
    seqs = np.concatenate((rows[answers], rows[ends], synthetic_seq))
    is_answer = np.concatenate(
        (np.ones(len(answers), np.bool_), np.zeros(len(ends) + len(synthetic_seq), np.bool_))
    )
    source = np.concatenate((answers, ends, synthetic_of))  # the agent line it comes from
    synthetic = np.concatenate(
        (np.zeros(len(answers) + len(ends), np.bool_), np.ones(len(synthetic_seq), np.bool_))
    )
    order = np.argsort(seqs, kind="stable")
    seqs, is_answer, source, synthetic = (
        seqs[order],
        is_answer[order],
        source[order],
        synthetic[order],
    )
    r = rows[source]
    call, queue = lines.call[r], lines.queue[r]
    a = np.flatnonzero(is_answer)
    matched = np.zeros(len(a), np.bool_)
    inner = a[a + 1 < len(seqs)]
    ok_next = (
        ~is_answer[inner + 1]
        & (call[inner + 1] == call[inner])
        & (queue[inner + 1] == queue[inner])
    )
    if not ok_next.all():
        return None  # an answer while on a call, or the end of another call while on one
    matched[: len(inner)] = True
    pairs = a[matched]
    e = pairs + 1
    end_rows = r[e]
    end_at = lines.at[seqs[e]]
    answer_at = lines.at[r[pairs]]
    own_talk = ~synthetic[e] & lines.has_value[end_rows]
    return _Calls(
        answer_at=answer_at,
        end_seq=seqs[e],
        end_at=end_at,
        end_queue=queue[e],
        talk=np.where(own_talk, lines.value[end_rows].astype(np.float64), end_at - answer_at),
        transferred=~synthetic[e] & TRANSFER_VERBS[lines.verb[end_rows]],
        open_at=lines.at[r[a[~matched]]],
        answers=lines.at[r[a]],
    )


_PLUS = np.zeros(K_ENGINE + 1, np.bool_)  # lines that put the queue in the mapper's set
_PLUS[[K_CONNECT, K_RNA, K_RINGCANCELED, K_PAUSE, K_UNPAUSE, K_ADD]] = True
_CHANGE = np.full(K_ENGINE + 1, IN, np.int8)
_CHANGE[K_PAUSE] = IN_PAUSED
_CHANGE[K_UNPAUSE] = IN_UNPAUSED
_CHANGE[K_REMOVE] = OUT


def _memberships(
    lines: _Lines, agent: _AgentLines, calls: _Calls, restarts: np.ndarray
) -> dict[int, _Membership]:
    """Per queue code: the times, changes (IN, IN_PAUSED, IN_UNPAUSED, OUT) and line numbers
    of the agent's membership, in order, as the mapper's events make the engine see them.

    The mapper holds a set of the agent's queues (a line naming the agent in a queue
    puts it in, REMOVEMEMBER takes it out) and of its paused queues; a restart
    (`restarts`, line numbers) takes out the queues that ADDMEMBER/REMOVEMEMBER
    lines named before it (logged out) and unpauses the rest, after ending the
    calls still connected.
    """
    rows = agent.rows
    kind = lines.kind[rows]
    queue = lines.queue[rows]
    named = (lines.absent[rows] & ABSENT_BIT[2]) == 0
    everywhere = ((kind == K_PAUSE_ALL) | (kind == K_UNPAUSE_ALL)) | (
        ((kind == K_PAUSE) | (kind == K_UNPAUSE)) & ~named
    )
    plus = _PLUS[kind] & named & ~everywhere
    minus = kind == K_REMOVE
    paused_mark = np.zeros(len(rows), np.bool_)
    for position in np.flatnonzero(kind == K_ADD).tolist():
        paused_mark[position] = PAUSED_MARK in lines.data.get(int(rows[position]), ())
    out: dict[int, _Membership] = {}
    # lines after which a member REMOVEMEMBER took out is out again (an offer that rang
    # across the removal, a call it answered): the mapper's rule
    offers = ((kind == K_RNA) | (kind == K_RINGCANCELED)) & plus
    queues = np.unique(np.concatenate((queue[plus | minus], calls.end_queue)))
    spread = np.flatnonzero(everywhere)
    spread_seq = rows[spread]
    spread_pause = (kind[spread] == K_PAUSE) | (kind[spread] == K_PAUSE_ALL)
    no_rows = np.zeros(0, np.int64)
    for q in queues.tolist():
        own = np.flatnonzero((plus | minus) & (queue == q))
        own_kind = kind[own]
        member_rows = own[(own_kind == K_ADD) | (own_kind == K_REMOVE)]
        member_lines = rows[member_rows]
        ending = (
            restarts[restarts > member_lines[0]] if len(member_lines) and len(restarts) else no_rows
        )
        triggers = np.flatnonzero((offers | (kind == K_END)) & (queue == q))
        if len(member_lines) and len(triggers):
            last = np.searchsorted(member_lines, rows[triggers], side="left") - 1
            removed = (last >= 0) & (kind[member_rows[np.maximum(last, 0)]] == K_REMOVE)
            triggers = triggers[removed]
        else:
            triggers = triggers[:0]
        again_out = rows[triggers]
        after_end = kind[triggers] == K_END  # out after the call's end, not before it
        # the mapper's set: in after a plus line, out after REMOVEMEMBER or such a restart
        extra = len(ending) + len(again_out)
        t_seq = np.concatenate((rows[own], ending, again_out))
        t_plus = np.concatenate((plus[own], np.zeros(extra, np.bool_)))
        t_change = np.concatenate(
            (
                np.where(paused_mark[own], IN_PAUSED, _CHANGE[own_kind]).astype(np.int8),
                np.full(extra, OUT, np.int8),
            )
        )
        t_restart = np.concatenate(
            (np.zeros(len(own), np.bool_), np.ones(len(ending), np.bool_), np.zeros_like(after_end))
        )
        t_late = np.concatenate(
            (np.zeros(len(own), np.bool_), np.ones(len(ending), np.bool_), after_end)
        )
        # what the line does to the mapper's paused set: 1 pauses, 0 unpauses, -1 nothing
        t_pause = np.concatenate(
            (
                np.select(
                    [
                        (own_kind == K_PAUSE) | paused_mark[own],
                        (own_kind == K_UNPAUSE) | (own_kind == K_REMOVE),
                    ],
                    [1, 0],
                    -1,
                ),
                np.zeros(len(ending), np.int64),
                np.full(len(again_out), -1, np.int64),
            )
        )
        if extra:
            order = np.argsort(t_seq, kind="stable")
            t_seq, t_plus, t_change = t_seq[order], t_plus[order], t_change[order]
            t_restart, t_late, t_pause = t_restart[order], t_late[order], t_pause[order]
        # in before each entry: after the one before it (entries of one line run in order)
        entry_in = np.concatenate(([False], t_plus[:-1]))
        before = np.searchsorted(t_seq, spread_seq, side="left") - 1
        spread_in = np.where(before >= 0, t_plus[np.maximum(before, 0)], False)
        keep = (t_change != OUT) | entry_in
        spread_rows = spread_seq[spread_in]
        spread_change = np.where(spread_pause[spread_in], IN_PAUSED, IN_UNPAUSED).astype(np.int8)
        logged_out = t_seq[keep & t_restart]
        unpaused = _unpaused_at(
            restarts,
            logged_out,
            np.concatenate((t_seq, spread_rows)),
            np.concatenate((t_pause, spread_pause[spread_in].astype(np.int64))),
        )
        ended = calls.end_queue == q
        first = keep & ~t_late
        late_out = t_seq[keep & t_late]
        seq = np.concatenate((t_seq[first], spread_rows, calls.end_seq[ended], late_out, unpaused))
        change = np.concatenate(
            (
                t_change[first],
                spread_change,
                np.full(int(ended.sum()), IN, np.int8),
                np.full(len(late_out), OUT, np.int8),
                np.full(len(unpaused), IN_UNPAUSED, np.int8),
            )
        )
        if len(seq):
            order = np.argsort(seq, kind="stable")  # at a restart: call ends, log-outs, unpauses
            out[q] = (lines.at[seq[order]], change[order], seq[order])
    return out


def _unpaused_at(
    restarts: np.ndarray, logged_out: np.ndarray, seq: np.ndarray, pause: np.ndarray
) -> np.ndarray:
    """The restarts at which the mapper holds the queue paused (and did not log it out there):
    `seq`/`pause` are its lines that pause (1), unpause (0) or leave it (-1), in order."""
    if not len(restarts):
        return restarts
    setting = pause >= 0
    seq = np.concatenate((seq[setting], restarts))
    value = np.concatenate((pause[setting], np.zeros(len(restarts), np.int64)))
    order = np.argsort(seq, kind="stable")
    seq, value = seq[order], value[order]
    last = np.searchsorted(seq, restarts, side="left") - 1
    paused = (last >= 0) & (value[np.maximum(last, 0)] == 1)
    return restarts[paused & ~np.isin(restarts, logged_out)]


def _agent_totals(
    acc: _Accumulator,
    calls: _Calls,
    memberships: dict[int, _Membership],
) -> None:
    """Add one agent's call ends, wrap-ups and state seconds (per queue and for all)."""
    s = acc.settings
    inf = np.array([np.inf] * len(calls.open_at))
    talking = _Measure(
        np.concatenate((calls.answer_at, calls.open_at)), np.concatenate((calls.end_at, inf))
    )
    n = len(calls.end_at)
    acc.add(ENDED, calls.end_queue, calls.end_at)
    acc.add(TRANSFERRED, calls.end_queue[calls.transferred], calls.end_at[calls.transferred])
    acc.add(TALK, calls.end_queue, calls.end_at, calls.talk)
    # wrap-up: from the call's end for the queue's wrap-up time, or to the next answer
    wrap_s = s.wrapup[calls.end_queue]
    next_answer = np.concatenate((calls.answers[1:], [np.inf]))[:n]
    timed = calls.end_at + wrap_s
    cut = next_answer < timed
    stop = np.where(cut, next_answer, timed)
    duration = np.where(cut, next_answer - calls.end_at, timed - calls.end_at)
    runs = wrap_s > 0
    acc.add(WRAPS, calls.end_queue[~runs], calls.end_at[~runs])
    acc.add(WRAPS, calls.end_queue[runs], stop[runs])
    acc.add(WRAP_TIME, calls.end_queue[runs], stop[runs], duration[runs])
    wraps = {
        q: _Measure(
            calls.end_at[runs & (calls.end_queue == q)], stop[runs & (calls.end_queue == q)]
        )
        for q in np.unique(calls.end_queue[runs]).tolist()
    }
    nothing = _Measure(np.zeros(0), np.zeros(0))
    everyone = len(acc.totals.queues)
    # all: talking counts wherever the agent is (a member or not)
    edges = (s.first_bin + np.arange(s.bins + 1)) * s.interval
    busy_all = talking.within(edges[:-1], edges[1:])
    acc.seconds(everyone, np.arange(s.bins), BUSY, busy_all)
    states: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    for q, (times, changes, _) in memberships.items():
        member, paused, starts, ends = _runs(times, changes)
        states.append((q, starts, member, paused))
        row = int(acc.queue_index[q])
        if row < 0:
            continue
        bins, lo, hi, which = _pieces(starts[member], ends[member], s)
        length = hi - lo
        busy = talking.within(lo, hi)
        wrap = wraps.get(q, nothing).within(lo, hi)
        rest = length - busy - wrap
        off = paused[member][which]
        acc.seconds(row, bins, BUSY, busy)
        acc.seconds(row, bins, WRAP_G, wrap)
        acc.seconds(row, bins, PAUSED_G, np.where(off, rest, 0.0))
        acc.seconds(row, bins, IDLE, np.where(off, 0.0, rest))
    if not states:
        return
    # all: the agent's state from all its memberships at once
    times = np.unique(np.concatenate([t for _, t, _, _ in states]))
    any_member = np.zeros(len(times), np.bool_)
    any_ready = np.zeros(len(times), np.bool_)
    member_of: list[tuple[int, np.ndarray]] = []
    for q, t, member, paused in states:
        last = np.searchsorted(t, times, side="right") - 1
        m = np.where(last >= 0, member[np.maximum(last, 0)], False)
        p = np.where(last >= 0, paused[np.maximum(last, 0)], False)
        any_member |= m
        any_ready |= m & ~p
        member_of.append((q, m))
    ends = np.concatenate((times[1:], [np.inf]))
    bins, lo, hi, which = _pieces(times[any_member], ends[any_member], s)
    if not len(bins):
        return
    segment = np.flatnonzero(any_member)[which]
    busy = talking.within(lo, hi)
    wrap = np.zeros(len(lo))
    for q, m in member_of:
        if q in wraps:
            wrap += np.where(m[segment], wraps[q].within(lo, hi), 0.0)
    rest = (hi - lo) - busy - wrap
    ready = any_ready[segment]
    acc.seconds(everyone, bins, WRAP_G, wrap)
    acc.seconds(everyone, bins, IDLE, np.where(ready, rest, 0.0))
    acc.seconds(everyone, bins, PAUSED_G, np.where(ready, 0.0, rest))


def _named(lines: _Lines) -> tuple[np.ndarray, set[int]]:
    """Per line, the agent the mapper's events name; and the agents of calls answered again
    while still connected (the mapper then forgets the first answer).

    A call end names the agent the mapper holds the call as connected to (the last
    CONNECT of that call, unless an end or a restart came since), else the line's
    agent. Nearly always that is the line's own agent, whose previous CONNECT or
    end line is that call's CONNECT; the other ends are followed as the mapper does.
    """
    kind = lines.kind
    agent = lines.agent.copy()
    clash: set[int] = set()
    linked = np.flatnonzero((kind == K_CONNECT) | (kind == K_END))
    connects = linked[kind[linked] == K_CONNECT]
    calls = np.sort(lines.call[connects])
    again = np.unique(calls[1:][calls[1:] == calls[:-1]])  # (transferred calls: other queues)
    if len(again):
        rows = connects[np.isin(lines.call[connects], again)]
        keys = sorted(zip(lines.call[rows].tolist(), lines.queue[rows].tolist(), strict=True))
        twice = np.unique(np.array([a[0] for a, b in itertools.pairwise(keys) if a == b], np.int64))
    else:
        twice = again
    order = linked[np.argsort(_small(agent[linked]), kind="stable")]
    previous = np.concatenate(([-1], order[:-1]))
    plain = (
        (previous >= 0)
        & (agent[np.maximum(previous, 0)] == agent[order])
        & (kind[np.maximum(previous, 0)] == K_CONNECT)
        & (lines.call[np.maximum(previous, 0)] == lines.call[order])
        & (lines.queue[np.maximum(previous, 0)] == lines.queue[order])
    )
    odd_ends = order[(kind[order] == K_END) & ~plain]
    followed = np.union1d(np.unique(lines.call[odd_ends]), twice)
    if len(followed):
        rows = np.flatnonzero((kind == K_CONNECT) | (kind == K_END) | (kind == K_START))
        rows = rows[(kind[rows] == K_START) | _among(lines.call[rows], followed)]
        connected: dict[tuple[int, int], int] = {}
        for i in rows.tolist():
            if kind[i] == K_START:
                connected.clear()
                continue
            key = (int(lines.queue[i]), int(lines.call[i]))
            if kind[i] == K_CONNECT:
                earlier = connected.get(key)
                if earlier is not None:  # answered again while still connected
                    clash.update((earlier, int(agent[i])))
                connected[key] = int(agent[i])
            else:
                agent[i] = connected.pop(key, int(agent[i]))
    return agent, clash


def _among(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Whether each value is one of `members` (sorted, unique): a binary search per value,
    where `np.isin` would sort a month of values or compare them once per member."""
    if not len(members):
        return np.zeros(len(values), np.bool_)
    slot = np.minimum(np.searchsorted(members, values), len(members) - 1)
    return members[slot] == values


def _small(codes: np.ndarray) -> np.ndarray:
    """Codes as the smallest unsigned type (a stable sort of 16-bit keys is a radix sort)."""
    return codes.astype(np.uint16) if len(codes) and codes.max() < 1 << 16 else codes


AGENT_KINDS = np.zeros(K_ENGINE + 1, np.bool_)
AGENT_KINDS[[K_CONNECT, K_END, K_RNA, K_RINGCANCELED, K_PAUSE, K_UNPAUSE]] = True
AGENT_KINDS[[K_PAUSE_ALL, K_UNPAUSE_ALL, K_ADD, K_REMOVE]] = True


NAMING_KINDS = np.zeros(K_ENGINE + 1, np.bool_)  # lines that name a member by member name
NAMING_KINDS[[K_CONNECT, K_RNA, K_RINGCANCELED, K_PAUSE, K_UNPAUSE, K_PAUSE_ALL]] = True
NAMING_KINDS[K_UNPAUSE_ALL] = True

CALL_KINDS = np.zeros(K_ENGINE + 1, np.bool_)  # lines about a call that name no agent's state
CALL_KINDS[[K_ENTER, K_ABANDON, K_EXIT, K_BLOCKED, K_CONNECT, K_END]] = True


class BatchTotals:
    """Report totals from queue_log chunks: `feed` every chunk, then `plan`, then `totals`.

    When the plan leaves agents to the engine, give every chunk again (the same
    chunks, in the same order) to `feed_engine` before `totals`.
    """

    def __init__(
        self,
        config: EngineConfig,
        interval_s: float,
        period: tuple[float, float] | None = None,
        *,
        expected_lines: int = 0,
    ) -> None:
        self.config = config
        self.interval_s = interval_s
        self.period = period
        self.reader = ColumnReader(expected_lines)
        self._plan: Plan | None = None
        self._grid: Grid | None = None
        self._totals: BinTotals | None = None
        self._engine_lines: list[str] = []
        self._members: dict[str, str] = {}
        self._aliases: np.ndarray | None = None  # agent code -> its agent's (None: the same)

    def feed(
        self,
        data: bytes,
        first_line: int,
        numbers: Sequence[int] | None = None,
        source: str = "queue_log",
    ) -> None:
        """One chunk of whole lines of file `source` (see `ColumnReader.feed`)."""
        self.reader.feed(data, first_line, numbers, source)

    @property
    def plan_made(self) -> Plan:
        """The plan `plan` made."""
        assert self._plan is not None, "plan() first"
        return self._plan

    def needs_member_names(self) -> bool:
        """Whether some interface is named only on ADDMEMBER/REMOVEMEMBER lines: then `plan`
        needs the member names the files teach (`LogSet.member_names`), as the mapper does."""
        columns = self.reader.columns()
        kind = KIND[columns.verb]
        has_agent = (columns.absent & ABSENT_BIT[3]) == 0
        size = len(self.reader.agents.names) + 1
        member = (kind == K_ADD) | (kind == K_REMOVE)
        changing = np.bincount(columns.agent[member & has_agent], minlength=size)
        naming = np.bincount(columns.agent[NAMING_KINDS[kind] & has_agent], minlength=size)
        return bool(((changing > 0) & (naming == 0)).any())

    def plan(self, members: Mapping[str, str] | None = None) -> Plan:
        """Compute what the batch path models, and say what it leaves to the engine.

        `members`: interface -> member name pairs (see `needs_member_names`).
        """
        self._members = dict(members or {})
        aliases = _aliases(self.reader.agents, self.config, self._members)
        self._aliases = None if (aliases == np.arange(len(aliases))).all() else aliases
        columns = _plausible(self.reader.columns())
        reason = _unmodelled(columns, self.config)
        if reason is not None:
            self._plan = Plan(reason)
            return self._plan
        stop_at = np.inf if self.period is None else self.period[1]
        lines = _Lines.of(columns, stop_at)
        if not len(lines):
            raise WallboardError(
                "no input falls in the period asked for"
                if len(columns)
                else "no events in the input"
            )
        del columns
        lines.agent = self._canonical(lines.agent)
        try:
            self._grid, self._totals, self._plan = self._compute(lines)
        except _Unmodelled as exc:
            self._plan = Plan(str(exc))
        return self._plan

    def feed_engine(
        self, data: bytes, first_line: int, numbers: Sequence[int] | None = None
    ) -> None:
        """A chunk again: keep the lines of the agents (and their calls) left to the engine."""
        plan = self._plan
        assert plan is not None and plan.agents
        agents = np.array(sorted(plan.agents), np.int64)
        calls = np.array(sorted(plan.calls), np.int64)

        def wanted(columns: Columns) -> np.ndarray:
            # Call ends go by their call: the agent they name is the one the call was
            # connected to, which may not be the one on the line.
            kind = KIND[columns.verb]
            agent = self._canonical(columns.agent)
            own = AGENT_KINDS[kind] & (kind != K_END) & _among(agent, agents)
            theirs = CALL_KINDS[kind] & _among(columns.call, calls)
            return own | theirs | (kind == K_START)

        self._engine_lines += self.reader.lines_of(data, first_line, numbers, wanted)

    def totals(self) -> tuple[Grid, BinTotals]:
        """The totals per queue and bin (the engine's part added in, if any)."""
        grid, totals, plan = self._grid, self._totals, self._plan
        assert grid is not None and totals is not None and plan is not None
        if plan.agents:
            _add_engine_part(totals, self._engine_part(grid, totals.queues))
            self._engine_lines = []
        return grid, totals

    def _engine_part(self, grid: Grid, queues: list[str]) -> BinTotals:
        mapper = QueueLogMapper(self.config, members=self._members)

        def events() -> Iterator[Event]:
            for line in self._engine_lines:
                yield from mapper.feed(RawRecord(0.0, "queue_log", line))  # type: ignore[misc]
                mapper.take_warnings()  # said once already, by the first reading
            yield from mapper.flush()

        return grid_totals(events(), bin_engine(self.config, self.interval_s), grid, queues)

    def _canonical(self, codes: np.ndarray) -> np.ndarray:
        """Agent codes as the agents the mapper names (one code for every alias of one)."""
        aliases = self._aliases
        if aliases is None:
            return codes
        return np.where(codes < len(aliases), aliases[np.minimum(codes, len(aliases) - 1)], codes)

    def _compute(self, lines: _Lines) -> tuple[Grid, BinTotals, Plan]:
        config = self.config
        names = self.reader.queues.names
        outcome_rows = np.flatnonzero(_OUTCOME_LINES[lines.kind])
        counts, wait, exits = _waits(lines, outcome_rows)
        first_at, last_at = _bounds(lines)
        grid = Grid.covering(
            first_at, last_at, self.interval_s, config.day_start, config.tz, self.period
        )
        seen = _queues_seen(lines)
        totals = BinTotals(sorted(names[q] for q in seen.tolist()), grid.count)
        queue_index = np.full(len(names), -1, np.int64)
        for q in seen.tolist():
            queue_index[q] = totals.index[names[q]]
        per_queue = [config.for_queue(name) for name in names]
        settings = _Settings(
            threshold=np.array([q.sl_threshold_s for q in per_queue], np.float64),
            short=np.array([q.short_abandon_s for q in per_queue], np.float64),
            wrapup=np.array([q.wrapup_s for q in per_queue], np.float64),
            queued_min=config.queued_min_s,
            interval=self.interval_s,
            first_bin=grid.first,
            bins=grid.count,
        )
        acc = _Accumulator(totals, queue_index, settings)
        answered = _outcomes(lines, acc, outcome_rows, counts, wait, exits)
        restarts = np.flatnonzero(lines.kind == K_START)
        named, clash = _named(lines)
        lines.agent = named
        rows = np.flatnonzero(AGENT_KINDS[lines.kind])
        rows = rows[np.argsort(_small(named[rows]), kind="stable")]
        cuts = np.flatnonzero(np.diff(named[rows])) + 1
        modelled: list[tuple[int, _Calls, dict[int, _Membership]]] = []
        left = clash
        for agent_rows in np.split(rows, cuts):
            if not len(agent_rows):
                continue
            code = int(named[agent_rows[0]])
            agent = _AgentLines(agent_rows, answered[agent_rows])
            found = None if code in left else _agent_calls(lines, agent, restarts)
            if found is None:
                left.add(code)
            else:
                modelled.append((code, found, _memberships(lines, agent, found, restarts)))
        agents, calls = _closure(lines, left)
        for code, agent_calls, member_of in modelled:
            if code not in agents:
                _agent_totals(acc, agent_calls, member_of)
        return grid, totals, Plan(None, frozenset(agents), frozenset(calls))


def _aliases(agents: Interned, config: EngineConfig, members: Mapping[str, str]) -> np.ndarray:
    """Per agent code, the code of the agent it stands for (`AgentDirectory`, as the mapper
    builds it from the `[agents]` table and the member names learnt)."""
    directory = AgentDirectory(config.agents)
    for device, member in members.items():
        directory.member(member, device)
    names = list(agents.names)
    out = np.arange(max(len(names), 1), dtype=np.int64)
    for code, name in enumerate(names):
        target = directory.alias(name)
        if target != name:
            out[code] = agents.code(target.encode())
    return out


def _closure(lines: _Lines, agents: set[int]) -> tuple[set[int], set[int]]:
    """The agents left to the engine and every agent sharing a call with them, and those calls."""
    kind = lines.kind
    linked = (kind == K_CONNECT) | (kind == K_END)
    calls: set[int] = set()
    while agents:
        mine = linked & _among(lines.agent, np.array(sorted(agents), np.int64))
        calls = set(np.unique(lines.call[mine]).tolist())
        theirs = linked & _among(lines.call, np.array(sorted(calls), np.int64))
        more = set(np.unique(lines.agent[theirs]).tolist()) - agents
        if not more:
            break
        agents |= more
    return agents, calls


def _add_engine_part(totals: BinTotals, part: BinTotals) -> None:
    """The engine's figures for the agents left to it: their state seconds and call ends."""
    totals.seconds[-1] += part.seconds[-1]
    for name, row in part.index.items():
        mine = totals.index[name]
        totals.seconds[mine] += part.seconds[row]
        for field in AGENT_FIELDS:
            if field < N_COUNTS:
                totals.counts[mine, :, field] += part.counts[row, :, field]
            else:
                totals.sums[mine, :, field - N_COUNTS] += part.sums[row, :, field - N_COUNTS]


def _plausible(columns: Columns) -> Columns:
    """Without the lines whose time is no time (the source-time guard skips them first)."""
    keep = (columns.at >= EARLIEST) & (columns.at < LATEST)
    return columns if keep.all() else columns.take(np.flatnonzero(keep))


def _unmodelled(columns: Columns, config: EngineConfig) -> str | None:
    """Why the whole input must go through the engine, if it must."""
    if config.source_max_jump_s < DEFAULT_REORDER_S:
        return (
            f"source_max_jump_s below {DEFAULT_REORDER_S:g} s: the source-time guard may then "
            "skip lines the reorder buffer would have put in place"
        )
    kind = KIND[columns.verb]
    if (kind == K_ENGINE).any():
        verbs = sorted({VERBS[v] for v in np.unique(columns.verb[kind == K_ENGINE]).tolist()})
        return f"{', '.join(verbs)} lines (agent channels of Asterisk before version 12)"
    for index, data in columns.data.items():
        if KIND[columns.verb[index]] in (K_ADD, K_REMOVE) and any(
            f and f != PAUSED_MARK for f in data
        ):
            return "ADDMEMBER/REMOVEMEMBER lines that name the member (names change by line)"
    late = lateness(columns.at)
    if late > DEFAULT_REORDER_S:
        return f"lines out of time order by up to {late:.0f} s (more than the mapper reorders)"
    return None


def _bounds(lines: _Lines) -> tuple[float, float]:
    """The times of the first and the last event the mapper makes of the lines.

    Most lines always give an event; REMOVEMEMBER (of a queue the mapper does not
    hold the agent in), RINGCANCELED (of one it does), pauses of every queue (of an
    agent in none) and QUEUESTART (with no call waiting or connected) may give none,
    so where one of those is the first or the last line, whether it gives one is
    worked out.
    """
    kind = lines.kind
    named = lines.queue_present()
    spread = (kind == K_PAUSE_ALL) | (kind == K_UNPAUSE_ALL)
    spread |= ((kind == K_PAUSE) | (kind == K_UNPAUSE)) & ~named
    maybe = spread | (kind == K_REMOVE) | (kind == K_START) | (kind == K_RINGCANCELED)
    never = (kind == K_RINGCANCELED) & ~named
    sure = ~maybe & ~never
    lo = int(np.argmax(sure)) if sure.any() else len(lines)
    hi = len(lines) - 1 - int(np.argmax(sure[::-1])) if sure.any() else -1
    candidates = maybe & ~never
    # the outermost candidate that gives an event, if any, on each side
    first = next(
        (i for i in np.flatnonzero(candidates[:lo]).tolist() if _emits(lines, i, named)), None
    )
    if first is None and lo < len(lines):
        first = lo
    tail = (hi + 1 + np.flatnonzero(candidates[hi + 1 :]))[::-1].tolist()
    last = next((i for i in tail if _emits(lines, i, named)), None)
    if last is None and hi >= 0:
        last = hi
    if first is None or last is None:
        raise WallboardError("no events in the input")
    return float(lines.at[first]), float(lines.at[last])


class _Unmodelled(Exception):
    """What the batch path does not model, found while computing: the engine reads it all."""


def _emits(lines: _Lines, i: int, named: np.ndarray) -> bool:
    """Whether line `i` (a REMOVEMEMBER, a pause of every queue, a QUEUESTART) gives an event."""
    kind = lines.kind[:i]  # the lines before it (slices: the edge of a month is ~1e7 lines in)
    if lines.kind[i] == K_START:
        previous = np.flatnonzero(kind == K_START)
        since = int(previous[-1]) + 1 if len(previous) else 0
        recent = kind[since:]
        waiting = _open_keys(lines, since, recent == K_ENTER, _CLOSES_WAITING[recent])
        connected = _open_keys(lines, since, recent == K_CONNECT, recent == K_END)
        if waiting or connected:
            return True
        if _MEMBER_STATE[kind].any():
            raise _Unmodelled(
                "a QUEUESTART line at the edge of the input after members and pauses "
                "(whether it logs anyone out is the engine's to say)"
            )
        return False
    holds = _mapper_holds(lines, i, named)
    if lines.kind[i] == K_RINGCANCELED:  # in if it was not (or out again, if removed before)
        held, removed = holds.get(int(lines.queue[i]), (False, False))
        return not held or removed
    if lines.kind[i] == K_REMOVE:
        return holds.get(int(lines.queue[i]), (False, False))[0]
    return any(held for held, _ in holds.values())


def _mapper_holds(lines: _Lines, i: int, named: np.ndarray) -> dict[int, tuple[bool, bool]]:
    """Per queue: whether the mapper holds line i's agent in it just before line i, and
    whether a REMOVEMEMBER took it out last (`QueueLogMapper`'s sets, followed line by line
    for this one agent)."""
    kind = lines.kind[:i]
    same = lines.agent[:i] == lines.agent[i]
    rows = np.flatnonzero(
        (same & named[:i] & (_PLUS[kind] | (kind == K_REMOVE)))
        | (same & (kind == K_END))
        | (kind == K_START)
    )
    kind = lines.kind
    held: dict[int, bool] = {}
    removed: dict[int, bool] = {}
    added: set[int] = set()
    for j in rows.tolist():
        k, q = int(kind[j]), int(lines.queue[j])
        if k == K_START:
            for name in added:
                held[name] = False
        elif k == K_ADD:
            held[q], removed[q] = True, False
            added.add(q)
        elif k == K_REMOVE:
            held[q], removed[q] = False, True
            added.add(q)
        elif k == K_END:
            if removed.get(q):
                held[q] = False
        else:
            held[q] = not (k in (K_RNA, K_RINGCANCELED) and removed.get(q))
    return {q: (h, removed.get(q, False)) for q, h in held.items()}


def _open_keys(lines: _Lines, offset: int, opens: np.ndarray, closes: np.ndarray) -> bool:
    """Whether some call's last opening line among the lines from `offset` on (`opens` and
    `closes` are masks over them) has no closing line after it."""
    rows = np.flatnonzero(opens | closes)
    if not len(rows):
        return False
    lines_at = rows + offset
    order = np.lexsort((rows, lines.queue[lines_at], lines.call[lines_at]))
    rows, lines_at = rows[order], lines_at[order]
    last = np.ones(len(rows), np.bool_)
    last[:-1] = (lines.call[lines_at[1:]] != lines.call[lines_at[:-1]]) | (
        lines.queue[lines_at[1:]] != lines.queue[lines_at[:-1]]
    )
    return bool(opens[rows[last]].any())


_MEMBER_STATE = np.zeros(K_ENGINE + 1, np.bool_)  # lines that make what a restart ends
_MEMBER_STATE[[K_ADD, K_REMOVE, K_PAUSE, K_UNPAUSE, K_PAUSE_ALL, K_UNPAUSE_ALL]] = True
_CLOSES_WAITING = np.zeros(K_ENGINE + 1, np.bool_)
_CLOSES_WAITING[[K_CONNECT, K_ABANDON, K_EXIT, K_BLOCKED]] = True


def _queues_seen(lines: _Lines) -> np.ndarray:
    """Codes of the queues some event names (the engine lists a queue from then on)."""
    kind = lines.kind
    named = lines.queue_present()
    # Pauses of every queue and QUEUESTART name only queues already named, and so
    # does a REMOVEMEMBER that gives an event (the mapper held the agent in the queue
    # since a line named it there); one that gives none names no queue at all.
    naming = named & (kind != K_START) & (kind != K_PAUSE_ALL) & (kind != K_UNPAUSE_ALL)
    naming &= kind != K_REMOVE
    return np.flatnonzero(np.bincount(lines.queue[naming], minlength=1))
