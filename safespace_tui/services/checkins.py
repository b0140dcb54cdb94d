"""The daily check-in: a few words about today, shared with whom the member chooses.

One check-in per member per local day. Saving posts (or, on the same day, edits) a
compact card in #check-ins with the visibility the member chose: the group, senior
members only, or only themselves. A win is also posted in #wins with the same
visibility, so "only me" never leaks anywhere. Warning signs are seen only by the member
and senior members, whatever the card's visibility: on a card shared more or less widely
they are a message of their own beside it, for senior members only (the form says so). Yesterday may be filled in late
(back-filling), and a check-in can be changed on the day it was written.

Nothing here compares one member with another: a streak and averages are only
ever computed for the acting member, over their own weeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from peewee import fn

from ..hub import MEMBERS, Hub, channel_topic
from ..store.db import Store, tuples
from ..store.models import Channel, CheckIn, Member, Message, SpoonLog
from ..text import MAX_NOTE_CHARS, TextRejected, clean_line
from .channels import CHECK_INS, WINS, MessageEdited, MessagePosted, message_view, record_read
from .errors import Invalid, NotFound
from .members import to_view
from .spoons import SpoonService, local_day, zone
from .views import MemberView, MessageView

MOODS = {1: "struggling", 2: "low", 3: "okay", 4: "good", 5: "bright"}
SLEEP = ("rough", "restless", "okay", "restful")
NEEDS = ("company", "quiet", "to vent", "advice", "distraction")
VISIBILITY = {"group": "the group", "seniors": "senior members only", "me": "only me"}


def spoon_bar(value: int, maximum: int, cells: int | None = None, full: str = "#", empty: str = "-") -> str:
    """``######------``: reads the same in any terminal, with or without colour."""
    maximum = max(1, maximum)
    cells = maximum if cells is None else max(1, cells)
    value = max(0, min(value, maximum))
    filled = round(value * cells / maximum)
    if value > 0 and filled == 0:
        filled = 1  # one spoon left is never drawn as none
    if value < maximum and filled == cells:
        filled = cells - 1
    return full * filled + empty * (cells - filled)


@dataclass(frozen=True)
class CheckInDraft:
    """What the form sends. ``day`` None means today (the member's local day)."""

    spoons: int
    mood: int
    sleep: str = ""
    needs: tuple[str, ...] = ()
    warning_signs: str = ""
    win: str = ""
    note: str = ""
    visibility: str = "group"
    day: date | None = None


@dataclass(frozen=True)
class CheckInView:
    id: int
    member_id: int
    day: date
    spoons: int
    mood: int
    sleep: str
    needs: tuple[str, ...]
    warning_signs: str
    win: str
    note: str
    visibility: str
    message_id: int | None
    created_at: datetime
    updated_at: datetime
    editable: bool


@dataclass(frozen=True)
class CheckInSaved:
    checkin: CheckInView
    created: bool
    member: MemberView  # with the spoon meter as it now stands


@dataclass(frozen=True)
class Reflection:
    """A member's own rhythm: a streak and their recent week against the three before it."""

    streak: int
    checked_in_today: bool
    week_days: int
    week_spoons: float | None
    week_mood: float | None
    before_days: int
    before_spoons: float | None
    before_mood: float | None


@dataclass(frozen=True)
class QuietMember:
    member: MemberView
    last_day: date | None  # newest check-in senior members may see; None if none ever
    days: int | None  # whole days since then (None: never)
    last_seen: datetime | None = None  # UTC, when their last session closed; None: not since we kept it


def _clean_optional(text: str, what: str, limit: int = MAX_NOTE_CHARS) -> str:
    if not text or not text.strip():
        return ""
    try:
        return clean_line(text, max_chars=limit)
    except TextRejected as error:
        raise Invalid(f"{what}: {error.message}") from None


def _day_words(day: date, today: date) -> str:
    label = f"{day:%a} {day.day} {day:%b}"
    if day == today:
        return f"today ({label})"
    if day == today - timedelta(days=1):
        return f"yesterday ({label})"
    return label


