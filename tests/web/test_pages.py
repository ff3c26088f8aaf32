"""The board in a browser: `wallboard serve --web` opened in a real headless Chromium.

What the page shows is read from xterm.js's own screen buffer in the page (the
terminal object is caught as textual.js creates it), so the figures checked
are the ones the browser draws; a screenshot of each state goes to
test-output/web/.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from rich.style import Style
from textual.renderables.digits import Digits

from tests.conftest import REPO
from tests.hub.test_serve_command import clean_env, wallboard
from wallboard.hub.client import fetch_update
from wallboard.tui import block_digits
from wallboard.tui.widgets.kpi_tile import MIN_BLOCK_SCALE

SAMPLE = str(REPO / "recordings" / "sample-shift.wbrec")
TOKEN = "web-viewer-token"
TIMEOUT_S = 40.0
IN_SERVICE = ("available", "ringing", "talking", "hold", "wrap")

# Catches the xterm.js Terminal as textual.js assigns it (`this.terminal = new Terminal()`).
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && typeof value.write === "function") window.boardTerminal = value;
  },
  get() { return undefined; },
});
"""
READ_SCREEN = """() => {
  const terminal = window.boardTerminal;
  if (!terminal) return null;
  const lines = [];
  for (let row = 0; row < terminal.rows; row++)
    lines.push(terminal.buffer.active.getLine(row).translateToString(true));
  return lines;
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """`wallboard serve SAMPLE --web` as a user runs it, restartable on the same ports."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.hub_port, self.web_port = free_port(), free_port()
        self.process: subprocess.Popen[str] | None = None
        self.stderr = ""

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/"

    @property
    def hub_url(self) -> str:
        return f"ws://127.0.0.1:{self.hub_port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            wallboard("--config", str(self.config), "serve", f"floor={SAMPLE}", "--speed", "0",
                      "--listen", f"127.0.0.1:{self.hub_port}",
                      "--web", f"127.0.0.1:{self.web_port}"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
        )  # fmt: skip
        assert self.process.stdout is not None
        for _ in range(2):
            line = self.process.stdout.readline()
            assert line.startswith("wallboard "), line + self.process.stderr.read()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=TIMEOUT_S)
        self.stderr += stderr
        assert self.process.returncode == 0, stderr
        self.process = None

    def final_board(self) -> dict[str, Any]:
        """The hub's board once the file is played out (what every viewer then shows)."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            # In a thread: Playwright's sync API runs an event loop in this one.
            with ThreadPoolExecutor(1) as thread:
                update = thread.submit(
                    asyncio.run, fetch_update(f"{self.hub_url}/floor", TOKEN)
                ).result()
            if update.status.state == "ended":
                return update.snapshot
            time.sleep(0.2)
        raise AssertionError("the hub never played the file out")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    config = tmp_path_factory.mktemp("web") / "wallboard.toml"
    config.write_text(f'[hub]\ntoken = "{TOKEN}"\n')
    hub = Served(config)
    hub.start()
    yield hub
    hub.stop()
    assert TOKEN not in hub.stderr
    assert "Traceback" not in hub.stderr


@pytest.fixture
def shots(request) -> Path:
    """Screenshots of this test, in test-output/web/ (git ignores it; CI may keep it)."""
    folder = REPO / "test-output" / "web" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def tile_texts(snapshot: dict[str, Any]) -> dict[str, str]:
    """The figures of the KPI tiles, from the hub's board (the board's own text forms)."""
    floor = snapshot["all"]
    window = floor["window"]
    agents = floor["agents"]
    return {
        "SL": f"{round(window['service_level'] * 100)}%",
        "Waiting": str(floor["waiting"]),
        "ASA": clock(window["asa_s"]),
        "Free/in svc": f"{agents['available']}/{sum(agents[s] for s in IN_SERVICE)}",
    }


def shows_digits(lines: list[str], text: str) -> bool:
    """Whether `text` is drawn in large digits on the screen: Textual's (either weight)
    or, on a wall tile tall enough for them, the board's block digits at any scale."""
    fonts = [
        "".join(s.text for s in Digits(text).render(Style(bold=bold))).split("\n")[:3]
        for bold in (True, False)
    ]
    fonts += [block_digits.render(text, scale) for scale in range(MIN_BLOCK_SCALE, 8)]
    for rows in fonts:
        for top in range(len(lines) - len(rows) + 1):
            column = lines[top].find(rows[0])
            while column >= 0:
                if all(lines[top + i][column:].startswith(rows[i]) for i in range(1, len(rows))):
                    return True
                column = lines[top].find(rows[0], column + 1)
    return False


def wait_for_screen(page: Any, done: Any, what: str) -> list[str]:
    deadline = time.monotonic() + TIMEOUT_S
    lines: list[str] | None = None
    while time.monotonic() < deadline:
        try:
            lines = page.evaluate(READ_SCREEN)
        except PlaywrightError:  # the page is reloading itself
            lines = None
        if lines and done(lines):
            return lines
        page.wait_for_timeout(250)
    raise AssertionError(f"the page never showed {what}:\n" + "\n".join(lines or ["(nothing)"]))


