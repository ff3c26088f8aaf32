"""Model happenings rendered the way Asterisk 22 reports them: AMI events and queue_log lines.

Event names, header names, header order, units and the order of events around
each call copy the real capture in shared/fixtures/asterisk-22-run-a
(`ami-capture.raw.gz`, `queue_log`) and app_queue.c. The simulated PBX is
configured like run-a (`timestampevents = yes`, `channelvars = CALLNUM`,
`shared_lastcall = yes`) with SIP trunks and PJSIP agent phones, plus
`log_membername_as_agent = yes` so that queue_log names an agent the same way
in ADDMEMBER as in CONNECT. Differences a reader must cope with are kept:
AgentRingNoAnswer `RingTime` is in milliseconds while AgentConnect's is in
seconds; a caller's hang-up shows `HangupRequest` before `QueueCallerAbandon`
while a queue timeout shows the abandon first, then `QUEUESTATUS=TIMEOUT`
and a `SoftHangupRequest`; a FULL refusal is only a `VarSet`.
"""

from __future__ import annotations

import uuid

from wallboard.simulator.happenings import (
    AgentRung,
    CallCompleted,
    CallerLeft,
    CallerQueued,
    CallRefused,
    CallView,
    Connected,
    Happening,
    HoldChanged,
    LegView,
    MemberAdded,
    MemberPaused,
    MemberRemoved,
    MemberStatus,
    MemberView,
    QueueStarted,
    RingCancelled,
    RingNoAnswer,
)
from wallboard.simulator.model import TRANSFER_TARGET as _TRANSFER

Headers = list[list[str]]

CALL, AGENT, DIALPLAN = "call,all", "agent,all", "dialplan,all"
_STATE_DESC = {0: "Down", 4: "Ring", 6: "Up"}
_CAUSE_TXT = {0: "Unknown", 16: "Normal Clearing", 26: "Answered elsewhere"}

# What the recording keeps: queue-relevant events, headers the AMI mapper reads.
RECORDED_EVENTS = frozenset(
    {
        "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled",
        "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "AgentDump",
        "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus",
        "Hold", "Unhold", "BlindTransfer", "AttendedTransfer", "HangupRequest",
        "SoftHangupRequest", "VarSet", "Newexten", "DialEnd",
    }
)  # fmt: skip
RECORDED_HEADERS = frozenset(
    {
        "Event", "Timestamp", "Queue", "Uniqueid", "Linkedid", "Channel", "CallerIDNum",
        "Interface", "MemberName", "StateInterface", "Membership", "Position", "Count",
        "OriginalPosition", "HoldTime", "TalkTime", "RingTime", "Reason", "CallsTaken",
        "LastCall", "LastPause", "LoginTime", "InCall", "Status", "Paused", "PausedReason",
        "Variable", "Value", "Cause", "Application", "AppData", "DestUniqueid", "DialStatus",
        "TransfererUniqueid", "TransfereeUniqueid", "TransfereeLinkedid", "Extension",
    }
)  # fmt: skip


def _ts(at: float) -> str:
    return f"{at:.6f}"


def _channel(
    prefix: str,
    channel: str,
    state: int,
    number: str,
    context: str,
    exten: str,
    uniqueid: str,
    linkedid: str,
    callnum: str,
) -> Headers:
    """Asterisk's channel snapshot block (ast_manager_build_channel_state_string_prefix)."""
    return [
        [f"{prefix}Channel", channel],
        [f"{prefix}ChannelState", str(state)],
        [f"{prefix}ChannelStateDesc", _STATE_DESC[state]],
        [f"{prefix}CallerIDNum", number],
        [f"{prefix}CallerIDName", "<unknown>"],
        [f"{prefix}ConnectedLineNum", "<unknown>"],
        [f"{prefix}ConnectedLineName", "<unknown>"],
        [f"{prefix}Language", "en"],
        [f"{prefix}AccountCode", ""],
        [f"{prefix}Context", context],
        [f"{prefix}Exten", exten],
        [f"{prefix}Priority", "1"],
        [f"{prefix}Uniqueid", uniqueid],
        [f"{prefix}Linkedid", linkedid],
        [f"{prefix}ChanVariable", f"CALLNUM={callnum}"],
    ]


def _caller(call: CallView, prefix: str = "", state: int = 6) -> Headers:
    return _channel(
        prefix,
        call.channel,
        state,
        call.number,
        "queues",
        call.queue,
        call.uniqueid,
        call.uniqueid,
        str(call.callnum),
    )


