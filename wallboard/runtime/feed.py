"""What every front end consumes: a stream of board updates.

A live collector, a hub client and a replay all produce `BoardUpdate`s, so the
TUI, `wallboard metrics ws://...` and `wallboard alerts` do not care where the
numbers come from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from wallboard.status import SourceStatus


@dataclass(frozen=True, slots=True)
class BoardUpdate:
    """One coherent picture of the floor at `snapshot["at"]`.

    `snapshot` is the engine's JSON layout (docs/ENGINE.md) with `source` and
    `alarms` (the active alarms) filled in; `transitions` are the alarm state
    changes since the previous update, in order.
    """

    snapshot: dict[str, Any]
    status: SourceStatus
    transitions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def at(self) -> float:
        return float(self.snapshot["at"])


class BoardFeed(Protocol):
    """An endless (live) or finite (file) stream of updates."""

    label: str

    def updates(self) -> AsyncIterator[BoardUpdate]: ...
