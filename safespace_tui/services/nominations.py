"""Nominations and screening, as the charter says: "new invites will be screened for their ability
to fit into the group and as leadership feels there is group space to hold more people."

Any member may nominate someone; only leadership (senior members and admins) reads nominations
and keeps screening notes, and every such read is in the audit log. Leadership decides: invite
(a code, within capacity: services/invites.py), wait, or decline. The nominator is told the
outcome in kind, fixed words (``outcome_words``), never the notes: live when they are here
(``nomination_topic``), else at their next session (``untold``).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from ..hub import Hub
from ..store.db import Store
from ..store.models import Member, Nomination, ScreeningNote, utcnow
from ..text import TextRejected, clean_display_name, clean_for_display, clean_text
from . import audit
from .errors import Invalid, NotFound
from .invites import InviteService, InviteView
from .views import MemberView

DECISIONS = ("invite", "wait", "decline")
NOMINATIONS_READ = audit.NOMINATIONS_READ
MAX_NOMINATION_CHARS = 1000


def nomination_topic(member_id: int) -> str:
    """Where a nominator hears the outcome of their nomination, live."""
    return f"nomination:{member_id}"


def outcome_words(name: str, decision: str) -> str:
    """What a nominator is told: kind, and never the screening notes."""
    if decision == "invite":
        return f"Leadership has invited {name}, whom you nominated. Thank you for thinking of them."
    if decision == "wait":
        return (
            f"Leadership read your nomination of {name} with care. For now the group is waiting: "
            "it isn't a no, and it says nothing about them."
        )
    return (
        f"Leadership read your nomination of {name} with care, and won't invite them at this time. "
        "Thank you for thinking of the group."
    )


@dataclass(frozen=True)
class NoteView:
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class NominationView:
    id: int
    name: str
    nominator: str
    how_known: str
    why_fit: str
    created_at: datetime
    decision: str
    notes: tuple[NoteView, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A decision as the nominator hears it."""

    nomination_id: int
    words: str


@dataclass(frozen=True)
class Decided:
    nomination: NominationView
    code: str = ""  # the invite code, when the decision was to invite (shown once, to the decider)
    invite: InviteView | None = None


class NominationService:
    def __init__(self, store: Store, hub: Hub, invites: InviteService) -> None:
        self.store = store
        self.hub = hub
        self.invites = invites

    async def nominate(self, actor: MemberView, name: str, how_known: str, why_fit: str) -> NominationView:
        """Any member: someone they'd like to invite, how they know them, why they might fit."""
        try:
            clean_name = clean_display_name(name)
            how = clean_text(how_known, max_chars=MAX_NOMINATION_CHARS) if how_known.strip() else ""
            why = clean_text(why_fit, max_chars=MAX_NOMINATION_CHARS) if why_fit.strip() else ""
        except TextRejected as error:
            raise Invalid(error.message) from None
        if not how or not why:
            raise Invalid("Please say how you know them and why they might fit: a few words is plenty.")

        def write() -> NominationView:
            row = Nomination.create(nominator=actor.id, name=clean_name, how_known=how, why_fit=why)
            return _view(row, with_notes=False)

        return await self.store.write(write)

    async def list(self, actor: MemberView) -> list[NominationView]:
        """Leadership only (a refusal looks like nothing to show); the read is recorded."""
        _leadership(actor)

        def write() -> list[NominationView]:
            audit.record(actor.id, NOMINATIONS_READ)
            return [_view(row, with_notes=True) for row in Nomination.select().order_by(Nomination.id.desc())]

        return await self.store.write(write)

    async def add_note(self, actor: MemberView, nomination_id: int, body: str) -> NominationView:
        _leadership(actor)
        try:
            text = clean_text(body, max_chars=MAX_NOMINATION_CHARS)
        except TextRejected as error:
            raise Invalid(error.message) from None

        def write() -> NominationView:
            row = _nomination(nomination_id)
            ScreeningNote.create(nomination=row, author=actor.id, body=text)
            return _view(row, with_notes=True)

        return await self.store.write(write)

    async def decide(
        self, actor: MemberView, nomination_id: int, decision: str, *, over_capacity: bool = False
    ) -> Decided:
        """Invite (within capacity), wait or decline; the nominator hears it kindly, never the notes."""
        _leadership(actor)
        if decision not in DECISIONS:
            raise Invalid("Decide with one of: invite, wait, decline.")
        current = await self.store.read(lambda: _view(_nomination(nomination_id), with_notes=False))
        code, invite = "", None
        if decision == "invite":
            code, invite = await self.invites.create(
                actor, current.name, over_capacity=over_capacity, nomination_id=nomination_id
            )

        def write() -> tuple[NominationView, int]:
            _nomination(nomination_id)
            Nomination.update(decision=decision, decided_by=actor.id, decided_at=utcnow(), told_at=None).where(
                Nomination.id == nomination_id
            ).execute()
            row = _nomination(nomination_id)
            return _view(row, with_notes=True), row.nominator_id

        view, nominator_id = await self.store.write(write)
        self.hub.publish(nomination_topic(nominator_id), Outcome(view.id, outcome_words(view.name, decision)))
        return Decided(view, code, invite)

    async def untold(self, actor: MemberView) -> builtins.list[Outcome]:
        """Outcomes of the actor's own nominations not yet told to them."""

        def query() -> builtins.list[Outcome]:
            rows = Nomination.select().where(
                Nomination.nominator == actor.id, Nomination.decision != "", Nomination.told_at.is_null()
            )
            return [
                Outcome(row.id, outcome_words(clean_for_display(row.name, multiline=False), row.decision))
                for row in rows
            ]

        return await self.store.read(query)

    async def told(self, actor: MemberView, nomination_id: int) -> None:
        """The nominator has seen this outcome (their own nominations only)."""

        def write() -> None:
            Nomination.update(told_at=utcnow()).where(
                Nomination.id == nomination_id, Nomination.nominator == actor.id
            ).execute()

        await self.store.write(write)


def _leadership(actor: MemberView) -> None:
    if not actor.is_senior:
        raise NotFound("There's nothing to show here.")


def _nomination(nomination_id: int) -> Nomination:
    row = Nomination.get_or_none(Nomination.id == nomination_id)
    if row is None:
        raise NotFound(f"There's no nomination number {nomination_id}.")
    return row


def _view(row: Nomination, *, with_notes: bool) -> NominationView:
    def shown(text: str) -> str:
        return clean_for_display(text)

    notes: tuple[NoteView, ...] = ()
    if with_notes:
        notes = tuple(
            NoteView(
                clean_for_display(Member.get_by_id(note.author_id).handle, multiline=False),
                shown(note.body),
                note.created_at,
            )
            for note in ScreeningNote.select().where(ScreeningNote.nomination == row.id).order_by(ScreeningNote.id)
        )
    nominator = Member.get_by_id(row.nominator_id)
    return NominationView(
        id=row.id,
        name=clean_for_display(row.name, multiline=False),
        nominator=clean_for_display(nominator.handle, multiline=False),
        how_known=shown(row.how_known),
        why_fit=shown(row.why_fit),
        created_at=row.created_at,
        decision=row.decision,
        notes=notes,
    )
