"""A board cut down to a token's scope, before it is encoded (docs/HUB.md, "Scopes").

A scoped viewer gets only the queues, agents, teams, callbacks and alarms its
scope names. Everything is chosen by an allow-list: a snapshot key, an agent
field or a queue figure this module does not know is left out, so a field
added to the engine later never leaks to a scoped viewer by default.

The `all` row of a viewer limited to some queues is recomputed from those
queues alone, else it would tell of the queues it may not see. It holds only
what the visible queues determine: counts and current figures added up, the
longest wait, the rates of those counts by the engine's formulas, averages
whose denominator is a count weighted by it, and the agents it sees by state.
Figures made of agent time or of totals the queue rows do not carry
(occupancy, handle and ring times, staffing, adherence) are null there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from wallboard.alarms.evaluator import TransitionRecord
from wallboard.engine.snapshot import QueueFigures, Snapshot
from wallboard.hub.access import Scope

AGGREGATE = "all"
# The top-level keys of a snapshot a scoped viewer may get; the rest are left out.
# (`callbacks`, `teams`, `absent` are cut to the scope below, as the queues and agents are.)
SNAPSHOT_KEYS = (
    "at",
    "source",
    "config",
    "queues",
    "all",
    "agents",
    "alarms",
    "callbacks",
    "teams",
    "absent",
)
AGENT_FIELDS = (
    "name",
    "state",
    "reason",
    "since",
    "queues",
    "calls",
    "team",
    "caller",
    "answered_at",
    "ring_no_answer",
)
# Figures of a QUEUE row that add up over queues, and the one that is a maximum.
SUMMED = ("waiting", "leaving")
LONGEST = "longest_wait_s"
SPANS = ("window", "interval", "day")
SPAN_COUNTS = (
    "offered",
    "answered",
    "answered_in_sl",
    "abandoned",
    "short_abandoned",
    "overflow",
    "blocked",
    "ring_no_answer",
)
# Averages over a count the rows carry, of calls counted in that same count: the scoped
# figure is their mean weighted by it. (Not `transfer_rate`: it counts transfers of calls
# ended in the span over calls answered in it, so a queue's transfers are lost to the
# weighting whenever it answered none.)
WEIGHTED = {
    "asa_s": "answered",
    "avg_abandon_s": "abandoned",
    "avg_queue_s": "offered",
    "queued_pct": "offered",
}


def scoped_board(
    snapshot: Snapshot, transitions: Iterable[TransitionRecord], scope: Scope
) -> tuple[Snapshot, list[TransitionRecord]]:
    """The snapshot and the transitions a viewer with `scope` may receive."""
    return _scoped(snapshot, transitions, scope)


def _scoped(
    snapshot: Mapping[str, Any], transitions: Iterable[TransitionRecord], scope: Scope
) -> tuple[Snapshot, list[TransitionRecord]]:
    queues = {
        name: block for name, block in snapshot.get("queues", {}).items() if scope.sees_queue(name)
    }
    agents = {
        agent_id: _agent_row(row, scope)
        for agent_id, row in snapshot.get("agents", {}).items()
        if _sees_agent(row, scope)
    }
    out: dict[str, Any] = {key: snapshot[key] for key in SNAPSHOT_KEYS if key in snapshot}
    out["queues"] = queues
    if "agents" in snapshot:
        out["agents"] = agents
    if "config" in snapshot:
        config = dict(snapshot["config"])
        if "queues" in config:
            config["queues"] = {q: s for q, s in config["queues"].items() if scope.sees_queue(q)}
        out["config"] = config
    if scope.queues is not None and "all" in snapshot:
        out["all"] = scoped_all(
            snapshot["all"],
            list(queues.values()),
            agents if "agents" in snapshot else None,
            out.get("config", {}).get("sl_variant"),
        )
    visible_agents = set(agents)
    if "callbacks" in snapshot:
        # By the queue of the last abandon, as its `callbacks_pending` counts it.
        out["callbacks"] = [
            {**entry, "queues": [q for q in entry["queues"] if scope.sees_queue(q)]}
            for entry in snapshot["callbacks"]
            if scope.sees_queue(entry["queue"])
        ]
    if "teams" in snapshot:
        # A team's figures count all its agents: only for a scope that sees all of them.
        out["teams"] = {
            name: block
            for name, block in snapshot["teams"].items()
            if scope.queues is None and scope.sees_team(name)
        }
    if "absent" in snapshot:
        out["absent"] = {
            agent_id: since
            for agent_id, since in snapshot["absent"].items()
            if scope.whole_source or agent_id in visible_agents
        }
    if "alarms" in snapshot:
        out["alarms"] = [a for a in snapshot["alarms"] if _sees_alarm(a, scope, visible_agents)]
    # The keys of a Snapshot, each cut down; a key it does not know, left out.
    return cast(Snapshot, out), [t for t in transitions if _sees_alarm(t, scope, visible_agents)]


def _sees_agent(row: Mapping[str, Any], scope: Scope) -> bool:
    """A member of a queue it sees (when its queues are limited), in a team it sees (likewise)."""
    if scope.queues is not None and not any(scope.sees_queue(q) for q in row.get("queues", ())):
        return False
    return scope.teams is None or scope.sees_team(str(row.get("team") or ""))


def _agent_row(row: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    out = {key: row[key] for key in AGENT_FIELDS if key in row}
    if "queues" in out:
        out["queues"] = [q for q in out["queues"] if scope.sees_queue(q)]
    return out


def _sees_alarm(alarm: Mapping[str, Any], scope: Scope, agents: set[str]) -> bool:
    """An agent's alarm goes with its agent; a queue's with its queue; `all`'s with every queue."""
    agent = alarm.get("agent")
    if agent:
        return agent in agents
    queue = str(alarm.get("queue", ""))
    if queue == AGGREGATE:
        return scope.queues is None
    return scope.sees_queue(queue)


