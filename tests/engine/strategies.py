"""Hypothesis strategies: random but plausible call-centre event streams.

A small model of the call centre (who is logged in, which calls wait, ring or
are in progress) steers most steps towards coherent lifecycles; the rest are
the adversarial cases real sources produce (duplicate joins, outcomes for
unknown calls, resyncs, implicit memberships, late events). Times are mostly
multiples of half a second and the configurations are small, so events and
snapshot instants land exactly on window, interval and day edges; some streams
use arbitrary fractions of a second instead, as real timestamps do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import time
from typing import TypeVar

from hypothesis import strategies as st

from tests.engine.oracle import day_start
from wallboard.engine import Engine
from wallboard.engine.schedule import Schedule, Shift
from wallboard.engine.settings import AgentSettings, EngineConfig, QueueSettings
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

T = TypeVar("T")

QUEUES = ("q1", "q2", "q3")
AGENTS = ("A1", "A2", "A3", "A4")
MEMBERSHIPS = tuple((a, q) for a in AGENTS for q in QUEUES)
REASONS = ("", "lunch", "break")
GAPS = (0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 3.0, 4.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
LONG_GAPS = (600.0, 3600.0, 43200.0, 86400.0)  # rare: spans roll over with states running
WRAPS = (0.0, 0.0, 0.5, 1.0, 5.0, 10.0, 30.0, 90.0)
# Callers' numbers: few, so that numbers come back; spellings of one number (a country code,
# an outside-line prefix, separators), numbers sharing their last digits, an extension,
# numbers with no digits at all.
NUMBERS = (
    "5551234",
    "+1 555 555-1234",
    "15555551234",
    "95551234",
    "4445551234",
    "0201234567",
    "+44 20 1234567",
    "101",
    "1101",
    "",
    "anonymous",
)
TEAMS = ("t1", "t2")


@dataclass(frozen=True)
class Anchor:
    """Where a stream starts: a time zone and day start whose boundary falls nearby."""

    timezone: str
    day_start: time
    at: float  # an instant close to a day start (or to a DST change)


ANCHORS = (
    Anchor("UTC", time(8, 0), 1732262400.0),  # 2024-11-22 08:00 UTC
    Anchor("Europe/London", time(0, 0), 1711846800.0),  # 2024-03-31 01:00Z, clocks go forward
    Anchor("Europe/London", time(1, 30), 1711846800.0),  # 01:30 does not exist that day
    Anchor("Europe/London", time(1, 30), 1729992600.0),  # 2024-10-27 01:30Z, 01:30 happens twice
    Anchor("Europe/London", time(1, 0), 1729990800.0),  # the repeated hour starts
    Anchor("Asia/Kolkata", time(6, 0), 1732235400.0),  # +05:30: days off the interval grid
)


@dataclass(frozen=True)
class Scenario:
    """A configuration, an event stream, and where to take snapshots.

    `checkpoints` are (number of events applied, instant): the snapshot at the
    instant is taken after the first that many events, never after the next
    one, so no event is made late by it. An instant before the engine's clock
    (the latest event or snapshot) must be answered at the clock. `schedule`:
    the shifts the engine is given, if any.
    """

    config: EngineConfig
    events: list[Event]
    checkpoints: list[tuple[int, float]]
    schedule: list[Shift] | None = None


@st.composite
def configs(draw: st.DrawFn, anchor: Anchor) -> EngineConfig:
    overrides = {}
    if draw(st.booleans()):
        overrides["q1"] = QueueSettings(
            sl_threshold_s=draw(st.sampled_from([None, 3.0, 10.0])),
            sl_variant=draw(st.sampled_from([None, "answered_only", "abandons_in_sl_good"])),
            sl_target=draw(st.sampled_from([None, 0.5, 0.9])),
            short_abandon_s=draw(st.sampled_from([None, 0.0, 2.0])),
        )
    return EngineConfig(
        sl_threshold_s=draw(st.sampled_from([2.0, 5.0, 20.0])),
        sl_variant=draw(st.sampled_from(["offered", "answered_only", "abandons_in_sl_good"])),
        sl_target=draw(st.sampled_from([0.5, 0.8, 0.95])),
        short_abandon_s=draw(st.sampled_from([0.0, 3.0, 5.0])),
        queued_min_s=draw(st.sampled_from([0.0, 1.0, 2.0])),
        window_s=draw(st.sampled_from([60.0, 90.0, 120.0, 300.0])),
        extra_windows_s=tuple(
            draw(st.lists(st.sampled_from([30.0, 45.0, 150.0, 600.0]), unique=True, max_size=2))
        ),
        interval_s=draw(st.sampled_from([60.0, 90.0, 120.0, 300.0, 600.0])),
        day_start=anchor.day_start,
        timezone=anchor.timezone,
        occupancy_includes_wrap=draw(st.booleans()),
        queues=overrides,
        callbacks_keep_s=draw(st.sampled_from([86400.0, 30.0, 120.0])),
        mask_numbers=draw(st.booleans()),
        # Teams from the [agents] table (by an alias or by name) and from a teams file,
        # which wins; "A9" never shows up.
        agents={
            f"PJSIP/{agent}" if draw(st.booleans()) else agent: AgentSettings(agent, team)
            for agent, team in draw(
                st.dictionaries(st.sampled_from((*AGENTS, "A9")), st.sampled_from(TEAMS))
            ).items()
        },
        teams=draw(st.dictionaries(st.sampled_from((*AGENTS, "A9")), st.sampled_from(TEAMS))),
    )


@dataclass
class Model:
    """Just enough of the call centre to pick coherent next events."""

    members: set[tuple[str, str]] = field(default_factory=set)
    waiting: dict[tuple[str, str], float] = field(default_factory=dict)
    leaving: set[tuple[str, str]] = field(default_factory=set)
    ringing: dict[str, tuple[str, str]] = field(default_factory=dict)
    in_call: dict[tuple[str, str], str] = field(default_factory=dict)  # call -> agent
    on_hold: set[str] = field(default_factory=set)
    next_call: int = 0

    def new_call_id(self) -> str:
        self.next_call += 1
        return f"c{self.next_call}"


class Steps:
    """Draws one event at a time from the model's situation."""

    def __init__(self, draw: st.DrawFn, model: Model) -> None:
        self.draw = draw
        self.model = model

    def pick(self, options: Iterable[T]) -> T:
        """One of `options` (sorted first, so that sets draw reproducibly)."""
        ordered = sorted(options)  # type: ignore[type-var]
        return ordered[self.draw(st.integers(0, len(ordered) - 1))]

    def maybe(self, value: float) -> float | None:
        return value if self.draw(st.booleans()) else None

    def seconds(self) -> float:
        return float(self.draw(st.integers(0, 30)))

    def event(self, at: float) -> Event:
        m = self.model
        kinds = ["join"] * 4 + ["login", "logout", "pause", "unpause", "blocked", "status", "rogue"]
        kinds += ["dial"]
        if m.waiting:
            kinds += ["ring"] * 3 + ["answer"] * 2 + ["abandon", "exit", "gone", "rejoin", "leave"]
        if m.leaving:
            kinds += ["decide"] * 2
        if m.ringing:
            kinds += ["no_answer"] + ["answer_ringing"] * 4
        if m.in_call:
            kinds += ["end"] * 4 + ["hold"] * 2 + ["end_by_other"]
        return getattr(self, kinds[self.draw(st.integers(0, len(kinds) - 1))])(at)

    def join(self, at: float) -> Event:
        key = (self.pick(QUEUES), self.model.new_call_id())
        self.model.waiting[key] = at
        return CallerJoined(at, key[0], key[1], caller=self.pick(NUMBERS))

    def rejoin(self, at: float) -> Event:
        queue, call_id = self.pick(self.model.waiting)
        return CallerJoined(at, queue, call_id, caller=self.pick(NUMBERS))

    def dial(self, at: float) -> Event:
        return NumberDialed(at, self.pick(NUMBERS), agent=self.pick(("", *AGENTS)))

    def login(self, at: float) -> Event:
        agent, queue = self.pick(AGENTS), self.pick(QUEUES)
        self.model.members.add((agent, queue))
        return AgentLoggedIn(at, agent, queue, name=self.pick(["", f"Name {agent}"]))

    def logout(self, at: float) -> Event:
        options = self.model.members or MEMBERSHIPS
        agent, queue = self.pick(options)
        self.model.members.discard((agent, queue))
        return AgentLoggedOut(at, agent, queue)

    def member(self) -> tuple[str, str]:
        if self.model.members and self.draw(st.integers(0, 4)):
            return self.pick(self.model.members)
        return self.pick(AGENTS), self.pick(QUEUES)

    def pause(self, at: float) -> Event:
        agent, queue = self.member()
        self.model.members.add((agent, queue))
        return AgentPaused(at, agent, queue, reason=self.pick(REASONS))

    def unpause(self, at: float) -> Event:
        agent, queue = self.member()
        self.model.members.add((agent, queue))
        return AgentUnpaused(at, agent, queue)

    def blocked(self, at: float) -> Event:
        return CallBlocked(at, self.pick(QUEUES), self.model.new_call_id(), reason="full")

    def status(self, at: float) -> Event:
        agent, queue = self.member()
        self.model.members.add((agent, queue))
        paused = self.draw(st.booleans())
        return AgentStatus(
            at,
            agent,
            queue,
            name=self.pick(["", "Resynced"]),
            paused=paused,
            reason=self.pick(REASONS),
            in_call=self.draw(st.booleans()),
        )

    def ring(self, at: float) -> Event:
        key = self.pick(self.model.waiting)
        agent, _ = self.member()
        self.model.ringing[agent] = key
        return AgentRinging(at, agent, key[0], key[1])

    def no_answer(self, at: float) -> Event:
        agent = self.pick(self.model.ringing)
        queue, call_id = self.model.ringing.pop(agent)
        return AgentRingNoAnswer(at, agent, queue, call_id, ring_s=self.maybe(self.seconds()))

    def answer(self, at: float) -> Event:
        key = self.pick(self.model.waiting)
        return self.answered(at, key, self.member()[0])

    def answer_ringing(self, at: float) -> Event:
        agent = self.pick(self.model.ringing)
        return self.answered(at, self.model.ringing[agent], agent)

    def answered(self, at: float, key: tuple[str, str], agent: str) -> Event:
        m = self.model
        m.waiting.pop(key, None)
        for ringing_agent, ringing_key in list(m.ringing.items()):
            if ringing_key == key or ringing_agent == agent:
                del m.ringing[ringing_agent]
        m.in_call[key] = agent
        return CallerAnswered(
            at,
            key[0],
            key[1],
            agent,
            wait_s=self.maybe(self.seconds()),
            ring_s=self.maybe(self.seconds()),
        )

    def left(self, key: tuple[str, str]) -> None:
        self.model.waiting.pop(key, None)
        for agent, ringing_key in list(self.model.ringing.items()):
            if ringing_key == key:
                del self.model.ringing[agent]

    def abandon(self, at: float) -> Event:
        key = self.pick(self.model.waiting)
        self.left(key)
        return CallerAbandoned(at, key[0], key[1], wait_s=self.maybe(self.seconds()))

    def exit(self, at: float) -> Event:
        key = self.pick(self.model.waiting)
        self.left(key)
        return CallerExited(at, key[0], key[1], reason="timeout", wait_s=self.maybe(self.seconds()))

    def leave(self, at: float) -> Event:
        """A caller leaves first; its abandon or exit comes later (or it is gone)."""
        key = self.pick(self.model.waiting)
        self.left(key)
        self.model.leaving.add(key)
        return CallerLeaving(at, key[0], key[1])

    def decide(self, at: float) -> Event:
        key = self.pick(self.model.leaving)
        self.model.leaving.discard(key)
        wait = self.maybe(self.seconds())
        return self.draw(
            st.sampled_from(
                [
                    CallerAbandoned(at, key[0], key[1], wait_s=wait),
                    CallerExited(at, key[0], key[1], reason="empty", wait_s=wait),
                    CallerGone(at, key[0], key[1]),
                    CallerJoined(at, key[0], key[1]),
                ]
            )
        )

    def gone(self, at: float) -> Event:
        key = self.pick(self.model.waiting)
        self.left(key)
        return CallerGone(at, key[0], key[1])

    def end(self, at: float) -> Event:
        key = self.pick(self.model.in_call)
        agent = self.model.in_call.pop(key)
        self.model.on_hold.discard(key[1])
        return CallEnded(
            at,
            key[0],
            key[1],
            agent,
            talk_s=self.maybe(self.seconds()),
            wrap_s=self.pick(WRAPS),
            transferred=self.draw(st.booleans()),
        )

    def end_by_other(self, at: float) -> Event:
        """A call end naming another agent than the one who answered."""
        key = self.pick(self.model.in_call)
        del self.model.in_call[key]
        agent = self.pick(AGENTS)
        return CallEnded(at, key[0], key[1], agent, wrap_s=self.pick(WRAPS))

    def hold(self, at: float) -> Event:
        _, call_id = self.pick(self.model.in_call)
        if call_id in self.model.on_hold:
            self.model.on_hold.discard(call_id)
            return HoldEnded(at, call_id)
        self.model.on_hold.add(call_id)
        return HoldStarted(at, call_id)

    def rogue(self, at: float) -> Event:
        """An event about a call the model never saw (or no longer holds)."""
        queue, agent = self.pick(QUEUES), self.pick(AGENTS)
        call_id = self.model.new_call_id() if self.draw(st.booleans()) else "c1"
        wait = self.maybe(self.seconds())
        return self.draw(
            st.sampled_from(
                [
                    CallerAnswered(at, queue, call_id, agent, wait_s=wait),
                    CallerAbandoned(at, queue, call_id, wait_s=wait),
                    CallerExited(at, queue, call_id, wait_s=wait),
                    CallerGone(at, queue, call_id),
                    CallEnded(at, queue, call_id, agent, wrap_s=self.pick(WRAPS)),
                    AgentRinging(at, agent, queue, call_id),
                    AgentRingNoAnswer(at, agent, queue, call_id),
                    HoldStarted(at, call_id),
                    HoldEnded(at, call_id),
                ]
            )
        )


