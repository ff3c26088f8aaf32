"""Source health: the vocabulary every layer uses to say whether figures are live.

A source (AMI, a file, a hub) reports it, recordings keep it, and the board
shows it; it sits beside `wallboard.events` so none of them has to reach into
the adapters for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ConnectionState = Literal["connecting", "resyncing", "live", "disconnected", "ended"]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A change in the health of a source, shown on screen and kept in recordings."""

    at: float
    state: ConnectionState
    detail: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"at": self.at, "state": self.state, "detail": self.detail}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> SourceStatus:
        return cls(float(payload["at"]), payload["state"], str(payload.get("detail", "")))
