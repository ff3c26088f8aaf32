"""What the simulated call centre tells the outside: its happenings and its views.

`model.CallCentre` produces these; `ami.py` renders them as AMI events and
queue_log lines, and the AMI server answers QueueStatus/QueueSummary from the
views. Frozen data only, so a renderer can never change the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.simulator.scenarios import QueueSpec


@dataclass(frozen=True, slots=True)
class MemberView:
    """One queue membership as QueueMemberStatus / QueueStatus report it."""

    queue: str
    name: str
    interface: str
    calls_taken: int
    last_call: int
    last_pause: int
    login_time: int
    in_call: bool
    status: int
    paused: bool
    reason: str


@dataclass(frozen=True, slots=True)
class CallView:
    """The caller's channel: what every caller-side AMI event repeats."""

    queue: str
    uniqueid: str
    channel: str
    number: str
    callnum: int
    joined_at: float


@dataclass(frozen=True, slots=True)
class LegView:
    """The channel that rings an agent for one queue call."""

    interface: str
    name: str
    uniqueid: str
    channel: str
    rung_at: float


@dataclass(frozen=True, slots=True)
class QueueStarted:
    at: float


@dataclass(frozen=True, slots=True)
class MemberAdded:
    at: float
    member: MemberView


@dataclass(frozen=True, slots=True)
class MemberRemoved:
    at: float
    member: MemberView


@dataclass(frozen=True, slots=True)
class MemberPaused:
    """A (un)pause; `all_queues` is QueuePause without a queue (queue_log PAUSEALL)."""

    at: float
    members: tuple[MemberView, ...]
    paused: bool
    reason: str
    all_queues: bool


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """The agent's device changed state: one QueueMemberStatus per queue."""

    at: float
    members: tuple[MemberView, ...]


@dataclass(frozen=True, slots=True)
class CallRefused:
    """Refused by maxlen (QUEUESTATUS=FULL): no queue event, no queue_log line."""

    at: float
    call: CallView
    max_wait_s: int


@dataclass(frozen=True, slots=True)
class CallerQueued:
    at: float
    call: CallView
    position: int
    count: int
    max_wait_s: int


@dataclass(frozen=True, slots=True)
class AgentRung:
    at: float
    call: CallView
    leg: LegView


@dataclass(frozen=True, slots=True)
class RingNoAnswer:
    at: float
    call: CallView
    leg: LegView
    ring_ms: int


@dataclass(frozen=True, slots=True)
class RingCancelled:
    """A ring cut short; `by_caller` (the caller left) is what queue_log RINGCANCELED logs."""

    at: float
    call: CallView
    leg: LegView
    ring_ms: int
    by_caller: bool


@dataclass(frozen=True, slots=True)
class Connected:
    at: float
    call: CallView
    leg: LegView
    holdtime: int
    ringtime: int
    position: int
    count: int
    original_position: int


@dataclass(frozen=True, slots=True)
class CallerLeft:
    """An unanswered exit: the caller hung up (`timeout` False) or Queue() timed out."""

    at: float
    call: CallView
    position: int
    count: int
    original_position: int
    holdtime: int
    timeout: bool


@dataclass(frozen=True, slots=True)
class HoldChanged:
    at: float
    call: CallView
    leg: LegView
    on_hold: bool


@dataclass(frozen=True, slots=True)
class CallCompleted:
    """End of an answered call; reason is `agent`, `caller` or `transfer` (AgentComplete)."""

    at: float
    call: CallView
    leg: LegView
    holdtime: int
    talktime: int
    reason: str
    original_position: int


Happening = (
    QueueStarted
    | MemberAdded
    | MemberRemoved
    | MemberPaused
    | MemberStatus
    | CallRefused
    | CallerQueued
    | AgentRung
    | RingNoAnswer
    | RingCancelled
    | Connected
    | CallerLeft
    | HoldChanged
    | CallCompleted
)


@dataclass(frozen=True, slots=True)
class EntryView:
    """A waiting caller as QueueStatus lists it (QueueEntry)."""

    call: CallView
    position: int


@dataclass(frozen=True, slots=True)
class QueueView:
    """A queue's QueueParams counters, members and waiting callers at one instant."""

    spec: QueueSpec
    completed: int
    abandoned: int
    completed_in_sl: int
    abandoned_in_sl: int
    holdtime: int
    talktime: int
    members: tuple[MemberView, ...]
    entries: tuple[EntryView, ...]
    available: int
