"""The incremental metric engine: its clock and its event handlers.

`docs/ENGINE.md` is its exact specification. An event costs O(1) amortized
and memory holds only what the widest window contains plus the live calls and
agents, however long the shift:

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
from collections.abc import Callable
from typing import Any

from wallboard.engine.calendar import day_start, next_day_start
from wallboard.engine.callbacks import CallbackList
from wallboard.engine.ledger import (
    ABANDONED,
    ABANDONED_IN_SL,
    ANSWERED,
    ANSWERED_IN_SL,
    BLOCKED,
    ENDED,
    HOLD,
    JOINS,
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
    Series,
    rebase_totals,
    regroup,
)
from wallboard.engine.report import SpanTotals, board, span_totals
from wallboard.engine.schedule import ALL, Schedule
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import AgentRow, Snapshot
from wallboard.engine.state import (
    AVAILABLE,
    GROUP,
    HOLDING,
    LOGGED_OFF,
    PAUSED,
    RINGING,
    ROSTER_GROUP,
    TALKING,
    WRAPPING,
    AgentState,
    Call,
    Member,
    QueueState,
    TeamState,
    Wrap,
)
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
    CallerLeaving,
    Event,
    HoldEnded,
    HoldStarted,
    NumberDialed,
)

# How often (seconds of event time) ledgers are trimmed when nobody takes snapshots.
HOUSEKEEPING_S = 300.0


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
        self.first_at: float | None = None
        self._tz = config.tz
        self._queued_min_s = config.queued_min_s
        self.windows = (config.window_s, *config.extra_windows_s)
        nw = len(self.windows)
        self._nw = nw
        self.queues: dict[str, QueueState] = {}
        self.agents: dict[str, AgentState] = {}
        self._calls: dict[tuple[str, str], Call] = {}
        self._calls_by_id: dict[str, Call] = {}
        self._ringing: dict[tuple[str, str], list[AgentState]] = {}
        self.agent_counts = [0] * 7
        self.all_series = Series(0.0, nw)
        self._series: list[Series] = [self.all_series]
        # Schedule: keys each agent is on shift for now, and the next edge to pass.
        self._on_shift: dict[str, set[str | None]] = {}
        self._edge_index = 0
        self._next_edge = math.inf
        self.all_rostered: Series | None = None
        # When each agent of the schedule last came on shift (for `all`), while on shift.
        self.shift_since: dict[str, float] = {}
        if schedule is not None:
            self._on_shift = {agent: set() for agent in schedule.named}
            self.all_rostered = Series(0.0, nw)
            self._series.append(self.all_rostered)
            if schedule.edges:
                self._next_edge = schedule.edges[0][0]
        self.callbacks = CallbackList(config.callbacks_keep_s)
        self.teams: dict[str, TeamState] = {}
        self._team_of: dict[str, TeamState] = {}
        for name, members in config.team_members().items():
            self._add_team(name, members, 0.0)
        self._timers: list[tuple[float, int, Wrap]] = []
        self._timer_seq = 0
        self._widest = self.windows.index(max(self.windows))
        self.interval_start_at = 0.0
        self.day_start_at = 0.0
        self._next_interval = math.inf
        self._next_day = math.inf
        self._next_due = -math.inf
        self._next_housekeeping = -math.inf
        # Queues an event or a timer changed, for a reader that wants to know which ones to
        # look at again (the alarm stepper, which empties the sets): their running totals,
        # their callers waiting, their members' states.
        self.totals_changed: set[QueueState] = set()
        self.waiting_changed: set[QueueState] = set()
        self.members_changed: set[QueueState] = set()
        # Agents whose board row may have changed since the last snapshot with agents, and
        # the rows it gave (in id order): a snapshot rebuilds only the rows that changed.
        self.agents_changed: set[AgentState] = set()
        self.agent_rows: dict[str, AgentRow] = {}
        # The agents whose rows were built again, for a reader that sets it and empties it
        # (the agent alarms: a snapshot may build the rows before they look).
        self.agents_rebuilt: set[AgentState] | None = None
        self._handlers: dict[type, Callable[[Any, float], None]] = {
            CallerJoined: self._on_joined,
            CallerAnswered: self._on_answered,
            CallerAbandoned: self._on_abandoned,
            CallerExited: self._on_exited,
            CallerLeaving: self._on_leaving,
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
            NumberDialed: self._on_dialed,
        }

    # ----------------------------------------------------------------- clock

    def _start(self, t: float) -> None:
        self._started = True
        self.now = t
        self.interval_start_at = self._interval_start(t)
        self.day_start_at = day_start(t, self.config.day_start, self._tz)
        self._plan_boundaries()
        self.all_series = Series(t, self._nw)
        self._series[0] = self.all_series
        if self.all_rostered is not None:
            self.all_rostered = Series(t, self._nw)
            self._series[1] = self.all_rostered
        for name, team in list(self.teams.items()):
            self._series.remove(team.series)
            if team.rostered is not None:
                self._series.remove(team.rostered)
            self._add_team(name, team.members, t)

    def _add_team(self, name: str, members: frozenset[str], t: float) -> None:
        team = TeamState(name, members, t, self._nw)
        self._series.append(team.series)
        if self.schedule is not None:
            team.rostered = Series(t, self._nw)
            team.headcount = self.schedule.headcount_of(members)
            self._series.append(team.rostered)
        self.teams[name] = team
        for agent in members:
            self._team_of[agent] = team

    def _interval_start(self, t: float) -> float:
        return math.floor(t / self.config.interval_s) * self.config.interval_s

    def _plan_boundaries(self) -> None:
        # One ulp early, so that rounding in floor(t/I)*I can never make us late;
        # _advance re-checks the exact definition.
        self._next_interval = math.nextafter(
            self.interval_start_at + self.config.interval_s, -math.inf
        )
        self._next_day = next_day_start(self.day_start_at, self.config.day_start, self._tz)

    def _set_next_due(self) -> None:
        """The earliest time at which `apply` must leave its fast path."""
        if self.first_at is None:
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
        if self.first_at is None:
            self.first_at = at
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
            if b_interval <= self.interval_start_at:
                b_interval = math.inf
        if t >= self._next_day:
            b_day = day_start(t, self.config.day_start, self._tz)
            if b_day <= self.day_start_at:
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
        if key is ALL:
            if on:
                self.shift_since[agent_id] = self.now
            else:
                del self.shift_since[agent_id]
        agent = self.agents.get(agent_id)
        if agent is None:
            return
        if key is ALL:
            agent.scheduled = on
            self._roster(self.all_rostered, agent.state, on)  # type: ignore[arg-type]
            team = agent.team
            if team is not None:
                self._roster(team.rostered, agent.state, on)  # type: ignore[arg-type]
            return
        for name, member in agent.members.items():
            if schedule.agent_key(agent_id, name) == key:
                member.scheduled = on
                self._roster(member.queue.rostered, member.state, on)  # type: ignore[arg-type]

    def _roster(self, series: Series, state: int, on: bool) -> None:
        group = ROSTER_GROUP[state]
        if group >= 0:
            regroup(series, self.now, -1, group) if on else regroup(series, self.now, group, -1)

    def _roll_over(self, interval: bool, day: bool) -> None:
        """Start a new interval and/or day at the clock's time."""
        at = self.now
        for series in self._series:
            regroup(series, at, -1, -1)  # the segment before the new span
            if interval:
                series.ibase = series.cum
            if day:
                series.dbase = series.cum
        for queue in self.queues.values():
            if interval:
                queue.ibase = list(queue.cum)
            if day:
                queue.dbase = list(queue.cum)
                queue.former = {a: e for a, e in queue.former.items() if e >= at}
        if interval:
            self.interval_start_at = at
        if day:
            self.day_start_at = at
            for agent in self.agents.values():
                agent.calls = 0
            self.agents_changed.update(self.agents.values())
        self._plan_boundaries()

    def advance(self, t: float) -> None:
        """Move the clock to `t` without a snapshot: wraps end and spans roll over on the way."""
        if not self._started:
            self._start(t)
            self._advance(t)  # shift edges at the very instant
        if t > self.now:
            self._advance(t)
            self._set_next_due()

    def next_timer(self) -> float:
        """When the next wrap-up runs out on its own (inf: none running)."""
        timers = self._timers
        while timers and not timers[0][2].live:
            heapq.heappop(timers)
        return timers[0][0] if timers else math.inf

    def next_rollover(self) -> tuple[float, float]:
        """When the next interval and the next day start (the engine's clock is before both)."""
        return self.interval_start_at + self.config.interval_s, self._next_day

    # ----------------------------------------------------------------- input

    def apply(self, event: Event) -> None:
        """Apply one event; one earlier than the clock is applied at the clock's time."""
        at = event.at
        if at >= self._next_due or at < self.now:
            at = self._clock(at)
        else:
            self.now = at
        self._handlers[type(event)](event, at)

    def _queue(self, name: str) -> QueueState:
        queue = self.queues.get(name)
        if queue is None:
            queue = QueueState(name, self.config, self.now, self._nw)
            self.queues[name] = queue
            self._series.append(queue.series)
            if self.schedule is not None:
                queue.rostered = Series(self.now, self._nw)
                self._series.append(queue.rostered)
        return queue

    def _agent(self, agent_id: str) -> AgentState:
        agent = self.agents.get(agent_id)
        if agent is None:
            team = self._team_of.get(agent_id)
            agent = AgentState(agent_id, self.now, team)
            self.agents[agent_id] = agent
            self.agents_changed.add(agent)
            on = self._on_shift.get(agent_id)
            agent.scheduled = on is not None and ALL in on
            if team is not None:
                team.unseen -= 1
        return agent

    def _on_shift_for(self, agent_id: str, queue: str) -> bool:
        on = self._on_shift.get(agent_id)
        return on is not None and self.schedule.agent_key(agent_id, queue) in on  # type: ignore[union-attr]

    def _member(self, agent: AgentState, queue: QueueState) -> Member:
        member = agent.members.get(queue.name)
        if member is None:
            member = Member(queue, self._on_shift_for(agent.id, queue.name))
            agent.members[queue.name] = member
            self.agents_changed.add(agent)
            if queue.former.pop(agent.id, None) is not None:
                self.members_changed.add(queue)
        return member

    def _record(self, queue: QueueState, s: float) -> None:
        """Log the queue's totals after an item stamped `s` (= the clock) was added to them."""
        cum = queue.cum
        queue.log.append((s, *cum))
        self.totals_changed.add(queue)
        if s == self.interval_start_at:
            # Stamped exactly on the boundary: in no interval (s > start), so the
            # interval starts after it.
            queue.ibase = cum.copy()
        if s == self.day_start_at:
            queue.dbase = cum.copy()

    def _count(self, queue: QueueState, s: float, field: int) -> None:
        queue.cum[field] += 1
        self._record(queue, s)

    # ------------------------------------------------------------- integrals

    def _refresh(self, agent: AgentState) -> None:
        """Recount the states of an agent and its memberships after any change to them.

        The engine's hottest path (about once an event, 1.5 membership moves an event):
        a membership's move is written out here, the arithmetic of `_tally` and
        `ledger.regroup` in the same order, since a Python call costs as much as the
        work it would do.
        """
        now = self.now
        activity = agent.activity
        wraps = agent.wraps
        members_changed = self.members_changed
        any_wrap = any_available = any_paused = False
        for name, member in agent.members.items():
            if activity:
                # On a call, every membership shows the call (the common, hot case).
                to = activity
            elif wraps and name in wraps:
                to = WRAPPING
                any_wrap = True
            elif member.paused:
                to = PAUSED
                any_paused = True
            else:
                to = AVAILABLE
                any_available = True
            was = member.state
            if was == to:
                continue
            # The membership moves: its queue's counts and state integrals follow.
            member.state = to
            queue = member.queue
            members_changed.add(queue)
            counts = queue.counts
            counts[to] += 1  # a membership's state: never LOGGED_OFF
            if was >= 0:
                counts[was] -= 1
            old_group = GROUP[was]
            new_group = GROUP[to]
            if old_group != new_group:
                series = queue.series
                log = series.log
                last = log[-1]
                if last[0] != now:
                    dt = now - last[0]
                    n0, n1, n2, n3 = series.n
                    log.append(
                        (
                            now,
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
                n = series.n
                n[new_group] += 1
                if old_group >= 0:
                    n[old_group] -= 1
            if member.scheduled and ROSTER_GROUP[was] != ROSTER_GROUP[to]:
                regroup(queue.rostered, self.now, ROSTER_GROUP[was], ROSTER_GROUP[to])  # type: ignore[arg-type]
        if activity:
            state = activity
        elif any_wrap:
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
            self.agents_changed.add(agent)
            counts = self.agent_counts
            counts[state] += 1
            if old >= 0:
                counts[old] -= 1
            old_group = GROUP[old]
            new_group = GROUP[state]
            if old_group != new_group:
                regroup(self.all_series, now, old_group, new_group)
            rostered = agent.scheduled and ROSTER_GROUP[old] != ROSTER_GROUP[state]
            if rostered:
                regroup(self.all_rostered, self.now, ROSTER_GROUP[old], ROSTER_GROUP[state])  # type: ignore[arg-type]
            team = agent.team
            if team is not None:
                self._tally(team.counts, team.series, old, state)
                if rostered:
                    regroup(team.rostered, self.now, ROSTER_GROUP[old], ROSTER_GROUP[state])  # type: ignore[arg-type]
        if state == PAUSED:
            reason = agent.members[min(agent.members)].reason
            if reason != agent.reason:
                agent.reason = reason
                agent.since = now
                self.agents_changed.add(agent)
        elif agent.reason:
            agent.reason = ""
            agent.since = now
            self.agents_changed.add(agent)

    def _tally(self, counts: list[int], series: Series, old: int, new: int) -> None:
        """One member or agent goes from state `old` to `new` (-1: not counted) at the clock."""
        if new >= 0:
            counts[new] += 1
        if old >= 0:
            counts[old] -= 1
        old_group = GROUP[old]
        new_group = GROUP[new]
        if old_group != new_group:
            regroup(series, self.now, old_group, new_group)

    # ---------------------------------------------------------------- calls

    def _end_ringing(self, key: tuple[str, str]) -> None:
        for agent in self._ringing.pop(key, ()):
            if agent.activity == RINGING and agent.ring_key == key:
                agent.activity = 0
                agent.ring_key = None
                self._refresh(agent)

    def _stop_ringing(self, agent: AgentState) -> None:
        """Take the agent off the ringer list of the call it rings for (state unchanged)."""
        key = agent.ring_key
        ringers = self._ringing.get(key) if key else None
        if ringers is not None:
            ringers.remove(agent)
            if not ringers:
                del self._ringing[key]  # type: ignore[arg-type]
        agent.ring_key = None

    def _end_wraps(self, agent: AgentState, at: float) -> None:
        """End the agent's wraps as part of an event that refreshes the agent itself."""
        for wrap in list(agent.wraps.values()):
            self._record_wrap_end(wrap, at)

    def _end_wrap(self, wrap: Wrap, at: float) -> None:
        """A wrap runs out on its own."""
        self._record_wrap_end(wrap, at)
        self._refresh(wrap.agent)

    def _record_wrap_end(self, wrap: Wrap, at: float) -> None:
        # No refresh here: a state that lasts zero time inside one event is never shown.
        wrap.live = False
        del wrap.agent.wraps[wrap.queue.name]
        queue = wrap.queue
        cum = queue.cum
        cum[WRAPS] += 1
        cum[WRAP_TIME] += at - wrap.start
        self._record(queue, at)

    def _outcome_wait(
        self, queue: QueueState, call_id: str, at: float, wait_s: float | None
    ) -> float | None:
        joined = queue.waiting.pop(call_id, None)
        if joined is not None:
            self.waiting_changed.add(queue)
        elif queue.leaving:
            joined = queue.leaving.pop(call_id, None)
            if joined is not None:
                self.waiting_changed.add(queue)
        if wait_s is not None:
            return wait_s
        if joined is None:
            self.unknown_calls += 1
            return None
        return at - joined

    def _on_joined(self, e: CallerJoined, at: float) -> None:
        queue = self.queues.get(e.queue) or self._queue(e.queue)
        if e.call_id not in queue.waiting and e.call_id not in queue.leaving:
            queue.waiting[e.call_id] = at
            self.waiting_changed.add(queue)
            if e.caller:
                queue.callers[e.call_id] = e.caller
                # An agent ringing for this call already (the offer came first) shows it now.
                self.agents_changed.update(self._ringing.get((queue.name, e.call_id), ()))
            queue.cum[JOINS] += 1
            self._record(queue, at)

    def _on_answered(self, e: CallerAnswered, at: float) -> None:
        queue = self.queues.get(e.queue) or self._queue(e.queue)
        wait = self._outcome_wait(queue, e.call_id, at, e.wait_s)
        if wait is None:
            return
        key = (e.queue, e.call_id)
        agent = self.agents.get(e.agent) or self._agent(e.agent)
        if queue.name not in agent.members:
            self._member(agent, queue)
        ring = e.ring_s
        if ring is None and agent.activity == RINGING and agent.ring_key == key:
            ring = at - agent.ring_start
        if agent.activity == RINGING:
            self._stop_ringing(agent)
        if key in self._ringing:  # others rang for it too
            self._end_ringing(key)
        if agent.wraps:
            self._end_wraps(agent, at)
        caller = queue.callers.pop(e.call_id, "") if queue.callers else ""
        call = Call(key, queue, agent, at, caller)
        self._calls[key] = call
        self._calls_by_id[e.call_id] = call
        agent.activity = TALKING
        agent.call = call
        agent.streak = 0
        self.agents_changed.add(agent)  # its caller, answered_at and streak
        if caller and self.callbacks:
            self.callbacks.reached(caller, at)
        if at > self.day_start_at:
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
        queue = self.queues.get(e.queue) or self._queue(e.queue)
        wait = self._outcome_wait(queue, e.call_id, at, e.wait_s)
        if wait is None:
            return
        self._end_ringing((e.queue, e.call_id))
        caller = queue.callers.pop(e.call_id, "") if queue.callers else ""
        cum = queue.cum
        cum[OFFERED] += 1
        if wait < queue.short_abandon_s:
            cum[SHORT_ABANDONED] += 1
        else:
            cum[ABANDONED] += 1
            cum[WAIT_ABANDONED] += wait
            if caller:
                self.callbacks.abandoned(caller, queue.name, at, wait)
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
        if queue.callers:
            queue.callers.pop(e.call_id, None)
        cum = queue.cum
        cum[OFFERED] += 1
        cum[OVERFLOW] += 1
        if wait <= queue.sl_threshold_s:
            cum[ABANDONED_IN_SL] += 1
        if wait > self._queued_min_s:
            cum[QUEUED] += 1
        cum[WAIT_ALL] += wait
        self._record(queue, at)

    def _on_leaving(self, e: CallerLeaving, at: float) -> None:
        queue = self._queue(e.queue)
        joined = queue.waiting.pop(e.call_id, None)
        if joined is not None:
            queue.leaving[e.call_id] = joined
            self.waiting_changed.add(queue)
            self._end_ringing((e.queue, e.call_id))

    def _on_gone(self, e: CallerGone, at: float) -> None:
        queue = self._queue(e.queue)
        if queue.waiting.pop(e.call_id, None) is not None:
            self.waiting_changed.add(queue)
        if queue.leaving.pop(e.call_id, None) is not None:
            self.waiting_changed.add(queue)
        queue.callers.pop(e.call_id, None)
        self._end_ringing((e.queue, e.call_id))

    def _on_dialed(self, e: NumberDialed, at: float) -> None:
        self.callbacks.reached(e.number, at)

    def _on_blocked(self, e: CallBlocked, at: float) -> None:
        self._count(self._queue(e.queue), at, BLOCKED)

    def _on_call_ended(self, e: CallEnded, at: float) -> None:
        queue = self.queues.get(e.queue) or self._queue(e.queue)
        call = self._calls.pop((e.queue, e.call_id), None)
        if call is None:
            agent = self.agents.get(e.agent)
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
        named = self.agents.get(e.agent) or self._agent(e.agent)
        if queue.name not in named.members:
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
            wrap = Wrap(agent, call_queue, at, at + e.wrap_s)
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
        if e.name and e.name != agent.name:
            agent.name = e.name
            self.agents_changed.add(agent)
        self._member(agent, queue)
        self._refresh(agent)

    def _on_logged_out(self, e: AgentLoggedOut, at: float) -> None:
        queue = self._queue(e.queue)
        agent = self.agents.get(e.agent)
        if agent is None:
            return
        member = agent.members.pop(e.queue, None)
        if member is None:
            return
        self.members_changed.add(queue)
        self.agents_changed.add(agent)
        self._tally(queue.counts, queue.series, member.state, -1)
        if member.scheduled:
            regroup(queue.rostered, self.now, ROSTER_GROUP[member.state], -1)  # type: ignore[arg-type]
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
        queue = self.queues.get(e.queue) or self._queue(e.queue)
        agent = self.agents.get(e.agent) or self._agent(e.agent)
        if queue.name not in agent.members:
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
        self.agents_changed.add(agent)  # another call's caller, however its state stays
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
        agent.streak += 1
        self.agents_changed.add(agent)
        if agent.activity == RINGING:
            self._stop_ringing(agent)
            agent.activity = 0
        self._refresh(agent)

    def _on_status(self, e: AgentStatus, at: float) -> None:
        agent = self._agent(e.agent)
        if e.name and e.name != agent.name:
            agent.name = e.name
            self.agents_changed.add(agent)
        member = self._member(agent, self._queue(e.queue))
        member.paused = e.paused
        member.reason = e.reason if e.paused else ""
        if e.in_call:
            if not agent.activity:
                agent.activity = TALKING
                agent.call = Call(None, None, agent, at)
        elif agent.call is not None and agent.call.key is None:
            agent.activity = 0
            agent.call = None
        self._refresh(agent)

    # ---------------------------------------------------------------- windows

    def _expire(self, t: float) -> None:
        """Move every ledger past what its windows no longer hold at `t`."""
        edges = [t - width for width in self.windows]
        widest = self._widest
        for queue in self.queues.values():
            if queue.ledger.advance(edges, widest):
                rebase_totals(queue.cum, queue.ibase, queue.dbase, queue.ledger, N_COUNTS)
            queue.ledger.trim()
        for series in self._series:
            if series.ledger.advance(edges, widest):
                # `cum` is a copy: the ledger's rebase zeroes the last entry, which holds it.
                rebase_totals(series.cum, series.ibase, series.dbase, series.ledger, 0)
            series.ledger.trim()

    # --------------------------------------------------------------- snapshot

    def snapshot(self, t: float | None = None, *, agents: bool = True) -> Snapshot:
        """Every metric at instant `t` (default: the clock), advancing the clock to it.

        `agents=False` leaves out the per-agent board (the "agents" key), which
        alarm rules never read and which costs most of a snapshot on a big floor.
        """
        return board(self, self._reach(t), agents)

    def span_totals(self, t: float) -> SpanTotals:
        """The raw totals every span's figures are formed from, at `t` (advancing the clock).

        Reports add them up over intervals and days, which ratios cannot be;
        `wallboard.engine.metrics.span_metrics` forms a span's metrics from them.
        """
        return span_totals(self, self._reach(t))

    def _reach(self, t: float | None) -> float:
        """Bring the clock to `t` (never back) and the windows with it; the clock's time."""
        if t is None:
            t = self.now
        self.advance(t)
        self._expire(self.now)
        self.callbacks.expire(self.now)
        return self.now
