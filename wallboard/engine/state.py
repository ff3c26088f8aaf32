"""The engine's records of the floor: queues, agents, memberships, calls and wraps.

Plain slotted records the handlers in `wallboard.engine.core` update in place;
the state constants say how a membership's or an agent's state is counted.
"""

from __future__ import annotations

import math
from typing import Any

from wallboard.engine.ledger import Ledger, Series, zero_totals
from wallboard.engine.schedule import Headcount
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import AGENT_STATES

# States of a membership / an agent, as reported.
AVAILABLE, RINGING, TALKING, HOLDING, WRAPPING, PAUSED, LOGGED_OFF = range(7)
STATE_NAMES = AGENT_STATES  # by the numbers above
IN_SERVICE = (AVAILABLE, RINGING, TALKING, HOLDING, WRAPPING)

# Groups integrated over time: occupancy and logged-in seconds only need these.
BUSY, IDLE, WRAP_G, PAUSED_G = range(4)
GROUP = (IDLE, IDLE, BUSY, BUSY, WRAP_G, PAUSED_G, -1)  # GROUP[-1]: not counted yet
# Groups of scheduled members / agents: ready (adherence) and logged in but paused.
READY_G, AWAY_G = range(2)
ROSTER_GROUP = (READY_G, READY_G, READY_G, READY_G, READY_G, AWAY_G, -1)


class QueueState:
    """One queue: its settings resolved, its callers waiting, its totals and their ledger."""

    __slots__ = (
        "callers",
        "counted",
        "counts",
        "cum",
        "dbase",
        "former",
        "ibase",
        "leaving",
        "ledger",
        "log",
        "name",
        "rostered",
        "series",
        "short_abandon_s",
        "sl_target",
        "sl_threshold_s",
        "sl_variant",
        "waiting",
    )

    def __init__(self, name: str, config: EngineConfig, t: float, n_windows: int) -> None:
        own = config.for_queue(name)
        self.name = name
        self.sl_threshold_s: float = own.sl_threshold_s  # type: ignore[assignment]
        self.short_abandon_s: float = own.short_abandon_s  # type: ignore[assignment]
        self.sl_target: float = own.sl_target  # type: ignore[assignment]
        self.sl_variant: str = own.sl_variant  # type: ignore[assignment]
        self.waiting: dict[str, float] = {}
        # Callers who left the queue and whose outcome is still to come: id -> join time.
        self.leaving: dict[str, float] = {}
        # The caller's number of every call waiting (or leaving) that had one.
        self.callers: dict[str, str] = {}
        # Same scheme as `Series`: a span is `cum` minus `cum` at its start.
        self.cum = zero_totals()
        self.ibase = zero_totals()
        self.dbase = zero_totals()
        # Entries: (stamp, *cum after the item).
        self.ledger = Ledger((-math.inf, *self.cum), n_windows)
        self.log = self.ledger.entries
        self.counts = [0] * 6
        self.series = Series(t, n_windows)
        # Scheduled memberships per ROSTER_GROUP (only with a schedule).
        self.rostered: Series | None = None
        self.former: dict[str, float] = {}
        # What the snapshot last formed from the totals (`wallboard.engine.report._counted`).
        self.counted: tuple[Any, ...] | None = None


class Member:
    """An agent's membership of one queue, counted in that queue's states."""

    __slots__ = ("paused", "queue", "reason", "scheduled", "state")

    def __init__(self, queue: QueueState, scheduled: bool) -> None:
        self.queue = queue
        self.paused = False
        self.reason = ""
        self.state = -1  # not yet counted
        self.scheduled = scheduled


class Call:
    """An answered call in progress (`key` None: the unknown call of an AgentStatus)."""

    __slots__ = ("agent", "answered_at", "caller", "hold_start", "hold_total", "key", "queue")

    def __init__(
        self,
        key: tuple[str, str] | None,
        queue: QueueState | None,
        agent: AgentState,
        at: float,
        caller: str = "",
    ) -> None:
        self.key = key
        self.caller = caller
        self.queue = queue
        self.agent = agent
        self.answered_at = at
        self.hold_total = 0.0
        self.hold_start: float | None = None


class Wrap:
    """Wrap-up after a call, running until `end` unless the agent moves on first."""

    __slots__ = ("agent", "end", "live", "queue", "start")

    def __init__(self, agent: AgentState, queue: QueueState, start: float, end: float) -> None:
        self.agent = agent
        self.queue = queue
        self.start = start
        self.end = end
        self.live = True


class AgentState:
    """One agent across its queues: what it is doing, since when, and its calls today."""

    __slots__ = (
        "activity",
        "call",
        "calls",
        "id",
        "members",
        "name",
        "reason",
        "ring_key",
        "ring_start",
        "scheduled",
        "since",
        "state",
        "streak",
        "team",
        "wraps",
    )

    def __init__(self, agent_id: str, t: float, team: TeamState | None) -> None:
        self.id = agent_id
        self.team = team
        self.name = ""
        self.members: dict[str, Member] = {}
        self.activity = 0  # 0 none, else RINGING / TALKING / HOLDING
        self.call: Call | None = None
        self.ring_key: tuple[str, str] | None = None
        self.ring_start = 0.0
        self.wraps: dict[str, Wrap] = {}
        self.state = -1
        self.reason = ""
        self.since = t
        self.calls = 0
        self.scheduled = False  # for `all`
        self.streak = 0  # ring-no-answers since the last answered call


class TeamState:
    """The agents a team names: their agent states counted and integrated like `all`'s."""

    __slots__ = ("counts", "headcount", "members", "name", "rostered", "series", "unseen")

    def __init__(self, name: str, members: frozenset[str], t: float, n_windows: int) -> None:
        self.name = name
        self.members = members
        self.counts = [0] * 7
        self.unseen = len(members)  # members no event has named yet: logged off
        self.series = Series(t, n_windows)
        # With a schedule: scheduled members per ROSTER_GROUP, and members scheduled.
        self.rostered: Series | None = None
        self.headcount: Headcount | None = None