def open_page(browser: Any, url: str) -> Any:
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.add_init_script(CATCH_TERMINAL)
    page.goto(url)
    return page


def viewer_processes() -> list[tuple[list[str], dict[str, str]]]:
    """(argv, environment) of every `wallboard view` a page runs."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"wallboard.cli" not in argv or b"view" not in argv:
                continue
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(item.decode().partition("=")[::2] for item in environ if b"=" in item)
        found.append(([a.decode() for a in argv if a], env))
    return found


def test_a_wrong_token_shows_no_board_the_right_one_the_hubs_figures(browser, served, shots):
    board = served.final_board()
    page = open_page(browser, served.web_url + "?theme=light")
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    page.wait_for_selector("#message:has-text('Refused')", timeout=TIMEOUT_S * 1000)
    page.screenshot(path=shots / "wrong-token.png")
    assert page.is_visible("#token")
    assert page.is_hidden("#terminal")
    screen = page.evaluate(READ_SCREEN)
    assert screen is None or not any(line.strip() for line in screen)
    assert not [argv for argv, _ in viewer_processes() if served.hub_url in " ".join(argv)]

    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    figures = tile_texts(board)
    lines = wait_for_screen(
        page, lambda s: all(shows_digits(s, t) for t in figures.values()), f"the tiles {figures}"
    )
    page.screenshot(path=shots / "board.png")
    text = "\n".join(lines)
    for title in figures:
        assert title in text
    assert "ended" in text.lower() or "end of" in text.lower()
    # The page's viewer: its theme from the URL, the token in its environment, never its argv.
    (argv, env), *others = [p for p in viewer_processes() if served.hub_url in " ".join(p[0])]
    assert not others
    assert argv[argv.index("--theme") + 1] == "light"
    assert "--wall" not in argv
    assert not any(TOKEN in arg for arg in argv)
    assert env["WALLBOARD_HUB_TOKEN"] == TOKEN
    page.context.close()


def test_wall_and_theme_from_the_url_and_back_after_a_hub_restart(browser, served, shots):
    board = served.final_board()
    page = open_page(browser, served.web_url + "?wall=1&theme=high-contrast&source=floor")
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    waiting = tile_texts(board)["Waiting"]
    lines = wait_for_screen(page, lambda s: shows_digits(s, waiting), "the wall's tiles")
    assert "Agents" not in "\n".join(lines)  # the wall layout: tiles and alarms only
    (argv, _), *_ = [p for p in viewer_processes() if f"{served.hub_url}/floor" in p[0]]
    assert argv[argv.index("--theme") + 1] == "high-contrast"
    assert "--wall" in argv

    served.stop()
    page.wait_for_selector("#banner:has-text('reconnecting')", timeout=TIMEOUT_S * 1000)
    page.screenshot(path=shots / "hub-gone.png")
    served.start()
    # The page comes back by itself, with the token it was given (no one at a wall TV to type it).
    board = served.final_board()
    waiting = tile_texts(board)["Waiting"]
    wait_for_screen(page, lambda s: shows_digits(s, waiting) and "Agents" not in "\n".join(s),
                    "the board after the restart")  # fmt: skip
    assert page.is_hidden("#login")
    page.screenshot(path=shots / "after-restart.png")
    page.context.close()


def test_wallboard_web_for_a_hub_elsewhere_rides_out_its_restart(browser, served, shots):
    """`wallboard web ws://HUB`: the hub checks the token; its restarts leave the page up."""
    web = subprocess.Popen(
        wallboard("web", f"{served.hub_url}/floor", "--listen", "127.0.0.1:0"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
    )  # fmt: skip
    try:
        assert web.stdout is not None
        url = web.stdout.readline().split()[3]
        board = served.final_board()
        page = open_page(browser, url)
        page.fill("#token", "a-guess")
        page.click("button[type=submit]")
        page.wait_for_selector("#message:has-text('Refused')", timeout=TIMEOUT_S * 1000)
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        waiting = tile_texts(board)["Waiting"]
        wait_for_screen(page, lambda s: shows_digits(s, waiting), "the board")
        served.stop()
        gone = wait_for_screen(page, lambda s: "disconnected" in s[0] or "connecting" in s[0],
                               "the hub's absence")  # fmt: skip
        assert shows_digits(gone, waiting)  # the last figures stay on screen
        page.screenshot(path=shots / "hub-gone.png")
        served.start()
        wait_for_screen(page, lambda s: "ended" in s[0], "the board of the restarted hub")
        assert page.is_hidden("#banner")  # the page itself never lost its server
        page.context.close()
    finally:
        web.send_signal(signal.SIGTERM)
        _, stderr = web.communicate(timeout=TIMEOUT_S)
    assert web.returncode == 0, stderr
    assert TOKEN not in stderr and "a-guess" not in stderr
    assert "Traceback" not in stderr