def edges_between(
    events: list[Event], config: EngineConfig, low: float, high: float, shift_edges: set[float]
) -> set[float]:
    """Instants in [low, high] where something changes: span edges, wrap ends, shift edges,
    callbacks running out."""
    edges = {low, high, *shift_edges}
    for edge in shift_edges:
        for width in (config.window_s, *config.extra_windows_s):
            edges.add(edge + width)  # where a shift edge leaves a window
    for size in (config.interval_s,):
        edge = math.floor(high / size) * size
        if low <= edge:
            edges.add(edge)
    for e in events:
        for width in (config.window_s, *config.extra_windows_s):
            edges.add(e.at + width)
        if isinstance(e, CallEnded):
            edges.add(e.at + e.wrap_s)
        if isinstance(e, CallerAbandoned):
            edges.add(e.at + config.callbacks_keep_s)  # where a callback expires
    day = day_start(high, config)
    edges.add(day)
    return {x for x in edges if low <= x <= high}


# Shift lengths: short ones end inside a window, long ones span intervals and days.
SHIFT_LENGTHS = (0.5, 30.0, 45.0, 60.0, 90.0, 150.0, 300.0, 600.0, 3600.0, 28800.0, 90000.0)


@st.composite
def schedules(draw: st.DrawFn, origin: float) -> list[Shift]:
    """Shifts on a 30 s grid around `origin` (so on interval, day and many window edges),
    some on half seconds (on event times); queues named or not, overlapping, agents never seen.
    """
    grid = math.floor(origin / 30.0) * 30.0
    shifts = []
    for _ in range(draw(st.integers(0, 6))):
        start = grid + 30.0 * draw(st.integers(-20, 60))
        if draw(st.integers(0, 3)) == 0:
            start += draw(st.integers(1, 59)) / 2
        shifts.append(
            Shift(
                draw(st.sampled_from((*AGENTS, "A9"))),
                start,
                start + draw(st.sampled_from(SHIFT_LENGTHS)),
                draw(st.sampled_from(("", "", *QUEUES, "q9"))),
            )
        )
    return shifts


