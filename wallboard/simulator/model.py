"""A seeded discrete-event model of an Asterisk call centre.

Pure: no clock and no I/O. Simulated time only moves when the caller asks
for it (`run_until`), so the live server, the sample-shift generator and the
tests all drive the same model and get the same happenings for a seed. The
happenings say what Asterisk's app_queue would have done (who rang, who
answered, which counters moved); `ami.py` renders them as AMI events and
queue_log lines.

Behaviour copied from Asterisk 22 (see shared/fixtures/asterisk-22-run-a):
durations Asterisk reports are differences of whole-second clocks; the
`Abandoned` counter includes queue timeouts; `Completed` counts at call end;
hold time/talk time averages are the (3 * old + new) / 4 integer averages;
with shared_lastcall an agent's CallsTaken rises in every queue; wrap-up is
each queue's wrapuptime after the agent's last call, announced nowhere.
What it reports is in `happenings.py`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from wallboard.simulator.happenings import (
    AgentRung,
    CallCompleted,
    CallerLeft,
    CallerQueued,
    CallRefused,
    CallView,
    Connected,
    EntryView,
    Happening,
    HoldChanged,
    LegView,
    MemberAdded,
    MemberPaused,
    MemberRemoved,
    MemberStatus,
    MemberView,
    QueueStarted,
    QueueView,
    RingCancelled,
    RingNoAnswer,
)
from wallboard.simulator.scenarios import QueueSpec, Scenario

NOT_INUSE, INUSE, RINGING = 1, 2, 6
RNA_PROBABILITY = 0.05
AGENT_HANGS_UP = 0.55
TRANSFER_TARGET = ("2000", "from-internal")

_FIRST = (
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kai", "Lena", "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carla", "Diego",
)  # fmt: skip
_LAST = (
    "Silva", "Novak", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad",
    "Rossi", "Byrne", "Costa", "Meyer", "Chen", "Duarte", "Ibrahim", "Jensen", "Khan",
)  # fmt: skip


@dataclass(slots=True)
class _Member:
    queue: str
    login_time: int
    paused: bool = False
    reason: str = ""
    last_pause: int = 0
    calls_taken: int = 0


@dataclass(slots=True)
class _Agent:
    interface: str
    name: str
    queues: tuple[str, ...]
    members: dict[str, _Member] = field(default_factory=dict)
    status: int = NOT_INUSE
    in_call: bool = False
    last_call: int = 0
    last_call_end: float = -math.inf
    activity: str = ""  # the scheduled pause or logout in progress, if any


@dataclass(slots=True)
class _Caller:
    view: CallView
    original_position: int
    state: str = "waiting"  # waiting | ringing | retry | talking | done
    legs: list[LegView] = field(default_factory=list)
    token: int = 0  # invalidates scheduled ring outcomes of an earlier attempt
    patience_s: float = 0.0


@dataclass(slots=True)
class _Queue:
    spec: QueueSpec
    waiting: list[_Caller] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    completed_in_sl: int = 0
    abandoned_in_sl: int = 0
    holdtime: int = 0
    talktime: int = 0
    rr_next: int = 0


_PROFILE_POINTS = (
    (0, 0.1), (7, 0.25), (8, 0.6), (9, 0.85), (10, 1.0), (11, 0.95), (12, 0.8),
    (13, 0.85), (14, 0.95), (15, 1.0), (16, 0.85), (17, 0.6), (18, 0.35), (24, 0.1),
)  # fmt: skip


def _profile(at: float) -> float:
    """Relative arrival intensity by UTC hour of day: a morning and an afternoon peak."""
    points = _PROFILE_POINTS
    hour = (at % 86400.0) / 3600.0
    for (h0, v0), (h1, v1) in itertools.pairwise(points):
        if h0 <= hour <= h1:
            return v0 + (v1 - v0) * (hour - h0) / (h1 - h0)
    return points[-1][1]


_PROFILE_MAX = 1.0


class CallCentre:
    """The model. Feed it simulated time with `run_until`; read state with `queue_views`."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.now = scenario.start
        self.end = scenario.start + scenario.duration_s
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0
        self._out: list[Happening] = []
        self._channel_no = 0
        self._callnum = 0
        self._arrivals = random.Random(f"{seed}:arrivals")
        self._calls = random.Random(f"{seed}:calls")
        self._agents_rng = random.Random(f"{seed}:agents")
        self.queues = {spec.name: _Queue(spec) for spec in scenario.queues}
        self.agents = self._staff()
        self._in_progress = 0
        self._outcomes = 0
        aht = sum(
            q.share * (q.talk_mean_s + q.hold_prob * 50.0 + q.wrapup_s + 4.0)
            for q in scenario.queues
        )
        # Load the floor to about 80 % of the agents who are usually ready.
        self._base_rate = scenario.agents * 0.82 * 0.80 / aht
        self._at(self.now, lambda: self._out.append(QueueStarted(self.now)))
        self._schedule_agents()
        self._at(self.now + self._arrivals.expovariate(self._max_rate()), self._arrival)

    # -- public -------------------------------------------------------------

    def run_until(self, t: float) -> list[Happening]:
        """Advance simulated time to `t`; the happenings on the way, in time order."""
        while self._heap and self._heap[0][0] <= t:
            at, _, action = heapq.heappop(self._heap)
            self.now = at
            action()
        self.now = max(self.now, t)
        out, self._out = self._out, []
        return out

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    @property
    def drained(self) -> bool:
        """Past the end of arrivals with no caller left in the system."""
        return self.now >= self.end and self._in_progress == 0

    def run_to_end(self) -> list[Happening]:
        """Every happening of the whole run: arrivals, then the drain of the last calls."""
        out = self.run_until(self.end)
        while not self.drained and self._heap:
            out.extend(self.run_until(self._heap[0][0]))
        return out

    def queue_views(self) -> list[QueueView]:
        """Live state for QueueStatus / QueueSummary answers."""
        views = []
        for name, queue in self.queues.items():
            members = tuple(
                self._member_view(agent, name) for agent in self.agents if name in agent.members
            )
            entries = tuple(
                EntryView(caller.view, position) for position, caller in enumerate(queue.waiting, 1)
            )
            available = sum(1 for a in self.agents if self._is_available(a, queue, wrap=False))
            views.append(
                QueueView(
                    queue.spec,
                    queue.completed,
                    queue.abandoned,
                    queue.completed_in_sl,
                    queue.abandoned_in_sl,
                    queue.holdtime,
                    queue.talktime,
                    members,
                    entries,
                    available,
                )
            )
        return views

    # -- scheduling -----------------------------------------------------------

    def _at(self, at: float, action: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (round(at, 6), self._seq, action))

    def _emit(self, happening: Happening) -> None:
        self._out.append(happening)

    # -- staff ----------------------------------------------------------------

    def _staff(self) -> list[_Agent]:
        rng = self._agents_rng
        specs = self.scenario.queues
        agents = []
        for i in range(self.scenario.agents):
            # Primary queues in proportion to traffic, every queue staffed.
            primary = specs[i % len(specs)] if i < 2 * len(specs) else self._weighted(rng)
            queues = [primary.name]
            if len(specs) > 1 and rng.random() < 0.35:
                other = self._weighted(rng)
                if other.name != primary.name:
                    queues.append(other.name)
            name = f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7 + i // len(_FIRST)) % len(_LAST)]}"
            agents.append(_Agent(f"PJSIP/{1001 + i}", name, tuple(queues)))
        return agents

    def _weighted(self, rng: random.Random) -> QueueSpec:
        pick = rng.random()
        for spec in self.scenario.queues:
            pick -= spec.share
            if pick < 0:
                return spec
        return self.scenario.queues[-1]

    def _schedule_agents(self) -> None:
        rng = self._agents_rng
        sc = self.scenario
        lunch_crowd = set()
        if sc.mass_lunch_at_s is not None:
            count = round(len(self.agents) * sc.mass_lunch_fraction)
            lunch_crowd = {a.interface for a in rng.sample(self.agents, count)}
        noon = datetime.fromtimestamp(sc.start, UTC).replace(hour=11, minute=30, second=0)
        lunch_slots = [(noon + timedelta(minutes=30 * k)).timestamp() for k in range(4)]
        for i, agent in enumerate(self.agents):
            self._at(sc.start + rng.uniform(0, 150), functools.partial(self._login, agent))
            t = sc.start + rng.uniform(50, 130) * 60
            while t < self.end:
                self._plan_pause(agent, t, rng.uniform(12, 18) * 60, "break")
                t += rng.uniform(100, 140) * 60
            if agent.interface in lunch_crowd:
                at = sc.start + sc.mass_lunch_at_s + rng.uniform(0, 180)  # type: ignore[operator]
                self._plan_pause(agent, at, sc.mass_lunch_for_s, "lunch")
            elif sc.mass_lunch_at_s is None:
                slot = lunch_slots[i % 4] + rng.uniform(0, 300)
                if sc.start < slot < self.end:
                    self._plan_pause(agent, slot, rng.uniform(28, 35) * 60, "lunch")
            if rng.random() < 0.15:
                at = sc.start + rng.uniform(0.2, 0.9) * sc.duration_s
                self._plan_pause(agent, at, rng.uniform(15, 25) * 60, "coaching")
            if rng.random() < 0.08:
                at = sc.start + rng.uniform(0.3, 0.8) * sc.duration_s
                away = rng.uniform(10, 30) * 60
                self._at(at, functools.partial(self._logout, agent, away))

    def _plan_pause(self, agent: _Agent, at: float, length: float, reason: str) -> None:
        self._at(at, lambda: self._start_pause(agent, length, reason))

    def _start_pause(self, agent: _Agent, length: float, reason: str) -> None:
        if self.now >= self.end:
            return
        if agent.activity or not agent.members:
            # Busy with another pause or logged off: try again a little later.
            self._plan_pause(agent, self.now + 300, length, reason)
            return
        agent.activity = reason
        self._pause_all(agent, True, reason)
        self._at(self.now + length, lambda: self._end_pause(agent))

    def _end_pause(self, agent: _Agent) -> None:
        agent.activity = ""
        if agent.members:
            self._pause_all(agent, False, "")
            self._dispatch()

    def _pause_all(self, agent: _Agent, paused: bool, reason: str) -> None:
        for member in agent.members.values():
            member.paused = paused
            member.reason = reason
            if paused:
                member.last_pause = int(self.now)
        views = tuple(self._member_view(agent, q) for q in agent.members)
        self._emit(MemberPaused(self.now, views, paused, reason, all_queues=True))

    def _login(self, agent: _Agent) -> None:
        for queue in agent.queues:
            agent.members[queue] = _Member(queue, int(self.now))
            self._emit(MemberAdded(self.now, self._member_view(agent, queue)))
        self._dispatch()

    def _logout(self, agent: _Agent, away_s: float) -> None:
        if self.now >= self.end:
            return
        if agent.activity or agent.status != NOT_INUSE:
            self._at(self.now + 30, lambda: self._logout(agent, away_s))
            return
        for queue in list(agent.members):
            view = self._member_view(agent, queue)
            del agent.members[queue]
            self._emit(MemberRemoved(self.now, view))
        agent.activity = "away"

        def back() -> None:
            agent.activity = ""
            self._login(agent)

        self._at(self.now + away_s, back)

    def _member_view(self, agent: _Agent, queue: str) -> MemberView:
        member = agent.members[queue]
        return MemberView(
            queue=queue,
            name=agent.name,
            interface=agent.interface,
            calls_taken=member.calls_taken,
            last_call=agent.last_call,
            last_pause=member.last_pause,
            login_time=member.login_time,
            in_call=agent.in_call,
            status=agent.status,
            paused=member.paused,
            reason=member.reason,
        )

    def _set_device(self, agent: _Agent, status: int, in_call: bool) -> None:
        agent.status, agent.in_call = status, in_call
        if agent.members:
            views = tuple(self._member_view(agent, q) for q in agent.members)
            self._emit(MemberStatus(self.now, views))

    def _is_available(self, agent: _Agent, queue: _Queue, wrap: bool = True) -> bool:
        member = agent.members.get(queue.spec.name)
        return (
            member is not None
            and not member.paused
            and agent.status == NOT_INUSE
            and (not wrap or self.now >= agent.last_call_end + queue.spec.wrapup_s)
        )

    # -- traffic --------------------------------------------------------------

    def _rate(self, at: float) -> float:
        sc = self.scenario
        rate = self._base_rate * _profile(at)
        if sc.spike_at_s is not None and 0 <= at - sc.start - sc.spike_at_s < sc.spike_for_s:
            rate *= sc.spike_factor
        return rate

    def _max_rate(self) -> float:
        factor = self.scenario.spike_factor if self.scenario.spike_at_s is not None else 1.0
        return self._base_rate * _PROFILE_MAX * factor

    def _arrival(self) -> None:
        """Thinning of a Poisson stream at the peak rate (non-homogeneous arrivals)."""
        rng = self._arrivals
        if rng.random() * self._max_rate() <= self._rate(self.now):
            pick = rng.random()
            spec = self.scenario.queues[-1]
            for candidate in self.scenario.queues:
                pick -= candidate.share
                if pick < 0:
                    spec = candidate
                    break
            self._join(self.queues[spec.name])
        following = self.now + rng.expovariate(self._max_rate())
        if following < self.end:
            self._at(following, self._arrival)

    def _new_uniqueid(self) -> tuple[str, int]:
        number = self._channel_no
        self._channel_no += 1
        return f"{int(self.now)}.{number}", number

    def _join(self, queue: _Queue) -> None:
        rng = self._calls
        self._callnum += 1
        uniqueid, number = self._new_uniqueid()
        view = CallView(
            queue=queue.spec.name,
            uniqueid=uniqueid,
            channel=f"PJSIP/trunk-{number:08x}",
            number=f"0{rng.randrange(200_000_000, 999_999_999)}",
            callnum=self._callnum,
            joined_at=self.now,
        )
        spec = queue.spec
        if spec.maxlen and len(queue.waiting) >= spec.maxlen:
            self._emit(CallRefused(self.now, view, spec.max_wait_s))
            return
        kind = rng.random()
        if kind < 0.08:
            patience = rng.uniform(1.0, 4.5)
        elif kind < 0.40:
            patience = rng.expovariate(1 / 60.0) + 5.0
        else:
            patience = rng.uniform(120.0, 900.0)
        caller = _Caller(view, len(queue.waiting) + 1, patience_s=patience)
        queue.waiting.append(caller)
        self._in_progress += 1
        count = len(queue.waiting)
        self._emit(CallerQueued(self.now, view, count, count, spec.max_wait_s))
        self._at(self.now + patience, lambda: self._leave(queue, caller, timeout=False))
        self._at(self.now + spec.max_wait_s, lambda: self._leave(queue, caller, timeout=True))
        self._dispatch()

    def _dispatch(self) -> None:
        """Offer free agents to waiting callers, longest-waiting first across queues."""
        waiting = sorted(
            (
                (caller.view.joined_at, caller.view.callnum, queue, caller)
                for queue in self.queues.values()
                for caller in queue.waiting
                if caller.state == "waiting"
            ),
            key=lambda item: (item[0], item[1]),
        )
        for _, _, queue, caller in waiting:
            chosen = self._choose(queue)
            if chosen:
                self._ring(queue, caller, chosen)

    def _choose(self, queue: _Queue) -> list[_Agent]:
        free = [a for a in self.agents if self._is_available(a, queue)]
        if not free:
            return []
        strategy = queue.spec.strategy
        if strategy == "ringall":
            return free
        if strategy == "rrmemory":
            members = [a for a in self.agents if queue.spec.name in a.members]
            order = (
                members[queue.rr_next % len(members) :] + members[: queue.rr_next % len(members)]
            )
            pick = next(a for a in order if a in free)
            queue.rr_next = (members.index(pick) + 1) % len(members)
            return [pick]
        return [min(free, key=lambda a: (a.last_call_end, a.interface))]

    def _ring(self, queue: _Queue, caller: _Caller, agents: list[_Agent]) -> None:
        rng = self._calls
        caller.state = "ringing"
        caller.token += 1
        token = caller.token
        answers: list[tuple[float, _Agent, LegView]] = []
        caller.legs = []
        for agent in agents:
            uniqueid, number = self._new_uniqueid()
            leg = LegView(
                agent.interface, agent.name, uniqueid, f"{agent.interface}-{number:08x}", self.now
            )
            caller.legs.append(leg)
            self._emit(AgentRung(self.now, caller.view, leg))
            self._set_device(agent, RINGING, False)
            if rng.random() >= RNA_PROBABILITY:
                answers.append((rng.uniform(1.0, 6.0), agent, leg))
        if answers:
            delay, agent, leg = min(answers, key=lambda item: item[0])
            self._at(self.now + delay, lambda: self._answer(queue, caller, token, agent, leg))
        else:
            self._at(
                self.now + queue.spec.ring_timeout_s,
                lambda: self._ring_no_answer(queue, caller, token),
            )

    def _agent(self, interface: str) -> _Agent:
        return next(a for a in self.agents if a.interface == interface)

    def _release_legs(self, caller: _Caller, keep: LegView | None, by_caller: bool) -> None:
        for leg in caller.legs:
            if leg is keep:
                continue
            ring_ms = round((self.now - leg.rung_at) * 1000)
            self._emit(RingCancelled(self.now, caller.view, leg, ring_ms, by_caller))
            self._set_device(self._agent(leg.interface), NOT_INUSE, False)
        caller.legs = []

    def _ring_no_answer(self, queue: _Queue, caller: _Caller, token: int) -> None:
        if caller.state != "ringing" or caller.token != token:
            return
        spec = queue.spec
        for leg in caller.legs:
            agent = self._agent(leg.interface)
            self._emit(RingNoAnswer(self.now, caller.view, leg, spec.ring_timeout_s * 1000))
            self._set_device(agent, NOT_INUSE, False)
            member = agent.members.get(spec.name)
            if spec.autopause and member is not None and not member.paused:
                member.paused, member.reason, member.last_pause = True, "Auto-Pause", int(self.now)
                view = self._member_view(agent, spec.name)
                self._emit(MemberPaused(self.now, (view,), True, "Auto-Pause", all_queues=False))
                back = self.now + self._agents_rng.uniform(30, 120)
                self._at(back, functools.partial(self._auto_unpause, agent, spec.name))
        caller.legs = []
        caller.state = "retry"

        def retry() -> None:
            if caller.state == "retry":
                caller.state = "waiting"
                self._dispatch()

        self._at(self.now + spec.retry_s, retry)
        self._dispatch()

    def _auto_unpause(self, agent: _Agent, queue: str) -> None:
        member = agent.members.get(queue)
        if member is None or member.reason != "Auto-Pause":
            return
        member.paused, member.reason = False, ""
        view = self._member_view(agent, queue)
        self._emit(MemberPaused(self.now, (view,), False, "", all_queues=False))
        self._dispatch()

    def _remove_waiting(self, queue: _Queue, caller: _Caller) -> int:
        position = queue.waiting.index(caller) + 1
        queue.waiting.remove(caller)
        return position

    def _leave(self, queue: _Queue, caller: _Caller, timeout: bool) -> None:
        if caller.state not in ("waiting", "ringing", "retry"):
            return
        self._release_legs(caller, None, by_caller=not timeout)
        caller.state = "done"
        position = self._remove_waiting(queue, caller)
        holdtime = int(self.now) - int(caller.view.joined_at)
        queue.abandoned += 1
        if holdtime <= queue.spec.servicelevel_s:
            queue.abandoned_in_sl += 1
        self._in_progress -= 1
        self._outcomes += 1
        self._emit(
            CallerLeft(
                self.now,
                caller.view,
                position,
                len(queue.waiting),
                caller.original_position,
                holdtime,
                timeout,
            )
        )
        self._dispatch()

    def _answer(
        self, queue: _Queue, caller: _Caller, token: int, agent: _Agent, leg: LegView
    ) -> None:
        if caller.state != "ringing" or caller.token != token:
            return
        self._release_legs(caller, leg, by_caller=False)
        caller.state = "talking"
        position = self._remove_waiting(queue, caller)
        holdtime = int(self.now) - int(caller.view.joined_at)
        ringtime = int((self.now - leg.rung_at) * 1000) // 1000
        queue.holdtime = (3 * queue.holdtime + holdtime) >> 2
        self._outcomes += 1
        self._emit(
            Connected(
                self.now,
                caller.view,
                leg,
                holdtime,
                ringtime,
                position,
                len(queue.waiting),
                caller.original_position,
            )
        )
        self._set_device(agent, INUSE, True)
        rng = self._calls
        spec = queue.spec
        sigma = 0.6
        talk = max(8.0, rng.lognormvariate(math.log(spec.talk_mean_s) - sigma**2 / 2, sigma))
        end = self.now + talk
        if rng.random() < spec.hold_prob:
            hold_at = self.now + talk * rng.uniform(0.2, 0.6)
            hold_for = rng.uniform(15.0, 90.0)
            end += hold_for
            self._at(hold_at, lambda: self._emit(HoldChanged(self.now, caller.view, leg, True)))
            self._at(
                hold_at + hold_for,
                lambda: self._emit(HoldChanged(self.now, caller.view, leg, False)),
            )
        pick = rng.random()
        if pick < spec.transfer_prob:
            reason = "transfer"
        elif pick < spec.transfer_prob + AGENT_HANGS_UP:
            reason = "agent"
        else:
            reason = "caller"
        answered_at = self.now
        self._at(end, lambda: self._complete(queue, caller, agent, leg, answered_at, reason))

    def _complete(
        self,
        queue: _Queue,
        caller: _Caller,
        agent: _Agent,
        leg: LegView,
        answered_at: float,
        reason: str,
    ) -> None:
        caller.state = "done"
        holdtime = int(answered_at) - int(caller.view.joined_at)
        talktime = int(self.now) - int(answered_at)
        queue.completed += 1
        if holdtime <= queue.spec.servicelevel_s:
            queue.completed_in_sl += 1
        queue.talktime = (3 * queue.talktime + talktime) >> 2
        agent.last_call, agent.last_call_end = int(self.now), self.now
        for member in agent.members.values():
            member.calls_taken += 1
        self._in_progress -= 1
        self._emit(
            CallCompleted(
                self.now, caller.view, leg, holdtime, talktime, reason, caller.original_position
            )
        )
        self._set_device(agent, NOT_INUSE, False)
        self._dispatch()
        for wrap in sorted({self.queues[q].spec.wrapup_s for q in agent.members} - {0}):
            self._at(self.now + wrap, self._dispatch)
