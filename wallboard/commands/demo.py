"""`wallboard demo`: the bundled recording of a simulated shift, for training and trying out."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.errors import WallboardError
from wallboard.tui.launch import add_replay_arguments, run_replay

NAME = "demo"
HELP = "replay the bundled demo shift on the board"
DESCRIPTION = """\
Replay the bundled recording of a simulated shift (recordings/ in the
repository) with the full board and replay controls: a safe way to learn the
wallboard or to train supervisors. Press ? for every key.
"""

# The checkout's recordings/ (the package is installed in place from the repository).
RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"


def demo_recording() -> Path:
    found = sorted(p for p in RECORDINGS.glob("demo*") if p.is_file())
    if not found:
        raise WallboardError(f"no demo recording in {RECORDINGS} (expected a demo* file there)")
    return found[0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_replay_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_replay(str(demo_recording()), args)
