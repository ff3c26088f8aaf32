"""deploy/: the systemd units and the container file, run for real (not through their init).

Each unit's ExecStart is read from the unit file and expanded the way systemd
does, from an environment file made from deploy/wallboard.env with this test's
addresses; the container's command is read from its ENTRYPOINT. Only the
install paths move into the test's reach (the venv's `wallboard`, the repo's
deploy/wallboard.toml, a temporary state directory) and the container's
0.0.0.0 becomes loopback. The commands then run against the simulator or the
bundled recording, with systemd's clean environment and a journal stream for
stderr, and are stopped with SIGTERM as systemd and docker stop them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alarms.receiver import Receiver
from wallboard.adapters.recording import RecordingSource
from wallboard.errors import WallboardError
from wallboard.hub.client import fetch_update

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("serve", "alerts", "record")
WALLBOARD = Path(sys.executable).with_name("wallboard")
SECRET, TOKEN = "sim-secret-for-deploy-tests", "hub-token-for-deploy-tests"
WAIT_S = 60.0


# ------------------------------------------------------------------ reading the files


def unit_file(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections and their settings (a key may repeat), as systemd.syntax(7) reads them."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    logical = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not logical and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        line, logical = logical + line, ""
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, comments and blank lines skipped, as EnvironmentFile= reads them."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def expand(command: str, env: dict[str, str]) -> list[str]:
    """systemd.service(5) "Command lines": words, then ${VAR} within a word, $VAR split."""
    assert "%" not in command, "no specifiers are expected in these units"
    words: list[str] = []
    for word in shlex.split(command):
        if re.fullmatch(r"\$\w+", word):
            words += env.get(word[1:], "").split()
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
    return words


def container_file() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Containerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Containerfile").read_text())
    rows = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in rows
        if line and not line.startswith("#")
    ]


# ------------------------------------------------------------------ running them


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """A command started as its init would: clean environment, stderr a journal stream."""

    def __init__(self, argv: list[str], env: dict[str, str], folder: Path, name: str) -> None:
        self.stderr_path = folder / f"{name}.stderr"
        self._stderr = self.stderr_path.open("wb")
        stat = os.fstat(self._stderr.fileno())
        environment = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env}
        environment["JOURNAL_STREAM"] = f"{stat.st_dev}:{stat.st_ino}"
        self.process = subprocess.Popen(
            argv, env=environment, cwd=folder, stdout=subprocess.PIPE, stderr=self._stderr
        )

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, as `systemctl stop` and `docker stop` send; (status, stdout, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=WAIT_S)
        self._stderr.close()
        return self.process.returncode, out.decode(), self.stderr_path.read_text()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT_S)
        self._stderr.close()


def journal_lines(stderr: str) -> list[tuple[int, str]]:
    """Every stderr line as journald files it: (syslog priority, text).

    A `<N>` prefix sets the priority (sd-daemon(3)); a line without one is
    filed at the default, info (6): what a command says as its outcome.
    """
    lines = []
    for line in stderr.splitlines():
        match = re.fullmatch(r"<([0-7])>(.*)", line)
        lines.append((int(match.group(1)), match.group(2)) if match else (6, line))
    assert "Traceback" not in stderr
    return lines


def wait_for_board(url: str, done=lambda update: True):
    """Poll the hub (bounded) until it answers with a board `done` accepts."""
    deadline = time.monotonic() + WAIT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            update = asyncio.run(fetch_update(url, TOKEN, timeout_s=5))
            if done(update):
                return update
        except WallboardError as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"no board from {url}: {last}")


def serves_the_pbx(hub: Service, site: dict[str, str]) -> tuple[int, str, str]:
    """A live board with the simulator's agents comes from the hub; then SIGTERM."""
    try:
        update = wait_for_board(site["WALLBOARD_HUB"], lambda u: u.snapshot.get("agents"))
        assert update.status.state == "live"
    finally:
        outcome = hub.stop()
    return outcome


