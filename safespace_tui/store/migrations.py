"""Schema versions and the path between them.

A new file is created at the newest version. An older file is moved forward one
step at a time, each step in its own transaction, so a crash mid-way leaves the
file at a version we know how to continue from.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import SqliteDatabase

from .models import (
    ALL_MODELS,
    AlertNotice,
    AuditEntry,
    CareSettings,
    CheckIn,
    Cheer,
    DebriefNote,
    DeletionRequest,
    Goal,
    GoalNote,
    NoticeAddress,
    PlanShare,
    Profile,
    SchemaVersion,
)

SCHEMA_VERSION = 5


def _crisis_care_tables(db: SqliteDatabase) -> None:
    """1 -> 2 (issue 9): notice addresses, on call and quiet hours, notices sent, plan sharing,
    debrief notes; a check-in's warning signs as their own message."""
    db.create_tables([NoticeAddress, CareSettings, AlertNotice, PlanShare, DebriefNote])
    table = CheckIn._meta.table_name
    if "warning_message_id" not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(
            f'ALTER TABLE "{table}" ADD COLUMN "warning_message_id" INTEGER '
            'REFERENCES "message" ("id") ON DELETE SET NULL'
        )


def audit_append_only(db: SqliteDatabase) -> None:
    """2 -> 3 (issue 15): the audit table is append-only. Nothing in Safe Space updates or deletes
    an audit row; these triggers make plain SQL (a stray script, a curious admin) unable to either,
    so a sensitive read once recorded stays recorded. A new file gets them too (``migrate``)."""
    table = AuditEntry._meta.table_name
    for verb in ("UPDATE", "DELETE"):
        db.execute_sql(
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{verb.lower()}" BEFORE {verb} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def _belonging_tables(db: SqliteDatabase) -> None:
    """-> 5 (issue 10, part B): profiles, cheers, goals and their notes, deletion requests."""
    db.create_tables([Profile, Cheer, Goal, GoalNote, DeletionRequest], safe=True)


def _nothing(db: SqliteDatabase) -> None:
    """3 -> 4 belongs to another change merged alongside; on this branch it has nothing to do."""


# version N -> function that moves a database from N to N+1
STEPS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _crisis_care_tables,
    2: audit_append_only,
    3: _nothing,
    4: _belonging_tables,
}


class SchemaTooNew(RuntimeError):
    """The file was written by a newer Safe Space; we refuse rather than damage it."""


def current_version(db: SqliteDatabase) -> int | None:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select().first()
    return row.version if row else None


def migrate(db: SqliteDatabase) -> int:
    """Bring ``db`` to SCHEMA_VERSION; returns the version it is at."""
    version = current_version(db)
    if version is None:
        with db.atomic():
            db.create_tables(ALL_MODELS)
            audit_append_only(db)
            SchemaVersion.create(version=SCHEMA_VERSION)
        return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"this data file is at schema version {version}; this Safe Space knows up to {SCHEMA_VERSION}"
        )
    while version < SCHEMA_VERSION:
        with db.atomic():
            STEPS[version](db)
            version += 1
            SchemaVersion.update(version=version).execute()
    return version
