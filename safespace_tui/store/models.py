"""The tables, as peewee models. Only store/ and services/ import this module.

Times are stored as UTC ``datetime`` values. Rows a member wrote are never
deleted by accident: removal is a timestamp (``removed_at``/``revoked_at``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField  # type: ignore[import-untyped]  # peewee's stubs stop at peewee

database = DatabaseProxy()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    """Every table's base. ``id`` is peewee's default primary key, written out so the type checker knows it.

    Each ``ForeignKeyField`` named ``x`` also gives instances ``x_id`` (the raw id, no query); the models
    declare those as bare annotations, which peewee ignores at runtime.
    """

    id = AutoField()

    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version this file was migrated to."""

    version = IntegerField()


ROLES = ("member", "senior", "admin")
STATUSES = ("available", "low", "recharging", "away")


class Member(BaseModel):
    handle = CharField(unique=True, max_length=24)
    display_name = CharField(max_length=40)
    role = CharField(default="member", max_length=10)
    created_at = DateTimeField(default=utcnow)
    removed_at = DateTimeField(null=True)
    # presence a member chooses (online/offline is derived from live sessions)
    status = CharField(default="available", max_length=12)
    status_note = CharField(default="", max_length=500)
    away_until = DateField(null=True)
    last_seen_at = DateTimeField(null=True)
    # spoons
    spoons = IntegerField(default=12)
    spoons_start = IntegerField(default=12)
    spoons_day = DateField(null=True)
    timezone = CharField(default="UTC", max_length=64)
    pronouns = CharField(default="", max_length=40)  # chosen while joining (issue 10)
    joining = BooleanField(default=False)  # redeemed an invite, onboarding not finished yet


class MemberKey(BaseModel):
    member = ForeignKeyField(Member, backref="keys", on_delete="CASCADE")
    member_id: int
    fingerprint = CharField(unique=True, max_length=80)
    public_key = TextField()
    comment = CharField(default="", max_length=200)
    added_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)


class AccessChange(BaseModel):
    """One row (id 1): a count that SQLite's own triggers raise whenever a member or key changes in
    a way the server's access watcher reads (store/migrations.py, ``access_triggers``, lists the
    columns and why). Kept by the file itself, so the CLI's writes (another process) count too;
    chat messages, read markers and sign-ins leave it alone. The watcher looks at every member and
    live key only when it moved (services/access.py)."""

    changes = IntegerField(default=0)


class Channel(BaseModel):
    name = CharField(unique=True, max_length=32)
    topic = CharField(default="", max_length=200)
    created_at = DateTimeField(default=utcnow)
    position = IntegerField(default=100)
    archived_at = DateTimeField(null=True)  # archived: read-only, out of the lists, history kept


class Message(BaseModel):
    channel = ForeignKeyField(Channel, backref="messages", on_delete="CASCADE")
    channel_id: int
    author = ForeignKeyField(Member, backref="messages")
    author_id: int
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    kind = CharField(default="chat", max_length=16)  # chat | checkin | away | system | sos
    moved_from = ForeignKeyField(Channel, null=True, on_delete="SET NULL", backref="+")
    moved_from_id: int | None
    visibility = CharField(default="group", max_length=12)  # group | seniors | me
    # the author's "/cw TOPIC": folded for readers. A default in the table too, as the step that adds it
    # gives one: rows written with plain SQL (a restore, a test's seed) need not name it.
    content_warning = CharField(default="", max_length=60, constraints=[SQL("DEFAULT ''")])
    # issue 11, your own words and moderation: when the author last edited it, and whether it was
    # taken back: "" shown, "author" deleted by its author (body emptied), "leadership" hidden
    edited_at = DateTimeField(null=True)
    removed = CharField(default="", max_length=12, constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("channel", "id"), False),)


class ReadMarker(BaseModel):
    """The newest message a member has seen in a channel: unread counts come from it."""

    member = ForeignKeyField(Member, on_delete="CASCADE")
    member_id: int
    channel = ForeignKeyField(Channel, on_delete="CASCADE")
    channel_id: int
    last_read_id = IntegerField(default=0)

    class Meta:
        indexes = ((("member", "channel"), True),)