def card_text(
    c: CheckInDraft, day: date, today: date, spoons_max: int, edited: bool = False, *, warning_signs: bool = True
) -> str:
    """The compact card posted in #check-ins. Every part is already clean text.

    ``warning_signs`` False leaves them out: they go beside the card, to senior members only.
    """
    lines = [
        f"checked in for {_day_words(day, today)}{' (edited)' if edited else ''}",
        f"spoons {c.spoons}/{spoons_max} [{spoon_bar(c.spoons, spoons_max)}] · mood {c.mood}/5 {MOODS[c.mood]}"
        + (f" · sleep {c.sleep}" if c.sleep else ""),
    ]
    if c.needs:
        lines.append("would like: " + ", ".join(c.needs))
    if c.warning_signs and warning_signs:
        lines.append("warning signs noticed: " + c.warning_signs)
    if c.win:
        lines.append("a win: " + c.win)
    if c.note:
        lines.append("note: " + c.note)
    return "\n".join(lines)


def _view(row: CheckIn, editable: bool) -> CheckInView:
    return CheckInView(
        id=row.id,
        member_id=row.member_id,
        day=row.day,
        spoons=row.spoons,
        mood=row.mood,
        sleep=row.sleep,
        needs=tuple(n for n in row.needs.split(",") if n),
        warning_signs=row.warning_signs,
        win=row.win,
        note=row.note,
        visibility=row.visibility,
        message_id=row.message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        editable=editable,
    )


def _written_on(row: CheckIn, timezone: str) -> date:
    return row.created_at.replace(tzinfo=UTC).astimezone(zone(timezone)).date()


