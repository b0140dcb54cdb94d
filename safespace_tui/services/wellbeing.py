"""The group at a glance, for senior members (issue 14): the monitoring pane's truth.

Senior members in a peer group notice trouble before an SOS: who is struggling today, who has
gone quiet. This gathers, for senior members and admins only:

* open alerts, most urgent first (who holds each, how long it has waited);
* members struggling today: spoons at 2 or fewer, status low, or a check-in for today with mood
  1-2 or warning signs;
* members gone quiet: no message and no check-in for ``quiet_after_days`` days, and when they
  were last here;
* senior members online, and those on call.

Visibility: a check-in or a message a member kept to themselves ("only me") never counts, never
shows and never changes a number a senior member sees (it is not even read here).

One picture for every senior: it is computed once per change (one read, however many seniors
watch) and published on ``WELLBEING`` only when it differs from the last one, so an ordinary
message costs the hub one set lookup here and senior sessions nothing. Nothing is computed while
no senior watches. Only a senior member or admin may subscribe (``topic_for``) or read it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from peewee import fn

from ..config import Config
from ..hub import ALERTS, MEMBERS, ON_CALL, PRESENCE, WELLBEING, Hub, channel_topic
from ..store.db import Store, tuples
from ..store.models import CareSettings, Channel, CheckIn, Member, Message, WatchSetting
from ..text import clean_for_display
from .audit import record
from .channels import MessagePosted
from .checkins import MOODS
from .crisis import AlertView, CrisisService, most_urgent_first
from .errors import NotFound
from .members import to_view
from .presence import Presence
from .spoons import SpoonService, local_day, spoons_today
from .views import MemberView

log = logging.getLogger("safespace.wellbeing")

SEEN_BY_SENIORS = ("group", "seniors")  # never "me"
STRUGGLING_SPOONS = 2
RECHECK_SECONDS = 60.0  # the clock moves people into "gone quiet" and a new day clears "today"


@dataclass(frozen=True)
class Struggling:
    member_id: int
    handle: str
    name: str
    reasons: tuple[str, ...]  # "1 spoon", "low energy", "mood 1 struggling", "warning signs"
    checkin_id: int | None  # today's check-in senior members may see, if any


@dataclass(frozen=True)
class GoneQuiet:
    member_id: int
    handle: str
    name: str
    days: int  # whole days without a message or a check-in senior members may see
    last_seen: datetime | None  # UTC, when their last session closed; None: not since we kept it
    online: bool


@dataclass(frozen=True)
class SeniorHere:
    member_id: int
    name: str
    online: bool
    on_call: bool


@dataclass(frozen=True)
class Overview:
    """What the monitoring pane and the status bar's summary show; the same for every senior."""

    alerts: tuple[AlertView, ...] = ()
    struggling: tuple[Struggling, ...] = ()
    quiet: tuple[GoneQuiet, ...] = ()
    seniors: tuple[SeniorHere, ...] = ()
    quiet_days: int = 3

    @property
    def waiting(self) -> int:
        """Open alerts nobody has taken yet."""
        return sum(1 for alert in self.alerts if not alert.is_acknowledged)


@dataclass(frozen=True)
class SharedCheckIn:
    """A member's latest check-in as senior members may see it (never an "only me" one)."""

    member_name: str
    day: date
    spoons: int
    mood: int
    sleep: str
    needs: tuple[str, ...]
    warning_signs: str
    win: str
    note: str
    visibility: str


