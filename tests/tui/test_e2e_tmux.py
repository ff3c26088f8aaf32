"""`wallboard demo` in a real terminal (tmux): the keys a trainer uses, read off the screen."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WALLBOARD = Path(sys.executable).with_name("wallboard")
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0
# A queue row: name, calls waiting, longest wait, service level.
QUEUE_ROW = re.compile(r"^│ (\w+)\s+(\d+)\s+(?:\d+:\d\d|--)\s+(\d+)%", re.MULTILINE)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def title(self) -> str:
        """The pane's title: what an OSC 2 escape sequence would set."""
        return subprocess.run(
            ["tmux", "display-message", "-p", "-t", self.name, "#{pane_title}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate: Callable[[str], object], what: str) -> str:
        """Poll the screen until `predicate` holds (bounded: fails after WAIT_S)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; screen was:\n{self.screen()}")


@contextlib.contextmanager
def terminal(
    command: str, width: int = 120, height: int = 40, cwd: Path | None = None
) -> Iterator[Terminal]:
    """`command` in a detached tmux session of its own, killed on the way out."""
    name = f"wallboard-e2e-{uuid.uuid4().hex[:8]}"
    size = ["-x", str(width), "-y", str(height)]
    where = ["-c", str(cwd)] if cwd else []
    subprocess.run(["tmux", "new-session", "-d", "-s", name, *size, *where, command], check=True)
    try:
        yield Terminal(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def replay_clock(screen: str) -> str:
    match = re.search(r"(PAUSED|PLAYING) \S+x\s+(\d\d:\d\d:\d\d)", screen)
    assert match, screen
    return match.group(2)


def make_demo() -> str:
    """What `make demo` runs (its install step taken as done: the suite runs installed)."""
    return subprocess.run(
        ["make", "-s", "-n", "-o", ".venv/.installed", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_make_demo_opens_on_a_busy_floor_and_takes_the_trainers_keys():
    command = f"{make_demo()}; echo WALLBOARD-EXITED-$?; sleep 60"
    with terminal(command, cwd=ROOT) as term:
        first = term.wait_for(lambda s: "PLAYING" in s and QUEUE_ROW.search(s), "the board")
        # The first screen shows what the board is for: callers waiting, service levels.
        rows = QUEUE_ROW.findall(first)
        assert rows and sum(int(waiting) for _, waiting, _ in rows) > 0, first
        assert all(0 <= int(sl) <= 100 for _, _, sl in rows)
        assert "REPLAY" in first and "10:25" in first
        term.keys("Space")
        paused = term.wait_for(lambda s: "PAUSED" in s, "pause")
        before = replay_clock(paused)
        term.keys("Right")
        moved = term.wait_for(lambda s: replay_clock(s) != before, "a seek")
        assert _seconds(replay_clock(moved)) - _seconds(before) == 60
        term.keys("]")
        term.wait_for(lambda s: _seconds(replay_clock(s)) - _seconds(before) == 660, "+10 min")
        term.keys("t")
        term.wait_for(lambda s: "Theme: light" in s, "the theme notice")
        term.keys("?")
        help_screen = term.wait_for(lambda s: "Keys  (Esc closes)" in s, "the help overlay")
        assert "Seek forward ten minutes" in help_screen
        term.keys("Escape")
        term.wait_for(lambda s: "Keys  (Esc closes)" not in s, "help to close")
        term.keys("q")
        term.wait_for(lambda s: "WALLBOARD-EXITED-0" in s, "a clean exit")


def test_escape_sequences_in_a_queue_log_do_not_drive_the_terminal(tmp_path):
    """An agent name and a caller's number that would retitle and clear the terminal."""
    escapes = "\x1b]2;PWNED\x07\x1b[2J"
    log = tmp_path / "queue_log"
    log.write_text(
        "1795381978|NONE|NONE|NONE|QUEUESTART|\n"
        f"1795381979|MANAGER|support|Eve{escapes}|ADDMEMBER|\n"
        f"1795381983|c1|support|NONE|ENTERQUEUE||555{escapes}01|1\n"
        f"1795381985|c1|support|Eve{escapes}|CONNECT|2|c1.2|2\n"
        "1795381999|c1|support|NONE|QUEUESTART|\n"
    )
    command = f"{WALLBOARD} replay {log} --at +10s --paused; sleep 60"
    with terminal(command) as term:
        screen = term.wait_for(lambda s: "talking" in s, "the agent talking")
        # Shown as text (a narrow column cuts it short, or leaves the caller's out), not obeyed.
        assert "Eve\ufffd]2;PW" in screen, screen
        assert "555\ufffd]2;PW" in screen or "Detail" not in screen, screen
        assert "PWNED" not in term.title()
        term.keys("q")


def _seconds(clock: str) -> int:
    h, m, s = (int(part) for part in clock.split(":"))
    return h * 3600 + m * 60 + s
