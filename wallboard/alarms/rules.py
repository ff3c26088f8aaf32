"""Alarm rules: parsed from TOML and validated before anything runs.

A rules file is read once at start-up, usually by someone in a hurry at the
start of a shift, so every mistake is reported as `file:line: rule 'id': key:
why` instead of surfacing hours later as a silent non-alarm.
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from wallboard.engine.snapshot import AGENT_STATES
from wallboard.errors import WallboardError

Kind = Literal["threshold", "change", "agent"]
Op = Literal["<", "<=", ">", ">="]
Severity = Literal["info", "warning", "critical"]
Direction = Literal["down", "up"]

OPS: tuple[str, ...] = ("<", "<=", ">", ">=")
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
DIRECTIONS: tuple[str, ...] = ("down", "up")
SPANS: tuple[str, ...] = ("window", "interval", "day", "instant")

# Every key of a SPAN in docs/ENGINE.md "Snapshot layout".
SPAN_METRICS: frozenset[str] = frozenset(
    {
        "offered",
        "answered",
        "answered_in_sl",
        "abandoned",
        "short_abandoned",
        "overflow",
        "blocked",
        "ring_no_answer",
        "service_level",
        "abandon_rate",
        "avg_abandon_s",
        "asa_s",
        "avg_queue_s",
        "answered_pct",
        "blocked_rate",
        "queued_pct",
        "att_s",
        "avg_hold_s",
        "transfer_rate",
        "acw_s",
        "aht_s",
        "avg_ring_s",
        "occupancy",
        "calls_per_hour",
    }
)
# Queue-level values at the instant of the snapshot (span "instant").
INSTANT_METRICS: frozenset[str] = frozenset(
    {"waiting", "longest_wait_s", "agents_required", "staffing_gap", "predicted_sl"}
    | {"callbacks_pending"}
    | {f"agents.{state}" for state in AGENT_STATES}
)
STAFFING_METRICS: frozenset[str] = frozenset({"agents_required", "staffing_gap", "predicted_sl"})
# Figures of one agent (kind = "agent"), docs/ALARMS.md "Agent rules": seconds in the
# current pause, wrap-up, call or absence (0 when not in it), and the ring-no-answer streak.
AGENT_METRICS: frozenset[str] = frozenset(
    {"pause_s", "wrap_s", "talk_s", "absent_s", "ring_no_answer"}
)

# Placeholders a message template may use, by rule kind.
COMMON_FIELDS: frozenset[str] = frozenset(
    {"rule", "name", "queue", "metric", "span", "severity", "value"}
)
TEMPLATE_FIELDS: Mapping[str, frozenset[str]] = {
    "threshold": COMMON_FIELDS | {"threshold", "clear"},
    "change": COMMON_FIELDS | {"previous", "change", "by", "clear_by", "over"},
    "agent": frozenset(
        {"rule", "name", "agent", "team", "metric", "severity", "value", "threshold", "clear"}
        | {"reason", "duration"}
    ),
}
# Representative values used to try every template once at load time.
_SAMPLE: Mapping[str, Any] = {
    "rule": "rule-id",
    "name": "Rule name",
    "queue": "queue",
    "metric": "service_level",
    "span": "window",
    "severity": "warning",
    "value": 0.5,
    "threshold": 0.8,
    "clear": 0.85,
    "previous": 0.6,
    "change": -0.1,
    "by": 0.1,
    "clear_by": 0.05,
    "over": "15m",
    "agent": "Alice",
    "team": "Team 1",
    "reason": "lunch",
    "duration": "1:00:00",
}

_COMMON_KEYS = frozenset(
    {
        "id",
        "name",
        "kind",
        "metric",
        "queue",
        "span",
        "for",
        "clear_for",
        "severity",
        "message",
        "min_offered",
    }
)
_KIND_KEYS: Mapping[str, frozenset[str]] = {
    "threshold": _COMMON_KEYS | {"op", "threshold", "clear"},
    "change": _COMMON_KEYS | {"over", "by", "clear_by", "direction"},
    "agent": frozenset(
        {"id", "name", "kind", "metric", "agent", "team", "reason", "op", "threshold", "clear"}
        | {"for", "clear_for", "severity", "message"}
    ),
}
_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "threshold": ("id", "metric", "op", "threshold"),
    "change": ("id", "metric", "over", "by", "direction"),
    "agent": ("id", "metric", "op", "threshold"),
}
# Keys of queue rules someone may write in an agent rule, and what to write instead.
_NOT_FOR_AGENTS = {
    "queue": "agent rules pick agents with 'agent' (a glob) and 'team'",
    "span": "an agent's figures are of the instant: leave span out",
    "min_offered": "only queue rules count offered calls",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh])\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
DEFAULT_MESSAGES: Mapping[str, str] = {
    "threshold": "{name}: {metric} {value:.4g} in {queue} (threshold {threshold:.4g})",
    "change": "{name}: {metric} moved {change:+.4g} in {over} in {queue} (now {value:.4g})",
    "agent": "{name}: {agent} {metric} {value:.4g} (threshold {threshold:.4g})",
}


class RulesError(WallboardError):
    """A rules file that cannot be used, with the place and the reason."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated rule; `for_s`/`clear_for_s`/`over_s` are seconds."""

    id: str
    name: str
    kind: Kind
    metric: str
    queue: str
    span: str
    severity: Severity
    message: str
    for_s: float = 0.0
    clear_for_s: float = 0.0
    min_offered: int = 0
    op: Op = "<"
    threshold: float = 0.0
    clear: float = 0.0
    over_s: float = 0.0
    by: float = 0.0
    clear_by: float = 0.0
    direction: Direction = "down"
    # Agent rules: which agents (a glob on the agent id, a team), which pause reason (a glob).
    agent: str = "*"
    team: str = ""
    reason: str = ""

    @property
    def over_text(self) -> str:
        return format_duration(self.over_s)

    def fires(self, value: float) -> bool:
        """Whether a threshold rule's condition holds for `value`."""
        return _compare(value, self.op, self.threshold)

    def clears(self, value: float) -> bool:
        """Whether `value` is on the safe side of the clear threshold (hysteresis)."""
        return not _compare(value, self.op, self.clear)

    def moved(self, previous: float, value: float) -> float:
        """The change in the rule's direction: positive when it went the alarming way."""
        return previous - value if self.direction == "down" else value - previous


