"""Raw totals per queue and bin, and the report rows formed from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from wallboard.engine.ledger import N_COUNTS, N_FIELDS
from wallboard.engine.metrics import span_metrics
from wallboard.engine.report import Totals
from wallboard.engine.settings import EngineConfig, SlVariant

N_SUMS = N_FIELDS - N_COUNTS
N_GROUPS = 4  # busy, idle, wrap, paused membership-seconds


class BinTotals:
    """What every span of a report is formed from, bin by bin.

    `counts` and `sums` are each queue's accumulator (the engine's OFFERED...
    JOINS counts, then its summed durations); `seconds` the state seconds by
    group of each queue's memberships and, last, of the agents (`all`, each agent
    once). A day or a period is a sum of bins; `all`'s counts and durations the
    sum of the queues', as in the engine.
    """

    def __init__(self, queues: Sequence[str], bins: int) -> None:
        self.queues = list(queues)
        self.index = {name: i for i, name in enumerate(self.queues)}
        self.counts = np.zeros((len(self.queues), bins, N_COUNTS), np.int64)
        self.sums = np.zeros((len(self.queues), bins, N_SUMS), np.float64)
        self.seconds = np.zeros((len(self.queues) + 1, bins, N_GROUPS), np.float64)

    @property
    def bins(self) -> int:
        return self.counts.shape[1]

    def put(self, queue: int | None, bin_index: int, totals: Totals) -> None:
        """One bin's totals of queue number `queue` (None: the agents' seconds of `all`)."""
        acc, seconds = totals
        if queue is None:
            self.seconds[-1, bin_index] = seconds
            return
        self.counts[queue, bin_index] = acc[:N_COUNTS]
        self.sums[queue, bin_index] = acc[N_COUNTS:]
        self.seconds[queue, bin_index] = seconds

    def figures(self, config: EngineConfig, queue: str | None, bins: slice) -> dict[str, Any]:
        """The span metrics of `queue` (None: `all`) over `bins`, as the engine forms them."""
        if queue is None:
            counts = self.counts[:, bins].sum(axis=(0, 1))
            sums = self.sums[:, bins].sum(axis=(0, 1))
            seconds = self.seconds[-1, bins].sum(axis=0)
            variant = config.sl_variant
        else:
            i = self.index[queue]
            counts = self.counts[i, bins].sum(axis=0)
            sums = self.sums[i, bins].sum(axis=0)
            seconds = self.seconds[i, bins].sum(axis=0)
            variant = cast(SlVariant, config.for_queue(queue).sl_variant)  # resolved
        acc = [int(c) for c in counts] + [float(s) for s in sums]
        # Read by column name (rows.py), so as a plain mapping.
        return cast(
            dict[str, Any],
            span_metrics(
                acc,
                [float(s) for s in seconds],
                str(variant),
                config.occupancy_includes_wrap,
                None,
            ),
        )
