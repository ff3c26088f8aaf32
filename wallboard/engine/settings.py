"""The engine's settings: pure data, checked on construction.

No file or environment is read here (`wallboard.runtime.config` does that);
`engine_config_from_mapping` builds the settings from an already parsed table,
such as the `[engine]` table of a config file or the header of a recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from typing import TYPE_CHECKING, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wallboard.engine.snapshot import ConfigSummary
from wallboard.errors import ConfigError

if TYPE_CHECKING:
    from wallboard.engine.schedule import Schedule

SlVariant = Literal["offered", "answered_only", "abandons_in_sl_good"]
SL_VARIANTS: tuple[str, ...] = ("offered", "answered_only", "abandons_in_sl_good")

EMPTY_CONDITIONS = (
    "inuse",
    "invalid",
    "paused",
    "penalty",
    "ringing",
    "unavailable",
    "unknown",
    "wrapup",
)
"""The member conditions of queues.conf's `joinempty`/`leavewhenempty` that make a member
count as absent (app_queue's `parse_empty_options`)."""
_EMPTY_PRESETS = {
    "loose": ("invalid", "penalty"),
    "strict": ("invalid", "paused", "penalty", "unavailable"),
}
_YES = ("yes", "true", "y", "t", "1", "on")
_NO = ("no", "false", "n", "f", "0", "off")


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Per-queue settings; `None` means "use the engine-wide value"."""

    sl_threshold_s: float | None = None
    sl_variant: SlVariant | None = None
    sl_target: float | None = None
    short_abandon_s: float | None = None
    wrapup_s: float = 0.0
    # What queues.conf says about the queue, for telling exits apart on AMI
    # (adapters/ami/exits.py): the leave-when-empty conditions (None: not
    # configured) and the timeouts Queue() is called with.
    leavewhenempty: tuple[str, ...] | None = None
    caller_timeout_s: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """One entry of the `[agents]` table: how an interface or member name is shown.

    Entries with the same `name` are one agent (one row), whatever Asterisk
    calls it on a given line; `team` groups agents on the board.
    """

    name: str
    team: str = ""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Everything the metric engine needs; see `docs/ENGINE.md` for the semantics."""

    sl_threshold_s: float = 20.0
    sl_variant: SlVariant = "offered"
    sl_target: float = 0.80
    short_abandon_s: float = 5.0
    queued_min_s: float = 1.0
    window_s: float = 900.0
    extra_windows_s: tuple[float, ...] = ()
    interval_s: float = 1800.0
    day_start: time = time(0, 0)
    timezone: str = "UTC"
    occupancy_includes_wrap: bool = False
    # How far ahead of the stream's clock a source time needs confirming (docs/INPUT.md).
    source_max_jump_s: float = 60.0
    queues: Mapping[str, QueueSettings] = field(default_factory=dict)
    # Interface, state interface or member name -> the agent it is (`[agents]`).
    agents: Mapping[str, AgentSettings] = field(default_factory=dict)
    # Agents' shifts, for adherence and attendance (`wallboard.runtime.schedule_csv`).
    schedule: Schedule | None = None
    # A callback leaves the list this long after its last abandon (docs/ENGINE.md).
    callbacks_keep_s: float = 86400.0
    # Numbers leave the engine masked ([privacy] mask_numbers).
    mask_numbers: bool = False
    # Agent id -> team, from a teams file; wins over the teams of `[agents]`.
    teams: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.sl_variant not in SL_VARIANTS:
            raise ConfigError(
                f"sl_variant must be one of {', '.join(SL_VARIANTS)}", key=("sl_variant",)
            )
        for name in ("window_s", "interval_s", "source_max_jump_s", "callbacks_keep_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive", key=(name,))
        if any(w <= 0 for w in self.extra_windows_s):
            raise ConfigError("extra_windows_s must all be positive", key=("windows_s",))
        if not 0 < self.sl_target < 1:
            raise ConfigError("sl_target must be a fraction between 0 and 1", key=("sl_target",))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"unknown time zone {self.timezone!r}", key=("timezone",)) from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def team_members(self) -> dict[str, frozenset[str]]:
        """Each team and the agent ids in it: the `[agents]` teams, then the teams file's."""
        team_of = {a.name: a.team for a in self.agents.values() if a.team}
        team_of.update(self.teams)
        members: dict[str, set[str]] = {}
        for agent, team in team_of.items():
            if team:
                members.setdefault(team, set()).add(agent)
        return {team: frozenset(members[team]) for team in sorted(members)}

    def for_queue(self, queue: str) -> QueueSettings:
        """The effective settings of one queue, every field resolved."""
        own = self.queues.get(queue, QueueSettings())
        return QueueSettings(
            sl_threshold_s=self.sl_threshold_s
            if own.sl_threshold_s is None
            else own.sl_threshold_s,
            sl_variant=self.sl_variant if own.sl_variant is None else own.sl_variant,
            sl_target=self.sl_target if own.sl_target is None else own.sl_target,
            short_abandon_s=(
                self.short_abandon_s if own.short_abandon_s is None else own.short_abandon_s
            ),
            wrapup_s=own.wrapup_s,
            leavewhenempty=own.leavewhenempty,
            caller_timeout_s=own.caller_timeout_s,
        )

    def summary(self) -> ConfigSummary:
        """The `config` object of the JSON snapshot: enough to read the figures as they were
        computed, so a hub's viewers grade by the hub's targets, not by their own."""
        queues = {name: self.for_queue(name) for name in sorted(self.queues)}
        return {
            "sl_threshold_s": self.sl_threshold_s,
            "sl_target": self.sl_target,
            "sl_variant": self.sl_variant,
            "short_abandon_s": self.short_abandon_s,
            "window_s": self.window_s,
            "interval_s": self.interval_s,
            "timezone": self.timezone,
            "queues": {
                # for_queue resolves every field: none is left None.
                name: {
                    "sl_threshold_s": cast(float, q.sl_threshold_s),
                    "sl_target": cast(float, q.sl_target),
                }
                for name, q in queues.items()
            },
        }


