"""Brute-force reference for the metric engine, written from docs/ENGINE.md alone.

The engine keeps running aggregates and evicts what leaves its windows; this
oracle keeps everything. It first replays the events into plain records (one
per outcome, blocked call, ring-no-answer, call end, wrap end, answer) and a
timeline of every agent's and membership's state after each step, then answers
a snapshot by filtering the records by each span's definition, summing with
`math.fsum` and integrating the timeline clipped to the span. It is meant to be
slow and obviously right, so that any disagreement points at the engine (or at
the specification).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.engine.schedule import Shift
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
    CallerLeaving,
    Event,
    HoldEnded,
    HoldStarted,
    NumberDialed,
)

OutcomeEvent = CallerAnswered | CallerAbandoned | CallerExited

STATES = ("available", "ringing", "talking", "hold", "wrap", "paused", "logged_off")
IN_SERVICE = ("available", "ringing", "talking", "hold", "wrap")

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Outcome:
    at: float
    queue: str
    kind: str  # "answered", "abandoned", "short_abandoned" or "overflow"
    wait: float
    in_sl: bool
    ring: float | None  # answered calls only, when known


@dataclass(frozen=True)
class Stamp:
    """Something that is only counted: a blocked call, a ring-no-answer, a join."""

    at: float
    queue: str


@dataclass(frozen=True)
class CallEnd:
    at: float
    queue: str
    talk: float
    hold: float
    transferred: bool


@dataclass(frozen=True)
class WrapEnd:
    at: float
    queue: str
    duration: float


@dataclass
class Call:
    """An answered call in progress; `key` is None for an unknown call from AgentStatus."""

    key: tuple[str, str] | None
    queue: str
    agent: str
    answered_at: float
    caller: str = ""
    holds: list[float] = field(default_factory=list)
    hold_since: float | None = None


@dataclass
class Activity:
    """An agent's call activity: ringing for a call, or on a call (talking or hold)."""

    ringing_for: tuple[str, str] | None = None
    ring_start: float = 0.0
    call: Call | None = None

    @property
    def state(self) -> str:
        if self.call is None:
            return "ringing"
        return "hold" if self.call.hold_since is not None else "talking"


@dataclass
class Membership:
    paused: bool = False
    reason: str = ""


@dataclass
class Agent:
    name: str
    memberships: dict[str, Membership] = field(default_factory=dict)
    activity: Activity | None = None


@dataclass(frozen=True)
class Step:
    """The state of every membership and agent from `at` until the next step."""

    at: float
    memberships: dict[tuple[str, str], str]  # (agent, queue) -> state, current members only
    agents: dict[str, str]  # agent -> agent state


@dataclass
class History:
    outcomes: list[Outcome] = field(default_factory=list)
    blocked: list[Stamp] = field(default_factory=list)
    ring_no_answers: list[Stamp] = field(default_factory=list)
    joins: list[Stamp] = field(default_factory=list)
    call_ends: list[CallEnd] = field(default_factory=list)
    wrap_ends: list[WrapEnd] = field(default_factory=list)
    answers: list[tuple[float, str]] = field(default_factory=list)  # (at, agent)
    steps: list[Step] = field(default_factory=list)
    unknown_calls: int = 0
    # In order: ("abandon", at, number, queue, wait) of every abandon (short ones excluded)
    # of a caller with a number, ("reached", at, number) of every answer of such a caller
    # and every number dialled.
    numbers: list[tuple[Any, ...]] = field(default_factory=list)


# --------------------------------------------------------------------------- replay


