"""A file source driven through the engine, as fast as possible, to one instant.

This is what `wallboard metrics FILE --at TIME` reports: the board exactly as
it was live at TIME, computed from the events up to that instant only.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

from wallboard.adapters.base import FileSource
from wallboard.alarms.stepper import AlarmStepper
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import Snapshot
from wallboard.errors import WallboardError
from wallboard.runtime.instants import check_within, parse_instant
from wallboard.status import SourceStatus


def snapshot_at(
    source: FileSource,
    config: EngineConfig,
    at: str | float | None = None,
    *,
    alarms: Callable[[Engine], AlarmStepper] | None = None,
) -> Snapshot:
    """The board at `at` (default: the last event's time), its active `alarms` included.

    `at` as typed is read by `parse_instant`, a clock time on the day of the
    source's first record; a time the source does not cover is an error. The
    alarms are stepped exactly as a replay steps them, so this is the board a
    replay shows at that instant. Records after `at` are not read further than
    the first one, so an early instant in a long file costs only what precedes it.
    """
    engine = Engine(config)
    stepper = alarms(engine) if alarms else None
    apply = stepper.apply if stepper else engine.apply
    target: float | None = None if isinstance(at, str) else at
    first: float | None = None
    last_event: float | None = None
    last = -math.inf
    limits: tuple[str, ...] = ()  # what the source was found unable to see, as of `at`
    for item in source.events():
        if first is None:
            first = item.at
            with _option("--at"):
                if isinstance(at, str):
                    target = parse_instant(at, first, config.tz)
                if target is not None:
                    check_within(target, first, None, config.tz, label=source.label)
        if target is not None and item.at > target:
            break
        last = max(last, item.at)
        if isinstance(item, SourceStatus):
            limits = item.limits
            continue
        apply(item)
        last_event = item.at if last_event is None else max(last_event, item.at)
    else:
        if first is not None and target is not None:
            with _option("--at"):
                check_within(target, first, last, config.tz, label=source.label)
    if last_event is None:
        raise WallboardError(f"{source.label}: no events to report on")
    t = target if target is not None else last_event
    snapshot = engine.snapshot(t)
    if stepper is not None:
        stepper.advance(t)
    board: Snapshot = {
        "at": snapshot["at"],
        "source": source.label,
        "config": snapshot["config"],
        "queues": snapshot["queues"],
        "all": snapshot["all"],
        "agents": snapshot["agents"],
        "alarms": stepper.active() if stepper else [],
        # Beyond METRICS.md's layout (docs/ENGINE.md):
        "teams": snapshot["teams"],
        "callbacks": snapshot["callbacks"],
        "absent": snapshot["absent"],
    }
    if limits:  # only when it could not see everything: the METRICS.md layout otherwise
        board["source_limits"] = list(limits)
    return board


@contextlib.contextmanager
def _option(name: str) -> Iterator[None]:
    """Errors about what the user typed, named by the option they typed it in."""
    try:
        yield
    except WallboardError as exc:
        raise WallboardError(f"{name} {exc}") from None
