"""Safety plans (Stanley-Brown), and who may read them.

A member writes, updates and deletes their own plan, and chooses who may read it:
every senior member (the default) or the ones they name (``set_sharing``); a senior member
not chosen gets exactly the "not found" anyone else gets. Those chosen may read it; every
read by someone other than the member writes an audit row in the *same transaction* as the
read (on the writer thread), so a plan is never shown without its read being recorded.
Anyone else gets ``NotFound`` with exactly the words a missing plan gets: a refusal
reveals nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store.db import Store
from ..store.models import Alert, Member, PlanShare, SafetyPlan, utcnow
from ..text import MAX_MESSAGE_CHARS, TextRejected, clean_for_display, clean_text
from . import audit
from .errors import Invalid, NotFound
from .views import SENIOR_ROLES, MemberView

log = logging.getLogger("safespace.plans")


@dataclass(frozen=True)
class Section:
    field: str
    title: str
    hint: str


# The Stanley-Brown safety plan, in its usual order.
SECTIONS: tuple[Section, ...] = (
    Section(
        "warning_signs", "1. Warning signs", "Thoughts, feelings or situations that tell me a crisis may be coming."
    ),
    Section(
        "coping_strategies",
        "2. Things I can do on my own",
        "Ways to take my mind off things without contacting anyone.",
    ),
    Section(
        "distractions",
        "3. People and places that distract me",
        "Who I can be with, and where I can go, to feel a little better.",
    ),
    Section("people_to_ask", "4. People I can ask for help", "Names and how to reach them."),
    Section(
        "professionals",
        "5. Professionals and agencies",
        "My therapist, an after-hours contact, and a crisis line I can call.",
    ),
    Section("safe_environment", "6. Making my space safer", "What I can put away or keep out of reach."),
    Section("reasons_for_living", "7. My reasons for living", "What matters to me, what keeps me here."),
)
TEXT_FIELDS = tuple(s.field for s in SECTIONS)
# The charter's two questions.
QUESTIONS = (
    ("includes_first_responders", "My plan includes calling first responders (emergency services)."),
    ("therapist_after_hours_ok", "Senior members may contact my therapist after hours."),
)
FLAG_FIELDS = tuple(name for name, _ in QUESTIONS)

NO_PLAN = "There's no safety plan to show here."


@dataclass(frozen=True)
class SafetyPlanView:
    member_id: int
    member_handle: str
    member_name: str
    warning_signs: str
    coping_strategies: str
    distractions: str
    people_to_ask: str
    professionals: str
    safe_environment: str
    reasons_for_living: str
    includes_first_responders: bool
    therapist_after_hours_ok: bool
    updated_at: datetime

    def sections(self) -> list[tuple[Section, str]]:
        return [(s, getattr(self, s.field)) for s in SECTIONS]


def _view(plan: SafetyPlan, member: Member) -> SafetyPlanView:
    # The sections by name (TEXT_FIELDS, FLAG_FIELDS): Any, since each name is a different field.
    # Text is cleaned when shown, too.
    texts: dict[str, Any] = {name: clean_for_display(getattr(plan, name)) for name in TEXT_FIELDS}
    flags: dict[str, Any] = {name: bool(getattr(plan, name)) for name in FLAG_FIELDS}
    return SafetyPlanView(
        member_id=member.id,
        member_handle=clean_for_display(member.handle, multiline=False),
        member_name=clean_for_display(member.display_name, multiline=False) or member.handle,
        **texts,
        **flags,
        updated_at=plan.updated_at,
    )


def clean_plan_fields(values: dict[str, object]) -> dict[str, object]:
    """Sanitise what a member typed; unknown fields are refused, empty sections allowed."""
    cleaned: dict[str, object] = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            text = str(value or "")
            if not text.strip():
                cleaned[name] = ""
                continue
            try:
                cleaned[name] = clean_text(text, max_chars=MAX_MESSAGE_CHARS)
            except TextRejected as error:
                title = next(s.title for s in SECTIONS if s.field == name)
                raise Invalid(f"{title}: {error.message}") from None
        elif name in FLAG_FIELDS:
            cleaned[name] = bool(value)
        else:
            raise Invalid(f"A safety plan has no part called {name!r}.")
    return cleaned


class SafetyPlanService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the member's own plan
    async def get_own(self, actor: MemberView) -> SafetyPlanView | None:
        def query() -> SafetyPlanView | None:
            plan = SafetyPlan.get_or_none(SafetyPlan.member == actor.id)
            return _view(plan, Member.get_by_id(actor.id)) if plan else None

        return await self.store.read(query)

    async def save_own(self, actor: MemberView, **values: object) -> SafetyPlanView:
        """Create or update the acting member's plan with the given sections."""
        cleaned = clean_plan_fields(values)

        def write() -> SafetyPlanView:
            member = Member.get_by_id(actor.id)
            plan = SafetyPlan.get_or_none(SafetyPlan.member == member.id)
            if plan is None:
                plan = SafetyPlan(member=member)
            for name, value in cleaned.items():
                setattr(plan, name, value)
            plan.updated_at = utcnow()
            plan.save()
            return _view(plan, member)

        view = await self.store.write(write)
        log.info("member %s saved their safety plan", actor.id)
        return view

    async def delete_own(self, actor: MemberView) -> bool:
        """Delete the acting member's plan (secure_delete is on); True when there was one."""

        def write() -> bool:
            return SafetyPlan.delete().where(SafetyPlan.member == actor.id).execute() > 0

        deleted = await self.store.write(write)
        if deleted:
            log.info("member %s deleted their safety plan", actor.id)
        return deleted

    # -- whom the plan is shared with
    async def sharing(self, actor: MemberView) -> tuple[str, ...]:
        """The handles of the senior members the actor chose; () means every senior member."""

        def query() -> tuple[str, ...]:
            rows = (
                PlanShare.select(PlanShare, Member)
                .join(Member, on=PlanShare.senior)
                .where(PlanShare.member == actor.id)
            )
            return tuple(sorted(r.senior.handle for r in rows))

        return await self.store.read(query)

    async def set_sharing(self, actor: MemberView, handles: list[str] | None) -> tuple[str, ...]:
        """Share the plan with every senior member (``None``) or only the named ones."""
        wanted = sorted({h.strip().lstrip("@").lower() for h in handles or () if h.strip()})
        if handles is not None and not wanted:
            raise Invalid("Name at least one senior member, or share with all of them.")

        def write() -> tuple[str, ...]:
            chosen = []
            for handle in wanted:
                senior = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null())
                if senior is None or senior.role not in SENIOR_ROLES or senior.id == actor.id:
                    raise Invalid(f"{handle} isn't a senior member you can share your plan with.")
                chosen.append(senior)
            PlanShare.delete().where(PlanShare.member == actor.id).execute()
            for senior in chosen:
                PlanShare.create(member=actor.id, senior=senior.id)
            return tuple(s.handle for s in chosen)

        shared = await self.store.write(write)
        log.info("member %s shares their safety plan with %s", actor.id, f"{len(shared)} seniors" if shared else "all")
        return shared

    # -- reading someone's plan
    async def read(self, actor: MemberView, member_id: int, *, alert_id: int | None = None) -> SafetyPlanView:
        """The plan of ``member_id`` as ``actor`` may see it.

        The member themself: no audit. A senior member or admin: the read and its
        audit row share one transaction. Anyone else: NotFound, worded exactly as
        for a member without a plan.
        """
        if actor.id == member_id:
            plan = await self.get_own(actor)
            if plan is None:
                raise NotFound(NO_PLAN)
            return plan
        if not actor.is_senior:
            raise NotFound(NO_PLAN)

        def read_and_record() -> SafetyPlanView:
            member = Member.get_or_none(Member.id == member_id)
            plan = SafetyPlan.get_or_none(SafetyPlan.member == member_id) if member else None
            if member is None or plan is None or not _shared_with(member_id, actor.id):
                raise NotFound(NO_PLAN)
            alert = alert_id
            if alert is not None:
                row = Alert.get_or_none(Alert.id == alert)
                alert = row.id if row is not None and row.member_id == member_id else None
            audit.record(
                actor.id,
                audit.PLAN_READ,
                subject_id=member_id,
                alert_id=alert,
                detail=f"alert {alert}" if alert else "",
            )
            return _view(plan, member)

        view = await self.store.write(read_and_record)
        log.info("member %s read the safety plan of member %s (alert %s)", actor.id, member_id, alert_id)
        return view

    async def read_by_handle(self, actor: MemberView, handle: str, *, alert_id: int | None = None) -> SafetyPlanView:
        """Like ``read``, by handle; an unknown handle is the same NotFound as a refusal."""
        handle = handle.strip().lstrip("@").lower()

        def query() -> int | None:
            member = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null())
            return member.id if member else None

        member_id = await self.store.read(query)
        if member_id is None:
            raise NotFound(NO_PLAN)
        return await self.read(actor, member_id, alert_id=alert_id)


def _shared_with(member_id: int, senior_id: int) -> bool:
    """Every senior member when the member named none; otherwise only those they named."""
    rows = PlanShare.select(PlanShare.senior).where(PlanShare.member == member_id)
    named = {r.senior_id for r in rows}
    return not named or senior_id in named
