"""Encryption at rest, optional: the same SQLite schema in a SQLCipher file when a key is given.

A stolen disk or backup should not read like a diary. With a key (config.py ``read_db_key``: a
file outside the data dir, or a systemd credential) the database, its -wal (SQLCipher encrypts
every page it writes there) and every backup are ciphertext; the -shm holds only the WAL index.
Without a key Safe Space is plain SQLite, as before. A plain SQLite file starts with the 16 bytes
``SQLite format 3\\0``; a SQLCipher file starts with its random salt, so which one a file is can be
told without a key, and a mismatch is said plainly before anything is opened or changed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase
from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-untyped]

# What either driver raises for a file it cannot read or write (they are separate class trees).
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)

PLAIN_HEADER = b"SQLite format 3\x00"


class CannotOpen(RuntimeError):
    """The database cannot be opened as configured (key missing, wrong, or not wanted); nothing was changed."""


def kind_of_file(path: Path) -> str:
    """``"new"`` (missing or empty), ``"plain"`` (SQLite) or ``"encrypted"`` (anything else: SQLCipher,
    or not a database at all)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return "new"
    if not head:
        return "new"
    return "plain" if head == PLAIN_HEADER else "encrypted"


def check_key_fits(path: Path, key: str | None) -> None:
    """Refuse at once when a key is given for a plain file, or none for an encrypted one."""
    kind = kind_of_file(path)
    if kind == "plain" and key is not None:
        raise CannotOpen(
            f"{path} is not encrypted, but a database key is configured. To encrypt it, stop the server "
            "and run 'safespace encrypt'; to keep it plain, remove the key setting. Nothing was changed."
        )
    if kind == "encrypted" and key is None:
        raise CannotOpen(
            f"{path} is encrypted (or is not a Safe Space database), and no database key is configured. "
            "Give the key with db_key_file in config.toml, SAFESPACE_DB_KEY_FILE, or the systemd "
            "credential safespace-db-key. Nothing was changed."
        )


def wrong_key(path: Path) -> CannotOpen:
    return CannotOpen(
        f"the database key does not open {path}: it is the wrong key, or the file is damaged. Nothing was changed."
    )


def is_not_a_database(error: BaseException) -> bool:
    """SQLite's (and SQLCipher's) words for a file it cannot read: a wrong key looks exactly like this."""
    return "file is not a database" in str(error) or "not a database" in str(error)


def database(path: Path, pragmas: dict[str, Any], key: str | None) -> SqliteDatabase:
    """A peewee database for ``path``: SQLCipher (playhouse.sqlcipher_ext) with a key, else plain SQLite.

    The key goes first on every connection (the playhouse does ``PRAGMA key`` before the pragmas),
    so WAL mode and the rest apply to the encrypted file.
    """
    if key is None:
        return SqliteDatabase(str(path), pragmas=pragmas, thread_safe=True)
    from playhouse.sqlcipher_ext import SqlCipherDatabase  # type: ignore[import-untyped]

    _quiet()

    return SqlCipherDatabase(str(path), passphrase=key, pragmas=pragmas, thread_safe=True)


def connect(path: Path, key: str | None, *, sqlcipher_driver: bool = False):
    """A raw DB-API connection (sqlite3, or sqlcipher3 with the key) for backup, checks and encrypt.

    ``sqlcipher_driver``: sqlcipher3 even with no key (it reads plain SQLite too, and has
    ``sqlcipher_export`` to write an encrypted copy).
    """
    if key is None and not sqlcipher_driver:
        return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    _quiet()
    connection = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    if key is not None:
        connection.execute(f"PRAGMA key = {quote(key)}")
    return connection


def quote(text: str) -> str:
    """A SQL string literal (for PRAGMA key and ATTACH … KEY, which take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


_quieted = False


def _quiet() -> None:
    """SQLCipher writes "ERROR CORE … hmac check failed" to stderr on a wrong key; we say it in
    plain words instead (``wrong_key``), so its own log is turned off (a process-wide setting)."""
    global _quieted
    if _quieted:
        return
    connection = sqlcipher.connect(":memory:")
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
    finally:
        connection.close()
    _quieted = True