class Alert(BaseModel):
    """An SOS: committed before anyone is told it exists."""

    member = ForeignKeyField(Member, backref="alerts")
    member_id: int
    created_at = DateTimeField(default=utcnow)
    source = CharField(max_length=16)  # key | command | words
    note = TextField(default="")
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
    message_id: int | None
    acknowledged_by = ForeignKeyField(Member, null=True, backref="+")
    acknowledged_by_id: int | None
    acknowledged_at = DateTimeField(null=True)
    escalated_at = DateTimeField(null=True)
    escalations = IntegerField(default=0)
    resolved_by = ForeignKeyField(Member, null=True, backref="+")
    resolved_by_id: int | None
    resolved_at = DateTimeField(null=True)
    resolution_note = TextField(default="")
    seniors_notified = IntegerField(default=0)


class SafetyPlan(BaseModel):
    """A member's Stanley-Brown safety plan, readable by them and by senior members."""

    member = ForeignKeyField(Member, unique=True, on_delete="CASCADE")
    member_id: int
    warning_signs = TextField(default="")
    coping_strategies = TextField(default="")
    distractions = TextField(default="")
    people_to_ask = TextField(default="")
    professionals = TextField(default="")
    safe_environment = TextField(default="")
    reasons_for_living = TextField(default="")
    includes_first_responders = BooleanField(default=False)
    therapist_after_hours_ok = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)


class AuditEntry(BaseModel):
    """Who read or changed something sensitive, and why."""

    actor = ForeignKeyField(Member, backref="+")
    actor_id: int
    action = CharField(max_length=40)
    subject = ForeignKeyField(Member, null=True, backref="+")
    subject_id: int | None
    alert = ForeignKeyField(Alert, null=True, on_delete="SET NULL")
    alert_id: int | None
    created_at = DateTimeField(default=utcnow)
    detail = CharField(default="", max_length=200)


class SpoonLog(BaseModel):
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    at = DateTimeField(default=utcnow)
    day = DateField()
    spoons = IntegerField()
    delta = IntegerField(default=0)
    reason = CharField(default="set", max_length=12)  # reset | spend | regain | set | checkin

    class Meta:
        indexes = ((("member", "day"), False),)


class CheckIn(BaseModel):
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    day = DateField()
    spoons = IntegerField()
    mood = IntegerField()
    sleep = CharField(default="", max_length=40)
    needs = CharField(default="", max_length=120)  # comma separated choices
    warning_signs = TextField(default="")
    win = TextField(default="")
    note = TextField(default="")
    visibility = CharField(default="group", max_length=12)  # group | seniors | me
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL", backref="+")
    message_id: int | None
    win_message = ForeignKeyField(Message, null=True, on_delete="SET NULL", backref="+")  # the win, in #wins
    win_message_id: int | None
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # warning signs of a card shared with the group: a second message only senior members see
    warning_message = ForeignKeyField(Message, null=True, on_delete="SET NULL", backref="+")
    warning_message_id: int | None

    class Meta:
        indexes = ((("member", "day"), True),)


class GroupText(BaseModel):
    """Texts the group writes for itself, such as its charter. Defaults live in defaults/."""

    name = CharField(unique=True, max_length=32)
    body = TextField()
    updated_at = DateTimeField(default=utcnow)


class NoticeAddress(BaseModel):
    """Where a senior member is told of an SOS outside the app (an apprise URL).

    A secret: never logged, never shown to anyone else, shown to its owner only masked.
    """

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    url = TextField()
    added_at = DateTimeField(default=utcnow)


class CareSettings(BaseModel):
    """A senior member's own crisis-care settings: on call, and quiet hours for notices."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    on_call = BooleanField(default=False)
    quiet_from = IntegerField(null=True)  # minutes after local midnight; None: no quiet hours
    quiet_until = IntegerField(null=True)


class AlertNotice(BaseModel):
    """One out-of-app notice about an alert and how it went: ids and a status word, never the address."""

    alert = ForeignKeyField(Alert, backref="+", on_delete="CASCADE")
    alert_id: int
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")  # the senior it was for
    member_id: int
    address_id = IntegerField()
    reason = CharField(max_length=12)  # raised | escalated | restart
    at = DateTimeField(default=utcnow)
    ok = BooleanField()
    error = CharField(default="", max_length=40)


class PlanShare(BaseModel):
    """A senior member a member chose to share their safety plan with; none: every senior member."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    senior = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    senior_id: int

    class Meta:
        indexes = ((("member", "senior"), True),)


