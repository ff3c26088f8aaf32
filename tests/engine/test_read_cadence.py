"""The figures never depend on how often the engine is read.

A live board reads the engine four times a second, a replay when the trainer
looks, `metrics` once: all three must show the same figures for the same
events. Reading moves the windows' pointers, trims the ledgers and may restart
the float totals (ledger.py's rebase, 14 times in this shift, at instants that
follow the reads), so every figure is compared exactly, not within a tolerance.
"""

from __future__ import annotations

from tests.synthetic import generate_shift
from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig


def test_a_board_read_often_or_once_shows_the_same_figures():
    events = list(generate_shift(5, agents=40, queues=3, hours=9.0))
    config = EngineConfig(extra_windows_s=(300.0,))
    once, often, every_event = Engine(config), Engine(config), Engine(config)
    next_read = events[0].at
    for event in events:
        while next_read < event.at:
            often.snapshot(next_read)
            next_read += 37.0  # a cadence aligned with nothing
        once.apply(event)
        often.apply(event)
        every_event.apply(event)
        every_event.snapshot(event.at, agents=False)
    end = events[-1].at + 1.0
    expected = once.snapshot(end)
    assert often.snapshot(end) == expected
    assert every_event.snapshot(end) == expected
