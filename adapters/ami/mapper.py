"""Pure mapping of AMI records (Asterisk 11 to 22) to wallboard events.

Only queue-relevant events are read; the name is looked up first, so the
noise (`VarSet`, `Newexten`... most of a real stream) costs one dict lookup.
A few channel events are kept because Asterisk says some things nowhere else:

- A caller refused by a full queue (or a join-empty rule) raises no queue
  event, only `VarSet QUEUESTATUS=FULL` on its channel; the queue comes from
  the channel's preceding `Newexten` running `Queue(name,...)`, else its `Exten`.
- `QueueCallerAbandon` is raised for hang-ups, queue timeouts and
  leave-when-empty exits alike: `exits.py` tells them apart from every signal
  the user can see. A decision that must wait for the channel's next events
  sends `CallerLeaving` at once and its outcome once decided, stamped with the
  source time it was decided at (at most `DECISION_WAIT_S` later); it is
  released by source time only (any record, a `tick` when the PBX is quiet),
  so a replay of the records decides exactly as live did.
- A caller who presses a key of the queue's `context` leaves with no abandon
  and no answer, from another dialplan place than it joined from: an exit with
  key. An answered caller shows `DialEnd` (ANSWER) and `QueueCallerLeave`
  before `AgentConnect`, so a leave is an exit only when no answer is under way.
- There is no wrap-up event: a call's wrap is the queue's configured
  `wrapup_s` (`EngineConfig.for_queue`), started by `AgentComplete`.
- A restart (a `Shutdown`, a `FullyBooted` younger than the outage, or static
  members logged in again during it) ends what the old process held when
  the connection dropped: callers still waiting abandoned, calls ended, as
  Asterisk's shutdown writes them to queue_log.

Agents are one id per person (`wallboard.adapters.identity`), whichever of
member name, interface and state interface an event leads with.

Times: the `Timestamp:` header (`timestampevents = yes`), else the moment the
record was received, moved onto the PBX's clock by the offset between the two
seen last (a `Ping` answer carries a `Timestamp` too): resync answers carry no
time of their own, and a PBX whose clock is not ours (or a simulator running
faster than real time) would otherwise put them in another day. Durations
Asterisk reports (whole seconds; ring time of `AgentRingNoAnswer` in
milliseconds) are passed on as the source's figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from wallboard.adapters.ami.exits import (
    DECISION_WAIT_S,
    QUEUESTATUS_EXITS,
    MemberState,
    PendingExit,
    Signals,
    absent,
    member_state,
    timeout_matches,
)
from wallboard.adapters.ami.outbound import OfferLegs, device_of, dialled_number
from wallboard.adapters.ami.status import (
    StatusList,
    agent_of,
    member_names,
    member_status,
    seconds,
)
from wallboard.adapters.ami.visibility import (
    CALL_EVENTS,
    DIALPLAN_EVENTS,
    WATCHED_AGENT_EVENTS,
    Visibility,
)
from wallboard.adapters.base import RawRecord
from wallboard.adapters.identity import AgentDirectory
from wallboard.adapters.source_time import SourceClock
from wallboard.adapters.validate import (
    AMI_DURATIONS,
    ami_block_problem,
    drop_bad_durations,
    printable,
    source_status,
)
from wallboard.engine.settings import EngineConfig, QueueSettings
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
    CallerLeaving,
    Event,
    HoldEnded,
    HoldStarted,
    NumberDialed,
)
from wallboard.status import SourceStatus

Headers = dict[str, str]
Output = list[Event | SourceStatus]

BLOCKED: dict[str, BlockReason] = {
    "FULL": "full",
    "JOINEMPTY": "joinempty",
    "JOINUNAVAIL": "joinunavail",
}
RESTART_SLACK_S = 2.0
"""A process is new if it started at most this long before the connection was lost."""
_WATCHED = DIALPLAN_EVENTS | CALL_EVENTS | WATCHED_AGENT_EVENTS


@dataclass(slots=True)
class _Call:
    """An answered call until its `AgentComplete`."""

    queue: str
    agent: str
    keys: tuple[str, ...]
    answered_at: float
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
    joined_at: dict[str, float] = field(default_factory=dict)
    # Where in the dialplan each waiting caller joined from (Context, Exten).
    joined_from: dict[str, tuple[str, str]] = field(default_factory=dict)
    members: set[tuple[str, str]] = field(default_factory=set)
    # Memberships Asterisk removed (QueueMemberRemoved); an offer that rang across the
    # removal may still be answered (run D: Kate), and the member stays out after it.
    removed: set[tuple[str, str]] = field(default_factory=set)
    # Member states per queue, for the leave-when-empty rule.
    book: dict[str, dict[str, MemberState]] = field(default_factory=dict)
    hangup_requested: set[str] = field(default_factory=set)
    music: set[str] = field(default_factory=set)
    answering: set[str] = field(default_factory=set)
    queue_apps: dict[str, _QueueApp] = field(default_factory=dict)
    calls: dict[str, _Call] = field(default_factory=dict)
    call_keys: dict[str, str] = field(default_factory=dict)
    legs: OfferLegs = field(default_factory=OfferLegs)


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


def _stamp(payload: list[list[str]]) -> float | None:
    """The record's own time (`timestampevents = yes`); None when it has none readable."""
    for key, value in payload:
        if key == "Timestamp":
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _record_name(record: RawRecord) -> str:
    """An AMI record's event (or response) name, for a warning about its time."""
    for key, value in record.payload:
        if key in ("Event", "Response"):
            return str(value)
    return "a block without an Event header"


