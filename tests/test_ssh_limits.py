"""Issue 2, SSH server limits: failed key attempts per connection, connections per source address,
login timeout and keepalives. asyncssh has none of the first two, so the server counts them itself.

One server for the module, with small limits set the way an admin would (config.toml).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time

import asyncssh
import pytest

from conftest import running_group
from harness import Terminal, add_members_direct, make_key, openssh_args, safespace_here, ssh_connect

MAX_AUTH_FAILURES = 3
MAX_PER_ADDRESS = 3
LOGIN_TIMEOUT = 2.0

CONFIG = f"""
max_auth_failures = {MAX_AUTH_FAILURES}
max_connections_per_address = {MAX_PER_ADDRESS}
login_timeout = {LOGIN_TIMEOUT}
keepalive_interval = 1.0
keepalive_count_max = 2
"""


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("limits"), {"ann": "member", "bea": "member"}, CONFIG) as g:
        g.unknown = [make_key(g.data_dir.parent, f"unknown{i}") for i in range(MAX_AUTH_FAILURES + 2)]
        yield g


def dropped_for_too_many(error: Exception) -> bool:
    """Is ``error`` how a client sees a connection refused for too many connections? Either the
    server's DISCONNECT (too many connections) or, when the drop overtakes it, a lost connection:
    asyncssh reports that as ``ConnectionLost`` (a DisconnectError with code 10), or as a plain
    ConnectionError (a reset) before its own connection object exists."""
    if isinstance(error, asyncssh.DisconnectError):
        return error.code in (asyncssh.DISC_TOO_MANY_CONNECTIONS, asyncssh.DISC_CONNECTION_LOST)
    return isinstance(error, ConnectionError)


async def assert_refused_for_too_many(port, key) -> None:
    """The server drops the connection straight away, before key exchange."""
    try:
        conn = await ssh_connect(port, key)
    except (asyncssh.DisconnectError, ConnectionError) as error:
        assert dropped_for_too_many(error), repr(error)
    else:
        conn.close()
        raise AssertionError("a connection over the per-address limit was let in")


async def connect_retrying(port, key, timeout: float = 15):
    """Connect, retrying while the server still counts a connection that has just closed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await ssh_connect(port, key)
        except (asyncssh.DisconnectError, ConnectionError) as error:
            if not dropped_for_too_many(error) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_connections_per_address_are_limited(group):
    """Limit: max_connections_per_address. With N sessions open from 127.0.0.1 the N+1th
    connection is refused before auth; the N open sessions keep working; once one closes, a new
    connection is let in again (the count goes down as well as up)."""
    await group.server.wait_status(connections=0)
    terminals = []
    try:
        for name in ["ann", "bea", "ann"]:
            terminals.append(await Terminal.connect(group.port, group.keys[name]))
        assert len(terminals) == MAX_PER_ADDRESS
        for key in (group.keys["ann"], group.unknown[0]):  # refused before any key is looked at
            await assert_refused_for_too_many(group.port, key)

        await terminals[0].type_line("still here after the refusal")
        await terminals[1].wait_for("still here after the refusal")
        assert not any(t.closed.is_set() for t in terminals)

        await terminals.pop().close()
        again = await connect_retrying(group.port, group.keys["bea"])
        again.close()
        await again.wait_closed()
    finally:
        for terminal in terminals:
            await terminal.close()


async def test_too_many_unknown_keys_disconnects(group):
    """Limit: max_auth_failures. A client offering MAX unknown keys is disconnected before it gets
    to try the registered key it holds last."""
    keys = [*group.unknown[:MAX_AUTH_FAILURES], group.keys["ann"]]
    with pytest.raises(asyncssh.DisconnectError) as refused:
        await ssh_connect(group.port, keys)
    assert "Too many keys" in str(refused.value)


async def test_fewer_unknown_keys_than_the_limit_still_log_in(group):
    """The boundary of the same limit: MAX-1 unknown keys and then the member's key logs in."""
    keys = [*group.unknown[: MAX_AUTH_FAILURES - 1], group.keys["ann"]]
    conn = await connect_retrying(group.port, keys)
    conn.close()
    await conn.wait_closed()


