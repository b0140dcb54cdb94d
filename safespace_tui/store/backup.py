"""Backup, restore and encrypt: copies of the one file, made and checked without stopping the server.

``backup`` uses SQLite's online backup API with every page in one step: the copy is one read
transaction on the source, so with WAL the server's writer never waits for it and a busy writer
cannot make it start over (in small steps, each write to the source restarts the copy). The copy
is written to a hidden 0600 temp file beside the target, checked (``PRAGMA integrity_check`` and
the row counts) and only then renamed into place: a half-made or damaged backup never has the
name of a good one. An encrypted database gives an encrypted backup with the same key.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import cipher
from .files import PRIVATE_FILE
from .migrations import SCHEMA_VERSION
from .models import Alert, CheckIn, Member, Message, SafetyPlan, SchemaVersion

# What a backup's report counts: enough for an admin to see at a glance that it is the group's data.
COUNTED = (
    ("members", Member),
    ("messages", Message),
    ("alerts", Alert),
    ("safety plans", SafetyPlan),
    ("check-ins", CheckIn),
)
BACKUP_PREFIX = "safespace-"


class BackupFailed(RuntimeError):
    """A copy could not be made or did not pass its check; the message says which, nothing was replaced."""


@dataclass(frozen=True)
class Checked:
    """A database file that passed ``PRAGMA integrity_check``: its size, schema version and row counts."""

    path: Path
    size: int
    schema_version: int
    counts: dict[str, int]
    encrypted: bool

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n:,}" for name, n in self.counts.items())
        return f"{self.size / 1_048_576:.1f} MiB, {counts}" + (", encrypted" if self.encrypted else "")


def check(path: Path, key: str | None) -> Checked:
    """Open ``path`` read-only, run ``PRAGMA integrity_check`` and count the rows; raise ``BackupFailed``
    (or ``cipher.CannotOpen`` for a key that does not fit) if it is not a sound Safe Space database."""
    if not path.is_file():
        raise BackupFailed(f"there is no file at {path}")
    cipher.check_key_fits(path, key)
    if cipher.kind_of_file(path) == "new":
        raise BackupFailed(f"{path} is empty")
    connection = cipher.connect(path, key)
    try:
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check(5)").fetchall()]
        except cipher.DRIVER_ERRORS as error:
            if cipher.is_not_a_database(error) and key is not None:
                raise cipher.wrong_key(path) from None
            raise BackupFailed(f"{path} failed SQLite's integrity check: {error}") from None
        if problems != ["ok"]:
            raise BackupFailed(f"{path} failed SQLite's integrity check: {'; '.join(problems)}")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if SchemaVersion._meta.table_name not in tables:
            raise BackupFailed(f"{path} is a database, but not a Safe Space one")
        version = connection.execute(f'SELECT version FROM "{SchemaVersion._meta.table_name}"').fetchone()[0]
        counts = {
            name: connection.execute(f'SELECT count(*) FROM "{model._meta.table_name}"').fetchone()[0]
            for name, model in COUNTED
            if model._meta.table_name in tables
        }
    finally:
        connection.close()
    if version > SCHEMA_VERSION:
        raise BackupFailed(
            f"{path} was written by a newer Safe Space (schema {version}; this one knows up to {SCHEMA_VERSION})"
        )
    return Checked(path, path.stat().st_size, version, counts, key is not None)


def default_backup_path(backup_dir: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return backup_dir / f"{BACKUP_PREFIX}{stamp}.db"


def backup(db_path: Path, target: Path, key: str | None) -> tuple[Checked, float]:
    """Copy the live database at ``db_path`` to ``target`` (0600), check the copy; returns it and the seconds taken."""
    if target.exists() and target.is_dir():
        raise BackupFailed(f"{target} is a directory; give a file name for the backup")
    if not target.parent.is_dir():
        raise BackupFailed(f"there is no folder {target.parent} to put the backup in")
    if target.resolve().parent == db_path.resolve().parent and target.name.startswith(db_path.name):
        raise BackupFailed(f"{target} is the live database (or its log); give the backup another name")
    if not db_path.exists():
        raise BackupFailed(f"there is no database at {db_path} to back up")
    cipher.check_key_fits(db_path, key)
    started = time.perf_counter()
    temp = _fresh_private(target.with_name(f".{target.name}.partial"))
    try:
        source = cipher.connect(db_path, key)
        try:
            copy = cipher.connect(temp, key)
            try:
                source.backup(copy, pages=-1)  # every page in one step: see the module's docstring
            finally:
                copy.close()
        except cipher.DRIVER_ERRORS as error:
            if cipher.is_not_a_database(error) and key is not None:
                raise cipher.wrong_key(db_path) from None
            raise BackupFailed(f"the copy could not be made: {error}") from None
        finally:
            source.close()
        checked = check(temp, key)
        _fsync(temp)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return Checked(target, checked.size, checked.schema_version, checked.counts, checked.encrypted), (
        time.perf_counter() - started
    )


def prune(backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``safespace-*.db`` backups in ``backup_dir``; returns those deleted."""
    backups = sorted(backup_dir.glob(f"{BACKUP_PREFIX}*.db"), key=lambda p: p.name, reverse=True)
    old = backups[keep:] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


