"""Figures on the board are written the way their metric is read."""

from __future__ import annotations

import pytest

from wallboard.tui.format import metric


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("service_level", 0.8136, "81%"),
        ("answered_pct", 0.94, "94%"),
        ("longest_wait_s", 75.4, "1:15"),
        ("asa_s", None, "--"),
        ("waiting", 3, "3"),
        ("staffing_gap", 2.0, "2"),
    ],
)
def test_metric_values_are_written_by_kind(key, value, shown):
    assert metric(key, value) == shown