def scoped_all(
    whole: Mapping[str, Any],
    queues: Iterable[Mapping[str, Any]],
    agents: Mapping[str, Mapping[str, Any]] | None,
    sl_variant: str | None,
) -> QueueFigures:
    """`all` over the visible `queues` only, in the layout of the whole floor's `whole`."""
    queues = list(queues)
    out: dict[str, Any] = dict.fromkeys(whole)
    for key in SUMMED:
        if key in whole:
            out[key] = sum(q.get(key, 0) for q in queues)
    if LONGEST in whole:
        out[LONGEST] = max((q.get(LONGEST, 0.0) for q in queues), default=0.0)
    counts = dict.fromkeys(whole.get("agents", {}), 0)
    for row in (agents or {}).values():
        if row.get("state") in counts:
            counts[row["state"]] += 1
    out["agents"] = counts if agents is not None else dict.fromkeys(counts)
    for name in SPANS:
        if name in whole:
            out[name] = _span(whole[name], [q[name] for q in queues], sl_variant)
    if "windows" in whole:
        out["windows"] = {
            width: _span(span, [q["windows"][width] for q in queues], sl_variant)
            for width, span in whole["windows"].items()
        }
    return cast(QueueFigures, out)


def _span(
    layout: Mapping[str, Any], spans: list[Mapping[str, Any]], sl_variant: str | None
) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(layout)
    counts = {key: sum(span[key] for span in spans) for key in SPAN_COUNTS if key in layout}
    out.update(counts)
    offered, short = counts.get("offered", 0), counts.get("short_abandoned", 0)
    answered, in_sl = counts.get("answered", 0), counts.get("answered_in_sl", 0)
    if sl_variant == "offered":
        out["service_level"] = _ratio(in_sl, offered - short)
    elif sl_variant == "answered_only":
        out["service_level"] = _ratio(in_sl, answered)
    out["abandon_rate"] = _ratio(counts.get("abandoned", 0), offered - short)
    out["answered_pct"] = _ratio(answered, offered)
    blocked = counts.get("blocked", 0)
    out["blocked_rate"] = _ratio(blocked, offered + blocked)
    for key, count in WEIGHTED.items():
        if key in layout:
            weighted = [(s[key], s[count]) for s in spans if s[count] and s[key] is not None]
            out[key] = _ratio(sum(v * n for v, n in weighted), sum(n for _, n in weighted))
    return {key: out[key] for key in layout}


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den