class CheckInService:
    def __init__(self, store: Store, hub: Hub, spoons: SpoonService) -> None:
        self.store = store
        self.hub = hub
        self.spoons = spoons

    @property
    def spoons_max(self) -> int:
        return self.spoons.spoons_max

    def validate(self, draft: CheckInDraft) -> CheckInDraft:
        """Clean every field (raises Invalid with calm words). Returns the cleaned draft."""
        if not isinstance(draft.spoons, int) or not 0 <= draft.spoons <= self.spoons_max:
            raise Invalid(f"Spoons: please give a number from 0 to {self.spoons_max}.")
        if draft.mood not in MOODS:
            raise Invalid("Mood: please pick one, from 1 (struggling) to 5 (bright).")
        if draft.sleep and draft.sleep not in SLEEP:
            raise Invalid(f"Sleep can be one of: {', '.join(SLEEP)}.")
        unknown = [n for n in draft.needs if n not in NEEDS]
        if unknown:
            raise Invalid(f"What you need can be any of: {', '.join(NEEDS)}.")
        if draft.visibility not in VISIBILITY:
            raise Invalid("Please choose who may see it: the group, senior members only, or only you.")
        return CheckInDraft(
            spoons=draft.spoons,
            mood=draft.mood,
            sleep=draft.sleep,
            needs=tuple(n for n in NEEDS if n in draft.needs),
            warning_signs=_clean_optional(draft.warning_signs, "Warning signs"),
            win=_clean_optional(draft.win, "Your win"),
            note=_clean_optional(draft.note, "The note"),
            visibility=draft.visibility,
            day=draft.day,
        )

    # -- one's own check-ins
    async def get(self, actor: MemberView, day: date | None = None) -> CheckInView | None:
        """The actor's own check-in for ``day`` (today by default), or None."""
        now = self.spoons.clock()

        def query() -> CheckInView | None:
            member = Member.get_by_id(actor.id)
            today = local_day(member.timezone, now)
            row = CheckIn.get_or_none(CheckIn.member == actor.id, CheckIn.day == (day or today))
            return _view(row, _written_on(row, member.timezone) == today) if row else None

        return await self.store.read(query)

    async def save(self, actor: MemberView, draft: CheckInDraft) -> CheckInSaved:
        """Create today's (or yesterday's) check-in, or edit it on the day it was written."""
        draft = self.validate(draft)
        now = self.spoons.clock()
        spoons_max = self.spoons_max

        def write() -> tuple[CheckInSaved, list[MessageView], list[MessageView]]:
            member = self.spoons.member_row_for_today(actor.id, now)
            today = local_day(member.timezone, now)
            day = draft.day or today
            if day not in (today, today - timedelta(days=1)):
                raise Invalid("A check-in can be for today, or for yesterday if you missed it.")
            row = CheckIn.get_or_none(CheckIn.member == actor.id, CheckIn.day == day)
            created = row is None
            if row is not None and _written_on(row, member.timezone) != today:
                raise Invalid("That check-in is from an earlier day and stays as it was. Today is a fresh page.")
            checkins = Channel.get_or_none(Channel.name == CHECK_INS)
            if checkins is None:
                raise NotFound("The check-ins channel is missing. Please tell an admin.")
            signs_on_card = draft.visibility == "seniors"
            body = card_text(draft, day, today, spoons_max, edited=not created, warning_signs=signs_on_card)
            stamp = now.astimezone(UTC).replace(tzinfo=None)
            posted: list[MessageView] = []
            edited: list[MessageView] = []

            # the card
            def post_or_edit(
                existing: Message | None, channel: Channel, text: str, kind: str, visibility: str = draft.visibility
            ) -> Message:
                """A new message the first time; the same message, edited, after that."""
                if existing is None:
                    existing = Message.create(
                        channel=channel,
                        author=member,
                        body=text,
                        kind=kind,
                        visibility=visibility,
                        created_at=stamp,
                    )
                    record_read(member.id, channel.id, existing.id)
                    posted.append(message_view(existing, member))
                else:
                    existing.body = text
                    existing.visibility = visibility
                    existing.save()
                    edited.append(message_view(existing, member))
                return existing

            card = Message.get_or_none(Message.id == row.message_id) if row is not None and row.message_id else None
            card = post_or_edit(card, checkins, body, "checkin")

            # warning signs: the member and senior members only, whatever the card's visibility
            signs = (
                Message.get_or_none(Message.id == row.warning_message_id)
                if row is not None and row.warning_message_id
                else None
            )
            if draft.warning_signs and not signs_on_card:
                text = f"warning signs noticed: {draft.warning_signs}"
                signs = post_or_edit(signs, checkins, text, "checkin", visibility="seniors")
            elif signs is not None and signs.visibility != "me":
                signs.visibility = "me"  # taken back (or now on the card): hidden, not deleted
                signs.save()
                edited.append(message_view(signs, member))

            # the win, in #wins, seen by the same people as the card
            win_message = (
                Message.get_or_none(Message.id == row.win_message_id)
                if row is not None and row.win_message_id
                else None
            )
            if draft.win:
                wins = Channel.get_or_none(Channel.name == WINS)
                if wins is not None:
                    win_message = post_or_edit(win_message, wins, f"A win: {draft.win}", "win")
            elif win_message is not None and win_message.visibility != "me":
                # The win was taken back: nothing is deleted, it is only hidden from others.
                win_message.visibility = "me"
                win_message.save()
                edited.append(message_view(win_message, member))

            fields = dict(
                spoons=draft.spoons,
                mood=draft.mood,
                sleep=draft.sleep,
                needs=",".join(draft.needs),
                warning_signs=draft.warning_signs,
                win=draft.win,
                note=draft.note,
                visibility=draft.visibility,
                message=card,
                win_message=win_message,
                warning_message=signs,
            )
            if row is None:
                row = CheckIn.create(member=member, day=day, created_at=stamp, updated_at=stamp, **fields)
            else:
                for key, value in fields.items():
                    setattr(row, key, value)
                row.updated_at = stamp
                row.save()

            # today's check-in sets the meter too
            if day == today and member.spoons != draft.spoons:
                delta = draft.spoons - member.spoons
                member.spoons = draft.spoons
                member.save()
                SpoonLog.create(member=member, at=stamp, day=today, spoons=draft.spoons, delta=delta, reason="checkin")
            return CheckInSaved(_view(row, True), created, to_view(member)), posted, edited

        saved, posted, edited = await self.store.write(write)
        for message in posted:
            self.hub.publish(channel_topic(message.channel_id), MessagePosted(message))
        for message in edited:
            self.hub.publish(channel_topic(message.channel_id), MessageEdited(message))
        self.hub.publish(MEMBERS, saved.member)
        return saved

    async def reflection(self, actor: MemberView) -> Reflection:
        """A gentle streak and this week against the three weeks before: the actor's own days only."""
        now = self.spoons.clock()

        def query() -> Reflection:
            member = Member.get_by_id(actor.id)
            today = local_day(member.timezone, now)
            since = today - timedelta(days=27)
            rows = list(
                CheckIn.select(CheckIn.day, CheckIn.spoons, CheckIn.mood).where(
                    CheckIn.member == actor.id, CheckIn.day >= since - timedelta(days=400)
                )
            )
            days = {r.day for r in rows}
            checked_today = today in days
            cursor = today if checked_today else today - timedelta(days=1)
            streak = 0
            while cursor in days:
                streak += 1
                cursor -= timedelta(days=1)
            week_start = today - timedelta(days=6)
            week = [r for r in rows if week_start <= r.day <= today]
            before = [r for r in rows if since <= r.day < week_start]

            def mean(values: Iterable[int]) -> float | None:
                values = list(values)
                return round(sum(values) / len(values), 1) if values else None

            return Reflection(
                streak=streak,
                checked_in_today=checked_today,
                week_days=len(week),
                week_spoons=mean(r.spoons for r in week),
                week_mood=mean(r.mood for r in week),
                before_days=len(before),
                before_spoons=mean(r.spoons for r in before),
                before_mood=mean(r.mood for r in before),
            )

        return await self.store.read(query)

    async def moods(self, actor: MemberView, start: date, end: date) -> dict[date, int]:
        """The actor's own mood per day between two dates (inclusive)."""

        def query() -> dict[date, int]:
            rows = CheckIn.select(CheckIn.day, CheckIn.mood).where(
                CheckIn.member == actor.id, CheckIn.day >= start, CheckIn.day <= end
            )
            return {r.day: r.mood for r in rows}

        return await self.store.read(query)

    # -- for senior members
    async def quiet_members(self, actor: MemberView, days: int) -> list[QuietMember]:
        """Members with no check-in senior members may see in the last ``days`` days (today included).

        Senior members only. Check-ins a member kept to themselves ("only me") are never counted
        or revealed: the list says only what senior members could already read.
        """
        if not actor.is_senior:
            raise NotFound("That list is kept for senior members.")
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise Invalid("Please give a number of days from 1 to 365, for example /quiet-members 3.")
        now = self.spoons.clock()

        def query() -> list[QuietMember]:
            last: dict[int, date | str] = dict(  # SQLite's MAX of a date is its text
                tuples(
                    CheckIn.select(CheckIn.member, fn.MAX(CheckIn.day))
                    .where(CheckIn.visibility.in_(["group", "seniors"]))
                    .group_by(CheckIn.member)
                )
            )
            result = []
            for member in Member.select().where(Member.removed_at.is_null()).order_by(Member.handle):
                today = local_day(member.timezone, now)
                last_day = last.get(member.id)
                if isinstance(last_day, str):
                    last_day = date.fromisoformat(last_day)
                if last_day is None:
                    result.append(QuietMember(to_view(member), None, None, member.last_seen_at))
                elif (today - last_day).days >= days:
                    result.append(QuietMember(to_view(member), last_day, (today - last_day).days, member.last_seen_at))
            result.sort(key=lambda q: (q.days is not None, -(q.days or 0), q.member.handle))
            return result

        return await self.store.read(query)
