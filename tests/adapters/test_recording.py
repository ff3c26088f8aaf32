"""Recordings: exact round trips, replays equal to the original, damaged files."""

from __future__ import annotations

import logging
from datetime import time

import msgpack
import pytest

from tests.adapters.ami.test_mapper import README_COUNTS, RUN_A_CONFIG, capture_records, day_counts
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.adapters.recording import (
    RecordingSource,
    RecordingWriter,
    engine_settings,
    is_recording,
)
from wallboard.engine import Engine
from wallboard.engine.settings import (
    AgentSettings,
    EngineConfig,
    QueueSettings,
    engine_config_from_mapping,
)
from wallboard.errors import WallboardError
from wallboard.events import CallEnded
from wallboard.runtime.snapshot_at import snapshot_at
from wallboard.status import SourceStatus

RECORDS = [
    RawRecord(1.5, "status", SourceStatus(1.5, "connecting").to_payload()),
    RawRecord(2.25, "ami", [["Event", "QueueCallerJoin"], ["Queue", "q"], ["Queue", "again"]]),
    RawRecord(3.0, "queue_log", "1732266003|c|q|NONE|ENTERQUEUE||caller é|1"),
]


def write(path, records=RECORDS, config=RUN_A_CONFIG, **options) -> None:
    with RecordingWriter(
        path, source="ami://user@pbx:5038", config=config, started_at=1.0, **options
    ) as writer:
        for record in records:
            writer.write(record)


def test_round_trip_is_exact_and_the_header_describes_the_recording(tmp_path):
    path = tmp_path / "shift.wbrec"
    write(path)
    source = RecordingSource(path)
    assert list(source.raw()) == RECORDS
    assert source.header == {
        "format": "wallboard-recording",
        "version": 1,
        "source": "ami://user@pbx:5038",
        "timezone": "UTC",
        "started_at": 1.0,
        "config": engine_settings(RUN_A_CONFIG),
    }
    assert source.label == f"recording:{path}"


def test_recorded_engine_settings_read_back_as_the_same_config():
    config = EngineConfig(
        sl_threshold_s=30,
        sl_variant="answered_only",
        extra_windows_s=(300.0, 3600.0),
        day_start=time(7, 30),
        timezone="Europe/Paris",
        occupancy_includes_wrap=True,
        queues={"vip": QueueSettings(sl_threshold_s=10, wrapup_s=15)},
    )
    settings = msgpack.unpackb(msgpack.packb(engine_settings(config)))
    assert engine_config_from_mapping(settings) == config


def test_detection_by_content(tmp_path, run_a):
    path = tmp_path / "r"
    write(path)
    assert is_recording(path.read_bytes()[:64])
    assert not is_recording((run_a / "queue_log").read_bytes()[:64])
    assert not is_recording(msgpack.packb({"format": "something-else"}))
    assert not is_recording(b"")
    long_header = msgpack.packb({"format": "wallboard-recording", **{str(i): i for i in range(20)}})
    assert is_recording(long_header[:64])  # a later version with a map16 header


def test_an_existing_file_is_never_overwritten_without_force(tmp_path):
    path = tmp_path / "r"
    path.write_bytes(b"precious")
    with pytest.raises(WallboardError, match="already exists"):
        write(path)
    assert path.read_bytes() == b"precious"
    write(path, force=True)
    assert list(RecordingSource(path).raw()) == RECORDS


def test_queue_log_recording_replays_to_the_same_board(tmp_path, run_a):
    original = QueueLogSource(run_a / "queue_log", RUN_A_CONFIG)
    path = tmp_path / "r"
    write(path, list(original.raw()))
    replayed = snapshot_at(RecordingSource(path, RUN_A_CONFIG), RUN_A_CONFIG)
    direct = snapshot_at(original, RUN_A_CONFIG)
    assert {k: v for k, v in replayed.items() if k != "source"} == {
        k: v for k, v in direct.items() if k != "source"
    }


def test_ami_recording_replays_through_the_ami_mapper(tmp_path, run_a):
    records = capture_records(run_a)
    path = tmp_path / "r"
    write(path, records)
    replayed = list(RecordingSource(path, RUN_A_CONFIG).events())
    mapper = AmiMapper(RUN_A_CONFIG)
    assert replayed == [item for record in records for item in mapper.feed(record)]
    engine = Engine(RUN_A_CONFIG)
    for event in replayed:
        engine.apply(event)
    assert day_counts(engine.snapshot(replayed[-1].at)) == README_COUNTS