_ENGINE_KEYS = {f.name for f in fields(EngineConfig)} - {
    "queues",
    "agents",
    "day_start",
    "extra_windows_s",
    "schedule",
    "mask_numbers",
    "teams",
}
_QUEUE_KEYS = {f.name for f in fields(QueueSettings)}


def _parse_day_start(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(
            f"{where}: day_start must look like 07:30, not {value!r}", key=("day_start",)
        ) from exc


def _number(value: Any, where: str, key: tuple[str, ...]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number, not {value!r}", key=key)
    return float(value)


def empty_conditions(value: Any, where: str, key: tuple[str, ...] = ()) -> tuple[str, ...]:
    """queues.conf's `leavewhenempty` as Asterisk reads it: the conditions, sorted.

    Options accumulate left to right; `loose`, `strict` and the booleans replace
    what came before (`yes` = penalty,paused,invalid; `no` = none).
    """
    if not isinstance(value, str):
        raise ConfigError(
            f'{where} must be text as in queues.conf, e.g. "paused,unavailable"', key=key
        )
    conditions: set[str] = set()
    for option in (word.strip().lower() for word in value.split(",")):
        if option in EMPTY_CONDITIONS:
            conditions.add(option)
        elif option in _EMPTY_PRESETS:
            conditions = set(_EMPTY_PRESETS[option])
        elif option in _YES:
            conditions = {"invalid", "paused", "penalty"}
        elif option in _NO:
            conditions = set()
        else:
            raise ConfigError(
                f"{where}: unknown condition {option!r} (queues.conf knows "
                f"{', '.join(EMPTY_CONDITIONS)}, loose, strict, yes, no)",
                key=key,
            )
    return tuple(sorted(conditions))


def empty_conditions_text(conditions: tuple[str, ...]) -> str:
    """The conditions written back as queues.conf would take them."""
    return ",".join(conditions) if conditions else "no"


def _timeouts(value: Any, where: str, key: tuple[str, ...]) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    numbers = tuple(_number(v, where, key) for v in values)
    if not numbers or any(n <= 0 for n in numbers):
        raise ConfigError(
            f"{where} must be a positive number of seconds, or a list of them", key=key
        )
    return numbers


def _queue_settings(table: Mapping[str, Any], where: str, path: tuple[str, ...]) -> QueueSettings:
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _QUEUE_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}", key=(*path, key))
        if key == "sl_variant":
            kwargs[key] = str(value)
        elif key == "leavewhenempty":
            kwargs[key] = empty_conditions(value, f"{where}.{key}", (*path, key))
        elif key == "caller_timeout_s":
            kwargs[key] = _timeouts(value, f"{where}.{key}", (*path, key))
        else:
            kwargs[key] = _number(value, f"{where}.{key}", (*path, key))
    return QueueSettings(**kwargs)


def agents_from_mapping(data: Any, where: str = "[agents]") -> dict[str, AgentSettings]:
    """`[agents]`: `"interface or member name" = "Display name"` or `= {name = ..., team = ...}`.

    Errors name the key at fault as `("agents", key, ...)`.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a table", key=("agents",))
    agents: dict[str, AgentSettings] = {}
    for key, value in data.items():
        if not key:
            raise ConfigError(f"{where}: an empty agent key", key=("agents", key))
        if isinstance(value, str):
            entry = {"name": value}
        elif isinstance(value, Mapping):
            unknown = sorted(set(value) - {"name", "team"})
            if unknown:
                raise ConfigError(
                    f"{where}.{key!r}: unknown key {unknown[0]!r} (name, team)",
                    key=("agents", key, unknown[0]),
                )
            entry = {"name": value.get("name", key), "team": value.get("team", "")}
        else:
            raise ConfigError(
                f'{where}.{key!r} must be a display name or {{name = "...", team = "..."}}',
                key=("agents", key),
            )
        if not all(isinstance(v, str) for v in entry.values()) or not entry["name"].strip():
            raise ConfigError(
                f"{where}.{key!r}: name and team must be text, the name not empty",
                key=("agents", key),
            )
        agents[str(key)] = AgentSettings(**{k: v.strip() for k, v in entry.items()})
    return agents


def engine_config_from_mapping(data: Mapping[str, Any], where: str = "[engine]") -> EngineConfig:
    """Build an `EngineConfig` from a parsed `[engine]` table, naming bad keys.

    An `agents` key holds the `[agents]` table (a recording header keeps it there).
    """
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "queues":
            continue
        if key == "agents":
            kwargs[key] = agents_from_mapping(value, f"{where}.agents")
        elif key == "day_start":
            kwargs[key] = _parse_day_start(value, where)
        elif key == "windows_s":
            if not isinstance(value, list) or not value:
                raise ConfigError(
                    f"{where}.windows_s must be a non-empty list of seconds", key=(key,)
                )
            numbers = [_number(v, f"{where}.windows_s", (key,)) for v in value]
            kwargs["window_s"], kwargs["extra_windows_s"] = numbers[0], tuple(numbers[1:])
        elif key in _ENGINE_KEYS:
            if key in ("sl_variant", "timezone"):
                kwargs[key] = str(value)
            elif key == "occupancy_includes_wrap":
                if not isinstance(value, bool):
                    raise ConfigError(f"{where}.{key} must be true or false", key=(key,))
                kwargs[key] = value
            else:
                kwargs[key] = _number(value, f"{where}.{key}", (key,))
        else:
            raise ConfigError(f"{where}: unknown key {key!r}", key=(key,))
    queues: dict[str, QueueSettings] = {}
    for name, table in dict(data.get("queues", {})).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}.queues.{name} must be a table", key=("queues", name))
        queues[str(name)] = _queue_settings(table, f"{where}.queues.{name}", ("queues", name))
    kwargs["queues"] = queues
    return EngineConfig(**kwargs)
