"""Schema versions and the path between them.

A new file is created at the newest version. An older file is moved forward one
step at a time, each step in its own transaction, so a crash mid-way leaves the
file at a version we know how to continue from.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import Model, SqliteDatabase

from .models import (
    ALL_MODELS,
    AccessChange,
    AlertNotice,
    AuditEntry,
    BoundarySettings,
    CareSettings,
    Channel,
    CheckIn,
    Cheer,
    DebriefNote,
    DeletionRequest,
    Goal,
    GoalNote,
    GroupSetting,
    HeldMessage,
    Invite,
    Mediation,
    MediationMediator,
    MediationPick,
    MediationSlot,
    Member,
    MentionsSeen,
    Message,
    MessageSearch,
    Moderation,
    Mute,
    Nomination,
    NoticeAddress,
    Onboarding,
    PlanShare,
    PrivateTalk,
    PrivateWord,
    Profile,
    Report,
    SchemaVersion,
    ScreeningNote,
    SessionPreference,
    TriggerWord,
    WatchSetting,
)

SCHEMA_VERSION = 13


def _add_column(db: SqliteDatabase, model: type[Model], column: str, definition: str) -> None:
    """``ALTER TABLE ... ADD COLUMN``, only when the column is missing: every step may run again
    (steps were renumbered when branches merged)."""
    table = model._meta.table_name
    if column not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def _crisis_care_tables(db: SqliteDatabase) -> None:
    """1 -> 2 (issue 9): notice addresses, on call and quiet hours, notices sent, plan sharing,
    debrief notes; a check-in's warning signs as their own message."""
    db.create_tables([NoticeAddress, CareSettings, AlertNotice, PlanShare, DebriefNote])
    _add_column(db, CheckIn, "warning_message_id", 'INTEGER REFERENCES "message" ("id") ON DELETE SET NULL')


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


def search_index(db: SqliteDatabase) -> None:
    """The full-text index of messages (FTS5), kept in step by triggers, so no write path can
    forget it: every insert, edit and delete of a message updates it in the same transaction.
    A new file gets them too (``migrate``). Idempotent."""
    db.create_tables([MessageSearch], safe=True)
    search, message = MessageSearch._meta.table_name, "message"
    db.execute_sql(
        f'CREATE TRIGGER IF NOT EXISTS "{search}_ai" AFTER INSERT ON "{message}" BEGIN '
        f'INSERT INTO "{search}"(rowid, body) VALUES (new.id, new.body); END'
    )
    db.execute_sql(
        f'CREATE TRIGGER IF NOT EXISTS "{search}_ad" AFTER DELETE ON "{message}" BEGIN '
        f'INSERT INTO "{search}"("{search}", rowid, body) VALUES (\'delete\', old.id, old.body); END'
    )
    db.execute_sql(
        f'CREATE TRIGGER IF NOT EXISTS "{search}_au" AFTER UPDATE OF body ON "{message}" BEGIN '
        f'INSERT INTO "{search}"("{search}", rowid, body) VALUES (\'delete\', old.id, old.body); '
        f'INSERT INTO "{search}"(rowid, body) VALUES (new.id, new.body); END'
    )


# What the server's access watcher (services/access.py) reads, column by column; a change to any of
# them raises ``access_change`` (access_triggers), and nothing else does. Not here: status,
# status_note, spoons, away_until, timezone, pronouns, last_seen_at (written at every sign-out):
# the watcher publishes a member only when role, handle or display name differ, so a change to
# those alone never made it publish anything; a look for them would be 11 ms of CPU for nothing.
WATCHED_MEMBER_COLUMNS = (
    "removed_at",  # a removed member's keys no longer open the door (revoked_among); lists drop them
    "joining",  # members.list leaves out members still joining: finishing onboarding brings one in
    "role",  # published at once: services check the session's role, SOS alerts reach seniors
    "handle",  # published: how others name the member (and shown when the display name is empty)
    "display_name",  # published: the name others see
)
WATCHED_KEY_COLUMNS = (
    "revoked_at",  # a revoked key no longer opens the door (revoked_among)
    "member_id",  # whose key it is: revoked_among joins it to the member, removed or not
)


# How the watcher reads the count (MemberService.access_changes), every round: plain SQL, as peewee's
# query building took it from 0.08 to 0.25 ms of CPU.
READ_ACCESS_CHANGES = f'SELECT changes FROM "{AccessChange._meta.table_name}" WHERE id = 1'


