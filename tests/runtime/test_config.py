"""The configuration file: engine settings, schedules and secrets, and its error messages."""

from __future__ import annotations

from datetime import time

import pytest

from wallboard.engine import Engine
from wallboard.engine.settings import AgentSettings, EngineConfig, QueueSettings
from wallboard.errors import ConfigError, WallboardError
from wallboard.events import AgentLoggedIn
from wallboard.runtime.config import AMI_SECRET_ENV, Settings, load_settings


def test_every_engine_key_and_per_queue_settings(tmp_path):
    path = tmp_path / "wallboard.toml"
    path.write_text(
        """
[engine]
sl_threshold_s = 30
sl_variant = "answered_only"
windows_s = [900, 300]
interval_s = 900
day_start = "07:30"
timezone = "Europe/London"
occupancy_includes_wrap = true

[engine.queues.support]
wrapup_s = 5
sl_threshold_s = 10
"""
    )
    engine = load_settings(path).engine
    assert (engine.window_s, engine.extra_windows_s, engine.interval_s) == (900, (300,), 900)
    assert (engine.day_start, engine.timezone) == (time(7, 30), "Europe/London")
    assert engine.occupancy_includes_wrap and engine.sl_variant == "answered_only"
    assert engine.for_queue("support") == QueueSettings(10, "answered_only", 0.8, 5.0, 5.0)
    assert engine.for_queue("sales").sl_threshold_s == 30


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[engine]\nsl_treshold_s = 20\n", "unknown key 'sl_treshold_s'"),
        ('[engine]\nwindow_s = "15m"\n', "window_s must be a number"),
        ('[engine]\ntimezone = "Mars/Olympus"\n', "unknown time zone"),
        ('[engine]\nday_start = "half past seven"\n', "day_start must look like 07:30"),
        ("[engine\n", "not valid TOML"),
        ("[engine.queues.support]\nwrap = 5\n", "unknown key 'wrap'"),
    ],
)
def test_mistakes_are_named(tmp_path, body, words):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=words) as caught:
        load_settings(path)
    assert str(caught.value).startswith(str(path))


TABLES = "(the tables are [engine], [agents], [privacy], [ami], [hub])"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[engine]\nsl_target = 0.8\n\n[engin]\nsl_threshold_s = 30\n",
            f"4: unknown table [engin]; did you mean [engine]? {TABLES}",
        ),
        ('[hub]\ntoken = "t"\n[alarms.sl]\nx = 1\n', f"3: unknown table [alarms] {TABLES}"),
        ("engin.sl_target = 0.8\n", f"1: unknown table [engin]; did you mean [engine]? {TABLES}"),
        ("sl_target = 0.8\n", f"1: unknown key 'sl_target' outside any table {TABLES}"),
        ("hub = 5\n", "1: hub must be a table: write [hub] above its keys"),
        (
            "[engine]\n# a comment\n\nsl_treshold_s = 20\n",
            "4: [engine]: unknown key 'sl_treshold_s'",
        ),
        (
            "[engine]\nwindows_s = [\n  900,\n]\n[engine.queues.support]\n\nwrap = 5\n",
            "7: [engine].queues.support: unknown key 'wrap'",
        ),
        ("[engine.quues.support]\nwrapup_s = 5\n", "1: [engine]: unknown key 'quues'"),
        (
            '[engine]\nsl_target = 0.8\ntimezone = "Mars/Olympus"\n',
            "3: unknown time zone 'Mars/Olympus'",
        ),
        (
            "[ami]\nsecrett = 'x'\n",
            "2: [ami]: unknown key 'secrett' (the one key here is 'secret')",
        ),
        ("[hub]\n\ntoken = 5\n", "3: [hub].token must be a non-empty string"),
        (
            "[hub]\ntokens = 'x.toml'\n",
            "2: [hub]: unknown key 'tokens' (the keys here are 'token' and 'tokens_file')",
        ),
        ("[hub]\ntokens_file = ''\n", "2: [hub].tokens_file must be a non-empty string"),
        ("[engine]\nschedule = 7\n", "2: [engine].schedule must be a file name"),
        (
            "[engine]\nteams = []\n",
            "2: [engine].teams must be a file name (a CSV of agent,team)",
        ),
        (
            "[privacy]\nmask_number = true\n",
            "2: [privacy]: unknown key 'mask_number' (the one key here is 'mask_numbers')",
        ),
        ('[privacy]\nmask_numbers = "yes"\n', "2: [privacy].mask_numbers must be true or false"),
        (
            '[engine.queues.support]\nleavewhenempty = "paused,sleepy"\n',
            "2: [engine].queues.support.leavewhenempty: unknown condition 'sleepy' (queues.conf "
            "knows inuse, invalid, paused, penalty, ringing, unavailable, unknown, wrapup, "
            "loose, strict, yes, no)",
        ),
        (
            "[engine.queues.billing]\ncaller_timeout_s = [60, -5]\n",
            "2: [engine].queues.billing.caller_timeout_s must be a positive number of seconds, "
            "or a list of them",
        ),
        (
            '[agents]\n"PJSIP/101" = "Alice"\n"PJSIP/102" = { name = "Bob", tema = "A" }\n',
            "3: [agents].'PJSIP/102': unknown key 'tema' (name, team)",
        ),
        (
            '[agents]\n"PJSIP/101" = 7\n',
            '2: [agents].\'PJSIP/101\' must be a display name or {name = "...", team = "..."}',
        ),
        (
            '[engine]\nagents = "x"\n',
            "1: [engine]: unknown key 'agents' (the agents table is [agents])",
        ),
    ],
)
def test_every_unknown_table_and_key_is_an_error_at_its_line(tmp_path, body, message):
    """tomllib gives no line numbers: the loader finds them in the text."""
    path = tmp_path / "wallboard.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}:{message}"


