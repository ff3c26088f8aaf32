"""Shared test fixtures: the contract folder `../shared` beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RUN_A = SHARED / "fixtures" / "asterisk-22-run-a"


@pytest.fixture
def run_a() -> Path:
    """The real Asterisk 22 capture; tests that need it skip where it is absent."""
    if not RUN_A.is_dir():
        pytest.skip("../shared/fixtures/asterisk-22-run-a is not present")
    return RUN_A
