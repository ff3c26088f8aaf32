"""Running totals and their ledgers: how a span's content is a difference of two totals.

A queue's accumulator holds integer counts then float sums (the field indices
below); a `Series` integrates member counts per state group over time. Each
keeps a `Ledger` of time-stamped totals covering only the widest window, so a
window's content is the current total minus the total at its edge, and leaving
a window is a pointer move (`docs/ENGINE.md`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

# Fields of an accumulator: integer counts first, then float sums.
(
    OFFERED,
    ANSWERED,
    ANSWERED_IN_SL,
    ABANDONED,
    SHORT_ABANDONED,
    OVERFLOW,
    BLOCKED,
    RING_NO_ANSWER,
    ABANDONED_IN_SL,
    QUEUED,
    ENDED,
    TRANSFERRED,
    WRAPS,
    RINGS,
    JOINS,
    WAIT_ANSWERED,
    WAIT_ABANDONED,
    WAIT_ALL,
    TALK,
    HOLD,
    WRAP_TIME,
    RING_TIME,
) = range(22)
N_COUNTS = 15
N_FIELDS = 22
# Running float totals restart at zero after this many turnovers of the widest window:
# often enough to keep their magnitude, hence the rounding of a window's difference,
# far below 1e-9 relative; rarely enough that rewriting the ledger costs little.
REBASE_TURNOVERS = 16


def zero_totals() -> list[Any]:
    """An accumulator with nothing in it."""
    return [0] * N_COUNTS + [0.0] * (N_FIELDS - N_COUNTS)


class Ledger:
    """Time-stamped running totals of one owner (a queue or a state series).

    Each entry is `(stamp, *totals after it)`, so a window's content is the
    current total minus the total at the window's edge: leaving the window is a
    pointer move, whatever the number of windows. Entries hold numbers only,
    which the garbage collector stops tracking. `ptr[w]` is the first entry
    stamped after window w's edge; `floor` is the last entry trimmed away.
    """

    __slots__ = ("entries", "floor", "mark", "ptr", "turns")

    def __init__(self, first: tuple, n_windows: int) -> None:
        self.entries: list[tuple] = [first]
        self.floor = first
        self.ptr = [0] * n_windows
        self.mark = 0
        self.turns = 0

    def advance(self, edges: list[float], widest: int) -> bool:
        """Move past the entries each window has left; True when it is time to rebase.

        Rebase every REBASE_TURNOVERS times the widest window has fully renewed.
        """
        entries = self.entries
        ptr = self.ptr
        n = len(entries)
        for w, edge in enumerate(edges):
            p = ptr[w]
            # At 4 Hz a window loses a few entries, often none: step before bisecting.
            if p < n and entries[p][0] <= edge:
                if p + 4 < n and entries[p + 4][0] <= edge:
                    ptr[w] = bisect_right(entries, (edge, math.inf), p + 5)
                else:
                    p += 1
                    while p < n and entries[p][0] <= edge:
                        p += 1
                    ptr[w] = p
        if ptr[widest] < self.mark:
            return False
        self.mark = len(entries)
        self.turns += 1
        if self.turns < REBASE_TURNOVERS:
            return False
        self.turns = 0
        return True

    def before(self, w: int) -> tuple:
        """The last entry at or before window w's edge."""
        p = self.ptr[w]
        return self.entries[p - 1] if p else self.floor

    def rebase(self, offsets: list[float], start: int) -> None:
        """Subtract `offsets` from the totals at `start...` of every entry (totals restart at 0)."""
        stop = start + len(offsets)

        def shifted(e: tuple) -> tuple:
            return (
                *e[:start],
                *[v - c for v, c in zip(e[start:stop], offsets, strict=True)],
                *e[stop:],
            )

        self.entries[:] = [shifted(e) for e in self.entries]  # in place: owners alias it
        self.floor = shifted(self.floor)

    def trim(self) -> None:
        done = min(self.ptr) - 1
        if done > 256 and done * 2 > len(self.entries):
            self.floor = self.entries[done - 1]
            del self.entries[:done]
            self.ptr = [i - done for i in self.ptr]
            self.mark -= done


