"""Board pages: `textual-serve` runs one `wallboard view` per browser page.

Each page is a viewer of the hub (its own `wallboard view` process, no new AMI
session). The page asks for the viewer token and keeps it in the tab's
`sessionStorage`; it never goes into a URL. Its websocket's first message
carries it, and the token is checked before anything is started: a wrong one
closes the socket (4403) and no process, no board, no figure ever reaches the
page. A valid token reaches the `view` process through its environment,
never its argv (`ps` shows argv to everyone). `theme`, `wall` and `source`
come from the page's URL, each checked against what it may be, since they
end up on a command line.

The page reloads itself when its connection drops (the hub or this server
restarting), so a wall TV comes back on its own with the token it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from wallboard.errors import WallboardError
from wallboard.runtime.config import AMI_SECRET_ENV, HUB_TOKEN_ENV
from wallboard.runtime.failed_tokens import FailedTokens
from wallboard.themes import THEME_NAMES

log = logging.getLogger(__name__)

Verdict = Literal["ok", "refused", "unreachable"]
# (token, source or None) -> may this page see that source's board?
TokenCheck = Callable[[str, str | None], Awaitable[Verdict]]

PAGE = Path(__file__).with_name("page.html")
STATIC = Path(textual_serve.__file__).with_name("static")
SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
TOKEN_TIMEOUT_S = 10.0
# A wrong token waits this long for its answer, so guessing is slow.
REFUSAL_DELAY_S = 1.0
MAX_MESSAGE = 64 * 1024
# Close codes the page knows (the hub's, docs/HUB.md): it asks for the token again on these.
CLOSE_BAD_ADDRESS = 4400
CLOSE_TOKEN_MISSING = 4401
CLOSE_TOKEN_INVALID = 4403
CLOSE_TRY_LATER = 1013


@dataclass(frozen=True, slots=True)
class PageOptions:
    """What a page's URL may choose; anything else in it is refused."""

    theme: str = "dark"
    wall: bool = False
    source: str | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> PageOptions:
        theme = query.get("theme", "dark")
        if theme not in THEME_NAMES:
            raise ValueError(f"unknown theme {theme[:40]!r}; one of {', '.join(THEME_NAMES)}")
        wall = query.get("wall", "0").lower()
        if wall not in ("0", "1", "yes", "no", "true", "false", "on", "off", ""):
            raise ValueError("wall is 1 or 0")
        source = query.get("source") or None
        if source is not None and not SOURCE_NAME.match(source):
            raise ValueError("source is a hub source name")
        return cls(theme, wall in ("1", "yes", "true", "on"), source)


