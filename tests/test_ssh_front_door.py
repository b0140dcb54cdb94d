"""Issue 15, the SSH front door under an adversarial probe: revocation ends the connection, a
public key alone says nothing about membership, waiting connections never lock a member out, and
an external auditor (ssh-audit) finds nothing weak.

Real server subprocesses on loopback, real SQLite files, asyncssh and OpenSSH clients; attackers
come from 127.0.0.2 and up (all loopback on Linux) so addresses can be told apart.

The tests with the default settings share one server (``group``; a server start is ~1 s of CPU),
each with a member of its own; the attacks that leave the loopback address counted or slowed, and
the tests with settings of their own, start their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from conftest import running_group
from harness import Terminal, fingerprint, make_key, openssh_args, ssh_connect

REVOKED = b"Your access to Safe Space has changed"
# a member of its own for each test on the shared server
MEMBERS = dict.fromkeys(("rem", "rev", "pat", "oli", "wil", "rae", "tom"), "member")


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("front_door"), MEMBERS) as g:
        yield g


# -- 1. revocation ends the connection, and every new session asks again


async def refused_or_closed(conn: asyncssh.SSHClientConnection) -> bytes:
    """Ask ``conn`` for a new terminal session; return what it showed (must not be the app).

    A refusal may come as a channel-open error, a lost connection, or a session that only says
    the access changed and ends."""
    try:
        process = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
    except (asyncssh.ChannelOpenError, asyncssh.DisconnectError, ConnectionError, BrokenPipeError):
        return b""
    seen = b""
    with contextlib.suppress(asyncssh.Error, ConnectionError, asyncio.TimeoutError):
        while chunk := await asyncio.wait_for(process.stdout.read(65536), 10):
            seen += chunk
            assert b"Channels" not in seen, "a new session on a revoked connection reached the app"
    assert b"Channels" not in seen
    return seen


@pytest.mark.parametrize("how", ["remove", "revoke"])
async def test_revocation_closes_the_connection_not_only_the_session(group, how):
    """Promise: after ``member remove`` / ``member key revoke`` (CLI, another process) the session
    closes with its farewell, a new session on the same SSH connection is refused, and the
    connection itself ends. Before: 16 of 16 new sessions on that connection reached the app."""
    who = how[:3]  # rem, rev: a member of its own for each
    ann = await Terminal.connect(group.port, group.keys[who])
    try:
        if how == "remove":
            group.cli("member", "remove", who, "--yes")
        else:
            group.cli("member", "key", "revoke", who, fingerprint(group.keys[who]))
        await ann.wait_closed(15)
        assert REVOKED in ann.raw
        assert ann.conn is not None
        await refused_or_closed(ann.conn)
        await asyncio.wait_for(ann.conn.wait_closed(), 15)
    finally:
        await ann.close()


async def test_a_new_session_asks_the_store_again(tmp_path):
    """Promise: every new session request re-checks access, without waiting for the access watcher
    (its interval is an hour here): a connection that logged in before its key was revoked gets
    no app, only the kind sentence, and is then closed."""
    config = "session_check_interval = 3600.0\nidle_connection_timeout = 3600.0\n"
    with running_group(tmp_path, {"ann": "member"}, config) as group:
        conn = await ssh_connect(group.port, group.keys["ann"])
        try:
            group.cli("member", "key", "revoke", "ann", fingerprint(group.keys["ann"]))
            shown = await refused_or_closed(conn)
            assert not shown or REVOKED in shown
            await asyncio.wait_for(conn.wait_closed(), 15)
        finally:
            conn.close()


def test_openssh_control_master_is_closed_on_removal(tmp_path):
    """Promise, with OpenSSH multiplexing: a removed member's control master (``ssh -M -S sock -N``,
    a logged-in connection without a session) is closed by the server, so ``ssh -S sock`` cannot
    open a session through it."""
    config = "idle_connection_timeout = 3600.0\n"
    with running_group(tmp_path, {"ann": "member"}, config) as group:
        sock = tmp_path / "cm.sock"
        master = subprocess.Popen(
            openssh_args(group.port, group.keys["ann"], "-M", "-S", str(sock), "-N", "member@127.0.0.1"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            check = openssh_args(group.port, None, "-S", str(sock), "-O", "check", "member@127.0.0.1")
            deadline = time.monotonic() + 20
            while subprocess.run(check, capture_output=True, timeout=20).returncode != 0:
                assert time.monotonic() < deadline and master.poll() is None, "the control master never came up"
                time.sleep(0.1)
            group.cli("member", "remove", "ann", "--yes")
            master.wait(20)  # the server closed the master's connection
            again = subprocess.run(
                openssh_args(group.port, None, "-S", str(sock), "-o", "ControlMaster=no", "-T", "m@127.0.0.1"),
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=30,
            )
            assert b"needs a terminal" not in again.stdout
        finally:
            if master.poll() is None:
                master.kill()
                master.wait()


# -- 3. a public key alone reveals nothing; refused keys are counted, logged sparingly, slowed


def only_public(tmp_path: Path, key: Path, name: str) -> Path:
    """A copy of ``key``'s .pub alone in a directory (no private key beside it): what a stranger
    holding a member's published key has."""
    directory = tmp_path / f"only_{name}"
    directory.mkdir()
    return Path(shutil.copy(key.with_suffix(".pub"), directory / "key.pub"))


