"""The wire protocol without sockets: hello acceptance, frames, coalescing."""

from __future__ import annotations

import msgpack
import pytest

from tests.hub.conftest import board
from wallboard.hub import protocol
from wallboard.hub.access import Grant, Scope
from wallboard.hub.protocol import (
    AlarmAction,
    BoardFrame,
    HubBoard,
    HubHello,
    HubResult,
    ProtocolError,
    Refusal,
    Subscribe,
)

SOURCES = ["east", "west"]
VIEWER = Grant("wall-east", "viewer", Scope(queues=("sales",)))
SUPERVISOR = Grant("alice", "supervisor")


def accept(
    frame: object, *, header: str | None = None, path: str | None = None, sources=SOURCES
) -> str:
    """The hub's hello steps, with "secret" as the one token it takes."""
    data = frame if isinstance(frame, bytes | str) else msgpack.packb(frame)
    token, parsed = protocol.hello_token(data, header)
    if token != "secret":
        raise Refusal(protocol.CLOSE_TOKEN_INVALID, "invalid token")
    return protocol.accept_hello(parsed, sources=sources, path_source=path)


def refusal(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(Refusal) as refused:
        call(*args, **kwargs)
    return refused.value.code, refused.value.reason


def hello(**fields) -> dict:
    return {"type": "hello", "protocol": protocol.PROTOCOL_VERSION, **fields}


def test_source_is_chosen_by_hello_then_path_then_first():
    assert accept(hello(token="secret")) == "east"
    assert accept(hello(token="secret"), path="west") == "west"
    assert accept(hello(token="secret", source="west"), path="east") == "west"


def test_token_is_checked_before_anything_else_is_revealed():
    assert refusal(accept, b"\xc1garbage") == (protocol.CLOSE_TOKEN_MISSING, "token required")
    assert refusal(accept, {"type": "subscribe", "token": "secret"})[0] == (
        protocol.CLOSE_TOKEN_MISSING
    )
    assert refusal(accept, hello(token="nope", source="mars")) == (
        protocol.CLOSE_TOKEN_INVALID,
        "invalid token",
    )
    assert refusal(accept, hello(token=7))[0] == protocol.CLOSE_TOKEN_MISSING


def test_header_token_serves_when_the_hello_has_none():
    assert accept(hello(), header="secret") == "east"
    assert refusal(accept, hello(), header="nope")[0] == protocol.CLOSE_TOKEN_INVALID
    assert protocol.bearer_token("Bearer abc ") == "abc"
    assert protocol.bearer_token("Basic abc") is None


def test_after_the_token_version_and_source_must_be_right():
    assert refusal(accept, hello(token="secret", protocol=2))[0] == protocol.CLOSE_BAD_VERSION
    assert refusal(accept, hello(token="secret", source="mars")) == (
        protocol.CLOSE_UNKNOWN_SOURCE,
        "unknown source 'mars'",
    )


def test_a_token_that_sees_no_source_of_this_hub_is_told_so():
    assert refusal(accept, hello(token="secret"), sources=[]) == (
        protocol.CLOSE_UNKNOWN_SOURCE,
        "this token may see no source of this hub",
    )


def frame_after_hello(data: object, grant: Grant = VIEWER):
    data = data if isinstance(data, bytes | str) else msgpack.packb(data)
    return protocol.accept_viewer_frame(data, SOURCES, grant)


def test_after_the_hello_a_viewer_may_only_subscribe():
    assert frame_after_hello(protocol.subscribe("west")) == Subscribe("west")
    assert refusal(frame_after_hello, "text")[0] == protocol.CLOSE_BAD_FRAME
    assert refusal(frame_after_hello, {"type": "set", "queue": "x"}) == (
        protocol.CLOSE_BAD_FRAME,
        "viewers may send subscribe, acknowledge or silence, not 'set'",
    )
    assert refusal(frame_after_hello, protocol.subscribe("mars"))[0] == (
        protocol.CLOSE_UNKNOWN_SOURCE
    )
    for kind in ("acknowledge", "silence"):
        action = protocol.alarm_action(kind, "0123abcd", duration_s=60.0)
        assert refusal(frame_after_hello, action) == (
            protocol.CLOSE_NOT_ALLOWED,
            f"role viewer may not {kind} alarms (read-only)",
        )
    assert protocol.CLOSE_NOT_ALLOWED in protocol.FATAL_CLOSE_CODES


def test_a_supervisor_may_acknowledge_and_silence_with_well_formed_frames():
    ack = protocol.alarm_action("acknowledge", "0123abcd", request=7)
    assert frame_after_hello(ack, SUPERVISOR) == AlarmAction("acknowledge", "0123abcd", 7)
    silence = protocol.alarm_action("silence", "0123abcd", duration_s=1800, request=8)
    assert frame_after_hello(silence, SUPERVISOR) == AlarmAction("silence", "0123abcd", 8, 1800.0)
    bad = (
        {"type": "acknowledge"},
        {"type": "acknowledge", "fingerprint": "x" * 65},
        {"type": "acknowledge", "fingerprint": "ab", "id": -1},
        {"type": "acknowledge", "fingerprint": "ab", "id": True},
        {"type": "silence", "fingerprint": "ab"},
        {"type": "silence", "fingerprint": "ab", "duration_s": 0},
        {"type": "silence", "fingerprint": "ab", "duration_s": float("nan")},
        {"type": "silence", "fingerprint": "ab", "duration_s": 86401},
        {"type": "silence", "fingerprint": "ab", "duration_s": "1h"},
    )
    for frame in bad:
        assert refusal(frame_after_hello, frame, SUPERVISOR)[0] == protocol.CLOSE_BAD_FRAME, frame


def test_source_from_path():
    assert protocol.source_from_path("/") is None
    assert protocol.source_from_path("/east?x=1") == "east"


def test_hub_frames_round_trip():
    hello_frame = protocol.parse_hub_frame(
        protocol.hub_hello({"east": "ami://pbx1"}, "east", SUPERVISOR)
    )
    assert hello_frame == HubHello(
        protocol.PROTOCOL_VERSION,
        protocol.SERVER_NAME,
        {"east": "ami://pbx1"},
        "east",
        "alice",
        "supervisor",
    )
    assert protocol.parse_hub_frame(protocol.result(3, False, "no")) == HubResult(3, False, "no")
    update = board(4, transitions=[{"rule": "r"}])
    parsed = protocol.parse_hub_frame(BoardFrame("east", update).encoded())
    assert parsed == HubBoard("east", update)


@pytest.mark.parametrize(
    "data", [b"\xc1", msgpack.packb({"type": "board"}), msgpack.packb({"type": "shout"}), "hi"]
)
def test_malformed_hub_frames_raise_protocol_error(data):
    with pytest.raises(ProtocolError):
        protocol.parse_hub_frame(data)


def test_coalesced_board_keeps_the_latest_snapshot_and_every_transition():
    older = BoardFrame("east", board(1, transitions=[{"n": 1}]))
    newer = BoardFrame("east", board(2, transitions=[{"n": 2}]))
    merged = newer.following(older)
    assert merged.update.snapshot["seq"] == 2
    assert merged.update.transitions == [{"n": 1}, {"n": 2}]
    plain = BoardFrame("east", board(3))
    assert plain.following(BoardFrame("east", board(2))) is plain


def test_transitions_owed_to_a_stalled_viewer_are_capped_and_counted():
    cap = protocol.MAX_PENDING_TRANSITIONS
    pending = BoardFrame("east", board(0, transitions=[{"n": 0}]))
    for n in range(1, cap + 10):
        pending = BoardFrame("east", board(n, transitions=[{"n": n}])).following(pending)
    assert len(pending.update.transitions) == cap
    assert pending.update.transitions[-1] == {"n": cap + 9}
    assert pending.dropped == 10
    assert msgpack.unpackb(pending.encoded())["dropped_transitions"] == 10
