"""Running a server for years (issue 13): private files, one server per data dir, backup and
restore while serving, encryption at rest, and logs and status an admin can use.

Real parts end to end: ``safespace`` CLI processes and ``safespace serve`` subprocesses against
real SQLite (and SQLCipher) files, members as real SSH clients read through pyte.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import start_group
from harness import ServerProcess, Terminal, fingerprint, safespace, safespace_here, wait_until

SERVE = (sys.executable, "-m", "safespace_tui", "serve")
SECRET = "QUIET-HARBOUR-7731"  # member text that must never be readable on disk when encrypted


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(value: int):
    """The umask a careless admin has (022): inherited by every CLI and server process started inside."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def private_modes(data_dir: Path) -> dict[str, int]:
    """Every file and dir under the data dir whose mode lets the group or others in."""
    loose = {str(p.relative_to(data_dir)): mode(p) for p in data_dir.rglob("*") if mode(p) & 0o077}
    if mode(data_dir) & 0o077:
        loose["."] = mode(data_dir)
    return loose


# -- files that stay private
async def test_files_are_private_under_umask_022_for_the_cli_and_the_server(tmp_path):
    with umask(0o022):
        # the CLI creates the database itself (no init first)
        fresh = tmp_path / "fresh"
        safespace(fresh, "channel", "list")
        assert mode(fresh) == 0o700 and mode(fresh / "safespace.db") == 0o600, private_modes(fresh)

        # a data dir left loose (made by hand, or by an older release) is tightened, with one line
        loose = tmp_path / "loose"
        safespace(loose, "init")
        loose.chmod(0o755)
        (loose / "safespace.db").chmod(0o644)
        (loose / "config.toml").write_text("history_page = 50\n")
        (loose / "config.toml").chmod(0o644)
        result = safespace(loose, "member", "list")
        lines = [line for line in result.stderr.splitlines() if line]
        assert len(lines) == 1 and "made the data directory private" in lines[0], result.stderr
        assert "loose 0755 -> 0700" in lines[0] and "safespace.db 0644 -> 0600" in lines[0]
        assert private_modes(loose) == {}
        assert safespace(loose, "member", "list").stderr == ""  # said once, not every time

        # the server, its log, its -wal and -shm, a backup and the status file
        group = start_group(tmp_path / "g", {"ann": "member"})
    try:
        ann = await Terminal.connect(group.port, group.keys["ann"])
        try:
            await ann.type_line("hello from a private file")
            await ann.wait_for_message("ann", "hello from a private file")
            with umask(0o022):
                group.cli("backup")
                status = group.cli("status")
            assert "Sessions:        1" in status.stdout
            data = group.data_dir
            for name in ("safespace.db-wal", "safespace.db-shm", "server.log", "host_key_ed25519", "status.json"):
                assert (data / name).exists(), name
            assert len(list((data / "backups").glob("safespace-*.db"))) == 1
            assert private_modes(data) == {}, private_modes(data)
        finally:
            await ann.close()
    finally:
        group.server.stop()


