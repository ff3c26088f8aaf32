"""The settings a snapshot's figures were computed with, read from its `config`.

The board grades, titles and dates every figure by these, never by the local
configuration: a `wallboard view` of a hub shows the hub's targets, windows and
time zone. A snapshot from an older hub that lacks a key reads as the default
of `shared/METRICS.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wallboard.engine.settings import EngineConfig

DEFAULTS = EngineConfig()


@dataclass(frozen=True, slots=True)
class QueueTargets:
    sl_threshold_s: float
    sl_target: float


@dataclass(frozen=True, slots=True)
class SnapshotConfig:
    sl_threshold_s: float = DEFAULTS.sl_threshold_s
    sl_target: float = DEFAULTS.sl_target
    window_s: float = DEFAULTS.window_s
    interval_s: float = DEFAULTS.interval_s
    tz: ZoneInfo = field(default_factory=lambda: DEFAULTS.tz)
    # Queues with targets of their own; the others use the engine-wide ones.
    queues: Mapping[str, QueueTargets] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> SnapshotConfig:
        """Args:
        config: a snapshot's `config` object (`EngineConfig.summary()`).
        """
        threshold = float(config.get("sl_threshold_s", DEFAULTS.sl_threshold_s))
        target = float(config.get("sl_target", DEFAULTS.sl_target))
        queues = {
            str(name): QueueTargets(
                float(own.get("sl_threshold_s", threshold)), float(own.get("sl_target", target))
            )
            for name, own in dict(config.get("queues") or {}).items()
        }
        return cls(
            sl_threshold_s=threshold,
            sl_target=target,
            window_s=float(config.get("window_s", DEFAULTS.window_s)),
            interval_s=float(config.get("interval_s", DEFAULTS.interval_s)),
            tz=_zone(config.get("timezone")),
            queues=queues,
        )

    def for_queue(self, name: str) -> QueueTargets:
        return self.queues.get(name) or QueueTargets(self.sl_threshold_s, self.sl_target)


def _zone(name: object) -> ZoneInfo:
    """The centre's zone; one this machine does not know reads as the default (UTC)."""
    try:
        return ZoneInfo(str(name)) if name else DEFAULTS.tz
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULTS.tz