def ssh_with_public_key_only(port: int, pub: Path) -> subprocess.CompletedProcess:
    args = openssh_args(port, pub, "-v", "-T", "member@127.0.0.1")
    args = [arg if arg != "LogLevel=ERROR" else "LogLevel=DEBUG1" for arg in args]
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)


def auth_lines(stderr: str, pub: Path, port: int) -> list[str]:
    """What OpenSSH says about authentication, with the key's path, fingerprint and port made neutral."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if "Next authentication method" in line)
    text = "\n".join(lines[start:]).replace(str(pub), "KEY").replace(str(port), "PORT")
    return re.sub(r"SHA256:[A-Za-z0-9+/]+", "FINGERPRINT", text).splitlines()


async def test_a_public_key_alone_looks_the_same_for_member_and_stranger(group, tmp_path):
    """Promise: with only a public key (``ssh -i victim.pub``, a key query without signature) a
    member's key and a stranger's get the same answer: same exit status, same words from OpenSSH
    (before: "Server accepts key" for the member only). A stranger's real private key is still
    refused, and the member's own key still opens."""
    stranger = make_key(tmp_path, "stranger")
    member_pub = only_public(tmp_path, group.keys["pat"], "member")
    stranger_pub = only_public(tmp_path, stranger, "stranger")
    as_member = ssh_with_public_key_only(group.port, member_pub)
    as_stranger = ssh_with_public_key_only(group.port, stranger_pub)
    assert as_member.returncode == as_stranger.returncode == 255
    assert auth_lines(as_member.stderr, member_pub, group.port) == auth_lines(
        as_stranger.stderr, stranger_pub, group.port
    )
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, stranger)
    conn = await ssh_connect(group.port, group.keys["pat"])
    conn.close()


async def test_refused_keys_are_logged_sparingly_and_the_address_is_slowed(tmp_path):
    """Promise: keys refused at the door are logged with fingerprint and address, in fewer lines
    than attempts, and an address that keeps trying is answered more slowly (the server's status
    counts addresses being slowed; counts only, never who)."""
    config = "free_key_attempts = 3\nmax_auth_delay = 0.2\nmax_auth_failures = 2\n"
    with running_group(tmp_path, {"ann": "member"}, config) as group:
        strangers = [make_key(tmp_path, f"stranger{i}") for i in range(12)]
        for key in strangers:
            with pytest.raises(asyncssh.PermissionDenied):
                await ssh_connect(group.port, key, local_addr=("127.0.0.9", 0))
        log = group.server.log_text()
        lines = [line for line in log.splitlines() if "127.0.0.9" in line and "refused" in line]
        assert fingerprint(strangers[0]) in log
        assert 1 <= len(lines) < len(strangers)
        status = await group.server.status()
        assert status.get("slowed", 0) >= 1
        ann = await Terminal.connect(group.port, group.keys["ann"])  # another address is not slowed
        await ann.close()


