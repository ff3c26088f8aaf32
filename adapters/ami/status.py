"""QueueStatus answers as resynchronization events.

After (re)connecting, the source asks Asterisk for its state instead of
watching it change. The answer is a list (`QueueParams`, `QueueMember`,
`QueueEntry` items, then `QueueStatusComplete`) that arrives one record at a
time; it is collected here and released at its end, in time order, with the
differences from what the mapper believed: callers it thought waiting that are
not listed leave as `CallerGone` (an honest gap, not an invented outcome) and
memberships that are not listed end. The mapper ends the calls that are gone
(it knows their agents and answer times).
"""

from __future__ import annotations

from collections.abc import Mapping

from wallboard.adapters.ami.exits import MemberState, member_state
from wallboard.adapters.identity import AgentDirectory
from wallboard.events import (
    AgentLoggedOut,
    AgentStatus,
    CallerGone,
    CallerJoined,
    Event,
)

MEMBER_NAME_HEADERS = ("MemberName", "Name", "AgentName")
DEVICE_HEADERS = ("Interface", "Location", "Member", "AgentCalled")
"""Where a member's name and its interface are found, across Asterisk 1.8 to 22."""


def _first(headers: Mapping[str, str], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = headers.get(key)
        if value:
            return value
    return ""


def member_names(headers: Mapping[str, str]) -> tuple[str, str, str]:
    """Member name, interface and state interface of a member event (empty when absent)."""
    return (
        _first(headers, MEMBER_NAME_HEADERS),
        _first(headers, DEVICE_HEADERS),
        headers.get("StateInterface", ""),
    )


def agent_of(headers: Mapping[str, str], agents: AgentDirectory) -> str:
    """The agent a member event is about (one id whatever alias the event leads with)."""
    member, device, state_device = member_names(headers)
    if not member and not device and not state_device:
        return ""
    return agents.member(member, device, state_device)


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


def member_status(
    headers: Mapping[str, str], at: float, agents: AgentDirectory
) -> AgentStatus | None:
    """The full state of one membership, as `QueueMember` and `QueueMemberStatus` carry it."""
    # agent_of's steps, the names read once (they give the display name too).
    member, device, state_device = member_names(headers)
    if not member and not device and not state_device:
        return None
    agent, queue = agents.member(member, device, state_device), headers.get("Queue", "")
    if not agent or not queue:
        return None
    paused = headers.get("Paused") == "1"
    return AgentStatus(
        at=at,
        agent=agent,
        queue=queue,
        name=agents.display_name(agent, member),
        paused=paused,
        reason=(headers.get("PausedReason") or headers.get("Reason", "")) if paused else "",
        in_call=headers.get("InCall") == "1",
    )


class StatusList:
    """One QueueStatus answer being collected."""

    def __init__(self, agents: AgentDirectory) -> None:
        self.events: list[Event] = []
        self.waiting: dict[str, str] = {}
        self.members: set[tuple[str, str]] = set()
        self.states: dict[str, dict[str, MemberState]] = {}
        self.busy_agents: set[str] = set()
        self.login_times: list[tuple[bool, float]] = []  # (static member, LoginTime)
        self._agents = agents

    def add_queue(self, headers: Mapping[str, str]) -> None:
        queue = headers.get("Queue", "")
        if queue:
            self.states.setdefault(queue, {})

    def add_member(self, headers: Mapping[str, str], at: float) -> None:
        status = member_status(headers, at, self._agents)
        if status is None:
            return
        self.events.append(status)
        self.members.add((status.agent, status.queue))
        self.states.setdefault(status.queue, {})[status.agent] = member_state(headers)
        if status.in_call:
            self.busy_agents.add(status.agent)
        login = seconds(headers, "LoginTime")
        if login is not None:
            self.login_times.append((headers.get("Membership") == "static", login))

    def process_started(self) -> float | None:
        """When the listed members were created: static ones exist from Asterisk's start.

        None when the answer says nothing about it (no member, or no LoginTime).
        """
        static = [login for is_static, login in self.login_times if is_static]
        every = static or [login for _, login in self.login_times]
        return min(every, default=None)

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
        lost: list[Event],
    ) -> list[Event]:
        """Everything the answer says, in time order, plus the differences from belief.

        `lost` holds the outcomes the mapper knows for what is no longer listed.
        """
        gone: list[Event] = [
            CallerGone(at, queue, call_id)
            for call_id, queue in believed_waiting.items()
            if self.waiting.get(call_id) != queue
        ]
        logged_out: list[Event] = [
            AgentLoggedOut(at, agent, queue)
            for agent, queue in sorted(believed_members - self.members)
        ]
        return sorted([*self.events, *lost, *gone, *logged_out], key=lambda event: event.at)