def test_a_cut_off_tail_keeps_every_complete_record(tmp_path, caplog):
    whole = tmp_path / "whole"
    write(whole)
    data = whole.read_bytes()
    last_record = len(msgpack.packb([3.0, "queue_log", RECORDS[2].payload]))
    for cut in (1, 2, last_record // 2, last_record - 1):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(data[:-cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert list(RecordingSource(path).raw()) == RECORDS[:2]
        assert [r.getMessage() for r in caplog.records] == [
            f"{path}: the last {last_record - cut} bytes are an incomplete record "
            "(cut short while recording?); ignored"
        ]


def test_corrupt_bytes_stop_the_replay_and_keep_what_came_before(tmp_path, caplog):
    whole = tmp_path / "whole"
    write(whole)
    data = bytearray(whole.read_bytes())
    start_of_last = len(data) - len(msgpack.packb([3.0, "queue_log", RECORDS[2].payload]))
    # 0xc1 is no msgpack at all; 0x05 (for the array's 0x93) leaves four well-formed
    # objects of the wrong shape, skipped one run at a time (docs/RECORDING.md).
    expected = {
        0xC1: ["corrupt data after record 2 (byte 469): "],
        0x05: [
            "record 3 (byte 469): skipped: not a [received_at, kind, payload] array",
            "records 4 to 6: skipped 3 more records of the wrong shape",
        ],
    }
    for byte, messages in expected.items():
        path = tmp_path / f"bad{byte}"
        damaged = start_of_last
        path.write_bytes(bytes(data[:damaged]) + bytes([byte]) + bytes(data[damaged + 1 :]))
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert list(RecordingSource(path).raw()) == RECORDS[:2]
        got = [r.getMessage() for r in caplog.records]
        assert all(m.startswith(f"{path}: {e}") for m, e in zip(got, messages, strict=True))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a wallboard recording"),
        (msgpack.packb({"format": "wallboard-recording"}), "recording format version None"),
        (msgpack.packb({"format": "wallboard-recording", "version": 9}), "version 9; this"),
    ],
)
def test_bad_headers_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "r"
    path.write_bytes(content)
    with pytest.raises(WallboardError, match=message):
        RecordingSource(path)


def test_unknown_kinds_are_skipped_with_one_warning(tmp_path, caplog):
    path = tmp_path / "r"
    write(path, [RawRecord(1.0, "video", "x"), RawRecord(2.0, "video", "y"), RECORDS[2]])  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        events = list(RecordingSource(path).events())
    assert [type(e).__name__ for e in events] == ["CallerJoined"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: skipped records of unknown kind 'video'"
    ]


def test_recorded_wrapup_applies_where_the_viewer_config_is_silent(tmp_path):
    """Wrap-up is a PBX fact the recording carries; the viewer's own settings still win."""
    recorded = EngineConfig(
        queues={"support": QueueSettings(wrapup_s=20), "sales": QueueSettings(wrapup_s=10)}
    )
    path = tmp_path / "shift.wbrec"
    lines = [
        "1732266100|c1|support|NONE|ENTERQUEUE||555|1",
        "1732266103|c1|support|Agent 1|CONNECT|3|c1.1|1",
        "1732266160|c1|support|Agent 1|COMPLETEAGENT|3|57|1",
        "1732266200|c2|sales|NONE|ENTERQUEUE||556|1",
        "1732266202|c2|sales|Agent 2|CONNECT|2|c2.1|1",
        "1732266260|c2|sales|Agent 2|COMPLETECALLER|2|58|1",
    ]
    with RecordingWriter(path, source="queue_log:test", config=recorded) as writer:
        for line in lines:
            writer.write(RawRecord(float(line.split("|")[0]), "queue_log", line))
    viewer = EngineConfig(queues={"sales": QueueSettings(wrapup_s=3)})
    ended = {e.queue: e for e in RecordingSource(path, viewer).events() if isinstance(e, CallEnded)}
    assert ended["support"].wrap_s == 20
    assert ended["sales"].wrap_s == 3


def test_recorded_pbx_facts_and_agents_apply_where_the_viewer_config_is_silent(tmp_path):
    recorded = EngineConfig(
        queues={
            "support": QueueSettings(leavewhenempty=("paused",), caller_timeout_s=(90.0, 30.0)),
            "sales": QueueSettings(leavewhenempty=()),
        },
        agents={"PJSIP/7": AgentSettings("Ann", "A"), "PJSIP/8": AgentSettings("Bo")},
    )
    path = tmp_path / "shift.wbrec"
    with RecordingWriter(path, source="queue_log:test", config=recorded):
        pass
    viewer = EngineConfig(
        queues={"sales": QueueSettings(wrapup_s=3)}, agents={"PJSIP/8": AgentSettings("Bob")}
    )
    config = RecordingSource(path, viewer)._config
    assert config.for_queue("support").leavewhenempty == ("paused",)
    assert config.for_queue("support").caller_timeout_s == (90.0, 30.0)
    assert config.for_queue("sales") == viewer.for_queue("sales")  # the viewer's own
    assert config.agents == {"PJSIP/7": AgentSettings("Ann", "A"), "PJSIP/8": AgentSettings("Bob")}
    assert RecordingSource(path)._config.for_queue("sales").leavewhenempty == ()
