"""The hub: one collector per PBX, any number of viewers over websockets.

This is the thin shell around `protocol` (what is said), `access` (who may see
and do what), `scope` (what of a board each may see) and `fanout` (who gets
which board). Each viewer has its own sender task and a one-board slot, and the
kernel and transport buffers of its socket are capped, so a stalled viewer holds
a bounded amount of memory and never delays anyone else. Viewers only read,
except supervisors, whose acknowledgements and silences go to the alarm
stepper of their source's feed and from there to every viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from wallboard.engine.snapshot import ActiveAlarm
from wallboard.errors import WallboardError
from wallboard.hub.access import Access, Grant, TooManyFailures
from wallboard.hub.fanout import Channel, LatestSlot
from wallboard.hub.protocol import (
    CLOSE_HELLO_TIMEOUT,
    CLOSE_HUB_FULL,
    CLOSE_TOKEN_INVALID,
    CLOSE_TOO_MANY,
    HELLO_TIMEOUT_S,
    MAX_VIEWER_MESSAGE,
    AlarmAction,
    Refusal,
    SubscribeLimit,
    accept_hello,
    accept_viewer_frame,
    bearer_token,
    hello_token,
    hub_hello,
    result,
    source_from_path,
)
from wallboard.hub.scope import scoped_board
from wallboard.runtime.feed import AlarmDesk, BoardFeed

log = logging.getLogger(__name__)

# Per-viewer output buffering: the transport's high-water mark plus the kernel
# send buffer. Together they bound what a stalled viewer can pin in memory.
WRITE_LIMIT = 64 * 1024
KERNEL_SEND_BUFFER = 64 * 1024
STALL_TIMEOUT_S = 30.0
"""A viewer whose socket takes nothing for this long is closed, and its slot freed."""
PING_INTERVAL_S = 20.0
"""Websocket pings this often; a viewer that answers none within as long again is closed."""
CLOSE_TIMEOUT_S = 5.0
"""How long a closing handshake may take before the socket is dropped."""


@dataclass(eq=False, slots=True)
class Viewer:
    """One authenticated connection, as the hub tracks it."""

    connection: ServerConnection
    channel: Channel
    grant: Grant
    slot: LatestSlot = field(default_factory=LatestSlot)
    sent: int = 0


def tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise WallboardError(
            f"cannot load TLS certificate {certfile} / key {keyfile}: {exc}"
        ) from exc
    return context


class Hub:
    """Serves several named feeds to viewers, each seeing what its token's scope allows.

    `access` is the hub's tokens (a plain string: the one shared token of old).
    """

    def __init__(
        self,
        feeds: Mapping[str, BoardFeed],
        access: Access | str,
        *,
        rate_hz: float = 4.0,
        max_viewers: int = 500,
        allowed_origins: Sequence[str] = (),
        ssl_context: ssl.SSLContext | None = None,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        ping_interval_s: float = PING_INTERVAL_S,
    ) -> None:
        if not feeds:
            raise WallboardError("the hub needs at least one source")
        self._feeds = dict(feeds)
        self.access = Access.shared(access) if isinstance(access, str) else access
        self._max_viewers = max_viewers
        # Browsers always send Origin; tools never do. Without --allow-origin
        # only tools may connect.
        self._origins: list[Origin | None] = [*map(Origin, allowed_origins), None]
        self._ssl = ssl_context
        self._stall_s = stall_timeout_s
        self._ping_s = ping_interval_s
        self.channels = {name: Channel(name, feed.label, rate_hz) for name, feed in feeds.items()}
        self.viewers: set[Viewer] = set()
        self._server: Server | None = None
        self._pumps: list[asyncio.Task[None]] = []

    @property
    def labels(self) -> dict[str, str]:
        """Each source's label (a path, an AMI user and host): for the hub's own output."""
        return {name: channel.label for name, channel in self.channels.items()}

    def sources_for(self, grant: Grant) -> dict[str, str]:
        """What a token is told of the sources it may see: their names, nothing of where they
        are (name -> name); the others do not exist for it."""
        return {name: name for name in self.channels if grant.scope.sees_source(name)}

    async def allows(self, token: str, source: str | None) -> bool:
        """Whether `token` is one of this hub's and sees `source` (None: any source it sees)."""
        grant = await self.access.authenticate(token)
        if grant is None:
            return False
        sources = self.sources_for(grant)
        return bool(sources) and (source is None or source in sources)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Start the feeds and listen; returns the address actually bound (port 0 picks one)."""
        try:
            self._server = await serve(
                self._serve_viewer,
                host,
                port,
                ssl=self._ssl,
                origins=self._origins,
                compression=None,  # deflate would cost CPU per viewer for every board
                max_size=MAX_VIEWER_MESSAGE,
                max_queue=4,
                write_limit=WRITE_LIMIT,
                ping_interval=self._ping_s,
                ping_timeout=self._ping_s,
                close_timeout=min(CLOSE_TIMEOUT_S, self._ping_s),
                server_header=None,
            )
        except OSError as exc:
            raise WallboardError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
        self._pumps = [
            asyncio.create_task(self._pump(self.channels[name], feed), name=f"hub-feed-{name}")
            for name, feed in self._feeds.items()
        ]
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        """Close every viewer with 1001 (going away): viewers reconnect to the next hub."""
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_feeds(self) -> None:
        """Return when every feed has ended (file sources), raising a feed's failure."""
        await asyncio.gather(*self._pumps)

    async def _pump(self, channel: Channel, feed: BoardFeed) -> None:
        try:
            async for update in feed.updates():
                channel.offer(update)
        finally:
            # A finished file feed leaves its final state on display.
            channel.flush()

    async def _serve_viewer(self, connection: ServerConnection) -> None:
        peer = _peer(connection)
        try:
            grant, name = await self._authenticate(connection)
            if len(self.viewers) >= self._max_viewers:
                raise Refusal(CLOSE_HUB_FULL, f"hub full ({self._max_viewers} viewers)")
        except TooManyFailures as throttled:
            # Logged once when the address reached the limit, not at every attempt.
            await connection.close(CLOSE_TOO_MANY, str(throttled))
            return
        except Refusal as refusal:
            log.warning("viewer %s refused: %s (%s)", peer, refusal.reason, refusal.code)
            await connection.close(refusal.code, refusal.reason)
            return
        except ConnectionClosed as exc:
            _log_early_close(peer, exc)
            return
        _cap_kernel_buffer(connection)
        viewer = Viewer(connection, self.channels[name], grant)
        self.viewers.add(viewer)
        log.info(
            "viewer %s (%s, %s) connected to %s (%d viewers)",
            peer,
            grant.name,
            grant.role,
            name,
            len(self.viewers),
        )
        sender = asyncio.create_task(self._send_boards(viewer))
        try:
            await connection.send(hub_hello(self.sources_for(grant), name, grant))
            viewer.channel.join(viewer.slot)
            await self._read_frames(viewer)
        except Refusal as refusal:
            log.warning("viewer %s dropped: %s", peer, refusal.reason)
            await connection.close(refusal.code, refusal.reason)
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await sender
            viewer.channel.leave(viewer.slot)
            self.viewers.discard(viewer)
            log.info("viewer %s left (%d viewers)", peer, len(self.viewers))

    async def _authenticate(self, connection: ServerConnection) -> tuple[Grant, str]:
        """The viewer's grant and source; the token is checked before anything else."""
        assert connection.request is not None  # handlers only run after the handshake
        try:
            first = await asyncio.wait_for(connection.recv(), HELLO_TIMEOUT_S)
        except TimeoutError as exc:
            raise Refusal(CLOSE_HELLO_TIMEOUT, f"no hello within {HELLO_TIMEOUT_S:g} s") from exc
        token, frame = hello_token(
            first, bearer_token(connection.request.headers.get("Authorization"))
        )
        address = connection.remote_address
        grant = await self.access.authenticate(token, str(address[0]) if address else "?")
        if grant is None:
            raise Refusal(CLOSE_TOKEN_INVALID, "invalid token")
        name = accept_hello(
            frame,
            sources=list(self.sources_for(grant)),
            path_source=source_from_path(connection.request.path),
        )
        return grant, name

    async def _read_frames(self, viewer: Viewer) -> None:
        """A subscribe switches source; a supervisor's action is done and answered; any other
        frame (or an action from a viewer's token) ends the session."""
        limit = SubscribeLimit(time.monotonic())
        async for message in viewer.connection:
            sources = self.sources_for(viewer.grant)
            frame = accept_viewer_frame(message, list(sources), viewer.grant)
            if isinstance(frame, AlarmAction):
                ok, text = self.act(viewer.grant, viewer.channel.name, frame)
                await self._send(viewer, result(frame.request, ok, text))
                continue
            limit.take(time.monotonic())
            viewer.channel.leave(viewer.slot)
            viewer.slot.replace(None)
            viewer.channel = self.channels[frame.source]
            await self._send(viewer, hub_hello(sources, frame.source, viewer.grant))
            viewer.channel.join(viewer.slot)

    def act(self, grant: Grant, source: str, action: AlarmAction) -> tuple[bool, str]:
        """Acknowledge or silence an alarm of `source` that `grant` sees, as `grant.name`.

        The transition it makes goes out at once to every viewer of the source
        (and so to `wallboard alerts ws://...`), and the alarm's row carries who and when.
        """
        channel = self.channels[source]
        desk: AlarmDesk | None = getattr(self._feeds[source], "alarms", None)
        board = channel.newest
        alarms: list[ActiveAlarm] = []
        if board is not None:
            snapshot = board.update.snapshot
            if not grant.scope.whole_source:
                snapshot, _ = scoped_board(snapshot, (), grant.scope)
            alarms = snapshot.get("alarms", [])
        alarm = next((a for a in alarms if a.get("fingerprint") == action.fingerprint), None)
        if desk is None or alarm is None:
            return False, f"no alarm {action.fingerprint[:16]} of yours is firing on {source}"
        what = f"{alarm['rule']} ({alarm['queue']})"
        try:
            if action.duration_s is None:
                transition = desk.acknowledge(action.fingerprint, grant.name)
                text = f"acknowledged {what}"
            else:
                transition = desk.silence(action.fingerprint, action.duration_s, grant.name)
                text = f"silenced {what} for {action.duration_s / 60:g} min"
        except (KeyError, ValueError):
            return False, f"{what} is no longer firing"
        log.info("%s by %s in %s: %s", action.kind, grant.name, source, action.fingerprint)
        channel.announce([transition], desk.active())
        return True, text

    async def _send_boards(self, viewer: Viewer) -> None:
        # `send` waits while the socket is over its buffer limits: only this
        # viewer waits, and its slot keeps just the latest board meanwhile.
        while True:
            board = await viewer.slot.take()
            await self._send(viewer, board.encoded(viewer.grant.scope))
            viewer.sent += 1

    async def _send(self, viewer: Viewer, frame: bytes) -> None:
        """Send, or close a viewer that has taken nothing for `stall_timeout_s`.

        A stopped reader fills its buffers, and then the websocket pings queue
        behind the boards, so the pings alone would never find it out.
        """
        try:
            async with asyncio.timeout(self._stall_s):
                await viewer.connection.send(frame)
        except TimeoutError:
            log.warning(
                "viewer %s stalled: it took nothing for %g s; closed",
                _peer(viewer.connection),
                self._stall_s,
            )
            viewer.connection.transport.abort()
            raise ConnectionClosed(None, None) from None


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"


def _cap_kernel_buffer(connection: ServerConnection) -> None:
    sock = connection.transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_SEND_BUFFER)


def _log_early_close(peer: str, exc: ConnectionClosed) -> None:
    if exc.sent is not None and exc.sent.code == 1009:
        log.warning("viewer %s refused: frame larger than %d bytes", peer, MAX_VIEWER_MESSAGE)
    else:
        log.info("viewer %s left before its hello", peer)
