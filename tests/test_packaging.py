"""The package as a user installs it: a wheel, in a fresh venv, away from the checkout.

Building the wheel and installing it with `--no-deps` keeps this fast and
offline; the fresh venv sees the test venv's dependencies through a `.pth`
line (a plain path: the test venv's own editable install of the checkout is not
activated there), so only what the wheel carries can make `wallboard` work.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.tui.test_e2e_tmux import terminal

ROOT = Path(__file__).resolve().parents[1]
# What a checkout holds that is not the package's source.
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def _run(*argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin/` of a fresh venv with the wheel built from this checkout installed."""
    work = tmp_path_factory.mktemp("wheel")
    # A copy, so that building leaves no build/ or egg-info behind in the checkout.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    pip = (sys.executable, "-m", "pip")
    built = _run(
        *pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", "dist", "./source", cwd=work
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("wallboard-*.whl")
    env = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work)
    (Path(site.stdout.strip()) / "test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = _run(
        *pip, "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=work
    )
    assert done.returncode == 0, done.stderr
    checked = _run(*pip, "--python", python, "check", cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return env / "bin"


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    where = _run(
        installed / "python",
        "-c",
        "import wallboard, wallboard.recordings as r; print(wallboard.__file__); "
        "print(r.sample_shift())",
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    package, sample = where.stdout.split()
    assert not Path(package).is_relative_to(ROOT)
    assert Path(sample).is_file() and not Path(sample).is_relative_to(ROOT)


def test_installed_metrics_reads_the_bundled_sample(installed, tmp_path):
    sample = _run(
        installed / "python",
        "-c",
        "import wallboard.recordings as r; print(r.sample_shift())",
        cwd=tmp_path,
    ).stdout.strip()
    result = _run(installed / "wallboard", "metrics", sample, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["queues"]) == {"sales", "support", "billing"}
    assert report["all"]["day"]["offered"] > 1500


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_installed_demo_opens_the_board(installed, tmp_path):
    command = f"cd {tmp_path} && {installed / 'wallboard'} demo; echo WALLBOARD-EXITED-$?; sleep 60"
    with terminal(command) as term:
        term.wait_for(lambda s: "PLAYING" in s and "Queues" in s, "the board")
        term.keys("q")
        term.wait_for(lambda s: "WALLBOARD-EXITED-0" in s, "a clean exit")
