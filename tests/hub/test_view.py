"""`wallboard view`: the TUI fed by a hub shows the hub's board (Textual pilot, real websockets)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tests.hub.conftest import TIMEOUT_S, TOKEN
from tests.hub.test_file_viewers import engine_board
from tests.runtime.test_paced_feed import CONFIG, SyntheticShiftFile
from wallboard.hub.client import HubFeed
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.tui.app import WallboardApp


async def test_board_from_the_hub_is_the_engines_board(start_hub):
    hub, url = await start_hub({"main": PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=0)})
    await hub.wait_feeds()
    app = WallboardApp(HubFeed(url, TOKEN), CONFIG)
    async with app.run_test(size=(160, 50)) as pilot:
        async with asyncio.timeout(TIMEOUT_S):
            while app.board.status.state != "ended":
                await pilot.pause(0.05)
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
