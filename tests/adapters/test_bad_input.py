"""Hostile and broken input at the adapters (issue 12): each fault one warning, the rest kept."""

from __future__ import annotations

import logging

from wallboard.adapters.ami import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.adapters.queue_log import QueueLogSource
from wallboard.engine.settings import EngineConfig
from wallboard.events import CallerJoined

T0 = 1_795_381_986.0  # 2026-11-22 21:13:06 UTC
MONTH = 30 * 86_400.0


def ami(received_at: float, *pairs: tuple[str, str]) -> RawRecord:
    return RawRecord(received_at, "ami", [list(pair) for pair in pairs])


def ami_join(uid: str, received_at: float, stamp: float) -> RawRecord:
    return ami(
        received_at,
        ("Event", "QueueCallerJoin"),
        ("Timestamp", f"{stamp:.6f}"),
        ("Queue", "sales"),
        ("Uniqueid", uid),
    )


# --- item 1: a far-future timestamp ---------------------------------------------


def test_a_queue_log_line_a_month_ahead_is_skipped_and_the_shift_goes_on(tmp_path, caplog):
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0:.0f}|a|q|NONE|ENTERQUEUE||1|1\n"
        f"{T0 + MONTH:.0f}|b|q|NONE|ENTERQUEUE||2|1\n"
        f"{T0 + 2:.0f}|c|q|NONE|ENTERQUEUE||3|1\n"
        f"{T0 + 14 * 3600:.0f}|d|q|NONE|ENTERQUEUE||4|1\n"  # the morning after: real
        f"{T0 + 14 * 3600 + 3:.0f}|e|q|NONE|ENTERQUEUE||5|1\n"
    )
    with caplog.at_level(logging.WARNING):
        events = list(QueueLogSource(path).events())
    assert [(e.call_id, e.at - T0) for e in events] == [
        ("a", 0.0),
        ("c", 2.0),
        ("d", 14 * 3600.0),
        ("e", 14 * 3600.0 + 3),
    ]
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"{path}:3: skipped 1 line 1 line back: timestamp 2026-12-22")


def test_an_ami_timestamp_a_month_ahead_moves_neither_the_clock_nor_resync_answers():
    mapper = AmiMapper(EngineConfig())
    out = mapper.feed(ami_join("1.1", T0, T0))
    out += mapper.feed(ami_join("1.2", T0 + 1, T0 + MONTH))
    # A resync answer has no time of its own: it takes the offset of the last believed one.
    entry = ami(
        T0 + 2, ("Event", "QueueEntry"), ("Queue", "sales"), ("Uniqueid", "1.3"), ("Wait", "0")
    )
    out += mapper.feed(entry)
    out += mapper.feed(ami_join("1.4", T0 + 3, T0 + 3))
    out += mapper.feed(ami(T0 + 3, ("Event", "QueueStatusComplete"), ("ListItems", "1")))
    joined = [(e.call_id, e.at - T0) for e in out if isinstance(e, CallerJoined)]
    assert joined == [("1.1", 0.0), ("1.4", 3.0), ("1.3", 2.0)]
    (warning,) = mapper.take_warnings()
    assert "skipped 1 record 2 records back" in warning
