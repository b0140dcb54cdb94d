"""The data dir's files stay private whatever the umask, and one server holds the dir at a time.

The database holds safety plans, SOS notes and private check-ins: on a fresh machine with the
usual umask 022, SQLite made it ``-rw-r--r--`` (readable by every user on the host). So the dir
is made 0700 and every file Safe Space writes there 0600, by explicit modes, not by trusting the
umask of whoever starts ``serve`` or runs a CLI command. SQLite gives the -wal and -shm files the
mode of the database file, so a database made 0600 first keeps them 0600 too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from pathlib import Path

LOCK_TRIES = 5
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# What lives in the data dir and must be private (the names config.py gives them, and SQLite's own).
PRIVATE_NAMES = (
    "safespace.db",
    "safespace.db-wal",
    "safespace.db-shm",
    "safespace.db-journal",
    "host_key_ed25519",
    "config.toml",
    "server.log",
    "serve.lock",
    "status.json",
    "status.request",
)


def private_dir(path: Path) -> None:
    """Make ``path`` (and missing parents) a directory only its owner can enter."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Create ``path`` empty at 0600 if it is missing (before SQLite or a logger opens it), else tighten it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE)
    else:
        os.close(fd)


def _tighten(path: Path, mode: int) -> str | None:
    """chmod ``path`` to ``mode`` if group or others have any access; returns ``"name 0755 -> 0700"``."""
    try:
        before = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if before & 0o077 == 0:
        return None
    path.chmod(mode)
    return f"{path.name} {before:04o} -> {mode:04o}"


def secure_data_dir(data_dir: Path) -> list[str]:
    """Tighten an existing data dir and its private files; returns what was loosened before (empty: all fine).

    Called at the start of ``serve`` and of every CLI command, which print one line if the list
    is not empty. Backups and rotated logs in the dir are tightened too.
    """
    if not data_dir.is_dir():
        return []
    changed = [_tighten(data_dir, PRIVATE_DIR)]
    for child in sorted(data_dir.iterdir()):
        if child.is_symlink():
            continue
        if child.is_dir():
            changed.append(_tighten(child, PRIVATE_DIR))
            changed += [_tighten(f, PRIVATE_FILE) for f in sorted(child.iterdir()) if f.is_file()]
        elif child.is_file() and (child.name in PRIVATE_NAMES or _is_ours(child.name)):
            changed.append(_tighten(child, PRIVATE_FILE))
    return [c for c in changed if c]


def _is_ours(name: str) -> bool:
    """Rotated logs (server.log.1) and databases kept aside by restore/encrypt (safespace.db.before-…)."""
    return name.startswith(("server.log.", "safespace.db.", "host_key_ed25519"))


class AlreadyServing(RuntimeError):
    """Another process holds the data dir's serve lock."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(
            f"a Safe Space server is already running on {data_dir}{who}. One server per data directory: "
            "stop that one first (systemctl stop safespace, or Ctrl+C where it runs)."
        )
        self.pid = pid


class DataDirLock:
    """An exclusive ``flock`` on ``serve.lock`` in the data dir, held while ``serve`` (or a restore) runs.

    The kernel drops a flock when its process ends, however it ends (kill -9, a crash, a power
    cut), so a crashed server never leaves the dir stuck; the pid written inside is only for the
    message and for ``safespace status``. CLI commands do not take it: they work while serving.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "serve.lock"
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        """Take the lock or raise ``AlreadyServing`` within a moment: never wait for another server.

        A few tries 20 ms apart: ``holder`` (``safespace status``) holds a shared lock for a few
        microseconds to look, and a server starting just then must not mistake that for a server.
        """
        private_dir(self.data_dir)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        for attempt in range(LOCK_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == LOCK_TRIES - 1:
                    os.close(fd)
                    raise AlreadyServing(self.data_dir, holder(self.data_dir)) from None
                time.sleep(0.02)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(data_dir: Path) -> int | None:
    """The pid of the server holding ``data_dir`` (0 if one holds it but wrote no pid yet), or None if none does."""
    path = data_dir / "serve.lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(ValueError, OSError):
                return int(os.read(fd, 32).decode().strip() or 0)
            return 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
