"""`wallboard demo`: the bundled recording of a simulated shift, for training and trying out."""

from __future__ import annotations

import argparse

from wallboard.commands.launch import add_replay_arguments, run_replay
from wallboard.errors import WallboardError

NAME = "demo"
HELP = "replay the bundled demo shift on the board"
DESCRIPTION = """\
Replay the bundled recording of a simulated 4-hour shift with a mid-morning
surge (installed with the package) with the full board and replay
controls: a safe way to learn the wallboard or to train supervisors.
It opens at 10:25, five minutes into the surge, when callers queue and the
service level falls; --at 09:00 starts at the beginning of the shift.
Press ? for every key.
"""

# The first screen shows what the board is for: 17 callers waiting with nobody free,
# the service level falling through 68 %, the alarms firing (recordings/README.md).
BUSY_AT = "10:25"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_replay_arguments(parser)
    parser.set_defaults(at=BUSY_AT)


def run(args: argparse.Namespace) -> int:
    from importlib.resources import as_file

    from wallboard.recordings import sample_shift

    # Package data, so an installed wallboard (pip, pipx) has the sample too.
    with as_file(sample_shift()) as sample:
        if not sample.is_file():
            raise WallboardError(
                f"no demo recording at {sample}: the installation is incomplete, reinstall "
                "wallboard (in a checkout, regenerate it: `python -m wallboard.simulator.sample "
                "--out recordings/sample-shift.wbrec`)"
            )
        return run_replay(str(sample), args)
