"""Configuration: engine settings and secrets, from a TOML file and the environment.

Secrets (the AMI secret, the hub token) are read from the environment or the
config file only, never from the command line, so they never show in `ps`,
shell history or logs.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from wallboard.engine.settings import EngineConfig, engine_config_from_mapping
from wallboard.errors import ConfigError

AMI_SECRET_ENV = "WALLBOARD_AMI_SECRET"
HUB_TOKEN_ENV = "WALLBOARD_HUB_TOKEN"


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole configuration file: engine settings plus source and hub secrets."""

    engine: EngineConfig = field(default_factory=EngineConfig)
    ami_secret: str | None = None
    hub_token: str | None = None
    path: Path | None = None

    def require_ami_secret(self) -> str:
        secret = os.environ.get(AMI_SECRET_ENV) or self.ami_secret
        if not secret:
            raise ConfigError(
                f"no AMI secret: set {AMI_SECRET_ENV} or 'secret' under [ami] in the config file"
            )
        return secret

    def require_hub_token(self) -> str:
        token = os.environ.get(HUB_TOKEN_ENV) or self.hub_token
        if not token:
            raise ConfigError(
                f"no hub token: set {HUB_TOKEN_ENV} or 'token' under [hub] in the config file"
            )
        return token


def load_settings(path: str | Path | None) -> Settings:
    """Read a TOML config file (or return defaults when `path` is None)."""
    if path is None:
        return Settings()
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from exc
    table = dict(data.get("engine", {}))
    schedule_file = table.pop("schedule", None)
    try:
        engine = engine_config_from_mapping(table)
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    if schedule_file is not None:
        from wallboard.runtime.schedule_csv import load_schedule

        # Relative to the config file, so a config and its shifts travel together.
        shifts = file.parent / str(schedule_file)
        engine = replace(engine, schedule=load_schedule(shifts, engine.tz))
    ami = data.get("ami", {})
    hub = data.get("hub", {})
    return Settings(
        engine=engine,
        ami_secret=ami.get("secret"),
        hub_token=hub.get("token"),
        path=file,
    )
