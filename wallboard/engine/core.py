"""The incremental metric engine: `docs/ENGINE.md` is its exact specification.

An event costs O(1) amortized and memory holds only what the widest window
contains plus the live calls and agents, however long the shift:

- each queue keeps running totals (counts and summed durations) of its items
  (answers, abandons, call ends, wrap ends, ...); agent states are integrated
  as piecewise-constant member counts per queue (and per agent for `all`);
- a span is a difference of running totals: the interval and the day subtract
  the totals when they started; each window subtracts the totals at its edge,
  found in a ledger of time-stamped totals that keeps only the window's
  stretch, so leaving a window is a pointer move, not arithmetic;
- `all` adds the queues' totals at snapshot time (they are additive).

Float totals restart at zero every few window turnovers so their rounding
stays that of a few windows. (Today's epoch stamps are all multiples of
2**-22 s, so the state integrals are even exact until a total reaches 2**31 s.)
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from wallboard.engine.calendar import day_start, next_day_start
from wallboard.engine.erlang import MAX_TRAFFIC_ERLANGS, RATE_MIN_SPAN_S, staffing
from wallboard.engine.schedule import ALL, Schedule
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentRingNoAnswer,
    AgentStatus,
    AgentUnpaused,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerGone,
    CallerJoined,
    Event,
    HoldEnded,
    HoldStarted,
)

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
# How often (seconds of event time) ledgers are trimmed when nobody takes snapshots.
HOUSEKEEPING_S = 300.0

# States of a membership / an agent, as reported.
AVAILABLE, RINGING, TALKING, HOLDING, WRAPPING, PAUSED, LOGGED_OFF = range(7)
STATE_NAMES = ("available", "ringing", "talking", "hold", "wrap", "paused", "logged_off")
IN_SERVICE = (AVAILABLE, RINGING, TALKING, HOLDING, WRAPPING)

# Groups integrated over time: occupancy and logged-in seconds only need these.
BUSY, IDLE, WRAP_G, PAUSED_G = range(4)
GROUP = (IDLE, IDLE, BUSY, BUSY, WRAP_G, PAUSED_G, -1)  # GROUP[-1]: not counted yet
# Groups of scheduled members / agents: ready (adherence) and logged in but paused.
READY_G, AWAY_G = range(2)
ROSTER_GROUP = (READY_G, READY_G, READY_G, READY_G, READY_G, AWAY_G, -1)


def _zero_acc() -> list[Any]:
    return [0] * N_COUNTS + [0.0] * (N_FIELDS - N_COUNTS)


class _Ledger:
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
        for w, edge in enumerate(edges):
            ptr[w] = bisect_right(entries, (edge, math.inf), ptr[w])
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


class _Series:
    """Counts of members per state group over time, and their running integral.

    `cum` integrates the counts since the last rebase; `ibase`/`dbase` are `cum`
    when the interval/day started. Ledger entries are closed segments
    `(t_end, cum0..cum3 at t_end, n0..n3 during the segment)`; the first one is
    a zero-length segment at the series' creation.
    """

    __slots__ = ("cum", "dbase", "ibase", "last_t", "ledger", "log", "n")

    def __init__(self, t: float, n_windows: int) -> None:
        self.n = [0, 0, 0, 0]
        self.last_t = t
        self.cum = [0.0, 0.0, 0.0, 0.0]
        self.ibase = [0.0, 0.0, 0.0, 0.0]
        self.dbase = [0.0, 0.0, 0.0, 0.0]
        self.ledger = _Ledger((t, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0), n_windows)
        self.log = self.ledger.entries


def _accrue(series: _Series, t: float) -> None:
    """Close the segment of constant counts that ends at `t`."""
    dt = t - series.last_t
    n0, n1, n2, n3 = series.n
    cum = series.cum
    cum[0] += n0 * dt
    cum[1] += n1 * dt
    cum[2] += n2 * dt
    cum[3] += n3 * dt
    series.last_t = t
    series.log.append((t, cum[0], cum[1], cum[2], cum[3], n0, n1, n2, n3))


class _Queue:
    __slots__ = (
        "counts",
        "cum",
        "dbase",
        "former",
        "ibase",
        "ledger",
        "log",
        "name",
        "rostered",
        "series",
        "short_abandon_s",
        "sl_target",
        "sl_threshold_s",
        "sl_variant",
        "waiting",
    )

    def __init__(self, name: str, config: EngineConfig, t: float, n_windows: int) -> None:
        own = config.for_queue(name)
        self.name = name
        self.sl_threshold_s: float = own.sl_threshold_s  # type: ignore[assignment]
        self.short_abandon_s: float = own.short_abandon_s  # type: ignore[assignment]
        self.sl_target: float = own.sl_target  # type: ignore[assignment]
        self.sl_variant: str = own.sl_variant  # type: ignore[assignment]
        self.waiting: dict[str, float] = {}
        # Same scheme as `_Series`: a span is `cum` minus `cum` at its start.
        self.cum = _zero_acc()
        self.ibase = _zero_acc()
        self.dbase = _zero_acc()
        # Entries: (stamp, *cum after the item).
        self.ledger = _Ledger((-math.inf, *self.cum), n_windows)
        self.log = self.ledger.entries
        self.counts = [0] * 6
        self.series = _Series(t, n_windows)
        # Scheduled memberships per ROSTER_GROUP (only with a schedule).
        self.rostered: _Series | None = None
        self.former: dict[str, float] = {}


class _Member:
    __slots__ = ("paused", "queue", "reason", "scheduled", "state")

    def __init__(self, queue: _Queue, scheduled: bool) -> None:
        self.queue = queue
        self.paused = False
        self.reason = ""
        self.state = -1  # not yet counted
        self.scheduled = scheduled


class _Call:
    """An answered call in progress (`key` None: the unknown call of an AgentStatus)."""

    __slots__ = ("agent", "answered_at", "hold_start", "hold_total", "key", "queue")

    def __init__(
        self, key: tuple[str, str] | None, queue: _Queue | None, agent: _Agent, at: float
    ) -> None:
        self.key = key
        self.queue = queue
        self.agent = agent
        self.answered_at = at
        self.hold_total = 0.0
        self.hold_start: float | None = None


class _Wrap:
    __slots__ = ("agent", "end", "live", "queue", "start")

    def __init__(self, agent: _Agent, queue: _Queue, start: float, end: float) -> None:
        self.agent = agent
        self.queue = queue
        self.start = start
        self.end = end
        self.live = True


class _Agent:
    __slots__ = (
        "activity",
        "call",
        "calls",
        "id",
        "members",
        "name",
        "reason",
        "ring_key",
        "ring_start",
        "scheduled",
        "since",
        "state",
        "wraps",
    )

    def __init__(self, agent_id: str, t: float) -> None:
        self.id = agent_id
        self.name = ""
        self.members: dict[str, _Member] = {}
        self.activity = 0  # 0 none, else RINGING / TALKING / HOLDING
        self.call: _Call | None = None
        self.ring_key: tuple[str, str] | None = None
        self.ring_start = 0.0
        self.wraps: dict[str, _Wrap] = {}
        self.state = -1
        self.reason = ""
        self.since = t
        self.calls = 0
        self.scheduled = False  # for `all`


class Engine:
    """Applies events in time order and reports every metric at any instant."""

    def __init__(self, config: EngineConfig, schedule: Schedule | None = None) -> None:
        """`schedule` defaults to the config's (a `[engine] schedule` file)."""
        schedule = config.schedule if schedule is None else schedule
        self.config = config
        self.schedule = schedule
        self.now = 0.0
        self.late_events = 0
        self.unknown_calls = 0
        self._started = False
        self._t0: float | None = None
        self._tz = config.tz
        self._queued_min_s = config.queued_min_s
        self._windows = (config.window_s, *config.extra_windows_s)
        nw = len(self._windows)
        self._nw = nw
        self._queues: dict[str, _Queue] = {}
        self._agents: dict[str, _Agent] = {}
        self._calls: dict[tuple[str, str], _Call] = {}
        self._calls_by_id: dict[str, _Call] = {}
        self._ringing: dict[tuple[str, str], list[_Agent]] = {}
        self._agent_counts = [0] * 7
        self._all_series = _Series(0.0, nw)
        self._series: list[_Series] = [self._all_series]
        # Schedule: keys each agent is on shift for now, and the next edge to pass.
        self._on_shift: dict[str, set[str | None]] = {}
        self._edge_index = 0
        self._next_edge = math.inf
        self._all_rostered: _Series | None = None
        if schedule is not None:
            self._on_shift = {agent: set() for agent in schedule.named}
            self._all_rostered = _Series(0.0, nw)
            self._series.append(self._all_rostered)
            if schedule.edges:
                self._next_edge = schedule.edges[0][0]
        self._timers: list[tuple[float, int, _Wrap]] = []
        self._timer_seq = 0
        self._widest = self._windows.index(max(self._windows))
        self._istart = 0.0
        self._dstart = 0.0
        self._next_interval = math.inf
        self._next_day = math.inf
        self._next_due = -math.inf
        self._next_housekeeping = -math.inf
        self._handlers: dict[type, Callable[[Any, float], None]] = {
            CallerJoined: self._on_joined,
            CallerAnswered: self._on_answered,
            CallerAbandoned: self._on_abandoned,
            CallerExited: self._on_exited,
            CallerGone: self._on_gone,
            CallBlocked: self._on_blocked,
            CallEnded: self._on_call_ended,
            HoldStarted: self._on_hold_started,
            HoldEnded: self._on_hold_ended,
            AgentLoggedIn: self._on_logged_in,
            AgentLoggedOut: self._on_logged_out,
            AgentPaused: self._on_paused,
            AgentUnpaused: self._on_unpaused,
            AgentRinging: self._on_ringing,
            AgentRingNoAnswer: self._on_ring_no_answer,
            AgentStatus: self._on_status,
        }

    # ----------------------------------------------------------------- clock

    def _start(self, t: float) -> None:
        self._started = True
        self.now = t
        self._istart = self._interval_start(t)
        self._dstart = day_start(t, self.config.day_start, self._tz)
        self._plan_boundaries()
        self._all_series = _Series(t, self._nw)
        self._series[0] = self._all_series
        if self._all_rostered is not None:
            self._all_rostered = _Series(t, self._nw)
            self._series[1] = self._all_rostered

    def _interval_start(self, t: float) -> float:
        return math.floor(t / self.config.interval_s) * self.config.interval_s

    def _plan_boundaries(self) -> None:
        # One ulp early, so that rounding in floor(t/I)*I can never make us late;
        # _advance re-checks the exact definition.
        self._next_interval = math.nextafter(self._istart + self.config.interval_s, -math.inf)
        self._next_day = next_day_start(self._dstart, self.config.day_start, self._tz)

    def _set_next_due(self) -> None:
        """The earliest time at which `apply` must leave its fast path."""
        if self._t0 is None:
            self._next_due = -math.inf
            return
        due = min(self._next_interval, self._next_day, self._next_housekeeping, self._next_edge)
        if self._timers:
            due = min(due, self._timers[0][0])
        self._next_due = due

    def _clock(self, at: float) -> float:
        """The slow path of `apply`: start, clamp, or run what falls due before `at`."""
        if not self._started:
            self._start(at)
        if at < self.now:
            self.late_events += 1
            at = self.now
        else:
            self._advance(at)
            if at >= self._next_housekeeping:
                # Drop what every window has left, so memory follows the window, not the shift.
                self._expire(at)
                self._next_housekeeping = at + HOUSEKEEPING_S
        if self._t0 is None:
            self._t0 = at
        self._set_next_due()
        return at

    def _advance(self, t: float) -> None:
        """Move the clock to `t`: wraps run out and spans roll over, each at its own time.

        Only the latest interval and day boundary <= t matter (a jump over several
        leaves the earlier ones with nothing to report).
        """
        timers = self._timers
        b_interval = b_day = math.inf
        if t >= self._next_interval:
            b_interval = self._interval_start(t)
            if b_interval <= self._istart:
                b_interval = math.inf
        if t >= self._next_day:
            b_day = day_start(t, self.config.day_start, self._tz)
            if b_day <= self._dstart:
                b_day = math.inf
        while True:
            boundary = min(b_interval, b_day)
            edge = self._next_edge
            if edge <= t and edge <= boundary and (not timers or edge <= timers[0][0]):
                self.now = edge
                self._pass_edge()
                continue
            if timers and timers[0][0] <= t and timers[0][0] <= boundary:
                end, _, wrap = heapq.heappop(timers)
                if wrap.live:
                    self.now = end
                    self._end_wrap(wrap, end)
                continue
            if boundary > t:
                break
            self.now = boundary
            self._roll_over(boundary == b_interval, boundary == b_day)
            if boundary == b_interval:
                b_interval = math.inf
            if boundary == b_day:
                b_day = math.inf
        self.now = t

    def _pass_edge(self) -> None:
        """A shift edge at the clock: the agent's scheduled members join or leave the rosters."""
        schedule = self.schedule
        assert schedule is not None
        edges = schedule.edges
        _, agent_id, key, on = edges[self._edge_index]
        self._edge_index += 1
        self._next_edge = edges[self._edge_index][0] if self._edge_index < len(edges) else math.inf
        keys = self._on_shift[agent_id]
        if on:
            keys.add(key)
        else:
            keys.discard(key)
        agent = self._agents.get(agent_id)
        if agent is None:
            return
        if key is ALL:
            agent.scheduled = on
            self._roster(self._all_rostered, agent.state, on)  # type: ignore[arg-type]
            return
        for name, member in agent.members.items():
            if schedule.agent_key(agent_id, name) == key:
                member.scheduled = on
                self._roster(member.queue.rostered, member.state, on)  # type: ignore[arg-type]

    def _roster(self, series: _Series, state: int, on: bool) -> None:
        group = ROSTER_GROUP[state]
        if group >= 0:
            self._regroup(series, -1, group) if on else self._regroup(series, group, -1)

    def _roll_over(self, interval: bool, day: bool) -> None:
        """Start a new interval and/or day at the clock's time."""
        at = self.now
        for series in self._series:
            if series.last_t < at:
                _accrue(series, at)
            if interval:
                series.ibase = list(series.cum)
            if day:
                series.dbase = list(series.cum)
        for queue in self._queues.values():
            if interval:
                queue.ibase = list(queue.cum)
            if day:
                queue.dbase = list(queue.cum)
                queue.former = {a: e for a, e in queue.former.items() if e >= at}
        if interval:
            self._istart = at
        if day:
            self._dstart = at
            for agent in self._agents.values():
                agent.calls = 0
        self._plan_boundaries()

    # ----------------------------------------------------------------- input

    def apply(self, event: Event) -> None:
        """Apply one event; one earlier than the clock is applied at the clock's time."""
        at = event.at
        if at >= self._next_due or at < self.now:
            at = self._clock(at)
        else:
            self.now = at
        self._handlers[type(event)](event, at)

    def _queue(self, name: str) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:
            queue = _Queue(name, self.config, self.now, self._nw)
            self._queues[name] = queue
            self._series.append(queue.series)
            if self.schedule is not None:
                queue.rostered = _Series(self.now, self._nw)
                self._series.append(queue.rostered)
        return queue

    def _agent(self, agent_id: str) -> _Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            agent = _Agent(agent_id, self.now)
            self._agents[agent_id] = agent
            on = self._on_shift.get(agent_id)
            agent.scheduled = on is not None and ALL in on
        return agent

    def _on_shift_for(self, agent_id: str, queue: str) -> bool:
        on = self._on_shift.get(agent_id)
        return on is not None and self.schedule.agent_key(agent_id, queue) in on  # type: ignore[union-attr]

    def _member(self, agent: _Agent, queue: _Queue) -> _Member:
        member = agent.members.get(queue.name)
        if member is None:
            member = _Member(queue, self._on_shift_for(agent.id, queue.name))
            agent.members[queue.name] = member
            queue.former.pop(agent.id, None)
        return member

    def _record(self, queue: _Queue, s: float) -> None:
        """Log the queue's totals after an item stamped `s` (= the clock) was added to them."""
        cum = queue.cum
        queue.log.append((s, *cum))
        if s == self._istart:
            # Stamped exactly on the boundary: in no interval (s > start), so the
            # interval starts after it.
            queue.ibase = cum.copy()
        if s == self._dstart:
            queue.dbase = cum.copy()

    def _count(self, queue: _Queue, s: float, field: int) -> None:
        queue.cum[field] += 1
        self._record(queue, s)

    # ------------------------------------------------------------- integrals

    def _refresh(self, agent: _Agent) -> None:
        """Recount the states of an agent and its memberships after any change to them."""
        now = self.now
        activity = agent.activity
        if activity:
            # On a call, every membership shows the call (the common, hot case).
            for member in agent.members.values():
                if member.state != activity:
                    self._move(member, activity)
            state = activity
        else:
            wraps = agent.wraps
            any_wrap = any_available = any_paused = False
            for name, member in agent.members.items():
                if wraps and name in wraps:
                    state = WRAPPING
                    any_wrap = True
                elif member.paused:
                    state = PAUSED
                    any_paused = True
                else:
                    state = AVAILABLE
                    any_available = True
                if member.state != state:
                    self._move(member, state)
            if any_wrap:
                state = WRAPPING
            elif any_available:
                state = AVAILABLE
            elif any_paused:
                state = PAUSED
            else:
                state = LOGGED_OFF
        old = agent.state
        if state != old:
            agent.state = state
            agent.since = now
            self._tally(self._agent_counts, self._all_series, old, state)
            if agent.scheduled and ROSTER_GROUP[old] != ROSTER_GROUP[state]:
                self._regroup(self._all_rostered, ROSTER_GROUP[old], ROSTER_GROUP[state])  # type: ignore[arg-type]
        if state == PAUSED:
            reason = agent.members[min(agent.members)].reason
            if reason != agent.reason:
                agent.reason = reason
                agent.since = now
        elif agent.reason:
            agent.reason = ""
            agent.since = now

    def _move(self, member: _Member, state: int) -> None:
        """A membership changes state: its queue's counts and integrals follow."""
        old = member.state
        member.state = state
        queue = member.queue
        self._tally(queue.counts, queue.series, old, state)
        if member.scheduled and ROSTER_GROUP[old] != ROSTER_GROUP[state]:
            self._regroup(queue.rostered, ROSTER_GROUP[old], ROSTER_GROUP[state])  # type: ignore[arg-type]

    def _tally(self, counts: list[int], series: _Series, old: int, new: int) -> None:
        """One member or agent goes from state `old` to `new` (-1: not counted) at the clock."""
        if new >= 0:
            counts[new] += 1
        if old >= 0:
            counts[old] -= 1
        old_group = GROUP[old]
        new_group = GROUP[new]
        if old_group != new_group:
            self._regroup(series, old_group, new_group)

    def _regroup(self, series: _Series, old_group: int, new_group: int) -> None:
        """One member moves between the series' groups (-1: none) at the clock."""
        now = self.now
        if series.last_t != now:
            _accrue(series, now)
        n = series.n
        if new_group >= 0:
            n[new_group] += 1
        if old_group >= 0:
            n[old_group] -= 1

    # ---------------------------------------------------------------- calls

    def _end_ringing(self, key: tuple[str, str]) -> None:
        for agent in self._ringing.pop(key, ()):
            if agent.activity == RINGING and agent.ring_key == key:
                agent.activity = 0
                agent.ring_key = None
                self._refresh(agent)

    def _stop_ringing(self, agent: _Agent) -> None:
        """Take the agent off the ringer list of the call it rings for (state unchanged)."""
        key = agent.ring_key
        ringers = self._ringing.get(key) if key else None
        if ringers is not None:
            ringers.remove(agent)
            if not ringers:
                del self._ringing[key]  # type: ignore[arg-type]
        agent.ring_key = None

    def _end_wraps(self, agent: _Agent, at: float) -> None:
        """End the agent's wraps as part of an event that refreshes the agent itself."""
        for wrap in list(agent.wraps.values()):
            self._record_wrap_end(wrap, at)

    def _end_wrap(self, wrap: _Wrap, at: float) -> None:
        """A wrap runs out on its own."""
        self._record_wrap_end(wrap, at)
        self._refresh(wrap.agent)

    def _record_wrap_end(self, wrap: _Wrap, at: float) -> None:
        # No refresh here: a state that lasts zero time inside one event is never shown.
        wrap.live = False
        del wrap.agent.wraps[wrap.queue.name]
        queue = wrap.queue
        cum = queue.cum
        cum[WRAPS] += 1
        cum[WRAP_TIME] += at - wrap.start
        self._record(queue, at)

    def _outcome_wait(
        self, queue: _Queue, call_id: str, at: float, wait_s: float | None
    ) -> float | None:
        joined = queue.waiting.pop(call_id, None)
        if wait_s is not None:
            return wait_s
        if joined is None:
            self.unknown_calls += 1
            return None
        return at - joined

    def _on_joined(self, e: CallerJoined, at: float) -> None:
        queue = self._queue(e.queue)
        if e.call_id not in queue.waiting:
            queue.waiting[e.call_id] = at
            self._count(queue, at, JOINS)

    def _on_answered(self, e: CallerAnswered, at: float) -> None:
        queue = self._queue(e.queue)
        wait = self._outcome_wait(queue, e.call_id, at, e.wait_s)
        if wait is None:
            return
        key = (e.queue, e.call_id)
        agent = self._agent(e.agent)
        self._member(agent, queue)
        ring = e.ring_s
        if ring is None and agent.activity == RINGING and agent.ring_key == key:
            ring = at - agent.ring_start
        if agent.activity == RINGING:
            self._stop_ringing(agent)
        self._end_ringing(key)
        if agent.wraps:
            self._end_wraps(agent, at)
        call = _Call(key, queue, agent, at)
        self._calls[key] = call
        self._calls_by_id[e.call_id] = call
        agent.activity = TALKING
        agent.call = call
        if at > self._dstart:
            agent.calls += 1
        cum = queue.cum
        cum[OFFERED] += 1
        cum[ANSWERED] += 1
        if wait <= queue.sl_threshold_s:
            cum[ANSWERED_IN_SL] += 1
        if wait > self._queued_min_s:
            cum[QUEUED] += 1
        cum[WAIT_ANSWERED] += wait
        cum[WAIT_ALL] += wait
        if ring is not None:
            cum[RINGS] += 1
            cum[RING_TIME] += ring
        self._record(queue, at)
        self._refresh(agent)

    def _on_abandoned(self, e: CallerAbandoned, at: float) -> None:
        queue = self._queue(e.queue)
        wait = self._outcome_wait(queue, e.call_id, at, e.wait_s)
        if wait is None:
            return
        self._end_ringing((e.queue, e.call_id))
        cum = queue.cum
        cum[OFFERED] += 1
        if wait < queue.short_abandon_s:
            cum[SHORT_ABANDONED] += 1
        else:
            cum[ABANDONED] += 1
            cum[WAIT_ABANDONED] += wait
        if wait <= queue.sl_threshold_s:
            cum[ABANDONED_IN_SL] += 1
        if wait > self._queued_min_s:
            cum[QUEUED] += 1
        cum[WAIT_ALL] += wait
        self._record(queue, at)

    def _on_exited(self, e: CallerExited, at: float) -> None:
        queue = self._queue(e.queue)
        wait = self._outcome_wait(queue, e.call_id, at, e.wait_s)
        if wait is None:
            return
        self._end_ringing((e.queue, e.call_id))
        cum = queue.cum
        cum[OFFERED] += 1
        cum[OVERFLOW] += 1
        if wait <= queue.sl_threshold_s:
            cum[ABANDONED_IN_SL] += 1
        if wait > self._queued_min_s:
            cum[QUEUED] += 1
        cum[WAIT_ALL] += wait
        self._record(queue, at)

    def _on_gone(self, e: CallerGone, at: float) -> None:
        self._queue(e.queue).waiting.pop(e.call_id, None)
        self._end_ringing((e.queue, e.call_id))

    def _on_blocked(self, e: CallBlocked, at: float) -> None:
        self._count(self._queue(e.queue), at, BLOCKED)

    def _on_call_ended(self, e: CallEnded, at: float) -> None:
        queue = self._queue(e.queue)
        call = self._calls.pop((e.queue, e.call_id), None)
        if call is None:
            agent = self._agents.get(e.agent)
            if agent is None or agent.activity not in (TALKING, HOLDING):
                self.unknown_calls += 1
                return
            call = agent.call
            assert call is not None
            if call.key is None:
                call.queue = queue
            elif self._calls.get(call.key) is call:
                del self._calls[call.key]
        if self._calls_by_id.get(e.call_id) is call:
            del self._calls_by_id[e.call_id]
        if call.key is not None and self._calls_by_id.get(call.key[1]) is call:
            del self._calls_by_id[call.key[1]]
        named = self._agent(e.agent)
        self._member(named, queue)
        agent = call.agent
        call_queue = call.queue
        assert call_queue is not None
        talk = e.talk_s if e.talk_s is not None else at - call.answered_at
        hold = call.hold_total
        if call.hold_start is not None:
            hold += at - call.hold_start
        cum = call_queue.cum
        cum[ENDED] += 1
        if e.transferred:
            cum[TRANSFERRED] += 1
        cum[TALK] += talk
        cum[HOLD] += hold
        self._record(call_queue, at)
        if agent.call is call:
            agent.activity = 0
            agent.call = None
        running = agent.wraps.get(call_queue.name)
        if running is not None:
            self._record_wrap_end(running, at)
        if e.wrap_s > 0:
            wrap = _Wrap(agent, call_queue, at, at + e.wrap_s)
            agent.wraps[call_queue.name] = wrap
            self._timer_seq += 1
            heapq.heappush(self._timers, (wrap.end, self._timer_seq, wrap))
            if wrap.end < self._next_due:
                self._next_due = wrap.end
        else:
            call_queue.cum[WRAPS] += 1
            self._record(call_queue, at)
        self._refresh(agent)
        if named is not agent:
            self._refresh(named)

    def _on_hold_started(self, e: HoldStarted, at: float) -> None:
        call = self._calls_by_id.get(e.call_id)
        if call is None or call.hold_start is not None:
            return
        call.hold_start = at
        agent = call.agent
        if agent.call is call and agent.activity == TALKING:
            agent.activity = HOLDING
            self._refresh(agent)

    def _on_hold_ended(self, e: HoldEnded, at: float) -> None:
        call = self._calls_by_id.get(e.call_id)
        if call is None or call.hold_start is None:
            return
        call.hold_total += at - call.hold_start
        call.hold_start = None
        agent = call.agent
        if agent.call is call and agent.activity == HOLDING:
            agent.activity = TALKING
            self._refresh(agent)

    # --------------------------------------------------------------- agents

    def _on_logged_in(self, e: AgentLoggedIn, at: float) -> None:
        queue = self._queue(e.queue)
        agent = self._agent(e.agent)
        if e.name:
            agent.name = e.name
        self._member(agent, queue)
        self._refresh(agent)

    def _on_logged_out(self, e: AgentLoggedOut, at: float) -> None:
        queue = self._queue(e.queue)
        agent = self._agents.get(e.agent)
        if agent is None:
            return
        member = agent.members.pop(e.queue, None)
        if member is None:
            return
        self._tally(queue.counts, queue.series, member.state, -1)
        if member.scheduled:
            self._regroup(queue.rostered, ROSTER_GROUP[member.state], -1)  # type: ignore[arg-type]
        queue.former[agent.id] = at
        self._refresh(agent)

    def _on_paused(self, e: AgentPaused, at: float) -> None:
        agent = self._agent(e.agent)
        member = self._member(agent, self._queue(e.queue))
        member.paused = True
        member.reason = e.reason
        self._refresh(agent)

    def _on_unpaused(self, e: AgentUnpaused, at: float) -> None:
        agent = self._agent(e.agent)
        member = self._member(agent, self._queue(e.queue))
        member.paused = False
        member.reason = ""
        self._refresh(agent)

    def _on_ringing(self, e: AgentRinging, at: float) -> None:
        queue = self._queue(e.queue)
        agent = self._agent(e.agent)
        self._member(agent, queue)
        key = (e.queue, e.call_id)
        activity = agent.activity
        if activity in (TALKING, HOLDING) or (activity == RINGING and agent.ring_key == key):
            self._refresh(agent)
            return
        if activity == RINGING:
            self._stop_ringing(agent)
        agent.activity = RINGING
        agent.ring_key = key
        agent.ring_start = at
        self._ringing.setdefault(key, []).append(agent)
        if agent.wraps:
            self._end_wraps(agent, at)
        self._refresh(agent)

    def _on_ring_no_answer(self, e: AgentRingNoAnswer, at: float) -> None:
        queue = self._queue(e.queue)
        agent = self._agent(e.agent)
        self._member(agent, queue)
        self._count(queue, at, RING_NO_ANSWER)
        if agent.activity == RINGING:
            self._stop_ringing(agent)
            agent.activity = 0
        self._refresh(agent)

    def _on_status(self, e: AgentStatus, at: float) -> None:
        agent = self._agent(e.agent)
        if e.name:
            agent.name = e.name
        member = self._member(agent, self._queue(e.queue))
        member.paused = e.paused
        member.reason = e.reason if e.paused else ""
        if e.in_call:
            if not agent.activity:
                agent.activity = TALKING
                agent.call = _Call(None, None, agent, at)
        elif agent.call is not None and agent.call.key is None:
            agent.activity = 0
            agent.call = None
        self._refresh(agent)

    # ---------------------------------------------------------------- windows

    def _expire(self, t: float) -> None:
        """Move every ledger past what its windows no longer hold at `t`."""
        edges = [t - width for width in self._windows]
        widest = self._widest
        for queue in self._queues.values():
            if queue.ledger.advance(edges, widest):
                self._rebase(queue.cum, queue.ibase, queue.dbase, queue.ledger, N_COUNTS)
            queue.ledger.trim()
        for series in self._series:
            if series.ledger.advance(edges, widest):
                self._rebase(series.cum, series.ibase, series.dbase, series.ledger, 0)
            series.ledger.trim()

    @staticmethod
    def _rebase(
        cum: list[Any], ibase: list[Any], dbase: list[Any], ledger: _Ledger, first_float: int
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

    # --------------------------------------------------------------- snapshot

    def snapshot(self, t: float | None = None, *, agents: bool = True) -> dict[str, Any]:
        """Every metric at instant `t` (default: the clock), advancing the clock to it.

        `agents=False` leaves out the per-agent board (the "agents" key), which
        alarm rules never read and which costs most of a snapshot on a big floor.
        """
        if t is None:
            t = self.now
        if not self._started:
            self._start(t)
        if t > self.now:
            self._advance(t)
            self._set_next_due()
        t = self.now
        self._expire(t)
        spans = {
            name: self._spans(queue.cum, queue.ledger, queue.ibase, queue.dbase)
            for name, queue in self._queues.items()
        }
        queues = {
            name: self._queue_report(self._queues[name], spans[name], t)
            for name in sorted(self._queues)
        }
        report = {
            "at": t,
            "config": self.config.summary(),
            "queues": queues,
            "all": self._all_report(list(spans.values()), t),
        }
        if agents:
            report["agents"] = {
                aid: self._agent_report(self._agents[aid]) for aid in sorted(self._agents)
            }
        return report

    def _spans(
        self, cum: list[Any], ledger: _Ledger, ibase: list[Any], dbase: list[Any]
    ) -> list[list[Any]]:
        """A queue's accumulators per span (windows..., interval, day)."""
        spans = []
        for w in range(self._nw):
            edge_total = ledger.before(w)
            spans.append([c - e for c, e in zip(cum, edge_total[1:], strict=True)])
        spans.append([c - b for c, b in zip(cum, ibase, strict=True)])
        spans.append([c - b for c, b in zip(cum, dbase, strict=True)])
        return spans

    def _integrals(self, series: _Series, t: float) -> list[list[float]]:
        """Membership-seconds per state group, per span (windows..., interval, day)."""
        n = series.n
        last_t = series.last_t
        now = [c + k * (t - last_t) for c, k in zip(series.cum, n, strict=True)]
        ledger = series.ledger
        entries = ledger.entries
        spans = []
        for w, width in enumerate(self._windows):
            edge = t - width
            p = ledger.ptr[w]
            if p < len(entries):
                # the edge falls in segment p: its total, less what follows the edge
                e = entries[p]
                back = e[0] - edge
                at_edge = [e[1 + g] - e[5 + g] * back for g in range(4)]
            else:
                # the edge falls in the open segment
                at_edge = [c + k * (edge - last_t) for c, k in zip(series.cum, n, strict=True)]
            spans.append([a - b for a, b in zip(now, at_edge, strict=True)])
        spans.append([a - b for a, b in zip(now, series.ibase, strict=True)])
        spans.append([a - b for a, b in zip(now, series.dbase, strict=True)])
        return spans

    def _queue_report(self, queue: _Queue, spans: list[list[Any]], t: float) -> dict[str, Any]:
        counts = queue.counts
        logged_off = sum(1 for e in queue.former.values() if e >= self._dstart)
        agents = dict(zip(STATE_NAMES, [*counts, logged_off], strict=True))
        longest = t - next(iter(queue.waiting.values())) if queue.waiting else 0.0
        return self._group_report(
            t,
            spans,
            self._integrals(queue.series, t),
            queue.sl_variant,
            queue.sl_threshold_s,
            queue.sl_target,
            len(queue.waiting),
            longest,
            agents,
            queue.rostered,
            queue.name,
        )

    def _all_report(self, queue_spans: list[list[list[Any]]], t: float) -> dict[str, Any]:
        """Counts and durations of every queue added up; integrals by agent state."""
        if queue_spans:
            accs = [
                [sum(column) for column in zip(*same_span, strict=True)]
                for same_span in zip(*queue_spans, strict=True)
            ]
        else:
            accs = [_zero_acc() for _ in range(self._nw + 2)]
        waiting = 0
        longest = 0.0
        for queue in self._queues.values():
            waiting += len(queue.waiting)
            if queue.waiting:
                longest = max(longest, t - next(iter(queue.waiting.values())))
        agents = dict(zip(STATE_NAMES, self._agent_counts, strict=True))
        config = self.config
        return self._group_report(
            t,
            accs,
            self._integrals(self._all_series, t),
            config.sl_variant,
            config.sl_threshold_s,
            config.sl_target,
            waiting,
            longest,
            agents,
            self._all_rostered,
            None,
        )

    def _group_report(
        self,
        t: float,
        accs: list[list[Any]],
        integrals: list[list[float]],
        variant: str,
        threshold: float,
        target: float,
        waiting: int,
        longest: float,
        agents: dict[str, int],
        rostered: _Series | None,
        queue: str | None,
    ) -> dict[str, Any]:
        """`rostered`, `queue` (None: `all`): whose schedule adherence and attendance use."""
        scheduled = attendance = None
        adherence: list[float | None] = [None] * (self._nw + 2)
        if self.schedule is not None and rostered is not None:
            headcount = self.schedule.headcount(queue)
            scheduled = headcount.at(t)
            attendance = _ratio(rostered.n[READY_G] + rostered.n[AWAY_G], scheduled)
            starts = [t - width for width in self._windows] + [self._istart, self._dstart]
            adherence = [
                _ratio(ready[READY_G], headcount.seconds(start, t))
                for ready, start in zip(self._integrals(rostered, t), starts, strict=True)
            ]
        spans = [
            _span(acc, integ, variant, self.config.occupancy_includes_wrap, adh)
            for acc, integ, adh in zip(accs, integrals, adherence, strict=True)
        ]
        nw = self._nw
        window = spans[0]
        in_service = sum(agents[STATE_NAMES[s]] for s in IN_SERVICE)
        lam = None
        if self._t0 is not None:
            observed = min(self._windows[0], t - self._t0)
            if observed >= min(self._windows[0], RATE_MIN_SPAN_S):
                lam = accs[0][JOINS] / observed
        aht = window["aht_s"]
        required = gap = predicted = None
        if lam is not None and aht is not None and lam * aht <= MAX_TRAFFIC_ERLANGS:
            required, predicted = staffing(lam * aht, aht, threshold, target, in_service)
            gap = required - in_service
        return {
            "waiting": waiting,
            "longest_wait_s": longest,
            "agents": agents,
            "agents_required": required,
            "staffing_gap": gap,
            "predicted_sl": predicted,
            "scheduled": scheduled,
            "attendance": attendance,
            "window": window,
            "interval": spans[nw],
            "day": spans[nw + 1],
            "windows": {
                str(int(width)): spans[w] for w, width in enumerate(self._windows) if w > 0
            },
        }

    def _agent_report(self, agent: _Agent) -> dict[str, Any]:
        return {
            "name": agent.name or agent.id,
            "state": STATE_NAMES[agent.state],
            "reason": agent.reason,
            "since": agent.since,
            "queues": sorted(agent.members),
            "calls": agent.calls,
        }


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def _span(
    acc: list[Any], integ: list[float], variant: str, with_wrap: bool, adherence: float | None
) -> dict[str, Any]:
    offered = acc[OFFERED]
    answered = acc[ANSWERED]
    in_sl = acc[ANSWERED_IN_SL]
    abandoned = acc[ABANDONED]
    short = acc[SHORT_ABANDONED]
    blocked = acc[BLOCKED]
    if variant == "answered_only":
        sl = _ratio(in_sl, answered)
    elif variant == "abandons_in_sl_good":
        sl = _ratio(in_sl + acc[ABANDONED_IN_SL], offered)
    else:
        sl = _ratio(in_sl, offered - short)
    att = _ratio(acc[TALK], acc[ENDED])
    acw = _ratio(acc[WRAP_TIME], acc[WRAPS])
    busy, idle, wrap, paused = integ
    occupancy = _ratio(busy + wrap, busy + idle + wrap) if with_wrap else _ratio(busy, busy + idle)
    logged_h = (busy + idle + wrap + paused) / 3600.0
    return {
        "offered": offered,
        "answered": answered,
        "answered_in_sl": in_sl,
        "abandoned": abandoned,
        "short_abandoned": short,
        "overflow": acc[OVERFLOW],
        "blocked": blocked,
        "ring_no_answer": acc[RING_NO_ANSWER],
        "service_level": sl,
        "abandon_rate": _ratio(abandoned, offered - short),
        "avg_abandon_s": _ratio(acc[WAIT_ABANDONED], abandoned),
        "asa_s": _ratio(acc[WAIT_ANSWERED], answered),
        "avg_queue_s": _ratio(acc[WAIT_ALL], offered),
        "answered_pct": _ratio(answered, offered),
        "blocked_rate": _ratio(blocked, offered + blocked),
        "queued_pct": _ratio(acc[QUEUED], offered),
        "att_s": att,
        "avg_hold_s": _ratio(acc[HOLD], acc[ENDED]),
        "transfer_rate": _ratio(acc[TRANSFERRED], answered),
        "acw_s": acw,
        "aht_s": None if att is None or acw is None else att + acw,
        "avg_ring_s": _ratio(acc[RING_TIME], acc[RINGS]),
        "occupancy": occupancy,
        "calls_per_hour": _ratio(answered, logged_h),
        "adherence": adherence,
    }