def test_a_missing_file_is_one_line():
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings("/nonexistent/wallboard.toml")


def test_schedule_is_read_relative_to_the_config_and_reaches_every_engine(tmp_path):
    (tmp_path / "shifts.csv").write_text("agent,start,end\nAgent/1,100,200\n")
    path = tmp_path / "wallboard.toml"
    path.write_text('[engine]\nschedule = "shifts.csv"\n')
    config = load_settings(path).engine
    engine = Engine(config)
    engine.apply(AgentLoggedIn(120.0, "Agent/1", "sales"))
    assert engine.snapshot(150.0)["all"]["attendance"] == 1.0
    assert Engine(EngineConfig()).snapshot(150.0)["all"]["attendance"] is None


def test_privacy_masks_numbers_and_a_teams_file_names_teams(tmp_path):
    (tmp_path / "teams.csv").write_text("agent,team\nAlice,blue\nBob , red\n\n")
    path = tmp_path / "wallboard.toml"
    path.write_text(
        '[engine]\nteams = "teams.csv"\n[agents]\n"PJSIP/103" = {name = "Carol", team = "red"}\n'
        '"PJSIP/101" = {name = "Alice", team = "green"}\n[privacy]\nmask_numbers = true\n'
    )
    config = load_settings(path).engine
    assert config.mask_numbers is True
    # The teams file wins over the [agents] table.
    assert config.team_members() == {
        "blue": frozenset({"Alice"}),
        "red": frozenset({"Bob", "Carol"}),
    }
    assert load_settings(None).engine.mask_numbers is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agent,group\nAlice,blue\n", "teams.csv:1: expected the header agent,team"),
        ("agent,team\nAlice,blue,x\n", "teams.csv:2: expected 2 fields (agent,team), found 3"),
        ("agent,team\nAlice,\n", "teams.csv:2: an agent and a team, neither empty"),
        (
            "agent,team\nAlice,blue\n\nAlice,red\n",
            "teams.csv:4: 'Alice' is already in team 'blue' (line 2)",
        ),
    ],
)
def test_a_bad_teams_file_names_its_line(tmp_path, text, message):
    (tmp_path / "teams.csv").write_text(text)
    path = tmp_path / "wallboard.toml"
    path.write_text('[engine]\nteams = "teams.csv"\n')
    with pytest.raises(WallboardError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{tmp_path / message}"


def test_secrets_prefer_the_environment_and_say_where_to_put_them(monkeypatch):
    monkeypatch.delenv(AMI_SECRET_ENV, raising=False)
    with pytest.raises(ConfigError, match=AMI_SECRET_ENV):
        Settings().require_ami_secret()
    assert Settings(ami_secret="from-file").require_ami_secret() == "from-file"
    monkeypatch.setenv(AMI_SECRET_ENV, "from-env")
    assert Settings(ami_secret="from-file").require_ami_secret() == "from-env"


def test_queue_exit_settings_read_as_queues_conf_does(tmp_path):
    """leavewhenempty accumulates, presets and booleans replace; timeouts are one or several."""
    path = tmp_path / "wallboard.toml"
    path.write_text(
        """
[engine.queues.support]
leavewhenempty = "paused, Unavailable,invalid"
caller_timeout_s = 90

[engine.queues.billing]
caller_timeout_s = [120, 60, 45]
leavewhenempty = "penalty,strict"

[engine.queues.sales]
leavewhenempty = "paused,no"
"""
    )
    engine = load_settings(path).engine
    assert engine.for_queue("support").leavewhenempty == ("invalid", "paused", "unavailable")
    assert engine.for_queue("support").caller_timeout_s == (90.0,)
    assert engine.for_queue("billing").caller_timeout_s == (120.0, 60.0, 45.0)
    assert engine.for_queue("billing").leavewhenempty == (
        "invalid",
        "paused",
        "penalty",
        "unavailable",
    )
    assert engine.for_queue("sales").leavewhenempty == ()
    assert engine.for_queue("other").leavewhenempty is None


def test_agents_table_names_interfaces_and_member_names_with_a_team(tmp_path):
    path = tmp_path / "wallboard.toml"
    path.write_text(
        """
[agents]
"Local/agent109@agents/n" = "Ivan"
"Custom:agent110" = { name = "Judy", team = "Support B" }
Kate = { team = "Billing" }
"""
    )
    assert load_settings(path).engine.agents == {
        "Local/agent109@agents/n": AgentSettings("Ivan"),
        "Custom:agent110": AgentSettings("Judy", "Support B"),
        "Kate": AgentSettings("Kate", "Billing"),
    }
