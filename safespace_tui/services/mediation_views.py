"""What a mediation looks like to the people in it (issue 11): the fixed words each is told, the
frozen views services/mediation.py hands out, and times in each reader's own zone. Kept apart from
the rules (services/mediation.py); these run inside its transactions or on views, never alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..store.models import Mediation, MediationMediator, MediationSlot, Member
from ..text import clean_for_display
from .views import MemberView

# what each person is told, in fixed words (never anyone's own)
TOLD = {
    "asked": "Your request for mediation {id} is with leadership. You'll be told here when mediators are found.",
    "leadership": "A request for mediation waits for leadership: /mediation list",
    "other": (
        "{requester} asked for mediation with you, and leadership found mediators ({mediators}). Nothing is "
        "expected of you right now. If you'd like to go ahead, pick a time: /mediation {id}. If not, "
        "/mediation decline {id}; no reason is needed."
    ),
    "requester": "Mediators were found for your request ({mediators}). Pick a time that suits you: /mediation {id}",
    "mediator": (
        "You were asked to mediate between {requester} and {other} (mediation {id}). "
        "Offer times with /mediation slots add DATE TIME MINUTES, in your own time zone."
    ),
    "declined": "Mediation {id} won't go ahead: one of you chose not to, and that's okay. No reason is needed.",
    "confirmed": "Mediation {id} is set for {when}. The room opens then; you'll be told here.",
    "reschedule": "Mediation {id} needs a new time: someone asked to reschedule. Please pick again: /mediation {id}",
    "reminder": "Your mediation {id} is within the hour: {when}.",
    "open": "Your mediation room is open: /join {room}. Only the people in this mediation can see it.",
    "closed": "Mediation {id} is closed. Its room stays for you to read; it takes no new messages.",
}


@dataclass(frozen=True)
class MediationNotice:
    """Published on a member's own topic: fixed words for them about a mediation they are in."""

    mediation_id: int
    words: str


@dataclass(frozen=True)
class SlotView:
    id: int
    mediator: str
    starts_at: datetime  # UTC
    minutes: int
    when: str  # in the reader's own time zone
    picked_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediationView:
    id: int
    state: str
    requester: str
    other: str
    mediators: tuple[str, ...]
    created_at: datetime
    words: str = ""  # the requester's few words: leadership (and the requester) only
    when: str = ""  # the agreed slot, in the reader's own time zone
    starts_at: datetime | None = None
    room: str = ""  # the room's name once it is open


def zone_of(member: Member | MemberView) -> ZoneInfo:
    try:
        return ZoneInfo(member.timezone or "UTC")
    except (KeyError, ValueError):  # an unknown zone name: UTC, rather than no time at all
        return ZoneInfo("UTC")


def local_when(starts_at: datetime, minutes: int, member: Member | MemberView) -> str:
    """ "Thu 3 Dec 18:00-19:00 (Europe/Paris)": a stored UTC slot in ``member``'s own zone."""
    zone = zone_of(member)
    start = starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    end = start + timedelta(minutes=minutes)
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M}-{end:%H:%M} ({zone.key})"


def slot_of(row: Mediation) -> MediationSlot:
    """The agreed slot of a confirmed or open mediation (the state says there is one)."""
    assert row.slot is not None
    return row.slot


def room_name(row: Mediation) -> str:
    return row.room.name if row.room is not None else ""


def name_of(member: Member) -> str:
    return clean_for_display(member.handle, multiline=False)


def mediators_of(mediation_id: int) -> list[Member]:
    return list(
        Member.select()
        .join(MediationMediator, on=(MediationMediator.member == Member.id))
        .where(MediationMediator.mediation == mediation_id)
        .order_by(Member.handle)
    )


def people_of(row: Mediation) -> list[Member]:
    """Everyone in a mediation: the two parties, then the mediators."""
    return [row.requester, row.other, *mediators_of(row.id)]


def view_of(row: Mediation, reader: MemberView, *, words: bool = False) -> MediationView:
    slot = row.slot if row.slot_id is not None else None
    return MediationView(
        id=row.id,
        state=row.state,
        requester=name_of(row.requester),
        other=name_of(row.other),
        mediators=tuple(name_of(m) for m in mediators_of(row.id)),
        created_at=row.created_at,
        words=clean_for_display(row.words) if words else "",
        when=local_when(slot.starts_at, slot.minutes, reader) if slot is not None else "",
        starts_at=slot.starts_at if slot is not None else None,
        room=room_name(row),
    )


def told_when(what: str, mediation_id: int, slot: MediationSlot, member: Member) -> str:
    """Fixed words with the slot's time in ``member``'s own zone."""
    return TOLD[what].format(id=mediation_id, when=local_when(slot.starts_at, slot.minutes, member))