def _require_senior(actor: MemberView) -> None:
    if not actor.is_senior:
        raise NotFound("That is kept for senior members.")


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """SQLite's MAX of a datetime is its text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _reasons(member: MemberView, checkin: CheckIn | None, now: datetime, spoons_max: int) -> tuple[str, ...]:
    reasons = []
    spoons = spoons_today(member, now, spoons_max)
    if spoons is not None and spoons <= STRUGGLING_SPOONS:
        reasons.append(f"{spoons} spoon{'' if spoons == 1 else 's'}")
    if member.status == "low":
        reasons.append("low energy")
    if checkin is not None and checkin.mood <= 2:
        reasons.append(f"mood {checkin.mood} {MOODS[checkin.mood]}")
    if checkin is not None and checkin.warning_signs:
        reasons.append("warning signs")
    return tuple(reasons)


def _picture(now: datetime, online: set[int], seniors_online: set[int], quiet_days: int, spoons_max: int) -> Overview:
    """Everything but the alerts, in one read (a reader thread)."""
    members = list(Member.select().where(Member.removed_at.is_null()).order_by(Member.handle))
    timezones = {member.id: member.timezone for member in members}
    today_checkins = {
        row.member_id: row
        for row in CheckIn.select().where(
            CheckIn.day >= now.date() - timedelta(days=1), CheckIn.visibility.in_(SEEN_BY_SENIORS)
        )
        if row.member_id in timezones and row.day == local_day(timezones[row.member_id], now)
    }
    last_checkin = dict(
        tuples(
            CheckIn.select(CheckIn.member, fn.MAX(CheckIn.day))
            .where(CheckIn.visibility.in_(SEEN_BY_SENIORS))
            .group_by(CheckIn.member)
        )
    )
    last_message = dict(
        tuples(
            Message.select(Message.author, fn.MAX(Message.created_at))
            # check-in cards count through their check-in (an "only me" one's warning signs are a
            # message for senior members, but the check-in still never counts)
            .where(Message.visibility.in_(SEEN_BY_SENIORS), Message.kind != "checkin")
            .group_by(Message.author)
        )
    )
    on_call = {row.member_id for row in CareSettings.select().where(CareSettings.on_call == True)}  # noqa: E712
    struggling, quiet, seniors = [], [], []
    for row in members:
        member = to_view(row)
        checkin = today_checkins.get(member.id)
        reasons = _reasons(member, checkin, now, spoons_max)
        if reasons:
            struggling.append(
                Struggling(member.id, member.handle, member.display_name, reasons, checkin.id if checkin else None)
            )
        days = _days_quiet(row, _as_date(last_checkin.get(row.id)), _as_datetime(last_message.get(row.id)), now)
        if days >= quiet_days:
            quiet.append(
                GoneQuiet(member.id, member.handle, member.display_name, days, row.last_seen_at, member.id in online)
            )
        if member.is_senior and (member.id in seniors_online or member.id in on_call):
            here = member.id in seniors_online
            seniors.append(SeniorHere(member.id, member.display_name, here, member.id in on_call))
    quiet.sort(key=lambda q: (-q.days, q.handle))
    return Overview((), tuple(struggling), tuple(quiet), tuple(seniors), quiet_days)


def _days_quiet(member: Member, checkin_day: date | None, message_at: datetime | None, now: datetime) -> int:
    """Whole days, in the member's own calendar, since they last said anything seniors could see
    (joining counts as saying something: someone new has not gone quiet)."""
    today = local_day(member.timezone, now)
    last = local_day(member.timezone, member.created_at.replace(tzinfo=UTC))
    if message_at is not None:
        last = max(last, local_day(member.timezone, message_at.replace(tzinfo=UTC)))
    if checkin_day is not None:
        last = max(last, checkin_day)
    return (today - last).days


class WellbeingService:
    def __init__(
        self,
        config: Config,
        store: Store,
        hub: Hub,
        presence: Presence,
        crisis: CrisisService,
        spoons: SpoonService,
    ) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = presence
        self.crisis = crisis
        self.spoons = spoons  # its clock is the day's clock (settable in tests)
        self._latest: Overview | None = None
        self._stale = True
        self._task: asyncio.Task | None = None
        self._again = False
        self._quiet_ids: frozenset[int] = frozenset()
        self._channels: set[int] = set()
        self._timer: asyncio.TimerHandle | None = None
        for topic in (ALERTS, MEMBERS, PRESENCE, ON_CALL):
            hub.subscribe(topic, lambda _event: self.changed())

    # -- who may watch -----------------------------------------------------------------------
    def topic_for(self, actor: MemberView) -> str:
        """The hub topic of the overview: senior members and admins only (NotFound otherwise)."""
        _require_senior(actor)
        return WELLBEING

    async def overview(self, actor: MemberView) -> Overview:
        """The overview now (the last one computed, if nothing changed since)."""
        _require_senior(actor)
        await self._follow_channels()
        self._keep_checking()
        if self._stale or self._latest is None:
            await self._recompute(publish=False)
        assert self._latest is not None
        return self._latest

    # -- what changes it ---------------------------------------------------------------------
    def changed(self) -> None:
        """Something that may change the picture happened: recompute soon (coalesced), if watched."""
        self._stale = True
        if self.hub.subscriber_count(WELLBEING) == 0:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # told from outside the server's loop: the next read recomputes (stale)
            return
        self._task = loop.create_task(self._recompute_until_settled())

    def _message_posted(self, event: object) -> None:
        """An ordinary message: only a quiet member speaking changes the picture (a set lookup)."""
        if (
            isinstance(event, MessagePosted)
            and event.message.author_id in self._quiet_ids
            and event.message.visibility in SEEN_BY_SENIORS
        ):
            self.changed()

    async def _follow_channels(self) -> None:
        ids = await self.store.read(lambda: [c.id for c in Channel.select(Channel.id)])
        for channel_id in ids:
            if channel_id not in self._channels:
                self._channels.add(channel_id)
                self.hub.subscribe(channel_topic(channel_id), self._message_posted)

    def _keep_checking(self) -> None:
        """While any senior watches, look again every minute: time alone moves people in and out."""
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(RECHECK_SECONDS, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.hub.subscriber_count(WELLBEING):
            self.changed()
            self._keep_checking()

    async def _recompute_until_settled(self) -> None:
        try:
            while True:
                self._again = False
                await self._recompute(publish=True)
                if not self._again:
                    return
        except Exception:
            log.exception("the seniors' overview could not be computed")

    async def _recompute(self, *, publish: bool) -> None:
        self._stale = False
        now = self.spoons.clock()
        online, seniors = self.presence.online_ids(), self.presence.online_seniors()
        config = self.config
        picture = await self.store.read(_picture, now, online, seniors, config.quiet_after_days, config.spoons_max)
        alerts = most_urgent_first(await self.crisis.admin_list(open_only=True))
        overview = Overview(tuple(alerts), picture.struggling, picture.quiet, picture.seniors, picture.quiet_days)
        self._quiet_ids = frozenset(q.member_id for q in overview.quiet)
        if overview != self._latest:
            self._latest = overview
            if publish:
                self.hub.publish(WELLBEING, overview)

    # -- acting from the pane ------------------------------------------------------------------
    async def latest_checkin(self, actor: MemberView, member_id: int) -> SharedCheckIn | None:
        """A member's newest check-in senior members may see (recorded in the audit log)."""
        _require_senior(actor)

        def write() -> SharedCheckIn | None:
            row = (
                CheckIn.select(CheckIn, Member)
                .join(Member)
                .where(CheckIn.member == member_id, CheckIn.visibility.in_(SEEN_BY_SENIORS))
                .order_by(CheckIn.day.desc())
                .first()
            )
            if row is None:
                return None
            record(actor.id, "checkin.read", subject_id=member_id, detail="from the monitoring pane")
            member = to_view(row.member)
            needs = tuple(n for n in row.needs.split(",") if n)
            return SharedCheckIn(
                member.display_name,
                row.day,
                row.spoons,
                row.mood,
                row.sleep,
                needs,
                clean_for_display(row.warning_signs, multiline=False),
                clean_for_display(row.win, multiline=False),
                clean_for_display(row.note, multiline=False),
                row.visibility,
            )

        return await self.store.write(write)

    # -- the senior's own choice -----------------------------------------------------------------
    async def docked(self, actor: MemberView) -> bool:
        """Whether this senior keeps the pane docked beside the conversation (remembered)."""
        _require_senior(actor)

        def query() -> bool:
            row = WatchSetting.get_or_none(WatchSetting.member == actor.id)
            return bool(row and row.docked)

        return await self.store.read(query)

    async def set_docked(self, actor: MemberView, docked: bool) -> bool:
        _require_senior(actor)

        def write() -> bool:
            WatchSetting.insert(member=actor.id, docked=docked).on_conflict(
                conflict_target=[WatchSetting.member], update={WatchSetting.docked: docked}
            ).execute()
            return docked

        return await self.store.write(write)
