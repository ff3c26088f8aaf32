"""The alarm lifecycle: pure, clocked only by the snapshots it is given.

Each (rule, queue) pair is one alarm with a stable fingerprint. It goes
inactive -> pending (condition true, hold-down `for` running) -> firing ->
resolved (clear condition held for `clear_for`), and back. Hysteresis (a
separate clear threshold) and the hold-downs keep a value hovering at the
threshold from paging anyone twice. A `None` value (no denominator yet, or
fewer calls than `min_offered`) carries no information: it neither fires nor
clears, and leaves every timer where it was.

Acknowledging marks the current firing episode (cleared when it resolves);
silencing suppresses notifications for a fingerprint until a given time. A
transition's `notify` says whether pagers should hear of it: a firing that
happens under a silence is not notified, nor is the resolution of a firing
that never was, so pagers always see firing/resolved in pairs. When a silence
expires over an alarm still firing unannounced, the firing is notified then.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import math
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, cast

from wallboard.alarms.rules import Rule
from wallboard.engine.snapshot import ActiveAlarm
from wallboard.units import clock_duration

# A change rule compares values from the engine; a difference that is "exactly
# 10 points" in decimal is rarely exactly 0.1 in binary.
CHANGE_TOLERANCE = 1e-9
# History of transitions kept for the shift: a few per alarm episode, so even
# a flapping-proof but busy floor stays far below this; beyond it the oldest go.
HISTORY_LIMIT = 100_000

TransitionKind = Literal[
    "firing", "resolved", "acknowledged", "silenced", "unsilenced", "renotified"
]


class TransitionRecord(TypedDict):
    """A `Transition` as data: a `wallboard alerts` line, an entry of `BoardUpdate.transitions`."""

    kind: TransitionKind
    at: float
    status: Literal["firing", "resolved"]
    rule: str
    name: str
    queue: str  # "" for an agent rule's
    agent: str  # agent rules: the agent id ("" for a queue rule's)
    team: str  # and its team ("" when in none)
    severity: str
    fingerprint: str
    since: float | None
    value: float | None
    message: str
    notify: bool
    by: str
    until: float | None


State = Literal["inactive", "pending", "firing"]

AGGREGATE = "all"


def fingerprint(rule_id: str, queue: str) -> str:
    """Stable across runs and processes, so receivers can de-duplicate by it."""
    digest = hashlib.sha256(f"rule={rule_id}\0queue={queue}".encode()).hexdigest()
    return digest[:16]


def hold_end(since: float, hold_s: float) -> float:
    """The first whole second `t` with `t - since >= hold_s` (the evaluator's test, in floats)."""
    t = float(math.ceil(since + hold_s))
    while t - since < hold_s:
        t += 1.0
    while (t - 1.0) - since >= hold_s:
        t -= 1.0
    return t


def agent_fingerprint(rule_id: str, agent: str) -> str:
    """The fingerprint of an agent rule's alarm for one agent (never a queue's)."""
    digest = hashlib.sha256(f"rule={rule_id}\0agent={agent}".encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of an alarm, as printed, sent to pagers and kept in the history."""

    kind: TransitionKind
    at: float
    rule: str
    name: str
    queue: str
    severity: str
    fingerprint: str
    status: Literal["firing", "resolved"]
    since: float | None
    value: float | None
    message: str
    notify: bool
    by: str = ""
    until: float | None = None
    agent: str = ""  # agent rules: the agent (queue is "") and its team
    team: str = ""

    def to_dict(self) -> TransitionRecord:
        """The JSON shape of `wallboard alerts --format jsonl` and of `BoardUpdate.transitions`."""
        return {
            "kind": self.kind,
            "at": self.at,
            "status": self.status,
            "rule": self.rule,
            "name": self.name,
            "queue": self.queue,
            "agent": self.agent,
            "team": self.team,
            "severity": self.severity,
            "fingerprint": self.fingerprint,
            "since": self.since,
            "value": self.value,
            "message": self.message,
            "notify": self.notify,
            "by": self.by,
            "until": self.until,
        }


@dataclass(slots=True)
class _Alarm:
    rule: Rule
    queue: str
    fingerprint: str
    state: State = "inactive"
    pending_since: float | None = None
    clearing_since: float | None = None
    since: float | None = None
    value: float | None = None
    fired_value: float | None = None
    message: str = ""
    notified: bool = False
    acknowledged_by: str = ""
    acknowledged_at: float | None = None
    samples: deque[tuple[float, float | None]] = field(default_factory=deque)
    agent: str = ""
    team: str = ""
    reason: str = ""  # an agent's pause reason when its alarm fired, for the message


class Evaluator:
    """Evaluates rules against snapshots; all times come from `snapshot["at"]`."""

    def __init__(self, rules: Sequence[Rule], *, history_limit: int = HISTORY_LIMIT) -> None:
        self.rules = tuple(rules)
        self._alarms: dict[str, _Alarm] = {}
        # The same alarms by (rule index, queue): no hashing in the per-second loop.
        self._by_key: dict[tuple[int, str], _Alarm] = {}
        self._silences: dict[str, tuple[float, str]] = {}
        self.history: deque[Transition] = deque(maxlen=history_limit)
        self.now: float | None = None

    # ------------------------------------------------------------- evaluation

    def evaluate(self, snapshot: Mapping[str, Any]) -> list[Transition]:
        """Step every alarm to `snapshot["at"]`; the transitions in order.

        Agent rules are stepped only on a snapshot with its `agents` (the board of
        every agent, and `absent` of the schedule's); the stepper feeds them itself
        (`wallboard.alarms.agents`).
        """
        t = float(snapshot["at"])
        out: list[tuple[tuple[int, str], Transition]] = []
        self.step_queues(snapshot, out)
        rows = snapshot.get("agents")
        if rows is not None:
            absent = snapshot.get("absent", {})
            teams = snapshot.get("teams", {})
            members = {a: team for team, block in teams.items() for a in block["members"]}
            for index, rule in enumerate(self.rules):
                if rule.kind != "agent":
                    continue
                for agent in sorted({*rows, *absent}):
                    row = rows.get(agent)
                    team = row["team"] if row is not None else members.get(agent, "")
                    if not selects(rule, agent, team):
                        continue
                    transitions: list[Transition] = []
                    alarm = self.agent_alarm(index, agent, team)
                    figure = agent_value(rule, row, absent.get(agent), t)
                    self.step(alarm, t, figure, transitions, reason=row["reason"] if row else "")
                    out.extend(((index, agent), transition) for transition in transitions)
        transitions = ordered(out)
        self.end_step(t, transitions)
        return transitions

    def step_queues(
        self, snapshot: Mapping[str, Any], out: list[tuple[tuple[int, str], Transition]]
    ) -> None:
        """Step the queue rules' alarms to `snapshot["at"]`, each transition with its place
        in the order of an evaluation (rule, then queue or agent: `ordered`)."""
        t = float(snapshot["at"])
        for index, rule in enumerate(self.rules):
            if rule.kind == "agent":
                continue
            for queue, group in select(rule.queue, snapshot):
                transitions: list[Transition] = []
                self.step(self.alarm(index, queue), t, metric_value(rule, group), transitions)
                out.extend(((index, queue), transition) for transition in transitions)

    def alarm(self, index: int, queue: str) -> _Alarm:
        """The alarm of rule `index` in `queue`, made when first asked for."""
        alarm = self._by_key.get((index, queue))
        if alarm is None:
            rule = self.rules[index]
            fp = fingerprint(rule.id, queue)
            alarm = self._alarms[fp] = self._by_key[index, queue] = _Alarm(rule, queue, fp)
        return alarm

    def agent_alarm(self, index: int, agent: str, team: str) -> _Alarm:
        """The alarm of agent rule `index` for `agent`, made when first asked for."""
        key = (index, "\0" + agent)  # never a queue's name
        alarm = self._by_key.get(key)
        if alarm is None:
            rule = self.rules[index]
            fp = agent_fingerprint(rule.id, agent)
            alarm = _Alarm(rule, "", fp, agent=agent, team=team)
            self._alarms[fp] = self._by_key[key] = alarm
        return alarm

    def step(
        self, alarm: _Alarm, t: float, value: float | None, out: list[Transition], reason: str = ""
    ) -> None:
        """Step one alarm to `t` with its rule's figure there (what `evaluate` does for each);
        `reason`: an agent's pause reason, for an agent alarm's message."""
        if alarm.rule.kind == "change":
            self._step_change(alarm, t, value, out)
        else:
            alarm.reason = reason
            self._step(alarm, t, value, _threshold_check(alarm.rule, value), out)

    def end_step(self, t: float, out: list[Transition]) -> None:
        """Close the evaluation at `t`: silences that ran out, then the history."""
        self.now = t
        if self._silences:
            self._expire_silences(t, out)
        self.history.extend(out)

    def show(self, alarm: _Alarm, value: float) -> None:
        """A firing alarm's figure as it is now, between its evaluations (its message stays)."""
        if alarm.state == "firing":
            alarm.value = value

    @property
    def silenced(self) -> bool:
        return bool(self._silences)

    def silence_ends(self) -> list[tuple[float, str]]:
        """(until, fingerprint) of every silence in force."""
        return [(until, fp) for fp, (until, _) in self._silences.items()]

    def find(self, fp: str) -> _Alarm | None:
        return self._alarms.get(fp)

    def _step_change(
        self, alarm: _Alarm, t: float, value: float | None, out: list[Transition]
    ) -> None:
        rule, samples = alarm.rule, alarm.samples
        samples.append((t, value))
        horizon = t - rule.over_s
        while len(samples) > 1 and samples[1][0] <= horizon:
            samples.popleft()
        then, previous = samples[0]
        if then > horizon or previous is None or value is None:
            return
        moved = rule.moved(previous, value)
        check = (moved >= rule.by - CHANGE_TOLERANCE, moved < rule.clear_by - CHANGE_TOLERANCE)
        self._step(alarm, t, value, check, out, previous=previous)

    def _step(
        self,
        alarm: _Alarm,
        t: float,
        value: float | None,
        check: tuple[bool, bool] | None,
        out: list[Transition],
        previous: float | None = None,
    ) -> None:
        """Advance one alarm; `check` is (fire condition, clear condition), None if unknown."""
        if check is None or value is None:
            return
        fires, clears = check
        rule = alarm.rule
        if alarm.state == "firing":
            # The figure as it is now; the message keeps the one that fired it (ALARMS.md).
            alarm.value = value
            if not clears:
                alarm.clearing_since = None
                return
            if alarm.clearing_since is None:
                alarm.clearing_since = t
            if t - alarm.clearing_since >= rule.clear_for_s:
                out.append(self._transition(alarm, "resolved", t, notify=alarm.notified))
                alarm.state, alarm.since, alarm.clearing_since = "inactive", None, None
                alarm.notified, alarm.acknowledged_by, alarm.acknowledged_at = False, "", None
            return
        if not fires:
            alarm.state, alarm.pending_since = "inactive", None
            return
        if alarm.state == "inactive":
            alarm.state, alarm.pending_since = "pending", t
        assert alarm.pending_since is not None
        if t - alarm.pending_since >= rule.for_s:
            alarm.state, alarm.since, alarm.value = "firing", t, value
            alarm.fired_value = value
            alarm.message = _render(rule, alarm, value, previous=previous)
            alarm.notified = not self._silenced(alarm.fingerprint, t)
            out.append(self._transition(alarm, "firing", t, notify=alarm.notified))

    def _silenced(self, fp: str, t: float) -> bool:
        silence = self._silences.get(fp)
        return silence is not None and t < silence[0]

    def _expire_silences(self, t: float, out: list[Transition]) -> None:
        for fp, (until, by) in list(self._silences.items()):
            if t < until:
                continue
            del self._silences[fp]
            alarm = self._alarms.get(fp)
            if alarm is None:
                continue
            out.append(self._transition(alarm, "unsilenced", t, notify=False, by=by, until=until))
            if alarm.state == "firing" and not alarm.notified:
                alarm.notified = True
                out.append(self._transition(alarm, "renotified", t, notify=True))

    def _transition(
        self,
        alarm: _Alarm,
        kind: TransitionKind,
        t: float,
        *,
        notify: bool,
        by: str = "",
        until: float | None = None,
    ) -> Transition:
        rule = alarm.rule
        return Transition(
            kind=kind,
            at=t,
            rule=rule.id,
            name=rule.name,
            queue=alarm.queue,
            severity=rule.severity,
            fingerprint=alarm.fingerprint,
            status="firing" if alarm.state == "firing" and kind != "resolved" else "resolved",
            since=alarm.since,
            value=alarm.value,
            message=alarm.message,
            notify=notify,
            by=by,
            until=until,
            agent=alarm.agent,
            team=alarm.team,
        )

    # -------------------------------------------------------- operator actions

    def acknowledge(self, fp: str, by: str, at: float) -> Transition:
        """Someone is on it: marks the current firing episode until it resolves."""
        alarm = self._firing(fp)
        alarm.acknowledged_by, alarm.acknowledged_at = by, at
        transition = self._transition(alarm, "acknowledged", at, notify=False, by=by)
        self.history.append(transition)
        return transition

    def silence(self, fp: str, until: float, by: str, at: float) -> Transition:
        """No notifications for this fingerprint until `until` (source time)."""
        alarm = self._alarms.get(fp)
        if alarm is None:
            raise KeyError(f"no alarm with fingerprint {fp}")
        if until <= at:
            raise ValueError("a silence must end after it starts")
        self._silences[fp] = (until, by)
        transition = self._transition(alarm, "silenced", at, notify=False, by=by, until=until)
        self.history.append(transition)
        return transition

    def _firing(self, fp: str) -> _Alarm:
        alarm = self._alarms.get(fp)
        if alarm is None or alarm.state != "firing":
            raise KeyError(f"no firing alarm with fingerprint {fp}")
        return alarm

    # ------------------------------------------------------------------ views

    def active(self) -> list[ActiveAlarm]:
        """The firing alarms, in the `alarms` shape of METRICS.md (plus operator state)."""
        now = self.now if self.now is not None else float("-inf")
        result: list[ActiveAlarm] = []
        for alarm in self._alarms.values():
            if alarm.state != "firing":
                continue
            silence = self._silences.get(alarm.fingerprint)
            result.append(
                {
                    "rule": alarm.rule.id,
                    "queue": alarm.queue,
                    "agent": alarm.agent,
                    "team": alarm.team,
                    "severity": alarm.rule.severity,
                    "since": cast(float, alarm.since),  # set whenever it is firing
                    "metric": alarm.rule.metric,
                    "value": alarm.value,
                    "fired_value": alarm.fired_value,
                    "fingerprint": alarm.fingerprint,
                    "name": alarm.rule.name,
                    "message": alarm.message,
                    "acknowledged_by": alarm.acknowledged_by or None,
                    "acknowledged_at": alarm.acknowledged_at,
                    "silenced_until": silence[0] if silence and now < silence[0] else None,
                }
            )
        result.sort(key=lambda a: (_SEVERITY_ORDER[a["severity"]], a["since"], a["fingerprint"]))
        return result


_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def ordered(steps: list[tuple[tuple[int, str], Transition]]) -> list[Transition]:
    """The transitions of one evaluation in rule order, then by queue or agent."""
    return [transition for _, transition in sorted(steps, key=lambda pair: pair[0])]


def _threshold_check(rule: Rule, value: float | None) -> tuple[bool, bool] | None:
    if value is None:
        return None
    return rule.fires(value), rule.clears(value)


def _render(rule: Rule, alarm: _Alarm, value: float, *, previous: float | None = None) -> str:
    fields: dict[str, Any] = {
        "rule": rule.id,
        "name": rule.name,
        "queue": alarm.queue,
        "agent": alarm.agent,
        "team": alarm.team,
        "reason": alarm.reason,
        "duration": clock_duration(max(0, int(value))),
        "metric": rule.metric,
        "span": rule.span,
        "severity": rule.severity,
        "value": value,
        "threshold": rule.threshold,
        "clear": rule.clear,
        "by": rule.by,
        "clear_by": rule.clear_by,
        "over": rule.over_text,
    }
    if previous is not None:
        fields["previous"], fields["change"] = previous, value - previous
    return rule.message.format(**fields)


def select(selector: str, snapshot: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(queue label, QUEUE dict) pairs a selector names in a snapshot.

    "all" is the all-queues aggregate (labelled "all"); "*" and globs name each
    matching queue separately; anything else is one queue, if it exists yet.
    """
    if selector == AGGREGATE:
        if "all" in snapshot:
            yield AGGREGATE, snapshot["all"]
        return
    queues: Mapping[str, Any] = snapshot.get("queues", {})
    if any(c in selector for c in "*?["):
        for name, group in queues.items():
            if _glob_matches(selector, name):
                yield name, group
    elif selector in queues:
        yield selector, queues[selector]


@functools.lru_cache(maxsize=4096)
def _glob_matches(selector: str, name: str) -> bool:
    """Rules with globs are matched against every queue every second: answer each pair once."""
    return fnmatch.fnmatchcase(name, selector)


def selects(rule: Rule, agent: str, team: str) -> bool:
    """Whether an agent rule is about `agent` (of `team`)."""
    return (not rule.team or rule.team == team) and (
        rule.agent == "*" or _glob_matches(rule.agent, agent)
    )


def agent_value(
    rule: Rule, row: Mapping[str, Any] | None, absent_since: float | None, t: float
) -> float:
    """An agent rule's figure for one agent at `t` (docs/ALARMS.md "Agent rules").

    `row` is the agent's board row (None: never seen), `absent_since` its entry in
    the snapshot's `absent`. Time in a state is 0 out of it, so an alarm resolves
    when the agent moves on.
    """
    metric = rule.metric
    if metric == "absent_s":
        return 0.0 if absent_since is None else t - absent_since
    if row is None:
        return 0.0
    if metric == "ring_no_answer":
        return float(row["ring_no_answer"])
    if metric == "talk_s":
        answered = row["answered_at"]
        return 0.0 if answered is None else t - answered
    state = row["state"]
    if metric == "wrap_s":
        return t - row["since"] if state == "wrap" else 0.0
    if state == "paused" and (not rule.reason or reason_matches(rule.reason, row["reason"])):
        return t - row["since"]
    return 0.0


@functools.lru_cache(maxsize=1024)
def reason_matches(selector: str, reason: str) -> bool:
    """Pause reasons are typed by people: matched as a glob, whatever the case."""
    return fnmatch.fnmatchcase(reason.casefold(), selector.casefold())


def metric_value(rule: Rule, group: Mapping[str, Any]) -> float | None:
    """The rule's metric in one QUEUE dict; None when unknown or below `min_offered`."""
    if rule.span == "instant":
        if rule.metric.startswith("agents."):
            value = group.get("agents", {}).get(rule.metric.partition(".")[2])
        else:
            value = group.get(rule.metric)
    else:
        span = group.get(rule.span, {})
        if span.get("offered", 0) < rule.min_offered:
            return None
        value = span.get(rule.metric)
    return None if value is None else float(value)
