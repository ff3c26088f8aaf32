"""Getting transitions to pagers without ever holding up the engine.

Every channel takes transitions through a non-blocking `submit` and works in
the background: a slow or dead receiver fills a bounded queue (the oldest
entries are dropped, with a warning), never the engine's loop. `close` drains
what is left within a deadline and says what could not be delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from wallboard.alarms.output import alertmanager_payload
from wallboard.errors import WallboardError

log = logging.getLogger(__name__)

Send = Callable[[Mapping[str, Any]], Awaitable[None]]


class NotDelivered(WallboardError):
    """Some transitions never reached a pager: a process supervisor must see it."""

    exit_code = 3


class DeliveryRefused(Exception):
    """The receiver answered and said no: retrying the same request cannot help."""


class Channel(Protocol):
    name: str

    @property
    def undelivered(self) -> int:
        """Transitions this channel failed to deliver (dropped, refused, given up or cut short)."""
        ...

    def submit(self, transition: Mapping[str, Any]) -> None: ...

    async def close(self, deadline_s: float) -> None: ...


class RetryingChannel:
    """Delivers in order, one at a time, retrying with exponential backoff.

    In order, because a receiver must see a firing before its resolution; one
    at a time, because the next item would meet the same outage anyway.
    """

    def __init__(
        self,
        name: str,
        send: Send,
        *,
        max_queue: int = 1000,
        first_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        max_attempts: int | None = None,
    ) -> None:
        self.name = name
        self.delivered = 0
        self.dropped = 0
        self._send = send
        self._queue: deque[Mapping[str, Any]] = deque()
        self._max_queue = max_queue
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_attempts = max_attempts
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker = asyncio.create_task(self._run())

    @property
    def undelivered(self) -> int:
        return self.dropped

    def submit(self, transition: Mapping[str, Any]) -> None:
        if len(self._queue) >= self._max_queue:
            lost = self._queue.popleft()
            self.dropped += 1
            log.warning(
                "%s: queue full (%d); dropped %s %s %s",
                self.name,
                self._max_queue,
                lost["kind"],
                lost["rule"],
                lost["queue"],
            )
        self._queue.append(transition)
        self._idle.clear()
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            await self._deliver(self._queue[0])
            self._queue.popleft()

    async def _deliver(self, transition: Mapping[str, Any]) -> None:
        delay = self._first_backoff_s
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._send(transition)
            except DeliveryRefused as exc:
                log.warning("%s: refused %s: %s", self.name, transition["fingerprint"], exc)
                self.dropped += 1
                return
            except Exception as exc:  # any failure of a receiver is retried, never fatal
                if self._max_attempts is not None and attempt >= self._max_attempts:
                    log.warning("%s: giving up after %d attempts: %s", self.name, attempt, exc)
                    self.dropped += 1
                    return
                log.info(
                    "%s: attempt %d failed (%s); retry in %.1fs", self.name, attempt, exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff_s)
            else:
                self.delivered += 1
                return

    async def close(self, deadline_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), deadline_s)
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        if self._queue:
            self.dropped += len(self._queue)
            log.warning("%s: %d transition(s) not delivered by exit", self.name, len(self._queue))


def webhook_sender(url: str, *, timeout_s: float = 10.0) -> tuple[Send, Callable[[], Awaitable]]:
    """POST each transition as Alertmanager webhook JSON; (send, aclose)."""
    if not url.startswith(("http://", "https://")):
        raise WallboardError(f"--webhook {url!r}: expected an http:// or https:// URL")
    import httpx  # only for a webhook, like apprise only for --notify

    client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def send(transition: Mapping[str, Any]) -> None:
        response = await client.post(url, json=alertmanager_payload(transition))
        if response.is_success:
            return
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            raise RuntimeError(f"HTTP {response.status_code}")
        raise DeliveryRefused(f"HTTP {response.status_code}")

    return send, client.aclose


def apprise_sender(config_path: str) -> Send:
    """Send through apprise (pager, SMS, chat services) configured in a file.

    The service URLs carry credentials, so they come from a file, never argv.
    """
    import apprise

    config = apprise.AppriseConfig()
    if not config.add(config_path):
        raise WallboardError(f"--notify {config_path}: not a readable apprise configuration")
    notifier = apprise.Apprise()
    notifier.add(config)
    if not len(notifier):
        raise WallboardError(f"--notify {config_path}: no notification URLs found in the file")

    async def send(transition: Mapping[str, Any]) -> None:
        title = f"[{transition['severity']}] {transition['status']}: {transition['name']}"
        sent = await asyncio.to_thread(notifier.notify, body=transition["message"], title=title)
        if not sent:
            raise RuntimeError("apprise could not notify every service")

    return send


class ExecChannel:
    """Runs a command per transition, its JSON on stdin: no shell, a time limit, a few at once."""

    def __init__(
        self,
        command: str,
        *,
        timeout_s: float = 10.0,
        concurrency: int = 4,
        max_pending: int = 1000,
    ) -> None:
        try:
            self._argv: Sequence[str] = shlex.split(command)
        except ValueError as exc:
            raise WallboardError(f"--exec {command!r}: {exc}") from exc
        if not self._argv:
            raise WallboardError("--exec: empty command")
        self.name = f"exec {self._argv[0]}"
        self.failures = 0
        self._timeout_s = timeout_s
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def undelivered(self) -> int:
        return self.failures

    def submit(self, transition: Mapping[str, Any]) -> None:
        if len(self._tasks) >= self._max_pending:
            self.failures += 1
            log.warning("%s: %d runs pending; dropped one", self.name, self._max_pending)
            return
        task = asyncio.create_task(self._run(json.dumps(transition).encode() + b"\n"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, data: bytes) -> None:
        async with self._slots:
            try:
                process = await asyncio.create_subprocess_exec(
                    *self._argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            except OSError as exc:
                self.failures += 1
                log.warning("%s: cannot run (%s)", self.name, exc.strerror or exc)
                return
            try:
                _, err = await asyncio.wait_for(process.communicate(data), self._timeout_s)
            except TimeoutError:
                process.kill()
                await process.wait()
                self.failures += 1
                log.warning("%s: killed after %.0fs", self.name, self._timeout_s)
                return
            except asyncio.CancelledError:
                process.kill()
                raise
            if process.returncode:
                self.failures += 1
                detail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
                log.warning("%s: exit status %d %s", self.name, process.returncode, detail[0])

    async def close(self, deadline_s: float) -> None:
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=deadline_s)
        for task in late:
            task.cancel()
        if late:
            self.failures += len(late)
            log.warning("%s: %d run(s) cut short at exit", self.name, len(late))
