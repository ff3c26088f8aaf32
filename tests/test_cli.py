"""The command line itself: shared options wherever they are typed, and a light start.

A command imports its heavy dependencies only when it runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wallboard import __version__
from wallboard.cli import build_parser, main

QUEUE_LOG = (
    "1732262400|c1|support|NONE|ENTERQUEUE||1001|1\n1732262430|c1|support|NONE|ABANDON|1|1|30\n"
)


@pytest.fixture
def files(tmp_path):
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG)
    config = tmp_path / "wallboard.toml"
    config.write_text("[engine]\nsl_threshold_s = 30\n")
    return str(log), str(config)


@pytest.mark.parametrize(
    "arrange",
    [
        lambda log, config: ["--config", config, "metrics", log, "--json"],
        lambda log, config: ["metrics", log, "--json", "--config", config],
        lambda log, config: ["metrics", "--config", config, log, "--json"],
        lambda log, config: ["-v", "--config", config, "metrics", "-v", log, "--json"],
    ],
    ids=["before", "after", "between", "both-sides-with-v"],
)
def test_config_is_read_before_or_after_the_subcommand(capsys, files, arrange):
    assert main(arrange(*files)) == 0
    assert json.loads(capsys.readouterr().out)["config"]["sl_threshold_s"] == 30


def test_config_after_the_subcommand_wins_and_its_absence_undoes_nothing(files, tmp_path):
    log, config = files
    other = str(tmp_path / "other.toml")
    args = build_parser().parse_args(["--config", config, "metrics", log])
    assert args.config == config
    args = build_parser().parse_args(["--config", config, "metrics", log, "--config", other])
    assert args.config == other


@pytest.mark.parametrize(
    ("argv", "verbosity"),
    [
        (["metrics", "f"], 0),
        (["-v", "metrics", "f"], 1),
        (["metrics", "f", "-vv"], 2),
        (["-v", "metrics", "-v", "f"], 2),
    ],
)
def test_verbosity_counts_on_both_sides(argv, verbosity):
    args = build_parser().parse_args(argv)
    assert args.verbose + args.verbose_after == verbosity


HEAVY = (
    "textual",
    "httpx",
    "websockets",
    "apprise",
    "wallboard.simulator",
    "aiohttp",
    "prometheus_client",
)

# In a fresh interpreter: run the command line, then list the loaded modules named by
# the prefixes (a JSON list, the first argument).
_PROBE = """
import contextlib, io, json, sys
prefixes = tuple(json.loads(sys.argv.pop(1)))
from wallboard import cli
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    cli.main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.startswith(prefixes))
print(json.dumps({"out": out.getvalue(), "heavy": heavy}))
"""


def _run(*args: str, prefixes: tuple[str, ...] = HEAVY) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(prefixes), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


# What a command's run needs, and `--version` or `--help` (which end in the parser) do not:
# the engine, the alarm rules, the readers, the event loop, logging (issue 14 item 2).
RUN_ONLY = (
    "wallboard.engine",
    "wallboard.alarms",
    "wallboard.adapters",
    "wallboard.runtime.config",
    "msgpack",
    "asyncio",
    "logging",
)


@pytest.mark.parametrize(
    ("args", "says"),
    [(("--version",), f"wallboard {__version__}"), (("metrics", "--help"), "--json")],
)
def test_version_and_metrics_help_load_no_heavy_dependency(args, says):
    result = _run(*args, prefixes=HEAVY + RUN_ONLY)
    assert says in result["out"]
    assert result["heavy"] == [], f"{' '.join(args)} imported {', '.join(result['heavy'])}"


def test_metrics_on_an_ami_recording_loads_no_live_client():
    """Replaying AMI records needs the mapper only: not pyst2, sockets or the event loop."""
    from wallboard.recordings import sample_shift

    result = _run("metrics", str(sample_shift()), "--at", "+1m", prefixes=("asterisk", "asyncio"))
    assert "waiting" in result["out"]
    assert result["heavy"] == []


def test_the_probe_sees_a_heavy_import():
    """The check can fail: a command whose options come from the simulator loads it."""
    result = _run("simulate", "--help")
    assert "--scenario" in result["out"]
    assert "wallboard.simulator.scenarios" in result["heavy"]


def test_every_command_still_has_its_own_help():
    names = ("demo", "replay", "live", "view", "metrics", "report", "alerts", "record", "serve")
    for name in (*names, "simulate"):
        result = _run(name, "--help")
        assert f"usage: wallboard {name}" in result["out"]