@pytest.fixture(scope="module")
def pbx(tmp_path_factory) -> Iterator[int]:
    """The simulator: a real AMI server, a busy floor at 30x."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("pbx")
    sim = Service(
        [str(WALLBOARD), "simulate", "--listen", f"127.0.0.1:{port}", "--speed", "30"],
        {"WALLBOARD_AMI_SECRET": SECRET},
        folder,
        "simulate",
    )
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield port
    sim.stop()


@pytest.fixture
def site(tmp_path, pbx) -> dict[str, str]:
    """deploy/wallboard.env with this test's secrets and addresses."""
    values = environment_file(DEPLOY / "wallboard.env")
    listen = _free_port()
    values.update(
        WALLBOARD_AMI_SECRET=SECRET,
        WALLBOARD_HUB_TOKEN=TOKEN,
        WALLBOARD_PBX=f"ami://wallboard@127.0.0.1:{pbx}",
        WALLBOARD_LISTEN=f"127.0.0.1:{listen}",
        WALLBOARD_HUB=f"ws://127.0.0.1:{listen}/main",
    )
    return values


def unit_command(name: str, env: dict[str, str], state: Path) -> tuple[list[str], dict]:
    """The unit's ExecStart, expanded from its EnvironmentFile, with the install paths moved."""
    service = unit_file(DEPLOY / "systemd" / f"wallboard-{name}.service")["Service"]
    assert service["EnvironmentFile"] == ["/etc/wallboard/wallboard.env"]
    (command,) = service["ExecStart"]
    moved = {
        "/opt/wallboard/bin/wallboard": str(WALLBOARD),
        "/etc/wallboard/wallboard.toml": str(DEPLOY / "wallboard.toml"),
        "/var/lib/wallboard": str(state),
    }
    return [moved.get(word, word) for word in expand(command, env)], service


# ------------------------------------------------------------------ the units


@pytest.mark.parametrize("name", UNITS)
def test_units_restart_on_failure_keep_secrets_in_the_environment_file_and_are_hardened(
    name, tmp_path
):
    unit = DEPLOY / "systemd" / f"wallboard-{name}.service"
    service = unit_file(unit)["Service"]
    assert service["Restart"] == ["on-failure"] and service["RestartPreventExitStatus"] == ["2"]
    assert "SECRET" not in service["ExecStart"][0] and "TOKEN" not in service["ExecStart"][0]
    assert service["DynamicUser"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    assert service["CapabilityBoundingSet"] == [""]
    # systemd's own checks, on a copy whose ExecStart names an existing binary.
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/wallboard/bin/wallboard", str(WALLBOARD)))
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
    assert exposure and float(exposure.group(1)) <= 2.0, security.stdout[-2000:]


def test_serve_unit_serves_the_pbx_and_stops_cleanly_on_sigterm(site, tmp_path):
    argv, _ = unit_command("serve", site, tmp_path)
    status, out, err = serves_the_pbx(Service(argv, site, tmp_path, "serve"), site)
    assert status == 0, err
    assert out.startswith(f"wallboard hub on ws://{site['WALLBOARD_LISTEN']}/ serving main")
    assert all(priority >= 4 for priority, _ in journal_lines(err))


def test_alerts_unit_pages_the_alarms_already_firing_and_stops_cleanly(site, tmp_path, run_a):
    """A hub on the real capture, played out: it ends with alarms firing."""
    listen = site["WALLBOARD_LISTEN"]
    log = run_a / "queue_log"
    hub = Service(
        [str(WALLBOARD), "serve", f"main={log}", "--speed", "0", "--listen", listen],
        {"WALLBOARD_HUB_TOKEN": TOKEN},
        tmp_path,
        "hub",
    )
    try:
        wait_for_board(site["WALLBOARD_HUB"], lambda u: u.snapshot.get("alarms"))
        with Receiver() as receiver:
            argv, _ = unit_command("alerts", {**site, "WALLBOARD_WEBHOOK": receiver.url}, tmp_path)
            alerts = Service(argv, site, tmp_path, "alerts")
            deadline = time.monotonic() + WAIT_S
            while not receiver.accepted and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.5)  # the rest of the burst
            status, out, err = alerts.stop()
    finally:
        hub.stop()
    assert status == 0, err
    assert receiver.accepted, "no alarm reached the webhook"
    assert {p["status"] for p in receiver.accepted} == {"firing"}
    assert out.splitlines()[0].split()[1] == "ACTIVE"  # --format text, to the journal
    assert len(out.splitlines()) == len(receiver.accepted)
    journal_lines(err)


