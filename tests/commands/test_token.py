"""`wallboard token` and a hub that admits only the tokens of `[hub] tokens_file`."""

from __future__ import annotations

import asyncio
import signal
import stat
import subprocess

import pytest
from websockets.exceptions import ConnectionClosed

from tests.hub.conftest import TIMEOUT_S, next_frame, open_viewer
from tests.hub.test_serve_command import clean_env, wallboard
from wallboard.hub import protocol
from wallboard.hub.access import Grant, Scope, load_tokens_file, verify_token


def token_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        wallboard("token", *args), capture_output=True, text=True, env=clean_env(), timeout=60
    )


def test_token_prints_the_files_line_and_shows_the_token_once(tmp_path):
    made = token_command("Alice M", "--role", "supervisor", "--queues", "sales,support-*")
    assert made.returncode == 0, made.stderr
    (line,) = made.stdout.splitlines()
    token = made.stderr.rsplit(": ", 1)[1].strip()
    assert token.startswith("wbt_") and token not in made.stdout
    path = tmp_path / "tokens.toml"
    path.write_text(line + "\n")
    (entry,) = load_tokens_file(path)
    assert entry.grant == Grant("Alice M", "supervisor", Scope(queues=("sales", "support-*")))
    assert verify_token(token, entry.hash)


def test_token_add_appends_to_an_owner_only_file_and_prints_the_token(tmp_path):
    path = tmp_path / "tokens.toml"
    first = token_command("wall-east", "--sources", "east", "--add", str(path))
    second = token_command("bob", "--teams", "blue", "--teams", "red", "--add", str(path))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = load_tokens_file(path)
    assert [e.grant for e in entries] == [
        Grant("wall-east", "viewer", Scope(sources=("east",))),
        Grant("bob", "viewer", Scope(teams=("blue", "red"))),
    ]
    for made, entry in zip((first, second), entries, strict=True):
        assert verify_token(made.stdout.strip(), entry.hash)
        assert made.stdout.strip() not in path.read_text()
    again = token_command("bob", "--add", str(path))
    assert again.returncode == 2
    assert (
        again.stderr
        == f"wallboard: error: {path}: 'bob' has a token already; remove its line first\n"
    )
    assert len(load_tokens_file(path)) == 2


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("bad\nname",), "token name 'bad\\nname': 1-64 letters"),
        (("carol", "--queues", ","), "--queues: '' is not a name or a glob"),
        (("carol", "--role", "admin"), "invalid choice: 'admin'"),
    ],
)
def test_token_mistakes_are_one_line(args, error):
    made = token_command(*args)
    assert made.returncode == 2
    assert error in made.stderr
    assert "Traceback" not in made.stderr and made.stdout == ""


async def test_serve_admits_the_tokens_of_its_tokens_file_with_their_scopes(run_a, tmp_path):
    tokens = tmp_path / "tokens.toml"
    sales = token_command("sales-wall", "--queues", "sales", "--add", str(tokens)).stdout.strip()
    config = tmp_path / "wallboard.toml"
    config.write_text('[hub]\ntokens_file = "tokens.toml"\n')  # no shared token at all
    process = await asyncio.create_subprocess_exec(
        *wallboard("serve", str(run_a / "queue_log"), "--listen", "127.0.0.1:0", "--speed", "0",
                   "--config", str(config)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_S):
            banner = (await process.stdout.readline()).decode()
        url = banner.split()[3].rstrip("/")
        viewer = await open_viewer(url, sales)
        hello = await next_frame(viewer)
        assert hello["viewer"]["name"] == "sales-wall"
        async with asyncio.timeout(TIMEOUT_S):
            while (frame := await next_frame(viewer))["status"]["state"] != "ended":
                assert set(frame["snapshot"]["queues"]) <= {"sales"}
        assert list(frame["snapshot"]["queues"]) == ["sales"]
        await viewer.close()
        intruder = await open_viewer(url, sales[:-1] + ("x" if sales[-1] != "x" else "y"))
        with pytest.raises(ConnectionClosed) as closed:
            await next_frame(intruder)
        assert closed.value.rcvd.code == protocol.CLOSE_TOKEN_INVALID
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT_S):
            await process.wait()
    stderr = (await process.stderr.read()).decode()
    assert process.returncode == 0, stderr
    assert sales not in stderr
    assert "Traceback" not in stderr


def test_serve_with_an_empty_tokens_file_and_no_token_says_what_to_do(tmp_path):
    (tmp_path / "tokens.toml").write_text("# no tokens yet\n")
    config = tmp_path / "wallboard.toml"
    config.write_text('[hub]\ntokens_file = "tokens.toml"\n')
    result = subprocess.run(
        wallboard("serve", str(tmp_path / "queue_log"), "--config", str(config)),
        capture_output=True, text=True, env=clean_env(), timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"wallboard: error: no hub token: {tmp_path / 'tokens.toml'} holds no token;"
        " add one with `wallboard token`\n"
    )
