"""The hub wire protocol, without sockets: frames, the versioned hello, limits.

Every frame is one binary websocket message holding a msgpack map with a
`type`. The viewer speaks first (its hello carries the token), and the hub
says nothing at all to a viewer that has not authenticated. After that the hub
only sends `board` frames, each a complete snapshot, so a viewer that falls
behind can be given the latest board instead of a backlog. A supervisor's
token may also acknowledge and silence alarms, each answered by a `result`.
docs/HUB.md is the reference for people writing other viewers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import msgpack

from wallboard import __version__
from wallboard.hub.access import Grant, Role, Scope
from wallboard.hub.board_schema import missing_field
from wallboard.hub.scope import scoped_board
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import SourceStatus

PROTOCOL_VERSION = 1
SERVER_NAME = f"wallboard {__version__}"

# Viewers only ever send a hello, a subscribe or an alarm action: a few hundred bytes.
MAX_VIEWER_MESSAGE = 4096
# A board of several hundred agents is well under 1 MiB; leave ample headroom.
MAX_BOARD_MESSAGE = 32 * 2**20
HELLO_TIMEOUT_S = 5.0
# Transitions owed to a slow viewer are kept up to this many; the active alarms
# are in every snapshot anyway, so only history is lost beyond it.
MAX_PENDING_TRANSITIONS = 256
# A silence asked for over the hub lasts at most a day (source time).
MAX_SILENCE_S = 86400.0

# Close codes (4000-4999 are free for applications, RFC 6455 7.4.2).
CLOSE_BAD_FRAME = 4400
CLOSE_TOKEN_MISSING = 4401
CLOSE_TOKEN_INVALID = 4403
CLOSE_UNKNOWN_SOURCE = 4404
CLOSE_NOT_ALLOWED = 4405  # a frame this token's role may not send
CLOSE_HELLO_TIMEOUT = 4408
CLOSE_BAD_VERSION = 4426
CLOSE_TOO_MANY = 4429  # too many subscribes, or wrong tokens from one address
CLOSE_HUB_FULL = 1013  # "try again later"
# A viewer must not retry after these: retrying cannot succeed.
FATAL_CLOSE_CODES = frozenset(
    {
        CLOSE_BAD_FRAME,
        CLOSE_TOKEN_MISSING,
        CLOSE_TOKEN_INVALID,
        CLOSE_UNKNOWN_SOURCE,
        CLOSE_NOT_ALLOWED,
        CLOSE_BAD_VERSION,
    }
)


class Refusal(Exception):
    """Why the hub closes a viewer's connection: a close code and a reason for the viewer."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class ProtocolError(Exception):
    """A frame from the hub that this viewer cannot understand."""


def encode(frame: dict[str, Any]) -> bytes:
    return msgpack.packb(frame, use_bin_type=True)


def decode(data: bytes | str) -> dict[str, Any]:
    """A frame as a map; text, broken msgpack or a non-map raise ValueError."""
    if not isinstance(data, bytes):
        raise ValueError("text frame; frames are binary msgpack")
    try:
        frame = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except (ValueError, msgpack.UnpackException) as exc:
        raise ValueError(f"not msgpack ({exc})") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ValueError("not a map with a 'type'")
    return frame


# --- viewer side -------------------------------------------------------------


def viewer_hello(token: str, source: str | None = None) -> bytes:
    frame: dict[str, Any] = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}
    if source:
        frame["source"] = source
    return encode(frame)


def subscribe(source: str) -> bytes:
    return encode({"type": "subscribe", "source": source})


ActionKind = Literal["acknowledge", "silence"]
ACTIONS: tuple[ActionKind, ...] = ("acknowledge", "silence")


def alarm_action(
    kind: ActionKind, fingerprint: str, *, duration_s: float | None = None, request: int = 0
) -> bytes:
    """A supervisor's acknowledgement (or silence for `duration_s`) of one alarm."""
    frame: dict[str, Any] = {"type": kind, "fingerprint": fingerprint, "id": request}
    if kind == "silence":
        frame["duration_s"] = duration_s
    return encode(frame)


@dataclass(frozen=True, slots=True)
class HubHello:
    protocol: int
    server: str
    sources: dict[str, str]
    source: str
    # Who the hub took this viewer for (a hub before roles says nothing: a viewer).
    name: str = ""
    role: Role = "viewer"


@dataclass(frozen=True, slots=True)
class HubResult:
    """The hub's answer to an alarm action: done, or why not."""

    request: int
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class HubBoard:
    source: str
    update: BoardUpdate