# -- 4. waiting connections never lock a member out; a logged-in connection must open a session


async def idle_preauth(address: str, port: int) -> asyncio.StreamWriter | None:
    """A connection from ``address`` that sends its version line and then never logs in."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    except OSError:
        return None
    writer.write(b"SSH-2.0-probe\r\n")
    return writer


async def test_a_member_gets_in_while_waiting_connections_fill_the_budget(tmp_path, capsys):
    """Promise: 10 idle, never-authenticating connections from each of 30 addresses (the probe's
    attack; before it refused every login for 29 s) do not keep a member out: the member logs in
    and sees the app. Figure: the member's login time with and without the flood."""
    with running_group(tmp_path, {"ann": "member"}, "max_sessions = 300\n") as group:
        start = time.monotonic()
        quiet = await Terminal.connect(group.port, group.keys["ann"])
        quiet_s = time.monotonic() - start
        await quiet.close()
        attackers = [f"127.0.0.{n}" for n in range(20, 50)]
        writers = []
        for address in attackers:
            writers += await asyncio.gather(*(idle_preauth(address, group.port) for _ in range(10)))
        try:
            status = await group.server.status()
            start = time.monotonic()
            ann = await Terminal.connect(group.port, group.keys["ann"])
            flood_s = time.monotonic() - start
            assert "Channels" in ann.text()
            await ann.close()
        finally:
            for writer in writers:
                if writer is not None:
                    writer.close()
        with capsys.disabled():
            print(
                f"\nmember login: {quiet_s * 1000:.0f} ms quiet, {flood_s * 1000:.0f} ms with 300 idle pre-auth "
                f"connections from 30 addresses (server held {status.get('waiting')} waiting)"
            )


async def test_a_logged_in_connection_without_a_session_is_closed(tmp_path):
    """Promise: a connection that logged in but opens no session is closed after
    ``idle_connection_timeout`` (before: it stayed open for ever and counted against limits);
    a member's connection with a session open stays."""
    with running_group(tmp_path, {"ann": "member", "bea": "member"}, "idle_connection_timeout = 1.0\n") as group:
        bea = await Terminal.connect(group.port, group.keys["bea"])
        conn = await ssh_connect(group.port, group.keys["ann"])
        try:
            await asyncio.wait_for(conn.wait_closed(), 15)
            await bea.type_line("still here")
            await bea.wait_for_message("bea", "still here")
            assert not bea.closed.is_set()
        finally:
            conn.close()
            await bea.close()


async def test_a_connection_whose_session_ended_is_closed_when_idle(tmp_path):
    """Promise: the idle watch is not kept up while a session is open, and starts again when the
    last one ends: a connection left open after its session closed is closed after
    ``idle_connection_timeout``, as one that never opened a session is."""
    with running_group(tmp_path, {"ann": "member", "bea": "member"}, "idle_connection_timeout = 1.0\n") as group:

        class Drawn(asyncssh.SSHClientSession):
            def __init__(self) -> None:
                self.drawn = asyncio.Event()

                self.closed = False

            def data_received(self, data, datatype) -> None:
                self.drawn.set()

            def connection_lost(self, exc) -> None:
                self.closed = True

        conn = await ssh_connect(group.port, group.keys["ann"])
        try:
            chan, session = await conn.create_session(Drawn, term_type="xterm", term_size=(80, 24))
            await asyncio.wait_for(session.drawn.wait(), 60)  # the app is up
            bare = await ssh_connect(group.port, group.keys["bea"])  # watched from later than ann's
            await asyncio.wait_for(bare.wait_closed(), 15)  # so ann's first look has come, and found a session
            assert not session.closed
            chan.close()
            await chan.wait_closed()
            await asyncio.wait_for(conn.wait_closed(), 15)
        finally:
            conn.close()


# -- 6. algorithms, judged by ssh-audit; weak keys and SHA-1 signatures refused


