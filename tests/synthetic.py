"""Seeded synthetic shifts: a realistic, internally consistent event stream.

Benchmarks and property tests need shifts of any size without a PBX. This is a
small discrete-event simulation of a contact centre (callers with patience,
agents who ring, talk, hold, wrap up, pause and log out), so the stream obeys
every causal rule a real source does: a caller is answered only after joining,
an agent rings only when free, a call ends only after its answer. The same
seed always gives the same stream.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

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

DEFAULT_START = 1732262400.0  # 2024-11-22 08:00 UTC
NAMES = ("Alice", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun")
PAUSE_REASONS = ("break", "lunch", "training", "meeting", "coaching")


def daily_profile(hour: float) -> float:
    """Relative arrival rate by local hour: a morning and an afternoon peak, quiet nights."""
    morning = math.exp(-(((hour - 10.5) / 2.5) ** 2))
    afternoon = 0.8 * math.exp(-(((hour - 15.0) / 2.5) ** 2))
    return 0.15 + 0.85 * max(morning, afternoon)


@dataclass(slots=True)
class _Call:
    call_id: str
    queue: _QueueSim
    joined: float
    state: str = "waiting"  # waiting, ringing, talking, done
    agent: _AgentSim | None = None


@dataclass(slots=True)
class _QueueSim:
    name: str
    wrap_s: float
    waiting: deque[_Call] = field(default_factory=deque)
    free: dict[str, _AgentSim] = field(default_factory=dict)


@dataclass(slots=True)
class _AgentSim:
    agent_id: str
    name: str
    queues: list[_QueueSim]
    logged_in: bool = False
    busy: bool = False
    paused: bool = False
    talking: bool = False
    reason: str = ""
    pending: list[Callable[[], None]] = field(default_factory=list)


class _Shift:
    def __init__(
        self,
        seed: int,
        agents: int,
        queues: int,
        hours: float,
        start: float,
        occupancy: float,
        talk_s: float,
        wrap_s: float,
        source_durations: bool,
        resync_every_s: float | None,
    ) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.end = start + hours * 3600.0
        self.talk_s = talk_s
        self.source_durations = source_durations
        self.resync_every_s = resync_every_s
        self.now = start
        self.out: list[Event] = []
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = 0
        self.calls = 0
        rng = self.rng
        self.queues = [
            _QueueSim(f"q{i:02d}", wrap_s if i % 4 else 0.0) for i in range(max(1, queues))
        ]
        self.agents = []
        for i in range(max(1, agents)):
            k = min(len(self.queues), rng.choice((1, 1, 2, 2, 3)))
            member_of = rng.sample(self.queues, k)
            name = f"{NAMES[i % len(NAMES)]} {i}"
            self.agents.append(_AgentSim(f"Agent/{1000 + i}", name, member_of))
        # Peak arrivals that keep the floor at roughly `occupancy`.
        self.peak_rate = occupancy * len(self.agents) / (talk_s + wrap_s + 8.0)

    def at(self, t: float, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, action))

    def emit(self, event: Event) -> None:
        self.out.append(event)

    def duration(self, dt: float) -> float | None:
        return float(round(dt)) if self.source_durations else None

    def run(self) -> Iterator[Event]:
        rng = self.rng
        for agent in self.agents:
            self.at(self.start + rng.uniform(0, 300), lambda a=agent: self.log_in(a))
            self.plan_pause(agent)
            if rng.random() < 0.1:
                away = self.start + rng.uniform(0.2, 0.8) * (self.end - self.start)
                self.at(away, lambda a=agent: self.request(a, lambda: self.log_out(a)))
        self.at(self.start, self.arrival)
        if self.resync_every_s:
            self.at(self.start + self.resync_every_s, self.resync)
        heap = self.heap
        while heap:
            t, _, action = heapq.heappop(heap)
            if t > self.end:
                break
            self.now = t
            action()
            if self.out:
                yield from self.out
                self.out.clear()

    # ------------------------------------------------------------- callers

    def arrival(self) -> None:
        rng = self.rng
        # Thinning: candidates at the peak rate, kept with the profile's probability.
        self.at(self.now + rng.expovariate(self.peak_rate), self.arrival)
        hour = ((self.now - self.start) / 3600.0 + 8.0) % 24.0
        if rng.random() > daily_profile(hour):
            return
        queue = rng.choice(self.queues)
        self.calls += 1
        call_id = f"{int(self.start)}.{self.calls}"
        if len(queue.waiting) > 30 or rng.random() < 0.01:
            self.emit(CallBlocked(self.now, queue.name, call_id, rng.choice(("full", "joinempty"))))
            return
        call = _Call(call_id, queue, self.now)
        self.emit(CallerJoined(self.now, queue.name, call_id, f"+1555{self.calls:07d}"))
        queue.waiting.append(call)
        patience = rng.expovariate(1 / 90.0) if rng.random() < 0.95 else rng.uniform(0, 5)
        if patience < 300.0:
            self.at(self.now + patience, lambda: self.caller_leaves(call, "abandon"))
        else:
            self.at(self.now + 300.0, lambda: self.caller_leaves(call, "timeout"))
        self.dispatch(queue)

    def caller_leaves(self, call: _Call, how: str) -> None:
        if call.state not in ("waiting", "ringing"):
            return
        queue = call.queue
        wait = self.duration(self.now - call.joined)
        if how == "abandon":
            if self.rng.random() < 0.002:
                self.emit(CallerGone(self.now, queue.name, call.call_id))
            else:
                self.emit(CallerAbandoned(self.now, queue.name, call.call_id, wait))
        else:
            self.emit(CallerExited(self.now, queue.name, call.call_id, "timeout", wait))
        ringing = call.agent if call.state == "ringing" else None
        call.state = "done"
        if ringing is not None:
            self.free(ringing)

    def dispatch(self, queue: _QueueSim) -> None:
        waiting = queue.waiting
        while waiting and queue.free:
            call = waiting[0]
            if call.state != "waiting":
                waiting.popleft()
                continue
            agent = next(iter(queue.free.values()))
            waiting.popleft()
            self.ring(agent, call)

    def ring(self, agent: _AgentSim, call: _Call) -> None:
        rng = self.rng
        self.take(agent)
        call.state = "ringing"
        call.agent = agent
        self.emit(AgentRinging(self.now, agent.agent_id, call.queue.name, call.call_id))
        started = self.now
        if rng.random() < 0.08:
            self.at(self.now + 15.0, lambda: self.no_answer(agent, call, started))
        else:
            self.at(self.now + rng.uniform(1.5, 12.0), lambda: self.answer(agent, call, started))

    def no_answer(self, agent: _AgentSim, call: _Call, started: float) -> None:
        if call.state != "ringing" or call.agent is not agent:
            return
        ring = self.duration(self.now - started)
        self.emit(AgentRingNoAnswer(self.now, agent.agent_id, call.queue.name, call.call_id, ring))
        call.state = "waiting"
        call.agent = None
        call.queue.waiting.appendleft(call)
        self.dispatch(call.queue)
        self.free(agent)

    def answer(self, agent: _AgentSim, call: _Call, started: float) -> None:
        if call.state != "ringing" or call.agent is not agent:
            return
        rng = self.rng
        call.state = "talking"
        agent.talking = True
        queue = call.queue
        wait = self.duration(self.now - call.joined)
        ring = self.duration(self.now - started)
        self.emit(CallerAnswered(self.now, queue.name, call.call_id, agent.agent_id, wait, ring))
        talk = rng.lognormvariate(math.log(self.talk_s) - 0.18, 0.6)
        answered = self.now
        if rng.random() < 0.15:
            hold_at = self.now + talk * rng.uniform(0.2, 0.6)
            hold_for = min(rng.expovariate(1 / 40.0), talk * 0.3)
            self.at(hold_at, lambda: self.emit(HoldStarted(self.now, call.call_id)))
            self.at(hold_at + hold_for, lambda: self.emit(HoldEnded(self.now, call.call_id)))
        self.at(self.now + talk, lambda: self.hang_up(agent, call, answered))

    def hang_up(self, agent: _AgentSim, call: _Call, answered: float) -> None:
        call.state = "done"
        agent.talking = False
        queue = call.queue
        talk = self.duration(self.now - answered)
        transferred = self.rng.random() < 0.03
        self.emit(
            CallEnded(
                self.now, queue.name, call.call_id, agent.agent_id, talk, queue.wrap_s, transferred
            )
        )
        if queue.wrap_s > 0:
            self.at(self.now + queue.wrap_s, lambda: self.free(agent))
        else:
            self.free(agent)

    # -------------------------------------------------------------- agents

    def take(self, agent: _AgentSim) -> None:
        agent.busy = True
        for queue in agent.queues:
            queue.free.pop(agent.agent_id, None)

    def free(self, agent: _AgentSim) -> None:
        """The agent is idle again: run what it postponed, else take the oldest waiting call."""
        agent.busy = False
        if agent.pending:
            agent.pending.pop(0)()
            return
        if not agent.logged_in or agent.paused:
            return
        oldest: _Call | None = None
        for queue in agent.queues:
            while queue.waiting and queue.waiting[0].state != "waiting":
                queue.waiting.popleft()
            if queue.waiting and (oldest is None or queue.waiting[0].joined < oldest.joined):
                oldest = queue.waiting[0]
        if oldest is not None:
            oldest.queue.waiting.popleft()
            self.ring(agent, oldest)
            return
        for queue in agent.queues:
            queue.free[agent.agent_id] = agent

    def request(self, agent: _AgentSim, action: Callable[[], None]) -> None:
        """Run `action` now if the agent is idle, else as soon as it is."""
        if agent.busy:
            agent.pending.append(action)
        else:
            self.take(agent)
            action()

    def log_in(self, agent: _AgentSim) -> None:
        agent.logged_in = True
        for queue in agent.queues:
            self.emit(AgentLoggedIn(self.now, agent.agent_id, queue.name, agent.name))
        self.free(agent)

    def log_out(self, agent: _AgentSim) -> None:
        agent.logged_in = False
        for queue in agent.queues:
            self.emit(AgentLoggedOut(self.now, agent.agent_id, queue.name))
        self.at(self.now + self.rng.uniform(600, 3600), lambda: self.log_in(agent))

    def plan_pause(self, agent: _AgentSim) -> None:
        rng = self.rng
        when = self.now + rng.expovariate(1 / 5400.0) + 600.0
        self.at(when, lambda: self.request(agent, lambda: self.pause(agent)))

    def pause(self, agent: _AgentSim) -> None:
        rng = self.rng
        if not agent.logged_in:
            self.plan_pause(agent)
            return
        reason = rng.choice(PAUSE_REASONS)
        agent.paused = True
        agent.reason = reason
        for queue in agent.queues:
            self.emit(AgentPaused(self.now, agent.agent_id, queue.name, reason))
        length = rng.uniform(1800, 2700) if reason == "lunch" else rng.uniform(300, 900)
        self.at(self.now + length, lambda: self.unpause(agent))

    def unpause(self, agent: _AgentSim) -> None:
        agent.paused = False
        if agent.logged_in:
            for queue in agent.queues:
                self.emit(AgentUnpaused(self.now, agent.agent_id, queue.name))
        self.plan_pause(agent)
        self.free(agent)

    def resync(self) -> None:
        """What a source sends after reconnecting: every membership's current status."""
        for agent in self.agents:
            if not agent.logged_in:
                continue
            for queue in agent.queues:
                self.emit(
                    AgentStatus(
                        self.now,
                        agent.agent_id,
                        queue.name,
                        agent.name,
                        paused=agent.paused,
                        reason=agent.reason if agent.paused else "",
                        in_call=agent.talking,
                    )
                )
        assert self.resync_every_s
        self.at(self.now + self.resync_every_s, self.resync)


def generate_shift(
    seed: int,
    agents: int = 20,
    queues: int = 3,
    hours: float = 1.0,
    start: float = DEFAULT_START,
    *,
    occupancy: float = 0.85,
    talk_s: float = 240.0,
    wrap_s: float = 30.0,
    source_durations: bool = False,
    resync_every_s: float | None = None,
) -> Iterator[Event]:
    """A time-ordered shift of `hours` from `start` (08:00 local when `start` is the default).

    Arrivals follow a two-peak daily profile sized so that the floor runs near
    `occupancy` at the peaks. `source_durations=True` gives `wait_s`, `ring_s` and
    `talk_s` as whole seconds, as queue_log does; `resync_every_s` adds periodic
    `AgentStatus` bursts. Every fourth queue has no wrap-up time.
    """
    shift = _Shift(
        seed,
        agents,
        queues,
        hours,
        start,
        occupancy,
        talk_s,
        wrap_s,
        source_durations,
        resync_every_s,
    )
    return shift.run()
