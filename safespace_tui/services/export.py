"""Your own data: everything the group holds about one member, as plain JSON-ready dicts.

The charter says participation is completely voluntary, so a member may take what they gave
with them (``ssh host export``, the one exec command the server accepts) and an admin may do it
for them (``safespace export --member NAME``). A member's export holds nothing about any other
member beyond the names inside their own messages and the names of whom they muted (their own
choice, as private as their trigger words): who took their alert, who read their plan or
who they shared it with are other people's actions and stay out. Every export is audited (ids
only). The group's export (``safespace export``, operator only) leaves out safety plans,
check-ins and every profile field or message not meant for the whole group.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..store.db import Store
from ..store.models import (
    PROFILE_FIELDS,
    Alert,
    AuditEntry,
    BoundarySettings,
    Channel,
    CheckIn,
    Cheer,
    DeletionRequest,
    Goal,
    GoalNote,
    HeldMessage,
    Member,
    MemberKey,
    Message,
    Mute,
    Nomination,
    Onboarding,
    PlanShare,
    Profile,
    SafetyPlan,
    SpoonLog,
    TriggerWord,
    utcnow,
)
from .audit import record
from .errors import NotFound
from .rooms import all_rooms
from .views import MemberView

OWN_EXPORT = "data.export"
FORMAT = "safespace-export-1"

_PLAN_FIELDS = (
    "warning_signs",
    "coping_strategies",
    "distractions",
    "people_to_ask",
    "professionals",
    "safe_environment",
    "reasons_for_living",
    "includes_first_responders",
    "therapist_after_hours_ok",
)
_CHECKIN_FIELDS = ("day", "spoons", "mood", "sleep", "needs", "warning_signs", "win", "note", "visibility")


def _plain(value: Any) -> Any:
    """Dates as ISO text (UTC for times); everything else as JSON already knows it."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def _channel_names() -> dict[int, str]:
    return {c.id: c.name for c in Channel.select(Channel.id, Channel.name)}


def member_data(member: Member) -> dict[str, Any]:
    """Everything held about ``member``, theirs alone (inside a read or write transaction)."""
    channels = _channel_names()
    mid = member.id
    profile = Profile.get_or_none(Profile.member == mid)
    plan = SafetyPlan.get_or_none(SafetyPlan.member == mid)
    goals = list(Goal.select().where(Goal.member == mid).order_by(Goal.id))
    notes = GoalNote.select().where(GoalNote.goal.in_([g.id for g in goals])).order_by(GoalNote.id) if goals else []
    deletion = DeletionRequest.get_or_none(DeletionRequest.member == mid)
    onboarding = Onboarding.get_or_none(Onboarding.member == mid)
    return {
        "member": _row(
            member,
            (
                "handle",
                "display_name",
                "pronouns",
                "role",
                "created_at",
                "status",
                "status_note",
                "away_until",
                "timezone",
            ),
        )
        | {"spoons_today": member.spoons, "spoons_start": member.spoons_start},
        "keys": [
            _row(k, ("fingerprint", "comment", "added_at", "revoked_at"))
            for k in MemberKey.select().where(MemberKey.member == mid).order_by(MemberKey.id)
        ],
        "profile": None
        if profile is None
        else {f: {"text": getattr(profile, f), "shown_to": getattr(profile, f + "_to")} for f in PROFILE_FIELDS},
        "goals": [
            _row(g, ("title", "created_at", "done_at"))
            | {"notes": [_row(n, ("body", "at")) for n in notes if n.goal_id == g.id]}
            for g in goals
        ],
        "messages": [
            {"channel": channels.get(m.channel_id, "")} | _row(m, ("created_at", "kind", "visibility", "body"))
            for m in Message.select().where(Message.author == mid).order_by(Message.id)
        ],
        "cheers_given": [
            _row(c, ("kind", "at")) | {"message_id": c.message_id}
            for c in Cheer.select().where(Cheer.member == mid).order_by(Cheer.id)
        ],
        "checkins": [
            _row(c, _CHECKIN_FIELDS) for c in CheckIn.select().where(CheckIn.member == mid).order_by(CheckIn.day)
        ],
        "spoon_log": [
            _row(s, ("at", "day", "spoons", "delta", "reason"))
            for s in SpoonLog.select().where(SpoonLog.member == mid).order_by(SpoonLog.id)
        ],
        "safety_plan": None if plan is None else _row(plan, (*_PLAN_FIELDS, "updated_at")),
        # with whom is someone else's name: only whether it is limited
        "safety_plan_shared_with_some_seniors_only": PlanShare.select().where(PlanShare.member == mid).exists(),
        "alerts": [
            _row(a, ("created_at", "source", "note", "acknowledged_at", "resolved_at"))
            for a in Alert.select().where(Alert.member == mid).order_by(Alert.id)
        ],
        # what was done with your data, without who did it
        "audit_about_you": [
            _row(e, ("created_at", "action"))
            for e in AuditEntry.select().where(AuditEntry.subject == mid).order_by(AuditEntry.id)
        ],
        "deletion_requested": None if deletion is None else _row(deletion, ("asked_at", "due_at")),
        "boundaries": _boundaries(mid, channels),
        # joining (issue 10): the agreements they ticked, and the nominations they wrote (never the
        # screening notes, which are leadership's)
        "agreements": None if onboarding is None else _row(onboarding, ("agreed", "agreed_at", "finished_at")),
        "nominations_made": [
            _row(n, ("name", "how_known", "why_fit", "created_at", "decision"))
            for n in Nomination.select().where(Nomination.nominator == mid).order_by(Nomination.id)
        ],
    }


