"""Names, queue lists and reasons take the room the screen has; what still cannot fit says so."""

from __future__ import annotations

import pytest

from tests.tui.conftest import CONFIG
from wallboard.events import AgentLoggedIn, AgentPaused, CallerJoined
from wallboard.runtime.replayer import Replayer
from wallboard.tui.app import WallboardApp
from wallboard.tui.widgets.agent_board import AgentBoard
from wallboard.tui.widgets.queue_table import QueueTable

START = 1_732_262_400.0
QUEUES = ("billing", "retentions-priority", "sales", "support")
HERS = ("billing", "sales", "support")
NAME = "Priya Lindqvist"
REASON = "training-session"


def floor() -> list:
    events: list = [
        AgentLoggedIn(START + i, f"Agent/{100 + i}", queue, name=f"Agent {i}")
        for i, queue in enumerate(QUEUES)
    ]
    events += [AgentLoggedIn(START + 10 + i, "Agent/200", q, name=NAME) for i, q in enumerate(HERS)]
    events += [AgentPaused(START + 20, "Agent/200", q, reason=REASON) for q in HERS]
    events.append(CallerJoined(START + 30, "sales", "call-1"))
    return events


def painted(table: AgentBoard | QueueTable) -> list[str]:
    height = table.scrollable_content_region.height
    return ["".join(s.text for s in table.render_line(y)) for y in range(height)]


@pytest.mark.parametrize("size", [(80, 24), (200, 60), (250, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_names_and_queue_lists_are_whole_when_there_is_room(size):
    replayer = Replayer(floor(), CONFIG, label="fit")
    replayer.seek(replayer.end)
    app = WallboardApp(replayer, CONFIG, paused=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        agents = app.screen.query_one(AgentBoard)
        row = next(line for line in painted(agents) if NAME[:5] in line)
        assert NAME in row
        queues = ",".join(HERS)
        if size[0] >= 200:
            assert queues in row and REASON in row
        else:  # 80 columns cannot hold every list: what is cut says so
            assert queues not in row and "…" in row
        lines = painted(app.screen.query_one(QueueTable))
        if size[0] >= 200:
            assert any(" retentions-priority " in line for line in lines)
        else:
            assert any(" retentions-p" in line and "… " in line for line in lines)