class Replay:
    """Applies events one by one to plain state, appending records and steps."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.history = History()
        self.clock: float | None = None
        self.first_event_at: float | None = None
        self.queues: set[str] = set()
        self.waiting: dict[tuple[str, str], float] = {}
        self.leaving: dict[tuple[str, str], float] = {}
        self.numbers: dict[tuple[str, str], str] = {}  # caller's number of a call not yet out
        self.missed: dict[str, int] = {}  # ring-no-answers since the agent's last answer
        self.agents: dict[str, Agent] = {}
        self.calls: list[Call] = []  # in answer order
        # The call each (queue, call_id) and each call_id names: the last one answered.
        self.named_by_key: dict[tuple[str, str], Call] = {}
        self.named_by_id: dict[str, Call] = {}
        self.wraps: dict[tuple[str, str], tuple[float, float]] = {}  # -> (start, end)
        self.membership_ended: dict[tuple[str, str], float] = {}
        self.since: dict[str, float] = {}
        self.shown: dict[str, tuple[str, str]] = {}  # agent -> (state, reason) at the last step

    # -- driving

    def feed(self, event: Event) -> None:
        at = event.at if self.clock is None else max(event.at, self.clock)
        if self.first_event_at is None:
            self.first_event_at = at
        self.run_out_wraps(at)
        self.clock = at
        queue = getattr(event, "queue", None)
        if queue is not None:
            self.queues.add(queue)
        handler: Callable[[Any, float], None] = getattr(self, "on_" + type(event).__name__)
        handler(event, at)
        self.record_step(at)

    def run_out_wraps(self, until: float) -> None:
        """End, in time order, every wrap whose time is up at or before `until`."""
        while True:
            due = [(end, key) for key, (_, end) in self.wraps.items() if end <= until]
            if not due:
                return
            end, key = min(due)
            self.end_wrap(key, end)
            self.record_step(end)

    # -- state

    def membership_state(self, agent_id: str, queue: str) -> str:
        agent = self.agents[agent_id]
        membership = agent.memberships.get(queue)
        if membership is None:
            return "logged_off"
        if agent.activity is not None:
            return agent.activity.state
        if (agent_id, queue) in self.wraps:
            return "wrap"
        return "paused" if membership.paused else "available"

    def agent_state(self, agent_id: str) -> tuple[str, str]:
        """(state, reason) of the agent as a whole."""
        agent = self.agents[agent_id]
        if agent.activity is not None:
            return agent.activity.state, ""
        states = {q: self.membership_state(agent_id, q) for q in agent.memberships}
        for state in ("wrap", "available"):
            if state in states.values():
                return state, ""
        paused = sorted(q for q, s in states.items() if s == "paused")
        if paused:
            return "paused", agent.memberships[paused[0]].reason
        return "logged_off", ""

    def record_step(self, at: float) -> None:
        memberships = {
            (a, q): self.membership_state(a, q)
            for a, agent in self.agents.items()
            for q in agent.memberships
        }
        agents = {}
        for a in self.agents:
            shown = self.agent_state(a)
            agents[a] = shown[0]
            if self.shown.get(a) != shown:
                self.shown[a] = shown
                self.since[a] = at
        self.history.steps.append(Step(at, memberships, agents))

    # -- helpers

    def agent(self, agent_id: str) -> Agent:
        if agent_id not in self.agents:
            self.agents[agent_id] = Agent(name=agent_id)
        return self.agents[agent_id]

    def ensure_member(self, agent_id: str, queue: str) -> Membership:
        memberships = self.agent(agent_id).memberships
        if queue not in memberships:
            memberships[queue] = Membership()
        return memberships[queue]

    def end_wrap(self, key: tuple[str, str], at: float) -> None:
        start, _ = self.wraps.pop(key)
        self.history.wrap_ends.append(WrapEnd(at, key[1], at - start))

    def end_wraps_of(self, agent_id: str, at: float) -> None:
        for key in [k for k in self.wraps if k[0] == agent_id]:
            self.end_wrap(key, at)

    def stop_ringing_for(self, key: tuple[str, str]) -> None:
        for agent in self.agents.values():
            if agent.activity is not None and agent.activity.ringing_for == key:
                agent.activity = None

    # -- calls

    def on_CallerJoined(self, event: CallerJoined, at: float) -> None:
        key = (event.queue, event.call_id)
        if key in self.waiting or key in self.leaving:
            return
        self.waiting[key] = at
        if event.caller:
            self.numbers[key] = event.caller
        self.history.joins.append(Stamp(at, event.queue))

    def wait_of(self, event: OutcomeEvent, at: float) -> float | None:
        """Removes the call from the waiting list; None means the outcome is dropped."""
        key = (event.queue, event.call_id)
        joined = self.waiting.pop(key, None)
        if joined is None:
            joined = self.leaving.pop(key, None)
        if event.wait_s is not None:
            return event.wait_s
        if joined is None:
            self.history.unknown_calls += 1
            return None
        return at - joined

    def count(self, at: float, queue: str, kind: str, wait: float, ring: float | None) -> None:
        threshold = self.config.for_queue(queue).sl_threshold_s
        assert threshold is not None
        self.history.outcomes.append(Outcome(at, queue, kind, wait, wait <= threshold, ring))

    def on_CallerAnswered(self, event: CallerAnswered, at: float) -> None:
        wait = self.wait_of(event, at)
        if wait is None:
            return
        key = (event.queue, event.call_id)
        agent = self.agent(event.agent)
        ring = event.ring_s
        activity = agent.activity
        if ring is None and activity is not None and activity.ringing_for == key:
            ring = at - activity.ring_start
        self.stop_ringing_for(key)
        self.ensure_member(event.agent, event.queue)
        self.end_wraps_of(event.agent, at)
        number = self.numbers.pop(key, "")
        call = Call(key, event.queue, event.agent, at, number)
        self.calls.append(call)
        self.named_by_key[key] = self.named_by_id[event.call_id] = call
        agent.activity = Activity(call=call)
        self.history.answers.append((at, event.agent))
        self.missed[event.agent] = 0
        if number:
            self.history.numbers.append(("reached", at, number))
        self.count(at, event.queue, "answered", wait, ring)

    def on_CallerAbandoned(self, event: CallerAbandoned, at: float) -> None:
        wait = self.wait_of(event, at)
        if wait is None:
            return
        self.stop_ringing_for((event.queue, event.call_id))
        short = self.config.for_queue(event.queue).short_abandon_s
        assert short is not None
        self.count(at, event.queue, "short_abandoned" if wait < short else "abandoned", wait, None)
        number = self.numbers.pop((event.queue, event.call_id), "")
        if number and wait >= short:
            self.history.numbers.append(("abandon", at, number, event.queue, wait))

    def on_CallerExited(self, event: CallerExited, at: float) -> None:
        wait = self.wait_of(event, at)
        if wait is None:
            return
        self.stop_ringing_for((event.queue, event.call_id))
        self.numbers.pop((event.queue, event.call_id), None)
        self.count(at, event.queue, "overflow", wait, None)

    def on_CallerLeaving(self, event: CallerLeaving, at: float) -> None:
        key = (event.queue, event.call_id)
        if key in self.waiting:
            self.leaving[key] = self.waiting.pop(key)
            self.stop_ringing_for(key)

    def on_CallerGone(self, event: CallerGone, at: float) -> None:
        key = (event.queue, event.call_id)
        self.waiting.pop(key, None)
        self.leaving.pop(key, None)
        self.numbers.pop(key, None)
        self.stop_ringing_for(key)

    def on_NumberDialed(self, event: NumberDialed, at: float) -> None:
        self.history.numbers.append(("reached", at, event.number))

    def on_CallBlocked(self, event: CallBlocked, at: float) -> None:
        self.history.blocked.append(Stamp(at, event.queue))

    def on_CallEnded(self, event: CallEnded, at: float) -> None:
        key = (event.queue, event.call_id)
        call: Call | None = self.named_by_key.get(key)
        if call is None:
            agent = self.agents.get(event.agent)
            if agent is not None and agent.activity is not None:
                call = agent.activity.call
        if call is None:
            self.history.unknown_calls += 1
            return
        self.ensure_member(event.agent, event.queue)
        if call in self.calls:
            self.calls.remove(call)
        if call.key is not None:
            if self.named_by_key.get(call.key) is call:
                del self.named_by_key[call.key]
            if self.named_by_id.get(call.key[1]) is call:
                del self.named_by_id[call.key[1]]
        owner = self.agents[call.agent]
        if owner.activity is not None and owner.activity.call is call:
            owner.activity = None
        holds = list(call.holds)
        if call.hold_since is not None:
            holds.append(at - call.hold_since)
        talk = event.talk_s if event.talk_s is not None else at - call.answered_at
        queue = call.queue if call.key is not None else event.queue
        self.history.call_ends.append(CallEnd(at, queue, talk, math.fsum(holds), event.transferred))
        wrap_key = (call.agent, queue)
        if wrap_key in self.wraps:
            self.end_wrap(wrap_key, at)
        if event.wrap_s <= 0:
            self.history.wrap_ends.append(WrapEnd(at, queue, 0.0))
        else:
            self.wraps[wrap_key] = (at, at + event.wrap_s)

    def last_call_with_id(self, call_id: str) -> Call | None:
        return self.named_by_id.get(call_id)

    def on_HoldStarted(self, event: HoldStarted, at: float) -> None:
        call = self.last_call_with_id(event.call_id)
        if call is not None and call.hold_since is None:
            call.hold_since = at

    def on_HoldEnded(self, event: HoldEnded, at: float) -> None:
        call = self.last_call_with_id(event.call_id)
        if call is not None and call.hold_since is not None:
            call.holds.append(at - call.hold_since)
            call.hold_since = None

    # -- agents

    def on_AgentLoggedIn(self, event: AgentLoggedIn, at: float) -> None:
        self.ensure_member(event.agent, event.queue)
        if event.name:
            self.agents[event.agent].name = event.name

    def on_AgentLoggedOut(self, event: AgentLoggedOut, at: float) -> None:
        agent = self.agents.get(event.agent)
        if agent is None or event.queue not in agent.memberships:
            return
        del agent.memberships[event.queue]
        self.membership_ended[(event.agent, event.queue)] = at

    def on_AgentPaused(self, event: AgentPaused, at: float) -> None:
        membership = self.ensure_member(event.agent, event.queue)
        membership.paused, membership.reason = True, event.reason

    def on_AgentUnpaused(self, event: AgentUnpaused, at: float) -> None:
        membership = self.ensure_member(event.agent, event.queue)
        membership.paused, membership.reason = False, ""

    def on_AgentRinging(self, event: AgentRinging, at: float) -> None:
        self.ensure_member(event.agent, event.queue)
        agent = self.agents[event.agent]
        key = (event.queue, event.call_id)
        activity = agent.activity
        if activity is not None and (activity.call is not None or activity.ringing_for == key):
            return
        agent.activity = Activity(ringing_for=key, ring_start=at)
        self.end_wraps_of(event.agent, at)

    def on_AgentRingNoAnswer(self, event: AgentRingNoAnswer, at: float) -> None:
        self.ensure_member(event.agent, event.queue)
        self.history.ring_no_answers.append(Stamp(at, event.queue))
        self.missed[event.agent] = self.missed.get(event.agent, 0) + 1
        agent = self.agents[event.agent]
        if agent.activity is not None and agent.activity.call is None:
            agent.activity = None

    def on_AgentStatus(self, event: AgentStatus, at: float) -> None:
        membership = self.ensure_member(event.agent, event.queue)
        membership.paused = event.paused
        membership.reason = event.reason if event.paused else ""
        agent = self.agents[event.agent]
        if event.name:
            agent.name = event.name
        call = agent.activity.call if agent.activity is not None else None
        if event.in_call and agent.activity is None:
            agent.activity = Activity(call=Call(None, event.queue, event.agent, at))
        elif not event.in_call and call is not None and call.key is None:
            agent.activity = None


def replay(events: Iterable[Event], t: float, config: EngineConfig) -> Replay:
    """The replayed state at `t` (wraps that ran out by `t` included)."""
    state = Replay(config)
    for event in events:
        state.feed(event)
    if state.clock is not None:
        state.run_out_wraps(max(t, state.clock))
    return state


# --------------------------------------------------------------------------- calendar


def day_start(t: float, config: EngineConfig) -> float:
    """The latest instant <= t at which the local wall clock read `config.day_start`.

    Tries both readings (fold 0 and 1) of the wall time on the last few local dates
    and keeps those that really occur, so DST gaps and repeats need no special case.
    """
    tz = ZoneInfo(config.timezone)
    today = datetime.fromtimestamp(t, tz).date()
    occurrences = [
        instant
        for back in range(4)
        for instant in _occurrences(today - timedelta(days=back), config, tz)
        if instant <= t
    ]
    return max(occurrences)


def _occurrences(day: date, config: EngineConfig, tz: ZoneInfo) -> list[float]:
    wall = datetime.combine(day, config.day_start)
    found = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).timestamp()
        if datetime.fromtimestamp(instant, tz).replace(tzinfo=None) == wall:
            found.append(instant)
    return found


# --------------------------------------------------------------------------- Erlang C

EXACT_ERLANG_LIMIT = 60


def erlang_c(agents: int, traffic: float) -> float:
    """Probability of waiting, straight from the textbook formula (agents > traffic).

    Small staffs use exact rational arithmetic on the float `traffic`, larger ones
    the same formula in log space. Neither uses the Erlang B recurrence the engine
    relies on, so they cross-check it.
    """
    if agents <= EXACT_ERLANG_LIMIT:
        return erlang_c_exact(agents, traffic)
    return erlang_c_log(agents, traffic)


def erlang_c_exact(agents: int, traffic: float) -> float:
    a = Fraction(traffic)
    terms = [a**k / math.factorial(k) for k in range(agents)]
    last = a**agents / math.factorial(agents) * agents / (agents - a)
    return float(last / (sum(terms) + last))


def erlang_c_log(agents: int, traffic: float) -> float:
    """The same formula with every term as a logarithm (lgamma), summed by log-sum-exp."""
    log_a = math.log(traffic)
    logs = [k * log_a - math.lgamma(k + 1) for k in range(agents)]
    log_last = agents * log_a - math.lgamma(agents + 1) + math.log(agents / (agents - traffic))
    top = max([*logs, log_last])
    total = math.fsum(math.exp(x - top) for x in [*logs, log_last])
    return math.exp(log_last - top) / total


def erlang_service_level(agents: int, traffic: float, threshold: float, aht: float) -> float:
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * threshold / aht)


# docs/ENGINE.md, staffing: no rate before this much observed time (or the whole window),
# no staffing figures above this traffic.
RATE_MIN_SPAN_S = 60.0
MAX_TRAFFIC_ERLANGS = 10_000.0


def staffing(
    rate: float | None, aht: float | None, threshold: float, target: float, in_service: int
) -> tuple[int | None, int | None, float | None]:
    """(agents_required, staffing_gap, predicted_sl)."""
    if rate is None or aht is None or rate * aht > MAX_TRAFFIC_ERLANGS:
        return None, None, None
    traffic = rate * aht
    if traffic == 0:
        return 0, -in_service, None
    required = math.floor(traffic) + 1
    while erlang_service_level(required, traffic, threshold, aht) < target:
        required += 1
    predicted = erlang_service_level(in_service, traffic, threshold, aht)
    return required, required - in_service, predicted


# --------------------------------------------------------------------------- spans


def ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def mean(values: Sequence[float]) -> float | None:
    return None if not values else math.fsum(values) / len(values)


def state_seconds(
    steps: Sequence[Step],
    start: float,
    t: float,
    queue: str | None,
    agents: frozenset[str] | None = None,
) -> dict[str, float]:
    """Seconds spent in each state over [start, t]: by memberships of `queue`, or by agents
    (those of `agents` only, when given)."""
    pieces: dict[str, list[float]] = {state: [] for state in STATES}
    for index, step in enumerate(steps):
        until = steps[index + 1].at if index + 1 < len(steps) else t
        length = min(until, t) - max(step.at, start)
        if length <= 0:
            continue
        if agents is not None:
            states = [s for a, s in step.agents.items() if a in agents]
        elif queue is None:
            states = list(step.agents.values())
        else:
            states = [s for (_, q), s in step.memberships.items() if q == queue]
        for state in states:
            pieces[state].append(length)
    return {state: math.fsum(lengths) for state, lengths in pieces.items()}


def span_metrics(
    history: History, config: EngineConfig, start: float, t: float, queue: str | None
) -> dict[str, Any]:
    """Every rate and count of one span (items stamped in (start, t], integrals over [start, t])."""

    def inside(items: Iterable[Any]) -> list[Any]:
        return [i for i in items if start < i.at <= t and (queue is None or i.queue == queue)]

    outcomes = inside(history.outcomes)

    def of(*kinds: str) -> list[Outcome]:
        return [o for o in outcomes if o.kind in kinds]

    answered, abandoned, short = of("answered"), of("abandoned"), of("short_abandoned")
    offered = len(outcomes)
    answered_in_sl = sum(o.in_sl for o in answered)
    abandoned_in_sl = sum(o.in_sl for o in outcomes if o.kind != "answered")
    blocked = len(inside(history.blocked))
    call_ends = inside(history.call_ends)
    wrap_ends = inside(history.wrap_ends)
    rings = [o.ring for o in answered if o.ring is not None]

    variant = config.sl_variant if queue is None else config.for_queue(queue).sl_variant
    if variant == "offered":
        service_level = ratio(answered_in_sl, offered - len(short))
    elif variant == "answered_only":
        service_level = ratio(answered_in_sl, len(answered))
    else:
        service_level = ratio(answered_in_sl + abandoned_in_sl, offered)

    att = mean([c.talk for c in call_ends])
    acw = mean([w.duration for w in wrap_ends])
    seconds = state_seconds(history.steps, start, t, queue)
    busy = seconds["talking"] + seconds["hold"]
    idle = seconds["available"] + seconds["ringing"]
    if config.occupancy_includes_wrap:
        busy += seconds["wrap"]
    logged_in = math.fsum(v for state, v in seconds.items() if state != "logged_off")
    return {
        "offered": offered,
        "answered": len(answered),
        "answered_in_sl": answered_in_sl,
        "abandoned": len(abandoned),
        "short_abandoned": len(short),
        "overflow": len(of("overflow")),
        "blocked": blocked,
        "ring_no_answer": len(inside(history.ring_no_answers)),
        "service_level": service_level,
        "abandon_rate": ratio(len(abandoned), offered - len(short)),
        "avg_abandon_s": mean([o.wait for o in abandoned]),
        "asa_s": mean([o.wait for o in answered]),
        "avg_queue_s": mean([o.wait for o in outcomes]),
        "answered_pct": ratio(len(answered), offered),
        "blocked_rate": ratio(blocked, offered + blocked),
        "queued_pct": ratio(sum(o.wait > config.queued_min_s for o in outcomes), offered),
        "att_s": att,
        "avg_hold_s": mean([c.hold for c in call_ends]),
        "transfer_rate": ratio(sum(c.transferred for c in call_ends), len(call_ends)),
        "acw_s": acw,
        "aht_s": None if att is None or acw is None else att + acw,
        "avg_ring_s": mean(rings),
        "occupancy": ratio(busy, busy + idle),
        "calls_per_hour": ratio(len(answered), logged_in / 3600),
    }


# --------------------------------------------------------------------------- schedule


def shifts_for(shifts: Sequence[Shift], agent: str, queue: str | None) -> list[Shift]:
    """The agent's shifts that count for `queue` (None: for `all`, every shift)."""
    return [s for s in shifts if s.agent == agent and (queue is None or s.queue in ("", queue))]


