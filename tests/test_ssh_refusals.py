"""Issue 2, SSH server: nothing but an interactive session. Every other SSH feature is refused.

Each test logs in with a registered key (so a refusal is the feature's, not the login's) and then
asks for one feature over real SSH, with asyncssh and with the OpenSSH client tools.
"""

from __future__ import annotations

import asyncio
import subprocess

import asyncssh
import psutil
import pytest

from conftest import running_group
from harness import Terminal, openssh_args, ssh_connect


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("refusals"), {"ann": "member", "bea": "member"}) as g:
        yield g


@pytest.fixture
async def conn(group):
    connection = await ssh_connect(group.port, group.keys["ann"])
    yield connection
    connection.close()
    await connection.wait_closed()


def run_openssh(args: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)


def server_listeners(group) -> list:
    """Sockets the server process listens on (TCP and unix); only the SSH port should be there."""
    proc = psutil.Process(group.server.pid)
    return [
        c for c in proc.net_connections(kind="all") if c.status in (psutil.CONN_LISTEN, psutil.CONN_NONE) and c.laddr
    ]


async def test_exec_is_refused(group, conn):
    """Refused feature: ``ssh host ls`` (an exec request)."""
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.run("ls")
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.create_process(command="cat /etc/passwd", term_type="xterm")


async def test_sftp_subsystem_is_refused(group, conn):
    """Refused feature: the sftp subsystem."""
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.start_sftp_client()


async def test_other_subsystems_are_refused(group, conn):
    """Refused feature: any subsystem at all (here a made-up one and netconf)."""
    for name in ("netconf", "x" * 300):
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_process(subsystem=name)


async def test_scp_is_refused(group, conn, tmp_path):
    """Refused feature: scp (asyncssh's scp runs ``scp -f`` as an exec request)."""
    with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
        await asyncssh.scp((conn, "safespace.db"), str(tmp_path / "copy.db"))
    assert not (tmp_path / "copy.db").exists()


def test_openssh_exec_scp_and_sftp_are_refused(group, tmp_path):
    """Refused features with the real OpenSSH tools: ``ssh host cmd``, ``scp`` (both the sftp-based
    default and legacy ``-O``) and ``sftp``. None of them copies a byte."""
    key = group.keys["ann"]
    result = run_openssh(openssh_args(group.port, key, "member@127.0.0.1", "cat", "safespace.db"))
    assert result.returncode != 0 and result.stdout == ""
    for legacy in ([], ["-O"]):
        target = tmp_path / f"copy{len(legacy)}.db"
        result = run_openssh(
            openssh_args(group.port, key, *legacy, "member@127.0.0.1:safespace.db", str(target), tool="scp")
        )
        assert result.returncode != 0
        assert not target.exists()
    result = run_openssh(openssh_args(group.port, key, "-b", "-", "member@127.0.0.1", tool="sftp"))
    assert result.returncode != 0


async def test_local_port_forwarding_is_refused(group, conn):
    """Refused feature: local port forwarding (direct-tcpip). A service the server could reach
    never sees a connection, whether asked for directly or through ``forward_local_port``."""
    reached = asyncio.Event()

    async def target(reader, writer):
        reached.set()
        writer.close()

    service = await asyncio.start_server(target, "127.0.0.1", 0)
    service_port = service.sockets[0].getsockname()[1]
    try:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", service_port)
        listener = await conn.forward_local_port("127.0.0.1", 0, "127.0.0.1", service_port)
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.get_port())
        assert await asyncio.wait_for(reader.read(100), 15) == b""  # closed, nothing forwarded
        writer.close()
        listener.close()
        assert not reached.is_set()
    finally:
        service.close()
        await service.wait_closed()


async def test_remote_port_forwarding_is_refused(group, conn):
    """Refused feature: remote port forwarding (tcpip-forward); the server opens no listener."""
    before = len(server_listeners(group))
    with pytest.raises(asyncssh.ChannelListenError):
        await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)
    with pytest.raises(asyncssh.ChannelListenError):
        await conn.forward_remote_path("/tmp/safespace-test-forward.sock", "/tmp/nothing")
    assert len(server_listeners(group)) == before


async def test_agent_forwarding_is_refused(group):
    """Refused feature: agent forwarding (asyncssh accepts it unless told not to).

    The asyncssh client sends ``auth-agent-req@openssh.com`` without asking for a reply, so the
    test also sends it on the open session asking for one (the same request OpenSSH's ``-A``
    sends): the server must answer no, and must not create the agent socket it would otherwise
    listen on."""
    conn = await ssh_connect(group.port, group.keys["ann"], agent_forwarding=True, agent_path="/nonexistent/agent.sock")
    try:
        chan, _session = await conn.create_session(asyncssh.SSHClientSession, term_type="xterm-256color", encoding=None)
        accepted = await chan._make_request(b"auth-agent-req@openssh.com")
        assert accepted is False
        unix = [
            c for c in psutil.Process(group.server.pid).net_connections(kind="unix") if "asyncssh-" in (c.laddr or "")
        ]
        assert unix == []
        chan.close()
    finally:
        conn.close()
        await conn.wait_closed()


async def test_x11_forwarding_is_refused(group, conn, tmp_path):
    """Refused feature: X11 forwarding. The x11-req fails, so the session does not open."""
    with pytest.raises(asyncssh.ChannelOpenError, match="X11"):
        await conn.create_process(
            term_type="xterm-256color",
            x11_forwarding=True,
            x11_display="localhost:0",
            x11_auth_path=str(tmp_path / "Xauthority"),
        )


async def test_session_without_pty_gets_a_kind_message_and_exits(group, conn):
    """Bad input: a shell with no PTY (``ssh -T``). A kind sentence and exit status 1, no app."""
    result = await asyncio.wait_for(conn.run(), 15)
    assert result.exit_status == 1
    assert "needs a terminal" in result.stdout
    assert "ssh -t" in result.stdout
    assert "\x1b" not in result.stdout  # no app was started on a terminal that isn't there


def test_openssh_without_pty_gets_a_kind_message(group):
    """Bad input with OpenSSH: ``ssh -T host`` (no PTY) gets the same kind sentence."""
    result = run_openssh(openssh_args(group.port, group.keys["ann"], "-T", "member@127.0.0.1"))
    assert result.returncode == 1
    assert "needs a terminal" in result.stdout


async def test_refusals_leave_the_session_usable(group, conn):
    """After all the refused requests above, the same server still serves a normal session."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.wait_for("#living-room")
    finally:
        await ann.close()
