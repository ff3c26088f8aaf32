"""The engine's settings: pure data, checked on construction.

No file or environment is read here (`wallboard.runtime.config` does that);
`engine_config_from_mapping` builds the settings from an already parsed table,
such as the `[engine]` table of a config file or the header of a recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wallboard.errors import ConfigError

if TYPE_CHECKING:
    from wallboard.engine.schedule import Schedule

SlVariant = Literal["offered", "answered_only", "abandons_in_sl_good"]
SL_VARIANTS: tuple[str, ...] = ("offered", "answered_only", "abandons_in_sl_good")


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """Per-queue settings; `None` means "use the engine-wide value"."""

    sl_threshold_s: float | None = None
    sl_variant: SlVariant | None = None
    sl_target: float | None = None
    short_abandon_s: float | None = None
    wrapup_s: float = 0.0


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
    queues: Mapping[str, QueueSettings] = field(default_factory=dict)
    # Agents' shifts, for adherence and attendance (`wallboard.runtime.schedule_csv`).
    schedule: Schedule | None = None

    def __post_init__(self) -> None:
        if self.sl_variant not in SL_VARIANTS:
            raise ConfigError(
                f"sl_variant must be one of {', '.join(SL_VARIANTS)}", key=("sl_variant",)
            )
        for name in ("window_s", "interval_s"):
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
        )

    def summary(self) -> dict[str, Any]:
        """The `config` object of the JSON snapshot: enough to read the figures as they were
        computed, so a hub's viewers grade by the hub's targets, not by their own."""
        queues = {name: self.for_queue(name) for name in sorted(self.queues)}
        return {
            "sl_threshold_s": self.sl_threshold_s,
            "sl_target": self.sl_target,
            "short_abandon_s": self.short_abandon_s,
            "window_s": self.window_s,
            "interval_s": self.interval_s,
            "timezone": self.timezone,
            "queues": {
                name: {"sl_threshold_s": q.sl_threshold_s, "sl_target": q.sl_target}
                for name, q in queues.items()
            },
        }


_ENGINE_KEYS = {f.name for f in fields(EngineConfig)} - {
    "queues",
    "day_start",
    "extra_windows_s",
    "schedule",
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


def engine_config_from_mapping(data: Mapping[str, Any], where: str = "[engine]") -> EngineConfig:
    """Build an `EngineConfig` from a parsed `[engine]` table, naming bad keys."""
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "queues":
            continue
        if key == "day_start":
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
        unknown = sorted(set(table) - _QUEUE_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}.queues.{name}: unknown key {unknown[0]!r}",
                key=("queues", name, unknown[0]),
            )
        queue_kwargs = {
            k: (
                str(v)
                if k == "sl_variant"
                else _number(v, f"{where}.queues.{name}.{k}", ("queues", name, k))
            )
            for k, v in table.items()
        }
        queues[str(name)] = QueueSettings(**queue_kwargs)
    kwargs["queues"] = queues
    return EngineConfig(**kwargs)


def with_queue_overrides(config: EngineConfig, **queues: QueueSettings) -> EngineConfig:
    """A copy of `config` with more per-queue settings (used by tests and adapters)."""
    return replace(config, queues={**config.queues, **queues})
