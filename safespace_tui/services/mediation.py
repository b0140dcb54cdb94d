"""Mediation, scheduled around the mediators (issue 11; the charter's "leadership can intervene").

A member asks for mediation with another member, with a few words only leadership reads.
Leadership (senior members and admins) assigns one or two mediators; the other party is told
kindly, in fixed words (never the requester's). Either party may decline, without a reason.
Mediators publish free slots in their own time zone; everyone in the mediation sees them in
theirs and picks one; when the parties and the mediators all agree on one slot, it is confirmed.
At its start a private room opens (``services/rooms.py``) for exactly those people; a mediator
closes it with an outcome note for leadership, and it becomes read-only.

Nothing runs in the background for this: ``tick`` (opening rooms that are due, and the
within-the-hour reminder) runs on the server's member-watch round (``AccessWatch.also``, every
``session_check_interval`` seconds, 2 by default), after every confirmation, and each session asks
``on_arrival`` for what to tell its member when it starts. ``clock`` is the one source of "now".

Who may do what, each refused kindly: a mediation someone is not in is "not found" (for admins
too), leadership's reads of the requests and of outcome notes are audit rows, as are
assignments and closures (ids only, never the words).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..hub import CHANNELS, Hub, member_topic
from ..store.db import Store
from ..store.models import Channel, Mediation, MediationMediator, MediationPick, MediationSlot, Member, utcnow
from ..text import clean_for_display, clean_line, clean_text
from .audit import record
from .channel_admin import ChannelsChanged
from .errors import Invalid, NotAllowed, NotFound
from .mediation_views import (
    TOLD,
    MediationNotice,
    MediationView,
    SlotView,
    local_when,
    mediators_of,
    name_of,
    people_of,
    room_name,
    slot_of,
    told_when,
    view_of,
    zone_of,
)
from .rooms import ROOM_PREFIX, in_mediation
from .views import SENIOR_ROLES, MemberView

log = logging.getLogger("safespace.mediation")

NOT_FOUND = "There's no such mediation."
WORDS_MAX = 300
OUTCOME_MAX = 2000
SLOT_MINUTES = (15, 240)
REMIND_BEFORE = timedelta(hours=1)
ACTIVE = ("requested", "scheduling", "confirmed", "open")
ASSIGNED = "mediation.assign"
CLOSED = "mediation.close"
OUTCOME_READ = "mediation.outcome_read"
REQUESTS_READ = "mediation.requests_read"
DECLINED = "mediation.decline"
ROOM_TOPIC = "A mediation room: only the people in this mediation can see it."

Told = list[tuple[int, int, str]]  # (member id, mediation id, words): published after the commit


class MediationService:
    def __init__(self, store: Store, hub: Hub, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.hub = hub
        self.clock = clock  # naive UTC, as stored

    def _tell(self, told: Told) -> None:
        for member_id, mediation_id, words in told:
            self.hub.publish(member_topic(member_id), MediationNotice(mediation_id, words))

    # -- asking ---------------------------------------------------------------------------------
    async def ask(self, actor: MemberView, other_handle: str, words: str) -> MediationView:
        """Any member asks for mediation with another; leadership is told that a request waits."""
        words = clean_line(words, max_chars=WORDS_MAX) if words.strip() else ""
        handle = other_handle.strip().lstrip("@").lower()

        def write() -> tuple[MediationView, Told]:
            other = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null(), ~Member.joining)
            if other is None:
                raise NotFound(f"There's no member called {handle[:24]!r}.")
            if other.id == actor.id:
                raise Invalid("Mediation is between you and someone else: write their name.")
            between = ((Mediation.requester == actor.id) & (Mediation.other == other.id)) | (
                (Mediation.requester == other.id) & (Mediation.other == actor.id)
            )
            if Mediation.select().where(between, Mediation.state.in_(ACTIVE)).exists():
                raise Invalid("There's already a mediation between you two: /mediation shows it.")
            row = Mediation.create(requester=actor.id, other=other.id, words=words, created_at=self.clock())
            leaders = Member.select(Member.id).where(Member.role.in_(SENIOR_ROLES), Member.removed_at.is_null())
            told = [(actor.id, row.id, TOLD["asked"].format(id=row.id))]
            told += [(leader.id, row.id, TOLD["leadership"]) for leader in leaders if leader.id != actor.id]
            return view_of(row, actor, words=True), told

        view, told = await self.store.write(write)
        self._tell(told)
        return view

    async def requests(self, actor: MemberView) -> list[MediationView]:
        """Leadership: every mediation not yet over, with the requester's words (a recorded read)."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)

        def write() -> list[MediationView]:
            rows = list(Mediation.select().where(Mediation.state.in_(ACTIVE)).order_by(Mediation.id))
            record(actor.id, REQUESTS_READ, detail=f"{len(rows)} mediations")
            return [view_of(row, actor, words=True) for row in rows]

        return await self.store.write(write)

    async def mine(self, actor: MemberView) -> list[MediationView]:
        """The mediations ``actor`` is a party to or mediates (their own words only if they asked)."""

        def query() -> list[MediationView]:
            rows = Mediation.select().where(in_mediation(actor.id)).order_by(Mediation.id.desc()).limit(20)
            return [view_of(row, actor, words=row.requester_id == actor.id) for row in rows]

        return await self.store.read(query)

    def _in_it(self, actor: MemberView, mediation_id: int) -> Mediation:
        """Inside a transaction: the mediation, if ``actor`` is in it; otherwise not found, for anyone."""
        row = Mediation.select().where(Mediation.id == mediation_id, in_mediation(actor.id)).first()
        if row is None:
            raise NotFound(NOT_FOUND)
        return row

    # -- leadership assigns; a party may decline ----------------------------------------------------
    async def assign(self, actor: MemberView, mediation_id: int, handles: list[str]) -> MediationView:
        """Leadership names one or two mediators (senior members or admins, not a party)."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)
        wanted = list(dict.fromkeys(h.strip().lstrip("@").lower() for h in handles if h.strip()))
        if not 1 <= len(wanted) <= 2:
            raise Invalid("Name one or two mediators, for example: /mediation assign 3 sam")

        def write() -> tuple[MediationView, Told]:
            row = Mediation.get_or_none(Mediation.id == mediation_id)
            if row is None:
                raise NotFound(NOT_FOUND)
            if row.state != "requested":
                raise Invalid(f"Mediation {row.id} already has mediators (it is {row.state}).")
            mediators = []
            for handle in wanted:
                member = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null())
                if member is None or member.role not in SENIOR_ROLES:
                    raise Invalid(f"{handle[:24]!r} isn't a senior member or admin; mediators are.")
                if member.id in (row.requester_id, row.other_id):
                    raise Invalid(f"{handle} is part of this mediation, so can't mediate it.")
                mediators.append(member)
            for member in mediators:
                MediationMediator.create(mediation=row.id, member=member.id)
                record(actor.id, ASSIGNED, subject_id=member.id, detail=f"mediation {row.id}")
            row.state, row.assigned_at = "scheduling", self.clock()
            row.save()
            names = {
                "id": row.id,
                "requester": name_of(row.requester),
                "other": name_of(row.other),
                "mediators": " and ".join(name_of(m) for m in mediators),
            }
            told = [(row.other_id, row.id, TOLD["other"].format(**names))]
            told.append((row.requester_id, row.id, TOLD["requester"].format(**names)))
            told += [(m.id, row.id, TOLD["mediator"].format(**names)) for m in mediators]
            return view_of(row, actor), told

        view, told = await self.store.write(write)
        self._tell(told)
        return view

    async def decline(self, actor: MemberView, mediation_id: int) -> None:
        """Either party says no, before the room opens; everyone else is told kindly, no reason asked."""

        def write() -> Told:
            row = self._in_it(actor, mediation_id)
            if actor.id not in (row.requester_id, row.other_id):
                raise NotAllowed("Only the two people in a mediation can decline it.")
            if row.state not in ("requested", "scheduling", "confirmed"):
                raise Invalid(f"Mediation {row.id} is {row.state}; it can't be declined now.")
            people = people_of(row)
            row.state, row.declined_by_id = "declined", actor.id
            row.save()
            record(actor.id, DECLINED, detail=f"mediation {row.id}")
            return [(p.id, row.id, TOLD["declined"].format(id=row.id)) for p in people if p.id != actor.id]

        self._tell(await self.store.write(write))

    # -- times ------------------------------------------------------------------------------------------
    async def add_slot(self, actor: MemberView, day: str, time: str, minutes: int) -> SlotView:
        """A mediator's free time, written in their own zone; a slot already over is refused."""
        if not actor.is_senior:
            raise NotAllowed("Free times are offered by mediators (senior members and admins).")
        if not SLOT_MINUTES[0] <= minutes <= SLOT_MINUTES[1]:
            raise Invalid(f"A slot is {SLOT_MINUTES[0]} to {SLOT_MINUTES[1]} minutes long.")
        try:
            local = datetime.strptime(f"{day} {time}", "%Y-%m-%d %H:%M").replace(tzinfo=zone_of(actor))
        except ValueError:
            raise Invalid("Write the date and time like this: 2026-12-03 18:00 (your own time zone).") from None
        starts_at = local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        if starts_at + timedelta(minutes=minutes) <= self.clock():
            raise Invalid("That time has already passed. Please offer one still to come.")

        def write() -> SlotView:
            slot = MediationSlot.create(mediator=actor.id, starts_at=starts_at, minutes=minutes)
            return SlotView(slot.id, actor.handle, starts_at, minutes, local_when(starts_at, minutes, actor))

        return await self.store.write(write)

    async def slots(self, actor: MemberView, mediation_id: int) -> tuple[MediationView, list[SlotView]]:
        """The mediators' slots not yet over, in ``actor``'s own zone, with who picked each."""
        now = self.clock()

        def query() -> tuple[MediationView, list[SlotView]]:
            row = self._in_it(actor, mediation_id)
            picks: dict[int, list[str]] = {}
            for pick in (
                MediationPick.select(MediationPick, Member).join(Member).where(MediationPick.mediation == row.id)
            ):
                picks.setdefault(pick.slot_id, []).append(name_of(pick.member))
            found = (
                MediationSlot.select(MediationSlot, Member)
                .join(Member)
                .where(_offered(row, mediators_of(row.id), now))
                .order_by(MediationSlot.starts_at)
            )
            views = [
                SlotView(
                    s.id,
                    name_of(s.mediator),
                    s.starts_at,
                    s.minutes,
                    local_when(s.starts_at, s.minutes, actor),
                    tuple(picks.get(s.id, ())),
                )
                for s in found
                if s.starts_at + timedelta(minutes=s.minutes) > now
            ]
            return view_of(row, actor, words=row.requester_id == actor.id), views

        return await self.store.read(query)

    async def pick(self, actor: MemberView, mediation_id: int, slot_id: int) -> MediationView:
        """``actor`` agrees to a slot; when the parties and every mediator agree, it is confirmed."""
        now = self.clock()

        def write() -> tuple[MediationView, Told]:
            row = self._in_it(actor, mediation_id)
            if row.state != "scheduling":
                raise Invalid(f"Mediation {row.id} is {row.state}: " + _pick_hint(row))
            mediators = mediators_of(row.id)
            slot = MediationSlot.get_or_none(MediationSlot.id == slot_id, _offered(row, mediators, now))
            if slot is None or slot.starts_at + timedelta(minutes=slot.minutes) <= now:
                raise NotFound("There's no such time for this mediation. /mediation N shows the times.")
            MediationPick.insert(mediation=row.id, member=actor.id, slot=slot.id).on_conflict(
                conflict_target=[MediationPick.mediation, MediationPick.member], update={MediationPick.slot: slot.id}
            ).execute()
            told: Told = []
            if _all_agree(row, mediators, slot):
                row.state, row.slot_id = "confirmed", slot.id
                row.save()
                told = [(p.id, row.id, told_when("confirmed", row.id, slot, p)) for p in people_of(row)]
            return view_of(row, actor), told

        view, told = await self.store.write(write)
        self._tell(told)
        if told:
            await self.tick()  # a slot already under way opens its room now
        return view

    async def reschedule(self, actor: MemberView, mediation_id: int) -> None:
        """Anyone in it asks for another time before the room opens: back to picking, for everyone."""

        def write() -> Told:
            row = self._in_it(actor, mediation_id)
            if row.state not in ("scheduling", "confirmed"):
                raise Invalid(f"Mediation {row.id} is {row.state}; there's no time to change.")
            MediationPick.delete().where(MediationPick.mediation == row.id).execute()
            row.state, row.slot_id, row.reminded_at = "scheduling", None, None
            row.save()
            return [(p.id, row.id, TOLD["reschedule"].format(id=row.id)) for p in people_of(row) if p.id != actor.id]

        self._tell(await self.store.write(write))

    # -- the room -----------------------------------------------------------------------------------------
    async def tick(self) -> None:
        """Open the rooms whose time has come; remind everyone of a session within the hour."""
        now = self.clock()

        def due():
            """Confirmed mediations that start within the hour and are not yet reminded, or have begun."""
            return (
                Mediation.select(Mediation, MediationSlot)
                .join(MediationSlot)
                .where(
                    Mediation.state == "confirmed",
                    (MediationSlot.starts_at <= now) | Mediation.reminded_at.is_null(),
                    MediationSlot.starts_at <= now + REMIND_BEFORE,
                )
            )

        # every watch round (2 s): a read first, so an idle server never queues on the one writer thread
        if not await self.store.read(lambda: due().exists()):
            return

        def write() -> tuple[Told, bool]:
            told: Told = []
            opened = False
            for row in due():
                slot = slot_of(row)
                if slot.starts_at <= now:
                    room = _open_room(row, now)
                    told += [(p.id, row.id, TOLD["open"].format(room=room.name)) for p in people_of(row)]
                    opened = True
                elif slot.starts_at - now <= REMIND_BEFORE and row.reminded_at is None:
                    row.reminded_at = now
                    row.save()
                    told += [(p.id, row.id, told_when("reminder", row.id, slot, p)) for p in people_of(row)]
            return told, opened

        told, opened = await self.store.write(write)
        if opened:
            self.hub.publish(CHANNELS, ChannelsChanged())  # the room joins its people's channel lists
        self._tell(told)

    async def close(self, actor: MemberView, mediation_id: int, outcome: str) -> None:
        """A mediator closes the open room with a note for leadership; the room becomes read-only."""
        note = clean_text(outcome, max_chars=OUTCOME_MAX) if outcome.strip() else ""

        def write() -> Told:
            row = self._in_it(actor, mediation_id)
            if actor.id not in {m.id for m in mediators_of(row.id)}:
                raise NotAllowed("Only a mediator of it can close a mediation.")
            if row.state != "open":
                raise Invalid(f"Mediation {row.id} is {row.state}; only an open room can be closed.")
            if not note:
                raise Invalid("Close it with a short outcome note for leadership: /mediation close N: how it went")
            row.state, row.closed_at, row.outcome = "closed", self.clock(), note
            row.save()
            record(actor.id, CLOSED, detail=f"mediation {row.id}")
            return [(p.id, row.id, TOLD["closed"].format(id=row.id)) for p in people_of(row) if p.id != actor.id]

        self._tell(await self.store.write(write))

    async def outcome(self, actor: MemberView, mediation_id: int) -> str:
        """Leadership reads a closed mediation's outcome note (a recorded read)."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)

        def write() -> str:
            row = Mediation.get_or_none(Mediation.id == mediation_id, Mediation.state == "closed")
            if row is None:
                raise NotFound(NOT_FOUND)
            record(actor.id, OUTCOME_READ, detail=f"mediation {row.id}")
            return clean_for_display(row.outcome)

        return await self.store.write(write)

    # -- on arrival, and for the operator --------------------------------------------------------------
    async def on_arrival(self, actor: MemberView) -> list[str]:
        """What to tell ``actor`` as a session starts: their rooms, times and what waits for them."""
        await self.tick()

        def query() -> list[str]:
            said = []
            for row in Mediation.select().where(in_mediation(actor.id), Mediation.state.in_(ACTIVE)):
                if row.state == "open":
                    said.append(TOLD["open"].format(room=room_name(row)))
                elif row.state == "confirmed":
                    slot = slot_of(row)
                    said.append(
                        TOLD["confirmed"].format(id=row.id, when=local_when(slot.starts_at, slot.minutes, actor))
                    )
                elif row.state == "scheduling":
                    said.append(f"Mediation {row.id} waits for a time to be agreed: /mediation {row.id}")
            if actor.is_senior and Mediation.select().where(Mediation.state == "requested").exists():
                said.append(TOLD["leadership"])
            return said

        return await self.store.read(query)

    async def list_all(self) -> list[MediationView]:
        """For the operator (``safespace mediation list``): ids, state, times, names; no words, no notes."""
        utc = MemberView(0, "", "", "admin")

        def query() -> list[MediationView]:
            return [view_of(row, utc) for row in Mediation.select().order_by(Mediation.id)]

        return await self.store.read(query)


def _offered(row: Mediation, mediators: list[Member], now: datetime):
    """The condition on slots ``row`` may pick: its mediators', not over, not agreed by another mediation."""
    taken = Mediation.select(Mediation.slot).where(
        Mediation.slot.is_null(False), Mediation.state.in_(("confirmed", "open")), Mediation.id != row.id
    )
    return (
        MediationSlot.mediator.in_([m.id for m in mediators])
        & (MediationSlot.starts_at > now - timedelta(minutes=SLOT_MINUTES[1]))
        & MediationSlot.id.not_in(taken)
    )


