"""Issue 2, the admin CLI: every subcommand's happy path, ``--data-dir`` and SAFESPACE_DATA_DIR,
clear errors with a non-zero exit, and nothing changed when a command fails.

Happy paths, ``init``, the data-dir rules and ``serve`` run as real ``python -m safespace_tui``
subprocesses against a real SQLite file. The long matrix of bad inputs calls the same entry point,
``safespace_tui.cli.main(argv)``, in this process (argument parsing included) to save a Python
start-up per case; ``test_errors_exit_non_zero_from_a_real_process`` shows the exit status and
stderr reach the shell the same way.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from harness import fingerprint, make_key, safespace, safespace_here


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``safespace ARGS`` with no --data-dir added (for testing how the data dir is found)."""
    return subprocess.run(
        [sys.executable, "-m", "safespace_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Everything the CLI could change, read straight from the file."""
    with sqlite3.connect(f"file:{data_dir / 'safespace.db'}?mode=ro", uri=True) as db:
        return {
            name: db.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
            for name in ("member", "member_key", "channel", "message")
        }


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``safespace ARGS --data-dir DATA_DIR`` through ``cli.main`` in this process."""
    import contextlib
    import io

    from safespace_tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*args, "--data-dir", str(data_dir)])
        except SystemExit as exit_:  # argparse refusing an argument
            code = exit_.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def fails_clearly(result: subprocess.CompletedProcess, *words: str) -> None:
    """A failed command: non-zero exit, one plain sentence on stderr, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip(), "no message on stderr"
    for word in words:
        assert word.lower() in result.stderr.lower(), result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A data dir made by ``init``, with two members (ann, bea) and their keys beside it. Set-up, so
    through the same entry point in this process (``init`` as a process has a test of its own)."""
    base = tmp_path_factory.mktemp("cli")
    data = base / "data"
    safespace_here(data, "init")
    for name in ("ann", "bea"):
        key = make_key(base, name)
        safespace_here(data, "member", "add", name, "--key", str(key.with_suffix(".pub")))
    return data


# --- init -------------------------------------------------------------------------------------


def test_init_creates_data_dir_db_and_private_host_key_and_prints_its_fingerprint(tmp_path):
    """Promise: first start creates the data dir, the SQLite file and an ed25519 host key with
    mode 0600, and prints the host key's SHA256 fingerprint (the key's real one). A second init
    keeps the same key."""
    data = tmp_path / "deep" / "data"
    first = safespace(data, "init")
    key_path = data / "host_key_ed25519"
    assert data.is_dir() and (data / "safespace.db").is_file()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = asyncssh.read_private_key(str(key_path))
    assert key.get_algorithm() == "ssh-ed25519"
    assert f"Host key fingerprint: {key.get_fingerprint('sha256')}" in first.stdout
    assert "Made a new host key" in first.stdout
    second = safespace(data, "init")
    assert "Made a new host key" not in second.stdout
    assert key.get_fingerprint("sha256") in second.stdout


def test_default_channels_exist_after_init(home):
    """Promise: default channels living-room, check-ins, wins and 911."""
    out = safespace(home, "channel", "list").stdout
    names = re.findall(r"^#(\S+)", out, re.M)
    assert names[:4] == ["living-room", "check-ins", "wins", "911"]


def test_data_dir_from_environment(tmp_path):
    """Promise: SAFESPACE_DATA_DIR is used when --data-dir is not given; --data-dir wins over it."""
    by_env = tmp_path / "from-env"
    by_flag = tmp_path / "from-flag"
    result = run("init", env={"SAFESPACE_DATA_DIR": str(by_env)})
    assert result.returncode == 0, result.stderr
    assert (by_env / "safespace.db").exists()
    result = run("init", "--data-dir", str(by_flag), env={"SAFESPACE_DATA_DIR": str(by_env)})
    assert result.returncode == 0, result.stderr
    assert (by_flag / "safespace.db").exists()


def test_default_data_dir_is_under_xdg_data_home(tmp_path):
    """Promise: a sensible default data dir ($XDG_DATA_HOME/safespace) with neither flag nor env."""
    env = {k: v for k, v in os.environ.items() if k != "SAFESPACE_DATA_DIR"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    result = subprocess.run(
        [sys.executable, "-m", "safespace_tui", "init"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "xdg" / "safespace" / "safespace.db").exists()


# --- members and keys: happy paths ---------------------------------------------------------------


def test_member_add_list_role_remove(home, tmp_path):
    """Happy path: add (key file or key text, role, display name), list, role, remove."""
    key = make_key(tmp_path, "cat")
    out = safespace(
        home,
        "member",
        "add",
        "Cat",
        "--key",
        str(key.with_suffix(".pub")),
        "--role",
        "senior",
        "--display-name",
        "Cat R.",
    ).stdout
    assert "Added cat as senior" in out
    dan = make_key(tmp_path, "dan")
    safespace(home, "member", "add", "dan", "--key", dan.with_suffix(".pub").read_text().strip())  # key text
    listing = safespace(home, "member", "list").stdout
    assert re.search(r"^cat\s+senior\s+Cat R\.$", listing, re.M)
    assert re.search(r"^dan\s+member\s+dan$", listing, re.M)
    assert "now admin" in safespace(home, "member", "role", "dan", "admin").stdout
    assert re.search(r"^dan\s+admin", safespace(home, "member", "list").stdout, re.M)
    assert "Removed cat" in safespace(home, "member", "remove", "cat", "--yes").stdout
    assert not re.search(r"^cat\s", safespace(home, "member", "list").stdout, re.M)


def test_member_key_add_list_revoke(home, tmp_path):
    """Happy path: a second key for a member, listed by fingerprint, then revoked."""
    laptop = make_key(tmp_path, "ann_laptop")
    out = safespace(home, "member", "key", "add", "ann", "--key", str(laptop.with_suffix(".pub"))).stdout
    assert fingerprint(laptop) in out
    listing = safespace(home, "member", "key", "list", "ann").stdout
    assert re.search(re.escape(fingerprint(laptop)) + r"\s+active", listing)
    assert len(listing.strip().splitlines()) == 2
    assert "Revoked" in safespace(home, "member", "key", "revoke", "ann", fingerprint(laptop)).stdout
    assert re.search(
        re.escape(fingerprint(laptop)) + r"\s+revoked", safespace(home, "member", "key", "list", "ann").stdout
    )


def test_channel_add_and_list(home):
    """Happy path: a channel with a topic, listed with its message count and topic."""
    assert "Added #art" in safespace(home, "channel", "add", "art", "--topic", "Drawings and doodles").stdout
    assert re.search(r"^#art\s+0 messages\s+Drawings and doodles$", safespace(home, "channel", "list").stdout, re.M)


def test_display_name_with_escapes_is_cleaned(home, tmp_path):
    """Bad input: a display name carrying an OSC title sequence and bidi override is stored clean."""
    key = make_key(tmp_path, "eve")
    safespace(
        home,
        "member",
        "add",
        "eve",
        "--key",
        str(key.with_suffix(".pub")),
        "--display-name",
        "Eve\x1b]0;pwned\x07\u202e",
    )
    names = [row[2] for row in tables(home)["member"] if row[1] == "eve"]
    assert names == ["Eve"]


# --- errors: clear words, non-zero exit, nothing changed ----------------------------------------

PRIVATE = asyncssh.generate_private_key("ssh-ed25519")
TWO_KEYS = (
    asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    + asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
)
MALFORMED_KEYS = {
    "garbage": (b"this is not a key at all\n", "public key"),
    "private key": (PRIVATE.export_private_key(), "private key"),
    "two keys": (TWO_KEYS.encode(), "exactly one"),
    "empty": (b"", "exactly one"),
    "binary": (bytes(range(256)) * 4, "not a text"),
    "truncated": (b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n", "public key"),
    "wrong type word": (
        b"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBa0Y2mB4O6lTqE0jBfQjZp1oXy0dJ3dD6ePpW1f2aQm x\n",
        "public key",
    ),
}


@pytest.mark.parametrize("kind", list(MALFORMED_KEYS))
def test_malformed_key_file_is_refused_and_changes_nothing(home, tmp_path, kind):
    """Bad input: a malformed key file (garbage, a private key, two keys, empty, binary, truncated,
    mismatched type) for ``member add`` and ``member key add``. Clear error, non-zero exit, and
    nothing in the database changed."""
    content, words = MALFORMED_KEYS[kind]
    path = tmp_path / "key.pub"
    path.write_bytes(content)
    before = tables(home)
    fails_clearly(cli(home, "member", "add", "newbie", "--key", str(path)), words)
    fails_clearly(cli(home, "member", "key", "add", "ann", "--key", str(path)), words)
    assert tables(home) == before


def test_errors_exit_non_zero_from_a_real_process(home, tmp_path):
    """Bad input in a real process: a key file that is not there. Exit status 1, one line on
    stderr starting 'safespace:', nothing on stdout, nothing changed."""
    before = tables(home)
    result = safespace(home, "member", "add", "newbie", "--key", str(tmp_path / "nope.pub"), check=False)
    fails_clearly(result, "no key file")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("safespace: ") and len(result.stderr.strip().splitlines()) == 1
    assert tables(home) == before


@pytest.mark.parametrize(
    "args, words",
    [
        (["member", "role", "nobody", "senior"], "no member"),
        (["member", "remove", "nobody"], "no member"),
        (["member", "key", "list", "nobody"], "no member"),
        (["member", "key", "revoke", "nobody", "SHA256:abc"], "no member"),
        (["member", "key", "revoke", "ann", "SHA256:not-one-of-hers"], "no active key"),
        (["member", "role", "ann", "overlord"], "invalid choice"),
        (["channel", "add", "Bad Name!"], "channel names"),
        (["channel", "add", "living-room"], "already"),
    ],
)
def test_unknown_member_bad_role_and_bad_channel_are_clear_errors(home, args, words):
    """Bad input: an unknown member, an unknown role, a bad or duplicate channel name."""
    before = tables(home)
    fails_clearly(cli(home, *args), words)
    assert tables(home) == before


@pytest.mark.parametrize(
    "handle, words",
    [
        ("ann", "already"),  # duplicate
        ("ANN", "already"),  # duplicate, whatever the case
        ("a", "2 to 24"),
        ("x" * 25, "2 to 24"),
        ("bad name", "handles can use"),
        ("9lives", "start with a letter"),
        ("\u0430nn", "handles can use"),  # Cyrillic a: a look-alike of ann
        ("admin", "kept aside"),
        ("a.d.m.i.n", "kept aside"),
        ("join", "kept aside"),
    ],
)
def test_duplicate_and_bad_handles_are_refused(home, tmp_path, handle, words):
    """Bad input: a duplicate handle, or one outside the safe alphabet and length, or reserved."""
    key = make_key(tmp_path, "someone")
    before = tables(home)
    fails_clearly(cli(home, "member", "add", handle, "--key", str(key.with_suffix(".pub"))), words)
    assert tables(home) == before


def test_a_key_can_belong_to_only_one_member(home, tmp_path):
    """Bad input: another member's key (identity is the key, so it may open only one door)."""
    ann_pub = home.parent / "ann_ed25519.pub"
    before = tables(home)
    fails_clearly(cli(home, "member", "add", "imposter", "--key", str(ann_pub)), "already")
    fails_clearly(cli(home, "member", "key", "add", "bea", "--key", str(ann_pub)), "already")
    assert tables(home) == before


def test_bad_config_is_a_clear_error(tmp_path):
    """Bad input: config.toml with an unknown setting or a wrong type."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text("max_auth_failures = 'lots'\n")
    fails_clearly(cli(data, "member", "list"), "max_auth_failures")
    (data / "config.toml").write_text("no_such_setting = 1\n")
    fails_clearly(cli(data, "member", "list"), "no_such_setting")


# --- serve --admin-key -----------------------------------------------------------------------------


def serve_once(data: Path, *args: str) -> str:
    """Start ``safespace serve``, wait until it listens, stop it with SIGTERM; return its output."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "safespace_tui",
            "serve",
            "--data-dir",
            str(data),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    deadline = time.monotonic() + 30
    try:
        for line in proc.stdout:
            lines.append(line)
            if "listening on" in line or time.monotonic() > deadline:
                break
        assert any("listening on" in line for line in lines), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        rest = proc.stdout.read()  # through the same buffer the lines above were read from
        assert proc.wait(30) == 0, "".join(lines) + rest
        return "".join(lines) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_admin_key_makes_the_first_admin_only_when_there_is_none(tmp_path):
    """Promise: ``serve --admin-key`` on a fresh data dir makes that key's owner the first admin
    (and prints the host key fingerprint); once there is an admin, another --admin-key is not
    used; the admin's own key is recognised."""
    data = tmp_path / "data"
    first = make_key(tmp_path, "leader")
    other = make_key(tmp_path, "usurper")
    out = serve_once(data, "--admin-key", str(first.with_suffix(".pub")), "--admin-name", "leader")
    assert "Made leader the first admin" in out
    host_key = asyncssh.read_private_key(str(data / "host_key_ed25519"))
    assert host_key.get_fingerprint("sha256") in out
    assert re.search(r"^leader\s+admin", safespace(data, "member", "list").stdout, re.M)

    before = tables(data)
    out = serve_once(data, "--admin-key", str(other.with_suffix(".pub")), "--admin-name", "usurper")
    assert "already has an admin" in out
    assert tables(data)["member"] == before["member"] and tables(data)["member_key"] == before["member_key"]

    out = serve_once(data, "--admin-key", str(first.with_suffix(".pub")))
    assert "belongs to leader" in out


def test_serve_with_a_malformed_admin_key_fails_clearly(tmp_path):
    """Bad input: ``serve --admin-key`` with a file that is not a public key: a clear error and
    no admin made (the server does not start half-configured)."""
    data = tmp_path / "data"
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    result = run("serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", "0", "--admin-key", str(bad))
    fails_clearly(result, "public key")