def restore(source: Path, db_path: Path, key: str | None) -> tuple[Checked, Path | None]:
    """Put the backup ``source`` in place of ``db_path`` (the caller holds the data dir's lock).

    The backup is checked first; the database that was there is renamed aside with its -wal
    (``safespace.db.before-restore-<time>``), never deleted. Returns the check and that path.
    """
    checked = check(source, key)
    temp = _fresh_private(db_path.with_name(f".{db_path.name}.restoring"))
    try:
        with source.open("rb") as src, temp.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        aside = _set_aside(db_path, "before-restore")
        os.replace(temp, db_path)
        _fsync_dir(db_path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return checked, aside


def encrypt(db_path: Path, key: str) -> tuple[Checked, Checked]:
    """Convert the plain database at ``db_path`` to SQLCipher with ``key`` (the caller holds the lock).

    ``sqlcipher_export`` writes an encrypted copy beside it; the copy is checked and its counts
    compared before it replaces the plain file. On any error the plain file is left as it was.
    Returns (the plain file's check, the encrypted one's).
    """
    if cipher.kind_of_file(db_path) != "plain":
        raise BackupFailed(f"{db_path} is not a plain SQLite database")
    plain = check(db_path, None)
    temp = _fresh_private(db_path.with_name(f".{db_path.name}.encrypting"))
    try:
        connection = cipher.connect(db_path, None, sqlcipher_driver=True)  # it reads plain SQLite
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute(f"ATTACH DATABASE {cipher.quote(str(temp))} AS encrypted KEY {cipher.quote(key)}")
            connection.execute("SELECT sqlcipher_export('encrypted')")
            connection.execute("DETACH DATABASE encrypted")
        finally:
            connection.close()
        encrypted = check(temp, key)
        if encrypted.counts != plain.counts:
            raise BackupFailed(f"the encrypted copy's counts {encrypted.counts} differ from {plain.counts}")
        _fsync(temp)
        wal = db_path.with_name(db_path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise BackupFailed(f"{wal} still holds writes; start and stop the server once, then try again")
        os.replace(temp, db_path)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                db_path.with_name(db_path.name + suffix).unlink()
        _fsync_dir(db_path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return plain, Checked(db_path, encrypted.size, encrypted.schema_version, encrypted.counts, True)


def _set_aside(db_path: Path, why: str) -> Path | None:
    """Rename the database and its -wal to ``<name>.<why>-<time>`` (+ ``-wal``); drop its -shm (an
    index SQLite rebuilds)."""
    if not db_path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.name}.{why}-{stamp}")
    os.replace(db_path, aside)
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + "-wal"))
    with contextlib.suppress(FileNotFoundError):
        db_path.with_name(db_path.name + "-shm").unlink()
    return aside


def _fresh_private(path: Path) -> Path:
    """An empty 0600 file at ``path`` (a stale one from an interrupted run is replaced)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """A rename is durable once its directory is synced."""
    _fsync(directory)
