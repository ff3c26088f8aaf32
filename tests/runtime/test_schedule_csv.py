"""Reading a schedule CSV: formats, time zones, and one-line errors naming file:line."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from wallboard.engine.schedule import Shift
from wallboard.errors import WallboardError
from wallboard.runtime.schedule_csv import load_schedule, parse_shifts

PARIS = ZoneInfo("Europe/Paris")


def test_iso_naive_in_the_time_zone_offsets_and_epoch_seconds():
    shifts = parse_shifts(
        [
            "agent,start,end,queue",
            "Agent/101,2024-11-22T09:00,2024-11-22T17:00,support",
            "Agent/102,2024-11-22T08:00:00+00:00,1732291200,",
            "",
        ],
        PARIS,
        "s.csv",
    )
    assert shifts == [
        Shift("Agent/101", 1732262400.0, 1732291200.0, "support"),  # 08:00-16:00 UTC
        Shift("Agent/102", 1732262400.0, 1732291200.0, ""),
    ]


def test_the_queue_column_is_optional():
    assert parse_shifts(["agent,start,end", "A1,10,20"], PARIS, "s.csv") == [
        Shift("A1", 10.0, 20.0, "")
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["agent,begin,end"], "s.csv:1: expected the header agent,start,end[,queue]"),
        ([], "s.csv:1: expected the header"),
        (["agent,start,end", "A1,10"], "s.csv:2: expected 3 fields, found 2"),
        (["agent,start,end", ",10,20"], "s.csv:2: empty agent"),
        (["agent,start,end", "A1,10,20", "A1,9am,20"], "s.csv:3: start '9am' is neither"),
        (["agent,start,end,queue", "A1,10,2024-13-01,q"], "s.csv:2: end '2024-13-01'"),
        (["agent,start,end", "A1,20,10"], "s.csv:2: the shift ends (10) before it starts"),
        (["agent,start,end", "A1,20,20"], "s.csv:2: the shift ends (20) before it starts"),
    ],
)
def test_bad_rows_are_one_line_errors_naming_the_line(lines, message):
    with pytest.raises(WallboardError) as caught:
        parse_shifts(lines, PARIS, "s.csv")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_load_merges_overlaps_and_reports_unreadable_files(tmp_path):
    path = tmp_path / "shifts.csv"
    path.write_text("\ufeffagent,start,end\nA1,0,100\nA1,50,200\n", encoding="utf-8")
    schedule = load_schedule(path, PARIS)
    assert schedule.headcount(None).seconds(0.0, 1000.0) == 200.0
    with pytest.raises(WallboardError, match="cannot read"):
        load_schedule(tmp_path / "missing.csv", PARIS)
