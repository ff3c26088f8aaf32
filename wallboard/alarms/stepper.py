"""Evaluates the alarm rules at the whole seconds where an input can have changed.

The schedule that defines the alarms (docs/ALARMS.md) is an evaluation of
every rule at every whole second of source time, the evaluation at second `s`
seeing every event stamped `<= s` and none later; live and replayed sources
go through the same stepper, so a recording fires its alarms at exactly the
instants the live run did. This stepper gives the transitions of that
schedule (same instants, same values; `tests/alarms/reference.py` keeps the
every-second stepper and the tests compare the two) but evaluates a rule only
at a second where its outcome can differ from the second before:

- an event or a wrap-up running out changed what the rule reads in its queue
  (the engine's `totals_changed`, `waiting_changed` and `members_changed`;
  `all` follows any change), and its figure with it: a new figure on the same
  side of the thresholds only moves the figure a firing alarm shows;
- an item leaves the rule's window (the engine's probe says when the next does);
- an interval or a day starts, for the spans that restart (not again while
  the floor stays quiet: a quiet span restarts to the same figures);
- a hold-down (`for`, `clear_for`) or a silence runs out;
- a change rule's look-back instant reaches a second at which the figure changed;
- a moving figure crosses a threshold: the longest wait grows by a second a
  second, and a ratio of time integrals (occupancy, calls per hour) is, between
  the instants above, a ratio of two linear functions of time, hence monotone,
  so the first second on the other side is found by bisection over whole
  seconds with the engine's own arithmetic (exact: epoch stamps are multiples
  of 2**-22 s, so the integrals are exact and so is their correctly rounded ratio);
- staffing figures in the first window (the arrival rate's observed span still
  grows) and change rules on a moving figure: every second, as before;
- agent rules (`kind = "agent"`): when their agent changed (the engine's
  `agents_changed`), a time in a state crosses a limit, a hold-down runs out or
  a shift starts or ends (`wallboard.alarms.agents` schedules them).

A firing alarm shows its figure as of the last whole second; for a moving
figure that is brought up to date whenever the stepper is asked or an event
is about to change the floor. The cost follows the events, not the length of
the source's silences.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from wallboard.alarms.agents import AgentAlarms
from wallboard.alarms.evaluator import (
    AGGREGATE,
    Evaluator,
    Transition,
    TransitionRecord,
    _Alarm,
    _glob_matches,
    hold_end,
)
from wallboard.alarms.rules import Rule
from wallboard.engine import Engine
from wallboard.engine.probe import INTEGRAL_METRICS, STAFFING_METRICS, Probe, whole_second_leaving
from wallboard.engine.snapshot import ActiveAlarm
from wallboard.events import Event

# How a rule's figure moves between the instants its inputs change.
STILL, MOVING, EVERY = range(3)
# A group's alarms by what they read (the engine's three `..._changed` sets, the callbacks').
_TOTALS, _WAITING, _MEMBERS, _LEAVING, _CALLBACKS = 1, 2, 4, 8, 16
_GLOB = "*?["


def _zone(rule: Rule, value: float | None) -> int:
    """Which side of a threshold rule's thresholds `value` is on: the only thing that matters."""
    if value is None:
        return 0
    if rule.fires(value):
        return 1
    return 3 if rule.clears(value) else 2


class _Watch:
    """One alarm as the stepper schedules it."""

    __slots__ = (
        "alarm",
        "day",
        "due",
        "fields",
        "interval",
        "key",
        "last",
        "lookbacks",
        "motion",
        "order",
        "probe",
        "rule",
        "shown",
        "span_fields",
        "staffing",
        "value",
    )

    def __init__(self, alarm: _Alarm, index: int, probe: Probe) -> None:
        rule = alarm.rule
        self.alarm = alarm
        self.rule = rule
        self.probe = probe
        self.order = (index, alarm.queue)
        moving = rule.metric in INTEGRAL_METRICS or rule.metric == "longest_wait_s"
        self.motion = (EVERY if rule.kind == "change" else MOVING) if moving else STILL
        self.staffing = rule.metric in STAFFING_METRICS
        self.interval = rule.span == "interval"
        self.day = rule.span == "day" or rule.metric == "agents.logged_off"
        inputs = probe.inputs_of(rule.span, rule.metric)
        self.fields = inputs if self.staffing else None  # a staffing figure's inputs
        # A still span figure's totals (its group reads them once for all such alarms).
        self.span_fields = inputs if not self.staffing and self.motion == STILL else None
        self.key: tuple[Any, ...] | None = None  # its figure's inputs when last looked at
        self.due = math.inf  # when it must be stepped whatever its figure (hold-downs, ...)
        self.value: float | None = None  # its figure when last stepped
        self.shown = -math.inf  # the second the alarm's figure is of
        self.last: tuple[float | None] | None = None  # a change rule's last distinct figure
        self.lookbacks: deque[float] = deque()

    def zone_holds(self, value: float) -> bool:
        """Whether a new figure of a threshold rule on a still figure leaves the alarm as it
        is but for the figure it shows: same side of the thresholds, no hold-down to start
        or stop (those that run out are scheduled)."""
        if self.motion != STILL or self.rule.kind != "threshold":
            return False
        old = self.value
        return old is not None and _zone(self.rule, value) == _zone(self.rule, old)