def ssh_audit(port: int) -> dict:
    tool = Path(sys.executable).with_name("ssh-audit")
    result = subprocess.run(
        [str(tool) if tool.exists() else "ssh-audit", "-j", "-p", str(port), "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NO_COLOR="1"),
    )
    return json.loads(result.stdout)


def test_ssh_audit_finds_nothing_weak_and_no_missing_throttle(tmp_path):
    """Promise: ssh-audit (kept external auditor) reports no [fail] for any key exchange, host key,
    cipher or MAC, and no DHEat rate-test warning (< 20 new connections a second per source).
    Before: 9 failures and 38 connections in 6 ms."""
    with running_group(tmp_path, {}) as group:
        report = ssh_audit(group.port)
    fails = [
        (kind, entry["algorithm"], entry["notes"]["fail"])
        for kind in ("kex", "key", "enc", "mac")
        for entry in report.get(kind, [])
        if entry.get("notes", {}).get("fail")
    ]
    assert not fails
    notes = " ".join(report.get("additional_notes", []))
    assert "DHEat" not in notes and "throttling" not in notes, notes
    assert [entry["algorithm"] for entry in report["key"]] == ["ssh-ed25519"]


def test_openssh_with_its_defaults_still_connects(group, tmp_path):
    """Promise: the real OpenSSH client with its default algorithms logs in (an ed25519 and an
    RSA-3072 key, RSA signing with SHA-2) and reaches the session (no PTY: the kind sentence)."""
    rsa = rsa_key(tmp_path, "oli_rsa", 3072)
    group.cli("member", "key", "add", "oli", "--key", str(rsa.with_suffix(".pub")))
    for key in (group.keys["oli"], rsa):
        result = subprocess.run(
            openssh_args(group.port, key, "-T", "member@127.0.0.1"),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=30,
        )
        assert "needs a terminal" in result.stdout, result.stderr


def rsa_key(directory: Path, name: str, bits: int, algorithm: str = "ssh-rsa") -> Path:
    key = asyncssh.generate_private_key(algorithm, key_size=bits) if bits else asyncssh.generate_private_key(algorithm)
    path = directory / name
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    path.with_suffix(".pub").write_bytes(key.export_public_key())
    return path


@pytest.mark.parametrize(("algorithm", "bits"), [("ssh-dss", 0), ("ssh-rsa", 2048)])
def test_weak_member_keys_are_refused_when_added(group, tmp_path, algorithm, bits):
    """Bad input: an admin adds a DSA or a 2048-bit RSA key. Refused with a clear sentence (which
    keys work and how to make one), no traceback, and nothing added."""
    weak = rsa_key(tmp_path, "weak", bits, algorithm)
    result = group.cli("member", "add", "wes", "--key", str(weak.with_suffix(".pub")), check=False)
    assert result.returncode != 0
    assert "strong keys" in result.stderr and "ssh-keygen -t ed25519" in result.stderr
    assert "Traceback" not in result.stderr
    added = group.cli("member", "key", "add", "wil", "--key", str(weak.with_suffix(".pub")), check=False)
    assert added.returncode != 0 and "strong keys" in added.stderr
    assert "wes" not in group.cli("member", "list").stdout


async def test_sha1_rsa_signatures_are_refused(group, tmp_path):
    """Bad input: a member's RSA-3072 key signing with SHA-1 (``ssh-rsa``) is refused at auth;
    the same key signing with SHA-2 logs in."""
    rsa = rsa_key(tmp_path, "rae_rsa", 3072)
    group.cli("member", "key", "add", "rae", "--key", str(rsa.with_suffix(".pub")))
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, rsa, signature_algs=["ssh-rsa"])
    conn = await ssh_connect(group.port, rsa, signature_algs=["rsa-sha2-256"])
    conn.close()


async def test_new_connections_from_one_address_are_throttled(group, tmp_path):
    """Limit: new connections per source address (DHEat). 40 connections opened one after another
    from one address, as fast as they go: fewer than 20 get a version line (the rest are closed
    without a word), while another address still gets in."""

    async def banner() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", group.port, local_addr=("127.0.0.7", 0))
        try:
            return await asyncio.wait_for(reader.read(8), 10)
        except ConnectionError:
            return b""
        finally:
            writer.close()

    banners = [await banner() for _ in range(40)]
    assert 1 <= sum(b.startswith(b"SSH-") for b in banners) < 20
    ann = await Terminal.connect(group.port, group.keys["tom"])
    await ann.close()
