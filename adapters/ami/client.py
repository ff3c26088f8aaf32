"""The live AMI source: pyst2's threads bridged into asyncio.

pyst2 0.5.1 reads the socket in its own threads and blocks the caller of
every action until the answer comes. Its Python-2 leftovers are worked around
in a subclass, never by patching the library (another pyst2 user in the same
process keeps the library as it is):

- `ManagerMsg.parse` calls `dict.has_key` on `ChanVariable` headers, which
  kills the message thread; and its dict keeps only the last of a repeated
  header. Raw messages are therefore taken before pyst2 parses them and split
  into wire-order pairs here (`_WireMessage`).
- `QueueStatus` answers ("... will follow") come folded into one response;
  they are unfolded into their list items, which travel with the events, in
  wire order.
- The socket file is unbuffered (one system call per byte) and has no
  time-outs; `connect` is replaced by a buffered one with a time-out, and a
  dead or silent peer is found with `Ping`.

The reader threads never wait for the asyncio side: records are handed over
with `call_soon_threadsafe` into a bounded backlog; when the consumer falls
that far behind, records are dropped (counted) and a resync is asked for as
soon as the backlog has drained, so the board comes back right instead of
Asterisk dropping a slow client.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue as thread_queue
import random
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

from asterisk.manager import (
    Event as PystEvent,
)
from asterisk.manager import (
    Manager,
    ManagerAuthException,
    ManagerException,
    ManagerMsg,
    ManagerSocketException,
)

from wallboard.adapters.ami.framing import Pairs, split_blocks
from wallboard.adapters.ami.mapper import AmiMapper
from wallboard.adapters.base import RawRecord
from wallboard.engine.settings import EngineConfig
from wallboard.errors import WallboardError
from wallboard.events import Event
from wallboard.status import ConnectionState, SourceStatus

log = logging.getLogger(__name__)

ALLOWED_ACTIONS = frozenset({"Login", "Logoff", "Ping", "Events", "QueueStatus", "QueueSummary"})
"""Every action the wallboard may send: none of them changes Asterisk's state."""
TICK_S = 1.0
"""A quiet second gets a `tick` record: the mapper's decisions that wait on source time
(an exit's kind) are released though the PBX says nothing, and a recording keeps it."""

DEFAULT_PORT = 5038
MAX_LINE_BYTES = 64 * 1024
"""The longest AMI line read (Asterisk's are well under 1 KiB; a long variable, a few KiB)."""
MAX_BLOCK_BYTES = 2**20
"""The longest block (one event or answer) read; past either limit the connection is dropped."""
T = TypeVar("T")


class ForbiddenAction(ManagerException):
    """An action outside `ALLOWED_ACTIONS` was about to be sent."""


class _WireMessage(ManagerMsg):
    """A pyst2 message built from pairs parsed here, keeping the pairs for the mapper."""

    def __init__(self, pairs: Pairs) -> None:
        self.pairs = pairs
        super().__init__(pairs)

    def parse(self, response: Pairs) -> None:
        headers: dict[str, Any] = {}
        for key, value in response:
            if key.startswith("ChanVariable"):
                name, _, variable = value.partition("=")
                headers.setdefault("ChanVariable", {})[name] = variable
            else:
                headers[key] = value
        self.headers = headers
        self.data = ""


