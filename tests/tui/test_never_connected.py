"""A live board whose source never answered: it says so, and shows no time, age or all clear."""

from __future__ import annotations

import asyncio
import socket

from tests.tui.conftest import CONFIG
from wallboard.adapters.ami.client import AmiSource
from wallboard.runtime.collector import Collector
from wallboard.tui.app import WallboardApp
from wallboard.tui.widgets.alarm_strip import AlarmStrip
from wallboard.tui.widgets.stale_banner import StaleBanner
from wallboard.tui.widgets.status_bar import StatusBar


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_pbx_that_never_answered_shows_no_data_not_an_old_or_calm_board():
    source = AmiSource(
        "127.0.0.1", _closed_port(), "wallboard", "secret", CONFIG, backoff_initial_s=0.1
    )
    collector = Collector(source, CONFIG)
    app = WallboardApp(collector, CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        running = asyncio.create_task(collector.run())
        try:
            banner = app.screen.query_one(StaleBanner)
            for _ in range(50):  # bounded: until the refused connection shows
                await pilot.pause(0.1)
                if "disconnected" in str(banner.render()):
                    break
            await pilot.pause(1.5)  # long enough for an age to tick, were one shown
            status = str(app.screen.query_one(StatusBar).render())
            text, shown = str(banner.render()), banner.display
            strip = app.screen.query_one(AlarmStrip)
            first = " ".join(str(cell) for cell in strip.get_row_at(0))
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    assert "1970" not in status and "no data yet" in status
    assert shown and text.startswith("NO DATA YET: source disconnected")
    assert "Connection refused" in text and " old" not in text
    assert "all clear" not in first and "no data" in first
    assert collector.latest.snapshot["at"] > 1e9  # an empty floor now, not at the epoch
