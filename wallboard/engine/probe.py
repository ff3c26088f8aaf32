"""One group's figures at an instant, without a snapshot, and when they can next change.

What an alarm rule reads: a few figures of one queue (or of `all`), asked
again and again. A probe computes only the spans and figures asked for, with
the snapshot's own formulas (`wallboard.engine.report`, `metrics`, `ledger`),
so a figure read here is the figure a snapshot at that instant shows.

A probe also says when its figures can change with no event: the next item
(or, for time integrals, the next state segment) that leaves the window.
Between such instants, events, wrap-ups running out and span roll-overs,
the counts and sums are constant, the longest wait grows by a second a second
and a ratio of time integrals is a ratio of two linear functions of time: a
monotone function, which `read_ahead` evaluates at a later instant with the
engine's arithmetic.
"""

from __future__ import annotations

import math
from typing import Any, cast

from wallboard.engine.ledger import (
    JOINS,
    N_COUNTS,
    N_FIELDS,
    OFFERED,
    Ledger,
    Series,
    first_after,
    integral_at,
    integral_now,
    zero_totals,
)
from wallboard.engine.metrics import count_metrics, span_metrics
from wallboard.engine.report import Floor, longest_wait, queue_agents, staffing_figures
from wallboard.engine.settings import SL_VARIANTS
from wallboard.engine.state import IN_SERVICE, STATE_NAMES, QueueState

SPANS = ("window", "interval", "day")
# Span figures read from time integrals: they move while members stay in a state.
INTEGRAL_METRICS = frozenset({"occupancy", "calls_per_hour"})
STAFFING_METRICS = frozenset({"agents_required", "staffing_gap", "predicted_sl"})
_STAFFING_INDEX = {"agents_required": 0, "staffing_gap": 1, "predicted_sl": 2}


def _figures(acc: list[Any], integ: list[float], variant: str, with_wrap: bool) -> dict[str, Any]:
    """A span's figures by name (`span_metrics`, read by a rule's metric name)."""
    return cast(dict[str, Any], span_metrics(acc, integ, variant, with_wrap, None))


def _fields_read() -> dict[tuple[str, str], tuple[int, ...]]:
    """For each span figure and SL variant, the accumulator fields it reads.

    Found by moving each field in turn (from two unrelated totals), so that the
    formulas stay written once, in `wallboard.engine.metrics`.
    """
    bases = (
        [100 + 7 * f for f in range(N_COUNTS)]
        + [1000.0 + 13 * f for f in range(N_FIELDS - N_COUNTS)],
        [300 - 11 * f for f in range(N_COUNTS)]
        + [900.0 + 29 * f for f in range(N_FIELDS - N_COUNTS)],
    )
    integrals = [5.0, 7.0, 11.0, 13.0]
    fields: dict[tuple[str, str], set[int]] = {}
    for variant in SL_VARIANTS:
        for base in bases:
            plain = _figures(base, integrals, variant, True)
            for f in range(N_FIELDS):
                moved = list(base)
                moved[f] += 1
                for metric, value in _figures(moved, integrals, variant, True).items():
                    if value != plain[metric]:
                        fields.setdefault((metric, variant), set()).add(f)
    return {key: tuple(sorted(f)) for key, f in fields.items()}


FIELDS_READ = _fields_read()


def whole_second_leaving(stamp: float, width: float) -> float:
    """The first whole second at which an item stamped `stamp` is out of a `width` window.

    A window at `t` holds the items stamped after `t - width` (the engine's test, in floats).
    """
    s = float(math.ceil(stamp + width))
    while s - width < stamp:
        s += 1.0
    while (s - 1.0) - width >= stamp:
        s -= 1.0
    return s