def _compare(value: float, op: str, limit: float) -> bool:
    if op == "<":
        return value < limit
    if op == "<=":
        return value <= limit
    if op == ">":
        return value > limit
    return value >= limit


def format_duration(seconds: float) -> str:
    """The shortest of 1h / 5m / 30s that says `seconds` exactly."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_duration(value: Any) -> float:
    """`30s`, `5m`, `1h` (or a bare number of seconds) -> seconds; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration such as 30s, 5m or 1h, not {value!r}")
        seconds = float(match[1]) * _UNIT_S[match[2]]
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be finite and not negative, not {value!r}")
    return seconds


def check_template(template: str, kind: str) -> None:
    """Reject unknown placeholders and format specs that cannot apply (ValueError)."""
    allowed = TEMPLATE_FIELDS[kind]
    try:
        names = [
            field for _, field, _, _ in string.Formatter().parse(template) if field is not None
        ]
    except ValueError as exc:
        raise ValueError(f"bad template ({exc})") from exc
    for name in names:
        if name not in allowed:
            shown = name or "{}"
            raise ValueError(
                f"unknown placeholder {{{shown}}}; use {', '.join(sorted(allowed))}"
                if name
                else f"positional placeholder {shown} is not allowed; name the field"
            )
    try:
        template.format(**_SAMPLE)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"template does not format ({exc})") from exc


