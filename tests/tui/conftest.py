"""The built-in alarm rules over a real engine on the shared synthetic shift (`shift_events`)."""

from __future__ import annotations

import copy

import pytest

from wallboard.commands.launch import alarm_factory
from wallboard.engine.settings import EngineConfig
from wallboard.runtime.replayer import Replayer
from wallboard.tui.app import WallboardApp

CONFIG = EngineConfig()


@pytest.fixture(scope="session")
def played_replayer(shift_events) -> Replayer:
    """Played once to the end, so every checkpoint exists."""
    r = Replayer(
        shift_events, CONFIG, label="synthetic", alarms=alarm_factory(None), checkpoint_every_s=120
    )
    r.seek(r.end)
    return r


@pytest.fixture
def replayer(played_replayer) -> Replayer:
    """A private copy positioned one hour in: alarms have fired, agents are in every state."""
    r = copy.deepcopy(played_replayer)
    r.seek(r.start + 3600)
    return r


def make_app(replayer: Replayer, **kwargs) -> WallboardApp:
    return WallboardApp(replayer, CONFIG, paused=True, **kwargs)
