"""Viewing a hub: a `BoardFeed` over websockets that rides out hub restarts.

While the hub is away the feed keeps showing the last board it had, with a
"disconnected" then "connecting" status, and reconnects with jittered
exponential backoff, so fifty viewers do not all knock at the same instant
when the hub comes back. Refusals that retrying cannot fix (bad token, unknown
source, protocol mismatch) end the feed with a one-line error instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from wallboard.engine import Engine
from wallboard.engine.settings import EngineConfig
from wallboard.engine.snapshot import Snapshot
from wallboard.errors import WallboardError
from wallboard.hub.protocol import (
    FATAL_CLOSE_CODES,
    MAX_BOARD_MESSAGE,
    PROTOCOL_VERSION,
    HubBoard,
    HubHello,
    HubResult,
    ProtocolError,
    parse_hub_frame,
    viewer_hello,
)
from wallboard.runtime.feed import BoardUpdate
from wallboard.status import ConnectionState, SourceStatus

log = logging.getLogger(__name__)


class HubRefused(WallboardError):
    """The hub turned this viewer away for a reason retrying cannot fix."""


class _Lost(Exception):
    """The connection to the hub ended in a way worth retrying."""


class HubFeed:
    """Boards from a hub at `url` (`ws[s]://HOST:PORT[/SOURCE]`), reconnecting as needed."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        cafile: str | None = None,
        min_backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        open_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self.label = url
        self.hello: HubHello | None = None
        self._token = token
        self._ssl = _client_tls(url, cafile)
        self._min_backoff = min_backoff_s
        self._max_backoff = max_backoff_s
        self._open_timeout = open_timeout_s

    async def updates(self) -> AsyncIterator[BoardUpdate]:
        last: BoardUpdate | None = None
        delay = self._min_backoff
        while True:
            try:
                async for update in self._session():
                    last, delay = update, self._min_backoff
                    yield update
                reason = "the hub closed the connection"
            except _Lost as exc:
                reason = str(exc)
            log.warning("%s: %s; reconnecting", self.url, reason)
            yield self._status(last, "disconnected", f"hub lost: {reason}")
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, self._max_backoff)
            yield self._status(last, "connecting", f"reconnecting to {self.url}")

    async def _session(self) -> AsyncGenerator[BoardUpdate]:
        try:
            async with self._connect() as connection:
                await connection.send(viewer_hello(self._token))
                async for message in connection:
                    frame = self._frame(message)
                    if isinstance(frame, HubBoard):
                        yield frame.update
        except ConnectionClosed as exc:
            _raise_for_close(self.url, exc)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403, 404):
                raise HubRefused(
                    f"{self.url}: the hub refused the connection (HTTP {status})"
                ) from exc
            raise _Lost(f"HTTP {status}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise HubRefused(
                f"{self.url}: the hub's certificate is not trusted ({exc.verify_message});"
                " pass --cafile with its CA"
            ) from exc
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise _Lost(str(exc) or type(exc).__name__) from exc

    def _connect(self) -> connect:
        return connect(
            self.url,
            ssl=self._ssl,
            compression=None,
            max_size=MAX_BOARD_MESSAGE,
            open_timeout=self._open_timeout,
            user_agent_header=None,
        )

    def _frame(self, message: bytes | str) -> HubHello | HubBoard | HubResult:
        try:
            frame = parse_hub_frame(message)
        except ProtocolError as exc:
            raise HubRefused(f"{self.url}: {exc}") from exc
        if isinstance(frame, HubHello):
            if frame.protocol != PROTOCOL_VERSION:
                raise HubRefused(
                    f"{self.url}: hub protocol {frame.protocol}, this viewer's {PROTOCOL_VERSION}"
                )
            self.hello = frame
            self.label = f"{frame.sources.get(frame.source, frame.source)} via {self.url}"
        return frame

    def _status(self, last: BoardUpdate | None, state: ConnectionState, detail: str) -> BoardUpdate:
        snapshot = last.snapshot if last else _empty_board(self.label)
        return BoardUpdate(snapshot, SourceStatus(time.time(), state, detail))


async def fetch_update(
    url: str, token: str, *, cafile: str | None = None, timeout_s: float = 10.0
) -> BoardUpdate:
    """The hub's current board for one source: one connection, no retry (for `metrics`)."""
    feed = HubFeed(url, token, cafile=cafile, open_timeout_s=timeout_s)
    try:
        async with asyncio.timeout(timeout_s), contextlib.aclosing(feed._session()) as boards:
            async for update in boards:
                return update
    except _Lost as exc:
        raise WallboardError(f"{url}: cannot reach the hub ({exc})") from exc
    except TimeoutError as exc:
        raise WallboardError(f"{url}: no board from the hub within {timeout_s:g} s") from exc
    raise WallboardError(f"{url}: the hub closed the connection before sending a board")


def fetch_snapshot(
    url: str, token: str, *, cafile: str | None = None, timeout_s: float = 10.0
) -> BoardUpdate:
    """`fetch_update` for code outside an event loop: the board and its source's state."""
    return asyncio.run(fetch_update(url, token, cafile=cafile, timeout_s=timeout_s))


def _raise_for_close(url: str, exc: ConnectionClosed) -> None:
    code, reason = (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (1006, "connection dropped")
    if code in FATAL_CLOSE_CODES:
        raise HubRefused(f"{url}: the hub refused this viewer: {reason} ({code})") from exc
    raise _Lost(f"closed {code} {reason}".rstrip()) from exc


def _client_tls(url: str, cafile: str | None) -> ssl.SSLContext | None:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise WallboardError(
            f"{url}: a hub address looks like ws://HOST:PORT[/SOURCE] or wss://..."
        )
    if parts.scheme == "ws":
        if cafile:
            raise WallboardError(f"{url}: --cafile needs a wss:// address")
        if not _is_loopback(parts.hostname):
            log.warning("%s: the hub token travels unencrypted; prefer wss://", url)
        return None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise WallboardError(f"cannot load CA file {cafile}: {exc}") from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _empty_board(label: str) -> Snapshot:
    """What a viewer shows before the hub has sent anything: an empty floor."""
    snapshot = Engine(EngineConfig()).snapshot(time.time())
    snapshot["source"] = label
    snapshot["alarms"] = []
    return snapshot