class Probe:
    """The figures of one queue (`queue` None: `all`) at the instant last given to `at`."""

    __slots__ = ("_accs", "_aht", "_engine", "_leaving", "_queue", "_spans", "_t")

    def __init__(self, engine: Floor, queue: QueueState | None) -> None:
        self._engine = engine
        self._queue = queue
        self._t = -math.inf
        self._spans: dict[tuple[str, bool], dict[str, Any]] = {}
        self._accs: dict[str, list[Any]] = {}
        self._leaving: dict[bool, float] = {}
        # The window's totals its handle time was last formed from, and that handle time.
        self._aht: tuple[tuple[Any, ...] | None, float | None] = (None, None)

    def at(self, t: float) -> None:
        """Read at `t`, the engine's clock (later calls: never earlier)."""
        if t != self._t:
            self._t = t
            self._spans.clear()
            self._accs.clear()
            self._leaving.clear()

    # ------------------------------------------------------------ reading

    def read(self, span: str, metric: str, min_offered: int) -> float | None:
        """A rule's figure at the probe's instant (None: unknown, or fewer offered calls)."""
        if span == "instant":
            value = self._instant_value(metric)
        else:
            figures = self._span(span, metric in INTEGRAL_METRICS)
            if figures["offered"] < min_offered:
                return None
            value = figures[metric]
        return None if value is None else float(value)

    def read_ahead(self, t: float, span: str, metric: str, min_offered: int) -> float | None:
        """A moving figure (longest wait, a time-integral ratio) at a later `t`, with no change
        of state in between: its counts are those at the probe's instant."""
        if metric == "longest_wait_s":
            return self._longest(t)
        acc = self._acc(span)
        if acc[OFFERED] < min_offered:
            return None
        integrals = self._integrals(span, t, store=False)
        variant = self._grading()[0]
        with_wrap = self._engine.config.occupancy_includes_wrap
        value = _figures(acc, integrals, variant, with_wrap)[metric]
        return None if value is None else float(value)

    def inputs_of(self, span: str, metric: str) -> tuple[int, ...] | None:
        """The accumulator fields a figure reads (with the offered count, for `min_offered`);
        None: it reads no span totals, or time integrals too."""
        if metric in STAFFING_METRICS:
            fields = {JOINS, *FIELDS_READ[("aht_s", self._grading()[0])]}
        elif span in SPANS and metric not in INTEGRAL_METRICS:
            fields = {OFFERED, *FIELDS_READ.get((metric, self._grading()[0]), ())}
        else:
            return None
        return tuple(sorted(fields))

    def inputs(self, span: str, metric: str, fields: tuple[int, ...] | None) -> tuple[Any, ...]:
        """What a figure is a function of (at a given instant), cheaper to read than the figure:
        equal inputs, equal figure."""
        if fields is None:
            return (self._instant_value(metric),)
        key = self.totals("window" if span == "instant" else span, fields)
        if metric in STAFFING_METRICS:
            return (*key, self._in_service())
        return key

    def totals(self, span: str, fields: tuple[int, ...]) -> tuple[Any, ...]:
        """The span's totals of `fields` (what `inputs_of` names): equal totals, equal figures."""
        queue = self._queue
        if queue is None or span in self._accs:
            acc = self._acc(span)
            return tuple([acc[f] for f in fields])
        # One queue: the few fields asked for, not the whole accumulator.
        cum = queue.cum
        if span == "window":
            before = self._window_before(queue)
            return tuple([cum[f] - before[f + 1] for f in fields])
        base = queue.ibase if span == "interval" else queue.dbase
        return tuple([cum[f] - base[f] for f in fields])

    def _instant_value(self, metric: str) -> Any:
        if metric == "waiting":
            return sum(len(q.waiting) for q in self._queues())
        if metric == "longest_wait_s":
            return self._longest(self._t)
        if metric in STAFFING_METRICS:
            return self._staffing()[_STAFFING_INDEX[metric]]
        if metric == "callbacks_pending":
            callbacks = self._engine.callbacks
            callbacks.expire(self._t)  # as a snapshot does
            if self._queue is None:
                return len(callbacks)
            return callbacks.pending.get(self._queue.name, 0)
        return self._agents()[metric.partition(".")[2]]

    def _span(self, span: str, integrals: bool) -> dict[str, Any]:
        """The span's figures; with `integrals` False, without occupancy and calls per hour
        (nobody asked for them: time integrals cost as much as the rest)."""
        key = (span, integrals)
        figures = self._spans.get(key)
        if figures is None:
            variant = self._grading()[0]
            if integrals:
                integ = self._integrals(span, self._t, store=True)
                with_wrap = self._engine.config.occupancy_includes_wrap
                figures = _figures(self._acc(span), integ, variant, with_wrap)
            else:
                figures = count_metrics(self._acc(span), variant)
            self._spans[key] = figures
        return figures

    def _grading(self) -> tuple[str, float, float]:
        """SL variant, threshold and target of the group (the config's for `all`)."""
        q = self._queue
        if q is None:
            config = self._engine.config
            return config.sl_variant, config.sl_threshold_s, config.sl_target
        return q.sl_variant, q.sl_threshold_s, q.sl_target

    def _queues(self) -> list[QueueState]:
        return list(self._engine.queues.values()) if self._queue is None else [self._queue]

    def _acc(self, span: str) -> list[Any]:
        acc = self._accs.get(span)
        if acc is None:
            if span == "window":
                acc = self._sum(self._window_total)
            elif span == "interval":
                acc = self._sum(lambda q: [c - b for c, b in zip(q.cum, q.ibase, strict=True)])
            else:
                acc = self._sum(lambda q: [c - b for c, b in zip(q.cum, q.dbase, strict=True)])
            self._accs[span] = acc
        return acc

    def _sum(self, total: Any) -> list[Any]:
        if self._queue is not None:
            return total(self._queue)
        accs = [total(q) for q in self._engine.queues.values()]
        if not accs:
            return zero_totals()
        return [sum(column) for column in zip(*accs, strict=True)]

    def _window_total(self, queue: QueueState) -> list[Any]:
        before = self._window_before(queue)
        return [c - e for c, e in zip(queue.cum, before[1:], strict=True)]

    def _window_before(self, queue: QueueState) -> tuple:
        """The queue's totals at the window's edge (its ledger's pointer moves there)."""
        ledger = queue.ledger
        p = first_after(ledger, 0, self._t - self._engine.windows[0])
        ledger.ptr[0] = p
        return ledger.entries[p - 1] if p else ledger.floor

    def _series(self) -> Series:
        return self._engine.all_series if self._queue is None else self._queue.series

    def _integrals(self, span: str, t: float, *, store: bool) -> list[float]:
        series = self._series()
        now = integral_now(series, t)
        if span == "window":
            edge = t - self._engine.windows[0]
            p = first_after(series.ledger, 0, edge)
            if store:
                series.ledger.ptr[0] = p
            base = integral_at(series, edge, p)
        else:
            base = series.ibase if span == "interval" else series.dbase
        return [a - b for a, b in zip(now, base, strict=True)]

    def oldest_join(self) -> float | None:
        """When the caller waiting longest joined (None: nobody waits)."""
        joins = [next(iter(q.waiting.values())) for q in self._queues() if q.waiting]
        return min(joins) if joins else None

    def _longest(self, t: float) -> float:
        return max((longest_wait(q, t) for q in self._queues() if q.waiting), default=0.0)

    def _agents(self) -> dict[str, int]:
        if self._queue is None:
            return dict(zip(STATE_NAMES, self._engine.agent_counts, strict=True))
        return cast(dict[str, int], queue_agents(self._queue, self._engine.day_start_at))

    def _in_service(self) -> int:
        """Members (agents, for `all`) available, ringing, talking, holding or in wrap-up."""
        counts = self._engine.agent_counts if self._queue is None else self._queue.counts
        return sum([counts[s] for s in IN_SERVICE])

    def _staffing(self) -> tuple[int | None, int | None, float | None]:
        variant, threshold, target = self._grading()
        # The window's joins and the totals its handle time reads: the handle time is
        # formed again only when those moved (not at each join, nor each second of the
        # first window, when only the arrival rate's observed span grows).
        totals = self.totals("window", (JOINS, *FIELDS_READ[("aht_s", variant)]))
        if totals[1:] != self._aht[0]:
            self._aht = (totals[1:], self._span("window", False)["aht_s"])
        return staffing_figures(
            self._engine, self._t, totals[0], self._aht[1], self._in_service(), threshold, target
        )

    # ------------------------------------------------------------ change instants

    def next_leaving(self, integrals: bool) -> float:
        """The first whole second after the probe's instant at which an item (with `integrals`,
        also a state segment) leaves the window: the window's figures are constant until then,
        or (time integrals) monotone."""
        known = self._leaving.get(integrals)
        if known is not None:
            return known
        width = self._engine.windows[0]
        ledgers: list[Ledger] = [q.ledger for q in self._queues()]
        if integrals:
            ledgers.append(self._series().ledger)
        edge = self._t - width
        soonest = math.inf
        for ledger in ledgers:
            p = first_after(ledger, 0, edge)
            if p < len(ledger.entries):
                soonest = min(soonest, ledger.entries[p][0])
        leaving = whole_second_leaving(soonest, width) if soonest < math.inf else math.inf
        self._leaving[integrals] = leaving
        return leaving
