"""Deleting a member's data when they ask: a week to change their mind, then gone from the file.

The charter says participation is completely voluntary. A member asks in the app; for seven days
they can cancel (a hard week should not cost anyone their history by accident). Then, in one
transaction, their profile, goals, cheers, check-ins, spoons, safety plan, notice settings and
keys are deleted, the text of every message they wrote is replaced by ``REMOVED_TEXT`` (the
conversation keeps its shape: replies still sit under something), their name becomes their handle
and they are removed from the group. ``secure_delete`` (store/db.py) zeroes what SQLite frees, and
a WAL checkpoint (TRUNCATE) then writes the pages back and empties the -wal file, so the words are
gone from every file on disk, not only from queries. The audit log keeps that it happened, nothing
more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..hub import MEMBERS, Hub, channel_topic
from ..store.db import Store
from ..store.models import (
    Alert,
    BoundarySettings,
    CareSettings,
    CheckIn,
    Cheer,
    DebriefNote,
    DeletionRequest,
    Goal,
    HeldMessage,
    Member,
    MemberKey,
    Message,
    Mute,
    Nomination,
    NoticeAddress,
    Onboarding,
    PlanShare,
    Profile,
    Report,
    SafetyPlan,
    ScreeningNote,
    SpoonLog,
    TriggerWord,
    WatchSetting,
    utcnow,
)
from .audit import record
from .members import to_view
from .views import MemberView

log = logging.getLogger("safespace.deletion")

GRACE = timedelta(days=7)
REMOVED_TEXT = "removed at the member's request"
DELETED = "data.deleted"


@dataclass(frozen=True)
class ChannelRewritten:
    """Published on ``channel_topic(id)`` when words in it were replaced (a member's data deleted):
    sessions showing the channel load it again, so the old words leave their screens too."""

    channel_id: int


@dataclass(frozen=True)
class DeletionPending:
    asked_at: datetime
    due_at: datetime  # UTC


def _pending(row: DeletionRequest | None) -> DeletionPending | None:
    return None if row is None else DeletionPending(row.asked_at, row.due_at)


def erase(member_id: int) -> set[int]:
    """Delete what ``member_id`` gave the group, in the caller's transaction (see the module docstring);
    returns the channels whose messages were rewritten."""
    channels = {m.channel_id for m in Message.select(Message.channel).where(Message.author == member_id).distinct()}
    for model in (Profile, CheckIn, SpoonLog, SafetyPlan, PlanShare, NoticeAddress, CareSettings, Goal, MemberKey):
        model.delete().where(model.member == member_id).execute()
    Onboarding.delete().where(Onboarding.member == member_id).execute()
    WatchSetting.delete().where(WatchSetting.member == member_id).execute()
    # their boundaries (issue 11): trigger words (perhaps copied from the profile), mutes, held messages
    TriggerWord.delete().where(TriggerWord.member == member_id).execute()
    Mute.delete().where(Mute.member == member_id).execute()
    BoundarySettings.delete().where(BoundarySettings.member == member_id).execute()
    HeldMessage.delete().where(HeldMessage.author == member_id).execute()
    # what they wrote about people they nominated, and their screening notes (joining, issue 10)
    Nomination.update(how_known=REMOVED_TEXT, why_fit=REMOVED_TEXT).where(Nomination.nominator == member_id).execute()
    ScreeningNote.update(body=REMOVED_TEXT).where(ScreeningNote.author == member_id).execute()
    Report.update(note="").where(Report.reporter == member_id).execute()  # their words on a report
    Cheer.delete().where(Cheer.member == member_id).execute()
    PlanShare.delete().where(PlanShare.senior == member_id).execute()
    Message.update(body=REMOVED_TEXT, content_warning="").where(Message.author == member_id).execute()
    DebriefNote.update(body=REMOVED_TEXT).where(DebriefNote.author == member_id).execute()
    Alert.update(note="").where(Alert.member == member_id).execute()
    member = Member.get_by_id(member_id)
    member.display_name = member.handle
    member.status, member.status_note, member.away_until = "away", "", None
    member.pronouns = ""
    member.removed_at = member.removed_at or utcnow()
    member.save()
    DeletionRequest.delete().where(DeletionRequest.member == member_id).execute()
    record(member_id, DELETED, subject_id=member_id)
    return channels


class DeletionService:
    def __init__(self, store: Store, hub: Hub, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.hub = hub
        self.clock = clock

    async def pending(self, actor: MemberView) -> DeletionPending | None:
        return await self.store.read(lambda: _pending(DeletionRequest.get_or_none(DeletionRequest.member == actor.id)))

    async def ask(self, actor: MemberView) -> DeletionPending:
        """The actor asks for their data to be deleted in ``GRACE``; asking again keeps the first date."""
        now = self.clock()

        def write() -> DeletionPending:
            row = DeletionRequest.get_or_none(DeletionRequest.member == actor.id)
            if row is None:
                row = DeletionRequest.create(member=actor.id, asked_at=now, due_at=now + GRACE)
            return DeletionPending(row.asked_at, row.due_at)

        return await self.store.write(write)

    async def cancel(self, actor: MemberView) -> bool:
        """The actor changed their mind; True when there was a request to cancel."""
        count = await self.store.write(
            lambda: DeletionRequest.delete().where(DeletionRequest.member == actor.id).execute()
        )
        return bool(count)

    async def run_due(self) -> int:
        """Carry out every request whose week has passed; returns how many members' data went."""
        now = self.clock()
        due = await self.store.read(
            lambda: [r.member_id for r in DeletionRequest.select().where(DeletionRequest.due_at <= now)]
        )
        for member_id in due:
            view, channels = await self.store.write(lambda member_id=member_id: _erase_and_view(member_id))
            log.info("deleted the data of member %s at their request", member_id)
            self.hub.publish(MEMBERS, view)
            for channel_id in channels:
                self.hub.publish(channel_topic(channel_id), ChannelRewritten(channel_id))
        if due:
            await self.store.checkpoint()
        return len(due)


def _erase_and_view(member_id: int) -> tuple[MemberView, set[int]]:
    channels = erase(member_id)
    return to_view(Member.get_by_id(member_id)), channels
