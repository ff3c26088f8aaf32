"""The command line itself: options every subcommand shares, wherever they are typed."""

from __future__ import annotations

import json

import pytest

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
