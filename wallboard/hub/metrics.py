"""The hub's figures as Prometheus metric families, read from the boards viewers get.

Every value comes from the board a source last published to its viewers
(`Channel.latest`), so a scrape and a wall display never disagree. Names follow
Prometheus conventions: base units (seconds), ratios as fractions 0-1, `_total`
only on counters that never go down (the span counts are gauges: a window's
count falls as calls leave it). An unknown figure (a ratio with no denominator
yet, staffing before a minute of traffic) is left out rather than sent as NaN,
so alert rules see it as absent, never as a false breach. docs/PROMETHEUS.md
lists every series.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wallboard.engine.snapshot import AGENT_STATES, ActiveAlarm
from wallboard.hub.access import Scope
from wallboard.hub.fanout import Channel
from wallboard.hub.scope import scoped_board
from wallboard.runtime.feed import FeedStats

log = logging.getLogger(__name__)

PREFIX = "wallboard"
AGGREGATE = "all"
SEVERITIES = ("critical", "warning", "info")

# (snapshot key, metric name, help) of the instant figures of a QUEUE block.
QUEUE_GAUGES = (
    ("waiting", "queue_callers_waiting", "Callers waiting in the queue now."),
    ("longest_wait_s", "queue_longest_wait_seconds", "Wait of the oldest caller waiting now."),
    (
        "agents_required",
        "queue_agents_required",
        "Agents needed to meet the service-level target (Erlang C, primary window).",
    ),
    (
        "staffing_gap",
        "queue_staffing_gap",
        "Agents required minus agents in service (positive: short-staffed).",
    ),
    (
        "predicted_sl",
        "queue_predicted_service_level_ratio",
        "Service level predicted at the current staffing (Erlang C), 0-1.",
    ),
)

# (snapshot key, metric name, help) of the figures of every span of a QUEUE block.
SPAN_GAUGES = (
    ("service_level", "queue_service_level_ratio", "Service level over the span, 0-1."),
    ("abandon_rate", "queue_abandon_ratio", "Abandoned (short ones excluded) over offered, 0-1."),
    ("answered_pct", "queue_answered_ratio", "Answered calls over offered calls, 0-1."),
    ("asa_s", "queue_speed_of_answer_seconds", "Average speed of answer (ASA) over the span."),
    ("aht_s", "queue_handle_time_seconds", "Average handle time (talk + wrap) over the span."),
    ("occupancy", "queue_occupancy_ratio", "Agent occupancy over the span, 0-1."),
    ("offered", "queue_offered_calls", "Calls offered to the queue in the span."),
    ("answered", "queue_answered_calls", "Calls answered in the span."),
    ("abandoned", "queue_abandoned_calls", "Calls abandoned in the span (short ones excluded)."),
    ("short_abandoned", "queue_short_abandoned_calls", "Short abandons in the span."),
    ("overflow", "queue_overflow_calls", "Calls that left the queue unanswered (exits)."),
    ("blocked", "queue_blocked_calls", "Calls refused entry to the queue in the span."),
)


@dataclass(frozen=True, slots=True)
class SourceView:
    """What the exporter reads of one source: its channel and, if it counts, its source."""

    name: str
    channel: Channel
    stats: FeedStats | None


class HubMetrics(Collector):
    """A prometheus-client collector over the hub's sources, evaluated at each scrape."""

    def __init__(
        self,
        sources: Callable[[], Iterable[SourceView]],
        clock: Callable[[], float] = time.time,
        *,
        scope: Scope | None = None,
    ) -> None:
        """`scope`: what a scraper's token may see (None: everything), as viewers get it."""
        self._sources = sources
        self._clock = clock
        self._scope = scope if scope is not None and scope != Scope() else None
        self._warned: set[str] = set()

    def collect(self) -> Iterator[Metric]:
        families = Families()
        now = self._clock()
        for view in self._sources():
            if self._scope is None or self._scope.sees_source(view.name):
                self._source(families, view, now)
        yield from families.all()

    def _source(self, families: Families, view: SourceView, now: float) -> None:
        source, board = view.name, view.channel.latest
        families.gauge("hub_viewers", "Viewers connected to this source.", source=source).set(
            len(view.channel.slots)
        )
        if view.stats is not None:
            stats = view.stats
            families.counter(
                "source_events_received", "Events received from the source.", source=source
            ).set(stats.events)
            families.counter(
                "source_reconnects",
                "Times the source came back live after losing its connection.",
                source=source,
            ).set(stats.reconnects)
            if stats.last_event_at is not None:
                families.gauge(
                    "source_last_event_age_seconds",
                    "Seconds since the latest event arrived from the source.",
                    source=source,
                ).set(max(0.0, now - stats.last_event_at))
        if board is None:
            return
        snapshot, status = board.update.snapshot, board.update.status
        if self._scope is not None and not self._scope.whole_source:
            snapshot, _ = scoped_board(snapshot, (), self._scope)
        families.gauge(
            "source_connected",
            "1 when the source is live (connected and in sync), else 0.",
            source=source,
        ).set(1.0 if status.state == "live" else 0.0)
        families.gauge(
            "board_timestamp_seconds",
            "Source time (Unix seconds) of the board these figures are from.",
            source=source,
        ).set(float(snapshot["at"]))
        queues: Mapping[str, Any] = snapshot.get("queues", {})
        if AGGREGATE in queues and source not in self._warned:
            self._warned.add(source)
            log.warning(
                "%s: a queue is named %r, like the all-queues figures; "
                "/metrics publishes only the all-queues ones under that name",
                source,
                AGGREGATE,
            )
        for queue, block in queues.items():
            if queue != AGGREGATE:
                _queue(families, source, queue, block)
        _queue(families, source, AGGREGATE, snapshot["all"])
        _alarms(families, source, snapshot.get("alarms", []))


