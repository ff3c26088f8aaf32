"""Transitions as lines of text: JSON lines, Alertmanager webhook JSON, or prose."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

FORMATS: tuple[str, ...] = ("jsonl", "alertmanager", "text")
# Alertmanager's "no end yet" timestamp (Go's zero time).
ZERO_TIME = "0001-01-01T00:00:00Z"
# Kinds a pager cares about; the others are operator bookkeeping. `active`: already
# firing when `wallboard alerts ws://...` joined the hub (`wallboard.alarms.follow`).
PAGER_KINDS = frozenset({"firing", "resolved", "renotified", "active"})


def iso(t: float) -> str:
    """RFC 3339 in UTC with milliseconds, as Alertmanager writes it."""
    stamp = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def for_pagers(transition: Mapping[str, Any]) -> bool:
    """Whether pagers (Alertmanager receivers, --exec, --webhook, --notify) should hear of it."""
    return bool(transition["notify"]) and transition["kind"] in PAGER_KINDS


def alertmanager_payload(
    transition: Mapping[str, Any], *, receiver: str = "wallboard", external_url: str = ""
) -> dict[str, Any]:
    """One transition as an Alertmanager (version 4) webhook notification.

    Receivers de-duplicate by (fingerprint, status, startsAt): a retried POST
    or a renotification after a silence carries the same three.
    """
    status = transition["status"]
    labels = {"alertname": transition["rule"]}
    if transition.get("agent"):
        labels["agent"] = transition["agent"]
        if transition.get("team"):
            labels["team"] = transition["team"]
    else:
        labels["queue"] = transition["queue"]
    labels["severity"] = transition["severity"]
    annotations = {"summary": transition["message"], "description": transition["name"]}
    alert = {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": iso(transition["since"]),
        "endsAt": iso(transition["at"]) if status == "resolved" else ZERO_TIME,
        "generatorURL": external_url,
        "fingerprint": transition["fingerprint"],
    }
    group_key = "{}:{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": labels,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": external_url,
        "alerts": [alert],
    }


def text_line(transition: Mapping[str, Any]) -> str:
    """One human line: time, what happened, severity, where, the message."""
    kind = transition["kind"].upper()
    who = f" by {transition['by']}" if transition["by"] else ""
    until = f" until {iso(transition['until'])}" if transition["until"] is not None else ""
    muted = (
        ""
        if transition["notify"] or kind not in ("FIRING", "RESOLVED", "ACTIVE")
        else " (silenced)"
    )
    return (
        f"{iso(transition['at'])} {kind}{muted} [{transition['severity']}] "
        f"{transition['rule']} {where(transition)}{who}{until}: {transition['message']}"
    )


def where(alarm: Mapping[str, Any]) -> str:
    """What an alarm is about: its queue, or `agent NAME` for an agent rule's."""
    agent = alarm.get("agent")
    return f"agent {agent}" if agent else str(alarm["queue"])


def format_transition(transition: Mapping[str, Any], fmt: str) -> str | None:
    """The line for `fmt`, or None when that format leaves this transition out."""
    if fmt == "jsonl":
        return json.dumps(transition, separators=(",", ":"))
    if fmt == "alertmanager":
        if not for_pagers(transition):
            return None
        return json.dumps(alertmanager_payload(transition), separators=(",", ":"))
    return text_line(transition)
