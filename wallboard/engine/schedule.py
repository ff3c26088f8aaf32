"""Who is scheduled when: the schedule as the engine consumes it (docs/ENGINE.md, Schedule).

Everything here is computed once, up front, from the shifts: the engine walks
`edges` in time order as its clock advances, and reads the scheduled seconds of
any span from step functions, so neither costs more as the day goes on.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

# Key of an agent's scheduled set for `all` (queue keys are names; "" = queues the
# agent's shifts do not name).
ALL: str | None = None


class Shift(NamedTuple):
    agent: str
    start: float
    end: float
    queue: str = ""  # "" = every queue


def merge(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of half-open spans as disjoint, sorted spans (touching ones joined)."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class Headcount:
    """Agents scheduled over time for one key: a step function and its running integral."""

    __slots__ = ("counts", "cum", "stamps")

    def __init__(self, sets: Iterable[list[tuple[float, float]]]) -> None:
        steps: dict[float, int] = {}
        for spans in sets:
            for start, end in spans:
                steps[start] = steps.get(start, 0) + 1
                steps[end] = steps.get(end, 0) - 1
        self.stamps: list[float] = sorted(steps)
        self.counts: list[int] = []  # agents scheduled from stamps[i] to stamps[i + 1]
        self.cum: list[float] = []  # agent-seconds scheduled before stamps[i]
        count, total, last = 0, 0.0, -math.inf
        for stamp in self.stamps:
            if count:
                total += count * (stamp - last)
            count += steps[stamp]
            self.counts.append(count)
            self.cum.append(total)
            last = stamp

    def at(self, t: float) -> int:
        i = bisect_right(self.stamps, t) - 1
        return self.counts[i] if i >= 0 else 0

    def _integral(self, t: float) -> float:
        i = bisect_right(self.stamps, t) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + self.counts[i] * (t - self.stamps[i])

    def seconds(self, start: float, t: float) -> float:
        """Agent-seconds scheduled within [start, t]."""
        return self._integral(t) - self._integral(start)


class Schedule:
    """Shifts merged per agent and key; the edges in time order; headcounts per key."""

    def __init__(self, shifts: Iterable[Shift]) -> None:
        by_agent: dict[str, list[Shift]] = {}
        for shift in shifts:
            by_agent.setdefault(shift.agent, []).append(shift)
        # Queues each agent's shifts name (their own key); others use "".
        self.named: dict[str, frozenset[str]] = {}
        sets: dict[str, dict[str | None, list[tuple[float, float]]]] = {}
        for agent, own in by_agent.items():
            named = frozenset(s.queue for s in own if s.queue)
            self.named[agent] = named
            anywhere = [(s.start, s.end) for s in own if not s.queue]
            keys: dict[str | None, list[tuple[float, float]]] = {
                ALL: merge((s.start, s.end) for s in own),
                "": merge(anywhere),
            }
            for queue in named:
                own_queue = [(s.start, s.end) for s in own if s.queue == queue]
                keys[queue] = merge([*anywhere, *own_queue])
            sets[agent] = keys
        # Each agent's merged shifts (its set for `all`), for headcounts of any group.
        self._spans: dict[str, list[tuple[float, float]]] = {a: k[ALL] for a, k in sets.items()}
        # (time, agent, key, on), ends before starts at one instant (they never meet
        # within one key: touching spans were merged).
        edges = [
            (time, agent, key, on)
            for agent, keys in sets.items()
            for key, spans in keys.items()
            for start, end in spans
            for time, on in ((start, True), (end, False))
        ]
        edges.sort(key=lambda e: (e[0], e[3]))
        self.edges: list[tuple[float, str, str | None, bool]] = edges
        queues = {q for named in self.named.values() for q in named}
        self.headcounts: dict[str | None, Headcount] = {
            key: Headcount(keys.get(key, keys[""]) for keys in sets.values())
            for key in (ALL, "", *queues)
        }

    def agent_key(self, agent: str, queue: str) -> str:
        """The key of `agent`'s scheduled set for `queue`."""
        return queue if queue in self.named.get(agent, ()) else ""

    def headcount_of(self, agents: Iterable[str]) -> Headcount:
        """Agents of `agents` scheduled (for `all`): a team's headcount."""
        return Headcount(self._spans[a] for a in agents if a in self._spans)

    def headcount(self, queue: str | None) -> Headcount:
        """Agents scheduled for `queue` (None: for `all`)."""
        if queue is None:
            return self.headcounts[ALL]
        return self.headcounts.get(queue, self.headcounts[""])