def _queue(families: Families, source: str, queue: str, block: Mapping[str, Any]) -> None:
    for key, name, help_text in QUEUE_GAUGES:
        families.gauge(name, help_text, source=source, queue=queue).set(block.get(key))
    agents = block["agents"]
    for state in AGENT_STATES:
        families.gauge(
            "queue_agents", "Agents by state (members of the queue; all: agents).",
            source=source, queue=queue, state=state,
        ).set(agents[state])  # fmt: skip
    spans = [("window", block["window"]), ("interval", block["interval"]), ("day", block["day"])]
    spans += [(f"window_{seconds}s", span) for seconds, span in block.get("windows", {}).items()]
    for span_name, span in spans:
        for key, name, help_text in SPAN_GAUGES:
            families.gauge(name, help_text, source=source, queue=queue, span=span_name).set(
                span.get(key)
            )


def _alarms(families: Families, source: str, alarms: list[ActiveAlarm]) -> None:
    per_severity = dict.fromkeys(SEVERITIES, 0)
    for alarm in alarms:
        severity = str(alarm["severity"])
        per_severity[severity] = per_severity.get(severity, 0) + 1
        # An agent rule's alarm has no queue, a queue rule's no agent or team (empty labels,
        # which Prometheus takes as absent): one series per alarm, the same label names.
        families.gauge(
            "alarm_firing", "1 for each alarm firing now.",
            source=source, rule=str(alarm["rule"]), queue=str(alarm["queue"]),
            agent=str(alarm.get("agent", "")), team=str(alarm.get("team", "")), severity=severity,
        ).set(1.0)  # fmt: skip
    for severity, count in per_severity.items():
        families.gauge(
            "firing_alarms", "Alarms firing now, by severity.", source=source, severity=severity
        ).set(count)


class _Sample:
    """One labelled sample about to be added to its family; `None` values are left out."""

    __slots__ = ("_family", "_labels")

    def __init__(self, family: GaugeMetricFamily | CounterMetricFamily, labels: list[str]) -> None:
        self._family = family
        self._labels = labels

    def set(self, value: float | None) -> None:
        if value is not None:
            self._family.add_metric(self._labels, float(value))


class Families:
    """Metric families of one scrape, created on first use and kept in first-use order."""

    def __init__(self) -> None:
        self._families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}

    def gauge(self, name: str, help_text: str, **labels: str) -> _Sample:
        return self._sample(GaugeMetricFamily, name, help_text, labels)

    def counter(self, name: str, help_text: str, **labels: str) -> _Sample:
        return self._sample(CounterMetricFamily, name, help_text, labels)

    def _sample(
        self,
        kind: type[GaugeMetricFamily | CounterMetricFamily],
        name: str,
        help_text: str,
        labels: dict[str, str],
    ) -> _Sample:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = kind(f"{PREFIX}_{name}", help_text, labels=list(labels))
        return _Sample(family, list(labels.values()))

    def all(self) -> Iterator[Metric]:
        yield from self._families.values()