def _leg(call: CallView, leg: LegView, prefix: str = "Dest", state: int = 0) -> Headers:
    return _channel(
        prefix,
        leg.channel,
        state,
        call.number,
        "from-queue",
        call.queue,
        leg.uniqueid,
        call.uniqueid,
        "",
    )


def _event(name: str, privilege: str, at: float, *blocks: Headers) -> Headers:
    headers = [["Event", name], ["Privilege", privilege], ["Timestamp", _ts(at)]]
    for block in blocks:
        headers.extend(block)
    return headers


def _member(member: MemberView) -> Headers:
    """The queue member blob (queue_member_blob_create), in its field order."""
    return [
        ["Queue", member.queue],
        ["MemberName", member.name],
        ["Interface", member.interface],
        ["StateInterface", member.interface],
        ["Membership", "dynamic"],
        ["Penalty", "0"],
        ["CallsTaken", str(member.calls_taken)],
        ["LastCall", str(member.last_call)],
        ["LastPause", str(member.last_pause)],
        ["LoginTime", str(member.login_time)],
        ["InCall", str(int(member.in_call))],
        ["Status", str(member.status)],
        ["Paused", str(int(member.paused))],
        ["PausedReason", member.reason],
        ["Ringinuse", "0"],
        ["Wrapuptime", "0"],
    ]


def _agent_fields(call: CallView, leg: LegView) -> Headers:
    return [["Queue", call.queue], ["Interface", leg.interface], ["MemberName", leg.name]]


def _hangup(at: float, channel: Headers, cause: int) -> Headers:
    return _event(
        "Hangup", CALL, at, channel, [["Cause", str(cause)], ["Cause-txt", _CAUSE_TXT[cause]]]
    )


def _request(name: str, at: float, channel: Headers, cause: int) -> Headers:
    return _event(name, CALL, at, channel, [["Cause", str(cause)]])


def _varset(at: float, call: CallView, variable: str, value: str) -> Headers:
    return _event("VarSet", DIALPLAN, at, _caller(call), [["Variable", variable], ["Value", value]])


def _newexten(at: float, call: CallView, max_wait_s: int) -> Headers:
    """The dialplan step into Queue(): the only place a reader learns the queue timeout."""
    return _event(
        "Newexten",
        DIALPLAN,
        at,
        _caller(call),
        [
            ["Extension", call.queue],
            ["Application", "Queue"],
            ["AppData", f"{call.queue},,,,{max_wait_s}"],
        ],
    )


def _dial_end(at: float, call: CallView, leg: LegView, status: str, state: int = 0) -> Headers:
    return _event(
        "DialEnd", CALL, at, _caller(call), _leg(call, leg, state=state), [["DialStatus", status]]
    )


def _queue_log(at: float, callid: str, queue: str, agent: str, verb: str, *data: object) -> str:
    return "|".join([str(int(at)), callid, queue, agent, verb, *(str(d) for d in data)])