def access_triggers(db: SqliteDatabase) -> None:
    """12 -> 13: a count in ``access_change`` (one row) that SQLite raises itself on every insert
    and delete of a member or a key, and on an update that changes a watched column (above), so the
    access watcher looks at every member and live key only when it moved. The CLI (another process)
    writes through the same triggers. Before, the watcher's token was every commit, and a talking
    group paid a full look (11.1 ms of CPU with 200 members, bench/access_watch.py) every round.

    ``WHEN ... IS NOT ...``: peewee's ``save()`` writes every column, so ``UPDATE OF`` alone would
    fire for a changed status. A new file gets them too (``migrate``). Idempotent."""
    db.create_tables([AccessChange], safe=True)
    count = AccessChange._meta.table_name
    db.execute_sql(f'INSERT OR IGNORE INTO "{count}" (id, changes) VALUES (1, 0)')
    bump = f'UPDATE "{count}" SET changes = changes + 1 WHERE id = 1;'
    for table, columns in (("member", WATCHED_MEMBER_COLUMNS), ("member_key", WATCHED_KEY_COLUMNS)):
        for verb in ("INSERT", "DELETE"):
            db.execute_sql(
                f'CREATE TRIGGER IF NOT EXISTS "{count}_{table}_{verb[0].lower()}" AFTER {verb} ON "{table}" '
                f"BEGIN {bump} END"
            )
        named = ", ".join(f'"{column}"' for column in columns)
        changed = " OR ".join(f'old."{column}" IS NOT new."{column}"' for column in columns)
        db.execute_sql(
            f'CREATE TRIGGER IF NOT EXISTS "{count}_{table}_u" AFTER UPDATE OF {named} ON "{table}" '
            f"WHEN {changed} BEGIN {bump} END"
        )


def _catching_up(db: SqliteDatabase) -> None:
    """6 -> 7 (issue 12): search over what was said (existing messages indexed once), the /mentions
    marker, and archived channels."""
    search_index(db)
    db.execute_sql(
        f'INSERT INTO "{MessageSearch._meta.table_name}"("{MessageSearch._meta.table_name}") VALUES (\'rebuild\')'
    )
    db.create_tables([MentionsSeen], safe=True)
    _add_column(db, Channel, "archived_at", "DATETIME")


def _joining_tables(db: SqliteDatabase) -> None:
    """3 -> 4 (issue 10, joining): nominations and screening notes, invites, onboarding, the
    group's capacity; a member's pronouns and whether they are still joining."""
    db.create_tables([GroupSetting, Nomination, ScreeningNote, Invite, Onboarding], safe=True)
    _add_column(db, Member, "pronouns", "VARCHAR(40) NOT NULL DEFAULT ''")
    _add_column(db, Member, "joining", "INTEGER NOT NULL DEFAULT 0")


def _belonging_tables(db: SqliteDatabase) -> None:
    """4 -> 5 (issue 10, part B): profiles, cheers, goals and their notes, deletion requests."""
    db.create_tables([Profile, Cheer, Goal, GoalNote, DeletionRequest], safe=True)


def _boundaries_tables(db: SqliteDatabase) -> None:
    """5 -> 6 (issue 11): trigger words, mutes, filter switches, messages held by the no-money
    rule, and a message's content warning. Idempotent: the steps are renumbered at merge."""
    db.create_tables([TriggerWord, Mute, BoundarySettings, HeldMessage], safe=True)
    _add_column(db, Message, "content_warning", "VARCHAR(60) NOT NULL DEFAULT ''")


def watch_settings(db: SqliteDatabase) -> None:
    """7 -> 8 (issue 14): a senior member's remembered choice to dock the monitoring pane.
    Idempotent (safe=True), so it may run again after the steps are renumbered."""
    db.create_tables([WatchSetting], safe=True)


def _session_preferences(db: SqliteDatabase) -> None:
    """8 -> 9 (issue 12): a member's saved choice of the plain line mode (``/mode line``)."""
    db.create_tables([SessionPreference], safe=True)


def _own_words_and_reports(db: SqliteDatabase) -> None:
    """9 -> 10 (issue 11): a message's edit time and whether it was deleted or hidden, and reports.
    Idempotent (safe=True, columns only if missing), so it may run again after renumbering."""
    db.create_tables([Report], safe=True)
    _add_column(db, Message, "edited_at", "DATETIME")
    _add_column(db, Message, "removed", "VARCHAR(12) NOT NULL DEFAULT ''")


def _moderation(db: SqliteDatabase) -> None:
    """10 -> 11 (issue 11): leadership's warnings and timeouts, and private conversations between a
    member and leadership. Idempotent (safe=True), so it may run again after the steps are renumbered."""
    db.create_tables([Moderation, PrivateTalk, PrivateWord], safe=True)


def _mediation_tables(db: SqliteDatabase) -> None:
    """11 -> 12 (issue 11, mediation): requests, their mediators, mediators' free slots and each
    person's pick. Idempotent (safe=True), so it may run again after the steps are renumbered."""
    db.create_tables([MediationSlot, Mediation, MediationMediator, MediationPick], safe=True)


# version N -> function that moves a database from N to N+1
STEPS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _crisis_care_tables,
    2: audit_append_only,
    3: _joining_tables,
    4: _belonging_tables,
    5: _boundaries_tables,
    6: _catching_up,
    7: watch_settings,
    8: _session_preferences,
    9: _own_words_and_reports,
    10: _moderation,
    11: _mediation_tables,
    12: access_triggers,
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
            search_index(db)
            access_triggers(db)
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
