"""`wallboard view`: the TUI fed by a hub shows the hub's board (Textual pilot, real websockets)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.pilot import Pilot
from textual.widgets import Label

from tests.hub.conftest import TIMEOUT_S, TOKEN
from tests.hub.test_file_viewers import engine_board
from tests.runtime.test_paced_feed import CONFIG, SyntheticShiftFile
from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.hub.client import HubFeed
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.tui import format as fmt
from wallboard.tui.app import WallboardApp
from wallboard.tui.widgets.board_table import Styled
from wallboard.tui.widgets.kpi_tile import KpiTile
from wallboard.tui.widgets.queue_table import QueueTable
from wallboard.tui.widgets.status_bar import StatusBar


async def played_out(app: WallboardApp, pilot: Pilot) -> None:
    """Until the hub's file source has ended (bounded)."""
    async with asyncio.timeout(TIMEOUT_S):
        while app.board is None or app.board.status.state != "ended":
            await pilot.pause(0.05)


async def test_board_from_the_hub_is_the_engines_board(start_hub):
    hub, url = await start_hub({"main": PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=0)})
    await hub.wait_feeds()
    app = WallboardApp(HubFeed(url, TOKEN), CONFIG)
    async with app.run_test(size=(160, 50)) as pilot:
        await played_out(app, pilot)
        assert app.board.snapshot == engine_board()
        assert len(hub.viewers) == 1


async def test_view_with_a_wrong_token_is_a_one_line_error(start_hub):
    _, url = await start_hub({"main": PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=0)})
    env = {**os.environ, "WALLBOARD_HUB_TOKEN": "wrong"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wallboard.cli", "view", url,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    async with asyncio.timeout(TIMEOUT_S):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert stderr.decode().splitlines() == [
        f"wallboard: error: {url}: the hub refused this viewer: invalid token (4403)"
    ]


# The hub's own targets, windows and zone; the viewer keeps every default.
HUB_CONFIG = EngineConfig(
    sl_threshold_s=10.0,
    sl_target=0.55,
    window_s=600.0,
    interval_s=3600.0,
    timezone="America/New_York",
    queues={"q01": QueueSettings(sl_threshold_s=6.0, sl_target=0.25)},
)
VIEWER_CONFIG = EngineConfig()


def queue_grades(table: QueueTable, queue: str) -> dict[str, str]:
    labels = [label for label, _ in QueueTable.COLUMNS]
    return {
        label: cell.component.removeprefix("grade--")
        for label, cell in zip(labels, table.cells(queue), strict=True)
        if isinstance(cell, Styled)
    }


async def test_the_viewer_grades_by_the_hubs_targets_not_its_own(start_hub):
    hub, url = await start_hub({"main": PacedFileFeed(SyntheticShiftFile(), HUB_CONFIG, speed=0)})
    await hub.wait_feeds()
    app = WallboardApp(HubFeed(url, TOKEN), VIEWER_CONFIG)
    async with app.run_test(size=(160, 50)) as pilot:
        await played_out(app, pilot)
        await pilot.pause()
        snapshot = app.board.snapshot
        window = snapshot["all"]["window"]
        sl, asa = window["service_level"], window["asa_s"]
        # The two configs disagree on these figures, so the test can tell whose grades show.
        assert fmt.grade_service_level(sl, 0.55) != fmt.grade_service_level(sl, 0.80)
        assert fmt.grade_wait(asa, 10.0) != fmt.grade_wait(asa, 20.0)

        sl_tile = app.screen.query_one("#kpi-sl", KpiTile)
        assert sl_tile.grade == fmt.grade_service_level(sl, 0.55)
        assert sl_tile.title == "SL 10m"
        assert app.screen.query_one("#kpi-asa", KpiTile).grade == fmt.grade_wait(asa, 10.0)

        table = app.screen.query_one(QueueTable)
        own = snapshot["queues"]["q01"]["window"]  # graded by its own targets
        sl_grades = {fmt.grade_service_level(own["service_level"], t) for t in (0.25, 0.55, 0.80)}
        asa_grades = {fmt.grade_wait(own["asa_s"], t) for t in (6.0, 10.0, 20.0)}
        assert len(sl_grades) > 1 and len(asa_grades) == 3
        assert queue_grades(table, "q01")["SL"] == fmt.grade_service_level(
            own["service_level"], 0.25
        )
        assert queue_grades(table, "q01")["ASA"] == fmt.grade_wait(own["asa_s"], 6.0)
        other = snapshot["queues"]["q02"]["window"]  # by the hub's engine-wide ones
        assert queue_grades(table, "q02")["SL"] == fmt.grade_service_level(
            other["service_level"], 0.55
        )
        assert queue_grades(table, "q02")["ASA"] == fmt.grade_wait(other["asa_s"], 10.0)

        clock = datetime.fromtimestamp(snapshot["at"], ZoneInfo("America/New_York"))
        assert f"{clock:%H:%M:%S} {clock:%Z}" in str(app.screen.query_one(StatusBar).render())
        assert str(app.screen.query_one("#trend-sl-label", Label).content).startswith("SL/60m")
        assert app.control.history.interval_s == 3600.0
