"""Agent rules, stepped only at the whole seconds where an alarm's outcome can change.

Their definition is an evaluation of every agent rule, for every agent on the
board and of the schedule, at every whole second (`Evaluator.evaluate` on a
full snapshot). An agent's figures change in two ways only:

- an event (or a wrap-up running out) changes the agent's row: the engine
  marks the agent changed (`engine.agents_changed`; its row is built again,
  here or by a snapshot, which says so in `engine.agents_rebuilt`), and its
  alarms are stepped at the next evaluation; a shift edge changes who is
  absent, and the alarms of its agent are stepped at that second;
- time passes: a time in a state is `t - since` (or `t - answered_at`, `t -
  absent since`), so each condition (`value op threshold`, the clear
  condition) flips at most once before the next change, at a second known in
  advance; hold-downs run out at known seconds too.

So each alarm is stepped when its agent changed, when a condition flips and
when a hold-down runs out, which gives the transitions of the every-second
definition at its instants; between them a firing alarm's figure is brought
up to date at every evaluation.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from typing import Any

from wallboard.alarms.evaluator import (
    Evaluator,
    Transition,
    _Alarm,
    agent_value,
    hold_end,
    selects,
)
from wallboard.alarms.rules import Rule
from wallboard.engine import Engine
from wallboard.engine.report import absent_since, refresh_agent_rows
from wallboard.engine.schedule import ALL
from wallboard.engine.snapshot import AgentRow
from wallboard.engine.state import AgentState

# An agent's figures that are times in a state: the row field they count from.
_BASES = {"pause_s": "since", "wrap_s": "since", "talk_s": "answered_at"}


def first_flip(test: Callable[[float], bool], s: float, guess: float) -> float:
    """The first whole second after `s` where a monotone `test` of the second differs from
    `test(s)` (inf if it never does); `guess` is about where it turns."""
    now = test(s)
    far = max(s + 1.0, float(math.ceil(guess)) + 2.0)
    if test(far) == now:
        return math.inf
    t = max(s + 1.0, float(math.ceil(guess)) - 1.0)
    while test(t) == now:
        t += 1.0
    while t - 1.0 > s and test(t - 1.0) != now:
        t -= 1.0
    return t


class _Watch:
    """One agent alarm as it is scheduled."""

    __slots__ = ("agent", "alarm", "due", "index", "rule")

    def __init__(self, index: int, rule: Rule, alarm: _Alarm, agent: str) -> None:
        self.index = index
        self.rule = rule
        self.alarm = alarm
        self.agent = agent
        self.due = math.inf


class AgentAlarms:
    """The agent rules of an evaluator, on one engine's agents and schedule."""

    def __init__(self, engine: Engine, evaluator: Evaluator) -> None:
        self.engine = engine
        self.evaluator = evaluator
        self.rules = [(i, rule) for i, rule in enumerate(evaluator.rules) if rule.kind == "agent"]
        self._watches: dict[str, list[_Watch]] = {}
        self._heap: list[tuple[float, int, _Watch]] = []
        self._seq = 0
        self._firing: set[_Watch] = set()  # moving figures the board shows while firing
        self._team_of = {a: team for team, m in engine.config.team_members().items() for a in m}
        self._rebuilt: set[AgentState] = set()
        # Each agent's row (None: never seen) and since when it is absent, as of the last
        # second its alarms were stepped at: until the next, they are as they were.
        self._seen: dict[str, tuple[AgentRow | None, float | None]] = {}
        engine.agents_rebuilt = self._rebuilt
        # The schedule's shift edges (for `all`) not yet stepped at.
        edges = engine.schedule.edges if engine.schedule is not None else []
        self._edges = [(at, agent) for at, agent, key, _ in edges if key is ALL]
        self._edge = 0
        self._started = False

    def changed(self) -> bool:
        """Whether some agent changed since the last step (its alarms are due now)."""
        return bool(self.engine.agents_changed or self._rebuilt)

    def next_due(self) -> float:
        """The first second an alarm must be stepped at if no event comes: a condition
        flips, a hold-down runs out, or a shift edge changes who is absent."""
        heap = self._heap
        while heap and heap[0][0] != heap[0][2].due:
            heapq.heappop(heap)
        due = heap[0][0] if heap else math.inf
        if self._edge < len(self._edges):
            due = min(due, float(math.ceil(self._edges[self._edge][0])))
        return due

    def step(
        self,
        t: float,
        out: list[tuple[tuple[int, str], Transition]],
        *,
        every: bool = False,
    ) -> None:
        """Step, at `t`, the alarms of agents that changed and those due (`every`: all),
        each transition with its place in the every-second order (rule, then agent)."""
        engine = self.engine
        due: set[_Watch] = set()
        if not self._started:
            self._started = True
            if engine.schedule is not None:
                for agent_id in engine.schedule.named:
                    due.update(self._watch(agent_id))
        refresh_agent_rows(engine)
        for agent in self._rebuilt:
            watches = self._watches.get(agent.id)
            due.update(self._watch(agent.id) if watches is None else watches)
        self._rebuilt.clear()
        edges = self._edges
        while self._edge < len(edges) and edges[self._edge][0] <= t:
            agent_id = edges[self._edge][1]
            self._edge += 1
            watches = self._watches.get(agent_id)
            due.update(self._watch(agent_id) if watches is None else watches)
        heap = self._heap
        while heap and heap[0][0] <= t:
            _, _, watch = heapq.heappop(heap)
            if watch.due <= t:
                due.add(watch)
        if every:
            due.update(w for ws in self._watches.values() for w in ws)
        seen = self._seen
        for agent_id in {watch.agent for watch in due}:
            seen[agent_id] = engine.agent_rows.get(agent_id), absent_since(engine, agent_id)
        for watch in sorted(due, key=lambda w: (w.index, w.agent)):
            row, away = seen[watch.agent]
            rule, alarm = watch.rule, watch.alarm
            value = agent_value(rule, row, away, t)
            if alarm.state != "inactive" or rule.fires(value):  # (else a step changes nothing)
                transitions: list[Transition] = []
                reason = row["reason"] if row is not None else ""
                self.evaluator.step(alarm, t, value, transitions, reason=reason)
                out.extend(((watch.index, watch.agent), tr) for tr in transitions)
            self._schedule(watch, t, row, away)
        for watch in self._firing - due:
            row, away = seen[watch.agent]
            watch.alarm.value = agent_value(watch.rule, row, away, t)

    def show(self, s: float) -> None:
        """Firing alarms on a time in a state show it as of second `s` (rows hold no clock:
        a time in a state is `s` minus when it began)."""
        for watch in self._firing:
            row, away = self._seen[watch.agent]
            self.evaluator.show(watch.alarm, agent_value(watch.rule, row, away, s))

    def _watch(self, agent_id: str) -> list[_Watch]:
        """The agent's alarms, made when it first shows up."""
        agent = self.engine.agents.get(agent_id)
        team = agent.team.name if agent is not None and agent.team else ""
        team = team or self._team_of.get(agent_id, "")
        watches = [
            _Watch(index, rule, self.evaluator.agent_alarm(index, agent_id, team), agent_id)
            for index, rule in self.rules
            if selects(rule, agent_id, team)
        ]
        self._watches[agent_id] = watches
        return watches

    def _schedule(
        self, watch: _Watch, t: float, row: Mapping[str, Any] | None, away: float | None
    ) -> None:
        """When the alarm must next be stepped if the agent does not change before."""
        rule, alarm = watch.rule, watch.alarm
        base = _base(rule, row, away)
        due = math.inf
        if base is not None and agent_value(rule, row, away, t) == t - base:
            # t - base: each condition flips (at most once) where it crosses its limit.
            due = min(
                first_flip(lambda u: rule.fires(u - base), t, base + rule.threshold),
                first_flip(lambda u: rule.clears(u - base), t, base + rule.clear),
            )
        if alarm.state == "pending" and alarm.pending_since is not None:
            due = min(due, hold_end(alarm.pending_since, rule.for_s))
        if alarm.state == "firing" and alarm.clearing_since is not None:
            due = min(due, hold_end(alarm.clearing_since, rule.clear_for_s))
        if alarm.state == "firing" and base is not None:
            self._firing.add(watch)
        else:
            self._firing.discard(watch)
        watch.due = due
        if due < math.inf:
            self._seq += 1
            heapq.heappush(self._heap, (due, self._seq, watch))


def _base(rule: Rule, row: Mapping[str, Any] | None, away: float | None) -> float | None:
    """The instant a time-in-state figure counts from (None: a figure that stays as it is)."""
    if rule.metric == "absent_s":
        return away
    field = _BASES.get(rule.metric)
    if field is None or row is None:
        return None
    return row[field]
