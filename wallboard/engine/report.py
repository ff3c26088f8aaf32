"""The snapshot: every metric of every queue, `all` and the agents at one instant.

Reads the engine's state (it never changes it); the spans' totals come from
`wallboard.engine.ledger`, each rate's formula from `wallboard.engine.metrics`,
staffing from `wallboard.engine.erlang`. The layout is that of docs/ENGINE.md.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, cast

from wallboard.engine.callbacks import CallbackList, mask_number
from wallboard.engine.erlang import MAX_TRAFFIC_ERLANGS, RATE_MIN_SPAN_S, staffing
from wallboard.engine.ledger import JOINS, Series, integral_spans, total_spans, zero_totals
from wallboard.engine.metrics import count_metrics, ratio, team_span, timed_metrics
from wallboard.engine.schedule import Headcount, Schedule
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import (
    AgentCounts,
    AgentRow,
    QueueFigures,
    Snapshot,
    TeamFigures,
)
from wallboard.engine.state import (
    AWAY_G,
    HOLDING,
    IN_SERVICE,
    LOGGED_OFF,
    READY_G,
    RINGING,
    STATE_NAMES,
    TALKING,
    AgentState,
    QueueState,
    TeamState,
)


class Floor(Protocol):
    """What the report reads of the engine (`wallboard.engine.core.Engine`)."""

    config: EngineConfig
    schedule: Schedule | None
    windows: tuple[float, ...]
    queues: dict[str, QueueState]
    agents: dict[str, AgentState]
    agent_counts: list[int]
    all_series: Series
    all_rostered: Series | None
    interval_start_at: float
    day_start_at: float
    first_at: float | None
    agents_changed: set[AgentState]
    agent_rows: dict[str, AgentRow]
    agents_rebuilt: set[AgentState] | None
    callbacks: CallbackList
    teams: dict[str, TeamState]
    shift_since: dict[str, float]


Totals = tuple[list[Any], list[float]]
"""A span's raw figures: its accumulator (the counts OFFERED...JOINS, then the summed
durations WAIT_ANSWERED...RING_TIME of `wallboard.engine.ledger`) and its state seconds
(busy, idle, wrap, paused)."""


class SpanTotals(NamedTuple):
    """`Totals` per span (windows..., interval, day) of every queue (by name) and of `all`."""

    queues: dict[str, list[Totals]]
    all: list[Totals]


def span_totals(engine: Floor, t: float) -> SpanTotals:
    """The totals behind every span at `t`, the engine's clock (`Engine.span_totals`)."""
    nw = len(engine.windows)
    spans = {
        name: total_spans(queue.cum, queue.ledger, queue.ibase, queue.dbase, nw)
        for name, queue in engine.queues.items()
    }
    queues = {
        name: list(zip(spans[name], integral_spans(queue.series, t, engine.windows), strict=True))
        for name, queue in sorted(engine.queues.items())
    }
    accs = _all_totals(engine, list(spans.values()))
    everyone = integral_spans(engine.all_series, t, engine.windows)
    return SpanTotals(queues, list(zip(accs, everyone, strict=True)))


def board(engine: Floor, t: float, agents: bool) -> Snapshot:
    """The snapshot at `t`, the engine's clock (`Engine.snapshot` brings the clock there)."""
    nw = len(engine.windows)
    counted = {name: _counted(queue, nw) for name, queue in engine.queues.items()}
    queues = {
        name: _queue_report(engine, engine.queues[name], counted[name], t)
        for name in sorted(engine.queues)
    }
    mask = engine.config.mask_numbers
    report: Snapshot = {
        "at": t,
        "config": engine.config.summary(),
        "queues": queues,
        "all": _all_report(engine, [accs for accs, _ in counted.values()], t),
        "teams": {name: _team_report(engine, team, t) for name, team in engine.teams.items()},
        "callbacks": engine.callbacks.report(mask),
        "absent": absent(engine),
    }
    if agents:
        report["agents"] = agent_rows(engine)
    return report


def agent_rows(engine: Floor) -> dict[str, AgentRow]:
    """Every agent's row, by id: only the rows of agents that changed are built again.

    The rows are shared with earlier snapshots (a snapshot is read, never written to).
    """
    refresh_agent_rows(engine)
    return dict(engine.agent_rows)


def refresh_agent_rows(engine: Floor) -> None:
    """Build again the rows of the agents that changed (`engine.agent_rows`, in id order),
    telling `engine.agents_rebuilt` which when a reader keeps it."""
    rows = engine.agent_rows
    changed = engine.agents_changed
    if not changed:
        return
    known = len(rows)
    mask = engine.config.mask_numbers
    for agent in changed:
        rows[agent.id] = agent_report(engine, agent, mask)
    if engine.agents_rebuilt is not None:
        engine.agents_rebuilt.update(changed)
    changed.clear()
    if len(rows) != known:  # new agents: keep the rows in id order
        ordered = {aid: rows[aid] for aid in sorted(rows)}
        rows.clear()
        rows.update(ordered)


