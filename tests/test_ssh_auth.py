"""Issue 2, SSH server: who gets in. Public keys only, looked up in the store; identity is the key.

Real server subprocess on loopback, real SQLite file, asyncssh and OpenSSH clients.
"""

from __future__ import annotations

import select
import subprocess
import time

import asyncssh
import pytest

from conftest import running_group
from harness import Terminal, fingerprint, make_key, openssh_args, ssh_connect


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    with running_group(tmp_path_factory.mktemp("auth"), dict.fromkeys(["ann", "bea", "cat", "dan"], "member")) as g:
        g.stranger = make_key(g.data_dir.parent, "stranger")  # never registered
        yield g


def status_line(terminal: Terminal) -> str:
    """The status bar (second line from the bottom): the member this session belongs to."""
    return terminal.rows()[-2]


async def wait_status(terminal: Terminal, handle: str, timeout: float = 15) -> str:
    """Wait until the status bar names someone; return that line."""
    await terminal.wait_screen(
        lambda: "available" in status_line(terminal), "no one is named in the status bar", timeout
    )
    return status_line(terminal)


async def test_registered_key_lands_in_the_app(group):
    """Promise: a member's registered key logs in and the main screen (channels) appears."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.wait_for("#living-room")
        await ann.wait_for("#911")
        assert "ann" in await wait_status(ann, "ann")
    finally:
        await ann.close()


async def test_unknown_key_is_refused_at_auth(group):
    """Bad input: a key nobody registered. Refused during SSH auth, before any session exists."""
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, group.stranger)


@pytest.mark.parametrize("username", ["member", "bea", "root", "x" * 200])  # join@: the invite door (issue 10)
async def test_identity_is_the_key_not_the_user_name(group, username):
    """Promise: ann's key is ann whatever SSH user name is given (even another member's handle)."""
    ann = await Terminal.connect(group.port, group.keys["ann"], username=username)
    try:
        line = await wait_status(ann, "ann")
        assert "ann" in line and "bea" not in line
    finally:
        await ann.close()


@pytest.mark.parametrize("username", ["ann", "bea"])
async def test_a_handle_as_user_name_does_not_open_the_door(group, username):
    """Bad input: a member's handle as SSH user name with an unregistered key is refused.
    (``join`` is the invite door: any key reaches the code screen only; tests/test_joining_e2e.py.)"""
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, group.stranger, username=username)


async def test_removed_member_is_refused(group):
    """Bad input: the key of a member who was removed. Their key no longer opens the door."""
    cat = await ssh_connect(group.port, group.keys["cat"])  # works before removal
    cat.close()
    await cat.wait_closed()
    group.cli("member", "remove", "cat", "--yes")
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, group.keys["cat"])


async def test_revoked_key_is_refused_and_other_keys_still_work(group):
    """Bad input: a revoked key. Refused; the same member's other (unrevoked) key still logs in."""
    second = make_key(group.data_dir.parent, "dan_laptop")
    group.cli("member", "key", "add", "dan", "--key", str(second.with_suffix(".pub")))
    group.cli("member", "key", "revoke", "dan", fingerprint(group.keys["dan"]))
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, group.keys["dan"])
    dan = await Terminal.connect(group.port, second)
    try:
        assert "dan" in await wait_status(dan, "dan")
    finally:
        await dan.close()


@pytest.mark.parametrize("method", ["password", "keyboard-interactive"])
async def test_password_and_keyboard_interactive_are_refused(group, method):
    """Refused feature: password and keyboard-interactive auth, even with no key offered."""
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_connect(group.port, None, password="hunter2", preferred_auth=method)


def test_openssh_client_is_offered_public_key_auth_only(group):
    """Refused features, seen by the real OpenSSH client: with password, keyboard-interactive,
    GSSAPI and host-based auth all enabled on the client, the server offers only publickey, so an
    unknown key fails with 'Permission denied (publickey)'."""
    result = subprocess.run(
        openssh_args(
            group.port,
            group.stranger,
            "-o",
            "PasswordAuthentication=yes",
            "-o",
            "KbdInteractiveAuthentication=yes",
            "-o",
            "GSSAPIAuthentication=yes",
            "-o",
            "HostbasedAuthentication=yes",
            "-o",
            "PreferredAuthentications=password,keyboard-interactive,gssapi-with-mic,hostbased,publickey",
            "-o",
            "LogLevel=INFO",
            "member@127.0.0.1",
            "true",
        ),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    assert result.returncode == 255
    assert "Permission denied (publickey)." in result.stderr


def test_openssh_client_with_registered_key_lands_in_the_app(group):
    """Promise: a member using plain ``ssh -t`` (OpenSSH) with their key gets the app; Ctrl+Q leaves."""
    proc = subprocess.Popen(
        openssh_args(group.port, group.keys["bea"], "-tt", "anyone@127.0.0.1"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin"},
    )
    seen = b""
    try:
        deadline = time.monotonic() + 20
        # the status bar's "● bea  available" (the member list's legend says "available" sooner)
        while not (b"bea" in seen and b"available" in seen) and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = proc.stdout.read1(65536)
                if not chunk:
                    break
                seen += chunk
        assert b"Channels" in seen
        assert b"bea" in seen and b"available" in seen  # the status bar: "● bea  available"
        proc.stdin.write(b"\x11")  # Ctrl+Q: leave
        proc.stdin.flush()
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
