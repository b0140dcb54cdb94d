"""The SQLite file: pragmas, schema, and the one writer thread.

peewee is synchronous, so nothing here may run on the event loop. Writes go to a
single writer thread (SQLite allows one writer; queueing them here avoids
"database is locked" and keeps commit order = publish order). Reads run on a
small pool: with WAL they never wait for the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from peewee import BaseQuery, DatabaseError

from ..config import Config, read_db_key
from ..errors import TellMember
from . import cipher, models
from .files import private_dir, private_file
from .migrations import migrate

T = TypeVar("T")
log = logging.getLogger("safespace.store")

BUSY_TIMEOUT = 2.0  # seconds SQLite waits for another process's write lock, per attempt
WRITE_ATTEMPTS = 3  # so a write gives up after about 6 s: the one writer thread serves everyone


def tuples(query: BaseQuery) -> list[tuple[Any, ...]]:
    """The rows of ``query.tuples()``, run now (inside a ``read``/``write`` body).

    peewee's stubs type ``tuples()`` as the same query, whose rows are model instances; this
    says what the rows really are, in one place.
    """
    return list(query.tuples())


PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "secure_delete": "on",
    "cache_size": -8_000,
}


class CannotSave(TellMember, RuntimeError):
    """The file could not be written: nothing was saved, and the member is told why, kindly.

    ``str(error)`` is SQLite's reason, for the log; ``message`` is for the member. The
    subclasses say which reason, so nobody is told "out of room" when the disk has room.
    """

    MEMBER_WORDS = "That couldn't be saved just now, so nothing changed. Please try again in a little while."

    def __init__(self, reason: str) -> None:
        super().__init__(self.MEMBER_WORDS)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class StoreFull(CannotSave):
    """The disk is full or failing."""

    MEMBER_WORDS = (
        "That couldn't be saved just now: the server is out of room, so nothing changed. "
        "Please try again in a little while; the admins can make room."
    )


class StoreReadOnly(CannotSave):
    """The file or its directory is read-only (a disk remounted read-only, wrong permissions)."""

    MEMBER_WORDS = (
        "That couldn't be saved just now: the database can't be written at the moment, so nothing "
        "changed and what you wrote is still here. The admins have been told in the log."
    )


class StoreBusy(CannotSave):
    """Another process (the CLI, a backup) held the write lock for longer than we wait."""

    MEMBER_WORDS = (
        "That couldn't be saved just now, so nothing was sent and what you wrote is still here. "
        "The server is busy for a moment; please try again shortly."
    )


_FULL = ("database or disk is full", "disk I/O error")
_READ_ONLY = ("readonly database", "unable to open database file")
_BUSY = ("database is locked", "database table is locked")


def _cannot_write(error: BaseException) -> CannotSave | None:
    """What to raise if ``error`` (or one it arose from) means the file cannot be written.

    The whole chain is searched: when SQLite gives up with SQLITE_FULL it rolls the
    transaction back itself, so peewee's own rollback then fails with "cannot rollback - no
    transaction is active", and that is the exception that reaches us, with the real one as
    its context. (peewee also wraps sqlite3 errors in its own, as __cause__.)
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        for reasons, kind in ((_FULL, StoreFull), (_READ_ONLY, StoreReadOnly), (_BUSY, StoreBusy)):
            if any(reason in text for reason in reasons):
                return kind(text)
        current = current.__cause__ or current.__context__
    return None


class Store:
    """One SQLite file. Use ``await store.write(fn)`` / ``await store.read(fn)`` from async code."""

    def __init__(
        self, path: Path | str, *, readers: int = 2, busy_timeout: float = BUSY_TIMEOUT, key: str | None = None
    ) -> None:
        """Open (or create) the file; ``key`` makes it SQLCipher (store/cipher.py), None plain SQLite.

        The dir is made 0700 and the file 0600 before SQLite opens it (store/files.py): SQLite
        gives -wal and -shm the database's mode, so all three stay private whatever the umask.
        A key that does not fit the file raises ``cipher.CannotOpen`` with nothing changed.
        """
        self.path = Path(path)
        self.encrypted = key is not None
        private_dir(self.path.parent)
        cipher.check_key_fits(self.path, key)
        private_file(self.path)
        for suffix in ("-wal", "-shm"):
            if (side := self.path.with_name(self.path.name + suffix)).exists():
                private_file(side)
        pragmas = {**PRAGMAS, "busy_timeout": int(busy_timeout * 1000)}
        self.db = cipher.database(self.path, pragmas, key)
        models.database.initialize(self.db)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safespace-writer")
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="safespace-reader")
        try:
            with self.db.connection_context():
                self.schema_version = migrate(self.db)
        except DatabaseError as error:
            self._writer.shutdown()
            self._readers.shutdown()
            if cipher.is_not_a_database(error):
                raise cipher.wrong_key(self.path) from None
            raise

    # -- synchronous entry points (CLI, and the worker threads themselves)
    def write_sync(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run ``fn`` in one transaction; it commits (fsync) before this returns.

        Another process writing (the CLI, a restore) holds SQLite's one write lock: we wait for
        it (busy timeout) and try again a few times, then raise ``StoreBusy`` (kind words; the
        session goes on). ``BEGIN IMMEDIATE`` takes the lock first: a transaction that read and
        then asked to write would get "database is locked" at once, without waiting.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.db.atomic("IMMEDIATE"):
                    return fn(*args, **kwargs)
            except Exception as error:
                refusal = _cannot_write(error)
                if refusal is None:
                    raise
                if isinstance(refusal, StoreBusy) and attempt < WRITE_ATTEMPTS:
                    log.info("database locked by another process; write attempt %d of %d", attempt, WRITE_ATTEMPTS)
                    time.sleep(0.05 * attempt)
                    continue
                raise refusal from error
        raise AssertionError("unreachable: the last attempt returns or raises")

    def read_sync(self, fn: Callable[..., T], *args, **kwargs) -> T:
        with self.db.atomic():  # one consistent snapshot
            return fn(*args, **kwargs)

    # -- async entry points (the server)
    async def write(self, fn: Callable[..., T], *args, **kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: self.write_sync(fn, *args, **kwargs))

    async def read(self, fn: Callable[..., T], *args, **kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: self.read_sync(fn, *args, **kwargs))

    def size(self) -> int:
        """Bytes on disk: the database and its write-ahead log (what ``safespace status`` shows)."""
        total = 0
        for name in (self.path.name, self.path.name + "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += (self.path.parent / name).stat().st_size
        return total

    async def checkpoint(self) -> None:
        """After a deletion: merge the search index, then write the WAL back into the file and empty
        it (TRUNCATE), on the writer thread, outside any transaction; the old words are then in
        neither the -wal nor the db.

        The search index (FTS5) only marks a replaced text deleted; its words stay in the index's
        pages, one by one, until its segments are merged, and 'optimize' merges them now (without
        it a deleted word was still in the raw file after the checkpoint: tests/test_deletion_e2e.py)."""
        search = models.MessageSearch._meta.table_name

        def run() -> None:
            self.db.execute_sql(f'INSERT INTO "{search}"("{search}") VALUES (\'optimize\')')
            self.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, run)

    def close(self) -> None:
        """Finish queued writes, then close; connections in pool threads close with them."""
        self._writer.submit(self.db.close).result()
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        if not self.db.is_closed():
            self.db.close()


def open_store(config: Config, **options: Any) -> Store:
    """The store as ``config`` says: its path, busy timeout and (optional) database key."""
    return Store(config.db_path, busy_timeout=config.store_busy_timeout, key=read_db_key(config), **options)
