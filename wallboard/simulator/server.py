"""An asyncio AMI server in front of the model: what a wallboard sees of a real Asterisk 22.

Framing, banner, responses and list answers copy the captured Asterisk 22
(`shared/fixtures/asterisk-22-run-a`) and main/manager.c. Simulated time runs
`speed` times faster than the wall clock; `Timestamp:` headers carry the
simulated epoch. The server never changes the model on request: actions that
would change a PBX are refused ("Permission denied") for read-only users.
A client that cannot keep up is dropped, as Asterisk does after its
`writetimeout`, so one slow reader never stalls the simulation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from wallboard.errors import WallboardError
from wallboard.runtime.environment import AMI_SECRET_ENV, SIMULATOR_USERS_ENV
from wallboard.simulator.ami import Headers, encode, render
from wallboard.simulator.happenings import QueueView
from wallboard.simulator.model import CallCentre

log = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
_LIST_COMMANDS_HINT = "Use Action: ListCommands to show available commands."
DEFAULT_USER = "wallboard"
# Actions that change a PBX; a read-only account gets "Permission denied".
WRITE_ACTIONS = frozenset(
    name.lower()
    for name in (
        "QueueReset", "QueuePause", "QueueAdd", "QueueRemove", "QueuePenalty", "QueueLog",
        "QueueMemberRingInUse", "QueueReload", "QueueChangePriorityCaller", "QueueWithdrawCaller",
        "Originate", "Hangup", "Redirect", "Setvar", "Command", "Atxfer", "BlindTransfer",
        "Bridge", "Park", "PlayDTMF", "Reload", "ModuleLoad", "UpdateConfig", "DBPut", "DBDel",
        "DBDelTree", "UserEvent", "SendText", "AbsoluteTimeout", "MixMonitor", "StopMixMonitor",
    )
)  # fmt: skip


# manager.conf's read classes (main/manager.c `perms`); "all" reads every one.
READ_CLASSES = frozenset(
    {
        "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
        "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
        "message", "all",
    }
)  # fmt: skip
ALL_CLASSES = frozenset({"all"})
_READ_MARK = ":read="


@dataclass(frozen=True, slots=True)
class SimUser:
    name: str
    secret: str
    write: bool = False
    read: frozenset[str] = ALL_CLASSES
    """manager.conf `read`: the user gets an event only if it shares one of its classes."""

    def reads(self, privilege: str) -> bool:
        """Whether Asterisk would send this user an event of that `Privilege:` line."""
        return "all" in self.read or not self.read.isdisjoint(privilege.split(","))


def users_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, SimUser]:
    """Accounts from WALLBOARD_SIM_USERS ("user:secret[:rw][:read=call+agent],...") or
    WALLBOARD_AMI_SECRET.

    Secrets never come from argv; the single-secret form creates the read-only
    user "wallboard", like the `[wallboard]` account of the captured manager.conf.
    `read=` gives the manager.conf read classes, joined by "+" (default all), to
    try the board as a restricted user sees it.
    """
    users: dict[str, SimUser] = {}
    spec = environ.get(SIMULATOR_USERS_ENV, "").strip()
    if spec:
        for item in spec.split(","):
            name, sep, secret = item.strip().partition(":")
            read = ALL_CLASSES
            if _READ_MARK in secret:
                secret, _, classes = secret.rpartition(_READ_MARK)
                read = frozenset(c.strip().lower() for c in classes.split("+")) - {""}
                unknown = sorted(read - READ_CLASSES)
                if unknown or not read:
                    raise WallboardError(
                        f"{SIMULATOR_USERS_ENV}: user {name!r}: read= takes manager.conf read "
                        f"classes joined by '+' (e.g. read=call+agent+reporting), "
                        f"not {classes!r}"
                    )
            mode = ""
            if secret.endswith((":rw", ":ro")):
                secret, mode = secret[:-3], secret[-2:]
            if not sep or not name or not secret:
                raise WallboardError(
                    f"{SIMULATOR_USERS_ENV}: expected user:secret[:rw][:read=CLASS+...],... entries"
                )
            users[name] = SimUser(name, secret, write=mode == "rw", read=read)
    elif environ.get(AMI_SECRET_ENV):
        users[DEFAULT_USER] = SimUser(DEFAULT_USER, environ[AMI_SECRET_ENV])
    if not users:
        raise WallboardError(
            f"no AMI account: set {AMI_SECRET_ENV} (user '{DEFAULT_USER}') or {SIMULATOR_USERS_ENV}"
        )
    return users


def _block(headers: Headers) -> bytes:
    return encode(headers)


def _response(action_id: str, response: str = "Success", **fields: str) -> bytes:
    headers = [["Response", response]]
    if action_id:
        headers.append(["ActionID", action_id])
    headers.extend([k.replace("_", "-"), v] for k, v in fields.items())
    return _block(headers)


def _perf(part: int, whole: int) -> str:
    return f"{100.0 * part / whole if whole else 0.0:.1f}"


def queue_status_items(views: list[QueueView], now: float, queue: str = "") -> list[Headers]:
    """QueueParams, QueueMember and QueueEntry items as manager_queues_status writes them."""
    items: list[Headers] = []
    for view in views:
        spec = view.spec
        if queue and queue != spec.name:
            continue
        items.append(
            [
                ["Event", "QueueParams"],
                ["Queue", spec.name],
                ["Max", str(spec.maxlen)],
                ["Strategy", spec.strategy],
                ["Calls", str(len(view.entries))],
                ["Holdtime", str(view.holdtime)],
                ["TalkTime", str(view.talktime)],
                ["Completed", str(view.completed)],
                ["Abandoned", str(view.abandoned)],
                ["ServiceLevel", str(spec.servicelevel_s)],
                ["ServicelevelPerf", _perf(view.completed_in_sl, view.completed)],
                [
                    "ServicelevelPerf2",
                    _perf(
                        view.completed_in_sl + view.abandoned_in_sl,
                        view.completed + view.abandoned,
                    ),
                ],
                ["Weight", "0"],
            ]
        )
        for m in view.members:
            items.append(
                [
                    ["Event", "QueueMember"],
                    ["Queue", m.queue],
                    ["Name", m.name],
                    ["Location", m.interface],
                    ["StateInterface", m.interface],
                    ["Membership", "dynamic"],
                    ["Penalty", "0"],
                    ["CallsTaken", str(m.calls_taken)],
                    ["LastCall", str(m.last_call)],
                    ["LastPause", str(m.last_pause)],
                    ["LoginTime", str(m.login_time)],
                    ["InCall", str(int(m.in_call))],
                    ["Status", str(m.status)],
                    ["Paused", str(int(m.paused))],
                    ["PausedReason", m.reason],
                    ["Wrapuptime", "0"],
                ]
            )
        for entry in view.entries:
            call = entry.call
            items.append(
                [
                    ["Event", "QueueEntry"],
                    ["Queue", spec.name],
                    ["Position", str(entry.position)],
                    ["Channel", call.channel],
                    ["Uniqueid", call.uniqueid],
                    ["CallerIDNum", call.number],
                    ["CallerIDName", "unknown"],
                    ["ConnectedLineNum", "unknown"],
                    ["ConnectedLineName", "unknown"],
                    ["Wait", str(int(now) - int(call.joined_at))],
                    ["Priority", "0"],
                ]
            )
    return items


def queue_summary_items(views: list[QueueView], now: float, queue: str = "") -> list[Headers]:
    return [
        [
            ["Event", "QueueSummary"],
            ["Queue", view.spec.name],
            ["LoggedIn", str(len(view.members))],
            ["Available", str(view.available)],
            ["Callers", str(len(view.entries))],
            ["HoldTime", str(view.holdtime)],
            ["TalkTime", str(view.talktime)],
            [
                "LongestHoldTime",
                str(max((int(now) - int(e.call.joined_at) for e in view.entries), default=0)),
            ],
        ]
        for view in views
        if not queue or queue == view.spec.name
    ]


class _Session:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.user: SimUser | None = None
        self.events = True

    def send(self, data: bytes) -> None:
        self.writer.write(data)


class AmiServer:
    """Serves one model to any number of AMI clients and writes its queue_log."""

    def __init__(
        self,
        model: CallCentre,
        users: Mapping[str, SimUser],
        *,
        speed: float = 1.0,
        queue_log: TextIO | None = None,
        max_buffer: int = 1 << 20,
        auth_fail_delay_s: float = 1.0,
        tick_s: float = 0.05,
    ) -> None:
        if speed <= 0:
            raise WallboardError("--speed must be positive")
        self.model = model
        self.users = dict(users)
        self.speed = speed
        self.queue_log = queue_log
        self.max_buffer = max_buffer
        self.auth_fail_delay_s = auth_fail_delay_s
        self.tick_s = tick_s
        self.finished = asyncio.Event()
        self._sessions: set[_Session] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._origin = 0.0

    @property
    def sim_now(self) -> float:
        return self.model.now

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the bound address (port 0 picks a free one)."""
        try:
            self._server = await asyncio.start_server(self._serve, host, port)
        except OSError as exc:
            raise WallboardError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
        address = self._server.sockets[0].getsockname()
        return address[0], address[1]

    async def run(self) -> None:
        """Advance the model in step with the wall clock until it has drained."""
        self._origin = time.monotonic()
        start = self.model.scenario.start
        while not self.model.drained:
            target = start + (time.monotonic() - self._origin) * self.speed
            self._publish(self.model.run_until(target))
            await asyncio.sleep(self.tick_s)
        self.finished.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # Hang up on every client and let its handler see the end of the stream:
        # cancelling a handler instead makes Python 3.11's stream callback log the
        # cancellation as an error with a traceback.
        for session in list(self._sessions):
            session.writer.close()
        handlers = list(self._handlers)
        if handlers:
            _, stuck = await asyncio.wait(handlers, timeout=1.0)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        if self.queue_log is not None:
            self.queue_log.flush()

    def _publish(self, happenings: list) -> None:
        for happening in happenings:
            events, lines = render(happening)
            if self.queue_log is not None and lines:
                self.queue_log.write("".join(line + "\n" for line in lines))
            for event in events:
                self._broadcast(_block(event), event[1][1])
        if self.queue_log is not None and happenings:
            self.queue_log.flush()

    def _broadcast(self, data: bytes, privilege: str) -> None:
        for session in list(self._sessions):
            if session.user is None or not session.events or not session.user.reads(privilege):
                continue
            transport = session.writer.transport
            if transport.get_write_buffer_size() > self.max_buffer:
                log.warning("dropping AMI client %s: it reads too slowly", session.user.name)
                self._sessions.discard(session)
                transport.abort()
                continue
            session.send(data)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(writer)
        self._sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            writer.write(BANNER)
            while True:
                message = await self._read_message(reader)
                if message is None or not await self._handle(session, message):
                    break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._sessions.discard(session)
            if task is not None:
                self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    @staticmethod
    async def _read_message(reader: asyncio.StreamReader) -> dict[str, str] | None:
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                if headers:
                    return headers
                continue
            key, _, value = text.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())

    async def _handle(self, session: _Session, message: dict[str, str]) -> bool:
        """Answer one action; False closes the connection."""
        action = message.get("action", "")
        action_id = message.get("actionid", "")
        name = action.lower()
        if not action:
            session.send(_response(action_id, "Error", Message="Missing action in request"))
        elif name == "login":
            return await self._login(session, message, action_id)
        elif name == "logoff":
            session.send(_response(action_id, "Goodbye", Message="Thanks for all the fish."))
            return False
        elif session.user is None:
            session.send(_response(action_id, "Error", Message="Permission denied"))
        elif name == "ping":
            session.send(_response(action_id, Ping="Pong", Timestamp=f"{self.sim_now:.6f}"))
        elif name == "events":
            mask = message.get("eventmask", "on").lower()
            session.events = mask not in ("off", "no", "false", "0", "none")
            session.send(_response(action_id, Events="On" if session.events else "Off"))
        elif name in ("queuestatus", "queues"):
            items = queue_status_items(
                self.model.queue_views(), self.sim_now, message.get("queue", "")
            )
            self._send_list(
                session, action_id, "Queue status will follow", "QueueStatusComplete", items
            )
        elif name == "queuesummary":
            items = queue_summary_items(
                self.model.queue_views(), self.sim_now, message.get("queue", "")
            )
            self._send_list(
                session, action_id, "Queue summary will follow", "QueueSummaryComplete", items
            )
        elif name in WRITE_ACTIONS:
            text = "Permission denied" if not session.user.write else f"{action} is not simulated"
            session.send(_response(action_id, "Error", Message=text))
        else:
            text = f"Invalid/unknown command: {action}. {_LIST_COMMANDS_HINT}"
            session.send(_response(action_id, "Error", Message=text))
        return True

    async def _login(self, session: _Session, message: dict[str, str], action_id: str) -> bool:
        if session.user is not None:
            session.send(_response(action_id, Message="Already authenticated"))
            return True
        user = self.users.get(message.get("username", ""))
        secret = message.get("secret", "")
        if user is None or not hmac.compare_digest(user.secret.encode(), secret.encode()):
            await asyncio.sleep(self.auth_fail_delay_s)
            session.send(_response(action_id, "Error", Message="Authentication failed"))
            return False
        session.user = user
        session.send(_response(action_id, Message="Authentication accepted"))
        if user.reads("system,all"):
            session.send(
                _block(
                    [
                        ["Event", "FullyBooted"],
                        ["Privilege", "system,all"],
                        ["Uptime", str(int(self.sim_now - self.model.scenario.start))],
                        ["LastReload", str(int(self.sim_now - self.model.scenario.start))],
                        ["Status", "Fully Booted"],
                    ]
                )
            )
        return True

    @staticmethod
    def _send_list(
        session: _Session, action_id: str, message: str, complete: str, items: list[Headers]
    ) -> None:
        id_header = [["ActionID", action_id]] if action_id else []
        parts = [_response(action_id, EventList="start", Message=message)]
        parts += [_block(item + id_header) for item in items]
        parts.append(
            _block(
                [["Event", complete], *id_header, ["EventList", "Complete"],
                 ["ListItems", str(len(items))]]
            )
        )  # fmt: skip
        session.send(b"".join(parts))