def parse_hub_frame(data: bytes | str) -> HubHello | HubBoard | HubResult:
    """One frame from the hub; unknown frame types are for newer viewers: ProtocolError."""
    try:
        frame = decode(data)
        if frame["type"] == "hello":
            viewer = frame.get("viewer") or {}
            return HubHello(
                int(frame["protocol"]),
                str(frame["server"]),
                {str(k): str(v) for k, v in frame["sources"].items()},
                str(frame["source"]),
                str(viewer.get("name", "")),
                "supervisor" if viewer.get("role") == "supervisor" else "viewer",
            )
        if frame["type"] == "result":
            return HubResult(int(frame["id"]), bool(frame["ok"]), str(frame["message"]))
        if frame["type"] == "board":
            gap = missing_field(frame["snapshot"])
            if gap is not None:
                raise ProtocolError(
                    f"the hub's board has no {gap}: the hub runs another wallboard version "
                    f"than this viewer ({__version__}); view it with the hub's version, "
                    "or upgrade the hub"
                )
            update = BoardUpdate(
                frame["snapshot"],
                SourceStatus.from_payload(frame["status"]),
                list(frame["transitions"]),
            )
            return HubBoard(str(frame["source"]), update)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProtocolError(f"malformed frame from the hub ({exc})") from exc
    raise ProtocolError(f"unexpected {frame['type']!r} frame from the hub")


# --- hub side ----------------------------------------------------------------


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header, for viewers that can set headers."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def source_from_path(path: str) -> str | None:
    """`/NAME` chooses a source; `/` leaves the choice to the hello (or the first source)."""
    name = path.split("?", 1)[0].strip("/")
    return name or None


def hello_token(data: bytes | str, header_token: str | None) -> tuple[str, dict[str, Any]]:
    """The token a viewer's first frame offers (or its Bearer header's), and the frame.

    Only the token is looked at here: the hub checks it before anything else,
    so an unauthenticated peer learns nothing (not even which sources exist).
    """
    try:
        frame = decode(data)
    except ValueError:
        frame = {}
    token = frame.get("token") if frame.get("type") == "hello" else None
    offered = token if isinstance(token, str) else header_token
    if not offered:
        raise Refusal(CLOSE_TOKEN_MISSING, "token required")
    return offered, frame


def accept_hello(frame: dict[str, Any], *, sources: list[str], path_source: str | None) -> str:
    """The source an authenticated viewer's hello asks for, or `Refusal`.

    `sources` are those its token may see: others are unknown to it.
    """
    if frame.get("type") != "hello":
        raise Refusal(CLOSE_BAD_FRAME, "the first frame must be a msgpack hello")
    version = frame.get("protocol")
    if type(version) is not int or version != PROTOCOL_VERSION:  # not true, not 1.0
        raise Refusal(
            CLOSE_BAD_VERSION,
            f"unsupported protocol {frame.get('protocol')!r}; hub speaks {PROTOCOL_VERSION}",
        )
    if not sources:
        raise Refusal(CLOSE_UNKNOWN_SOURCE, "this token may see no source of this hub")
    return _known_source(frame.get("source") or path_source or sources[0], sources)


SUBSCRIBE_BURST = 5
"""Subscribes a viewer may send at once; each one costs the hub a hello and a whole board."""
SUBSCRIBES_PER_S = 1.0
"""... and then one a second, on average; more closes the connection (4429)."""


class SubscribeLimit:
    """A token bucket per viewer: `SUBSCRIBE_BURST` at once, then `SUBSCRIBES_PER_S`."""

    __slots__ = ("_at", "_tokens")

    def __init__(self, now: float) -> None:
        self._tokens = float(SUBSCRIBE_BURST)
        self._at = now

    def take(self, now: float) -> None:
        """Count one subscribe at `now`; `Refusal` when the viewer is over its allowance."""
        self._tokens = min(SUBSCRIBE_BURST, self._tokens + (now - self._at) * SUBSCRIBES_PER_S)
        self._at = now
        if self._tokens < 1.0:
            raise Refusal(
                CLOSE_TOO_MANY,
                f"too many subscribes: {SUBSCRIBE_BURST} at once, then "
                f"{SUBSCRIBES_PER_S:g} a second",
            )
        self._tokens -= 1.0


@dataclass(frozen=True, slots=True)
class Subscribe:
    source: str


@dataclass(frozen=True, slots=True)
class AlarmAction:
    """An acknowledgement or a silence asked for by a supervisor."""

    kind: ActionKind
    fingerprint: str
    request: int
    duration_s: float | None = None