class BoardPages:
    """The HTTP side: the page, textual-serve's scripts, and one `view` process per page."""

    def __init__(
        self,
        hub_url: str,
        check: TokenCheck,
        *,
        config_path: str | None = None,
        cafile: str | None = None,
        max_pages: int = 20,
    ) -> None:
        self._hub_url = hub_url.rstrip("/")
        self._check = check
        self._failures = FailedTokens()
        self._config_path = config_path
        self._cafile = cafile
        self._max_pages = max_pages
        self._sockets: set[web.WebSocketResponse] = set()
        self._downloads = DownloadManager()
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._page_socket)
        app.router.add_static("/static", STATIC)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise WallboardError(f"--web {host}:{port}: cannot listen ({exc.strerror})") from exc
        bound = self._runner.addresses[0]
        return str(bound[0]), int(bound[1])

    @property
    def pages(self) -> int:
        return len(self._sockets)

    async def stop(self) -> None:
        """Close every page with 1001 (going away): the pages reconnect to the next server."""
        for page in list(self._sockets):
            await page.close(code=1001, message=b"server going away")
        await self._runner.cleanup()

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(
            text=PAGE.read_text(encoding="utf-8"),
            content_type="text/html",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    def command(self, options: PageOptions) -> str:
        """The page's `wallboard view`: no secret in it (the token goes in the environment)."""
        url = self.url_for(options.source)
        argv = [sys.executable, "-m", "wallboard.cli"]
        if self._config_path:
            argv += ["--config", self._config_path]
        argv += ["view", url, "--theme", options.theme]
        if options.wall:
            argv.append("--wall")
        if self._cafile:
            argv += ["--cafile", self._cafile]
        return shlex.join(argv)

    def url_for(self, source: str | None) -> str:
        """The hub address of a page's source (the hub's own default when it names none)."""
        if source is None:
            return self._hub_url
        scheme, _, rest = self._hub_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/{source}"

    async def _page_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await socket.prepare(request)
        peer = request.remote or "?"
        try:
            options = PageOptions.from_query(dict(request.query))
        except ValueError as exc:
            await socket.close(code=CLOSE_BAD_ADDRESS, message=str(exc).encode()[:120])
            return socket
        if self.pages >= self._max_pages:
            log.warning("page from %s refused: %d pages open already", peer, self.pages)
            await socket.close(code=CLOSE_TRY_LATER, message=b"too many pages open")
            return socket
        token = await _first_token(socket)
        if not token:
            await socket.close(code=CLOSE_TOKEN_MISSING, message=b"token required")
            return socket
        address = request.remote or "?"
        wait_s = self._failures.wait_s(address, time.monotonic())
        if wait_s > 0:  # logged once, when the address reached the limit
            note = f"too many wrong tokens; retry in {math.ceil(wait_s)} s"
            await socket.close(code=CLOSE_TRY_LATER, message=note.encode())
            return socket
        verdict = await self._check(token, options.source)
        if verdict != "ok":
            why = "hub unreachable" if verdict == "unreachable" else "wrong token or source"
            log.warning("page from %s refused: %s", peer, why)
            if verdict == "refused":
                self._failures.failed(address, time.monotonic())
                await asyncio.sleep(REFUSAL_DELAY_S)
                await socket.close(code=CLOSE_TOKEN_INVALID, message=b"invalid token or source")
            else:
                await socket.close(code=CLOSE_TRY_LATER, message=b"hub unreachable")
            return socket
        await self._run_page(socket, request, options, token, peer)
        return socket

    async def _run_page(
        self,
        socket: web.WebSocketResponse,
        request: web.Request,
        options: PageOptions,
        token: str,
        peer: str,
    ) -> None:
        width = _cells(request.query.get("width"), 80)
        height = _cells(request.query.get("height"), 24)
        service = _ViewerProcess(
            self.command(options),
            token,
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=socket.close,
            download_manager=self._downloads,
        )
        self._sockets.add(socket)
        log.info("page from %s opened (%d pages)", peer, self.pages)
        try:
            await service.start(width, height)
            await _relay(socket, service)
        finally:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await service.stop()
            self._sockets.discard(socket)
            log.info("page from %s closed (%d pages)", peer, self.pages)


class _ViewerProcess(AppService):
    """textual-serve's app process, with the page's token in its environment and no other secret."""

    def __init__(self, command: str, token: str, **kwargs: object) -> None:
        super().__init__(command, **kwargs)  # type: ignore[arg-type]
        self._token = token

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment.pop(AMI_SECRET_ENV, None)
        environment[HUB_TOKEN_ENV] = self._token
        return environment


async def _first_token(socket: web.WebSocketResponse) -> str | None:
    """The page's first message, `["token", TOKEN]`, or None."""
    try:
        message = await socket.receive(timeout=TOKEN_TIMEOUT_S)
    except TimeoutError:
        return None
    if message.type != WSMsgType.TEXT:
        return None
    try:
        kind, token = json.loads(message.data)
    except (ValueError, TypeError):
        return None
    return token if kind == "token" and isinstance(token, str) and token else None


async def _relay(socket: web.WebSocketResponse, service: AppService) -> None:
    """The browser's keys and size to the app (textual-serve's envelope: `[type, data]`)."""
    async for message in socket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, *rest = json.loads(message.data)
        except (ValueError, TypeError):
            continue
        if kind == "stdin" and rest and isinstance(rest[0], str):
            await service.send_bytes(rest[0].encode("utf-8"))
        elif kind == "resize" and rest and isinstance(rest[0], dict):
            size = rest[0]
            await service.set_terminal_size(
                _cells(size.get("width"), 80), _cells(size.get("height"), 24)
            )
        elif kind == "ping" and rest:
            await socket.send_json(["pong", str(rest[0])[:32]])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


def _cells(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 10), 1000)


def loopback_url(scheme: str, host: str, port: int) -> str:
    """How a page's viewer reaches a hub in this process listening on `host`."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"
