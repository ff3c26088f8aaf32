"""A small protocol-faithful AMI server on 127.0.0.1, and the real capture to replay through it.

The server answers Login (checked against a user and secret), Ping,
QueueSummary and QueueStatus (with Asterisk's EventList framing), Logoff,
and refuses anything else; it records every action it was sent. What a
connection streams after login is a per-test coroutine (`session`), so tests
can replay the capture, drop the connection, go silent or send broken bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from wallboard.adapters.ami.framing import Pairs, split_blocks

CRLF = b"\r\n"
BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def encode(pairs: Pairs) -> bytes:
    return b"".join(f"{key}: {value}".encode() + CRLF for key, value in pairs) + CRLF


@dataclass
class Capture:
    """The exact bytes a read-only AMI user received, cut into event blocks."""

    banner: bytes
    login_reply: Pairs
    blocks: list[bytes]
    stamps: list[float]
    snapshots: dict[str, list[Pairs]]
    snapshot_times: dict[str, float]

    def status_items(self, tag: str) -> list[Pairs]:
        """The QueueStatus list items of one snapshot, without the start and end markers."""
        return [
            pairs
            for pairs in self.snapshots[f"snap-{tag}-status"]
            if pairs[0][0] == "Event" and pairs[0][1] != "QueueStatusComplete"
        ]

    def summary_items(self, tag: str) -> list[Pairs]:
        return [
            pairs
            for pairs in self.snapshots[f"snap-{tag}-summary"]
            if pairs[0] == ["Event", "QueueSummary"]
        ]

    def server(self, session: Callable[[Connection], Awaitable[None]]) -> AmiServer:
        """A server that greets like the captured Asterisk and answers its state before the run."""
        return AmiServer(
            session=session,
            banner=self.banner,
            login_reply=self.login_reply,
            status_items=self.status_items("0s"),
            summary_items=self.summary_items("0s"),
            clock=self.snapshot_times["snap-0s"],
        )

    def index_after(self, at: float) -> int:
        """The first block stamped later than `at`."""
        return next((i for i, stamp in enumerate(self.stamps) if stamp > at), len(self.stamps))


def load_capture(run_a: Path) -> Capture:
    data = gzip.decompress((run_a / "ami-capture.raw.gz").read_bytes())
    banner, _, rest = data.partition(CRLF)
    raw_blocks = [block + CRLF + CRLF for block in rest.split(CRLF + CRLF) if block.strip()]
    login_reply = [
        pair
        for pair in next(split_blocks(raw_blocks[0].decode().split("\n")))
        if pair[0] not in ("Response", "ActionID")
    ]
    blocks = raw_blocks[1:]
    stamps: list[float] = []
    last = 0.0
    for block in blocks:
        marker = block.find(b"\r\nTimestamp: ")
        if marker >= 0:
            end = block.index(CRLF, marker + 2)
            last = float(block[marker + 13 : end])
        stamps.append(last)
    snapshots: dict[str, list[Pairs]] = {}
    times: dict[str, float] = {}
    for line in (run_a / "queue-status-snapshots.jsonl").read_text().splitlines():
        entry = json.loads(line)
        snapshots.setdefault(entry["actionid"], []).append(entry["headers"])
        times.setdefault(entry["actionid"].rsplit("-", 1)[0], entry["ts"])
    return Capture(banner + CRLF, login_reply, blocks, stamps, snapshots, times)


class Connection:
    """One client connection: answers actions; the session coroutine streams events."""

    def __init__(
        self, server: AmiServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.number = len(server.connections)
        self.status_answered = asyncio.Event()
        self.silent = False
        self.finished = False
        self.task: asyncio.Task[None] | None = None

    def send(self, data: bytes) -> None:
        if not self.finished and not self.writer.is_closing():
            self.writer.write(data)

    async def stream(self, blocks: list[bytes]) -> None:
        for i, block in enumerate(blocks):
            if self.silent or self.finished or self.writer.is_closing():
                return
            self.send(block)
            if i % 64 == 63:
                await self.writer.drain()
        await self.writer.drain()

    def close(self) -> None:
        """End the stream the way a server closes: everything sent is delivered, then EOF.

        (A hard close would reset the connection when the client's next Ping
        arrives, and the client's kernel would discard what it had not read.)
        """
        self.finished = True
        if not self.writer.is_closing() and self.writer.can_write_eof():
            self.writer.write_eof()

    async def serve(self) -> None:
        self.send(self.server.banner)
        try:
            while True:
                raw = await self.reader.readuntil(CRLF + CRLF)
                action = dict(next(split_blocks(raw.decode().split("\n")), []))
                await self.answer(action)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if self.task is not None:
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await self.task
            self.writer.close()

    async def answer(self, action: dict[str, str]) -> None:
        name, action_id = action.get("Action", ""), action.get("ActionID", "")
        self.server.actions.append(name)
        if self.silent:
            return
        head = [["Response", "Success"], ["ActionID", action_id]]
        if name == "Login":
            if (action.get("Username"), action.get("Secret")) == (
                self.server.username,
                self.server.secret,
            ):
                self.send(
                    encode(
                        [["Response", "Success"], ["ActionID", action_id], *self.server.login_reply]
                    )
                )
                if self.server.session is not None:
                    self.task = asyncio.create_task(self.server.session(self))
            else:
                self.send(
                    encode(
                        [
                            ["Response", "Error"],
                            ["ActionID", action_id],
                            ["Message", "Authentication failed"],
                        ]
                    )
                )
                await self.writer.drain()
                self.close()
        elif name == "Ping":
            self.send(encode([*head, ["Ping", "Pong"], ["Timestamp", f"{self.server.now:.6f}"]]))
        elif name in ("QueueStatus", "QueueSummary"):
            self.send_list(name, action_id)
            if name == "QueueStatus":
                self.status_answered.set()
        elif name == "Logoff":
            self.send(
                encode(
                    [
                        ["Response", "Goodbye"],
                        ["ActionID", action_id],
                        ["Message", "Thanks for all the fish."],
                    ]
                )
            )
            await self.writer.drain()
            self.close()
        else:
            self.send(
                encode(
                    [
                        ["Response", "Error"],
                        ["ActionID", action_id],
                        ["Message", "Permission denied"],
                    ]
                )
            )

    def send_list(self, name: str, action_id: str) -> None:
        """An EventList answer as Asterisk 22 writes it, items re-tagged with this ActionID."""
        status = name == "QueueStatus"
        items = self.server.status_items if status else self.server.summary_items
        word = "status" if status else "summary"
        data = [
            encode(
                [
                    ["Response", "Success"],
                    ["ActionID", action_id],
                    ["EventList", "start"],
                    ["Message", f"Queue {word} will follow"],
                ]
            )
        ]
        for item in items:
            data.append(encode([[k, action_id if k == "ActionID" else v] for k, v in item]))
        data.append(
            encode(
                [
                    ["Event", f"{name}Complete"],
                    ["ActionID", action_id],
                    ["EventList", "Complete"],
                    ["ListItems", str(len(items))],
                ]
            )
        )
        self.send(b"".join(data))


class AmiServer:
    """Serves AMI on 127.0.0.1 (an ephemeral port) until the `async with` block ends."""

    def __init__(
        self,
        *,
        session: Callable[[Connection], Awaitable[None]] | None = None,
        banner: bytes = BANNER,
        login_reply: Pairs | None = None,
        username: str = "wallboard",
        secret: str = "wbpass",
        status_items: list[Pairs] | None = None,
        summary_items: list[Pairs] | None = None,
        clock: float = 0.0,
    ) -> None:
        self.session = session
        self.banner = banner
        self.login_reply = login_reply or [["Message", "Authentication accepted"]]
        self.username, self.secret = username, secret
        self.status_items = status_items or []
        self.summary_items = summary_items or []
        self.now = clock
        self.actions: list[str] = []
        self.connections: list[Connection] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def clock(self) -> float:
        """The time the server pretends it is (the source stamps received records with it)."""
        return self.now

    async def __aenter__(self) -> AmiServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for connection in self.connections:
            connection.writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.append(connection)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await connection.serve()
        finally:
            self._tasks.discard(task)