def _counted(queue: QueueState, nw: int) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """A queue's totals per span and the figures they alone give, kept while they stay.

    Its totals are those of its last ledger entry, less those at each window's edge
    entry or at the interval's and the day's start: while these are the same, so are
    the spans' counts and durations (only the state seconds move with time).
    """
    ledger = queue.ledger
    edges = tuple([ledger.before(w) for w in range(nw)])
    last = queue.counted
    cum, ibase, dbase = queue.cum, queue.ibase, queue.dbase
    if last is not None and last[:4] == (cum, edges, ibase, dbase):
        return last[4], last[5]
    accs = total_spans(cum, ledger, ibase, dbase, nw)
    counts = [count_metrics(acc, queue.sl_variant) for acc in accs]
    queue.counted = (cum.copy(), edges, ibase.copy(), dbase.copy(), accs, counts)
    return accs, counts


def _queue_report(
    engine: Floor,
    queue: QueueState,
    counted: tuple[list[list[Any]], list[dict[str, Any]]],
    t: float,
) -> QueueFigures:
    accs, counts = counted
    return _group_report(
        engine,
        t,
        accs,
        counts,
        integral_spans(queue.series, t, engine.windows),
        queue.sl_threshold_s,
        queue.sl_target,
        len(queue.waiting),
        len(queue.leaving),
        longest_wait(queue, t),
        engine.callbacks.pending.get(queue.name, 0),
        queue_agents(queue, engine.day_start_at),
        queue.rostered,
        queue.name,
    )


def _all_totals(engine: Floor, queue_spans: list[list[list[Any]]]) -> list[list[Any]]:
    """Every queue's accumulators added up, span by span (in the order queues were seen)."""
    if not queue_spans:
        return [zero_totals() for _ in range(len(engine.windows) + 2)]
    return [
        [sum(column) for column in zip(*same_span, strict=True)]
        for same_span in zip(*queue_spans, strict=True)
    ]


def queue_agents(queue: QueueState, day_start_at: float) -> AgentCounts:
    """A queue's members per state, and the members who logged off today."""
    logged_off = sum(1 for e in queue.former.values() if e >= day_start_at)
    return cast(AgentCounts, dict(zip(STATE_NAMES, [*queue.counts, logged_off], strict=True)))


def longest_wait(queue: QueueState, t: float) -> float:
    """How long the oldest caller waiting in `queue` has waited at `t` (0 with nobody waiting)."""
    return t - next(iter(queue.waiting.values())) if queue.waiting else 0.0


def _all_report(engine: Floor, queue_spans: list[list[list[Any]]], t: float) -> QueueFigures:
    """Counts and durations of every queue added up; integrals by agent state."""
    accs = _all_totals(engine, queue_spans)
    waiting = leaving = 0
    longest = 0.0
    for queue in engine.queues.values():
        waiting += len(queue.waiting)
        leaving += len(queue.leaving)
        if queue.waiting:
            longest = max(longest, longest_wait(queue, t))
    agents = cast(AgentCounts, dict(zip(STATE_NAMES, engine.agent_counts, strict=True)))
    config = engine.config
    return _group_report(
        engine,
        t,
        accs,
        [count_metrics(acc, config.sl_variant) for acc in accs],
        integral_spans(engine.all_series, t, engine.windows),
        config.sl_threshold_s,
        config.sl_target,
        waiting,
        leaving,
        longest,
        len(engine.callbacks),
        agents,
        engine.all_rostered,
        None,
    )


def _group_report(
    engine: Floor,
    t: float,
    accs: list[list[Any]],
    counts: list[dict[str, Any]],
    integrals: list[list[float]],
    threshold: float,
    target: float,
    waiting: int,
    leaving: int,
    longest: float,
    callbacks: int,
    agents: AgentCounts,
    rostered: Series | None,
    queue: str | None,
) -> QueueFigures:
    """`rostered`, `queue` (None: `all`): whose schedule adherence and attendance use."""
    scheduled = attendance = None
    adherence: list[float | None] = [None] * (len(engine.windows) + 2)
    if engine.schedule is not None and rostered is not None:
        headcount = engine.schedule.headcount(queue)
        scheduled = headcount.at(t)
        attendance = ratio(rostered.n[READY_G] + rostered.n[AWAY_G], scheduled)
        adherence = _adherence(engine, rostered, headcount, t)
    with_wrap = engine.config.occupancy_includes_wrap
    spans = [
        timed_metrics(figures, acc, integ, with_wrap, adh)
        for figures, acc, integ, adh in zip(counts, accs, integrals, adherence, strict=True)
    ]
    nw = len(engine.windows)
    window = spans[0]
    by_state = cast(dict[str, int], agents)
    in_service = sum(by_state[STATE_NAMES[s]] for s in IN_SERVICE)
    required, gap, predicted = staffing_figures(
        engine, t, accs[0][JOINS], window["aht_s"], in_service, threshold, target
    )
    return {
        "waiting": waiting,
        "leaving": leaving,
        "longest_wait_s": longest,
        "callbacks_pending": callbacks,
        "agents": agents,
        "agents_required": required,
        "staffing_gap": gap,
        "predicted_sl": predicted,
        "scheduled": scheduled,
        "attendance": attendance,
        "window": window,
        "interval": spans[nw],
        "day": spans[nw + 1],
        "windows": {str(int(width)): spans[w] for w, width in enumerate(engine.windows) if w > 0},
    }


