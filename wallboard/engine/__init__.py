"""The incremental metric engine (`docs/ENGINE.md`)."""

from wallboard.engine.core import Engine

__all__ = ["Engine"]