def _uid(headers: Headers) -> str:
    return headers.get("Uniqueid") or headers.get("UniqueID", "")


class AmiMapper:
    """Turns AMI records into events; one instance per source, fed in arrival order."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._agents = AgentDirectory(config.agents)
        self._state = _State()
        self._status: StatusList | None = None
        self._settings: dict[str, QueueSettings] = {}
        # Times: the `Timestamp:` header when it can be believed, else receipt + offset.
        self._clock: SourceClock[RawRecord] = SourceClock(
            config.source_max_jump_s, name=_record_name
        )
        self._warnings: list[str] = []
        self._controls_told: set[str] = set()  # headers whose control characters were told
        self._pending: dict[str, PendingExit] = {}
        self._next_deadline = math.inf
        self._visibility = Visibility()
        self._source_status: SourceStatus | None = None
        # The old process's end, once the connection to it is lost: (time, it was a shutdown).
        self._lost_at: float | None = None
        self._shutdown_at: float | None = None
        self._booted_at: float | None = None
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
            "DialBegin": self._dial_begin,
            "DialEnd": self._dial_end,
            "Dial": self._dial_end,
            "HangupRequest": self._hangup_request,
            "SoftHangupRequest": self._hangup_request,
            "Hangup": self._hangup,
            "MusicOnHoldStart": self._music,
            "MusicOnHoldStop": self._music,
            "Newexten": self._newexten,
            "VarSet": self._varset,
            "Shutdown": self._shutdown,
            "FullyBooted": self._booted,
            "QueueParams": self._status_item,
            "QueueMember": self._status_item,
            "QueueEntry": self._status_item,
            "QueueStatusComplete": self._status_complete,
        }

    def feed(self, record: RawRecord) -> Output:
        kind = record.kind
        if kind == "ami":
            payload = record.payload
            problem = ami_block_problem(payload)
            if problem is not None:
                self._warnings.append(f"skipped: {problem}")
                return []
            stamp = _stamp(payload)
        elif kind in ("status", "tick"):
            stamp = None  # our own clock's: dated with the offset to the PBX's
        else:
            return []
        # Every time passes the source-time guard first (docs/INPUT.md); it may hold a
        # record back until the next one says whether its time can be believed.
        decided = self._clock.admit(stamp, record.received_at, record)
        if len(decided) == 1:
            at, record = decided[0]
            return self._decided(record, at)
        out: Output = []
        for at, held in decided:
            out += self._decided(held, at)
        return out

    def flush(self) -> Output:
        """Decide what still waits: the input ended (a file), its channels' fate untold."""
        out: Output = []
        for at, held in self._clock.flush():
            out += self._decided(held, at)
        return out + self._settle(-math.inf)

    def take_warnings(self) -> list[str]:
        """What could not be read or believed since the last call, naming the event."""
        warnings = self._warnings
        if self._clock.warnings:
            warnings += self._clock.take_warnings()
        if warnings:
            self._warnings = []
        return warnings

    def _decided(self, record: RawRecord, at: float) -> Output:
        kind = record.kind
        if kind == "ami":
            return self._event(record, at)
        if kind == "status":
            return self._connection(record, at)
        return self._release(at) if self._pending else []

    def _event(self, record: RawRecord, at: float) -> Output:
        payload: list[Any] = record.payload
        first = payload[0]
        name = first[1] if first[0] == "Event" else dict(payload).get("Event", "")
        handler = self._handlers.get(name)
        if handler is None:
            # A response (a Ping answer tells the PBX's clock) or an event not read.
            return self._release(at) if self._pending else []
        headers: Headers = dict(payload)
        if not "".join(headers.values()).isprintable():
            self._printable(name, headers)
        if name == "Dial" and headers.get("SubEvent") != "End":
            if headers.get("SubEvent") != "Begin":
                return []
            handler = self._dial_begin
        if not headers.keys().isdisjoint(AMI_DURATIONS):
            self._warnings += drop_bad_durations(name, headers)
        out = self._release(at) if at >= self._next_deadline else []
        if name in _WATCHED and self._visibility.saw(name, headers):
            status = self._limited()
            if status is not None:
                out.append(status)
        found = handler(headers, at)
        if not out:
            return found
        out.extend(found)
        return out

    def _printable(self, event: str, headers: Headers) -> None:
        """Control characters out of every value (a caller can put them in its own number)."""
        for key, value in headers.items():
            text = printable(value)
            if text == value:
                continue
            headers[key] = text
            if key not in self._controls_told:
                self._controls_told.add(key)
                self._warnings.append(
                    f"{event}: {key} holds control characters (terminal escapes); shown as "
                    f"U+FFFD, here and in later events"
                )

    # connection health

    def _connection(self, record: RawRecord, at: float) -> Output:
        status = source_status(record.payload)
        if isinstance(status, str):
            self._warnings.append(f"skipped: {status}")
            return []
        out: Output = []
        if status.state in ("disconnected", "ended"):
            out = self._settle(at)
        if status.state == "disconnected":
            self._forget_channels()
            if self._lost_at is None:
                self._lost_at = at
        elif status.state == "connecting":
            self._visibility.new_connection()
        self._source_status = status
        out.append(replace(status, limits=self._visibility.limits))
        return out

    def _limited(self) -> SourceStatus | None:
        """The current status again, with what the user was just found unable to see."""
        status = self._source_status
        if status is None:
            return None
        return replace(status, limits=self._visibility.limits)

    # callers

    def _join(self, h: Headers, at: float) -> Output:
        queue, uid = h.get("Queue", ""), _uid(h)
        if not queue or not uid:
            return []
        state = self._state
        out: Output = []
        pending = self._pending.get(uid)
        if pending is not None:  # joining again (overflow): the dialplan went on
            out.append(self._decide(pending, at, continued=True))
        state.waiting[uid] = queue
        state.joined_at[uid] = at
        state.joined_from[uid] = (h.get("Context", ""), h.get("Exten", ""))
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        state.music.discard(uid)
        app = state.queue_apps.get(uid)
        if app is not None:
            app.joined = True
        out.append(CallerJoined(at, queue, uid, h.get("CallerIDNum", "")))
        return out

    def _leave(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        state = self._state
        queue = state.waiting.pop(uid, None)
        place = state.joined_from.pop(uid, None)
        state.joined_at.pop(uid, None)
        state.music.discard(uid)
        if queue is None or uid in state.answering:
            return []
        state.hangup_requested.discard(uid)
        # A key of the queue's `context` sends the caller to that context's extension.
        pressed = place is not None and place != (h.get("Context", ""), h.get("Exten", ""))
        return [CallerExited(at, queue, uid, "key" if pressed else "other")]

    def _abandon(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        state = self._state
        queue = state.waiting.pop(uid, None) or h.get("Queue", "")
        if not queue or not uid:
            return []
        state.joined_at.pop(uid, None)
        state.joined_from.pop(uid, None)
        wait = seconds(h, "HoldTime", "Holdtime")
        hung_up = uid in state.hangup_requested
        music = uid in state.music
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        state.music.discard(uid)
        if hung_up:
            return [CallerAbandoned(at, queue, uid, wait)]
        settings = self._queue_settings(queue)
        app = state.queue_apps.get(uid)
        signals = Signals(
            music_playing=music,
            reached_timeout=(
                app is not None
                and app.timeout_s is not None
                and wait is not None
                and wait >= app.timeout_s
            ),
            queue_empty=self._queue_empty(queue, settings, at),
            configured_timeout=timeout_matches(wait, settings.caller_timeout_s),
        )
        visible = self._visibility
        if not visible.dialplan:  # no QUEUESTATUS to come
            if signals.exit():
                return [CallerExited(at, queue, uid, signals.reason(), wait)]
            if not visible.call:  # nor the channel's next steps
                return [CallerAbandoned(at, queue, uid, wait)]
        pending = PendingExit(uid, queue, at, wait, signals, at + DECISION_WAIT_S)
        self._pending[uid] = pending
        self._next_deadline = min(self._next_deadline, pending.deadline)
        return [CallerLeaving(at, queue, uid)]

    def _dial_begin(self, h: Headers, at: float) -> Output:
        """A dial from a channel: a queue's offer to a member, or a call placed (outbound.py)."""
        channel = h.get("Channel", "")
        state = self._state
        if not channel:
            return []  # an Originate's first leg
        if _uid(h) in state.waiting or channel in state.legs:
            state.legs.add(h.get("DestChannel", ""))
            return []
        number = dialled_number(h.get("DialString") or h.get("Dialstring", ""), h.get("Exten", ""))
        if not number:
            return []
        device, ids = device_of(channel), self._agents.ids
        return [NumberDialed(at, number, ids.get(device) or ids.get(f"{device}/n", ""))]

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

    def _music(self, h: Headers, at: float) -> Output:
        uid = _uid(h)
        if uid in self._state.waiting:
            if h["Event"] == "MusicOnHoldStart":
                self._state.music.add(uid)
            else:
                self._state.music.discard(uid)
        return []

    def _hangup(self, h: Headers, at: float) -> Output:
        """A channel is gone: drop what was kept about it; a caller still waiting is lost."""
        uid = _uid(h)
        state = self._state
        state.legs.discard(h.get("Channel", ""))
        state.queue_apps.pop(uid, None)
        state.hangup_requested.discard(uid)
        state.answering.discard(uid)
        state.music.discard(uid)
        state.joined_at.pop(uid, None)
        state.joined_from.pop(uid, None)
        pending = self._pending.get(uid)
        if pending is not None:  # gone (QUEUESTATUS, when sent, came before the Hangup)
            return [self._decide(pending, at)]
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
        value = h.get("Value", "")
        pending = self._pending.get(uid)
        if pending is not None and value in QUEUESTATUS_EXITS:
            return [self._decide(pending, at, queuestatus=value)]
        app = self._state.queue_apps.pop(uid, None)
        reason = BLOCKED.get(value)
        if reason is None or (app is not None and app.joined):
            return []
        queue = app.queue if app is not None else h.get("Exten", "")
        return [CallBlocked(at, queue, uid, reason)] if queue and uid else []

    # exits that wait for the channel's next events

    def _decide(
        self,
        pending: PendingExit,
        at: float,
        *,
        queuestatus: str = "",
        continued: bool = False,
    ) -> Event:
        """The outcome of a pending exit, stamped `at` (when it was decided)."""
        del self._pending[pending.call_id]
        if not self._pending:
            self._next_deadline = math.inf
        reason = QUEUESTATUS_EXITS.get(queuestatus)
        if reason is None:
            if not (continued or pending.signals.exit()):
                return CallerAbandoned(at, pending.queue, pending.call_id, pending.wait_s)
            reason = pending.signals.reason()
        return CallerExited(at, pending.queue, pending.call_id, reason, pending.wait_s)

    def _release(self, at: float) -> Output:
        """Decide the exits whose wait is over by `at`: a channel still up went on."""
        if at < self._next_deadline:
            return []
        alive = self._visibility.call  # (a channel's hang-up is a call-class event)
        out: Output = [
            self._decide(pending, at, continued=alive)
            for pending in [p for p in self._pending.values() if p.deadline <= at]
        ]
        self._next_deadline = min((p.deadline for p in self._pending.values()), default=math.inf)
        return out

    def _settle(self, at: float) -> Output:
        """Decide every pending exit now from what is known (the channels' fate is not)."""
        out: Output = []
        for pending in list(self._pending.values()):
            out.append(self._decide(pending, max(at, pending.at)))
        return out

    def _queue_settings(self, queue: str) -> QueueSettings:
        settings = self._settings.get(queue)
        if settings is None:
            settings = self._settings[queue] = self._config.for_queue(queue)
        return settings

    def _queue_empty(self, queue: str, settings: QueueSettings, at: float) -> bool:
        """The queue's leave-when-empty rule holds for every member (False when not known)."""
        conditions = settings.leavewhenempty
        members = self._state.book.get(queue)
        if conditions is None or members is None:
            return False
        return all(absent(m, conditions, at, settings.wrapup_s) for m in members.values())

    # agents and answered calls

    def _agent(self, h: Headers) -> str:
        return agent_of(h, self._agents)

    def _called(self, h: Headers, at: float) -> Output:
        agent, queue, uid = self._agent(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        self._state.members.add((agent, queue))
        self._state.answering.discard(uid)
        return [AgentRinging(at, agent, queue, uid)]

    def _ring_no_answer(self, h: Headers, at: float) -> Output:
        agent, queue = self._agent(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        ring_ms = seconds(h, "RingTime", "Ringtime")
        ring = ring_ms / 1000.0 if ring_ms is not None else None
        self._state.members.add((agent, queue))
        return self._still_removed(AgentRingNoAnswer(at, agent, queue, _uid(h), ring))

    def _dump(self, h: Headers, at: float) -> Output:
        """The agent answered, then hung up before being connected: the caller waits on."""
        agent, queue, uid = self._agent(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        self._state.answering.discard(uid)
        return [AgentRingNoAnswer(at, agent, queue, uid)]

    def _connect(self, h: Headers, at: float) -> Output:
        agent, queue, uid = self._agent(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue or not uid:
            return []
        state = self._state
        state.waiting.pop(uid, None)
        state.joined_at.pop(uid, None)
        state.joined_from.pop(uid, None)
        state.answering.discard(uid)
        state.hangup_requested.discard(uid)
        state.music.discard(uid)
        state.members.add((agent, queue))
        keys = tuple({uid, h.get("Linkedid", ""), h.get("DestUniqueid", "")} - {""})
        self._forget_call(uid)
        state.calls[uid] = _Call(queue, agent, keys, at)
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
        agent, queue, uid = self._agent(h), h.get("Queue", ""), _uid(h)
        if not agent or not queue:
            return []
        if not uid:  # the caller's channel was gone first: Asterisk names no channel
            uid = next(
                (
                    call_id
                    for call_id, call in reversed(self._state.calls.items())
                    if (call.agent, call.queue) == (agent, queue)
                ),
                "",
            )
        call = self._forget_call(uid)
        transferred = h.get("Reason") == "transfer" or (call is not None and call.transferred)
        ended = CallEnded(
            at,
            queue,
            uid,
            agent,
            seconds(h, "TalkTime", "Talktime"),
            self._queue_settings(queue).wrapup_s,
            transferred,
        )
        return self._still_removed(ended)

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

    def _still_removed(self, end: CallEnded | AgentRingNoAnswer) -> Output:
        """The end of an offer or a call; a member Asterisk had removed is out of the queue
        again after it (the engine joined the member to the queue for that offer)."""
        key = (end.agent, end.queue)
        if key not in self._state.removed:
            return [end]
        self._state.members.discard(key)
        return [end, AgentLoggedOut(end.at, *key)]

    def _remember(self, agent: str, queue: str, h: Headers) -> None:
        self._state.members.add((agent, queue))
        self._state.removed.discard((agent, queue))
        self._state.book.setdefault(queue, {})[agent] = member_state(h)

    def _member_added(self, h: Headers, at: float) -> Output:
        agent, queue = self._agent(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._remember(agent, queue, h)
        name = self._agents.display_name(agent, member_names(h)[0])
        out: Output = [AgentLoggedIn(at, agent, queue, name)]
        if h.get("Paused") == "1":
            out.append(AgentPaused(at, agent, queue, h.get("PausedReason", "")))
        return out

    def _member_removed(self, h: Headers, at: float) -> Output:
        agent, queue = self._agent(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._state.members.discard((agent, queue))
        self._state.removed.add((agent, queue))
        self._state.book.get(queue, {}).pop(agent, None)
        return [AgentLoggedOut(at, agent, queue)]

    def _member_pause(self, h: Headers, at: float) -> Output:
        agent, queue = self._agent(h), h.get("Queue", "")
        if not agent or not queue:
            return []
        self._state.members.add((agent, queue))
        paused = h.get("Paused") == "1"
        if "Status" in h:  # Asterisk 12+: the whole member state
            self._remember(agent, queue, h)
        else:
            self._state.book.setdefault(queue, {}).setdefault(agent, MemberState()).paused = paused
        if paused:
            reason = h.get("PausedReason") or h.get("Reason", "")
            return [AgentPaused(at, agent, queue, reason)]
        return [AgentUnpaused(at, agent, queue)]

    def _member_status(self, h: Headers, at: float) -> Output:
        status = member_status(h, at, self._agents)
        if status is None:
            return []
        self._remember(status.agent, status.queue, h)
        return [status]

    # restarts and resynchronization

    def _shutdown(self, h: Headers, at: float) -> Output:
        self._shutdown_at = at
        return []

    def _booted(self, h: Headers, at: float) -> Output:
        """Sent at each login: after a lost connection it tells when Asterisk started."""
        uptime = seconds(h, "Uptime")
        if uptime is not None and self._lost_at is not None:
            self._booted_at = at - uptime
        return []

    def _status_item(self, h: Headers, at: float) -> Output:
        if self._status is None:
            self._status = StatusList(self._agents)
        name = h["Event"]
        if name == "QueueMember":
            self._status.add_member(h, at)
        elif name == "QueueEntry":
            self._status.add_entry(h, at)
        else:
            self._status.add_queue(h)
        return []

    def _status_complete(self, h: Headers, at: float) -> Output:
        listing, self._status = self._status or StatusList(self._agents), None
        state = self._state
        lost = self._lost_with_old_process(listing, at)
        events = listing.finish(at, state.waiting, state.members, lost)
        state.waiting = dict(listing.waiting)
        state.joined_at = {uid: state.joined_at.get(uid, at) for uid in state.waiting}
        state.joined_from = {
            uid: place for uid, place in state.joined_from.items() if uid in state.waiting
        }
        state.members = set(listing.members)
        state.removed -= state.members
        state.book = listing.states
        for call_id, call in list(state.calls.items()):
            if call.agent not in listing.busy_agents:
                self._forget_call(call_id)
                events.append(
                    CallEnded(at, call.queue, call_id, call.agent, None, 0.0, call.transferred)
                )
        self._lost_at = self._shutdown_at = self._booted_at = None
        return list(events)

    def _lost_with_old_process(self, listing: StatusList, at: float) -> list[Event]:
        """After a restart: the callers and calls the old process held, ended as it ended them.

        Its shutdown wrote ABANDON for every caller still waiting and COMPLETE*
        for every call (queue_log); when the events saying so were not received,
        they are made here, with the waits and talk times up to the end.
        """
        lost = self._lost_at
        if lost is None:
            return []
        end = self._shutdown_at if self._shutdown_at is not None else lost
        started = self._booted_at if self._booted_at is not None else listing.process_started()
        if self._shutdown_at is None and (started is None or started < lost - RESTART_SLACK_S):
            return []
        state = self._state
        out: list[Event] = []
        for uid, queue in sorted(state.waiting.items()):
            joined = state.joined_at.get(uid)
            out.append(CallerAbandoned(at, queue, uid, None if joined is None else end - joined))
        for call_id, call in sorted(state.calls.items()):
            self._forget_call(call_id)
            out.append(
                CallEnded(
                    at,
                    call.queue,
                    call_id,
                    call.agent,
                    max(0.0, end - call.answered_at),
                    self._queue_settings(call.queue).wrapup_s,
                    call.transferred,
                )
            )
        state.waiting.clear()
        return out

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
        state.music.clear()
        state.queue_apps.clear()
        state.legs.clear()
        self._status = None