def test_record_unit_writes_a_new_file_in_its_state_directory(site, tmp_path):
    state = tmp_path / "state"
    state.mkdir()  # StateDirectory=: systemd creates it before the start
    argv, _ = unit_command("record", site, state)
    record = Service(argv, site, tmp_path, "record")
    try:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            files = list(state.iterdir())
            if files and sum(r.kind == "ami" for r in RecordingSource(files[0]).raw()) > 50:
                break
            time.sleep(0.3)
    finally:
        status, _, err = record.stop()
    assert status == 0, err
    (recording,) = state.iterdir()
    assert re.fullmatch(r"127\.0\.0\.1-\d{8}T\d{6}Z\.wbrec", recording.name)
    states = [r.payload["state"] for r in RecordingSource(recording).raw() if r.kind == "status"]
    assert states[:3] == ["connecting", "resyncing", "live"]
    assert SECRET.encode() not in recording.read_bytes()
    ((priority, text),) = journal_lines(err)  # the summary, at the default priority
    assert text.startswith("wallboard: recorded ") and priority == 6


def test_journal_lines_carry_levels_and_no_timestamps(site, tmp_path):
    """A PBX that never answers: warnings at priority 4, the final error at 3."""
    site["WALLBOARD_PBX"] = f"ami://wallboard@127.0.0.1:{_free_port()}"
    argv, _ = unit_command("record", site, tmp_path)
    record = Service(argv, site, tmp_path, "record")
    deadline = time.monotonic() + WAIT_S
    while "disconnected" not in record.stderr_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # until a refused attempt has been told
    status, _, err = record.stop()
    assert status == 2
    lines = journal_lines(err)
    assert lines[0] == (4, f"{site['WALLBOARD_PBX']}: disconnected: Connection refused")
    assert lines[-1][0] == 3 and lines[-1][1].startswith("error: ")
    assert not re.search(r"\d\d:\d\d:\d\d", err)  # journald stamps the time itself


# ------------------------------------------------------------------ the container


def test_container_entry_command_serves_and_stops_cleanly_on_sigterm(site, tmp_path):
    instructions = container_file()
    (entry,) = [json.loads(args) for kind, args in instructions if kind == "ENTRYPOINT"]
    (default,) = [json.loads(args) for kind, args in instructions if kind == "CMD"]
    env = dict(args.split("=", 1) for kind, args in instructions if kind == "ENV")
    copied = {
        dest: ROOT / source
        for kind, args in instructions
        if kind == "COPY" and not args.startswith("--")
        for source, dest in [args.split()]
    }
    # The image's venv is the build stage's /opt/wallboard (pip install of the source).
    assert entry[0] == "/opt/wallboard/bin/wallboard"
    assert any("python -m venv /opt/wallboard" in args for kind, args in instructions)
    listen = site["WALLBOARD_LISTEN"]
    moved = {entry[0]: str(WALLBOARD), "0.0.0.0:8765": listen}
    moved.update({dest: str(source) for dest, source in copied.items()})
    command = [moved.get(word, word) for word in entry]
    assert Path(command[command.index("--config") + 1]).is_file()

    # `docker run IMAGE` alone: the help of serve, and a clean exit.
    shown = subprocess.run(
        [*command, *default], env={**os.environ, **env}, capture_output=True, timeout=60
    )
    assert shown.returncode == 0 and b"usage: wallboard serve" in shown.stdout

    # `docker run --env-file wallboard.env IMAGE main=ami://...`
    secrets = {k: site[k] for k in ("WALLBOARD_AMI_SECRET", "WALLBOARD_HUB_TOKEN")}
    container = Service(
        [*command, f"main={site['WALLBOARD_PBX']}"], {**env, **secrets}, tmp_path, "container"
    )
    status, _, err = serves_the_pbx(container, site)
    assert status == 0, err
