"""The status line: how the board is fed, its instant, and whether it is live or a replay."""

from __future__ import annotations

import pytest

from tests.runtime.test_paced_feed import SyntheticShiftFile
from tests.tui.conftest import CONFIG, make_app
from wallboard.adapters.ami.visibility import NO_DIALPLAN
from wallboard.commands.launch import alarm_factory
from wallboard.runtime.paced_feed import PacedFileFeed
from wallboard.runtime.replayer import Replayer
from wallboard.status import SourceStatus
from wallboard.tui.app import WallboardApp
from wallboard.tui.widgets.status_bar import StatusBar

LONG_LABEL = "recording:/srv/wallboard/recordings/2024-11-22-east-floor-morning.wbrec"


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_a_replay_never_reads_live_and_keeps_its_mode_and_clock(shift_events, width):
    replayer = Replayer(shift_events, CONFIG, label=LONG_LABEL, alarms=alarm_factory(None))
    replayer.seek(replayer.start + 3600)
    app = make_app(replayer)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        text = str(bar.render())
        assert "live" not in text.lower().replace("replay", "")
        assert "‖ paused" in text
        assert text.rstrip().endswith("REPLAY")
        assert len(text) <= width
        assert "09:00:08 UTC" in text
        if width >= 120:
            assert "2024-11-22" in text
        if width > 80:
            assert LONG_LABEL in text
        else:
            assert "recording:/srv" in text and "…" in text
        await pilot.press("space")
        await pilot.pause()
        assert "▶ 1x" in str(bar.render())


@pytest.mark.parametrize("width", [80, 200])
async def test_what_the_source_cannot_see_is_said_after_its_state(shift_events, width):
    """A read-only AMI user's recording: the limit the mapper found, on the status line."""
    limited = SourceStatus(shift_events[0].at, "live", "", (NO_DIALPLAN,))
    replayer = Replayer([limited, *shift_events], CONFIG, label=LONG_LABEL)
    replayer.seek(replayer.start + 3600)
    app = make_app(replayer)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(StatusBar).render())
        assert len(text) <= width
        assert text.rstrip().endswith("REPLAY") and "09:00:08 UTC" in text
        if width == 200:
            assert f"‖ paused  ⚠ {NO_DIALPLAN}" in text and LONG_LABEL[:40] in text
        else:
            assert "‖ paused  ⚠ FULL refusals" in text and "…" in text


async def test_a_played_out_file_feed_reads_ended_not_live():
    """`view` of a hub serving a file: once the file is played out nothing is live any more."""
    feed = PacedFileFeed(SyntheticShiftFile(), CONFIG, speed=0)
    app = WallboardApp(feed, CONFIG)
    async with app.run_test(size=(120, 24)) as pilot:
        bar = app.screen.query_one(StatusBar)
        for _ in range(100):  # bounded: until the feed has played out
            await pilot.pause(0.05)
            if "■ ended" in str(bar.render()):
                break
        text = str(bar.render())
    assert "■ ended" in text
    assert text.rstrip().endswith("ENDED") and "LIVE" not in text


async def test_a_replay_shows_the_outage_its_recording_holds(shift_events):
    start = shift_events[0].at
    items = [
        *shift_events[:50],
        SourceStatus(start + 600, "disconnected", "connection reset"),
        SourceStatus(start + 900, "live"),
        *shift_events[50:],
    ]
    replayer = Replayer(sorted(items, key=lambda i: i.at), CONFIG, label="s")
    replayer.seek(start + 700)
    app = make_app(replayer)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        during = str(bar.render())
        await pilot.press("g", *"+17", "enter")  # 17 minutes in: back on line
        for _ in range(100):  # bounded: the seek runs in a worker
            await pilot.pause(0.05)
            if "08:17:00" in str(bar.render()):
                break
        after = str(bar.render())
    assert "‖ paused  ✖ disconnected (recorded)" in during
    assert during.rstrip().endswith("REPLAY") and len(during) <= 120
    assert "disconnected" not in after and "‖ paused" in after
