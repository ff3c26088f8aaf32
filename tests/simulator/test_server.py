"""The AMI server over real TCP on 127.0.0.1: a raw client and the real pyst2."""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest
from asterisk.manager import Manager, ManagerAuthException, ManagerSocketException

from wallboard.errors import WallboardError
from wallboard.simulator.model import CallCentre
from wallboard.simulator.scenarios import build_scenario
from wallboard.simulator.server import AmiServer, SimUser, users_from_env

USERS = {"wallboard": SimUser("wallboard", "wbpass"), "admin": SimUser("admin", "adm", True)}
TIMEOUT = 10.0


async def _started(speed: float, hours: float = 0.25, agents: int = 12, **kwargs):
    model = CallCentre(build_scenario("spike", duration_s=hours * 3600, agents=agents), seed=3)
    server = AmiServer(model, USERS, speed=speed, auth_fail_delay_s=0.05, **kwargs)
    _, port = await server.start("127.0.0.1", 0)
    runner = asyncio.create_task(server.run())
    return server, runner, port


async def _stop(server, runner):
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    await server.close()


async def _read_block(reader) -> dict[str, str]:
    headers: dict[str, str] = {}
    while True:
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
        assert line.endswith(b"\r\n"), line
        if line == b"\r\n":
            if headers:
                return headers
            continue
        key, _, value = line.decode().rstrip("\r\n").partition(": ")
        headers.setdefault(key, value)


async def _until(reader, predicate) -> dict[str, str]:
    for _ in range(100_000):
        block = await _read_block(reader)
        if predicate(block):
            return block
    raise AssertionError("not seen")


def _action(writer, **headers: str) -> None:
    writer.write("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n")


