"""A snapshot with nothing kept from the ones before: what the engine's reuse must equal."""

from __future__ import annotations

from wallboard.engine import Engine
from wallboard.engine.snapshot import Snapshot


def forget_reports(engine: Engine) -> None:
    """Drop what snapshots keep between calls (each queue's span figures, the agents' rows)."""
    for queue in engine.queues.values():
        queue.counted = None
    engine.agent_rows.clear()
    engine.agents_changed.update(engine.agents.values())


def recomputed_snapshot(engine: Engine, t: float) -> Snapshot:
    """The snapshot at `t` formed from scratch (the clock moves as `Engine.snapshot` moves it)."""
    forget_reports(engine)
    return engine.snapshot(t)
