"""Pure mapping of AMI records (Asterisk 11 to 22) to wallboard events.

Only queue-relevant events are read; the name is looked up first, so the
noise (`VarSet`, `Newexten`... most of a real stream) costs one dict lookup.
A few channel events are kept because Asterisk says some things nowhere else:

- A caller refused by a full queue (or a join-empty rule) raises no queue
  event, only `VarSet QUEUESTATUS=FULL` on its channel; the queue comes from
  the channel's preceding `Newexten` running `Queue(name,...)`, else its `Exten`.
- `QueueCallerAbandon` is raised for hang-ups *and* for queue timeouts. It is
  decided when it arrives, never by waiting for later events: a hang-up if a
  `HangupRequest`/`SoftHangupRequest` for the caller's channel came first
  (what a caller's own hang-up shows); else a timeout if its `HoldTime`
  reached the timeout argument of the channel's `Queue()` call; else a
  hang-up, because a hang-up requested over AMI or the CLI announces nothing
  before the abandon (every hang-up in the real capture is of that kind). A
  leave-when-empty exit therefore counts as an abandon: AMI cannot tell it
  from a hang-up at that moment.
- An answered caller shows `DialEnd` (ANSWER) and `QueueCallerLeave` before
  `AgentConnect`, so a leave is an exit only when no answer is under way.
- There is no wrap-up event: a call's wrap is the queue's configured
  `wrapup_s` (`EngineConfig.for_queue`), started by `AgentComplete`.

Times: the `Timestamp:` header (`timestampevents = yes`), else the moment the
record was received, moved onto the PBX's clock by the offset between the two
seen last (a `Ping` answer carries a `Timestamp` too): resync answers carry no
time of their own, and a PBX whose clock is not ours (or a simulator running
faster than real time) would otherwise put them in another day. Durations
Asterisk reports (whole seconds; ring time of `AgentRingNoAnswer` in
milliseconds) are passed on as the source's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wallboard.adapters.ami.status import StatusList, agent_of, member_status, seconds
from wallboard.adapters.base import RawRecord
from wallboard.engine.settings import EngineConfig
from wallboard.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentRinging,
    AgentRingNoAnswer,
    AgentUnpaused,
    BlockReason,
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
from wallboard.status import SourceStatus

Headers = dict[str, str]
Output = list[Event | SourceStatus]

BLOCKED: dict[str, BlockReason] = {
    "FULL": "full",
    "JOINEMPTY": "joinempty",
    "JOINUNAVAIL": "joinunavail",
}


@dataclass(slots=True)
class _Call:
    """An answered call until its `AgentComplete`."""

    queue: str
    agent: str
    keys: tuple[str, ...]
    transferred: bool = False


@dataclass(slots=True)
class _QueueApp:
    """A channel running `Queue()`: the queue it asked for and its timeout argument."""

    queue: str
    timeout_s: float | None
    joined: bool = False


@dataclass(slots=True)
class _State:
    waiting: dict[str, str] = field(default_factory=dict)
    members: set[tuple[str, str]] = field(default_factory=set)
    hangup_requested: set[str] = field(default_factory=set)
    answering: set[str] = field(default_factory=set)
    queue_apps: dict[str, _QueueApp] = field(default_factory=dict)
    calls: dict[str, _Call] = field(default_factory=dict)
    call_keys: dict[str, str] = field(default_factory=dict)


def _queue_app(app_data: str) -> _QueueApp:
    """`Queue(name,options,URL,announce,timeout,...)` arguments."""
    args = app_data.split(",")
    timeout: float | None = None
    if len(args) > 4 and args[4].strip():
        try:
            timeout = float(args[4])
        except ValueError:
            timeout = None
    return _QueueApp(args[0].strip(), timeout)


def _uid(headers: Headers) -> str:
    return headers.get("Uniqueid") or headers.get("UniqueID", "")


class AmiMapper:
    """Turns AMI records into events; one instance per source, fed in arrival order."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._state = _State()
        self._status: StatusList | None = None
        self._wrap: dict[str, float] = {}
        self._clock_offset = 0.0
        self._handlers: dict[str, Callable[[Headers, float], Output]] = {
            "QueueCallerJoin": self._join,
            "Join": self._join,
            "QueueCallerLeave": self._leave,
            "Leave": self._leave,
            "QueueCallerAbandon": self._abandon,
            "AgentCalled": self._called,
            "AgentConnect": self._connect,
            "AgentComplete": self._complete,
            "AgentRingNoAnswer": self._ring_no_answer,
            "AgentDump": self._dump,
            "QueueMemberAdded": self._member_added,
            "QueueMemberRemoved": self._member_removed,
            "QueueMemberPause": self._member_pause,
            "QueueMemberPaused": self._member_pause,
            "QueueMemberStatus": self._member_status,
            "QueueMemberRinginuse": self._member_status,
            "QueueMemberPenalty": self._member_status,
            "Hold": self._hold,
            "Unhold": self._hold,
            "BlindTransfer": self._transfer,
            "AttendedTransfer": self._transfer,
            "DialEnd": self._dial_end,
            "Dial": self._dial_end,
            "HangupRequest": self._hangup_request,
            "SoftHangupRequest": self._hangup_request,
            "Hangup": self._hangup,
            "Newexten": self._newexten,
            "VarSet": self._varset,
            "QueueParams": self._status_item,
            "QueueMember": self._status_item,
            "QueueEntry": self._status_item,
            "QueueStatusComplete": self._status_complete,
        }

    def feed(self, record: RawRecord) -> Output:
        if record.kind == "status":
            status = SourceStatus.from_payload(record.payload)
            if status.state == "disconnected":
                self._forget_channels()
            return [status]
        if record.kind != "ami":
            return []
        payload: list[Any] = record.payload
        if not payload:
            return []
        first = payload[0]
        name = first[1] if first[0] == "Event" else dict(payload).get("Event", "")
        handler = self._handlers.get(name)
        if handler is None:
            if not name:  # a response: a Ping answer tells the PBX's clock
                self._time_of(dict(payload), record.received_at)
            return []
        headers: Headers = dict(payload)
        if name == "Dial" and headers.get("SubEvent") != "End":
            return []
        return handler(headers, self._time_of(headers, record.received_at))

    def _time_of(self, headers: Headers, received_at: float) -> float:
        try:
            at = float(headers["Timestamp"])
        except (KeyError, ValueError):
            return received_at + self._clock_offset
        self._clock_offset = at - received_at
        return at

    # callers

    def _join(self, h: Headers, at: float) -> Output:
        queue, uid = h.get("Queue", ""), _uid(h)
        if not queue or not uid:
            return []
        state = self._state
        state.waiting[uid] = queue
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        app = state.queue_apps.get(uid)
        if app is not None:
            app.joined = True
        return [CallerJoined(at, queue, uid, h.get("CallerIDNum", ""))]

    def _leave(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        state = self._state
        queue = state.waiting.pop(uid, None)
        if queue is None or uid in state.answering:
            return []
        state.hangup_requested.discard(uid)
        return [CallerExited(at, queue, uid, "other")]

    def _abandon(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        state = self._state
        queue = state.waiting.pop(uid, None) or h.get("Queue", "")
        if not queue or not uid:
            return []
        wait = seconds(h, "HoldTime", "Holdtime")
        hung_up = uid in state.hangup_requested
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        app = state.queue_apps.get(uid)
        timed_out = (
            not hung_up
            and app is not None
            and app.timeout_s is not None
            and wait is not None
            and wait >= app.timeout_s
        )
        if timed_out:
            return [CallerExited(at, queue, uid, "timeout", wait)]
        return [CallerAbandoned(at, queue, uid, wait)]

    def _dial_end(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        if h.get("DialStatus") == "ANSWER" and uid in self._state.waiting:
            self._state.answering.add(uid)
        return []

    def _hangup_request(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        if uid in self._state.waiting:
            self._state.hangup_requested.add(uid)
        return []

    def _hangup(self, h: Headers, at: float) -> Output:
        """A channel is gone: drop what was kept about it; a caller still waiting is lost."""
        uid = _uid(h)
        state = self._state
        state.queue_apps.pop(uid, None)
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        queue = state.waiting.pop(uid, None)
        return [CallerGone(at, queue, uid)] if queue is not None else []

    def _newexten(self, h: Headers, at: float) -> Output:
        if h.get("Application") == "Queue":
            self._state.queue_apps[_uid(h)] = _queue_app(h.get("AppData", ""))
        return []

    def _varset(self, h: Headers, at: float) -> Output:
        if h.get("Variable") != "QUEUESTATUS":
            return []
        uid = _uid(h)
        app = self._state.queue_apps.pop(uid, None)
        reason = BLOCKED.get(h.get("Value", ""))
        if reason is None or (app is not None and app.joined):
            return []
        queue = app.queue if app is not None else h.get("Exten", "")
        return [CallBlocked(at, queue, uid, reason)] if queue and uid else []

    # agents and answered calls

    def _called(self, h: Headers, at: float) -> Output:
        agent, queue, uid = agent_of(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        self._state.members.add((agent, queue))
        self._state.answering.discard(uid)
        return [AgentRinging(at, agent, queue, uid)]

    def _ring_no_answer(self, h: Headers, at: float) -> Output:
        agent, queue = agent_of(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        ring_ms = seconds(h, "RingTime", "Ringtime")
        ring = ring_ms / 1000.0 if ring_ms is not None else None
        self._state.members.add((agent, queue))
        return [AgentRingNoAnswer(at, agent, queue, _uid(h), ring)]

    def _dump(self, h: Headers, at: float) -> Output:
        """The agent answered, then hung up before being connected: the caller waits on."""
        agent, queue, uid = agent_of(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        self._state.answering.discard(uid)
        return [AgentRingNoAnswer(at, agent, queue, uid)]

    def _connect(self, h: Headers, at: float) -> Output:
        agent, queue, uid = agent_of(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue or not uid:
            return []
        state = self._state
        state.waiting.pop(uid, None)
        state.answering.discard(uid)
        state.hangup_requested.discard(uid)
        state.members.add((agent, queue))
        keys = tuple({uid, h.get("Linkedid", ""), h.get("DestUniqueid", "")} - {""})
        self._forget_call(uid)
        state.calls[uid] = _Call(queue, agent, keys)
        for key in keys:
            state.call_keys[key] = uid
        return [
            CallerAnswered(
                at,
                queue,
                uid,
                agent,
                seconds(h, "HoldTime", "Holdtime"),
                seconds(h, "RingTime", "Ringtime"),
            )
        ]

    def _complete(self, h: Headers, at: float) -> Output:
        agent, queue, uid = agent_of(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        call = self._forget_call(uid)
        transferred = h.get("Reason") == "transfer" or (call is not None and call.transferred)
        return [
            CallEnded(
                at,
                queue,
                uid,
                agent,
                seconds(h, "TalkTime", "Talktime"),
                self._wrap_s(queue),
                transferred,
            )
        ]

    def _hold(self, h: Headers, at: float) -> Output:
        call_id = self._state.call_keys.get(_uid(h)) or self._state.call_keys.get(
            h.get("Linkedid", "")
        )
        if call_id is None:
            return []
        return [HoldStarted(at, call_id) if h["Event"] == "Hold" else HoldEnded(at, call_id)]

    def _transfer(self, h: Headers, at: float) -> Output:
        if h.get("Result", "Success") != "Success":
            return []
        state = self._state
        for key, value in h.items():
            if key.endswith(("Uniqueid", "Linkedid")) and value in state.call_keys:
                state.calls[state.call_keys[value]].transferred = True
        return []

    # memberships

    def _member_added(self, h: Headers, at: float) -> Output:
        agent, queue = agent_of(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._state.members.add((agent, queue))
        out: Output = [AgentLoggedIn(at, agent, queue, h.get("MemberName", ""))]
        if h.get("Paused") == "1":
            out.append(AgentPaused(at, agent, queue, h.get("PausedReason", "")))
        return out

    def _member_removed(self, h: Headers, at: float) -> Output:
        agent, queue = agent_of(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._state.members.discard((agent, queue))
        return [AgentLoggedOut(at, agent, queue)]

    def _member_pause(self, h: Headers, at: float) -> Output:
        agent, queue = agent_of(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._state.members.add((agent, queue))
        if h.get("Paused") == "1":
            reason = h.get("PausedReason") or h.get("Reason", "")
            return [AgentPaused(at, agent, queue, reason)]
        return [AgentUnpaused(at, agent, queue)]

    def _member_status(self, h: Headers, at: float) -> Output:
        status = member_status(h, at)
        if status is None:
            return []
        self._state.members.add((status.agent, status.queue))
        return [status]

    # resynchronization

    def _status_item(self, h: Headers, at: float) -> Output:
        if self._status is None:
            self._status = StatusList()
        if h["Event"] == "QueueMember":
            self._status.add_member(h, at)
        elif h["Event"] == "QueueEntry":
            self._status.add_entry(h, at)
        return []

    def _status_complete(self, h: Headers, at: float) -> Output:
        listing, self._status = self._status or StatusList(), None
        state = self._state
        events = listing.finish(at, state.waiting, state.members)
        state.waiting = dict(listing.waiting)
        state.members = set(listing.members)
        for call_id, call in list(state.calls.items()):
            if call.agent not in listing.busy_agents:
                self._forget_call(call_id)
        return list(events)

    # helpers

    def _forget_call(self, call_id: str) -> _Call | None:
        call = self._state.calls.pop(call_id, None)
        if call is not None:
            for key in call.keys:
                if self._state.call_keys.get(key) == call_id:
                    del self._state.call_keys[key]
        return call

    def _forget_channels(self) -> None:
        """Channel-level memory is stale after a disconnection (hang-ups were missed)."""
        state = self._state
        state.hangup_requested.clear()
        state.answering.clear()
        state.queue_apps.clear()
        self._status = None

    def _wrap_s(self, queue: str) -> float:
        wrap = self._wrap.get(queue)
        if wrap is None:
            wrap = self._wrap[queue] = self._config.for_queue(queue).wrapup_s
        return wrap
