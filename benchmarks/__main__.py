"""`make bench`: run every benchmark module, print a table, write bench-results.json.

Each module in `benchmarks/` that defines `run() -> list[BenchResult]` is a
benchmark; `python -m benchmarks NAME...` runs only the named ones. Each runs in
an interpreter of its own, so peak memory figures and the garbage collector's
state belong to that benchmark alone, not to the ones that ran before it.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import benchmarks
from benchmarks.common import BenchResult, machine_info

RESULTS_FILE = Path("bench-results.json")


def _modules(only: list[str]) -> list[str]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name not in ("common", "__main__")
    )
    return [n for n in names if not only or n in only]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"


def _run_one(name: str, out: Path) -> None:
    """In the child interpreter: one module's results as JSON in `out`."""
    module = importlib.import_module(f"benchmarks.{name}")
    results = module.run() if hasattr(module, "run") else []
    out.write_text(json.dumps([asdict(r) for r in results]))


def _run_isolated(name: str) -> list[BenchResult]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "results.json"
        command = [sys.executable, "-m", "benchmarks", "--one", name, str(out)]
        if subprocess.run(command, check=False).returncode != 0:
            raise SystemExit(f"benchmark {name} failed")
        return [BenchResult(**r) for r in json.loads(out.read_text())]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        _run_one(argv[1], Path(argv[2]))
        return 0
    results: list[BenchResult] = []
    for name in _modules(argv):
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        results.extend(_run_isolated(name))
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    header = f"{'benchmark':<52} {'value':>14} {'unit':<10} {'baseline':>12} {'ratio':>8}  target"
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        verdict = "" if r.met is None else ("  ok" if r.met else "  MISSED")
        print(
            f"{r.name:<52} {_fmt(r.value):>14} {r.unit:<10} {_fmt(r.baseline):>12} "
            f"{_fmt(r.ratio):>8}  {r.target}{verdict}"
        )
    RESULTS_FILE.write_text(
        json.dumps({"machine": machine_info(), "results": [r.to_json() for r in results]}, indent=2)
        + "\n"
    )
    print(f"\nwrote {RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
