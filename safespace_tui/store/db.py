"""The SQLite file: pragmas, schema, and the one writer thread.

peewee is synchronous, so nothing here may run on the event loop. Writes go to a
single writer thread (SQLite allows one writer; queueing them here avoids
"database is locked" and keeps commit order = publish order). Reads run on a
small pool: with WAL they never wait for the writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from peewee import BaseQuery, SqliteDatabase

from ..errors import TellMember
from . import models
from .migrations import migrate

T = TypeVar("T")


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
    "busy_timeout": 10_000,
    "secure_delete": "on",
    "cache_size": -8_000,
}


class StoreFull(TellMember, RuntimeError):
    """The disk is full or the file cannot be written: nothing was saved.

    ``str(error)`` is SQLite's reason, for the log; ``message`` is for the member.
    """

    MEMBER_WORDS = (
        "That couldn't be saved just now: the server is out of room, so nothing changed. "
        "Please try again in a little while; the admins can make room."
    )

    def __init__(self, reason: str) -> None:
        super().__init__(self.MEMBER_WORDS)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


_CANNOT_WRITE = ("database or disk is full", "disk I/O error", "readonly database")


def _cannot_write(error: BaseException) -> str | None:
    """The reason if ``error`` (or one it arose from) means the file cannot be written.

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
        if any(reason in text for reason in _CANNOT_WRITE):
            return text
        current = current.__cause__ or current.__context__
    return None


class Store:
    """One SQLite file. Use ``await store.write(fn)`` / ``await store.read(fn)`` from async code."""

    def __init__(self, path: Path | str, *, readers: int = 2) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = SqliteDatabase(str(self.path), pragmas=PRAGMAS, thread_safe=True)
        models.database.initialize(self.db)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safespace-writer")
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="safespace-reader")
        with self.db.connection_context():
            self.schema_version = migrate(self.db)

    # -- synchronous entry points (CLI, and the worker threads themselves)
    def write_sync(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run ``fn`` in one transaction; it commits (fsync) before this returns."""
        try:
            with self.db.atomic():
                return fn(*args, **kwargs)
        except Exception as error:
            if (reason := _cannot_write(error)) is not None:
                raise StoreFull(reason) from error
            raise

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

    def close(self) -> None:
        """Finish queued writes, then close; connections in pool threads close with them."""
        self._writer.submit(self.db.close).result()
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        if not self.db.is_closed():
            self.db.close()
