"""`wallboard report`: the command as users run it, in process through `cli.main`."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.commands.test_metrics import CONFIG
from wallboard.adapters.recording import RecordingWriter
from wallboard.cli import main
from wallboard.engine.settings import EngineConfig
from wallboard.runtime.progress import Progress


@pytest.fixture
def config_file(tmp_path) -> str:
    """The settings `wallboard metrics` is tested with (Paris, SL variant, wrap-up)."""
    path = tmp_path / "wallboard.toml"
    path.write_text(CONFIG)
    return str(path)


def report(capsys, *argv: str, config: str | None = None) -> str:
    options = ["--config", config] if config else []
    assert main([*options, "report", *argv]) == 0
    return capsys.readouterr().out


def report_json(capsys, *argv: str, config: str | None = None) -> dict:
    return json.loads(report(capsys, *argv, "--format", "json", config=config))


def test_json_has_interval_day_and_period_rows_for_every_queue_and_all(capsys, run_a, config_file):
    document = report_json(capsys, str(run_a / "queue_log"), "--interval", "5m", config=config_file)
    assert document["timezone"] == "Europe/Paris" and document["interval_s"] == 300
    assert document["queues"] == ["sales", "support"]
    starts = sorted({row["start"] for row in document["intervals"]})
    assert starts == [document["start"] + 300 * i for i in range(len(starts))]
    assert len(document["intervals"]) == 3 * len(starts)
    assert [row["queue"] for row in document["period"]] == ["sales", "support", None]
    assert document["days"][0]["date"] == "2026-11-22"
    sales, support, everyone = document["period"]
    # Asterisk's own ServicelevelPerf2 for this run (the fixture's README): 42.4 % and 28.7 %.
    assert (round(sales["service_level"], 3), round(support["service_level"], 3)) == (0.424, 0.287)
    assert everyone["offered"] == sales["offered"] + support["offered"] == 160
    for key in ("offered", "answered", "abandoned", "short_abandoned", "overflow"):
        assert sum(r[key] for r in document["intervals"] if r["queue"] is None) == everyone[key]


def test_csv_has_one_line_per_row_with_local_times(capsys, run_a, config_file):
    text = report(capsys, str(run_a / "queue_log"), "--format", "csv", config=config_file)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["scope"] for r in rows} == {"interval", "day", "period"}
    first = rows[0]
    assert first["start"].endswith("+01:00") and first["queue"] == "sales"
    assert [r["queue"] for r in rows if r["scope"] == "period"] == [
        "sales",
        "support",
        "all queues",
    ]
    assert rows[-1]["asa_s"] and float(rows[-1]["service_level"]) > 0


def test_table_shows_each_queue_day_by_day_and_the_period(capsys, run_a, config_file):
    text = report(capsys, str(run_a / "queue_log"), "--interval", "5m", config=config_file)
    assert "Europe/Paris, intervals of 5 min" in text.splitlines()[0]
    assert "sales  Sun 2026-11-22" in text and "all queues  Sun 2026-11-22" in text
    assert "22:10-22:15" in text
    assert text.count("\nperiod ") == 1


def test_rotated_and_overlapping_files_give_the_report_of_the_whole_log(
    capsys, run_a, tmp_path, config_file
):
    lines = (run_a / "queue_log").read_text().splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "queue_log.1.gz").write_bytes(gzip.compress("".join(lines[: half + 10]).encode()))
    (tmp_path / "queue_log").write_text("".join(lines[half:]))
    whole = report_json(capsys, str(run_a / "queue_log"), config=config_file)
    split = report_json(capsys, str(tmp_path / "queue_log*"), config=config_file)
    assert split["intervals"] == whole["intervals"] and split["period"] == whole["period"]
    assert "10 lines are in both and are counted once" in split["notes"][0]


def test_queues_period_and_out_file(capsys, run_a, tmp_path, config_file):
    out = tmp_path / "report.json"
    report(
        capsys,
        str(run_a / "queue_log"),
        "--queues",
        "sup*",
        "--from",
        "2026-11-22",
        "--to",
        "2026-11",
        "--format",
        "json",
        "--out",
        str(out),
        config=config_file,
    )
    document = json.loads(out.read_text())
    assert document["queues"] == ["support"]
    assert [row["queue"] for row in document["period"]] == ["support", None]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-12-01"], "no input falls in the period"),
        (["--to", "2026-11-01"], "no input falls in the period"),
        (["--from", "soon"], "--from 'soon': expected YYYY-MM-DD, YYYY-MM, today or yesterday"),
        (["--from", "2026-11-23", "--to", "2026-11-22"], "--to 2026-11-22 is before --from"),
        (["--interval", "7m"], "intervals must divide a day"),
        (["--queues", "billing"], "no such queue in the input (there are: sales, support)"),
    ],
)
def test_bad_arguments_get_one_line_that_says_what_to_do(capsys, run_a, argv, message):
    assert main(["report", str(run_a / "queue_log"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_daylight_saving_days_have_23_and_25_hours(capsys, tmp_path):
    london = ZoneInfo("Europe/London")
    lines = []
    for day in ("2024-03-31", "2024-10-27"):
        start = datetime.fromisoformat(f"{day}T00:10").replace(tzinfo=london).timestamp()
        end = datetime.fromisoformat(f"{day}T23:50").replace(tzinfo=london).timestamp()
        for n, at in enumerate((start, end)):
            lines.append(f"{at:.0f}|{day}.{n}|sales|NONE|ENTERQUEUE||555|1")
            lines.append(f"{at + 5:.0f}|{day}.{n}|sales|NONE|ABANDON|1|1|5")
    (tmp_path / "queue_log").write_text("\n".join(lines) + "\n")
    config = tmp_path / "london.toml"
    config.write_text('[engine]\ntimezone = "Europe/London"\n')
    document = report_json(capsys, str(tmp_path / "queue_log"), config=str(config))
    days = [d for d in document["days"] if d["queue"] is None]
    assert [(d["date"], (d["end"] - d["start"]) / 3600) for d in days if d["offered"]] == [
        ("2024-03-31", 23.0),
        ("2024-10-27", 25.0),
    ]
    for day in days:
        bins = [
            r
            for r in document["intervals"]
            if r["queue"] is None and day["start"] <= r["start"] < day["end"]
        ]
        assert sum(r["offered"] for r in bins) == day["offered"]


def test_a_recording_from_another_time_zone_is_refused_with_the_fix(capsys, tmp_path):
    recording = tmp_path / "shift.wbrec"
    with RecordingWriter(
        recording, source="queue_log:x", config=EngineConfig(timezone="America/Chicago")
    ) as writer:
        writer.flush()
    assert main(["report", str(recording)]) == 2
    err = capsys.readouterr().err
    assert "recorded in the America/Chicago time zone, but the report is in UTC" in err
    assert 'timezone = "America/Chicago"' in err


def test_progress_is_drawn_on_a_terminal_only(capsys, run_a):
    report(capsys, str(run_a / "queue_log"))
    assert capsys.readouterr().err == ""
    stream = io.StringIO()
    bar = Progress(1000, stream, enabled=True)
    bar.update(500, "queue_log.2.gz", 12345)
    bar.close()
    drawn = stream.getvalue()
    assert drawn.startswith("\r[") and "50%  12,345 lines  queue_log.2.gz" in drawn
    assert drawn.endswith("\r")