def on_shift(shifts: Sequence[Shift], u: float) -> bool:
    return any(s.start <= u < s.end for s in shifts)


def scheduled_seconds(shifts: Sequence[Shift], start: float, end: float) -> float:
    """Measure of the union of `shifts` within [start, end], piece by piece.

    Cut [start, end] at every shift edge inside it; within a piece nothing starts or
    ends, so the piece is on shift exactly when its first instant is.
    """
    cuts = sorted({start, end, *(x for s in shifts for x in (s.start, s.end) if start < x < end)})
    return math.fsum(b - a for a, b in itertools.pairwise(cuts) if on_shift(shifts, a))


def adherence(
    steps: Sequence[Step],
    shifts: Sequence[Shift],
    start: float,
    t: float,
    queue: str | None,
    team: frozenset[str] | None = None,
) -> float | None:
    """Ready seconds on shift / seconds on shift, over [start, t] (of a team's agents only)."""
    agents = {s.agent for s in shifts if team is None or s.agent in team}
    scheduled = math.fsum(scheduled_seconds(shifts_for(shifts, a, queue), start, t) for a in agents)
    ready: list[float] = []
    for index, step in enumerate(steps):
        low = max(step.at, start)
        high = min(steps[index + 1].at if index + 1 < len(steps) else t, t)
        if high <= low:
            continue
        if queue is None:
            states = step.agents.items()
        else:
            states = [(a, s) for (a, q), s in step.memberships.items() if q == queue]
        for agent, state in states:
            if agent in agents and state in IN_SERVICE:
                ready.append(scheduled_seconds(shifts_for(shifts, agent, queue), low, high))
    return ratio(math.fsum(ready), scheduled)