def render(h: Happening) -> tuple[list[Headers], list[str]]:
    """The AMI events (header pairs, wire order) and queue_log lines for one happening."""
    at = h.at
    if isinstance(h, QueueStarted):
        return [], [_queue_log(at, "NONE", "NONE", "NONE", "QUEUESTART", "")]
    if isinstance(h, MemberAdded | MemberRemoved):
        added = isinstance(h, MemberAdded)
        name = "QueueMemberAdded" if added else "QueueMemberRemoved"
        verb = "ADDMEMBER" if added else "REMOVEMEMBER"
        m = h.member
        return [_event(name, AGENT, at, _member(m))], [
            _queue_log(at, "MANAGER", m.queue, m.name, verb, "")
        ]
    if isinstance(h, MemberPaused):
        events = [_event("QueueMemberPause", AGENT, at, _member(m)) for m in h.members]
        lines = []
        verb = "PAUSE" if h.paused else "UNPAUSE"
        if h.all_queues and h.members:
            lines.append(_queue_log(at, "NONE", "NONE", h.members[0].name, f"{verb}ALL", h.reason))
        lines += [_queue_log(at, "NONE", m.queue, m.name, verb, h.reason) for m in h.members]
        return events, lines
    if isinstance(h, MemberStatus):
        return [_event("QueueMemberStatus", AGENT, at, _member(m)) for m in h.members], []
    if isinstance(h, CallRefused):
        down = _caller(h.call, state=4)
        return [
            _event("Newchannel", CALL, at, down),
            _event("Newstate", CALL, at, _caller(h.call)),
            _newexten(at, h.call, h.max_wait_s),
            _varset(at, h.call, "QUEUESTATUS", "FULL"),
            _request("SoftHangupRequest", at, _caller(h.call), 16),
            _hangup(at, _caller(h.call), 16),
        ], []
    if isinstance(h, CallerQueued):
        call = h.call
        return [
            _event("Newchannel", CALL, at, _caller(call, state=4)),
            _event("Newstate", CALL, at, _caller(call)),
            _newexten(at, call, h.max_wait_s),
            _event(
                "QueueCallerJoin",
                AGENT,
                at,
                _caller(call),
                [["Queue", call.queue], ["Position", str(h.position)], ["Count", str(h.count)]],
            ),
        ], [
            _queue_log(
                at, call.uniqueid, call.queue, "NONE", "ENTERQUEUE", "", call.number, h.position
            )
        ]
    if isinstance(h, AgentRung):
        call, leg = h.call, h.leg
        return [
            _event("Newchannel", CALL, at, _leg(call, leg, prefix="")),
            _event(
                "AgentCalled", AGENT, at, _caller(call), _leg(call, leg), _agent_fields(call, leg)
            ),
            _event(
                "DialBegin",
                CALL,
                at,
                _caller(call),
                _leg(call, leg),
                [["DialString", leg.interface.partition("/")[2]]],
            ),
        ], []
    if isinstance(h, RingNoAnswer):
        call, leg = h.call, h.leg
        return [
            _event(
                "AgentRingNoAnswer",
                AGENT,
                at,
                _caller(call),
                _leg(call, leg),
                _agent_fields(call, leg),
                [["RingTime", str(h.ring_ms)]],
            ),
            _dial_end(at, call, leg, "NOANSWER"),
            _request("HangupRequest", at, _leg(call, leg, prefix=""), 0),
            _hangup(at, _leg(call, leg, prefix=""), 0),
        ], [_queue_log(at, call.uniqueid, call.queue, leg.name, "RINGNOANSWER", h.ring_ms)]
    if isinstance(h, RingCancelled):
        call, leg = h.call, h.leg
        cause = 0 if h.by_caller else 26
        lines = []
        if h.by_caller:
            lines.append(
                _queue_log(at, call.uniqueid, call.queue, leg.name, "RINGCANCELED", h.ring_ms)
            )
        return [
            _dial_end(at, call, leg, "CANCEL"),
            _request("HangupRequest", at, _leg(call, leg, prefix=""), cause),
            _hangup(at, _leg(call, leg, prefix=""), cause),
        ], lines
    if isinstance(h, Connected):
        call, leg = h.call, h.leg
        return [
            _dial_end(at, call, leg, "ANSWER", state=6),
            _event(
                "QueueCallerLeave",
                AGENT,
                at,
                _caller(call),
                [["Queue", call.queue], ["Position", str(h.position)], ["Count", str(h.count)]],
            ),
            _event(
                "AgentConnect",
                AGENT,
                at,
                _caller(call),
                _leg(call, leg, state=6),
                _agent_fields(call, leg),
                [["HoldTime", str(h.holdtime)], ["RingTime", str(h.ringtime)]],
            ),
        ], [
            _queue_log(
                at,
                call.uniqueid,
                call.queue,
                leg.name,
                "CONNECT",
                h.holdtime,
                leg.uniqueid,
                h.ringtime,
            )
        ]
    if isinstance(h, CallerLeft):
        return _render_left(h)
    if isinstance(h, HoldChanged):
        agent = _leg(h.call, h.leg, prefix="", state=6)
        if h.on_hold:
            return [_event("Hold", CALL, at, agent, [["MusicClass", "default"]])], []
        return [_event("Unhold", CALL, at, agent)], []
    return _render_completed(h)