async def test_raw_client_logs_in_pings_lists_and_receives_events():
    server, runner, port = await _started(speed=200.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
        _action(writer, Action="Login", ActionID="l1", Username="wallboard", Secret="wbpass")
        login = await _read_block(reader)
        assert login == {
            "Response": "Success",
            "ActionID": "l1",
            "Message": "Authentication accepted",
        }
        _action(writer, Action="Ping", ActionID="p1")
        pong = await _until(reader, lambda b: b.get("ActionID") == "p1")
        assert pong["Ping"] == "Pong" and float(pong["Timestamp"]) >= 1732266000.0
        connect = await _until(reader, lambda b: b.get("Event") == "AgentConnect")
        assert connect["Privilege"] == "agent,all" and float(connect["Timestamp"]) > 0
        _action(writer, Action="QueueStatus", ActionID="qs")
        start = await _until(reader, lambda b: b.get("ActionID") == "qs")
        assert start["Response"] == "Success" and start["EventList"] == "start"
        items = []
        while True:
            block = await _until(reader, lambda b: b.get("ActionID") == "qs")
            if block["Event"] == "QueueStatusComplete":
                break
            items.append(block)
        assert block["EventList"] == "Complete" and int(block["ListItems"]) == len(items)
        kinds = {item["Event"] for item in items}
        assert (
            {"QueueParams", "QueueMember"} <= kinds <= {"QueueParams", "QueueMember", "QueueEntry"}
        )
        _action(writer, Action="QueueReset", ActionID="r1")
        refused = await _until(reader, lambda b: b.get("ActionID") == "r1")
        assert refused == {"Response": "Error", "ActionID": "r1", "Message": "Permission denied"}
        _action(writer, Action="Logoff", ActionID="bye")
        goodbye = await _until(reader, lambda b: b.get("ActionID") == "bye")
        assert goodbye["Response"] == "Goodbye"
    finally:
        writer.close()
        await _stop(server, runner)


async def test_wrong_secret_is_refused_and_the_connection_closed():
    server, runner, port = await _started(speed=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()
        _action(writer, Action="Login", Username="wallboard", Secret="nope")
        refused = await _read_block(reader)
        assert refused == {"Response": "Error", "Message": "Authentication failed"}
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
    finally:
        writer.close()
        await _stop(server, runner)


async def test_actions_before_login_and_unknown_actions_are_errors():
    server, runner, port = await _started(speed=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()
        _action(writer, Action="QueueStatus")
        assert (await _read_block(reader))["Message"] == "Permission denied"
        _action(writer, Action="Login", Username="wallboard", Secret="wbpass")
        await _read_block(reader)
        _action(writer, Action="Events", EventMask="off")
        await _until(reader, lambda b: b.get("Events") == "Off")
        _action(writer, Action="Frobnicate")
        unknown = await _until(reader, lambda b: b.get("Response") == "Error")
        assert unknown["Message"].startswith("Invalid/unknown command: Frobnicate.")
    finally:
        writer.close()
        await _stop(server, runner)


async def test_a_client_that_never_reads_is_dropped_and_the_run_goes_on():
    log = io.StringIO()
    server, runner, port = await _started(
        speed=20000.0, hours=4.0, agents=40, queue_log=log, max_buffer=4096
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        _action(writer, Action="Login", Username="wallboard", Secret="wbpass")
        await asyncio.wait_for(server.finished.wait(), 60)
        assert server.model.drained and "|CONNECT|" in log.getvalue()
        # Dropped: the connection ends although the client never logged off.
        await asyncio.wait_for(reader.read(), TIMEOUT)
        assert log.getvalue().count("|CONNECT|") > 1_000
    finally:
        writer.close()
        await _stop(server, runner)


async def test_pyst2_logs_in_pings_and_gets_refused_queue_reset():
    server, runner, port = await _started(speed=0.001)
    manager = Manager()

    def session() -> tuple[str, str, str]:
        manager.connect("127.0.0.1", port)
        try:
            manager.login("wallboard", "wbpass")
            pong = manager.ping()
            status = manager.send_action({"Action": "QueueStatus"})
            reset = manager.send_action({"Action": "QueueReset"})
            return pong.get_header("Ping"), status.data, reset.get_header("Message")
        finally:
            # pyst2 0.5.1 races itself on Logoff: the server answers Goodbye and hangs
            # up (as Asterisk does), pyst2's reader thread closes the socket file on
            # EOF, and send_action's flush() may then hit the closed file.
            with contextlib.suppress(ValueError):
                manager.close()

    try:
        ping, status_text, reset_message = await asyncio.wait_for(
            asyncio.to_thread(session), TIMEOUT
        )
        assert ping == "Pong"
        assert "Event: QueueParams" in status_text and "Event: QueueStatusComplete" in status_text
        assert reset_message == "Permission denied"
    finally:
        await _stop(server, runner)


async def test_pyst2_wrong_secret_raises():
    server, runner, port = await _started(speed=0.001)
    manager = Manager()

    def login() -> None:
        manager.connect("127.0.0.1", port)
        try:
            manager.login("wallboard", "wrong")
        finally:
            # Asterisk (and the simulator) hang up after a failed login; pyst2's
            # Logoff then races its own reader closing the socket file (ValueError).
            with contextlib.suppress(ManagerSocketException, ValueError):
                manager.close()

    try:
        with pytest.raises(ManagerAuthException):
            await asyncio.wait_for(asyncio.to_thread(login), TIMEOUT)
    finally:
        await _stop(server, runner)


def test_accounts_come_from_the_environment_only():
    users = users_from_env({"WALLBOARD_SIM_USERS": "wb:se:cret,boss:pw:rw"})
    assert users["wb"] == SimUser("wb", "se:cret") and users["boss"].write
    assert users_from_env({"WALLBOARD_AMI_SECRET": "x"}) == {"wallboard": SimUser("wallboard", "x")}
    with pytest.raises(WallboardError):
        users_from_env({})


def test_a_user_reads_only_its_read_classes():
    users = users_from_env({"WALLBOARD_SIM_USERS": "ro:s:e:ro:read=call+Agent+reporting,all:pw"})
    assert users["ro"] == SimUser("ro", "s:e", read=frozenset({"call", "agent", "reporting"}))
    assert users["ro"].reads("agent,all") and not users["ro"].reads("dialplan,all")
    assert users["all"].reads("dialplan,all") and users["all"].reads("system,all")
    for bad in ("read=", "read=call+dialplna"):
        with pytest.raises(WallboardError, match=r"read= takes manager.conf read classes"):
            users_from_env({"WALLBOARD_SIM_USERS": f"ro:pw:{bad}"})
