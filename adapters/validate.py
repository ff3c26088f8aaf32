"""Shape, type and range checks of a raw record before any mapper handler reads it.

A live AMI socket only ever gives `[header, value]` string pairs, but a
recording is a file anyone can write (or a disk can damage), and a PBX can say
`HoldTime: -500`. Every check here answers why a record cannot be read (or
which of its figures cannot be believed), so the mapper can skip it with one
warning naming the event, instead of a handler raising on it or the engine
believing it. docs/INPUT.md lists the limits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, get_args

from wallboard.status import ConnectionState, SourceStatus

MAX_DURATION_S = 86_400.0
"""The longest wait, talk, hold or ring believed: a day. Longer is a broken counter."""

# AMI headers that carry a duration, by spelling; the ring time of AgentRingNoAnswer
# is in milliseconds.
AMI_DURATIONS: tuple[str, ...] = (
    "HoldTime",
    "Holdtime",
    "TalkTime",
    "Talktime",
    "RingTime",
    "Ringtime",
    "Wait",
)
_MILLISECONDS = frozenset({"AgentRingNoAnswer"})
# C0 and C1 control characters and DEL: on a terminal they are commands, not text.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"
_STATES = frozenset(get_args(ConnectionState))


def ami_block_problem(payload: Any) -> str | None:
    """Why `payload` is not an AMI block (a non-empty list of [text, text] pairs); None if it is."""
    if type(payload) is not list or not payload:
        return "not a list of [header, value] pairs"
    for pair in payload:  # about 11 pairs a block: the unpacking checks the length
        if type(pair) is not list:
            return "not a list of [header, value] pairs"
        try:
            key, value = pair
        except ValueError:
            return "not a list of [header, value] pairs"
        if type(key) is not str or type(value) is not str:
            return f"header {str(key)[:40]!r} is not text: {type(value).__name__} value"
    return None


def printable(text: str) -> str:
    """`text` with every control character as U+FFFD.

    A caller's number or name is set by whoever places the call (a SIP From
    header is enough), and an escape sequence in it would drive the
    supervisor's terminal (retitle it, clear it, move the cursor) and break the
    board's columns. What the wallboard shows, logs or serves is text only.
    """
    return _CONTROLS.sub(REPLACEMENT, text)


def duration_problem(text: str, scale: float = 1.0) -> str | None:
    """Why `text` is no duration of 0 to `MAX_DURATION_S` seconds (`scale`: units per second)."""
    try:
        seconds = float(text) / scale
    except ValueError:
        return "is not a number"
    if not 0.0 <= seconds <= MAX_DURATION_S:  # also nan
        return f"is outside 0 to {MAX_DURATION_S:g} s"
    return None


def drop_bad_durations(event: str, headers: dict[str, str]) -> list[str]:
    """Remove duration headers no one can believe (they read as unknown); why, per header."""
    warnings = []
    scale = 1000.0 if event in _MILLISECONDS else 1.0
    for key in AMI_DURATIONS:
        text = headers.get(key)
        if not text:
            continue
        unit = scale if key.startswith("Ring") else 1.0
        problem = duration_problem(text, unit)
        if problem is not None:
            del headers[key]
            warnings.append(f"{event}: {key} {text[:20]!r} {problem}; read as unknown")
    return warnings


def source_status(payload: Any) -> SourceStatus | str:
    """A recorded status record, or why it is not one."""
    if not isinstance(payload, Mapping):
        return "status record: not a map"
    at, state = payload.get("at"), payload.get("state")
    if not isinstance(at, int | float) or isinstance(at, bool) or not math.isfinite(at):
        return f"status record: time {str(at)[:20]!r} is not a number"
    if state not in _STATES:
        return f"status record: unknown state {str(state)[:20]!r}"
    detail, limits = payload.get("detail", ""), payload.get("limits", ())
    if type(detail) is not str or type(limits) not in (list, tuple):
        return "status record: detail or limits of the wrong type"
    return SourceStatus.from_payload(dict(payload))


# queue_log durations by verb: (field index in the line, name, units per second).
# COMPLETE*: holdtime|calltime; TRANSFER: extension|context|holdtime|calltime;
# the unanswered exits: position|origposition|waittime (EXITWITHKEY: key first).
_HOLD_CALL = ((5, "holdtime", 1.0), (6, "calltime", 1.0))
_TRANSFER = ((7, "holdtime", 1.0), (8, "calltime", 1.0))
_WAIT = ((7, "waittime", 1.0),)
QUEUE_LOG_DURATIONS: dict[str, tuple[tuple[int, str, float], ...]] = {
    "CONNECT": ((5, "holdtime", 1.0), (7, "ringtime", 1.0)),
    "COMPLETECALLER": _HOLD_CALL,
    "COMPLETEAGENT": _HOLD_CALL,
    "TRANSFER": _TRANSFER,
    "BLINDTRANSFER": _TRANSFER,
    "ATTENDEDTRANSFER": _TRANSFER,  # LINK|chan1|chan2|hold|call: one further on
    "ABANDON": _WAIT,
    "EXITWITHTIMEOUT": _WAIT,
    "EXITEMPTY": _WAIT,
    "WITHDRAW": _WAIT,
    "EXITWITHKEY": ((8, "waittime", 1.0),),
    "RINGNOANSWER": ((5, "ringtime", 1000.0),),
}


def blank_bad_durations(verb: str, fields: list[str]) -> list[str]:
    """Blank the duration fields of a line no one can believe (they read as unknown); why."""
    shift = 1 if verb == "ATTENDEDTRANSFER" and len(fields) > 5 and fields[5] == "LINK" else 0
    warnings = []
    for index, name, scale in QUEUE_LOG_DURATIONS[verb]:
        index += shift
        if index >= len(fields):
            continue
        text = fields[index]
        # The usual figure, whole seconds (or milliseconds) well in range, read without a float.
        if not text or (text.isdigit() and len(text) < 5 + (scale > 1) * 3):
            continue
        problem = duration_problem(text, scale)
        if problem is not None:
            fields[index] = ""
            warnings.append(f"{verb}: {name} {text[:20]!r} {problem}; read as unknown")
    return warnings