class _Group:
    """The alarms of one queue (or of `all`): they read the same probe, which knows when
    an item leaves their window."""

    __slots__ = (
        "_flagged",
        "callbacks",
        "due",
        "fields",
        "integrals",
        "leaving",
        "members",
        "probe",
        "read",
        "totals",
        "waiting",
        "watches",
    )

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self.watches: list[_Watch] = []  # in rule order
        # The alarms that read the queue's running totals, its callers, its members.
        self.totals: list[_Watch] = []
        self.waiting: list[_Watch] = []
        self.members: list[_Watch] = []
        self.leaving: list[_Watch] = []  # the alarms that read the window
        self.callbacks: list[_Watch] = []  # ... or the callback list
        self.integrals = False  # ... or its time integrals
        self.due = math.inf  # the next item out of the window
        # Per span, the totals its alarms on still figures read, and their values when
        # last read: while those stay, so do all of these alarms' figures.
        self.fields: dict[str, tuple[int, ...]] = {}
        self.read: dict[str, tuple[Any, ...]] = {}
        self._flagged: dict[int, tuple[list[tuple[str, list[_Watch]]], list[_Watch]]] = {}

    def forget(self) -> None:
        self._flagged.clear()
        fields: dict[str, set[int]] = {}
        for watch in self.watches:
            if watch.span_fields is not None:
                fields.setdefault(watch.rule.span, set()).update(watch.span_fields)
        self.fields = {span: tuple(sorted(f)) for span, f in fields.items()}
        self.read.clear()

    def flagged(self, kinds: int) -> tuple[list[tuple[str, list[_Watch]]], list[_Watch]]:
        """The alarms that read what `kinds` (bits of _TOTALS, _WAITING, ...) says changed:
        those on a still span figure by span, then the others."""
        known = self._flagged.get(kinds)
        if known is None:
            lists = (
                (_TOTALS, self.totals),
                (_WAITING, self.waiting),
                (_MEMBERS, self.members),
                (_LEAVING, self.leaving),
                (_CALLBACKS, self.callbacks),
            )
            chosen = {id(w) for kind, ws in lists if kinds & kind for w in ws}
            watches = [w for w in self.watches if id(w) in chosen]
            by_span: dict[str, list[_Watch]] = {}
            for w in watches:
                if w.span_fields is not None:
                    by_span.setdefault(w.rule.span, []).append(w)
            others = [w for w in watches if w.span_fields is None]
            known = self._flagged[kinds] = (list(by_span.items()), others)
        return known


