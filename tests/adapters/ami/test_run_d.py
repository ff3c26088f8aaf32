"""The AMI mapper on run D's real bytes: both read classes, every exit kind, a restart.

queue_log, written by the same Asterisk, is the judge call by call; Asterisk's
own counters are the judge of the totals wherever the restart had not reset
them yet.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from tests.adapters.ami.run_d import (
    BARE_CONFIG,
    CONFIG,
    counters,
    load,
    queue_log_lines,
    queue_log_outcomes,
    queue_log_transfers,
    records,
    snapshots,
    without_the_shutdown,
)
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.ami.visibility import (
    NO_CALL,
    NO_DIALPLAN,
    NO_MEMBER_STATUS,
    NO_TIMESTAMPS,
)
from wallboard.adapters.base import RawRecord, SourceStatus
from wallboard.adapters.identity import learn_member_names
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentStatus,
    CallBlocked,
    CallEnded,
    CallerAbandoned,
    CallerAnswered,
    CallerExited,
    CallerLeaving,
    Event,
    HoldStarted,
)

USERS = ("all", "ro")
QUEUES = ("sales", "support", "billing")
SERVICE_LEVEL = {"sales": 20, "support": 20, "billing": 30}  # queues.conf `servicelevel`


_MAPPED: dict[tuple[Path, str, int], list[Event | SourceStatus]] = {}


def mapped(run_d: Path, user: str, config: EngineConfig = CONFIG) -> list[Event | SourceStatus]:
    """What the mapper makes of one capture (mapped once per configuration)."""
    key = (run_d, user, id(config))
    if key not in _MAPPED:
        mapper = AmiMapper(config)
        out = [item for record in records(run_d, user) for item in mapper.feed(record)]
        _MAPPED[key] = out + mapper.flush()
    return _MAPPED[key]


def events_of(items: list[Event | SourceStatus]) -> list[Event]:
    return [item for item in items if not isinstance(item, SourceStatus)]


def outcomes(items: list[Event | SourceStatus]) -> Counter[tuple[str, str, str]]:
    """(queue, call id, how it left the queue), as many times as it happened."""
    found: Counter[tuple[str, str, str]] = Counter()
    for e in events_of(items):
        if isinstance(e, CallerAnswered):
            found[(e.queue, e.call_id, "answered")] += 1
        elif isinstance(e, CallerAbandoned):
            found[(e.queue, e.call_id, "abandon")] += 1
        elif isinstance(e, CallerExited):
            found[(e.queue, e.call_id, e.reason)] += 1
    return found


def day_counts(items: list[Event | SourceStatus], config: EngineConfig) -> dict:
    engine = Engine(config)
    for event in events_of(items):
        engine.apply(event)
    assert engine.late_events == 0
    assert engine.unknown_calls == 0
    snapshot = engine.snapshot(engine.now)
    keys = ("offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "overflow")
    return {
        queue: {key: snapshot["queues"][queue]["day"][key] for key in keys} for queue in QUEUES
    } | {"transfer_rate": snapshot["all"]["day"]["transfer_rate"]}


@pytest.mark.parametrize("user", USERS)
def test_every_answer_abandon_and_exit_is_queue_logs_call_by_call(run_d, user):
    found = outcomes(mapped(run_d, user))
    assert found == queue_log_outcomes(run_d)
    kinds = Counter(kind for _, _, kind in found.elements())
    assert kinds == {"answered": 190, "abandon": 78, "timeout": 36, "empty": 9, "key": 10}


def test_read_only_user_without_exit_settings_still_tells_exits_from_abandons(run_d):
    """Music still playing at the abandon, a join elsewhere, a channel alive: exits.

    What is lost without `leavewhenempty` is only the kind of the 9 empty-queue
    exits (they read as timeouts); every abandon and exit is still counted right.
    """
    found = outcomes(mapped(run_d, "ro", BARE_CONFIG))
    judge = queue_log_outcomes(run_d)
    assert found - judge == Counter({(*k[:2], "timeout"): 1 for k in judge if k[2] == "empty"})
    assert sum(found.values()) == sum(judge.values())


def test_read_all_user_needs_no_exit_settings(run_d):
    assert outcomes(mapped(run_d, "all", BARE_CONFIG)) == queue_log_outcomes(run_d)


@pytest.mark.parametrize("user", USERS)
def test_a_caller_waiting_for_its_verdict_is_shown_leaving(run_d, user):
    items = events_of(mapped(run_d, user))
    leaving = {(e.queue, e.call_id): e.at for e in items if isinstance(e, CallerLeaving)}
    decided = {
        (e.queue, e.call_id): e.at
        for e in items
        if isinstance(e, CallerAbandoned | CallerExited) and (e.queue, e.call_id) in leaving
    }
    assert decided.keys() == leaving.keys()
    assert all(0 <= decided[key] - leaving[key] <= 2.0 for key in leaving)
    # `all` waits milliseconds for QUEUESTATUS; `ro` has its verdict at once.
    assert len(leaving) == (45 if user == "all" else 0)
    assert [e.at for e in items] == sorted(e.at for e in items)


@pytest.mark.parametrize("user", USERS)
def test_transfers_and_holds(run_d, user):
    items = events_of(mapped(run_d, user))
    transferred = Counter(
        (e.queue, e.call_id) for e in items if isinstance(e, CallEnded) and e.transferred
    )
    assert transferred == queue_log_transfers(run_d)
    assert sum(isinstance(e, HoldStarted) for e in items) == 16


@pytest.mark.parametrize("user", USERS)
def test_each_queue_counts_what_the_queue_log_path_counts(run_d, user):
    from_queue_log = list(QueueLogSource(run_d / "queue_log", CONFIG).events())
    assert day_counts(mapped(run_d, user), CONFIG) == day_counts(from_queue_log, CONFIG)


def test_refusals_are_seen_only_with_the_dialplan_class_and_the_blind_spot_is_said(run_d):
    def refused(items):
        return Counter((e.queue, e.reason) for e in items if isinstance(e, CallBlocked))

    everything, read_only = mapped(run_d, "all"), mapped(run_d, "ro")
    assert refused(everything) == {("sales", "full"): 25, ("support", "joinempty"): 19}
    assert refused(read_only) == {}
    limits = [s.limits for s in read_only if isinstance(s, SourceStatus)]
    assert {NO_DIALPLAN} == {limit for each in limits for limit in each}
    said = [s for s in read_only if isinstance(s, SourceStatus) and s.state == "live"]
    assert said[0].limits == () and said[-1].limits == (NO_DIALPLAN,)
    assert all(not s.limits for s in everything if isinstance(s, SourceStatus))


ENDS = ("COMPLETEAGENT", "COMPLETECALLER", "BLINDTRANSFER", "ATTENDEDTRANSFER")


@pytest.mark.parametrize("user", USERS)
def test_a_restart_whose_shutdown_never_arrived_ends_the_old_calls_as_queue_log_does(run_d, user):
    """The connection dies as Asterisk stops: no hang-up, abandon or `Shutdown` of it arrives.

    The restart is found after the reconnect (`ro`: every static member logged in
    during the outage; `all`: `FullyBooted` younger than it), and what the old
    process held ends as its shutdown wrote it to queue_log: the 13 waiting
    callers abandoned, the 7 calls in progress ended, each in its queue; the
    waits run up to the loss, up to the seconds between the shutdown and the
    loss longer than queue_log's.
    """
    kept, removed = without_the_shutdown(records(run_d, user))
    mapper = AmiMapper(CONFIG)
    items = [item for record in kept for item in mapper.feed(record)] + mapper.flush()
    assert outcomes(items) == queue_log_outcomes(run_d)
    ended = Counter((e.queue, e.call_id) for e in events_of(items) if isinstance(e, CallEnded))
    lines = queue_log_lines(run_d)
    assert ended == Counter((f[2], f[1]) for f in lines if f[4] in ENDS)

    lost_at = load(run_d, user).connections[0].lost_at
    removed_calls = {dict(r.payload).get("Uniqueid") for r in removed if r.kind == "ami"}
    at_shutdown = {f[1]: f for f in lines if f[4] == "ABANDON" and f[1] in removed_calls}
    assert len(at_shutdown) == 13
    for e in events_of(items):
        if isinstance(e, CallerAbandoned) and e.call_id in at_shutdown:
            fields = at_shutdown.pop(e.call_id)
            written_at, wait = float(fields[0]), float(fields[7])
            assert wait <= e.wait_s <= wait + (lost_at - written_at) + 1.0
    assert at_shutdown == {}


def asterisk_counters_from(
    items: list[Event | SourceStatus],
    start: float,
    end: float,
    removed: frozenset[tuple[str, str, float]] = frozenset(),
    service_level: dict[str, int] = SERVICE_LEVEL,
) -> dict:
    """Completed, Abandoned and ServicelevelPerf(2) as app_queue counts them.

    A call counts as completed at its end, in its queue, when its member still
    belongs to the queue then (a member removed mid-call gets no completion,
    observed on Kate); abandons, timeouts and empty-queue exits all count as
    abandoned; a call is in the service level when its wait is at most the
    queue's `servicelevel`. Membership is the events' (AMI's member events), or
    for queue_log Asterisk's own: `removed` holds (agent, queue, time) of the
    REMOVEMEMBER lines not followed by an ADDMEMBER (the mapper joins a removed
    member to the queue for an offer that rang across the removal).
    """
    waits: dict[tuple[str, str], float] = {}
    members: set[tuple[str, str]] = set()
    tally = {
        q: {"completed": 0, "in_sl": 0, "abandoned": 0, "abandoned_in_sl": 0} for q in service_level
    }
    for e in events_of(items):
        if isinstance(e, AgentLoggedIn | AgentStatus):
            members.add((e.agent, e.queue))
        elif isinstance(e, AgentLoggedOut):
            members.discard((e.agent, e.queue))
        if not start < e.at <= end:
            continue
        out = isinstance(e, CallEnded) and any(
            (agent, queue) == (e.agent, e.queue) and at <= e.at for agent, queue, at in removed
        )
        if isinstance(e, CallerAnswered):
            waits[(e.queue, e.call_id)] = e.wait_s
        elif isinstance(e, CallEnded) and (e.agent, e.queue) in members and not out:
            tally[e.queue]["completed"] += 1
            tally[e.queue]["in_sl"] += waits.pop((e.queue, e.call_id)) <= service_level[e.queue]
        elif isinstance(e, CallerAbandoned) or (
            isinstance(e, CallerExited) and e.reason in ("timeout", "empty")
        ):
            tally[e.queue]["abandoned"] += 1
            tally[e.queue]["abandoned_in_sl"] += e.wait_s <= service_level[e.queue]
    out = {}
    for queue, t in tally.items():
        answered_and_abandoned = t["completed"] + t["abandoned"]
        out[queue] = {
            "Completed": str(t["completed"]),
            "Abandoned": str(t["abandoned"]),
            "ServicelevelPerf": f"{100 * t['in_sl'] / t['completed'] if t['completed'] else 0:.1f}",
            "ServicelevelPerf2": (
                f"{100 * (t['in_sl'] + t['abandoned_in_sl']) / answered_and_abandoned:.1f}"
                if answered_and_abandoned
                else "0.0"
            ),
        }
    return out


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(
    ("label", "process"), [("pre-reload", 1), ("pre-restart", 1), ("final", 2)]
)
def test_asterisk_counters_where_the_restart_had_not_reset_them(run_d, user, label, process):
    restart = load(run_d, user).connections[0].lost_at
    start, end = 0.0 if process == 1 else restart, snapshots(run_d)[label][0]
    expected = {
        queue: {key: params[key] for key in ("Completed", "Abandoned", "ServicelevelPerf")}
        | {"ServicelevelPerf2": params["ServicelevelPerf2"]}
        for queue, params in counters(run_d, label).items()
    }
    assert asterisk_counters_from(mapped(run_d, user), start, end) == expected


def test_the_queue_log_path_counts_what_asterisks_counters_say(run_d):
    """queue_log (the same Asterisk's) against its counters wherever the restart had not reset them.

    Its lines are whole seconds: the shutdown's ABANDON and COMPLETE* lines share the
    second of the `pre-restart` answer (taken at .64, the shutdown began at .67), so
    that second is left out there (no call ended in it before the answer: see the AMI
    stream). A member REMOVEMEMBER took out gets no completion, as on AMI (Kate).
    (Run D's only removal not undone by an ADDMEMBER before its calls is Kate's.)
    """
    events = list(QueueLogSource(run_d / "queue_log", CONFIG).events())
    restart = load(run_d, "all").connections[0].lost_at
    ties = learn_member_names(lambda: (run_d / "queue_log").open()).members
    last_change: dict[tuple[str, str], tuple[str, float]] = {}
    for f in queue_log_lines(run_d):
        if f[4] in ("ADDMEMBER", "REMOVEMEMBER"):
            last_change[(ties.get(f[3], f[3]), f[2])] = (f[4], float(f[0]))
    removed = frozenset(
        (*key, at) for key, (verb, at) in last_change.items() if verb == "REMOVEMEMBER"
    )
    for label, start in (("pre-reload", 0.0), ("pre-restart", 0.0), ("final", restart)):
        at = snapshots(run_d)[label][0]
        end = math.floor(at) - 0.5 if label == "pre-restart" else at
        expected = {
            queue: {
                key: params[key]
                for key in ("Completed", "Abandoned", "ServicelevelPerf", "ServicelevelPerf2")
            }
            for queue, params in counters(run_d, label).items()
        }
        assert asterisk_counters_from(events, start, end, removed) == expected, label


def without(run: list[RawRecord], dropped) -> list[RawRecord]:
    return [r for r in run if r.kind != "ami" or not dropped(dict(r.payload))]


def classes_lack(wanted: str):
    def lacks(headers: dict[str, str]) -> bool:
        privilege = headers.get("Privilege")
        return privilege is not None and wanted not in privilege.split(",")

    return lacks


def untimed(run: list[RawRecord]) -> list[RawRecord]:
    """What `timestampevents = no` sends: no `Timestamp:` header."""
    return [
        RawRecord(r.received_at, r.kind, [p for p in r.payload if p[0] != "Timestamp"])
        if r.kind == "ami"
        else r
        for r in run
    ]


@pytest.mark.parametrize(
    ("stream", "said"),
    [
        ("read = all", ()),
        ("read = agent", (NO_DIALPLAN, NO_CALL)),
        ("timestampevents = no", (NO_TIMESTAMPS,)),
        ("no QueueMemberStatus", (NO_MEMBER_STATUS,)),
    ],
)
def test_each_blind_spot_is_found_in_the_real_stream_and_nothing_else(run_d, stream, said):
    """Run D's `read = all` bytes cut as Asterisk would send them to such a user."""
    run = records(run_d, "all")
    if stream == "read = agent":
        run = without(run, classes_lack("agent"))
    elif stream == "timestampevents = no":
        run = untimed(run)
    elif stream == "no QueueMemberStatus":  # e.g. an eventfilter without it
        run = without(run, lambda headers: headers.get("Event") == "QueueMemberStatus")
    mapper = AmiMapper(CONFIG)
    statuses = [i for r in run for i in mapper.feed(r) if isinstance(i, SourceStatus)]
    assert statuses[-1].limits == said
    assert {limit for s in statuses for limit in s.limits} == set(said)