class DebriefNote(BaseModel):
    """A responder's short private note to leadership after closing an alert."""

    alert = ForeignKeyField(Alert, backref="+", on_delete="CASCADE")
    alert_id: int
    author = ForeignKeyField(Member, backref="+")
    author_id: int
    body = TextField()
    created_at = DateTimeField(default=utcnow)


class MessageSearch(FTS5Model):
    """Full-text index of message bodies (SQLite FTS5, external content: the words are stored once,
    in ``message``). Kept in step by triggers (store/migrations.py ``search_index``); every read of
    it goes through services/search.py, which applies who may read what."""

    rowid = RowIDField()  # the message's id
    body = SearchField()

    class Meta:
        database = database
        table_name = "message_search"
        options = {"content": "message", "content_rowid": "id", "tokenize": "unicode61 remove_diacritics 2"}


class MentionsSeen(BaseModel):
    """The newest message a member had seen when they last looked at /mentions."""

    member = ForeignKeyField(Member, unique=True, on_delete="CASCADE")
    member_id: int
    last_seen_id = IntegerField(default=0)


class TriggerWord(BaseModel):
    """A word or topic a member would rather not meet unwarned: private to them (issue 11)."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    word = CharField(max_length=40)

    class Meta:
        indexes = ((("member", "word"), True),)


class Mute(BaseModel):
    """``member`` muted ``muted``: private, never told to the muted member (issue 11)."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    muted = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    muted_id: int

    class Meta:
        indexes = ((("member", "muted"), True),)


class BoundarySettings(BaseModel):
    """A member's own filter switches; no row: the trigger filter is on."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE", unique=True)
    member_id: int
    triggers_off = BooleanField(default=False)
    seeded = BooleanField(default=False)  # the profile's "triggers" field was copied in once


class HeldMessage(BaseModel):
    """A message held by the no-money rule before anyone saw it (issue 11).

    ``held``: only its author knows; ``pending``: sent to leadership to approve;
    ``approved`` (then posted as ``message``) or ``declined``.
    """

    author = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    author_id: int
    channel = ForeignKeyField(Channel, backref="+", on_delete="CASCADE")
    channel_id: int
    body = TextField()
    content_warning = CharField(default="", max_length=60)
    reason = CharField(default="", max_length=40)  # which kind of pattern matched, never the text
    status = CharField(default="held", max_length=10)
    created_at = DateTimeField(default=utcnow)
    decided_by = ForeignKeyField(Member, null=True, backref="+")
    decided_by_id: int | None
    decided_at = DateTimeField(null=True)
    message = ForeignKeyField(Message, null=True, backref="+", on_delete="SET NULL")
    message_id: int | None


class WatchSetting(BaseModel):
    """A senior member's own choice for the monitoring pane (issue 14): docked beside the
    conversation at 120 columns or more, or not. Kept across sessions."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    docked = BooleanField(default=False)


class GroupSetting(BaseModel):
    """One setting of the group an admin chooses (``capacity``: how many members it holds)."""

    name = CharField(unique=True, max_length=32)
    value = CharField(max_length=200)


class Nomination(BaseModel):
    """Someone a member would like to invite; only leadership reads it (services/nominations.py)."""

    nominator = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    nominator_id: int
    name = CharField(max_length=40)
    how_known = TextField(default="")
    why_fit = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    decision = CharField(default="", max_length=8)  # "" (not yet) | invite | wait | decline
    decided_by = ForeignKeyField(Member, null=True, backref="+")
    decided_by_id: int | None
    decided_at = DateTimeField(null=True)
    told_at = DateTimeField(null=True)  # the nominator heard the outcome


class ScreeningNote(BaseModel):
    """Leadership's private note on a nomination: never shown to the nominator."""

    nomination = ForeignKeyField(Nomination, backref="notes", on_delete="CASCADE")
    nomination_id: int
    author = ForeignKeyField(Member, backref="+")
    author_id: int
    body = TextField()
    created_at = DateTimeField(default=utcnow)


