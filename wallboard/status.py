"""Source health: the vocabulary every layer uses to say whether figures are live.

A source (AMI, a file, a hub) reports it, recordings keep it, and the board
shows it; it sits beside `wallboard.events` so none of them has to reach into
the adapters for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ConnectionState = Literal["connecting", "resyncing", "live", "disconnected", "ended"]
# The figures a source last gave are not current in these states (a board shows them stale).
STALE_STATES: tuple[ConnectionState, ...] = ("connecting", "resyncing", "disconnected")


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A change in the health of a source, shown on screen and kept in recordings.

    `limits` says what the source cannot see (an AMI user without the
    `dialplan` class...), each as the figure it costs and the setting that
    restores it; the mapper finds them in the stream itself.
    """

    at: float
    state: ConnectionState
    detail: str = ""
    limits: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"at": self.at, "state": self.state, "detail": self.detail}
        if self.limits:
            payload["limits"] = list(self.limits)
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> SourceStatus:
        return cls(
            float(payload["at"]),
            payload["state"],
            str(payload.get("detail", "")),
            tuple(str(limit) for limit in payload.get("limits", ())),
        )
