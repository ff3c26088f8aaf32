"""Shared test fixtures: the contract folder `../shared` beside the repository, a shift."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic import generate_shift

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RUN_A = SHARED / "fixtures" / "asterisk-22-run-a"
RUN_D = SHARED / "fixtures" / "asterisk-22-run-d"


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
