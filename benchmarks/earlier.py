"""An earlier commit's engine, imported beside today's: the baseline of a speed-up.

A before/after figure from two runs minutes apart measures the machine as much as
the change (the shared machine moves 10-20 % between runs), so the engine rows
replay the same stream through both engines in one process, alternately.
`wallboard/engine/` of the named commit is read from git into a scratch package
whose imports point at itself; everything else (the events, the errors) is today's.
Without git or that commit (a source tarball) there is no baseline.
"""

from __future__ import annotations

import atexit
import importlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# main before issue 14's engine-speed work of 2026-12-02 (session 3).
ENGINE_BEFORE = "4f56b1f"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout


def earlier_engine(commit: str = ENGINE_BEFORE) -> tuple[Any, Any] | None:
    """`Engine` and `EngineConfig` as they were at `commit` (None: git cannot say)."""
    name = f"wallboard_engine_{commit}"
    if name in sys.modules:
        return _classes(name)
    try:
        files = _git("ls-tree", "--name-only", commit, "wallboard/engine/").split()
        sources = {Path(f).name: _git("show", f"{commit}:{f}") for f in files if f.endswith(".py")}
    except (OSError, subprocess.CalledProcessError):
        return None
    scratch = Path(tempfile.mkdtemp(prefix="wallboard-bench-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    package = scratch / name
    package.mkdir()
    for filename, text in sources.items():
        (package / filename).write_text(text.replace("wallboard.engine", name))
    sys.path.insert(0, str(scratch))
    return _classes(name)


def _classes(name: str) -> tuple[Any, Any]:
    core = importlib.import_module(f"{name}.core")
    settings = importlib.import_module(f"{name}.settings")
    return core.Engine, settings.EngineConfig
