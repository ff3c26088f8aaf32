"""The board reads its targets, spans and zone from the snapshot, whatever hub sent it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from wallboard.engine.settings import EngineConfig, QueueSettings
from wallboard.tui.snapshot_config import QueueTargets, SnapshotConfig


def test_the_engines_summary_reads_back_as_its_settings():
    config = EngineConfig(
        sl_threshold_s=30.0,
        sl_target=0.9,
        window_s=300.0,
        interval_s=900.0,
        timezone="Asia/Taipei",
        queues={"sales": QueueSettings(sl_target=0.7), "vip": QueueSettings(sl_threshold_s=5.0)},
    )
    read = SnapshotConfig.of(config.summary())
    assert (read.sl_threshold_s, read.sl_target, read.window_s, read.interval_s) == (
        30.0,
        0.9,
        300.0,
        900.0,
    )
    assert read.tz == ZoneInfo("Asia/Taipei")
    assert read.for_queue("sales") == QueueTargets(30.0, 0.7)
    assert read.for_queue("vip") == QueueTargets(5.0, 0.9)
    assert read.for_queue("support") == QueueTargets(30.0, 0.9)


def test_an_older_hubs_config_reads_as_the_defaults():
    old = {"sl_threshold_s": 15, "short_abandon_s": 5, "window_s": 900, "interval_s": 1800}
    read = SnapshotConfig.of(old)
    assert read.sl_threshold_s == 15.0
    assert read.sl_target == EngineConfig().sl_target
    assert read.tz == ZoneInfo("UTC")
    assert read.for_queue("any") == QueueTargets(15.0, EngineConfig().sl_target)
    assert SnapshotConfig.of({"timezone": "Mars/Olympus"}).tz == ZoneInfo("UTC")