class _WallboardManager(Manager):
    """One connection (a pyst2 Manager cannot be restarted)."""

    # Set by pyst2 (None until the greeting), read and set by our reader.
    title: str | None
    version: str

    def __init__(self, on_event: Callable[[Pairs], None], on_closed: Callable[[], None]) -> None:
        super().__init__()
        self._raw_socket: socket.socket | None = None
        self._on_closed = on_closed
        self.fault = ""  # why the reader dropped the connection itself, if it did
        self.register_event("*", lambda event, _manager: on_event(event.message.pairs))

    def connect(self, host: str, port: int = DEFAULT_PORT, timeout: float = 10.0) -> ManagerMsg:
        """pyst2's connect, with a time-out and a buffered socket file; returns the greeting."""
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise ManagerSocketException(exc.errno, exc.strerror or str(exc)) from None
        sock.settimeout(None)
        self._raw_socket = sock
        self._sock = sock.makefile("rwb")
        self._connected.set()
        self._running.set()
        self.message_thread.start()
        self.event_dispatch_thread.start()
        try:
            greeting = self._response_queue.get(timeout=timeout)
        except thread_queue.Empty:
            raise ManagerSocketException(0, f"no greeting within {timeout:g} s") from None
        if greeting is None:
            raise ManagerSocketException(0, "connection closed before the greeting")
        return greeting

    def send_action(self, cdict: dict[str, Any] | None = None, **kwargs: Any) -> ManagerMsg:
        action = {**(cdict or {}), **kwargs}
        if action.get("Action") not in ALLOWED_ACTIONS:
            raise ForbiddenAction(f"the wallboard never sends {action.get('Action')!r}")
        return super().send_action(action)

    def message_loop(self) -> None:
        """pyst2's loop, on raw messages: split folded answers, never parse with has_key."""
        receiver = threading.Thread(target=self._receive_data, daemon=True, name="ami-reader")
        receiver.start()
        try:
            while True:
                lines = self._message_queue.get()
                if not lines:
                    break
                for pairs in split_blocks(lines):
                    message = _WireMessage(pairs)
                    if message.has_header("Event"):
                        self._event_queue.put(PystEvent(message))
                    else:
                        self._response_queue.put(message)
        finally:
            self._event_queue.put(None)
            # Actions are sent one at a time: one None releases the waiter, now or later.
            self._response_queue.put(None)
            receiver.join()

    def _receive_data(self) -> None:
        """pyst2's reader, with limits: a line or a block past them drops the connection.

        Asterisk's own lines are short; a peer that sends a gigabyte without a
        newline must not take the memory with it. One message per block (pyst2
        folds list answers into one; `split_blocks` unfolds them again anyway),
        and no multi-line `Command` output: the wallboard never sends `Command`.
        """
        sock = self._sock
        lines: list[str] = []
        size = 0
        try:
            while self._running.is_set() and self._connected.is_set():
                raw = sock.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                if len(raw) > MAX_LINE_BYTES:
                    self.fault = f"the PBX sent a line longer than {MAX_LINE_BYTES // 1024} KiB"
                    break
                line = raw.decode("utf8", "ignore")
                if not self.title and "/" in line and ":" not in line:  # the greeting
                    self.title, _, self.version = (part.strip() for part in line.partition("/"))
                    self._message_queue.put(["Response: Generated Header\r\n", line])
                    continue
                if line in ("\r\n", "\n"):
                    if lines:
                        self._message_queue.put(lines)
                        lines, size = [], 0
                    continue
                lines.append(line)
                size += len(raw)
                if size > MAX_BLOCK_BYTES:
                    self.fault = f"the PBX sent a block longer than {MAX_BLOCK_BYTES // 2**20} MiB"
                    break
        except (OSError, ValueError):  # the socket went (or its file was closed under us)
            pass
        finally:
            self._connected.clear()
            with contextlib.suppress(OSError, ValueError):
                sock.close()
            self._message_queue.put(None)

    def event_dispatch(self) -> None:
        """pyst2's dispatch; the end is announced only once every event before it is out."""
        try:
            super().event_dispatch()
        finally:
            self._on_closed()

    def close(self) -> None:
        """Never blocks (pyst2's close sends Logoff and joins threads, hanging on a dead peer)."""
        self.abort()

    def abort(self) -> None:
        """Drop the connection; pyst2's threads see end-of-file and finish by themselves."""
        self._connected.clear()
        sock = self._raw_socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class _Stop(Exception):
    """The source stops for good (refused login)."""