def _render_left(h: CallerLeft) -> tuple[list[Headers], list[str]]:
    at, call = h.at, h.call
    abandon = _event(
        "QueueCallerAbandon",
        AGENT,
        at,
        _caller(call),
        [
            ["Queue", call.queue],
            ["Position", str(h.position)],
            ["OriginalPosition", str(h.original_position)],
            ["HoldTime", str(h.holdtime)],
        ],
    )
    leave = _event(
        "QueueCallerLeave",
        AGENT,
        at,
        _caller(call),
        [["Queue", call.queue], ["Position", str(h.position)], ["Count", str(h.count)]],
    )
    data = (h.position, h.original_position, h.holdtime)
    if h.timeout:
        events = [
            _varset(at, call, "ABANDONED", "TRUE"),
            abandon,
            leave,
            _varset(at, call, "QUEUESTATUS", "TIMEOUT"),
            _request("SoftHangupRequest", at, _caller(call), 16),
            _hangup(at, _caller(call), 16),
        ]
        verb = "EXITWITHTIMEOUT"
    else:
        events = [
            _request("HangupRequest", at, _caller(call), 16),
            _varset(at, call, "ABANDONED", "TRUE"),
            abandon,
            leave,
            _hangup(at, _caller(call), 16),
        ]
        verb = "ABANDON"
    return events, [_queue_log(at, call.uniqueid, call.queue, "NONE", verb, *data)]


def _render_completed(h: CallCompleted) -> tuple[list[Headers], list[str]]:
    at, call, leg = h.at, h.call, h.leg
    agent_channel = _leg(call, leg, prefix="", state=6)
    complete_fields = [
        ["HoldTime", str(h.holdtime)],
        ["TalkTime", str(h.talktime)],
        ["Reason", h.reason],
    ]
    times = (h.holdtime, h.talktime, h.original_position)
    data: tuple[str | int, ...]  # the queue_log line's fields after the verb
    if h.reason == "caller":
        complete = _event(
            "AgentComplete", AGENT, at, _caller(call), _agent_fields(call, leg), complete_fields
        )
        events = [
            _request("HangupRequest", at, _caller(call), 16),
            complete,
            _hangup(at, _caller(call), 16),
            _hangup(at, agent_channel, 16),
        ]
        verb, data = "COMPLETECALLER", times
    else:
        complete = _event(
            "AgentComplete",
            AGENT,
            at,
            _caller(call),
            _leg(call, leg, state=6),
            _agent_fields(call, leg),
            complete_fields,
        )
        if h.reason == "transfer":
            exten, context = _TRANSFER
            events = [
                _blind_transfer(at, call, leg, exten, context),
                complete,
                _hangup(at, agent_channel, 16),
            ]
            verb, data = "BLINDTRANSFER", (exten, context, *times)
        else:
            events = [
                _request("HangupRequest", at, agent_channel, 16),
                complete,
                _hangup(at, agent_channel, 16),
                _hangup(at, _caller(call), 16),
            ]
            verb, data = "COMPLETEAGENT", times
    return events, [_queue_log(at, call.uniqueid, call.queue, leg.name, verb, *data)]


def _blind_transfer(at: float, call: CallView, leg: LegView, exten: str, context: str) -> Headers:
    bridge = str(uuid.uuid5(uuid.NAMESPACE_OID, call.uniqueid))
    return _event(
        "BlindTransfer",
        CALL,
        at,
        [["Result", "Success"]],
        _leg(call, leg, prefix="Transferer", state=6),
        [
            ["BridgeUniqueid", bridge],
            ["BridgeType", "basic"],
            ["BridgeTechnology", "simple_bridge"],
            ["BridgeCreator", "<unknown>"],
            ["BridgeName", "<unknown>"],
            ["BridgeNumChannels", "2"],
            ["BridgeVideoSourceMode", "none"],
        ],
        _caller(call, prefix="Transferee"),
        [["IsExternal", "No"], ["Context", context], ["Extension", exten]],
    )


def for_recording(event: Headers) -> Headers | None:
    """The event trimmed to what the AMI mapper needs, or None when it is noise.

    VarSet is kept only for QUEUESTATUS (the sole trace of FULL and TIMEOUT),
    Newexten only for Queue() (its AppData carries the queue timeout).
    """
    values = dict((k, v) for k, v in event)
    name = values.get("Event", "")
    if name not in RECORDED_EVENTS:
        return None
    if name == "VarSet" and values.get("Variable") != "QUEUESTATUS":
        return None
    if name == "Newexten" and values.get("Application") != "Queue":
        return None
    return [[k, v] for k, v in event if k in RECORDED_HEADERS]


def encode(event: Headers) -> bytes:
    """One event on the wire: `Header: value` lines, CRLF, blank-line terminated."""
    return "".join(f"{k}: {v}\r\n" for k, v in event).encode() + b"\r\n"
