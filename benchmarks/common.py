"""What every benchmark reports, so `make bench` can tabulate and compare runs.

Machines are noisy, so every figure that has a baseline is also reported as a
ratio measured in the same run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One measured figure; `target` says what the project promises for it."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better than the baseline (value/baseline for rates)."""
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
    }


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Wall-clock seconds of one call, and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def peak_rss_mb() -> float:
    """Peak resident set size of this process's own program so far, in MB.

    `getrusage`'s maximum outlives `exec` on Linux, so a "spawn" child (forked,
    then exec'd) would report the memory of the parent it was forked from. The
    kernel's high-water mark of the process's memory map (`VmHWM`) starts again
    at `exec`; `getrusage` is the answer only where there is no /proc.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def server_process(target: Callable[[Connection], None]) -> Iterator[tuple[int, int]]:
    """(pid, port) of a server run by `target` in a process of its own, so its CPU is its own.

    `target` gets a pipe and sends the port it listens on once it is ready.
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(child,), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("server process did not start")
        assert process.pid is not None
        yield process.pid, int(parent.recv())
    finally:
        process.terminate()
        process.join(10)
