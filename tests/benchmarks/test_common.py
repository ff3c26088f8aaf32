"""The benchmarks' own measuring tools."""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue

import numpy as np

from benchmarks.common import peak_rss_mb

PARENT_MB = 400


def _report_peak(out: Queue[float]) -> None:
    out.put(peak_rss_mb())


def test_a_spawned_child_reports_its_own_peak_memory_not_its_parents():
    ballast = np.ones(PARENT_MB << 17)  # PARENT_MB MB of float64, every page written
    assert peak_rss_mb() > PARENT_MB
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_report_peak, args=(out,))
    child.start()
    child_mb = out.get(timeout=60)
    child.join(60)
    del ballast
    # a bare interpreter that imported numpy: tens of MB, far from the parent's hundreds
    assert 0 < child_mb < PARENT_MB / 2