# -- one server per data dir
async def test_a_second_server_refuses_at_once_and_a_killed_one_leaves_no_lock(group):
    started = time.monotonic()
    second = subprocess.run(
        [*SERVE, "--data-dir", str(group.data_dir), "--host", "127.0.0.1", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,  # a second server that started would listen until this ends the test, red
    )
    print(f"\n[figure] second serve refused after {time.monotonic() - started:.2f} s")
    assert second.returncode == 1
    assert f"already running on {group.data_dir} (process {group.server.pid})" in second.stderr
    assert "listening" not in second.stdout

    # the CLI still works while the server runs, and the server still serves
    group.cli("channel", "add", "garden")
    assert "#garden" in group.cli("channel", "list").stdout
    ann = await Terminal.connect(group.port, group.keys["ann"])
    await ann.close()

    # a crashed server leaves no lock behind: the next one starts
    group.server.kill9()
    group.server.start()
    ann = await Terminal.connect(group.port, group.keys["ann"])
    await ann.close()


# -- backup and restore: the drill
async def _make_a_day(group) -> None:
    """ann chats, writes a safety plan, checks in and asks for help; sam sees the alert."""
    ann = await Terminal.connect(group.port, group.keys["ann"])
    sam = await Terminal.connect(group.port, group.keys["sam"])
    try:
        ann.press("f6")  # first, as tests/test_day_e2e.py does: the form opens with spoons focused
        await ann.wait_for("Today's check-in")
        ann.send("\t3\t\t\t\t\tDRILL-CHECKIN note")
        await ann.wait_for("DRILL-CHECKIN note")
        ann.press("ctrl+o")
        await ann.wait_for("Thank you for checking in.")

        await ann.type_line("DRILL-HELLO everyone")
        await sam.wait_for_message("ann", "DRILL-HELLO everyone")

        ann.press("f4")
        await ann.wait_for("My safety plan")
        ann.send("DRILL-PLAN pacing at night")
        await ann.wait_for("DRILL-PLAN pacing at night")
        ann.press("ctrl+o")
        await ann.wait_for("Your safety plan is saved")
        ann.press("escape")
        await ann.wait_gone("My safety plan")

        await ann.type_line("/sos DRILL-SOS alone tonight")
        await ann.wait_for("SOS: ask a senior member for help now?")
        ann.press("enter")
        await sam.wait_for("ann (@ann) needs help now")
    finally:
        await ann.close()
        await sam.close()


async def test_drill_backup_under_load_delete_the_data_dir_restore_and_everything_is_readable(tmp_path):
    group = start_group(tmp_path / "g", {"ann": "member", "bea": "member", "sam": "senior"})
    backup_file = tmp_path / "offsite" / "drill.db"
    backup_file.parent.mkdir()
    try:
        await _make_a_day(group)

        # bea keeps writing while the backup runs: the copy is taken in one step, so it neither
        # waits for her nor stops her
        bea = await Terminal.connect(group.port, group.keys["bea"])
        typed = 0
        stop = asyncio.Event()

        async def keep_writing() -> None:
            nonlocal typed
            while not stop.is_set():
                typed += 1
                await bea.type_line(f"load line {typed}")
                await bea.wait_for_message("bea", f"load line {typed}")

        writer = asyncio.create_task(keep_writing())
        await wait_until(lambda: typed >= 3, 60, "bea writing")
        started = time.monotonic()
        result = await asyncio.to_thread(group.cli, "backup", str(backup_file))
        seconds = time.monotonic() - started
        during = typed
        await wait_until(lambda: typed >= during + 3, 60, "bea still writing after the backup")
        stop.set()
        await writer
        await bea.close()
        print(f"\n[figure] backup under load: {seconds:.2f} s (CLI process included); bea typed {typed} lines")
        assert "Integrity check: ok" in result.stdout and "alerts 1" in result.stdout, result.stdout
        assert "safety plans 1" in result.stdout and "check-ins 1" in result.stdout
        assert mode(backup_file) == 0o600

        # restore refuses while the server runs, and changes nothing
        before = hashlib.sha256((group.data_dir / "safespace.db").read_bytes()).hexdigest()
        refused = group.cli("restore", str(backup_file), check=False)
        assert (
            refused.returncode == 1 and "already running" in refused.stderr and "Nothing was changed" in refused.stderr
        )
        assert hashlib.sha256((group.data_dir / "safespace.db").read_bytes()).hexdigest() == before
    finally:
        group.server.stop()

    # the disk is lost
    shutil.rmtree(group.data_dir)
    restored = group.cli("restore", str(backup_file))
    assert "integrity ok" in restored.stdout and f"Restored it as {group.data_dir / 'safespace.db'}" in restored.stdout
    # the host key went with the disk and is not in a backup: the admin is told before members are warned
    assert "There is no host key" in restored.stdout and "host_key_ed25519" in restored.stdout, restored.stdout
    assert mode(group.data_dir) == 0o700 and mode(group.data_dir / "safespace.db") == 0o600

    group.server.start()
    try:
        sam = await Terminal.connect(group.port, group.keys["sam"], wait_for=None)
        ann = await Terminal.connect(group.port, group.keys["ann"])
        try:
            await sam.wait_for("ann (@ann) needs help now")  # the open alert greets the senior
            await ann.wait_for_message("ann", "DRILL-HELLO everyone")  # history
            await ann.type_line("/join check-ins")
            await ann.wait_for("DRILL-CHECKIN note")
            sam.press("f3")
            await sam.wait_for("Safety plan: shared")
            sam.send("a")
            await ann.wait_for("is with you now")  # "sam has seen your SOS and is with you now"
            sam.send("p")
            await sam.wait_for("Open ann's safety plan?")
            sam.send("1")
            await sam.wait_for("DRILL-PLAN pacing at night")
        finally:
            await sam.close()
            await ann.close()
        assert "DRILL-SOS alone tonight" in group.cli("alerts", "show", "1").stdout
    finally:
        group.server.stop()


def test_restore_refuses_a_damaged_file_and_keeps_the_database_aside(tmp_path):
    data = tmp_path / "data"
    safespace_here(data, "init")  # set-up in this process (a Python start-up is ~0.45 s of CPU)
    good = tmp_path / "good.db"
    assert "Integrity check: ok" in safespace(data, "backup", str(good)).stdout

    damaged = tmp_path / "damaged.db"
    raw = bytearray(good.read_bytes())
    raw[4096 * 3 : 4096 * 3 + 512] = b"\xff" * 512  # a page in the middle
    damaged.write_bytes(bytes(raw))
    before = hashlib.sha256((data / "safespace.db").read_bytes()).hexdigest()
    for bad, words in ((damaged, "integrity"), (tmp_path / "missing.db", "no file"), (data / "config.toml", "no file")):
        result = safespace(data, "restore", str(bad), check=False)
        assert result.returncode == 1 and words in result.stderr, result.stderr
    assert hashlib.sha256((data / "safespace.db").read_bytes()).hexdigest() == before

    result = safespace(data, "restore", str(good))
    assert "There is no host key" not in result.stdout  # init made one: members' ssh knows it
    aside = re.search(r"kept as (\S+);", result.stdout)
    assert aside and Path(aside.group(1)).read_bytes()[:16] == b"SQLite format 3\x00", result.stdout
    assert mode(Path(aside.group(1))) == 0o600


def test_a_backup_never_replaces_the_live_database(tmp_path):
    data = tmp_path / "data"
    safespace_here(data, "init")  # set-up and the last look in this process; the backups are real processes
    safespace_here(data, "channel", "add", "garden")
    before = _sha(data / "safespace.db")
    for target in (data / "safespace.db", data / "safespace.db-wal"):
        result = safespace(data, "backup", str(target), check=False)
        assert result.returncode == 1 and "is the live database" in result.stderr, result.stderr
    result = safespace(data, "backup", str(tmp_path / "no" / "such" / "folder.db"), check=False)
    assert result.returncode == 1 and "there is no folder" in result.stderr and "Traceback" not in result.stderr
    assert _sha(data / "safespace.db") == before
    assert "#garden" in safespace_here(data, "channel", "list").stdout


def test_backup_keep_n_prunes_the_oldest(tmp_path):
    data = tmp_path / "data"
    safespace_here(data, "init")
    backups = data / "backups"
    backups.mkdir(mode=0o700)
    for day in range(1, 5):  # four older daily copies
        shutil.copy(data / "safespace.db", backups / f"safespace-2026010{day}-030000.db")
    result = safespace(data, "backup", "--keep", "2")
    kept = sorted(p.name for p in backups.glob("safespace-*.db"))
    assert len(kept) == 2 and kept[0] == "safespace-20260104-030000.db", result.stdout
    assert result.stdout.count("Removed the old backup") == 3


# -- encryption at rest
def _key_file(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_encrypted_database_wal_and_backup_hold_no_member_text(tmp_path):
    keys = tmp_path / "keys"  # outside the data dir
    key = _key_file(keys, "db.key", "correct horse battery staple 42")

    def encrypt(group) -> None:
        (group.data_dir / "config.toml").write_text(f'db_key_file = "{key}"\n')
        result = group.cli("encrypt")
        assert "Encrypted" in result.stdout and "members 2" in result.stdout, result.stdout

    group = start_group(tmp_path / "g", {"ann": "member", "sam": "senior"}, prepare=encrypt)
    data = group.data_dir
    try:
        assert "encrypted database" in group.server.log_text()
        ann = await Terminal.connect(group.port, group.keys["ann"])
        sam = await Terminal.connect(group.port, group.keys["sam"])
        try:
            await ann.type_line(f"my diary says {SECRET}")
            await sam.wait_for_message("ann", f"my diary says {SECRET}")  # stored, and readable over SSH
            await ann.type_line(f"/sos {SECRET} sos note")
            await ann.wait_for("SOS: ask a senior member for help now?")
            ann.press("enter")
            await sam.wait_for("ann (@ann) needs help now")
            result = group.cli("backup", str(tmp_path / "copy.db"))
            assert "encrypted" in result.stdout and "alerts 1" in result.stdout
            status = group.cli("status").stdout
            assert "Members online:  2" in status and "Open alerts:     1" in status and "encrypted" in status
            # while serving: the database, its -wal (the new rows are there before a checkpoint) and -shm
            files = [data / "safespace.db", data / "safespace.db-wal", data / "safespace.db-shm", tmp_path / "copy.db"]
            assert (data / "safespace.db-wal").stat().st_size > 0
            words = (SECRET.encode(), b"diary", b"SQLite format 3")
            readable = {path.name: [word for word in words if word in path.read_bytes()] for path in files}
            assert readable == {path.name: [] for path in files}
        finally:
            await ann.close()
            await sam.close()
    finally:
        group.server.stop()

    # a wrong key, or none: a clear error, and the file is not touched
    before = _sha(data / "safespace.db")
    wrong = _key_file(keys, "wrong.key", "not the key at all, sorry")
    (data / "config.toml").write_text(f'db_key_file = "{wrong}"\n')
    for command in (("member", "list"), ("backup",), ("encrypt",)):
        result = group.cli(*command, check=False)
        assert result.returncode == 1 and "does not open" in result.stderr, (command, result.stderr)
        assert "ERROR CORE" not in result.stderr  # SQLCipher's own log stays quiet
    refused = ServerProcess(data, forked=True)  # the same refusal from cli.main, without a Python start-up
    with pytest.raises(AssertionError, match="does not open"):
        refused.start()
    (data / "config.toml").write_text("")
    result = group.cli("member", "list", check=False)
    assert result.returncode == 1 and "no database key is configured" in result.stderr
    assert _sha(data / "safespace.db") == before

    # the key inside the data dir is refused: a copy of the dir would carry its own key
    inside = _key_file(data, "db.key", "correct horse battery staple 42")
    (data / "config.toml").write_text(f'db_key_file = "{inside}"\n')
    assert "inside the data directory" in group.cli("member", "list", check=False).stderr
    inside.unlink()

    # the right key as a systemd credential; the backup restores
    credentials = tmp_path / "credentials"
    _key_file(credentials, "safespace-db-key", "correct horse battery staple 42")
    (data / "config.toml").write_text("")
    env = dict(os.environ, CREDENTIALS_DIRECTORY=str(credentials))
    listed = subprocess.run(
        [sys.executable, "-m", "safespace_tui", "restore", str(tmp_path / "copy.db"), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "integrity ok" in listed.stdout and "members 2" in listed.stdout, listed.stderr


def test_encrypt_refuses_while_serving_and_without_a_key(tmp_path):
    data = tmp_path / "data"
    safespace_here(data, "init")
    before = _sha(data / "safespace.db")
    result = safespace(data, "encrypt", check=False)
    assert result.returncode == 1 and "no database key is configured" in result.stderr
    server = ServerProcess(data, forked=True)  # a running server is all it needs: no Python start-up
    server.start()
    try:
        key = _key_file(tmp_path / "keys", "db.key", "a long enough passphrase")
        (data / "config.toml").write_text(f'db_key_file = "{key}"\n')
        result = safespace(data, "encrypt", check=False)
        assert result.returncode == 1 and "already running" in result.stderr
    finally:
        server.stop()
    assert _sha(data / "safespace.db") == before


# -- logs and status
async def test_log_names_sign_ins_and_outs_by_id_and_key_never_text_and_status_counts(group):
    ann = await Terminal.connect(group.port, group.keys["ann"])
    try:
        await ann.type_line("a private sentence for nobody's log")
        await ann.wait_for_message("ann", "a private sentence for nobody's log")
        status = group.cli("status").stdout
        assert "Sessions:        1" in status and "Members online:  1" in status
        assert "Open alerts:     0" in status and re.search(r"Database:\s+\d+\.\d MiB", status)
    finally:
        await ann.close()
    ann_key = re.escape(fingerprint(group.keys["ann"]))
    await wait_until(
        lambda: re.search(rf"member \d+ signed out \(key {ann_key}\)", group.server.log_text()),
        what="a sign-out line",
    )
    log = group.server.log_text()
    assert re.search(rf"member \d+ signed in from 127\.0\.0\.1 with key {ann_key}", log), log
    assert "server started: process" in log
    assert "private sentence" not in log
    group.server.stop()
    assert "server stopped" in group.server.log_text()
    result = group.cli("status", check=False)
    assert result.returncode == 3 and "no Safe Space server is running" in result.stdout


def test_under_systemd_the_journal_gets_info_lines(tmp_path, monkeypatch):
    """systemd sets JOURNAL_STREAM; then sign-ins, start and stop reach stderr (the journal) too."""
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    data = tmp_path / "data"
    safespace_here(data, "init")
    server = ServerProcess(data, forked=True)  # forked with this process's environment, JOURNAL_STREAM too
    server.start()
    server.stop()
    output = "".join(server.output)
    assert "INFO safespace.server: server started" in output and "INFO safespace.server: server stopped" in output


def test_rotated_logs_stay_private(tmp_path):
    from safespace_tui.logs import PrivateRotatingFileHandler

    with umask(0o022):
        handler = PrivateRotatingFileHandler(tmp_path / "server.log", maxBytes=200, backupCount=2)
        try:
            for n in range(20):
                handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, f"line {n} " + "x" * 40, None, None))
        finally:
            handler.close()
    files = sorted(tmp_path.glob("server.log*"))
    assert [f.name for f in files] == ["server.log", "server.log.1", "server.log.2"]
    assert all(mode(f) == 0o600 for f in files), {f.name: oct(mode(f)) for f in files}


# -- the systemd units an admin installs
SERVER_DIR = Path(__file__).resolve().parent.parent / "server"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_systemd_units_and_the_backup_timer_are_valid(tmp_path):
    """systemd's own checker reads the units (only the not-yet-installed binary may be missing), and
    the daily timer runs the backup that keeps 14 copies, with the same data dir as the server."""
    units = ["safespace.service", "safespace-backup.service", "safespace-backup.timer"]
    for unit in units:
        shutil.copy(SERVER_DIR / unit, tmp_path / unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{u}" for u in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line for line in (result.stdout + result.stderr).splitlines() if line and "is not executable" not in line
    ]
    assert problems == []
    backup = (SERVER_DIR / "safespace-backup.service").read_text()
    assert "ExecStart=/opt/safespace/bin/safespace backup --keep 14" in backup
    assert "Environment=SAFESPACE_DATA_DIR=/var/lib/safespace" in backup
    assert "OnCalendar=" in (SERVER_DIR / "safespace-backup.timer").read_text()


def test_a_full_disk_is_told_once_not_a_traceback_per_log_line(tmp_path, capfd):
    """Bad input: the disk is full (/dev/full answers every write with ENOSPC). Every log line used
    to print Python's "--- Logging error ---" and a traceback to stderr, burying everything else
    in the terminal and the journal. Now one line says so, lines are dropped, the server goes on;
    once the log can be written again, a new failure is told again."""
    from safespace_tui.logs import PrivateRotatingFileHandler

    handler = PrivateRotatingFileHandler(tmp_path / "server.log", maxBytes=10_000_000, backupCount=1)
    handler.setFormatter(logging.Formatter("%(message)s"))
    writable = handler.stream
    handler.stream = open("/dev/full", "w")  # noqa: SIM115 (closed below)
    try:
        for n in range(50):
            handler.emit(logging.LogRecord("safespace", logging.INFO, __file__, 1, f"member {n} signed in", None, None))
        err = capfd.readouterr().err
        assert "Logging error" not in err and "Traceback" not in err, err[:500]
        assert err.count("the log file cannot be written (No space left on device)") == 1, err
        with contextlib.suppress(OSError):  # its buffer cannot be flushed to a full disk either
            handler.stream.close()
        handler.stream = writable
        handler.emit(logging.LogRecord("safespace", logging.INFO, __file__, 1, "written again", None, None))
        handler.stream = open("/dev/full", "w")  # noqa: SIM115
        handler.emit(logging.LogRecord("safespace", logging.INFO, __file__, 1, "full again", None, None))
        assert capfd.readouterr().err.count("cannot be written") == 1
    finally:
        with contextlib.suppress(OSError):
            handler.stream.close()
        writable.close()
    assert "written again" in (tmp_path / "server.log").read_text()