class Invite(BaseModel):
    """An invite code, stored only as its SHA-256; single use, with an end."""

    code_hash = CharField(unique=True, max_length=64)
    for_name = CharField(default="", max_length=40)
    created_by = ForeignKeyField(Member, null=True, backref="+")  # None: the operator (CLI)
    created_by_id: int | None
    nomination = ForeignKeyField(Nomination, null=True, backref="+", on_delete="SET NULL")
    nomination_id: int | None
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    redeemed_at = DateTimeField(null=True)
    redeemed_by = ForeignKeyField(Member, null=True, backref="+")
    redeemed_by_id: int | None


class Onboarding(BaseModel):
    """Where a newcomer is in joining, so a half-way onboarding resumes where it stopped."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    step = CharField(default="charter", max_length=12)  # charter | agreements | details | welcome | done
    charter_page = IntegerField(default=0)
    agreed = CharField(default="", max_length=200)  # the agreements ticked, comma separated
    agreed_at = DateTimeField(null=True)
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)


PROFILE_FIELDS = ("pronouns", "about", "diagnoses", "goals", "challenges", "triggers")
VISIBILITIES = ("group", "seniors", "me")


class Profile(BaseModel):
    """What a member chooses to tell the group about themselves (issue 10), each field with its own
    audience: ``<field>_to`` is group | seniors | me. Never trauma specifics (the form says so)."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    pronouns = CharField(default="", max_length=40)
    pronouns_to = CharField(default="group", max_length=8)
    about = TextField(default="")
    about_to = CharField(default="group", max_length=8)
    diagnoses = TextField(default="")
    diagnoses_to = CharField(default="group", max_length=8)
    goals = TextField(default="")
    goals_to = CharField(default="group", max_length=8)
    challenges = TextField(default="")
    challenges_to = CharField(default="group", max_length=8)
    triggers = TextField(default="")
    triggers_to = CharField(default="group", max_length=8)
    updated_at = DateTimeField(default=utcnow)


class Cheer(BaseModel):
    """One member's reaction on one message (one of a small set, services/cheers.py)."""

    message = ForeignKeyField(Message, backref="+", on_delete="CASCADE")
    message_id: int
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    kind = CharField(max_length=12)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("message", "member", "kind"), True),)


class Goal(BaseModel):
    """A goal a member is working towards; progress notes hang off it."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    title = CharField(max_length=200)
    created_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)


class GoalNote(BaseModel):
    goal = ForeignKeyField(Goal, backref="+", on_delete="CASCADE")
    goal_id: int
    body = TextField()
    at = DateTimeField(default=utcnow)


class DeletionRequest(BaseModel):
    """A member asked for their data to be deleted: done at ``due_at`` unless cancelled first."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    asked_at = DateTimeField(default=utcnow)
    due_at = DateTimeField()


class SessionPreference(BaseModel):
    """How a member's sessions open when the user name does not say: the plain line mode or the app."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    member_id: int
    mode = CharField(default="full", max_length=8)  # "line" or "full"
    updated_at = DateTimeField(default=utcnow)


class Report(BaseModel):
    """A member's report of a message (issue 11): a fixed reason and an optional note, for
    leadership only. ``status``: open, hidden (leadership hid the message) or dismissed.
    ``told``: the reporter has been told the outcome (live, or at their next session)."""

    reporter = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    reporter_id: int
    message = ForeignKeyField(Message, backref="+", on_delete="CASCADE")
    message_id: int
    reason = CharField(max_length=20)
    note = CharField(default="", max_length=300)
    status = CharField(default="open", max_length=10)
    created_at = DateTimeField(default=utcnow)
    decided_by = ForeignKeyField(Member, null=True, backref="+", on_delete="SET NULL")
    decided_by_id: int | None
    decided_at = DateTimeField(null=True)
    told = BooleanField(default=False)


class Moderation(BaseModel):
    """Leadership's warning or timeout of a member (issue 11). ``kind``: warning, or timeout
    (read-only until ``until``; it ends by itself when that time passes, no job needed; a newer
    timeout, or leadership lifting it, sets ``lifted_at``). ``rule``: which charter rule, by name;
    ``words``: leadership's own words to the member, optional. ``told``: the member has seen it."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    by = ForeignKeyField(Member, backref="+")
    by_id: int
    kind = CharField(max_length=10)
    rule = CharField(max_length=20)
    words = CharField(default="", max_length=300)
    created_at = DateTimeField(default=utcnow)
    until = DateTimeField(null=True)
    lifted_at = DateTimeField(null=True)
    told = BooleanField(default=False)


