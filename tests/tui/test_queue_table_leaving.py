"""A caller whose abandon-or-exit verdict waits shows as leaving, beside the callers waiting."""

from __future__ import annotations

from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.events import CallerJoined, CallerLeaving
from wallboard.runtime.history import TrendHistory
from wallboard.status import SourceStatus
from wallboard.tui.board import Board
from wallboard.tui.widgets.queue_table import QueueTable


def waiting_cell(*events) -> str:
    engine = Engine(EngineConfig())
    for event in events:
        engine.apply(event)
    snapshot = {**engine.snapshot(20.0), "source": "test", "alarms": []}
    board = Board(snapshot, SourceStatus(20.0, "live"), None, TrendHistory(1800.0))
    ((_, cells, _),) = QueueTable(id="queues").board_rows(board)
    return cells[1].text


def test_a_leaving_caller_is_shown_beside_the_waiting_ones():
    joined = [CallerJoined(1.0, "sales", "c1"), CallerJoined(2.0, "sales", "c2")]
    assert waiting_cell(*joined) == "2"
    assert waiting_cell(*joined, CallerLeaving(10.0, "sales", "c1")) == "1↗1"
