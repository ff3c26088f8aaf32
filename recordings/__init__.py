"""Bundled recordings, installed as `wallboard.recordings` (package data; see README.md)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

SAMPLE_SHIFT = "sample-shift.wbrec"


def sample_shift() -> Traversable:
    """The 4-hour sample shift `wallboard demo` replays, wherever the package is installed."""
    return files(__name__) / SAMPLE_SHIFT
