"""The hub: one collector per PBX, any number of read-only viewers over websockets.

This is the thin shell around `protocol` (what is said) and `fanout` (who gets
which board). Each viewer has its own sender task and a one-board slot, and the
kernel and transport buffers of its socket are capped, so a stalled viewer holds
a bounded amount of memory and never delays anyone else.
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

from wallboard.errors import WallboardError
from wallboard.hub.fanout import Channel, LatestSlot
from wallboard.hub.protocol import (
    CLOSE_HELLO_TIMEOUT,
    CLOSE_HUB_FULL,
    HELLO_TIMEOUT_S,
    MAX_VIEWER_MESSAGE,
    Refusal,
    SubscribeLimit,
    accept_hello,
    accept_subscribe,
    bearer_token,
    hub_hello,
    source_from_path,
)
from wallboard.runtime.feed import BoardFeed

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
    """Serves several named feeds to viewers that authenticate with a shared token."""

    def __init__(
        self,
        feeds: Mapping[str, BoardFeed],
        token: str,
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
        self._token = token
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

    @property
    def names(self) -> dict[str, str]:
        """What viewers are told of the sources: their names, nothing of where they are."""
        return {name: name for name in self.channels}

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
            name = await self._authenticate(connection)
            if len(self.viewers) >= self._max_viewers:
                raise Refusal(CLOSE_HUB_FULL, f"hub full ({self._max_viewers} viewers)")
        except Refusal as refusal:
            log.warning("viewer %s refused: %s (%s)", peer, refusal.reason, refusal.code)
            await connection.close(refusal.code, refusal.reason)
            return
        except ConnectionClosed as exc:
            _log_early_close(peer, exc)
            return
        _cap_kernel_buffer(connection)
        viewer = Viewer(connection, self.channels[name])
        self.viewers.add(viewer)
        log.info("viewer %s connected to %s (%d viewers)", peer, name, len(self.viewers))
        sender = asyncio.create_task(self._send_boards(viewer))
        try:
            await connection.send(hub_hello(self.names, name))
            viewer.channel.join(viewer.slot)
            await self._read_subscriptions(viewer)
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

    async def _authenticate(self, connection: ServerConnection) -> str:
        assert connection.request is not None  # handlers only run after the handshake
        try:
            first = await asyncio.wait_for(connection.recv(), HELLO_TIMEOUT_S)
        except TimeoutError as exc:
            raise Refusal(CLOSE_HELLO_TIMEOUT, f"no hello within {HELLO_TIMEOUT_S:g} s") from exc
        return accept_hello(
            first,
            expected_token=self._token,
            header_token=bearer_token(connection.request.headers.get("Authorization")),
            sources=list(self.channels),
            path_source=source_from_path(connection.request.path),
        )

    async def _read_subscriptions(self, viewer: Viewer) -> None:
        """Viewers are read-only: a subscribe switches source; any other frame ends the session."""
        limit = SubscribeLimit(time.monotonic())
        async for message in viewer.connection:
            name = accept_subscribe(message, list(self.channels))
            limit.take(time.monotonic())
            viewer.channel.leave(viewer.slot)
            viewer.slot.replace(None)
            viewer.channel = self.channels[name]
            await self._send(viewer, hub_hello(self.names, name))
            viewer.channel.join(viewer.slot)

    async def _send_boards(self, viewer: Viewer) -> None:
        # `send` waits while the socket is over its buffer limits: only this
        # viewer waits, and its slot keeps just the latest board meanwhile.
        while True:
            board = await viewer.slot.take()
            await self._send(viewer, board.encoded())
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