def staffing_figures(
    engine: Floor,
    t: float,
    joins: int,
    aht: float | None,
    in_service: int,
    threshold: float,
    target: float,
) -> tuple[int | None, int | None, float | None]:
    """`(agents_required, staffing_gap, predicted_sl)` from the window's joins and handle time,
    with `in_service` members available, ringing, talking, holding or in wrap-up."""
    lam = None
    if engine.first_at is not None:
        observed = min(engine.windows[0], t - engine.first_at)
        if observed >= min(engine.windows[0], RATE_MIN_SPAN_S):
            lam = joins / observed
    if lam is None or aht is None or lam * aht > MAX_TRAFFIC_ERLANGS:
        return None, None, None
    required, predicted = staffing(lam * aht, aht, threshold, target, in_service)
    return required, required - in_service, predicted


def _adherence(
    engine: Floor, rostered: Series, headcount: Headcount, t: float
) -> list[float | None]:
    """Ready seconds over scheduled seconds, for each window, the interval and the day."""
    starts = [t - width for width in engine.windows] + [
        engine.interval_start_at,
        engine.day_start_at,
    ]
    return [
        ratio(ready[READY_G], headcount.seconds(start, t))
        for ready, start in zip(integral_spans(rostered, t, engine.windows), starts, strict=True)
    ]


def _team_report(engine: Floor, team: TeamState, t: float) -> TeamFigures:
    """A team's agents by agent state (members never seen: logged off) and its spans."""
    counts = list(team.counts)
    counts[LOGGED_OFF] += team.unseen
    scheduled = None
    adherence: list[float | None] = [None] * (len(engine.windows) + 2)
    if team.rostered is not None and team.headcount is not None:
        headcount = team.headcount
        scheduled = headcount.at(t)
        adherence = _adherence(engine, team.rostered, headcount, t)
    with_wrap = engine.config.occupancy_includes_wrap
    integrals = integral_spans(team.series, t, engine.windows)
    spans = [
        team_span(integ, with_wrap, adh) for integ, adh in zip(integrals, adherence, strict=True)
    ]
    nw = len(engine.windows)
    return {
        "members": sorted(team.members),
        "agents": cast(AgentCounts, dict(zip(STATE_NAMES, counts, strict=True))),
        "scheduled": scheduled,
        "window": spans[0],
        "interval": spans[nw],
        "day": spans[nw + 1],
        "windows": {str(int(width)): spans[w] for w, width in enumerate(engine.windows) if w > 0},
    }


def absent(engine: Floor) -> dict[str, float | None]:
    """Every agent of the schedule: since when it is on shift (for `all`) and logged off,
    None when it is not both."""
    if engine.schedule is None:
        return {}
    return {agent: absent_since(engine, agent) for agent in sorted(engine.schedule.named)}


def absent_since(engine: Floor, agent_id: str) -> float | None:
    on_since = engine.shift_since.get(agent_id)
    if on_since is None:
        return None
    agent = engine.agents.get(agent_id)
    if agent is None:
        return on_since
    return max(on_since, agent.since) if agent.state == LOGGED_OFF else None


def agent_report(engine: Floor, agent: AgentState, mask: bool) -> AgentRow:
    """One agent's row of the board (`agents` in the snapshot)."""
    activity = agent.activity
    call = agent.call
    caller = ""
    if activity == RINGING and agent.ring_key is not None:
        name, call_id = agent.ring_key
        caller = engine.queues[name].callers.get(call_id, "")
    elif call is not None and activity in (TALKING, HOLDING):
        caller = call.caller
    return {
        "name": agent.name or agent.id,
        "state": STATE_NAMES[agent.state],
        "reason": agent.reason,
        "since": agent.since,
        "queues": sorted(agent.members),
        "calls": agent.calls,
        "team": agent.team.name if agent.team is not None else "",
        "caller": mask_number(caller) if mask and caller else caller,
        "answered_at": call.answered_at if call is not None else None,
        "ring_no_answer": agent.streak,
    }
