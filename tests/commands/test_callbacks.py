"""`wallboard callbacks`: in process through `cli.main`, and once as a real program."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from wallboard.cli import main

T = 1795381978  # 2026-11-22 21:12:58 UTC (run A's start)
# Short abandons are under 5 s (the default): 5550003's 2 s wait is one.
QUEUE_LOG = f"""\
{T}|NONE|NONE|NONE|QUEUESTART|
{T + 10}|c1|sales|NONE|ENTERQUEUE||+1 555 555-0001|1
{T + 40}|c1|sales|NONE|ABANDON|1|1|30
{T + 50}|c2|support|NONE|ENTERQUEUE||5550002|1
{T + 70}|c2|support|NONE|ABANDON|1|1|20
{T + 80}|c3|sales|NONE|ENTERQUEUE||5550003|1
{T + 82}|c3|sales|NONE|ABANDON|1|1|2
{T + 100}|c4|support|NONE|ENTERQUEUE||15555550001|1
{T + 145}|c4|support|NONE|ABANDON|1|1|45
{T + 200}|c5|sales|NONE|ENTERQUEUE||5550002|1
{T + 206}|c5|sales|Agent 101|CONNECT|6|c5.1|2
{T + 300}|c5|sales|Agent 101|COMPLETECALLER|6|94|1
"""


@pytest.fixture
def queue_log(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(QUEUE_LOG)
    return str(path)


def listed(capsys, *argv: str) -> list[dict]:
    assert main(["callbacks", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_caller_who_abandons_twice_is_one_entry_and_one_who_got_through_is_none(
    capsys, queue_log
):
    (entry,) = listed(capsys, queue_log)
    # 5550001 abandoned sales then (spelt another way) support; 5550002 abandoned, then
    # reached an agent in sales; 5550003 gave up within 5 s.
    assert entry == {
        "number": "15555550001",
        "queue": "support",
        "queues": ["sales", "support"],
        "at": T + 145,
        "first_at": T + 40,
        "wait_s": 45.0,
        "attempts": 2,
    }


def test_at_lists_the_callers_of_that_instant(capsys, queue_log):
    early = listed(capsys, queue_log, "--at", str(T + 100))
    assert [(e["number"], e["attempts"]) for e in early] == [
        ("+1 555 555-0001", 1),
        ("5550002", 1),
    ]


def test_csv_has_the_columns_and_local_times(capsys, tmp_path, queue_log):
    config = tmp_path / "wallboard.toml"
    config.write_text('[engine]\ntimezone = "Europe/Paris"\n')
    assert main(["--config", str(config), "callbacks", queue_log, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        {
            "number": "15555550001",
            "queue": "support",
            "at": "2026-11-22T22:15:23+01:00",
            "wait_s": "45",
            "attempts": "2",
            "queues": "sales support",
            "first_at": "2026-11-22T22:13:38+01:00",
        }
    ]


def test_the_table_says_how_many_and_when(capsys, queue_log):
    assert main(["callbacks", queue_log, "--at", str(T + 100)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("at 2026-11-22 21:14:38 UTC: 2 to call back")
    assert lines[2].split() == ["number", "queue", "abandoned", "waited", "attempts", "queues"]
    assert lines[3].split() == ["+1", "555", "555-0001", "sales", "21:13:38", "0:30", "1", "sales"]


def test_masked_numbers_in_every_format(capsys, tmp_path, queue_log):
    config = tmp_path / "wallboard.toml"
    config.write_text("[privacy]\nmask_numbers = true\n")
    options = ["--config", str(config), "callbacks", queue_log, "--at", str(T + 100)]
    outputs = []
    for fmt in ([], ["--json"], ["--csv"]):
        assert main([*options, *fmt]) == 0
        outputs.append(capsys.readouterr().out)
    for out in outputs:
        assert "+* *** ***-*001" in out and "****002" in out
        assert "555" not in out


def test_an_empty_list_says_so(capsys, tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(f"{T}|NONE|NONE|NONE|QUEUESTART|\n{T + 10}|c1|sales|NONE|ENTERQUEUE||5|1\n")
    assert main(["callbacks", str(path)]) == 0
    assert capsys.readouterr().out.endswith(": 0 to call back\n")


def test_live_sources_and_at_on_a_hub_are_one_line_errors(capsys):
    assert main(["callbacks", "ami://user@127.0.0.1"]) == 2
    assert "wallboard serve SOURCE" in capsys.readouterr().err
    assert main(["callbacks", "ws://127.0.0.1:1", "--at", "10:00"]) == 2
    err = capsys.readouterr().err
    assert "--at needs a recording or queue_log" in err and "Traceback" not in err


def test_json_and_csv_exclude_each_other(capsys, queue_log):
    with pytest.raises(SystemExit):
        main(["callbacks", queue_log, "--json", "--csv"])
    assert "not allowed with" in capsys.readouterr().err


def test_as_a_program(queue_log):
    done = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "callbacks", queue_log, "--csv"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "number,queue,at,wait_s,attempts,queues,first_at"