# --------------------------------------------------------------------------- numbers


def digits(number: str) -> str:
    return "".join(c for c in number if c in "0123456789")


def one_number(a: str, b: str) -> bool:
    """Same digits, or the same last 9 digits (all of the shorter when it has 7 or 8)."""
    if a == b:
        return True
    short = min(len(a), len(b))
    if short < 7:
        return False
    return all(a[-i] == b[-i] for i in range(1, min(short, 9) + 1))


def callback_list(history: History, t: float, keep_s: float) -> list[dict[str, Any]]:
    """The callback list at `t`, rebuilt from every abandon and reach of a number."""
    entries: list[dict[str, Any]] = []  # in the order of their last abandon

    def alive(u: float) -> list[dict[str, Any]]:
        return [e for e in entries if u - keep_s < e["at"]]

    for item in history.numbers:
        kind, at, number = item[:3]
        key = digits(number)
        if not key:
            continue
        entries = alive(at)
        same = [e for e in entries if one_number(digits(e["number"]), key)]
        if kind == "reached":
            entries = [e for e in entries if not any(e is x for x in same)]
            continue
        queue, wait = item[3:]
        if same:
            entry = same[-1]
            entries = [e for e in entries if e is not entry]
            entry.update(number=number, queue=queue, at=at, wait_s=wait)
            entry["queues"] = sorted({*entry["queues"], queue})
            entry["attempts"] += 1
        else:
            entry = {
                "number": number,
                "queue": queue,
                "queues": [queue],
                "at": at,
                "first_at": at,
                "wait_s": wait,
                "attempts": 1,
            }
        entries.append(entry)
    return alive(t)


