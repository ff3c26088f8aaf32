"""One way of writing a duration, shared by the board and the `metrics` report."""

from __future__ import annotations

import pytest

from wallboard.commands import metrics_table as report
from wallboard.tui import format as fmt
from wallboard.units import clock_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (59, "0:59"),
        (60, "1:00"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (86399, "23:59:59"),
    ],
)
def test_clock_duration(seconds: int, text: str) -> None:
    assert clock_duration(seconds) == text


def test_board_and_report_write_the_same_duration() -> None:
    assert fmt.duration(3725.4) == report._duration(3725.4) == "1:02:05"
    assert fmt.duration(None) == "--" and report._duration(None) == "-"
