"""`wallboard metrics --schedule`: adherence and attendance from a small queue_log and shifts."""

from __future__ import annotations

import json

import pytest

from wallboard.cli import main

# Times are seconds after T0 (an interval boundary; a source time before 2000 is no time).
T0 = 1_732_266_000
# Agent 1 joins support at 1000, pauses 1300-1400, leaves at 1600, is back 1700-1800;
# Agent 2 never logs in.
QUEUE_LOG = f"""\
{T0 + 1000}|NONE|NONE|NONE|QUEUESTART|
{T0 + 1000}|NONE|support|Agent 1|ADDMEMBER|
{T0 + 1300}|NONE|support|Agent 1|PAUSE|lunch
{T0 + 1400}|NONE|support|Agent 1|UNPAUSE|
{T0 + 1600}|NONE|support|Agent 1|REMOVEMEMBER|
{T0 + 1700}|NONE|support|Agent 1|ADDMEMBER|
{T0 + 1800}|NONE|support|Agent 1|REMOVEMEMBER|
"""
# Both scheduled 1200-1800 (epoch seconds) for support.
SCHEDULE = (
    f"agent,start,end,queue\nAgent 1,{T0 + 1200},{T0 + 1800},support\n"
    f"Agent 2,{T0 + 1200},{T0 + 1800},\n"
)
AT = str(T0 + 1750)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "queue_log").write_text(QUEUE_LOG)
    (tmp_path / "shifts.csv").write_text(SCHEDULE)
    return tmp_path


def test_json_reports_adherence_and_attendance(capsys, files):
    argv = ["metrics", str(files / "queue_log"), "--at", AT, "--json"]
    assert main([*argv, "--schedule", str(files / "shifts.csv")]) == 0
    support = json.loads(capsys.readouterr().out)["queues"]["support"]
    # Agent 1 ready 1200-1300, 1400-1600, 1700-1750 = 350 s of 2 x 550 s scheduled.
    assert support["day"]["adherence"] == 350 / 1100
    assert (support["scheduled"], support["attendance"]) == (2, 0.5)


def test_table_shows_adherence_and_attendance_only_with_a_schedule(capsys, files):
    argv = ["metrics", str(files / "queue_log"), "--at", AT]
    assert main(argv) == 0
    headers = capsys.readouterr().out.split()
    assert "adherence" not in headers and "attendance" not in headers
    assert main([*argv, "--schedule", str(files / "shifts.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    now = next(line for line in lines if line.startswith("support"))
    assert now.split()[-2:] == ["2", "50.0%"]  # scheduled, attendance
    header = next(line for line in lines if line.startswith("now"))
    assert header.split()[-2:] == ["scheduled", "attendance"]
    support_rows = [lines[i + 1] for i, line in enumerate(lines) if line.endswith("adherence")]
    assert [row.split()[-1] for row in support_rows] == ["31.8%"] * 3  # window, interval, day


def test_a_bad_schedule_is_a_one_line_error(capsys, files):
    (files / "shifts.csv").write_text("agent,start,end\nAgent 1,1800,1200\n")
    assert main(["metrics", str(files / "queue_log"), "--schedule", str(files / "shifts.csv")])
    error = capsys.readouterr().err
    assert error.endswith("shifts.csv:2: the shift ends (1200) before it starts\n")
    assert error.count("\n") == 1
