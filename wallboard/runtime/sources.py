"""SOURCE syntax shared by every command, and opening the right adapter for it."""

from __future__ import annotations

from pathlib import Path

from wallboard.adapters.base import FileSource, LiveSource
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.runtime.config import Settings

LIVE_SCHEMES = ("ami://",)
# A `wallboard serve` hub: read with `wallboard.hub.client.HubFeed`, which yields
# finished boards, not events, so it is not opened by `open_source`.
HUB_SCHEMES = ("ws://", "wss://")


def is_live(spec: str) -> bool:
    return spec.startswith(LIVE_SCHEMES)


def is_hub(spec: str) -> bool:
    return spec.startswith(HUB_SCHEMES)


def open_file_source(spec: str, config: EngineConfig | None = None) -> FileSource:
    """A recording or a queue_log file, told apart by content, not by name.

    `config` gives the mappers what the file does not say (queue wrap-up times).
    """
    from wallboard.adapters.queue_log import QueueLogSource
    from wallboard.adapters.recording import RecordingSource, is_recording

    path = Path(spec)
    if path.is_dir():
        raise WallboardError(f"{spec}: is a directory, not a recording or queue_log file")
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise WallboardError(f"{spec}: cannot read ({exc.strerror})") from exc
    if is_recording(head):
        return RecordingSource(path, config)
    return QueueLogSource(path, config)


def open_live_source(spec: str, settings: Settings) -> LiveSource:
    if spec.startswith("ami://"):
        from wallboard.adapters.ami.client import AmiSource

        return AmiSource.from_url(spec, settings.engine, settings.require_ami_secret)
    raise WallboardError(f"{spec}: unknown source scheme")


def open_source(spec: str, settings: Settings) -> FileSource | LiveSource:
    """Open SOURCE as the user typed it (a path, or a URL for live sources)."""
    if is_hub(spec):
        raise WallboardError(f"{spec}: a hub serves boards, not events; use `wallboard view`")
    if is_live(spec):
        return open_live_source(spec, settings)
    return open_file_source(spec, settings.engine)
