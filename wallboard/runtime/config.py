"""Configuration: engine settings and secrets, from a TOML file and the environment.

Secrets (the AMI secret, the hub token) are read from the environment or the
config file only, never from the command line, so they never show in `ps`,
shell history or logs.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from wallboard.engine.settings import (
    EngineConfig,
    agents_from_mapping,
    engine_config_from_mapping,
)
from wallboard.errors import ConfigError
from wallboard.runtime.environment import AMI_SECRET_ENV, HUB_TOKEN_ENV
from wallboard.runtime.teams_csv import load_teams
from wallboard.runtime.toml_lines import read_toml


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole configuration file: engine settings plus source and hub secrets."""

    engine: EngineConfig = field(default_factory=EngineConfig)
    ami_secret: str | None = None
    hub_token: str | None = None
    path: Path | None = None
    # `[hub] tokens_file`, relative to the config file: the hub's scoped tokens (docs/HUB.md).
    hub_tokens_file: Path | None = None

    def require_ami_secret(self) -> str:
        secret = os.environ.get(AMI_SECRET_ENV) or self.ami_secret
        if not secret:
            raise ConfigError(
                f"no AMI secret: set {AMI_SECRET_ENV} or 'secret' under [ami] in the config file"
            )
        return secret

    def shared_hub_token(self) -> str | None:
        """The one hub token of the environment or `[hub] token`, if any."""
        return os.environ.get(HUB_TOKEN_ENV) or self.hub_token

    def require_hub_token(self) -> str:
        token = self.shared_hub_token()
        if not token:
            raise ConfigError(
                f"no hub token: set {HUB_TOKEN_ENV} or 'token' under [hub] in the config file"
            )
        return token


# The tables of a config file; [ami] and [hub] hold a secret each (and [hub] its tokens file).
TABLES = ("engine", "agents", "privacy", "ami", "hub")
_SECRETS = {"ami": ("secret",), "hub": ("token", "tokens_file")}


def load_settings(path: str | Path | None) -> Settings:
    """Read a TOML config file (or return defaults when `path` is None).

    Every mistake is an error naming `file:line`: an unknown table or key must
    not be ignored, or a misspelt `[engin]` silently runs on the defaults.
    """
    if path is None:
        return Settings()
    file = Path(path)
    data, lines = read_toml(file, "config file")

    def fail(message: str, *key: str) -> ConfigError:
        line = lines.line(*key)
        return ConfigError(f"{file}:{line}: {message}" if line else f"{file}: {message}")

    for name, value in data.items():
        if name not in TABLES:
            raise fail(_unknown_table(name, value), name)
        if not isinstance(value, dict):
            raise fail(f"{name} must be a table: write [{name}] above its keys", name)
    for name, keys in _SECRETS.items():
        for key, value in data.get(name, {}).items():
            if key not in keys:
                known = (
                    f"the one key here is {keys[0]!r}"
                    if len(keys) == 1
                    else f"the keys here are {' and '.join(repr(k) for k in keys)}"
                )
                raise fail(f"[{name}]: unknown key {key!r} ({known})", name, key)
            if not isinstance(value, str) or not value:
                raise fail(f"[{name}].{key} must be a non-empty string", name, key)
    hub = data.get("hub", {})
    table = dict(data.get("engine", {}))
    schedule_file = table.pop("schedule", None)
    if schedule_file is not None and not isinstance(schedule_file, str):
        raise fail("[engine].schedule must be a file name", "engine", "schedule")
    teams_file = table.pop("teams", None)
    if teams_file is not None and not isinstance(teams_file, str):
        raise fail("[engine].teams must be a file name (a CSV of agent,team)", "engine", "teams")
    privacy = data.get("privacy", {})
    for key, value in privacy.items():
        if key != "mask_numbers":
            raise fail(
                f"[privacy]: unknown key {key!r} (the one key here is 'mask_numbers')",
                "privacy",
                key,
            )
        if not isinstance(value, bool):
            raise fail("[privacy].mask_numbers must be true or false", "privacy", key)
    if "agents" in table:
        raise fail("[engine]: unknown key 'agents' (the agents table is [agents])", "engine")
    try:
        engine = engine_config_from_mapping(table)
    except ConfigError as exc:
        raise fail(str(exc), "engine", *exc.key) from exc
    try:
        engine = replace(engine, agents=agents_from_mapping(data.get("agents", {})))
    except ConfigError as exc:
        raise fail(str(exc), *exc.key) from exc
    if schedule_file is not None:
        from wallboard.runtime.schedule_csv import load_schedule

        # Relative to the config file, so a config and its shifts travel together.
        shifts = file.parent / schedule_file
        engine = replace(engine, schedule=load_schedule(shifts, engine.tz))
    if teams_file is not None:
        engine = replace(engine, teams=load_teams(file.parent / teams_file))
    engine = replace(engine, mask_numbers=privacy.get("mask_numbers", False))
    tokens_file = hub.get("tokens_file")
    return Settings(
        engine=engine,
        ami_secret=data.get("ami", {}).get("secret"),
        hub_token=hub.get("token"),
        path=file,
        # Relative to the config file, like the schedule.
        hub_tokens_file=file.parent / tokens_file if tokens_file else None,
    )


def _unknown_table(name: str, value: object) -> str:
    known = ", ".join(f"[{table}]" for table in TABLES)
    if not isinstance(value, dict):
        return f"unknown key {name!r} outside any table (the tables are {known})"
    close = difflib.get_close_matches(name, TABLES, n=1)
    hint = f"; did you mean [{close[0]}]?" if close else ""
    return f"unknown table [{name}]{hint} (the tables are {known})"