class _Locator:
    """Line numbers for errors: tomllib gives none, so find them in the text."""

    _HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]\s*(?:#.*)?$")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.starts = [i for i, line in enumerate(self.lines) if self._HEADER.match(line)]

    def line(self, index: int, key: str | None = None) -> int:
        if index >= len(self.starts):
            return 1
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        if key is not None:
            pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
            for i in range(start + 1, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        return start + 1

    def error(self, index: int, rule_id: str, key: str | None, why: str) -> RulesError:
        where = f"{self.path}:{self.line(index, key)}"
        who = f"rule {rule_id!r}" if rule_id else f"rule #{index + 1}"
        return RulesError(f"{where}: {who}: {key}: {why}" if key else f"{where}: {who}: {why}")


def parse_rules(text: str, path: str = "<rules>") -> list[Rule]:
    """Parse and validate a rules document (`[[rule]]` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise RulesError(
            f"{path}: unknown top-level key {unknown[0]!r}; rules go in [[rule]] tables"
        )
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise RulesError(f"{path}: 'rule' must be an array of tables: write [[rule]]")
    locator = _Locator(path, text)
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        rule = _build(table, index, locator)
        if rule.id in seen:
            raise locator.error(
                index, rule.id, "id", f"duplicate id (first used by rule #{seen[rule.id] + 1})"
            )
        seen[rule.id] = index
        rules.append(rule)
    return rules


def _build(table: Mapping[str, Any], index: int, loc: _Locator) -> Rule:
    raw_id = table.get("id")
    rule_id = raw_id if isinstance(raw_id, str) else ""

    def fail(key: str | None, why: str) -> RulesError:
        return loc.error(index, rule_id, key, why)

    kind = table.get("kind", "threshold")
    if kind not in _KIND_KEYS:
        raise fail("kind", f"must be 'threshold', 'change' or 'agent', not {kind!r}")
    for key in table:
        if key not in _KIND_KEYS[kind]:
            hint = _NOT_FOR_AGENTS.get(key, "") if kind == "agent" else ""
            hint = f" ({hint})" if hint else ""
            article = "an" if kind == "agent" else "a"
            raise fail(key, f"unknown key for {article} {kind} rule{hint}")
    for key in _REQUIRED[kind]:
        if key not in table:
            raise fail(None, f"missing required key {key!r}")
    if not isinstance(raw_id, str) or not _ID.match(raw_id):
        raise fail("id", "must be a name of letters, digits and - _ . : (e.g. 'sl-low')")

    def text(key: str, default: str) -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            raise fail(key, f"must be a string, not {value!r}")
        return value

    def number(key: str, default: float = 0.0) -> float:
        value = table.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise fail(key, f"must be a number, not {value!r}")
        return float(value)

    def duration(key: str) -> float:
        try:
            return parse_duration(table.get(key, 0))
        except ValueError as exc:
            raise fail(key, str(exc)) from exc

    def choice(key: str, options: Sequence[str], default: str) -> str:
        value = text(key, default)
        if value not in options:
            raise fail(key, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    if kind == "agent":
        return _agent_rule(table, rule_id, fail, text, number, duration, choice)
    metric = text("metric", "")
    if metric in AGENT_METRICS and metric not in SPAN_METRICS:
        # (ring_no_answer is both: a queue's count in a span, and an agent's streak.)
        raise fail("metric", f"{metric} is a figure of one agent: write kind = 'agent'")
    instant = metric in INSTANT_METRICS
    if not instant and metric not in SPAN_METRICS:
        raise fail("metric", f"unknown metric {metric!r} (see docs/ALARMS.md for the list)")
    span = choice("span", SPANS, "instant" if instant else "window")
    if instant != (span == "instant"):
        why = (
            f"{metric} is an instant metric: use span = 'instant'"
            if instant
            else f"{metric} is reported per span: use window, interval or day"
        )
        raise fail("span", why)
    queue = text("queue", "*")
    if not queue:
        raise fail("queue", "must not be empty (a name, a glob, '*' or 'all')")
    min_offered = number("min_offered")
    if min_offered < 0 or min_offered != int(min_offered):
        raise fail("min_offered", "must be a whole number >= 0")
    if min_offered and instant:
        raise fail("min_offered", "only applies to span metrics")
    message = text("message", DEFAULT_MESSAGES[kind])
    try:
        check_template(message, kind)
    except ValueError as exc:
        raise fail("message", str(exc)) from exc
    common: dict[str, Any] = {
        "id": rule_id,
        "name": text("name", rule_id),
        "kind": kind,
        "metric": metric,
        "queue": queue,
        "span": span,
        "severity": choice("severity", SEVERITIES, "warning"),
        "message": message,
        "for_s": duration("for"),
        "clear_for_s": duration("clear_for"),
        "min_offered": int(min_offered),
    }
    if kind == "threshold":
        op, threshold, clear = _threshold_keys(fail, number, choice("op", OPS, "<"))
        return Rule(**common, op=op, threshold=threshold, clear=clear)  # type: ignore[arg-type]
    over_s = duration("over")
    if over_s < 1:
        raise fail("over", "must be at least 1s (rules are evaluated once a second)")
    by = number("by")
    if by <= 0:
        raise fail("by", "must be a positive amount; set direction = 'down' or 'up' for the sign")
    clear_by = number("clear_by", by)
    if not 0 <= clear_by <= by:
        raise fail("clear_by", f"must be between 0 and by = {by:g} (hysteresis)")
    direction = choice("direction", DIRECTIONS, "down")
    return Rule(**common, over_s=over_s, by=by, clear_by=clear_by, direction=direction)  # type: ignore[arg-type]


def _threshold_keys(
    fail: Callable[[str | None, str], RulesError], number: Callable[..., float], op: str
) -> tuple[str, float, float]:
    """`op`, `threshold` and `clear`, the clear level on the safe side (hysteresis)."""
    threshold = number("threshold")
    clear = number("clear", threshold)
    if op in ("<", "<=") and clear < threshold:
        raise fail("clear", f"must be >= threshold {threshold:g} for op '{op}' (hysteresis)")
    if op in (">", ">=") and clear > threshold:
        raise fail("clear", f"must be <= threshold {threshold:g} for op '{op}' (hysteresis)")
    return op, threshold, clear


def _agent_rule(
    table: Mapping[str, Any],
    rule_id: str,
    fail: Callable[[str | None, str], RulesError],
    text: Callable[[str, str], str],
    number: Callable[..., float],
    duration: Callable[[str], float],
    choice: Callable[[str, Sequence[str], str], str],
) -> Rule:
    """A rule on agents (kind = "agent"): the threshold keys, agents picked by glob and team."""
    metric = text("metric", "")
    if metric not in AGENT_METRICS:
        raise fail(
            "metric", f"unknown agent metric {metric!r}; use {', '.join(sorted(AGENT_METRICS))}"
        )
    agent = text("agent", "*")
    if not agent:
        raise fail("agent", "must not be empty (an agent id, a glob such as 'PJSIP/1*', or '*')")
    team = text("team", "")
    if "team" in table and not team:
        raise fail("team", "must name a team (leave it out for every team)")
    reason = text("reason", "")
    if "reason" in table and metric != "pause_s":
        raise fail("reason", "only applies to pause_s (a pause reason, or a glob)")
    if "reason" in table and not reason:
        raise fail("reason", "must name a pause reason (leave it out for every reason)")
    message = text("message", DEFAULT_MESSAGES["agent"])
    try:
        check_template(message, "agent")
    except ValueError as exc:
        raise fail("message", str(exc)) from exc
    op, threshold, clear = _threshold_keys(fail, number, choice("op", OPS, ">"))
    return Rule(
        id=rule_id,
        name=text("name", rule_id),
        kind="agent",
        metric=metric,
        queue="",
        span="instant",
        severity=choice("severity", SEVERITIES, "warning"),  # type: ignore[arg-type]
        message=message,
        for_s=duration("for"),
        clear_for_s=duration("clear_for"),
        op=op,  # type: ignore[arg-type]
        threshold=threshold,
        clear=clear,
        agent=agent,
        team=team,
        reason=reason,
    )


def load_rules(path: str | Path | None) -> list[Rule]:
    """The rules in `path`, or the built-in defaults when `path` is None."""
    if path is None:
        source = resources.files("wallboard.alarms").joinpath("builtin_rules.toml")
        return parse_rules(source.read_text(encoding="utf-8"), "builtin_rules.toml")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{file}: cannot read rules file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"{file}: not UTF-8 text ({exc.reason})") from exc
    return parse_rules(text, str(file))
