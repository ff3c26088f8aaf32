"""An earlier commit's engine or adapters, imported beside today's: a speed-up's baseline.

A before/after figure from two runs minutes apart measures the machine as much as
the change (the shared machine moves 10-20 % between runs), so the engine and
mapper rows replay the same input through both in one process, alternately. The
folder of the named commit is read from git into a scratch package whose imports
point at itself; everything else (the events, the settings) is today's.
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
# main before that work's AMI mapper changes (the engine's already in).
ADAPTERS_BEFORE = "ac6cf70"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout


def earlier_package(commit: str, tree: str, package: str) -> str | None:
    """Import the `tree` folder of `commit` (imported today as `package`) under a new name.

    Returns that name, or None when git cannot say (no repository, or no such commit).
    """
    name = f"{package.replace('.', '_')}_{commit}"
    if name in sys.modules:
        return name
    try:
        files = _git("ls-tree", "-r", "--name-only", commit, f"{tree}/").split()
        sources = {f: _git("show", f"{commit}:{f}") for f in files if f.endswith(".py")}
    except (OSError, subprocess.CalledProcessError):
        return None
    scratch = Path(tempfile.mkdtemp(prefix="wallboard-bench-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    for path, text in sources.items():
        target = scratch / name / Path(path).relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace(package, name))
    sys.path.insert(0, str(scratch))
    importlib.import_module(name)
    return name


def earlier_engine(commit: str = ENGINE_BEFORE) -> tuple[Any, Any] | None:
    """`Engine` and `EngineConfig` as they were at `commit` (None: git cannot say)."""
    name = earlier_package(commit, "wallboard/engine", "wallboard.engine")
    if name is None:
        return None
    core = importlib.import_module(f"{name}.core")
    settings = importlib.import_module(f"{name}.settings")
    return core.Engine, settings.EngineConfig


def earlier_recording_source(commit: str = ADAPTERS_BEFORE) -> Any | None:
    """`RecordingSource` (the AMI and queue_log mappers behind it) as it was at `commit`."""
    name = earlier_package(commit, "adapters", "wallboard.adapters")
    if name is None:
        return None
    return importlib.import_module(f"{name}.recording").RecordingSource
