"""Stepping away for a while, or leaving the group, and coming back.

The charter asks members to say so in the Living Room, "so the group is clear on
who is participating". Stepping away posts a short, kind note there and sets the
status to away; ``back`` returns. Leaving deletes nothing: a member's messages
stay with the group; export (``ssh host export``) and deletion (/delete-my-data) are theirs to ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..hub import MEMBERS, Hub, channel_topic
from ..store.db import Store
from ..store.models import Channel, Member, Message
from ..text import MAX_NOTE_CHARS, TextRejected, clean_line
from .channels import LIVING_ROOM, MessagePosted, message_view, record_read
from .errors import Invalid, NotFound
from .members import to_view
from .spoons import SpoonService, local_day
from .views import MemberView, MessageView

LONGEST_AWAY = 366

# Said in the app when someone leaves: what stays, and how to take or delete their data.
LEAVING_WORDS = (
    "Leaving deletes nothing by itself: your messages and check-ins stay as they are, "
    "and you can come back with /back whenever you like. For a copy of everything the group "
    "holds about you, add the word export to your usual ssh command (ssh … export > my-safespace.json). "
    "To have it deleted, type /delete-my-data: you have a week to change your mind."
)


@dataclass(frozen=True)
class SteppedAway:
    member: MemberView
    note: MessageView | None  # what was posted in living-room


def parse_until(text: str, today: date) -> date | None:
    """'' -> None; '2026-12-01' or '3' (days from today) -> a date after today, within a year."""
    text = text.strip().lower()
    if not text:
        return None
    try:
        until = today + timedelta(days=int(text)) if text.isdigit() else date.fromisoformat(text)
    except (ValueError, OverflowError):
        raise Invalid("For the date, please write it like 2026-12-01, or a number of days such as 7.") from None
    if until <= today:
        raise Invalid("The date to come back should be after today.")
    if until > today + timedelta(days=LONGEST_AWAY):
        raise Invalid("That's more than a year away. Please choose a nearer date, or choose 'leaving the group'.")
    return until


# What a member leaving may pick instead of their own words: plain, and nothing they did not choose.
LEAVING_LINES = {
    "leaving": "is leaving the group.",
    "break": "is leaving the group for a while.",
    "thanks": "is leaving the group. Thank you, everyone.",
}


def _note_words(leaving: bool, until: date | None, note: str, line: str = "leaving") -> str:
    if leaving:  # their own words alone, or the line they picked: the app adds nothing
        return note or LEAVING_LINES.get(line, LEAVING_LINES["leaving"])
    if until is not None:
        body = f"is stepping away for a while, until {until:%a} {until.day} {until:%B}."
    else:
        body = "is stepping away for a while."
    if note:
        body += f" {note}"
    return body


class AwayService:
    def __init__(self, store: Store, hub: Hub, spoons: SpoonService) -> None:
        self.store = store
        self.hub = hub
        self.spoons = spoons

    def today(self, actor: MemberView) -> date:
        return local_day(actor.timezone, self.spoons.clock())

    async def step_away(
        self, actor: MemberView, *, leaving: bool, until: date | None = None, note: str = "", line: str = "leaving"
    ) -> SteppedAway:
        """Status away (with the note and date), and a kind note in living-room. Deletes nothing.
        Leaving posts the member's own ``note`` alone, or else the ``LEAVING_LINES`` entry they picked."""
        try:
            note = clean_line(note, max_chars=MAX_NOTE_CHARS) if note and note.strip() else ""
        except TextRejected as error:
            raise Invalid(error.message) from None
        today = self.today(actor)
        if leaving:
            until = None
        elif until is not None and not today < until <= today + timedelta(days=LONGEST_AWAY):
            raise Invalid("The date to come back should be after today and within a year.")
        stamp = self.spoons.clock().astimezone(UTC).replace(tzinfo=None)

        def write() -> tuple[MemberView, MessageView]:
            room = Channel.get_or_none(Channel.name == LIVING_ROOM)
            if room is None:
                raise NotFound(f"The {LIVING_ROOM} channel is missing. Please tell an admin.")
            member = Member.get_by_id(actor.id)
            member.status = "away"
            member.status_note = ("left the group" if leaving else "stepping away") + (f": {note}" if note else "")
            member.status_note = member.status_note[:MAX_NOTE_CHARS]
            member.away_until = until
            member.save()
            message = Message.create(
                channel=room, author=member, body=_note_words(leaving, until, note, line), kind="away", created_at=stamp
            )
            record_read(member.id, room.id, message.id)
            return to_view(member), message_view(message, member)

        member, posted = await self.store.write(write)  # stepping away always posts its note
        self.hub.publish(channel_topic(posted.channel_id), MessagePosted(posted))
        self.hub.publish(MEMBERS, member)
        return SteppedAway(member, posted)

    async def back(self, actor: MemberView) -> SteppedAway | None:
        """Available again, with a short note in living-room. None if the member was not away."""
        stamp = self.spoons.clock().astimezone(UTC).replace(tzinfo=None)
        result = await self.store.write(lambda: _come_back(actor.id, stamp))
        if result is not None:
            self._publish_back(result)
        return result

    async def end_due(self) -> int:
        """``/away`` until a date ends by itself on that date, in the member's own time zone (the
        server's housekeeping calls this); returns how many came back. Leaving has no date."""
        now = self.spoons.clock()
        stamp = now.astimezone(UTC).replace(tzinfo=None)
        soonest = now.astimezone(UTC).date() + timedelta(days=1)  # no time zone is a day further on

        def due() -> list[int]:
            rows = Member.select().where(
                Member.status == "away", Member.away_until.is_null(False), Member.away_until <= soonest
            )
            return [
                m.id
                for m in rows
                if m.removed_at is None and m.away_until is not None and local_day(m.timezone, now) >= m.away_until
            ]

        count = 0
        for member_id in await self.store.read(due):
            result = await self.store.write(lambda member_id=member_id: _come_back(member_id, stamp))
            if result is not None:
                self._publish_back(result)
                count += 1
        return count

    def _publish_back(self, result: SteppedAway) -> None:
        if result.note is not None:
            self.hub.publish(channel_topic(result.note.channel_id), MessagePosted(result.note))
        self.hub.publish(MEMBERS, result.member)


def _come_back(member_id: int, stamp: datetime) -> SteppedAway | None:
    """Available again, and "is back." in living-room (inside a write); None if not away."""
    member = Member.get_by_id(member_id)
    if member.status != "away":
        return None
    member.status = "available"
    member.status_note = ""
    member.away_until = None
    member.save()
    room = Channel.get_or_none(Channel.name == LIVING_ROOM)
    if room is None:
        return SteppedAway(to_view(member), None)
    message = Message.create(channel=room, author=member, body="is back.", kind="away", created_at=stamp)
    record_read(member.id, room.id, message.id)
    return SteppedAway(to_view(member), message_view(message, member))
