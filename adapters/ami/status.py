"""QueueStatus answers as resynchronization events.

After (re)connecting, the source asks Asterisk for its state instead of
watching it change. The answer is a list (`QueueParams`, `QueueMember`,
`QueueEntry` items, then `QueueStatusComplete`) that arrives one record at a
time; it is collected here and released at its end, in time order, with the
differences from what the mapper believed: callers it thought waiting that are
not listed leave as `CallerGone` (an honest gap, not an invented outcome) and
memberships that are not listed end.
"""

from __future__ import annotations

from collections.abc import Mapping

from wallboard.events import (
    AgentLoggedOut,
    AgentStatus,
    CallerGone,
    CallerJoined,
    Event,
)

AGENT_HEADERS = ("MemberName", "Name", "Interface", "Location", "Member", "AgentName")
"""Where an agent's id is found, best first: queue_log names agents by member
name, so that is the id; the interface only when a member has no name."""


def agent_of(headers: Mapping[str, str]) -> str:
    for key in AGENT_HEADERS:
        value = headers.get(key)
        if value:
            return value
    return ""


def seconds(headers: Mapping[str, str], *keys: str) -> float | None:
    """A duration header (several spellings across Asterisk versions), None if absent or bad."""
    for key in keys:
        value = headers.get(key)
        if value:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def member_status(headers: Mapping[str, str], at: float) -> AgentStatus | None:
    """The full state of one membership, as `QueueMember` and `QueueMemberStatus` carry it."""
    agent, queue = agent_of(headers), headers.get("Queue", "")
    if not agent or not queue:
        return None
    paused = headers.get("Paused") == "1"
    return AgentStatus(
        at=at,
        agent=agent,
        queue=queue,
        name=headers.get("MemberName") or headers.get("Name", ""),
        paused=paused,
        reason=(headers.get("PausedReason") or headers.get("Reason", "")) if paused else "",
        in_call=headers.get("InCall") == "1",
    )


class StatusList:
    """One QueueStatus answer being collected."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.waiting: dict[str, str] = {}
        self.members: set[tuple[str, str]] = set()
        self.busy_agents: set[str] = set()

    def add_member(self, headers: Mapping[str, str], at: float) -> None:
        status = member_status(headers, at)
        if status is None:
            return
        self.events.append(status)
        self.members.add((status.agent, status.queue))
        if status.in_call:
            self.busy_agents.add(status.agent)

    def add_entry(self, headers: Mapping[str, str], at: float) -> None:
        """A waiting caller; it joined `Wait` seconds before the answer was received."""
        queue, call_id = headers.get("Queue", ""), headers.get("Uniqueid", "")
        if not queue or not call_id:
            return
        wait = seconds(headers, "Wait") or 0.0
        self.events.append(CallerJoined(at - wait, queue, call_id, headers.get("CallerIDNum", "")))
        self.waiting[call_id] = queue

    def finish(
        self,
        at: float,
        believed_waiting: Mapping[str, str],
        believed_members: set[tuple[str, str]],
    ) -> list[Event]:
        """Everything the answer says, in time order, plus the differences from belief."""
        gone: list[Event] = [
            CallerGone(at, queue, call_id)
            for call_id, queue in believed_waiting.items()
            if self.waiting.get(call_id) != queue
        ]
        ended: list[Event] = [
            AgentLoggedOut(at, agent, queue)
            for agent, queue in sorted(believed_members - self.members)
        ]
        return sorted([*self.events, *gone, *ended], key=lambda event: event.at)
