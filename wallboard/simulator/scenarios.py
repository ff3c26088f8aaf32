"""Scenario knobs: which queues, how many agents, and what goes wrong when.

A scenario is plain data, so a run is reproducible from (scenario, seed)
alone; `model.CallCentre` turns it into happenings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from wallboard.errors import WallboardError

SCENARIOS: tuple[str, ...] = ("normal", "spike", "lunch")
DEFAULT_START = 1732266000.0  # 2024-11-22 09:00 UTC, a Friday morning
DEFAULT_QUEUES: tuple[str, ...] = ("sales", "support", "billing")


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One queue as queues.conf would set it up, plus its traffic mix.

    `ring_timeout_s` is queues.conf `timeout` (how long one agent rings),
    `max_wait_s` the Queue() application's timeout (EXITWITHTIMEOUT), and
    `maxlen` 0 means unlimited, as in Asterisk.
    """

    name: str
    strategy: str
    share: float
    talk_mean_s: float
    ring_timeout_s: int = 15
    retry_s: int = 5
    wrapup_s: int = 0
    maxlen: int = 0
    max_wait_s: int = 300
    servicelevel_s: int = 20
    autopause: bool = False
    hold_prob: float = 0.2
    transfer_prob: float = 0.03


# Queue templates; names outside this table get the templates in turn.
_TEMPLATES: dict[str, QueueSpec] = {
    "sales": QueueSpec("sales", "rrmemory", 0.35, 170.0, wrapup_s=10, maxlen=6),
    "support": QueueSpec(
        "support", "leastrecent", 0.42, 260.0, wrapup_s=20, max_wait_s=240, autopause=True
    ),
    "billing": QueueSpec("billing", "ringall", 0.15, 200.0, ring_timeout_s=20, wrapup_s=15),
    "vip": QueueSpec("vip", "leastrecent", 0.08, 300.0, ring_timeout_s=12, wrapup_s=30),
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a run depends on besides the seed."""

    name: str
    start: float
    duration_s: float
    queues: tuple[QueueSpec, ...]
    agents: int
    spike_at_s: float | None = None
    spike_for_s: float = 1200.0
    spike_factor: float = 2.6
    mass_lunch_at_s: float | None = None
    mass_lunch_for_s: float = 2700.0
    mass_lunch_fraction: float = 0.5


def queue_specs(names: tuple[str, ...]) -> tuple[QueueSpec, ...]:
    """Specs for the named queues; traffic shares renormalised to sum to 1."""
    if not names or len(set(names)) != len(names):
        raise WallboardError("--queues needs distinct queue names, e.g. sales,support")
    templates = list(_TEMPLATES.values())
    specs = [
        _TEMPLATES.get(name) or replace(templates[i % len(templates)], name=name)
        for i, name in enumerate(names)
    ]
    total = sum(spec.share for spec in specs)
    return tuple(replace(spec, share=spec.share / total) for spec in specs)


def parse_start(text: str) -> float:
    """Epoch seconds from `1732266000` or an ISO date-time (UTC unless it says otherwise)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise WallboardError(
            f"--start {text!r}: expected epoch seconds or e.g. 2024-11-22T09:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def build_scenario(
    name: str = "normal",
    *,
    start: float = DEFAULT_START,
    duration_s: float = 4 * 3600.0,
    queues: tuple[str, ...] = DEFAULT_QUEUES,
    agents: int = 40,
) -> Scenario:
    """The named scenario; `spike` and `lunch` put their episode a third into the run."""
    if name not in SCENARIOS:
        raise WallboardError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    if duration_s <= 0:
        raise WallboardError("--duration must be positive")
    if agents < 2:
        raise WallboardError("--agents must be at least 2")
    specs = queue_specs(queues)
    if agents < len(specs):
        raise WallboardError("--agents must be at least the number of queues")
    episode = duration_s / 3
    return Scenario(
        name=name,
        start=start,
        duration_s=duration_s,
        queues=specs,
        agents=agents,
        spike_at_s=episode if name == "spike" else None,
        spike_for_s=min(1200.0, duration_s / 6),
        mass_lunch_at_s=episode if name == "lunch" else None,
        mass_lunch_for_s=min(2700.0, duration_s / 4),
    )
