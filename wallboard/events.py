"""The normalized contact-centre event vocabulary.

Adapters (AMI, queue_log, recordings) translate their source into these events;
nothing downstream of an adapter knows about Asterisk. Every event carries the
source's own timestamp (`at`, Unix epoch seconds), never the moment it was
processed. Durations a source reports itself (`wait_s`, `talk_s`, `ring_s`) are
preferred over differences of event times, as `shared/METRICS.md` requires.

The exact meaning of each event for the metrics is specified in
`docs/ENGINE.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ExitReason = Literal["timeout", "key", "empty", "other"]
BlockReason = Literal["full", "joinempty", "joinunavail"]


@dataclass(frozen=True, slots=True)
class CallerJoined:
    """A caller entered a queue: one offered call (counted at its outcome)."""

    at: float
    queue: str
    call_id: str
    caller: str = ""


@dataclass(frozen=True, slots=True)
class CallerAnswered:
    """An agent was connected to a waiting caller."""

    at: float
    queue: str
    call_id: str
    agent: str
    wait_s: float | None = None
    ring_s: float | None = None


@dataclass(frozen=True, slots=True)
class CallerAbandoned:
    """The caller hung up while waiting."""

    at: float
    queue: str
    call_id: str
    wait_s: float | None = None


@dataclass(frozen=True, slots=True)
class CallerExited:
    """The caller left the queue unanswered for another reason (overflow)."""

    at: float
    queue: str
    call_id: str
    reason: ExitReason = "other"
    wait_s: float | None = None


@dataclass(frozen=True, slots=True)
class CallerLeaving:
    """A waiting caller left the queue; how (abandon or exit) is told by a later outcome.

    Sources that must wait a moment for the next events of a channel before
    they can say whether a caller hung up or was sent on by the queue send this
    at once: the caller no longer waits, and the outcome that follows (at most
    a few seconds of source time later) counts it.
    """

    at: float
    queue: str
    call_id: str


@dataclass(frozen=True, slots=True)
class CallerGone:
    """The source lost track of a waiting caller (e.g. missed during a reconnect).

    The caller leaves the waiting list with no outcome: an honest gap rather
    than an invented abandon.
    """

    at: float
    queue: str
    call_id: str


@dataclass(frozen=True, slots=True)
class CallBlocked:
    """A call that could not enter the queue at all."""

    at: float
    queue: str
    call_id: str
    reason: BlockReason = "full"


@dataclass(frozen=True, slots=True)
class CallEnded:
    """An answered call ended (either side hung up, or the agent transferred it).

    `wrap_s` is the after-call work that follows (the queue's wrap-up time);
    the engine ends it by itself, or earlier if the agent takes a new call.
    """

    at: float
    queue: str
    call_id: str
    agent: str
    talk_s: float | None = None
    wrap_s: float = 0.0
    transferred: bool = False


@dataclass(frozen=True, slots=True)
class HoldStarted:
    """The agent put the caller of an answered call on hold."""

    at: float
    call_id: str


@dataclass(frozen=True, slots=True)
class HoldEnded:
    """The caller of an answered call was taken off hold."""

    at: float
    call_id: str


@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """An agent became a member of a queue."""

    at: float
    agent: str
    queue: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    """An agent stopped being a member of a queue."""

    at: float
    agent: str
    queue: str


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """An agent's membership of a queue became not-ready (a new reason may re-pause)."""

    at: float
    agent: str
    queue: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AgentUnpaused:
    """An agent's membership of a queue became ready again."""

    at: float
    agent: str
    queue: str


@dataclass(frozen=True, slots=True)
class AgentRinging:
    """A queue call started ringing an agent."""

    at: float
    agent: str
    queue: str
    call_id: str


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer:
    """An agent let a queue call ring out (counted as a ring-no-answer)."""

    at: float
    agent: str
    queue: str
    call_id: str
    ring_s: float | None = None


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """The authoritative state of one membership, from a resynchronization.

    Sources send it after (re)connecting, when they ask the PBX for its state
    instead of watching it change. `in_call` means the agent is on a call whose
    id the source could not tell.
    """

    at: float
    agent: str
    queue: str
    name: str = ""
    paused: bool = False
    reason: str = ""
    in_call: bool = False


@dataclass(frozen=True, slots=True)
class NumberDialed:
    """A call was placed from the PBX to a number (by `agent`, when the source can tell).

    It is how a callback is seen to be made: the number leaves the callback list.
    """

    at: float
    number: str
    agent: str = ""


Event = (
    CallerJoined
    | CallerAnswered
    | CallerAbandoned
    | CallerExited
    | CallerLeaving
    | CallerGone
    | CallBlocked
    | CallEnded
    | HoldStarted
    | HoldEnded
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentPaused
    | AgentUnpaused
    | AgentRinging
    | AgentRingNoAnswer
    | AgentStatus
    | NumberDialed
)

EVENT_TYPES: tuple[type, ...] = Event.__args__
