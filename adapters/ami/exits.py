"""Why a caller left a queue unanswered: a hang-up, a timeout, an empty queue.

Asterisk raises `QueueCallerAbandon` for all three; queue_log tells them apart
(ABANDON, EXITWITHTIMEOUT, EXITEMPTY) and so must the board, or every timeout
and every leave-when-empty exit reads as an abandon. The signals, strongest
first (docs/ENGINE.md, "Exits on AMI", gives the evidence from real runs):

1. `VarSet QUEUESTATUS` on the caller's channel (`TIMEOUT`, `LEAVEEMPTY`,
   `LEAVEUNAVAIL`): only a user with the `dialplan` read class sees it;
2. a `HangupRequest`/`SoftHangupRequest` of the caller's channel before the
   abandon: the caller (or a shutdown) hung up;
3. what the caller's channel does next: joining a queue again (overflow) or
   staying alive after the leave means the dialplan went on: an exit. So does
   an abandon that comes while the caller's music on hold still plays: a
   hang-up stops the music first, the queue ends its own wait before stopping it;
4. the members' states at that instant against the queue's leave-when-empty
   rule (`[engine.queues.NAME] leavewhenempty`, as in queues.conf);
5. the wait against the timeouts Queue() is called with (the `Newexten` of the
   Queue() application when the dialplan class is there, else
   `[engine.queues.NAME] caller_timeout_s`).

A decision that needs signal 1 or 3 waits for the channel's next events, at
most `DECISION_WAIT_S` of source time, and is released by source time only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wallboard.events import ExitReason

DECISION_WAIT_S = 2.0
"""How long (source time) a decision may wait for the caller's channel's next events."""
TIMEOUT_SLACK_S = 1.0
"""A whole-second `HoldTime` reaches a timeout of T seconds at T, rarely T + 1."""

QUEUESTATUS_EXITS: dict[str, ExitReason] = {
    "TIMEOUT": "timeout",
    "LEAVEEMPTY": "empty",
    "LEAVEUNAVAIL": "empty",
}

# Asterisk's device states (AST_DEVICE_*), as QueueMemberStatus's `Status` gives them.
_UNKNOWN, _INUSE, _INVALID, _UNAVAILABLE, _RINGING = 0, 2, 4, 5, 6
_STATE_CONDITIONS = {
    _UNKNOWN: "unknown",
    _INUSE: "inuse",
    _INVALID: "invalid",
    _UNAVAILABLE: "unavailable",
    _RINGING: "ringing",
}


@dataclass(slots=True)
class MemberState:
    """What app_queue weighs when it asks whether a member could take a call."""

    status: int = 1
    paused: bool = False
    in_call: bool = False
    last_call: float = 0.0
    wrapup_s: float | None = None


def member_state(headers: Mapping[str, str]) -> MemberState:
    """From `QueueMemberStatus`, `QueueMemberAdded`, `QueueMemberPause` or a `QueueMember` item."""

    def number(key: str) -> float | None:
        try:
            return float(headers[key])
        except (KeyError, ValueError):
            return None

    status = number("Status")
    wrapup = number("Wrapuptime")
    return MemberState(
        status=1 if status is None else int(status),
        paused=headers.get("Paused") == "1",
        in_call=headers.get("InCall") == "1",
        last_call=number("LastCall") or 0.0,
        wrapup_s=wrapup if wrapup else None,
    )


def absent(member: MemberState, conditions: tuple[str, ...], now: float, wrapup_s: float) -> bool:
    """Whether a member counts as missing under these conditions (app_queue's get_member_status).

    `penalty` is not weighed: the caller's penalty limits are not on AMI.
    """
    condition = _STATE_CONDITIONS.get(member.status)
    if condition is not None and condition in conditions:
        return True
    if member.paused and "paused" in conditions:
        return True
    if "wrapup" in conditions:
        wrap = member.wrapup_s if member.wrapup_s is not None else wrapup_s
        if wrap and (member.in_call or (member.last_call and now - wrap < member.last_call)):
            return True
    return False


@dataclass(slots=True)
class Signals:
    """What was known of a caller's exit when its `QueueCallerAbandon` came."""

    music_playing: bool
    reached_timeout: bool  # the Queue() call's own timeout argument (dialplan class)
    queue_empty: bool  # the leave-when-empty rule holds for every member
    configured_timeout: bool  # the wait is one of the queue's caller_timeout_s

    def exit(self) -> bool:
        return (
            self.music_playing
            or self.reached_timeout
            or self.queue_empty
            or self.configured_timeout
        )

    def reason(self) -> ExitReason:
        """The exit's kind when QUEUESTATUS does not say it."""
        if self.reached_timeout:
            return "timeout"
        if self.queue_empty:
            return "empty"
        return "timeout"


def timeout_matches(wait: float | None, timeouts: tuple[float, ...]) -> bool:
    return wait is not None and any(t <= wait <= t + TIMEOUT_SLACK_S for t in timeouts)


@dataclass(slots=True)
class PendingExit:
    """A `QueueCallerAbandon` whose kind waits on the caller's channel's next events."""

    call_id: str
    queue: str
    at: float
    wait_s: float | None
    signals: Signals
    deadline: float