class AmiSource:
    """A live Asterisk over AMI: raw records, and events through an `AmiMapper`."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        config: EngineConfig,
        *,
        connect_timeout_s: float = 10.0,
        action_timeout_s: float = 10.0,
        ping_interval_s: float = 15.0,
        ping_timeout_s: float = 5.0,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        backlog: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.label = f"ami://{username}@{host}:{port}"
        self._host, self._port, self._username, self._secret = host, port, username, secret
        self._config = config
        self._connect_timeout = connect_timeout_s
        self._action_timeout = action_timeout_s
        self._ping_interval = ping_interval_s
        self._ping_timeout = ping_timeout_s
        self._backoff_initial = backoff_initial_s
        self._backoff_max = backoff_max_s
        self._backlog = backlog
        self._clock = clock
        self.dropped = 0

    @classmethod
    def from_url(
        cls, spec: str, config: EngineConfig, secret: Callable[[], str], **options: Any
    ) -> AmiSource:
        """`ami://USER@HOST[:PORT]`; `secret` is asked only once the URL is known to be good.

        The secret comes from the environment or the config file, never the URL.
        """
        parts = urlsplit(spec)
        if parts.scheme != "ami" or not parts.hostname:
            raise WallboardError(f"{spec}: expected ami://USER@HOST[:PORT]")
        if parts.password is not None:
            raise WallboardError(
                "ami:// URL: do not put the secret in the URL; set WALLBOARD_AMI_SECRET "
                "or 'secret' under [ami] in the config file"
            )
        if not parts.username:
            raise WallboardError(f"{spec}: the AMI user is missing (ami://USER@HOST[:PORT])")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise WallboardError(f"{spec}: bad port") from None
        return cls(
            parts.hostname,
            port,
            parts.username,
            secret(),
            config,
            **options,
        )

    async def events(self) -> AsyncIterator[Event | SourceStatus]:
        mapper = AmiMapper(self._config)
        async for record in self.raw():
            for item in mapper.feed(record):
                yield item
            for warning in mapper.take_warnings():
                log.warning("%s: %s", self.label, warning)
        for item in mapper.flush():
            yield item

    async def raw(self) -> AsyncIterator[RawRecord]:
        """Records as received, and status records; ends when cancelled or the login is refused."""
        session = _Session(self)
        tasks = {
            asyncio.create_task(session.run(), name=f"ami {self.label}"),
            asyncio.create_task(session.tick(), name=f"ami ticks {self.label}"),
        }
        try:
            while True:
                item = await session.records.get()
                if isinstance(item, WallboardError):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)  # (their CancelledErrors are their own, not ours)
            session.executor.shutdown(wait=False, cancel_futures=True)


class _Session:
    """The connection loop behind one `AmiSource.raw()` iteration."""

    def __init__(self, source: AmiSource) -> None:
        self.source = source
        self.loop = asyncio.get_running_loop()
        self.records: asyncio.Queue[RawRecord | WallboardError] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ami-action")
        self.overflow = asyncio.Event()
        self.resync_id = ""
        self.resynced = asyncio.Event()
        self.resyncs = 0
        self.received = 0
        self.inbox: list[RawRecord] = []
        self.inbox_lock = threading.Lock()
        self.ticking = False  # ticks only while live: a lost connection decides what waits

    async def tick(self) -> None:
        """A `tick` record after each second in which nothing was received, while connected."""
        seen = self.received
        while True:
            await asyncio.sleep(TICK_S)
            quiet = self.received == seen
            if quiet and self.ticking and self.records.qsize() < self.source._backlog:
                self.records.put_nowait(RawRecord(self.source._clock(), "tick", None))
            seen = self.received

    # hand-off from pyst2's threads

    def from_thread(self, pairs: Pairs) -> None:
        """Stamp and hand over; one loop wake-up per batch, not per record."""
        record = RawRecord(self.source._clock(), "ami", pairs)
        with self.inbox_lock:
            self.inbox.append(record)
            if len(self.inbox) > 1:
                return
        self.to_loop(self.drain_inbox)

    def drain_inbox(self) -> None:
        with self.inbox_lock:
            batch, self.inbox = self.inbox, []
        for record in batch:
            self.offer(record)

    def to_loop(self, function: Callable[..., Any], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening
            self.loop.call_soon_threadsafe(function, *args)

    def offer(self, record: RawRecord) -> None:
        """Queue a record; past the backlog, drop it unless it belongs to the resync under way."""
        payload = record.payload
        is_complete = payload[0] == ["Event", "QueueStatusComplete"]
        self.received += 1
        if self.records.qsize() >= self.source._backlog and not self._is_resync_item(payload):
            self.source.dropped += 1
            self.overflow.set()
            return
        self.records.put_nowait(record)
        if is_complete and self._is_resync_item(payload):
            self.status("live")  # right behind the list: the board is in sync as of here
            self.resynced.set()

    def _is_resync_item(self, payload: Pairs) -> bool:
        return bool(self.resync_id) and ["ActionID", self.resync_id] in payload

    def status(self, state: ConnectionState, detail: str = "") -> None:
        self.ticking = state == "live"
        now = self.source._clock()
        if state == "disconnected":
            log.warning("%s: disconnected: %s", self.source.label, detail)
        self.records.put_nowait(
            RawRecord(now, "status", SourceStatus(now, state, detail).to_payload())
        )

    # the connection loop

    async def run(self) -> None:
        source = self.source
        attempt = 0
        while True:
            self.status("connecting")
            closed = asyncio.Event()
            manager = _WallboardManager(
                self.from_thread, functools.partial(self.to_loop, closed.set)
            )
            try:
                reason = await self._connection(manager, closed)
                attempt = 0
            except _Stop as exc:
                self.status("disconnected", str(exc))
                self.records.put_nowait(WallboardError(f"{source.label}: {exc}"))
                return
            except (ManagerException, OSError, TimeoutError) as exc:
                reason = manager.fault or _describe(exc)
            finally:
                await self._close(manager, closed)
            self.status("disconnected", reason)
            delay = min(source._backoff_max, source._backoff_initial * 2**attempt)
            attempt += 1
            await asyncio.sleep(delay * (0.5 + random.random() / 2))

    async def _connection(self, manager: _WallboardManager, closed: asyncio.Event) -> str:
        """Log in, resync, then keep alive; returns why the connection ended."""
        source = self.source
        await self._call(
            manager, manager.connect, source._host, source._port, source._connect_timeout
        )
        try:
            await self._call(manager, manager.login, source._username, source._secret)
        except ManagerAuthException as exc:
            manager.abort()  # no Logoff: there is no session to end
            raise _Stop(f"login refused ({exc})") from None
        await self._resync(manager, "")
        while True:
            waiter = asyncio.ensure_future(closed.wait())
            overflow = asyncio.ensure_future(self.overflow.wait())
            try:
                await asyncio.wait(
                    {waiter, overflow},
                    timeout=source._ping_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()
                overflow.cancel()
            if closed.is_set():
                if manager.fault:
                    return f"{manager.fault}; dropped the connection to resync"
                return "connection closed by the server"
            if self.overflow.is_set():
                await self._after_overflow(manager)
                continue
            try:
                alive = await self._ping(manager)
            except ManagerSocketException:
                return "connection closed by the server"
            if not alive:
                return f"no answer to Ping and no data for {source._ping_timeout:g} s"

    async def _ping(self, manager: _WallboardManager) -> bool:
        """False if the server is silent: no Pong, and no other data either.

        A Pong queues behind the events sent before it, so a burst that takes
        longer to read than the time-out is not silence.
        """
        answer = self.loop.run_in_executor(self.executor, manager.ping)
        while True:
            seen = self.received
            done, _ = await asyncio.wait({answer}, timeout=self.source._ping_timeout)
            if done:
                answer.result()
                return True
            if self.received == seen:
                manager.abort()
                # The Ping's thread fails once the socket is gone: nobody waits for it.
                answer.cancel()
                return False

    async def _after_overflow(self, manager: _WallboardManager) -> None:
        while self.records.qsize() > self.source._backlog // 2:
            await asyncio.sleep(0.05)
        self.overflow.clear()
        await self._resync(manager, f"{self.source.dropped} events dropped: the reader fell behind")

    async def _resync(self, manager: _WallboardManager, detail: str) -> None:
        """Ask for the state (QueueSummary, QueueStatus); live once the status list is in."""
        self.status("resyncing", detail)
        self.resyncs += 1
        self.resync_id = f"wallboard-resync-{self.resyncs}"
        self.resynced.clear()
        # The answers carry no time of their own; a Pong tells the mapper the
        # PBX's clock, so a waiting caller's join time lands on the PBX's day.
        pong = await self._call(manager, manager.send_action, {"Action": "Ping"})
        pairs = [[name, value] for name, value in pong.headers.items()]
        self.records.put_nowait(RawRecord(self.source._clock(), "ami", pairs))
        await self._call(manager, manager.send_action, {"Action": "QueueSummary"})
        answer = await self._call(
            manager, manager.send_action, {"Action": "QueueStatus", "ActionID": self.resync_id}
        )
        if answer.get_header("Response") == "Error":
            raise ManagerException(f"QueueStatus refused: {answer.get_header('Message')}")
        async with asyncio.timeout(self.source._action_timeout):
            await self.resynced.wait()

    async def _call(
        self,
        manager: _WallboardManager,
        function: Callable[..., T],
        *args: Any,
        timeout: float | None = None,
    ) -> T:
        """Run a blocking pyst2 call; on time-out drop the connection so the thread is freed."""
        future = self.loop.run_in_executor(self.executor, function, *args)
        try:
            async with asyncio.timeout(timeout or self.source._action_timeout):
                return await future
        except TimeoutError:
            manager.abort()
            raise

    async def _close(self, manager: _WallboardManager, closed: asyncio.Event) -> None:
        """Log off if still possible, drop the socket, and let every record received come out."""
        if manager.connected():
            with contextlib.suppress(ManagerException, OSError, TimeoutError):
                await self._call(manager, manager.logoff, timeout=1.0)
        manager.abort()
        if manager.event_dispatch_thread.ident is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.source._action_timeout):
                    await closed.wait()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ManagerSocketException) and len(exc.args) >= 2:
        return str(exc.args[1])
    return str(exc) or type(exc).__name__
