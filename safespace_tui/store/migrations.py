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
    BoundarySettings,
    CareSettings,
    CheckIn,
    DebriefNote,
    HeldMessage,
    Message,
    Mute,
    NoticeAddress,
    PlanShare,
    SchemaVersion,
    TriggerWord,
)

SCHEMA_VERSION = 6


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


def _nothing(db: SqliteDatabase) -> None:
    """A step another branch fills in (steps are renumbered when branches are merged)."""


def _boundaries_tables(db: SqliteDatabase) -> None:
    """5 -> 6 (issue 11): trigger words, mutes, filter switches, messages held by the no-money
    rule, and a message's content warning. Idempotent: the steps are renumbered at merge."""
    db.create_tables([TriggerWord, Mute, BoundarySettings, HeldMessage], safe=True)
    table = Message._meta.table_name
    if "content_warning" not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "content_warning" VARCHAR(60) NOT NULL DEFAULT \'\'')


# version N -> function that moves a database from N to N+1
STEPS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _crisis_care_tables,
    2: audit_append_only,
    3: _nothing,
    4: _nothing,
    5: _boundaries_tables,
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
