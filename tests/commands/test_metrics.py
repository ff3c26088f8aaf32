"""`wallboard metrics`: in process through `cli.main`, and once as a real program."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wallboard.alarms import AlarmStepper, load_rules
from wallboard.cli import main
from wallboard.engine.settings import EngineConfig
from wallboard.recordings import sample_shift
from wallboard.runtime.replayer import Replayer
from wallboard.runtime.sources import open_file_source

BUILTIN = AlarmStepper.factory(load_rules(None))

CONFIG = """\
[engine]
sl_variant = "abandons_in_sl_good"
timezone = "Europe/Paris"
[engine.queues.support]
wrapup_s = 5
"""
LAST_LINE_AT = 1795382538.0


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "wallboard.toml"
    path.write_text(CONFIG)
    return str(path)


def metrics_json(capsys, *argv: str, config: str | None = None) -> dict:
    options = ["--config", config] if config else []
    assert main([*options, "metrics", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_metrics_md_layout_at_the_last_event(capsys, run_a, config_file):
    snapshot = metrics_json(capsys, str(run_a / "queue_log"), config=config_file)
    assert list(snapshot) == [
        *("at", "source", "config", "queues", "all", "agents", "alarms"),
        *("teams", "callbacks", "absent"),  # beyond METRICS.md (docs/ENGINE.md)
    ]
    assert snapshot["at"] == LAST_LINE_AT
    assert snapshot["source"] == f"queue_log:{run_a / 'queue_log'}"
    # The alarms active then, in the METRICS.md shape (the capture ends mid-incident).
    assert snapshot["alarms"]
    for alarm in snapshot["alarms"]:
        assert {"rule", "queue", "severity", "since", "value"} <= set(alarm)
    sales = snapshot["queues"]["sales"]["day"]
    support = snapshot["queues"]["support"]["day"]
    assert (round(sales["service_level"], 3), round(support["service_level"], 3)) == (0.424, 0.287)


@pytest.mark.parametrize(
    "at",
    ["1795382000", "2026-11-22T21:13:20+00:00", "2026-11-22T22:13:20", "22:13:20"],
)
def test_at_accepts_epoch_iso_and_time_of_day(capsys, run_a, config_file, at):
    snapshot = metrics_json(capsys, str(run_a / "queue_log"), "--at", at, config=config_file)
    assert snapshot["at"] == 1795382000.0
    # Only the two CONNECT lines up to that instant count.
    assert snapshot["all"]["day"]["answered"] == 2


def test_at_nonsense_is_one_line_naming_the_option(capsys, run_a):
    assert main(["metrics", str(run_a / "queue_log"), "--at", "tomorrow"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wallboard: error: --at 'tomorrow': expected HH:MM[:SS]")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("at", "side"),
    [("21:00", "before the start"), ("2026-11-23T09:00", "after the end")],
)
def test_a_time_outside_the_file_is_an_error_that_says_what_it_covers(capsys, run_a, at, side):
    log = run_a / "queue_log"
    assert main(["metrics", str(log), "--at", at]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wallboard: error: --at 2026-11-2") and f"is {side} of queue_log:" in err
    assert "2026-11-22 21:13:06 UTC" in err  # where the file starts
    assert side == "before the start" or "to 2026-11-22 21:22:18 UTC" in err
    assert err.count("\n") == 1


def test_alarms_at_an_instant_are_those_the_replay_board_shows_then(capsys):
    """The surge of the bundled shift: `metrics --at` and a replay seeked there agree."""
    sample = str(sample_shift())
    snapshot = metrics_json(capsys, sample, "--at", "10:40")
    source = open_file_source(sample)
    replayer = Replayer(source.events(), EngineConfig(), label=source.label, alarms=BUILTIN)
    board = replayer.seek(snapshot["at"]).snapshot
    assert len(snapshot["alarms"]) >= 3
    assert snapshot["alarms"] == json.loads(json.dumps(board["alarms"]))
    assert {a["rule"] for a in snapshot["alarms"]} >= {"sl-low"}


def test_table_shows_each_queue_agents_and_every_span(capsys, run_a):
    assert main(["metrics", str(run_a / "queue_log"), "--at", "1795382300"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"queue_log:{run_a / 'queue_log'}  at 2026-11-22 21:18:20 UTC"
    now = next(i for i, line in enumerate(lines) if line.startswith("now "))
    assert lines[now + 1].split()[:3] == ["sales", "7", "1:09"]
    assert lines[now + 3].split()[:3] == ["all", "28", "1:21"]
    for title in ("last 15 min", "since 21:00", "today"):
        assert any(line.startswith(title) for line in lines), title
    assert any(line.split()[:4] == ["Agent", "104", "paused", "break"] for line in lines)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is a directory"),
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"just text\n", "no queue_log lines"),
    ],
)
def test_unusable_input_is_one_line_and_a_failure(capsys, tmp_path, content, message):
    path = tmp_path / "input"
    path.mkdir() if content is None else path.write_bytes(content)
    assert main(["metrics", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"wallboard: error: {path}") and message in captured.err


def test_missing_file_is_one_line(capsys, tmp_path):
    assert main(["metrics", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"wallboard: error: {tmp_path / 'nope'}: cannot read (No such file or directory)\n"
    )


def test_damaged_queue_log_still_reports_with_warnings(capsys, caplog, tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(
        "1732266100|a|q|NONE|ENTERQUEUE||1|1\n"
        "garbage\n"
        "1732266160|a|q|Agent/1|CONNECT|60|x|2\n"
        "1732266120|b|q|NONE|ENTERQUEUE||2|1\n"  # late, but within the reorder buffer
        "1732266200|b|q|NONE|ABANDON|1|1|80\n"
        "1732266130|c|q|NONE|ENTERQUEUE||3|2\n"  # too late: applied in file order
    )
    snapshot = metrics_json(capsys, str(path))
    assert snapshot["queues"]["q"]["day"]["offered"] == 2
    assert snapshot["queues"]["q"]["waiting"] == 1
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings[0].startswith(f"{path}:2: skipped")
    assert warnings[1].startswith(f"{path}:6: timestamp 1732266130 is 30 s earlier")


def test_live_sources_are_pointed_at_a_hub(capsys):
    assert main(["metrics", "ami://user@127.0.0.1"]) == 2
    assert "wallboard serve" in capsys.readouterr().err


def test_help_explains_time_formats(capsys):
    with pytest.raises(SystemExit):
        main(["metrics", "--help"])
    out = capsys.readouterr().out
    assert "--at TIME" in out and "14:05" in out and "ISO 8601" in out and "--json" in out


def test_as_a_real_program(run_a, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "metrics", str(run_a / "queue_log"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    snapshot = json.loads(result.stdout)
    assert snapshot["queues"]["support"]["day"]["offered"] == 94
    assert EngineConfig().summary() == snapshot["config"]


def test_a_read_only_users_recording_says_what_that_user_could_not_see(capsys, run_d, tmp_path):
    """Run D's `read = call,agent,reporting` capture, recorded: the table and the JSON say it."""
    from tests.adapters.ami.run_d import CONFIG as RUN_D_CONFIG
    from tests.adapters.ami.run_d import records
    from wallboard.adapters.ami.visibility import NO_DIALPLAN
    from wallboard.adapters.recording import RecordingWriter

    path = tmp_path / "ro.wbrec"
    with RecordingWriter(path, source="ami://wb-ro@pbx:5042", config=RUN_D_CONFIG) as writer:
        for record in records(run_d, "ro"):
            writer.write(record)
    snapshot = metrics_json(capsys, str(path))
    assert snapshot["source_limits"] == [NO_DIALPLAN]
    assert list(snapshot)[-1] == "source_limits"  # after the METRICS.md layout
    assert main(["metrics", str(path)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert f"the source cannot see: {NO_DIALPLAN}" in table[:4]
    # The exits still counted right: the recording's header carried the queues' settings.
    assert snapshot["queues"]["billing"]["day"]["overflow"] == 36


async def test_a_hub_of_a_read_only_user_says_it_too(capsys, monkeypatch, run_d, tmp_path):
    """`wallboard metrics ws://HUB`: the hub's board of that user, with what it could not see."""
    import asyncio

    from tests.adapters.ami.run_d import CONFIG as RUN_D_CONFIG
    from tests.adapters.ami.run_d import records
    from wallboard.adapters.ami.visibility import NO_DIALPLAN
    from wallboard.adapters.recording import RecordingSource, RecordingWriter
    from wallboard.hub.server import Hub
    from wallboard.runtime.environment import HUB_TOKEN_ENV
    from wallboard.runtime.paced_feed import PacedFileFeed

    path = tmp_path / "ro.wbrec"
    with RecordingWriter(path, source="ami://wb-ro@pbx:5042", config=RUN_D_CONFIG) as writer:
        for record in records(run_d, "ro"):
            writer.write(record)
    monkeypatch.setenv(HUB_TOKEN_ENV, "token-of-the-metrics-test")
    feed = PacedFileFeed(RecordingSource(path, RUN_D_CONFIG), RUN_D_CONFIG, speed=0)
    hub = Hub({"floor": feed}, "token-of-the-metrics-test")
    host, port = await hub.start("127.0.0.1", 0)
    try:
        url = f"ws://{host}:{port}/floor"
        assert await asyncio.to_thread(main, ["metrics", url, "--json"]) == 0
        snapshot = json.loads(capsys.readouterr().out)
        assert await asyncio.to_thread(main, ["metrics", url]) == 0
        table = capsys.readouterr().out.splitlines()
    finally:
        await hub.stop()
    assert snapshot["source_limits"] == [NO_DIALPLAN]
    assert f"the source cannot see: {NO_DIALPLAN}" in table[:4]
