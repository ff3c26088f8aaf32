"""The callback list: callers who abandoned and have not been reached since (docs/ENGINE.md).

One entry per number however often it abandoned; it leaves the list when a
call from that number is answered (in any queue), when a call is placed to
it, or `keep_s` after its last abandon. Two spellings of one number
(`+44 20 7946 0958`, `02079460958`, `9 0207 946 0958`) are the same number
when their last digits agree: trunks and dialplans put country codes, trunk
prefixes and outside-line digits in front, never change the end. They must
agree on `COMPARE_DIGITS` digits, or on all of the shorter if it has fewer,
which must be at least `MATCH_DIGITS`; shorter numbers (extensions) must be
equal.

Every operation is O(1) amortized: entries are kept in the order of their
last abandon (so expiry pops from the front), and found through an index by
their last `MATCH_DIGITS` digits.
"""

from __future__ import annotations

import math

from wallboard.engine.snapshot import CallbackEntry

# Two different spellings are one number when they end in the same COMPARE_DIGITS digits
# (all of the shorter, if it has fewer, but at least MATCH_DIGITS).
MATCH_DIGITS = 7
COMPARE_DIGITS = 9


def number_key(number: str) -> str:
    """The digits of a number, all that two spellings of it have in common."""
    if number.isascii():
        if number.isdigit():
            return number
        if number[1:].isdigit() and number[0] == "+":  # the common E.164 spelling
            return number[1:]
    return "".join(c for c in number if "0" <= c <= "9")


def same_number(a: str, b: str) -> bool:
    """Whether two number keys (`number_key`) name one number."""
    if a == b:
        return True
    n = min(len(a), len(b), COMPARE_DIGITS)
    return n >= MATCH_DIGITS and a[-n:] == b[-n:]


def _bucket(key: str) -> str:
    return key[-MATCH_DIGITS:]


class Callback:
    """One number to call back."""

    __slots__ = (
        "at",
        "attempts",
        "first_at",
        "key",
        "number",
        "queue",
        "queues",
        "seq",
        "wait_s",
    )

    def __init__(self, key: str, number: str, queue: str, at: float, wait_s: float) -> None:
        self.seq = 0  # its place in the list's order
        self.key = key
        self.number = number
        self.queue = queue
        self.queues = {queue}
        self.at = at
        self.first_at = at
        self.wait_s = wait_s
        self.attempts = 1


class CallbackList:
    """The pending callbacks of one engine, and how many each queue has."""

    __slots__ = ("_buckets", "_front_at", "_order", "_seq", "changed", "keep_s", "pending")

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        # By `seq`, the order of the last abandon (an entry abandoning again moves last).
        self._order: dict[int, Callback] = {}
        self._seq = 0
        # At or before the first entry's last abandon: nothing expires before it + keep_s.
        self._front_at = math.inf
        # Entries by their last MATCH_DIGITS digits (all of them, when fewer).
        self._buckets: dict[str, list[Callback]] = {}
        # Entries per queue of their last abandon (the `callbacks_pending` figure), and the
        # queues whose count changed, for a reader that empties it (the alarm stepper: an
        # answer in another queue, a call placed or an expiry leaves the queue's totals).
        self.pending: dict[str, int] = {}
        self.changed: set[str] = set()

    def __len__(self) -> int:
        return len(self._order)

    def abandoned(self, number: str, queue: str, at: float, wait_s: float) -> None:
        """A caller gave up: a new entry, or one more attempt of the latest matching one."""
        key = number_key(number)
        if not key:
            return
        if at - self.keep_s >= self._front_at:
            self.expire(at)
        tail = key[-MATCH_DIGITS:]
        bucket = self._buckets.get(tail)
        found = None
        if bucket is not None:
            for entry in bucket:
                if same_number(entry.key, key) and (found is None or entry.seq > found.seq):
                    found = entry
        pending = self.pending
        if found is None:
            if not self._order:
                self._front_at = at
            entry = Callback(key, number, queue, at, wait_s)
            self._place(entry)
            if bucket is None:
                self._buckets[tail] = [entry]
            else:
                bucket.append(entry)
            pending[queue] = pending.get(queue, 0) + 1
            self.changed.add(queue)
            return
        del self._order[found.seq]
        self._place(found)
        if _bucket(found.key) != _bucket(key):
            self._unindex(found)
            self._buckets.setdefault(_bucket(key), []).append(found)
        self.pending[found.queue] -= 1
        self.pending[queue] = self.pending.get(queue, 0) + 1
        self.changed.add(found.queue)
        self.changed.add(queue)
        found.key, found.number, found.queue = key, number, queue
        found.queues.add(queue)
        found.at, found.wait_s = at, wait_s
        found.attempts += 1

    def reached(self, number: str, at: float) -> None:
        """A call from or to `number` connected: every entry of that number is done."""
        if not self._order:
            return
        tail = number[-MATCH_DIGITS:]
        # Its last digits, hence its bucket: most answered callers never abandoned.
        if (
            tail.isascii()
            and tail.isdigit()
            and len(tail) == MATCH_DIGITS
            and tail not in self._buckets
        ):
            return
        key = number_key(number)
        if not key:
            return
        self.expire(at)
        bucket = self._buckets.get(_bucket(key))
        if bucket:
            for entry in [e for e in bucket if same_number(e.key, key)]:
                self._remove(entry)

    def expire(self, t: float) -> None:
        """Drop the entries whose last abandon is `keep_s` or more before `t`."""
        edge = t - self.keep_s
        if edge < self._front_at:
            return
        order = self._order
        while order:
            entry = next(iter(order.values()))
            if entry.at > edge:
                self._front_at = entry.at
                return
            self._remove(entry)
        self._front_at = math.inf

    def oldest_at(self) -> float:
        """The last abandon of the entry that leaves the list first on its own, `keep_s`
        after it (inf: an empty list)."""
        if not self._order:
            return math.inf
        return next(iter(self._order.values())).at

    def report(self, mask: bool) -> list[CallbackEntry]:
        """The entries, oldest last abandon first (numbers masked when asked)."""
        return [
            {
                "number": mask_number(e.number) if mask else e.number,
                "queue": e.queue,
                "queues": sorted(e.queues),
                "at": e.at,
                "first_at": e.first_at,
                "wait_s": e.wait_s,
                "attempts": e.attempts,
            }
            for e in self._order.values()
        ]

    def _place(self, entry: Callback) -> None:
        self._seq += 1
        entry.seq = self._seq
        self._order[entry.seq] = entry

    def _remove(self, entry: Callback) -> None:
        del self._order[entry.seq]
        self._unindex(entry)
        self.pending[entry.queue] -= 1
        self.changed.add(entry.queue)

    def _unindex(self, entry: Callback) -> None:
        bucket = self._buckets[_bucket(entry.key)]
        bucket.remove(entry)
        if not bucket:
            del self._buckets[_bucket(entry.key)]


def mask_number(number: str) -> str:
    """A number as it may be shown when numbers are private: all but its last 3 digits
    (and every letter) hidden, separators kept (`+44 7700 900123` -> `+** **** ***123`)."""
    keep = 3
    out = []
    for c in reversed(number):
        if "0" <= c <= "9" and keep:
            keep -= 1
            out.append(c)
        elif c.isalnum():
            out.append("*")
        else:
            out.append(c)
    return "".join(reversed(out))
