"""Shared test fixtures: the contract folder `../shared` beside the repository, a shift."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.synthetic import generate_shift

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RUN_A = SHARED / "fixtures" / "asterisk-22-run-a"
RUN_D = SHARED / "fixtures" / "asterisk-22-run-d"


@pytest.fixture(scope="session", autouse=True)
def private_tmux() -> Iterator[None]:
    """A tmux server of the suite's own, kept up from the first terminal test to the last.

    On the default server, another user's (or another suite's) sessions mix with
    ours, and when a test kills the server's last session the server exits: the
    next test's `new-session` can reach it while it dies and fail. A keeper
    session holds this one up until the suite ends.
    """
    if shutil.which("tmux") is None:
        yield
        return
    saved = {key: os.environ.get(key) for key in ("TMUX", "TMUX_TMPDIR")}
    with tempfile.TemporaryDirectory(prefix="wallboard-tmux-") as directory:
        os.environ.pop("TMUX", None)  # inside a tmux, commands would go to that server
        os.environ["TMUX_TMPDIR"] = directory
        keeper = ["tmux", "new-session", "-d", "-s", "keeper", "sleep 86400"]
        subprocess.run(keeper, check=True)
        try:
            yield
        finally:
            subprocess.run(["tmux", "kill-server"], check=False, capture_output=True)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def run_a() -> Path:
    """The real Asterisk 22 capture; tests that need it skip where it is absent."""
    if not RUN_A.is_dir():
        pytest.skip("../shared/fixtures/asterisk-22-run-a is not present")
    return RUN_A


@pytest.fixture(scope="session")
def shift_events() -> list:
    """A seeded two-hour synthetic shift: 14 agents, 3 queues (what replays and the TUI play)."""
    return list(generate_shift(7, agents=14, queues=3, hours=2.0))


@pytest.fixture
def run_d() -> Path:
    """The real Asterisk 22 run seen by two AMI users, with a reload and a restart."""
    if not RUN_D.is_dir():
        pytest.skip("../shared/fixtures/asterisk-22-run-d is not present")
    return RUN_D
