"""`wallboard demo`: the bundled recording of a simulated shift, for training and trying out."""

from __future__ import annotations

import argparse
from pathlib import Path

from wallboard.errors import WallboardError
from wallboard.tui.launch import add_replay_arguments, run_replay

NAME = "demo"
HELP = "replay the bundled demo shift on the board"
DESCRIPTION = """\
Replay the bundled recording of a simulated 4-hour shift with a mid-morning
surge (recordings/ in the repository) with the full board and replay
controls: a safe way to learn the wallboard or to train supervisors.
Press ? for every key.
"""

# The checkout's bundled sample (the package is installed in place from the repository).
DEMO_RECORDING = Path(__file__).resolve().parents[2] / "recordings" / "sample-shift.wbrec"


def demo_recording() -> Path:
    if not DEMO_RECORDING.is_file():
        raise WallboardError(
            f"no demo recording at {DEMO_RECORDING}; regenerate it with "
            "`python -m wallboard.simulator.sample --out recordings/sample-shift.wbrec`"
        )
    return DEMO_RECORDING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_replay_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_replay(str(demo_recording()), args)