def _boundaries(mid: int, channels: dict[int, str]) -> dict[str, Any]:
    """The member's own boundaries (issue 11): their trigger words and whether the filter is on
    (no settings row: on), whom they muted (by name), and their messages held by the no-money
    rule, whatever became of them."""
    settings = BoundarySettings.get_or_none(BoundarySettings.member == mid)
    muted = Member.select(Member.handle).join(Mute, on=(Mute.muted == Member.id)).where(Mute.member == mid)
    return {
        "trigger_filter_on": settings is None or not settings.triggers_off,
        "trigger_words": sorted(t.word for t in TriggerWord.select().where(TriggerWord.member == mid)),
        "muted": sorted(m.handle for m in muted),
        "held_messages": [
            {"channel": channels.get(h.channel_id, "")}
            | _row(h, ("created_at", "body", "content_warning", "status", "decided_at"))
            for h in HeldMessage.select().where(HeldMessage.author == mid).order_by(HeldMessage.id)
        ],
    }


class ExportService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def own(self, actor: MemberView) -> dict[str, Any]:
        """The acting member's own data (``ssh host export``); recorded in the audit log."""
        return await self._member(actor.id, actor.id)

    async def admin_member(self, handle: str) -> dict[str, Any]:
        """For the operator (CLI), on a member's behalf: the same export as their own."""

        def find() -> int:
            member = Member.get_or_none(Member.handle == handle.lower())
            if member is None:
                raise NotFound(f"No member called {handle!r}.")
            return member.id

        member_id = await self.store.read(find)
        return await self._member(member_id, member_id, by_operator=True)

    async def _member(self, member_id: int, actor_id: int, *, by_operator: bool = False) -> dict[str, Any]:
        def write() -> dict[str, Any]:
            member = Member.get_by_id(member_id)
            record(actor_id, OWN_EXPORT, subject_id=member_id, detail="by an admin" if by_operator else "")
            return {"format": FORMAT, "exported_at": _plain(utcnow())} | member_data(member)

        return await self.store.write(write)

    async def group(self) -> dict[str, Any]:
        """The whole group for the operator: only what the whole group could read in the app."""

        def query() -> dict[str, Any]:
            rooms = {row[0] for row in all_rooms().tuples()}  # mediation rooms are their people's alone
            channels = {id_: name for id_, name in _channel_names().items() if id_ not in rooms}
            members = list(Member.select().order_by(Member.id))
            names = {m.id: m.handle for m in members}
            profiles = {p.member_id: p for p in Profile.select()}
            return {
                "format": FORMAT,
                "exported_at": _plain(utcnow()),
                "members": [
                    _row(m, ("handle", "display_name", "role", "created_at", "removed_at", "status"))
                    | {"profile": _group_fields(profiles.get(m.id))}
                    for m in members
                ],
                "channels": [{"name": name} for name in channels.values()],
                "messages": [
                    {"channel": channels.get(m.channel_id, ""), "author": names.get(m.author_id, "")}
                    | _row(m, ("created_at", "kind", "body"))
                    for m in Message.select()
                    .where(Message.visibility == "group", Message.channel.not_in(all_rooms()))
                    .order_by(Message.id)
                ],
            }

        return await self.store.read(query)


def _group_fields(profile: Profile | None) -> dict[str, str]:
    if profile is None:
        return {}
    return {f: getattr(profile, f) for f in PROFILE_FIELDS if getattr(profile, f + "_to") == "group"}