def accept_viewer_frame(
    data: bytes | str, sources: list[str], grant: Grant
) -> Subscribe | AlarmAction:
    """A frame after the hello: a subscribe, or an action its role allows; else `Refusal`."""
    try:
        frame = decode(data)
    except ValueError as exc:
        raise Refusal(CLOSE_BAD_FRAME, str(exc)) from exc
    kind = frame["type"]
    if kind == "subscribe":
        return Subscribe(_known_source(frame.get("source"), sources))
    if kind not in ACTIONS:
        raise Refusal(
            CLOSE_BAD_FRAME,
            f"viewers may send subscribe, acknowledge or silence, not {kind[:40]!r}",
        )
    if not grant.may_act:
        raise Refusal(CLOSE_NOT_ALLOWED, f"role {grant.role} may not {kind} alarms (read-only)")
    fingerprint, request = frame.get("fingerprint"), frame.get("id", 0)
    if not isinstance(fingerprint, str) or not 0 < len(fingerprint) <= 64:
        raise Refusal(CLOSE_BAD_FRAME, f"{kind} needs the alarm's fingerprint")
    if not isinstance(request, int) or isinstance(request, bool) or not 0 <= request < 2**53:
        raise Refusal(CLOSE_BAD_FRAME, f"{kind}: id must be a whole number")
    if kind == "acknowledge":
        return AlarmAction("acknowledge", fingerprint, request)
    duration = frame.get("duration_s")
    if (
        not isinstance(duration, int | float)
        or isinstance(duration, bool)
        or not math.isfinite(duration)
        or not 0 < duration <= MAX_SILENCE_S
    ):
        raise Refusal(
            CLOSE_BAD_FRAME,
            f"silence needs duration_s, seconds above 0 and up to {MAX_SILENCE_S:g}",
        )
    return AlarmAction("silence", fingerprint, request, float(duration))


def _known_source(name: object, sources: list[str]) -> str:
    if not isinstance(name, str) or name not in sources:
        raise Refusal(CLOSE_UNKNOWN_SOURCE, f"unknown source {str(name)[:60]!r}")
    return name


def hub_hello(sources: dict[str, str], source: str, grant: Grant) -> bytes:
    """`sources` are those the viewer's token may see; `viewer` tells it who it is to the hub."""
    return encode(
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "server": SERVER_NAME,
            "sources": sources,
            "source": source,
            "viewer": {"name": grant.name, "role": grant.role, "scope": grant.scope.to_payload()},
        }
    )


def result(request: int, ok: bool, message: str) -> bytes:
    return encode({"type": "result", "id": request, "ok": ok, "message": message})


class BoardFrame:
    """One board frame for one source, encoded once per scope and shared by every viewer
    with that scope (the whole board, for all-seeing tokens, is one encoding for all)."""

    __slots__ = ("_encoded", "dropped", "source", "update")

    def __init__(self, source: str, update: BoardUpdate, dropped: int = 0) -> None:
        self.source = source
        self.update = update
        self.dropped = dropped
        self._encoded: dict[Scope | None, bytes] = {}

    def encoded(self, scope: Scope | None = None) -> bytes:
        """The frame as a viewer with `scope` may receive it (None or a whole-source scope: all)."""
        if scope is not None and scope.whole_source:
            scope = None
        data = self._encoded.get(scope)
        if data is None:
            snapshot, transitions = self.update.snapshot, self.update.transitions
            if scope is not None:
                snapshot, transitions = scoped_board(snapshot, transitions, scope)
            data = self._encoded[scope] = encode(
                {
                    "type": "board",
                    "source": self.source,
                    "snapshot": snapshot,
                    "status": self.update.status.to_payload(),
                    "transitions": transitions,
                    "dropped_transitions": self.dropped,
                }
            )
        return data

    def without_transitions(self) -> BoardFrame:
        """The board for a viewer who arrives now: past transitions are not theirs."""
        if not self.update.transitions:
            return self
        return BoardFrame(self.source, BoardUpdate(self.update.snapshot, self.update.status))

    def following(self, older: BoardFrame) -> BoardFrame:
        """This board replacing an unsent older one: latest snapshot, transitions kept (capped)."""
        if not older.update.transitions and not older.dropped:
            return self
        transitions = older.update.transitions + self.update.transitions
        dropped = older.dropped + self.dropped + max(0, len(transitions) - MAX_PENDING_TRANSITIONS)
        update = BoardUpdate(
            self.update.snapshot, self.update.status, transitions[-MAX_PENDING_TRANSITIONS:]
        )
        return BoardFrame(self.source, update, dropped)