def test_openssh_offering_many_unknown_keys_is_disconnected(group):
    """The same limit seen by OpenSSH: three unknown -i keys before the member's own key. The
    server says why it hangs up, and the registered key is never reached."""
    identities = []
    for key in [*group.unknown[:MAX_AUTH_FAILURES], group.keys["ann"]]:
        identities += ["-i", str(key)]
    args = openssh_args(group.port, None, *identities, "-o", "LogLevel=INFO", "-T", "member@127.0.0.1")
    result = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 255
    assert "Too many keys tried" in result.stderr
    assert "needs a terminal" not in result.stdout  # never logged in


async def test_login_timeout_closes_an_unauthenticated_connection(group):
    """Limit: login_timeout. A TCP connection that never logs in (here: never even sends its SSH
    version) is closed by the server; the test waits far longer than the 2 s configured but much
    less than asyncssh's 2 minute default, so it fails if the setting is not applied."""
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", group.port), timeout=30) as sock:
        sock.setblocking(False)
        received = b""
        deadline = loop.time() + 25
        while True:
            assert loop.time() < deadline, "the server kept an unauthenticated connection open"
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), 25)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        assert received.startswith(b"SSH-2.0-")


async def test_keepalive_drops_a_client_that_stopped_answering(group):
    """Keepalives: a member whose ssh client stops answering (process frozen with SIGSTOP, so the
    TCP connection stays up) is dropped by the server's keepalive, and its session is torn down."""
    await group.server.wait_status(connections=0)
    proc = subprocess.Popen(
        openssh_args(group.port, group.keys["bea"], "-tt", "-o", "ServerAliveInterval=0", "member@127.0.0.1"),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin"},
    )
    try:
        await group.server.wait_status(sessions=1)
        proc.send_signal(signal.SIGSTOP)
        await group.server.wait_status(sessions=0, connections=0, timeout=30)
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait(10)


async def test_openssh_refused_over_the_limit_sees_no_garbled_banner(group):
    """Issue 15: a refused connection used to get the server's DISCONNECT before its version line,
    and OpenSSH printed "banner line contains invalid characters". The door now closes a refused
    connection without writing anything: OpenSSH reports a closed connection, nothing garbled."""
    await group.server.wait_status(connections=0)
    terminals = [await Terminal.connect(group.port, group.keys[name]) for name in ("ann", "bea", "ann")]
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            openssh_args(group.port, group.keys["bea"], "-T", "member@127.0.0.1"),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=30,
        )
    finally:
        for terminal in terminals:
            await terminal.close()
    assert result.returncode == 255
    assert "invalid characters" not in result.stderr and "banner" not in result.stderr, result.stderr


async def test_keepalives_fall_on_a_shared_grid_so_the_server_wakes_once_for_many(tmp_path):
    """asyncssh times each connection's keepalive from its own last packet; the server rounds that
    moment up to a grid of a sixth of the interval (ssh/asyncssh_fixes.py), so keepalives of members
    who came at different moments go out in one wakeup (~1.2 ms of server CPU each when alone).
    Checked on the server's own timers, in process, after sign-in and after a keystroke.
    Red without the grid: the moments are the connection's own."""
    from safespace_tui.config import load_config
    from safespace_tui.ssh.asyncssh_fixes import keepalive_grid
    from safespace_tui.ssh.server import SafeSpaceServer

    data_dir = tmp_path / "data"
    safespace_here(data_dir, "init")
    keys = add_members_direct(data_dir, {"ann": "member", "bea": "member"})
    config = load_config(data_dir, host="127.0.0.1", port=0)
    server = SafeSpaceServer(config)
    port = await server.start()
    grid = keepalive_grid(config.keepalive_interval)
    terminals = []

    def due_moments() -> list[float]:
        connections = [session._chan.get_extra_info("connection") for session in server.sessions]
        return [connection._keepalive_timer.when() / grid for connection in connections]

    try:
        for name in ("ann", "bea"):  # one after the other: moments of their own
            terminals.append(await Terminal.connect(port, keys[name]))
        await terminals[0].type_line("a keystroke moves ann's next keepalive")
        await terminals[0].wait_for_message("ann", "a keystroke moves ann's next keepalive")
        moments = due_moments()
        assert len(moments) == 2
        assert all(abs(moment - round(moment)) < 1e-6 for moment in moments), moments
    finally:
        for terminal in terminals:
            await terminal.close()
        await server.close()
