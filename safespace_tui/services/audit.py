"""The audit trail: who read or changed something sensitive, when, and in which alert.

``record`` is synchronous on purpose: it runs *inside* the transaction of the
action it records (a safety-plan read and its audit row commit together or not
at all). Entries hold ids and short fixed words, never what a member wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from ..store.db import Store
from ..store.models import Alert, AuditEntry, Member
from ..text import clean_for_display
from .errors import NotFound
from .views import MemberView

PLAN_READ = "safety_plan.read"
MESSAGE_MOVED = "message.move_to_911"
DEBRIEF_READ = "debrief.read"
HELD_APPROVED = "held_message.approve"  # the no-money rule (issue 11): leadership's decision
HELD_DECLINED = "held_message.decline"
NOMINATIONS_READ = "nominations.read"
SENIOR_FIELDS_READ = "profile.read_seniors_only"

ACTION_WORDS = {
    PLAN_READ: "read the safety plan of",
    MESSAGE_MOVED: "moved to #911 a message by",
    DEBRIEF_READ: "read the debrief notes on an alert of",
    HELD_APPROVED: "approved a held message by",
    HELD_DECLINED: "declined a held message by",
    NOMINATIONS_READ: "read the nominations",
    SENIOR_FIELDS_READ: "read the profile fields for senior members of",
    "report.made": "reported a message by",
    "reports.read": "read the open reports",
    "report.hide": "hid, after a report, a message by",
    "report.dismiss": "left up, after a report, a message by",
    "data.export": "exported the data of",
    "data.deleted": "had their data deleted:",
    # issue 11: every moderation action, and every role, key and membership change
    "member.warn": "warned",
    "member.timeout": "gave a timeout to",
    "member.timeout_lift": "lifted the timeout of",
    "member.add": "added the member",
    "member.role": "changed the role of",
    "member.remove": "removed the member",
    "member.restore": "restored the member",
    "member.joined": "joined with an invite:",
    "key.add": "added a key for",
    "key.revoke": "revoked a key of",
    "invite.create": "made an invite",
    "invite.revoke": "revoked an invite",
    "talk.open": "opened a private conversation with",
}
# A change made at the command line has no member behind it: its row names the operator in its
# detail, and the table's required actor is the oldest admin (or the member changed, if none yet).
OPERATOR = "by the operator (command line)"


@dataclass(frozen=True)
class AuditView:
    id: int
    created_at: datetime
    action: str
    actor_id: int
    actor_handle: str
    subject_id: int | None
    subject_handle: str | None
    alert_id: int | None
    detail: str

    @property
    def words(self) -> str:
        return ACTION_WORDS.get(self.action, self.action)


def record(
    actor_id: int, action: str, *, subject_id: int | None = None, alert_id: int | None = None, detail: str = ""
) -> AuditEntry:
    """Write one audit row in the caller's transaction (call from inside ``store.write``)."""
    return AuditEntry.create(actor=actor_id, action=action, subject=subject_id, alert=alert_id, detail=detail[:200])


def record_change(
    actor_id: int | None, action: str, *, subject_id: int | None = None, detail: str = ""
) -> AuditEntry | None:
    """A role, key, membership or invite change, in the caller's transaction: by a member
    (``actor_id``) or, with None, by the operator at the command line."""
    if actor_id is not None:
        return record(actor_id, action, subject_id=subject_id, detail=detail)
    admin = (
        Member.select(Member.id).where(Member.role == "admin", Member.removed_at.is_null()).order_by(Member.id).first()
    )
    stand_in = admin.id if admin is not None else subject_id
    if stand_in is None:  # no member at all yet: nothing to attach a row to
        return None
    return record(stand_in, action, subject_id=subject_id, detail=OPERATOR + (f": {detail}" if detail else ""))


def _views(query) -> list[AuditView]:
    Actor = Member.alias("actor")
    Subject = Member.alias("subject")
    rows = (
        query.select(AuditEntry, Actor.handle.alias("actor_handle"), Subject.handle.alias("subject_handle"))
        .join_from(AuditEntry, Actor, on=(AuditEntry.actor == Actor.id))
        .join_from(AuditEntry, Subject, JOIN.LEFT_OUTER, on=(AuditEntry.subject == Subject.id))
        .objects()
    )
    return [
        AuditView(
            id=row.id,
            created_at=row.created_at,
            action=row.action,
            actor_id=row.actor_id,
            actor_handle="the operator"
            if row.detail.startswith(OPERATOR)
            else clean_for_display(row.actor_handle, multiline=False),
            subject_id=row.subject_id,
            subject_handle=clean_for_display(row.subject_handle, multiline=False) or None,
            alert_id=row.alert_id,
            detail=clean_for_display(row.detail, multiline=False),
        )
        for row in rows
    ]


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def list_all(self, limit: int = 200, action: str | None = None) -> list[AuditView]:
        """For the operator (CLI): newest first."""

        def query() -> list[AuditView]:
            q = AuditEntry.select()
            if action:
                q = q.where(AuditEntry.action == action)
            return _views(q.order_by(AuditEntry.id.desc()).limit(limit))

        return await self.store.read(query)

    async def plan_reads_of(self, actor: MemberView, limit: int = 20) -> list[AuditView]:
        """Who has read ``actor``'s own safety plan: a member may always see this about themself."""

        def query() -> list[AuditView]:
            q = AuditEntry.select().where(AuditEntry.subject == actor.id, AuditEntry.action == PLAN_READ)
            return _views(q.order_by(AuditEntry.id.desc()).limit(limit))

        return await self.store.read(query)

    async def for_alert(self, actor: MemberView, alert_id: int) -> list[AuditView]:
        """Audit rows tied to one alert; senior members and admins only."""
        if not actor.is_senior:
            raise NotFound("There's nothing to show here.")

        def query() -> list[AuditView]:
            if Alert.get_or_none(Alert.id == alert_id) is None:
                raise NotFound("There's no such alert.")
            return _views(AuditEntry.select().where(AuditEntry.alert == alert_id).order_by(AuditEntry.id))

        return await self.store.read(query)
