"""Start-up: how long a user waits for `wallboard --version`, `metrics --help` and `metrics`.

Each command runs as a user runs it (the installed `wallboard` script, a fresh
interpreter every time), interleaved with the baseline `python -c pass` (the
same interpreter with nothing to do: its own start and `site`), so a busy spell
of the shared machine hits both sides. Figures are wall milliseconds, the median
of ROUNDS runs; the note adds the median CPU (user + system) of the child.

`metrics` on the sample is also run with an empty rule file: the difference is
what stepping the built-in alarm rules through the shift costs.

The children may write bytecode (into a scratch PYTHONPYCACHEPREFIX, not the
tree), and a first untimed run of each writes it: an installed wheel has its
`.pyc` files, so compiling every module at each start (PYTHONDONTWRITEBYTECODE,
as some shells set) is not what a user waits for.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import as_file
from pathlib import Path

from benchmarks.common import BenchResult
from wallboard.recordings import sample_shift

ROUNDS = 5
VERSION_TARGET_MS = 60.0
METRICS_TARGET_MS = 200.0


def _wallboard() -> list[str]:
    script = Path(sys.executable).with_name("wallboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wallboard.cli"]


def _once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU ms of one run of `command` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def _medians(commands: dict[str, list[str]], env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Median wall and CPU ms of each command, the commands interleaved round by round."""
    for command in commands.values():  # writes the bytecode, warms the page cache
        _once(command, env)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(ROUNDS):
        for name, command in commands.items():
            runs[name].append(_once(command, env))
    return {
        name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
        for name, got in runs.items()
    }


def run() -> list[BenchResult]:
    wallboard = _wallboard()
    with as_file(sample_shift()) as sample, tempfile.TemporaryDirectory() as scratch:
        no_rules = Path(scratch) / "no-rules.toml"
        no_rules.write_text("# no rules: metrics without alarm stepping\n")
        commands = {
            "pass": [sys.executable, "-c", "pass"],
            "version": [*wallboard, "--version"],
            "help": [*wallboard, "metrics", "--help"],
            "metrics": [*wallboard, "metrics", str(sample)],
            "metrics, no rules": [*wallboard, "metrics", str(sample), "--rules", str(no_rules)],
        }
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        got = _medians(commands, env)
    base_wall, base_cpu = got["pass"]
    baseline = f"baseline = `python -c pass` ({base_wall:.0f} ms wall, {base_cpu:.0f} ms CPU)"
    where = f"median of {ROUNDS}, interleaved; {os.cpu_count()} cores shared"

    def row(name: str, key: str, target_ms: float | None, extra: str = "") -> BenchResult:
        wall, cpu = got[key]
        return BenchResult(
            name,
            wall,
            "ms wall",
            baseline=base_wall,
            target="" if target_ms is None else f"< {target_ms:.0f} ms",
            met=None if target_ms is None else wall < target_ms,
            note=f"{where}; CPU {cpu:.0f} ms; {baseline}{extra}",
        )

    alarms_ms = got["metrics"][0] - got["metrics, no rules"][0]
    return [
        row("start-up: wallboard --version", "version", VERSION_TARGET_MS),
        row("start-up: wallboard metrics --help", "help", None),
        row(
            "wallboard metrics on the sample shift",
            "metrics",
            METRICS_TARGET_MS,
            f"; of which {alarms_ms:.0f} ms is stepping the built-in alarm rules",
        ),
        row("wallboard metrics on the sample, no alarm rules", "metrics, no rules", None),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