def _pick_hint(row: Mediation) -> str:
    if row.state == "confirmed":
        return f"a time is agreed. /mediation reschedule {row.id} asks for another."
    return "there is no time to pick now."


def _all_agree(row: Mediation, mediators: list[Member], slot: MediationSlot) -> bool:
    """Both parties picked ``slot``; each mediator picked it, or offered it and picked nothing else."""
    picks = {p.member_id: p.slot_id for p in MediationPick.select().where(MediationPick.mediation == row.id)}
    if picks.get(row.requester_id) != slot.id or picks.get(row.other_id) != slot.id:
        return False
    return all(picks.get(m.id, slot.id if slot.mediator_id == m.id else None) == slot.id for m in mediators)


def _open_room(row: Mediation, now: datetime) -> Channel:
    """Inside a write: the private room of ``row`` (named mediation-N; never an existing name)."""
    name, n = f"{ROOM_PREFIX}{row.id}", 1
    while Channel.select().where(Channel.name == name).exists():
        n += 1
        name = f"{ROOM_PREFIX}{row.id}-{n}"
    room = Channel.create(name=name, topic=ROOM_TOPIC, position=95)
    row.state, row.room_id, row.opened_at = "open", room.id, now
    row.save()
    log.info("mediation %s: room %s opened", row.id, room.id)
    return room
