"""The snapshot as types: what a board holds, for the engine, the hub, the TUI and the tests.

A snapshot is plain data (it goes to JSON and msgpack as it is), so these are
`TypedDict`s: the type checker knows every key, the runtime still sees dicts.
`docs/ENGINE.md` ("Snapshot layout") and `../shared/METRICS.md` define the
figures. The engine fills `at`, `config`, `queues`, `all` and (unless asked
not to) `agents`; a board adds its `source` and the active `alarms`.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict, get_args

AgentStateName = Literal["available", "ringing", "talking", "hold", "wrap", "paused", "logged_off"]
# In the order every count of them is shown.
AGENT_STATES: tuple[AgentStateName, ...] = get_args(AgentStateName)


class Span(TypedDict):
    """Counts and rates of one span (a window, the interval, the day); None: no denominator."""

    offered: int
    answered: int
    answered_in_sl: int
    abandoned: int
    short_abandoned: int
    overflow: int
    blocked: int
    ring_no_answer: int
    service_level: float | None
    abandon_rate: float | None
    avg_abandon_s: float | None
    asa_s: float | None
    avg_queue_s: float | None
    answered_pct: float | None
    blocked_rate: float | None
    queued_pct: float | None
    att_s: float | None
    avg_hold_s: float | None
    transfer_rate: float | None
    acw_s: float | None
    aht_s: float | None
    avg_ring_s: float | None
    occupancy: float | None
    calls_per_hour: float | None
    adherence: float | None


class AgentCounts(TypedDict):
    """Members (of a queue) or agents (in `all`) per state; logged_off: left today."""

    available: int
    ringing: int
    talking: int
    hold: int
    wrap: int
    paused: int
    logged_off: int


class QueueFigures(TypedDict):
    """One queue, or `all`: the floor now, staffing, and the figures of every span."""

    waiting: int
    leaving: int  # left the queue, outcome not yet known (docs/ENGINE.md)
    longest_wait_s: float
    callbacks_pending: int  # entries of the callback list whose last abandon was here
    agents: AgentCounts
    agents_required: int | None
    staffing_gap: int | None
    predicted_sl: float | None
    scheduled: int | None
    attendance: float | None
    window: Span
    interval: Span
    day: Span
    windows: dict[str, Span]  # the extra windows by their length in seconds; {} when none


class AgentRow(TypedDict):
    name: str
    state: AgentStateName
    reason: str
    since: float
    queues: list[str]  # current memberships, sorted
    calls: int  # answered today
    team: str  # "" when in none
    caller: str  # the number of the call ringing or answered ("" none; masked when private)
    answered_at: float | None  # when its call was answered (None: no call)
    ring_no_answer: int  # offers let ring out since its last answered call


class TeamSpan(TypedDict):
    """A team's figures of one span, from its agents' state seconds."""

    occupancy: float | None
    pause_s: float  # agent-seconds paused
    adherence: float | None  # None without a schedule


class TeamFigures(TypedDict):
    """One team: its agents now, by state (members never seen count as logged off)."""

    members: list[str]  # agent ids, sorted
    agents: AgentCounts
    scheduled: int | None  # members on shift now; None without a schedule
    window: TeamSpan
    interval: TeamSpan
    day: TeamSpan
    windows: dict[str, TeamSpan]


class CallbackEntry(TypedDict):
    """A caller who abandoned and was not reached since (docs/ENGINE.md "Callbacks")."""

    number: str  # as the source gave it on the last abandon (masked when private)
    queue: str  # of the last abandon
    queues: list[str]  # every queue it abandoned, sorted
    at: float  # the last abandon
    first_at: float  # the first
    wait_s: float  # waited before the last abandon
    attempts: int  # abandons, counted once each


class QueueTargets(TypedDict):
    sl_threshold_s: float
    sl_target: float


class ConfigSummary(TypedDict):
    """The settings the figures were computed with, so a viewer grades by the source's targets."""

    sl_threshold_s: float
    sl_target: float
    sl_variant: str  # how `all` (and queues without a variant of their own) reckon SL
    short_abandon_s: float
    window_s: float
    interval_s: float
    timezone: str
    queues: dict[str, QueueTargets]  # queues with settings of their own, resolved


class ActiveAlarm(TypedDict):
    """A firing alarm in a board's `alarms` (METRICS.md), with its operator state."""

    rule: str
    queue: str  # "" for an agent rule's
    # Agent rules: the agent id and its team ("" for a queue rule's, or none); a hub from
    # before agent rules sends neither.
    agent: NotRequired[str]
    team: NotRequired[str]
    severity: str
    since: float  # when it started firing
    metric: str
    value: float | None  # now
    fired_value: float | None  # when it fired
    fingerprint: str
    name: str
    message: str
    acknowledged_by: str | None
    acknowledged_at: float | None
    silenced_until: float | None


class Snapshot(TypedDict):
    """Every metric at `at`; with `source` and `alarms`, the board a front end shows."""

    at: float
    config: ConfigSummary
    queues: dict[str, QueueFigures]  # every queue ever seen, by name
    all: QueueFigures
    teams: dict[str, TeamFigures]  # by name; {} when no agent has a team
    callbacks: list[CallbackEntry]  # oldest last abandon first
    absent: dict[str, float | None]  # scheduled agents: since when logged off on shift, or None
    agents: NotRequired[dict[str, AgentRow]]  # left out by `snapshot(t, agents=False)`
    source: NotRequired[str]
    # What the source could not see (`SourceStatus.limits`), where `metrics` reports a file.
    source_limits: NotRequired[list[str]]
    alarms: NotRequired[list[ActiveAlarm]]