class PrivateTalk(BaseModel):
    """A private conversation between a member and one member of leadership (issue 11), made on
    demand from the reports pane or ``/talk``: only those two can see that it exists or read it."""

    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    leader = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    leader_id: int
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("member", "leader"), True),)


class PrivateWord(BaseModel):
    """One line of a private conversation (cleaned on the way in, as every message)."""

    talk = ForeignKeyField(PrivateTalk, backref="+", on_delete="CASCADE")
    talk_id: int
    author = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    author_id: int
    body = TextField()
    created_at = DateTimeField(default=utcnow)


class MediationSlot(BaseModel):
    """A time a mediator is free (stored in UTC; entered and shown in each person's own zone)."""

    mediator = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    mediator_id: int
    starts_at = DateTimeField()
    minutes = IntegerField()
    created_at = DateTimeField(default=utcnow)


class Mediation(BaseModel):
    """A member's request for mediation with another member (issue 11), and how it went.

    ``words`` (the requester's few words) and ``outcome`` (the mediator's note) are for leadership
    only. ``state``: requested, scheduling (mediators assigned), confirmed (a slot agreed), open (the
    private room exists: ``room``), closed, or declined. ``slot``: the agreed one; ``reminded_at``:
    the within-the-hour reminder was given."""

    requester = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    requester_id: int
    other = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    other_id: int
    words = CharField(default="", max_length=300)
    state = CharField(default="requested", max_length=12)
    created_at = DateTimeField(default=utcnow)
    assigned_at = DateTimeField(null=True)
    slot = ForeignKeyField(MediationSlot, null=True, backref="+", on_delete="SET NULL")
    slot_id: int | None
    reminded_at = DateTimeField(null=True)
    room = ForeignKeyField(Channel, null=True, unique=True, backref="+", on_delete="SET NULL")
    room_id: int | None
    opened_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    outcome = TextField(default="")
    declined_by = ForeignKeyField(Member, null=True, backref="+", on_delete="SET NULL")
    declined_by_id: int | None


class MediationMediator(BaseModel):
    """One of the (one or two) senior members or admins leadership assigned to a mediation."""

    mediation = ForeignKeyField(Mediation, backref="+", on_delete="CASCADE")
    mediation_id: int
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int

    class Meta:
        indexes = ((("mediation", "member"), True),)


class MediationPick(BaseModel):
    """The slot one person in a mediation (a party or a mediator) agrees to; one each."""

    mediation = ForeignKeyField(Mediation, backref="+", on_delete="CASCADE")
    mediation_id: int
    member = ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    member_id: int
    slot = ForeignKeyField(MediationSlot, backref="+", on_delete="CASCADE")
    slot_id: int

    class Meta:
        indexes = ((("mediation", "member"), True),)


ALL_MODELS = (
    SchemaVersion,
    Member,
    MemberKey,
    AccessChange,
    Channel,
    Message,
    ReadMarker,
    Alert,
    SafetyPlan,
    AuditEntry,
    SpoonLog,
    CheckIn,
    GroupText,
    NoticeAddress,
    CareSettings,
    AlertNotice,
    PlanShare,
    DebriefNote,
    MessageSearch,
    MentionsSeen,
    WatchSetting,
    GroupSetting,
    Nomination,
    ScreeningNote,
    Invite,
    Onboarding,
    Profile,
    Cheer,
    Goal,
    GoalNote,
    DeletionRequest,
    TriggerWord,
    Mute,
    BoundarySettings,
    HeldMessage,
    SessionPreference,
    Report,
    Moderation,
    PrivateTalk,
    PrivateWord,
    MediationSlot,
    Mediation,
    MediationMediator,
    MediationPick,
)