def masked(number: str) -> str:
    """Letters and digits hidden but the last three digits."""
    shown = [i for i, c in enumerate(number) if c in "0123456789"][-3:]
    return "".join(c if i in shown or not c.isalnum() else "*" for i, c in enumerate(number))


# --------------------------------------------------------------------------- snapshot


def oracle_snapshot(
    events: Sequence[Event],
    t: float,
    config: EngineConfig,
    shifts: Sequence[Shift] | None = None,
) -> dict[str, Any]:
    """What `Engine.snapshot(t)` must return after `events` were applied in order
    (to an engine given the schedule `shifts`, if any)."""
    state = replay(events, t, config)
    if state.clock is not None:
        t = max(t, state.clock)
    history = state.history
    day = day_start(t, config)
    interval = math.floor(t / config.interval_s) * config.interval_s

    def queue_block(queue: str | None) -> dict[str, Any]:
        if queue is None:
            agent_states = {a: state.agent_state(a)[0] for a in state.agents}
            counts = {s: sum(v == s for v in agent_states.values()) for s in STATES}
            threshold, target = config.sl_threshold_s, config.sl_target
            waits = list(state.waiting.values())
            leaving = len(state.leaving)
        else:
            counts = dict.fromkeys(STATES, 0)
            for agent_id, agent in state.agents.items():
                if queue in agent.memberships:
                    counts[state.membership_state(agent_id, queue)] += 1
                elif state.membership_ended.get((agent_id, queue), -math.inf) >= day:
                    counts["logged_off"] += 1
            settings = config.for_queue(queue)
            assert settings.sl_threshold_s is not None and settings.sl_target is not None
            threshold, target = settings.sl_threshold_s, settings.sl_target
            waits = [joined for (q, _), joined in state.waiting.items() if q == queue]
            leaving = sum(1 for q, _ in state.leaving if q == queue)

        def span(start: float) -> dict[str, Any]:
            metrics = span_metrics(history, config, start, t, queue)
            if shifts is not None:
                metrics["adherence"] = adherence(history.steps, shifts, start, t, queue)
            else:
                metrics["adherence"] = None
            return metrics

        scheduled = attendance = None
        if shifts is not None:
            now_on = [
                a for a in {s.agent for s in shifts} if on_shift(shifts_for(shifts, a, queue), t)
            ]
            present = [
                a
                for a in now_on
                if a in state.agents
                and (
                    state.agent_state(a)[0] != "logged_off"
                    if queue is None
                    else queue in state.agents[a].memberships
                )
            ]
            scheduled, attendance = len(now_on), ratio(len(present), len(now_on))

        window = span(t - config.window_s)
        joins = [
            j
            for j in history.joins
            if t - config.window_s < j.at <= t and (queue is None or j.queue == queue)
        ]
        t0 = state.first_event_at
        rate = None
        if t0 is not None and t - t0 >= min(config.window_s, RATE_MIN_SPAN_S):
            rate = len(joins) / min(config.window_s, t - t0)
        in_service = sum(counts[s] for s in IN_SERVICE)
        required, gap, predicted = staffing(rate, window["aht_s"], threshold, target, in_service)
        return {
            "waiting": len(waits),
            "leaving": leaving,
            "longest_wait_s": t - min(waits) if waits else 0.0,
            "callbacks_pending": sum(1 for c in callbacks if queue in (None, c["queue"])),
            "agents": counts,
            "agents_required": required,
            "staffing_gap": gap,
            "predicted_sl": predicted,
            "scheduled": scheduled,
            "attendance": attendance,
            "window": window,
            "interval": span(interval),
            "day": span(day),
            "windows": {str(int(w)): span(t - w) for w in config.extra_windows_s},
        }

    callbacks = callback_list(history, t, config.callbacks_keep_s)
    mask = masked if config.mask_numbers else (lambda number: number)
    teams = config.team_members()
    team_of = {a: team for team, members in teams.items() for a in members}

    def team_block(members: frozenset[str]) -> dict[str, Any]:
        counts = dict.fromkeys(STATES, 0)
        for agent_id in members:
            seen = agent_id in state.agents
            counts[state.agent_state(agent_id)[0] if seen else "logged_off"] += 1

        def span(start: float) -> dict[str, Any]:
            seconds = state_seconds(history.steps, start, t, None, members)
            busy = seconds["talking"] + seconds["hold"]
            idle = seconds["available"] + seconds["ringing"]
            if config.occupancy_includes_wrap:
                busy += seconds["wrap"]
            return {
                "occupancy": ratio(busy, busy + idle),
                "pause_s": seconds["paused"],
                "adherence": None
                if shifts is None
                else adherence(history.steps, shifts, start, t, None, members),
            }

        scheduled = None
        if shifts is not None:
            scheduled = sum(1 for a in members if on_shift(shifts_for(shifts, a, None), t))
        return {
            "members": sorted(members),
            "agents": counts,
            "scheduled": scheduled,
            "window": span(t - config.window_s),
            "interval": span(interval),
            "day": span(day),
            "windows": {str(int(w)): span(t - w) for w in config.extra_windows_s},
        }

    absent: dict[str, float | None] = {}
    for agent_id in sorted({s.agent for s in shifts or ()}):
        own = shifts_for(shifts or (), agent_id, None)
        absent[agent_id] = None
        if not on_shift(own, t):
            continue
        came = stretch_start(own, t)
        if agent_id not in state.agents:
            absent[agent_id] = came
        elif state.agent_state(agent_id)[0] == "logged_off":
            absent[agent_id] = max(came, state.since[agent_id])

    agents = {}
    for agent_id in sorted(state.agents):
        agent = state.agents[agent_id]
        shown_state, reason = state.agent_state(agent_id)
        activity = agent.activity
        call = activity.call if activity is not None else None
        if activity is None:
            caller = ""
        elif call is None:
            assert activity.ringing_for is not None
            caller = state.numbers.get(activity.ringing_for, "")
        else:
            caller = call.caller
        agents[agent_id] = {
            "name": agent.name,
            "state": shown_state,
            "reason": reason,
            "since": state.since[agent_id],
            "queues": sorted(agent.memberships),
            "calls": sum(1 for at, a in history.answers if a == agent_id and day < at <= t),
            "team": team_of.get(agent_id, ""),
            "caller": mask(caller),
            "answered_at": None if call is None else call.answered_at,
            "ring_no_answer": state.missed.get(agent_id, 0),
        }
    return {
        "at": t,
        "config": config.summary(),
        "queues": {q: queue_block(q) for q in sorted(state.queues)},
        "all": queue_block(None),
        "teams": {team: team_block(members) for team, members in teams.items()},
        "callbacks": [{**c, "number": mask(c["number"])} for c in callbacks],
        "absent": absent,
        "agents": agents,
    }


def stretch_start(shifts: Sequence[Shift], t: float) -> float:
    """When the unbroken stretch on shift that holds `t` began (shifts touching or overlapping
    make one stretch)."""
    start = t
    while True:
        earlier = [s.start for s in shifts if s.start < start <= s.end and s.end > s.start]
        if not earlier:
            return start
        start = min(earlier)