@st.composite
def scenarios(draw: st.DrawFn, max_steps: int = 60, long_gaps: bool = True) -> Scenario:
    """`long_gaps` False: no gap of ten minutes or more (streams an every-second check can
    walk through)."""
    anchor = draw(st.sampled_from(ANCHORS))
    config = draw(configs(anchor))
    clock = anchor.at - draw(st.sampled_from([0.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0]))
    clock += draw(st.integers(0, 120)) / 2
    # Most streams keep half-second times, to land on edges; the others take times
    # like real timestamps, where rounding of large epoch values would show.
    fractional = draw(st.integers(0, 3)) == 0
    schedule = draw(schedules(clock)) if draw(st.integers(0, 3)) else None
    shift_edges = {x for s in schedule or () for x in (s.start, s.end)}
    steps = Steps(draw, Model())
    events: list[Event] = []
    for agent, queue in draw(st.lists(st.sampled_from(MEMBERSHIPS), max_size=5, unique=True)):
        steps.model.members.add((agent, queue))
        events.append(AgentLoggedIn(clock, agent, queue))
    for _ in range(draw(st.integers(0, max_steps))):
        long_gap = long_gaps and draw(st.integers(0, 40)) == 0
        clock += draw(st.sampled_from(LONG_GAPS if long_gap else GAPS))
        if fractional and draw(st.booleans()):
            clock += draw(st.floats(0.0, 1.0, exclude_max=True))
        late = draw(st.integers(0, 30)) == 0
        events.append(steps.event(clock - 1.0 if late else clock))
    clocks, latest = [], -math.inf
    for e in events:
        latest = max(latest, e.at)
        clocks.append(latest)
    checkpoints: list[tuple[int, float]] = []
    low = events[0].at - 10.0 if events else anchor.at
    for count in range(len(events) + 1):
        if count < len(events) and draw(st.integers(0, 3)):
            continue
        if count:
            low = max(low, clocks[count - 1])
        if count < len(events):
            high = max(low, events[count].at)
        else:
            high = low + draw(st.sampled_from([700.0, 90000.0]))
        edges = sorted(edges_between(events[:count], config, low, high, shift_edges))
        t = draw(st.sampled_from(edges)) if edges else low
        checkpoints.append((count, t))
        if draw(st.integers(0, 9)) == 0:  # a snapshot asked for the past reports at the clock
            checkpoints.append((count, t - draw(st.sampled_from([0.5, 30.0]))))
        low = t
    return Scenario(config, events, checkpoints, schedule)


def played(scenario: Scenario) -> Iterator[tuple[Engine, int, float]]:
    """One engine fed the scenario's events up to each checkpoint in turn:
    (the engine, how many events it has applied, the checkpoint's instant)."""
    schedule = Schedule(scenario.schedule) if scenario.schedule else None
    engine = Engine(scenario.config, schedule)
    applied = 0
    for count, t in scenario.checkpoints:
        for event in scenario.events[applied:count]:
            engine.apply(event)
        applied = count
        yield engine, count, t