class AlarmStepper:
    """Owns the evaluation schedule of one engine (the `AlarmStepper` of the collector)."""

    def __init__(self, engine: Engine, evaluator: Evaluator) -> None:
        self.engine = engine
        self.evaluator = evaluator
        self.evaluations = 0  # instants at which some rule was evaluated
        self._done: float | None = None  # every whole second before this is evaluated
        self._last: float | None = None  # the last instant evaluated
        self._groups: dict[str, _Group] = {}
        self._aggregate: _Group | None = None
        self._spans: list[_Watch] = []  # interval and day spans: due when a span restarts
        self._moving: list[_Watch] = []
        self._heap: list[tuple[float, int, _Watch | _Group]] = []
        self._seq = 0
        self._queues_seen = 0
        self._event = False  # an event since the last evaluation (for `all`)
        self._interval_at = self._day_at = -math.inf
        # Something changed since the interval / day last restarted.
        self._busy_interval = self._busy_day = True
        self._callbacks = any(rule.metric == "callbacks_pending" for rule in evaluator.rules)
        agent_rules = any(rule.kind == "agent" for rule in evaluator.rules)
        self._agents = AgentAlarms(engine, evaluator) if agent_rules else None

    @classmethod
    def factory(cls, rules: Sequence[Rule]) -> Callable[[Engine], AlarmStepper]:
        """What `Collector(alarms=...)` and `PacedFileFeed(alarms=...)` take."""
        return lambda engine: cls(engine, Evaluator(rules))

    # ------------------------------------------------------------ schedule

    def apply(self, event: Event) -> list[TransitionRecord]:
        """Evaluate every whole second strictly before the event, then apply it."""
        if not self.evaluator.rules:
            self.engine.apply(event)
            return []
        if self._done is None:
            self._done = float(math.ceil(event.at))
            self._add_aggregate()
        out = self._run(event.at, inclusive=False)
        if self._moving or self._agents is not None:
            self._show(self._done - 1.0)
        self.engine.apply(event)
        self._event = self._aggregate is not None
        return out

    def advance(self, t: float) -> list[TransitionRecord]:
        """Evaluate every whole second <= t not yet evaluated (nothing before the first event)."""
        out = self._run(t, inclusive=True)
        if self._done is not None and (self._moving or self._agents is not None):
            self._show(self._done - 1.0)
        return out

    def finish(self, t: float) -> list[TransitionRecord]:
        """End of a replay: the whole seconds up to `t`, then `t` itself."""
        out = self.advance(t)
        if (
            self._done is not None
            and self.evaluator.rules
            and (self._last is None or t > self._last)
        ):
            out += self._evaluate(t, every=True)
        return out

    def active(self) -> list[ActiveAlarm]:
        return self.evaluator.active()

    def acknowledge(self, fingerprint: str, by: str) -> TransitionRecord:
        """Acknowledge a firing alarm now (source time); KeyError if it is not firing."""
        return self.evaluator.acknowledge(fingerprint, by, self._now()).to_dict()

    def silence(self, fingerprint: str, duration_s: float, by: str) -> TransitionRecord:
        """Silence an alarm for `duration_s` of source time; KeyError if it never existed."""
        now = self._now()
        return self.evaluator.silence(fingerprint, now + duration_s, by, now).to_dict()

    def _now(self) -> float:
        return max(self.engine.now, self._last or 0.0)

    def _run(self, limit: float, *, inclusive: bool) -> list[TransitionRecord]:
        out: list[TransitionRecord] = []
        if self._done is None or not self.evaluator.rules:
            return out
        while True:
            s = self._next_instant()
            if s > limit or (s == limit and not inclusive):
                break
            out += self._evaluate(s, every=False)
        top = math.floor(limit) + 1.0 if inclusive else float(math.ceil(limit))
        if top > self._done:
            self._done = top
            self._last = max(self._last or -math.inf, top - 1.0)
            if self.evaluations:
                self.evaluator.now = self._last
        return out

    def _next_instant(self) -> float:
        """The first whole second not yet evaluated at which some rule's outcome can change."""
        done = self._done
        assert done is not None
        engine = self.engine
        if (
            engine.totals_changed
            or engine.waiting_changed
            or engine.members_changed
            or self._event
            or len(engine.queues) != self._queues_seen
            or (self._agents is not None and self._agents.changed())
            or (self._callbacks and engine.callbacks.changed)
        ):
            return done
        heap = self._heap
        while heap and heap[0][0] != heap[0][2].due:
            heapq.heappop(heap)  # rescheduled since
        soonest = heap[0][0] if heap else math.inf
        timer = engine.next_timer()
        if timer < soonest:
            soonest = float(math.ceil(timer))
        if self._agents is not None:
            soonest = min(soonest, self._agents.next_due())
        if self._callbacks:
            oldest = engine.callbacks.oldest_at()  # its entry expires
            if oldest < math.inf:
                soonest = min(soonest, whole_second_leaving(oldest, engine.callbacks.keep_s))
        if self._spans:
            interval_at, day_at = engine.next_rollover()
            if self._busy_interval and interval_at < soonest:
                soonest = float(math.ceil(interval_at))
            if self._busy_day and day_at < soonest:
                soonest = float(math.ceil(day_at))
        if self.evaluator.silenced:
            for until, _ in self.evaluator.silence_ends():
                if until < soonest:
                    soonest = float(math.ceil(until))
        return max(soonest, done)

    def _add_aggregate(self) -> None:
        """`all` is on the board from the first evaluation, as in every snapshot."""
        group = None
        for index, rule in enumerate(self.evaluator.rules):
            if rule.queue == AGGREGATE:
                group = group or _Group(Probe(self.engine, None))
                self._watch(index, AGGREGATE, group)
        self._aggregate = group

    def _add_queues(self) -> list[_Watch]:
        """Alarms for the queues that appeared since the last evaluation."""
        engine = self.engine
        names = list(engine.queues)[self._queues_seen :]
        new: list[_Watch] = []
        for name in names:
            group = _Group(Probe(engine, engine.queues[name]))
            for index, rule in enumerate(self.evaluator.rules):
                selector = rule.queue
                if selector == name or (
                    selector != AGGREGATE
                    and any(c in selector for c in _GLOB)
                    and _glob_matches(selector, name)
                ):
                    new.append(self._watch(index, name, group))
            if group.watches:  # a queue no rule names is never looked at
                self._groups[name] = group
        self._queues_seen = len(engine.queues)
        return new

    def _watch(self, index: int, queue: str, group: _Group) -> _Watch:
        watch = _Watch(self.evaluator.alarm(index, queue), index, group.probe)
        group.watches.append(watch)
        group.forget()
        metric = watch.rule.metric
        integrals = metric in INTEGRAL_METRICS
        if watch.rule.span == "window" or watch.staffing:
            group.leaving.append(watch)
            group.integrals |= integrals
        if watch.rule.span != "instant" or watch.staffing:  # (occupancy: for `min_offered`)
            group.totals.append(watch)
        if metric in ("waiting", "longest_wait_s"):
            group.waiting.append(watch)
        if metric.startswith("agents.") or watch.staffing or integrals:
            group.members.append(watch)
        if metric == "callbacks_pending":
            group.callbacks.append(watch)
        if watch.interval or watch.day:
            self._spans.append(watch)
        if watch.motion == MOVING:
            self._moving.append(watch)
        return watch

    # ------------------------------------------------------------ evaluation

    def _evaluate(self, s: float, *, every: bool) -> list[TransitionRecord]:
        """Step, at `s`, the alarms that must be (`every`: all of them) and those whose figure
        changed among the ones whose inputs may have."""
        engine = self.engine
        if self._moving or self._agents is not None:
            # A firing alarm on a moving figure shows it as of the second before: if its
            # figure is unknown at `s` (a span just restarted), that one stays on the board.
            self._show(math.ceil(s) - 1.0)
        engine.advance(s)
        top = math.floor(s) + 1.0
        if self._done is None or top > self._done:
            self._done = top
        self._last = s
        self.evaluations += 1
        # The alarms stepped whatever their figure, and those looked at outside their group.
        must: set[_Watch] = set()
        check: set[_Watch] = set()
        if len(engine.queues) != self._queues_seen:
            must.update(self._add_queues())
        if engine.interval_start_at != self._interval_at or engine.day_start_at != self._day_at:
            check = self._restarted()
        flagged: dict[_Group, int] = {}
        groups = self._groups
        every_kind = _TOTALS | _WAITING | _MEMBERS | _CALLBACKS if self._event else 0
        changed = engine.totals_changed
        if changed:
            every_kind |= _TOTALS
            for queue in changed:
                group = groups.get(queue.name)
                if group is not None:
                    flagged[group] = _TOTALS
            changed.clear()
        if self._callbacks:
            every_kind |= self._flag_callbacks(s, flagged)
        for kind, changed in (
            (_WAITING, engine.waiting_changed),
            (_MEMBERS, engine.members_changed),
        ):
            if changed:
                every_kind |= kind
                for queue in changed:
                    group = groups.get(queue.name)
                    if group is not None:
                        flagged[group] = flagged.get(group, 0) | kind
                changed.clear()
        if every_kind:
            # `all` adds up every queue (and counts agents, whom an event may move alone).
            if self._aggregate is not None:
                flagged[self._aggregate] = every_kind
            self._event = False
            self._busy_interval = self._busy_day = True
        heap = self._heap
        while heap and heap[0][0] <= s:
            item = heapq.heappop(heap)[2]
            if item.due <= s:
                if isinstance(item, _Group):
                    flagged[item] = flagged.get(item, 0) | _LEAVING
                else:
                    must.add(item)
        if every:
            for g in self._all_groups():
                must.update(g.watches)
                g.read.clear()  # read at `s`, maybe between whole seconds
        out: list[tuple[tuple[int, str], Transition]] = []
        if must or check:
            for watch in must:
                self._step(watch, s, out)
            for watch in check - must:
                watch.probe.at(s)
                self._check(watch, s, out)
            skip = must | check
        else:
            skip = must
        first_window = None
        for group, kinds in flagged.items():
            probe = group.probe
            probe.at(s)
            by_span, others = group.flagged(kinds)
            for span, watches in by_span:
                totals = probe.totals(span, group.fields[span])
                if group.read.get(span) == totals:
                    continue  # every one of these figures is as it was
                group.read[span] = totals
                for watch in watches:
                    if watch not in skip:
                        self._check(watch, s, out)
            for watch in others:
                if watch in skip:
                    continue
                if watch.staffing:
                    if first_window is None:
                        first_window = self._first_window(s)
                    if first_window:
                        self._step(watch, s, out)  # its figure moves with `s` alone
                        continue
                self._check(watch, s, out)
            # New items leave after those already in the window: only a window left
            # with nothing to lose, or the item that just left, asks again.
            if group.leaving and (kinds & _LEAVING or group.due == math.inf):
                self._plan(group, probe.next_leaving(group.integrals))
        if self._agents is not None:
            self._agents.step(s, out, every=every)
        evaluator = self.evaluator
        if evaluator.silenced and any(until <= s for until, _ in evaluator.silence_ends()):
            self._show(s)  # a renotified firing carries its figure now
        if len(out) > 1:
            # The every-second order: rules, then queues (or agents).
            out.sort(key=lambda pair: pair[0])
        transitions = [transition for _, transition in out]
        evaluator.end_step(s, transitions)
        return [transition.to_dict() for transition in transitions]

    def _restarted(self) -> set[_Watch]:
        """An interval or a day started: the alarms on the spans that restart (if the floor
        was not quiet since the last restart: a quiet span restarts to the same figures)."""
        engine = self.engine
        check: set[_Watch] = set()
        for span, start, at, busy in (
            ("interval", engine.interval_start_at, self._interval_at, self._busy_interval),
            ("day", engine.day_start_at, self._day_at, self._busy_day),
        ):
            if start == at:
                continue
            for group in self._all_groups():
                group.read.pop(span, None)
            if busy:
                check.update(
                    w for w in self._spans if (w.interval if span == "interval" else w.day)
                )
        if engine.interval_start_at != self._interval_at:
            self._interval_at = engine.interval_start_at
            self._busy_interval = False
        if engine.day_start_at != self._day_at:
            self._day_at = engine.day_start_at
            self._busy_day = False
        return check

    def _check(
        self, watch: _Watch, s: float, out: list[tuple[tuple[int, str], Transition]]
    ) -> None:
        """Step an alarm whose inputs may have changed if its figure did (the probe is at `s`)."""
        rule = watch.rule
        probe = watch.probe
        if watch.fields is not None or watch.motion != STILL:
            # A staffing figure (its inputs are cheaper than Erlang C) or a moving one.
            if watch.fields is not None:
                key: tuple[Any, ...] | None = probe.inputs(rule.span, rule.metric, watch.fields)
            elif rule.metric == "longest_wait_s":
                key = (probe.oldest_join(),)
            else:
                key = None  # a time integral: its slope may have changed
            if key is not None and key == watch.key:
                return
            watch.key = key
        value = probe.read(rule.span, rule.metric, rule.min_offered)
        if watch.motion == STILL:
            if value == watch.value:
                return
            if value is not None and watch.zone_holds(value):
                self.evaluator.show(watch.alarm, value)
                watch.value = value
                return
        self._step(watch, s, out, value)

    def _flag_callbacks(self, s: float, flagged: dict[_Group, int]) -> int:
        """Flag the groups whose callbacks pending changed (entries expiring at `s` too, as
        a snapshot drops them); _CALLBACKS if any did (`all` follows)."""
        callbacks = self.engine.callbacks
        callbacks.expire(s)
        changed = callbacks.changed
        if not changed:
            return 0
        groups = self._groups
        for name in changed:
            group = groups.get(name)
            if group is not None:
                flagged[group] = flagged.get(group, 0) | _CALLBACKS
        changed.clear()
        return _CALLBACKS

    def _all_groups(self) -> list[_Group]:
        groups = list(self._groups.values())
        return [*groups, self._aggregate] if self._aggregate is not None else groups

    def _step(
        self,
        watch: _Watch,
        s: float,
        out: list[tuple[tuple[int, str], Transition]],
        value: float | str | None = "",
    ) -> None:
        rule, probe = watch.rule, watch.probe
        if isinstance(value, str):
            probe.at(s)
            value = probe.read(rule.span, rule.metric, rule.min_offered)
            watch.key = None  # not looked at: the next change of inputs reads it again
        transitions: list[Transition] = []
        self.evaluator.step(watch.alarm, s, value, transitions)
        out.extend((watch.order, transition) for transition in transitions)
        watch.value = value
        watch.shown = s
        self._schedule(watch, s, value)

    def _plan(self, item: _Watch | _Group, due: float) -> None:
        item.due = due
        if due < math.inf:
            self._seq += 1
            heapq.heappush(self._heap, (due, self._seq, item))

    def _schedule(self, watch: _Watch, s: float, value: float | None) -> None:
        """When the alarm must be stepped next, whatever its figure (unless its inputs change)."""
        rule, alarm = watch.rule, watch.alarm
        due = math.inf
        if alarm.state == "pending":
            assert alarm.pending_since is not None
            due = hold_end(alarm.pending_since, rule.for_s)
        elif alarm.state == "firing" and alarm.clearing_since is not None:
            due = hold_end(alarm.clearing_since, rule.clear_for_s)
        if due <= s:
            due = math.inf  # held long enough: it changes with its next figure
        if rule.kind == "change":
            lookbacks = watch.lookbacks
            if watch.last is None or watch.last[0] != value:
                watch.last = (value,)
                lookbacks.append(hold_end(s, rule.over_s))
            while lookbacks and lookbacks[0] <= s:
                lookbacks.popleft()
            if lookbacks:
                due = min(due, lookbacks[0])
        if watch.motion == EVERY or (watch.staffing and self._first_window(s)):
            due = math.floor(s) + 1.0
        elif watch.motion == MOVING:
            bound = due
            if rule.span == "window":
                bound = min(bound, watch.probe.next_leaving(True))
            due = min(due, self._crossing(watch, s, value, bound))
        self._plan(watch, due)

    def _first_window(self, s: float) -> bool:
        """Whether the arrival rate's observed span still grows at `s` (staffing figures move)."""
        engine = self.engine
        first_at = engine.first_at
        return first_at is not None and s - first_at < engine.windows[0]

    def _crossing(self, watch: _Watch, s: float, value: float | None, bound: float) -> float:
        """The first whole second before `bound` at which a moving figure changes zone."""
        rule, probe = watch.rule, watch.probe
        zone = _zone(rule, value)
        if rule.metric == "longest_wait_s":
            oldest = probe.oldest_join()
            if oldest is None:
                return math.inf  # nobody waits: 0 until an event
            bound = min(bound, math.ceil(oldest + max(rule.threshold, rule.clear)) + 2.0)
        else:
            if watch.interval or watch.day:
                interval_at, day_at = self.engine.next_rollover()
                bound = min(bound, math.ceil(interval_at if watch.interval else day_at))
            if bound == math.inf:
                return math.inf  # the window holds no segment to leave: constant

        def moved(t: float) -> bool:
            return (
                _zone(rule, probe.read_ahead(t, rule.span, rule.metric, rule.min_offered)) != zone
            )

        lo, hi = math.floor(s) + 1.0, bound - 1.0
        if hi < lo or not moved(hi):
            return math.inf
        while lo < hi:
            mid = float(math.floor((lo + hi) / 2))
            if moved(mid):
                hi = mid
            else:
                lo = mid + 1.0
        return hi

    def _show(self, s: float) -> None:
        """Firing alarms on moving figures show them as of second `s` (the engine is not past s)."""
        advanced = False
        for watch in self._moving:
            if watch.alarm.state != "firing" or watch.shown >= s:
                continue
            if not advanced:
                self.engine.advance(s)
                advanced = True
            rule, probe = watch.rule, watch.probe
            probe.at(s)
            value = probe.read(rule.span, rule.metric, rule.min_offered)
            if value is not None:
                self.evaluator.show(watch.alarm, value)
            watch.shown = s
        if self._agents is not None:
            self._agents.show(s)