class Series:
    """Counts of members per state group over time, and their running integral.

    Ledger entries are closed segments `(t_end, cum0..cum3 at t_end, n0..n3 during
    the segment)`; the first one is a zero-length segment at the series' creation.
    The last entry holds the running integral (`cum`, since the last rebase) and its
    instant, so closing a segment builds one tuple and changes nothing else;
    `ibase`/`dbase` are `cum` when the interval/day started.
    """

    __slots__ = ("dbase", "ibase", "ledger", "log", "n")

    def __init__(self, t: float, n_windows: int) -> None:
        self.n = [0, 0, 0, 0]
        self.ibase = [0.0, 0.0, 0.0, 0.0]
        self.dbase = [0.0, 0.0, 0.0, 0.0]
        self.ledger = Ledger((t, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0), n_windows)
        self.log = self.ledger.entries

    @property
    def cum(self) -> list[float]:
        """The running integrals at the end of the last closed segment (a copy)."""
        return list(self.log[-1][1:5])


def regroup(series: Series, t: float, old_group: int, new_group: int) -> None:
    """One member moves between the series' groups (-1: none) at `t`.

    The segment of constant counts that ends at `t` is closed first (once per
    instant); `regroup(series, t, -1, -1)` only closes it.
    """
    log = series.log
    last = log[-1]
    n = series.n
    if last[0] != t:
        dt = t - last[0]
        n0, n1, n2, n3 = n
        log.append(
            (
                t,
                last[1] + n0 * dt,
                last[2] + n1 * dt,
                last[3] + n2 * dt,
                last[4] + n3 * dt,
                n0,
                n1,
                n2,
                n3,
            )
        )
    if new_group >= 0:
        n[new_group] += 1
    if old_group >= 0:
        n[old_group] -= 1


def rebase_totals(
    cum: list[Any], ibase: list[Any], dbase: list[Any], ledger: Ledger, first_float: int
) -> None:
    """Restart the float totals at zero, so their rounding stays that of a few windows.

    A span is a difference of running totals; each addition rounds at the
    totals' magnitude, so without a restart the error would grow with the
    length of the shift.
    """
    offsets = cum[first_float:]
    for f in range(first_float, len(cum)):
        ibase[f] -= cum[f]
        dbase[f] -= cum[f]
        cum[f] = 0.0
    ledger.rebase(offsets, 1 + first_float)


def total_spans(
    cum: list[Any], ledger: Ledger, ibase: list[Any], dbase: list[Any], n_windows: int
) -> list[list[Any]]:
    """A queue's accumulators per span (windows..., interval, day)."""
    spans = []
    for w in range(n_windows):
        edge_total = ledger.before(w)
        spans.append([c - e for c, e in zip(cum, edge_total[1:], strict=True)])
    spans.append([c - b for c, b in zip(cum, ibase, strict=True)])
    spans.append([c - b for c, b in zip(cum, dbase, strict=True)])
    return spans


def integral_spans(series: Series, t: float, windows: tuple[float, ...]) -> list[list[float]]:
    """Membership-seconds per state group, per span (windows..., interval, day)."""
    now = integral_now(series, t)
    spans = [
        [
            a - b
            for a, b in zip(now, integral_at(series, t - width, series.ledger.ptr[w]), strict=True)
        ]
        for w, width in enumerate(windows)
    ]
    spans.append([a - b for a, b in zip(now, series.ibase, strict=True)])
    spans.append([a - b for a, b in zip(now, series.dbase, strict=True)])
    return spans


def integral_now(series: Series, t: float) -> list[float]:
    """The running integrals at `t` (no later change of counts than the series has seen)."""
    last = series.log[-1]
    dt = t - last[0]
    n = series.n
    return [last[1] + n[0] * dt, last[2] + n[1] * dt, last[3] + n[2] * dt, last[4] + n[3] * dt]


def integral_at(series: Series, edge: float, p: int) -> list[float]:
    """The running integrals at a window's `edge`; `p` = the first segment ending after it."""
    entries = series.ledger.entries
    if p < len(entries):
        # the edge falls in segment p: its total, less what follows the edge
        e = entries[p]
        back = e[0] - edge
        return [e[1 + g] - e[5 + g] * back for g in range(4)]
    # the edge falls in the open segment
    return integral_now(series, edge)


def first_after(ledger: Ledger, w: int, edge: float) -> int:
    """Index of the first entry stamped after `edge` (window w's edge, at or after its last)."""
    return bisect_right(ledger.entries, (edge, math.inf), ledger.ptr[w])
