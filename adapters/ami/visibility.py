"""What the AMI user cannot see, told from the stream itself.

A read-only user with `read = call,agent,reporting` (a common choice) gets
neither `VarSet` nor `Newexten` (dialplan class): FULL and JOINEMPTY refusals
raise nothing else, and an exit's reason must then come from the queue's
settings. Each blind spot is detected once, from evidence that cannot be
mistaken (a caller joins a queue, and the events that always come before it on
a user that has the class never came), and said in words an admin can act on.
Pure: it reads what the mapper reads, in order.
"""

from __future__ import annotations

from collections.abc import Mapping

NO_DIALPLAN = "FULL refusals and exit reasons need read = dialplan"
NO_CALL = "hang-ups, holds and transfers need read = call"
NO_TIMESTAMPS = "exact event times need timestampevents = yes"
NO_MEMBER_STATUS = "agent device states need QueueMemberStatus (eventmemberstatus = yes)"
LIMITS = (NO_DIALPLAN, NO_CALL, NO_TIMESTAMPS, NO_MEMBER_STATUS)
"""Every limit, in the order they are shown."""

DIALPLAN_EVENTS = frozenset({"VarSet", "Newexten"})
CALL_EVENTS = frozenset(
    {
        "Hangup",
        "HangupRequest",
        "SoftHangupRequest",
        "DialEnd",
        "Dial",
        "MusicOnHoldStart",
        "MusicOnHoldStop",
        "Hold",
        "Unhold",
        "BlindTransfer",
        "AttendedTransfer",
    }
)
WATCHED_AGENT_EVENTS = frozenset(
    {"QueueCallerJoin", "Join", "QueueCallerAbandon", "AgentComplete", "QueueMemberStatus"}
)
OUTCOMES_BEFORE_CALL = 3
"""Abandons and call ends with no call-class event at all before that is called a blind spot."""
COMPLETES_BEFORE_MEMBER_STATUS = 3
"""Calls ended with no QueueMemberStatus at all before that is called a blind spot (each
call changes its member's device state twice)."""


class Visibility:
    """The classes seen on the current connection and the limits found so far."""

    def __init__(self) -> None:
        self.limits: tuple[str, ...] = ()
        self.dialplan = False
        self.call = False
        self._member_status = False
        self._outcomes = self._completes = 0

    def new_connection(self) -> None:
        """What a connection shows is learnt again (the limits stay until disproved)."""
        self.dialplan = self.call = self._member_status = False
        self._outcomes = self._completes = 0

    def saw(self, name: str, headers: Mapping[str, str]) -> bool:
        """Note one event; True when the limits changed."""
        if name in DIALPLAN_EVENTS:
            self.dialplan = True
            return self._set(NO_DIALPLAN, False)
        if name in CALL_EVENTS:
            self.call = True
            return self._set(NO_CALL, False)
        if name == "QueueMemberStatus":
            self._member_status = True
            return self._set(NO_MEMBER_STATUS, False)
        if name in ("QueueCallerJoin", "Join"):
            # On a user with the class, the caller's Queue() `Newexten` always
            # comes before its join.
            changed = self._set(NO_DIALPLAN, not self.dialplan)
            return self._set(NO_TIMESTAMPS, "Timestamp" not in headers) or changed
        changed = False
        if not self.call:
            # Abandons and call ends come with channels hanging up (`Hangup`,
            # call class) within milliseconds: by the third, the first one's would have come.
            self._outcomes += 1
            if self._outcomes >= OUTCOMES_BEFORE_CALL:
                changed = self._set(NO_CALL, True)
        if name == "AgentComplete" and not self._member_status:
            self._completes += 1
            if self._completes >= COMPLETES_BEFORE_MEMBER_STATUS:
                changed = self._set(NO_MEMBER_STATUS, True) or changed
        return changed

    def _set(self, limit: str, on: bool) -> bool:
        if (limit in self.limits) == on:
            return False
        wanted = {*self.limits, limit} if on else set(self.limits) - {limit}
        self.limits = tuple(each for each in LIMITS if each in wanted)
        return True
