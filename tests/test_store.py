"""Issue 2, the store: pragmas, schema version and migrations, one writer thread off the event
loop, commit before publish, and a full database reported as StoreFull (nothing half-written).

Real SQLite files in tmp_path; the Store, services and hub are the real ones.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading

import pytest

from harness import make_key
from safespace_tui.config import load_config
from safespace_tui.hub import Hub, channel_topic
from safespace_tui.services import Services
from safespace_tui.ssh.keys import read_public_key
from safespace_tui.store import migrations
from safespace_tui.store.db import Store, StoreFull
from safespace_tui.store.migrations import SCHEMA_VERSION, SchemaTooNew
from safespace_tui.store.models import Channel, Message, SchemaVersion


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "safespace.db")
    yield s
    s.close()


@pytest.fixture
async def services(tmp_path):
    """Real services on a real file, with one member (ann) and the default channels."""
    config = load_config(tmp_path / "data")
    store = Store(config.db_path)
    s = Services(config, store, Hub())
    await s.channels.ensure_defaults()
    key = make_key(tmp_path, "ann")
    await s.members.add("ann", read_public_key(key.with_suffix(".pub").read_text()))
    yield s
    store.close()


PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "foreign_keys": 1,
    "secure_delete": 1,
    "busy_timeout": 2_000,  # per attempt; store/db.py tries WRITE_ATTEMPTS times
}


def pragmas(store: Store) -> dict[str, object]:
    return {name: store.db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}


async def test_pragmas_in_force_on_writer_and_reader_connections(store):
    """Promise: WAL, synchronous=FULL, foreign keys, busy timeout and secure_delete, on every
    connection the server uses (the writer thread's and each reader thread's own)."""
    assert await store.write(pragmas, store) == PRAGMAS
    readers = await asyncio.gather(*(store.read(pragmas, store) for _ in range(4)))
    assert all(found == PRAGMAS for found in readers)


def test_journal_mode_is_wal_in_the_file(store, tmp_path):
    """WAL is a property of the file: a plain sqlite3 connection sees it too."""
    with sqlite3.connect(tmp_path / "safespace.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_version_row(store, tmp_path):
    """Promise: a schema version, one row, at the newest version for a new file."""
    with sqlite3.connect(tmp_path / "safespace.db") as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert store.schema_version == SCHEMA_VERSION


def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path):
    """Bad input: a data file written by a newer Safe Space. Refused (SchemaTooNew, saying which
    versions), and the file is left as it was."""
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match=f"version {SCHEMA_VERSION + 1}"):
        Store(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION + 1,)]
    assert path.read_bytes() == before


def test_cli_reports_a_newer_schema_clearly(tmp_path):
    """The same refusal through the CLI: one clear line and a non-zero exit, not a traceback."""
    data = tmp_path / "data"
    Store(data / "safespace.db").close()
    with sqlite3.connect(data / "safespace.db") as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    result = subprocess.run(
        [sys.executable, "-m", "safespace_tui", "member", "list", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "schema version" in result.stderr and result.stderr.startswith("safespace: ")


def test_migration_path_moves_an_older_file_forward_one_step_at_a_time(tmp_path, monkeypatch):
    """Promise: a migration path. An older file is moved forward by its steps, each in its own
    transaction, and the version row follows. (The step here is a test step added to the real
    STEPS table, as the next real migration will be.)"""
    path = tmp_path / "safespace.db"
    Store(path).close()
    ran = []

    def add_a_column(db):
        ran.append(SCHEMA_VERSION)
        db.execute_sql("ALTER TABLE channel ADD COLUMN test_extra TEXT DEFAULT ''")

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(migrations.STEPS, SCHEMA_VERSION, add_a_column)
    store = Store(path)
    store.close()
    assert ran == [SCHEMA_VERSION]
    assert store.schema_version == SCHEMA_VERSION + 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION + 1,)]
        assert "test_extra" in [row[1] for row in db.execute("PRAGMA table_info(channel)")]


def test_a_failed_migration_step_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    """A step that fails half-way is rolled back: the file stays at the version before it."""
    path = tmp_path / "safespace.db"
    Store(path).close()

    def broken(db):
        db.execute_sql("ALTER TABLE channel ADD COLUMN half_done TEXT")
        raise RuntimeError("step failed")

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(migrations.STEPS, SCHEMA_VERSION, broken)
    with pytest.raises(RuntimeError, match="step failed"):
        Store(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert "half_done" not in [row[1] for row in db.execute("PRAGMA table_info(channel)")]


async def test_writes_run_on_the_one_writer_thread_and_reads_on_readers(store):
    """Promise: writes run off the event loop, on the single 'safespace-writer' thread (so commit
    order is the order they were asked for); reads run on reader threads."""
    loop_thread = threading.current_thread()
    writers = await asyncio.gather(*(store.write(lambda: threading.current_thread()) for _ in range(8)))
    assert {t.name for t in writers} == {writers[0].name}
    assert writers[0].name.startswith("safespace-writer") and writers[0] is not loop_thread
    readers = await asyncio.gather(*(store.read(lambda: threading.current_thread().name) for _ in range(4)))
    assert all(name.startswith("safespace-reader") for name in readers)


async def test_a_slow_write_does_not_block_the_event_loop(store):
    """Promise: never block the loop. While a write takes 0.5 s on the writer thread, the loop
    keeps running other tasks."""
    ticks = 0
    started = threading.Event()

    def slow_write():
        started.set()
        threading.Event().wait(0.5)
        return "done"

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        result = await store.write(slow_write)
    finally:
        task.cancel()
    assert result == "done" and started.is_set()
    assert ticks >= 10  # the loop ran while the write was in progress


async def test_a_message_is_committed_before_anyone_is_told(services, tmp_path):
    """Promise: persist first, then publish. When the hub delivers a new message, another
    connection to the file (as another process would have) already sees the row."""
    member = await services.members.by_handle("ann")
    living = await services.channels.by_name("living-room")
    seen_by_another_connection = []

    def on_message(event):
        with sqlite3.connect(services.config.db_path) as other:
            seen_by_another_connection.append(
                other.execute("SELECT body FROM message WHERE id = ?", (event.message.id,)).fetchall()
            )

    services.hub.subscribe(channel_topic(living.id), on_message)
    await services.channels.post(member, living.id, "committed first")
    assert seen_by_another_connection == [[("committed first",)]]


async def test_a_full_database_raises_store_full_and_writes_nothing(services):
    """Bad condition: the database cannot grow (SQLite's max_page_count stands in for a full disk
    here; tests/test_ssh_persistence.py fills a real tiny filesystem). Posting raises StoreFull,
    which carries no half-written row, and the store keeps working once there is room again."""
    member = await services.members.by_handle("ann")
    living = await services.channels.by_name("living-room")
    store = services.store

    def cap(pages):
        store.db.execute_sql(f"PRAGMA max_page_count = {pages}")

    pages = await store.write(lambda: store.db.execute_sql("PRAGMA page_count").fetchone()[0])
    await store.write(cap, pages)
    for attempt in range(50):  # fill what room the last pages still have
        count = await store.read(lambda: Message.select().count())
        try:
            await services.channels.post(member, living.id, f"{attempt} " + "x" * 3900)
        except StoreFull:
            break
    else:
        raise AssertionError("the capped database never filled up")
    assert await store.read(lambda: Message.select().count()) == count
    await store.write(cap, 1_000_000)
    await services.channels.post(member, living.id, "room again")
    assert await store.read(lambda: Message.select().where(Message.body == "room again").count()) == 1


def test_foreign_keys_are_enforced(store):
    """foreign_keys=1 is not just set but effective: a message for a channel that does not
    exist is refused by SQLite itself."""
    from peewee import IntegrityError

    with pytest.raises(IntegrityError):
        store.write_sync(lambda: Message.insert(channel=999_999, author=999_999, body="orphan").execute())
    assert store.read_sync(lambda: Channel.select().count()) == 0
    assert store.read_sync(lambda: SchemaVersion.select().count()) == 1


def _audit_row_can_be_changed(path) -> list[str]:
    """Try to update and delete an audit row with a plain sqlite3 connection (no Safe Space code,
    foreign keys off as plain sqlite3 has them); returns the changes SQLite allowed."""
    allowed = []
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO audit_entry (actor_id, action, created_at, detail) VALUES (1, 'plan_read', '2026-01-01', '')"
        )
    for sql in ("UPDATE audit_entry SET detail = 'nothing happened'", "DELETE FROM audit_entry"):
        try:
            with sqlite3.connect(path) as db:
                db.execute(sql)
            allowed.append(sql.split()[0])
        except sqlite3.IntegrityError as error:
            assert "append-only" in str(error)
    if not allowed:
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT action, detail FROM audit_entry").fetchall() == [("plan_read", "")]
    return allowed


def test_the_audit_log_is_append_only_in_a_new_file(tmp_path):
    """Issue 15: plain SQL can add to the audit table but neither change nor remove a row."""
    path = tmp_path / "safespace.db"
    Store(path).close()
    assert _audit_row_can_be_changed(path) == []


def test_a_version_2_file_gets_the_append_only_audit_log(tmp_path):
    """Issue 15: a file written at schema version 2 (no triggers) is moved to 3 and its audit log
    becomes append-only. The version-2 file is the version-3 schema without the triggers, which is
    exactly what version 2 was."""
    path = tmp_path / "safespace.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("DROP TRIGGER audit_entry_no_delete")
        db.execute("UPDATE schema_version SET version = 2")
    store = Store(path)
    store.close()
    assert store.schema_version == SCHEMA_VERSION
    assert _audit_row_can_be_changed(path) == []
