"""Following another process's alarms (a hub's) as a pager needs them: once per episode.

A follower connects at any time, maybe mid-incident, and may lose the hub and
come back. It sees the hub's transitions from the moment it joined, plus with
every board the list of alarms firing then. From the two it reports each
firing episode, identified by (fingerprint, since), exactly once: an alarm
already firing when it joined (or rejoined) comes as kind `active`, and an
episode that ended while it was away comes as `resolved` at the first board
that no longer lists it. An episode that joined silenced is `renotified` when
its silence ends. Pure: boards in, transition dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FIRING_KINDS = frozenset({"firing", "renotified"})


@dataclass(slots=True)
class _Episode:
    since: float
    notified: bool
    last: dict[str, Any]  # its latest state, as a transition dict


class AlarmFollower:
    """Turns the boards of a hub into transitions for pagers, one firing per episode."""

    def __init__(self) -> None:
        self._episodes: dict[str, _Episode] = {}

    def follow(
        self, transitions: Sequence[Mapping[str, Any]], snapshot: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """What to report for one board: its transitions (minus repeats), then what they missed."""
        out = [kept for t in transitions if (kept := self._transition(t)) is not None]
        at = float(snapshot["at"])
        active = {alarm["fingerprint"]: alarm for alarm in snapshot.get("alarms", ())}
        for fp, episode in list(self._episodes.items()):
            alarm = active.get(fp)
            if alarm is None or alarm["since"] != episode.since:
                del self._episodes[fp]
                ended = {
                    "kind": "resolved",
                    "status": "resolved",
                    "at": at,
                    "by": "",
                    "until": None,
                }
                out.append({**episode.last, **ended, "notify": episode.notified})
        for fp, alarm in active.items():
            known = self._episodes.get(fp)
            if known is None:
                first = _transition_of(alarm, at, notify=alarm.get("silenced_until") is None)
                self._episodes[fp] = _Episode(alarm["since"], first["notify"], first)
                out.append(first)
                continue
            episode = known
            episode.last = _transition_of(alarm, at, notify=episode.notified)
            if not episode.notified and alarm["silenced_until"] is None:
                # Its silence ended: the pagers here hear of it now (the hub's may have before).
                episode.notified = True
                out.append({**episode.last, "kind": "renotified", "notify": True})
        return out

    def _transition(self, transition: Mapping[str, Any]) -> dict[str, Any] | None:
        kind, fp = transition["kind"], transition["fingerprint"]
        episode = self._episodes.get(fp)
        if kind in FIRING_KINDS:
            if episode is not None and episode.since == transition["since"]:
                if episode.notified or not transition["notify"]:
                    return None  # this episode was reported already
                episode.notified = True
                return {**transition, "kind": "renotified"}
            self._episodes[fp] = _Episode(transition["since"], transition["notify"], {**transition})
            return dict(transition)
        if kind == "resolved":
            if episode is None or episode.since != transition["since"]:
                return None  # the end of an episode this follower never reported
            del self._episodes[fp]
            # Pagers hear of a resolution exactly when they heard of its firing.
            return {**transition, "notify": episode.notified}
        return dict(transition)


def _transition_of(alarm: Mapping[str, Any], at: float, *, notify: bool) -> dict[str, Any]:
    """An active alarm (the snapshot's `alarms` shape) as an `active` transition."""
    return {
        "kind": "active",
        "at": at,
        "status": "firing",
        "rule": alarm["rule"],
        "name": alarm["name"],
        "queue": alarm["queue"],
        "severity": alarm["severity"],
        "fingerprint": alarm["fingerprint"],
        "since": alarm["since"],
        "value": alarm["value"],
        "message": alarm["message"],
        "notify": notify,
        "by": alarm["acknowledged_by"] or "",
        "until": alarm["silenced_until"],
    }
