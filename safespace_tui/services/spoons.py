"""Spoons: how much energy a member has today, in the charter's own language.

A member's day is their *local* day (from the timezone they set). The first time
we see a member on a new local day, their spoons start again from the value they
chose (``spoons_start``). Every change is logged (SpoonLog) so a member can look
back over their own weeks; nobody else can read the log.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from ..hub import MEMBERS, Hub
from ..store.db import Store
from ..store.models import CheckIn, Member, SpoonLog
from .errors import Invalid
from .members import to_view
from .views import MemberView

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The member's zone; UTC if the stored name cannot be used (never raises)."""
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - a stored name may fail as ValueError, KeyError or TypeError: all mean UTC
        return ZoneInfo("UTC")


def local_day(timezone: str, now: datetime) -> date:
    """The calendar day it is for someone in ``timezone`` at the aware moment ``now``."""
    return now.astimezone(zone(timezone)).date()


def spoons_today(member: MemberView, now: datetime | None = None, spoons_max: int | None = None) -> int | None:
    """Today's spoons as others should see them, or None if the member has not set any today."""
    now = now or utc_clock()
    if member.spoons_day is None or member.spoons_day != local_day(member.timezone, now):
        return None
    return member.spoons if spoons_max is None else max(0, min(member.spoons, spoons_max))


_ZONE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """lower-case name -> canonical name, for every IANA zone we know (read once, ~0.1 s)."""
    return {name.lower(): name for name in available_timezones()}


def validate_timezone(name: str) -> str:
    """The canonical IANA name (``europe/london`` -> ``Europe/London``), or raise Invalid. Blocking: run in a thread."""
    name = name.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    canonical = _zone_names().get(name.lower()) if _ZONE_SHAPE.match(name) else None
    if canonical is None:
        raise Invalid(
            "I don't know that timezone. Please use a name like Europe/London, America/Chicago "
            "or Australia/Sydney (Area/City)."
        )
    ZoneInfo(canonical)  # loads; proven to exist above
    return canonical


@dataclass(frozen=True)
class DayRecord:
    """One day in a member's own history: spoons at the end of it and mood from the check-in."""

    day: date
    spoons: int | None
    mood: int | None


class SpoonService:
    def __init__(self, store: Store, hub: Hub, spoons_max: int = 12, clock: Clock = utc_clock) -> None:
        self.store = store
        self.hub = hub
        self.spoons_max = max(1, spoons_max)
        self.clock = clock

    def today(self, member: MemberView) -> date:
        return local_day(member.timezone, self.clock())

    def clamp(self, value: int) -> int:
        return max(0, min(int(value), self.spoons_max))

    # -- inside a write transaction
    def member_row_for_today(self, member_id: int, now: datetime) -> Member:
        """The member row, with today's spoons reset to their starting value on a new local day.

        Inside a write transaction; any service writing about a member's day (a check-in) starts here.
        """
        member = Member.get_by_id(member_id)
        today = local_day(member.timezone, now)
        if member.spoons_day != today:
            member.spoons = self.clamp(member.spoons_start)
            member.spoons_day = today
            member.save()
            SpoonLog.create(
                member=member,
                at=now.astimezone(UTC).replace(tzinfo=None),
                day=today,
                spoons=member.spoons,
                delta=0,
                reason="reset",
            )
        return member

    def _apply(
        self, member_id: int, now: datetime, new_value: int | None, delta: int, reason: str
    ) -> tuple[MemberView, bool]:
        day_before = Member.get_by_id(member_id).spoons_day
        member = self.member_row_for_today(member_id, now)
        before = member.spoons
        after = self.clamp(new_value if new_value is not None else before + delta)
        if after != before:
            member.spoons = after
            member.save()
            SpoonLog.create(
                member=member,
                at=now.astimezone(UTC).replace(tzinfo=None),
                day=member.spoons_day,
                spoons=after,
                delta=after - before,
                reason=reason,
            )
        return to_view(member), after != before or member.spoons_day != day_before

    async def _change(self, actor: MemberView, new_value: int | None, delta: int, reason: str) -> MemberView:
        now = self.clock()
        view, changed = await self.store.write(self._apply, actor.id, now, new_value, delta, reason)
        if changed:  # a new value, or a new day: everyone sees today's meter
            self.hub.publish(MEMBERS, view)
        return view

    # -- what a member may do with their own spoons
    async def ensure_today(self, actor: MemberView) -> MemberView:
        """Start a new local day if one has begun; publishes only when something changed."""
        now = self.clock()

        def write() -> tuple[MemberView, bool]:
            before = Member.get_by_id(actor.id).spoons_day
            member = self.member_row_for_today(actor.id, now)
            return to_view(member), member.spoons_day != before

        view, changed = await self.store.write(write)
        if changed:
            self.hub.publish(MEMBERS, view)
        return view

    async def set(self, actor: MemberView, value: int) -> MemberView:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"Spoons are a whole number from 0 to {self.spoons_max}.")
        if not 0 <= value <= self.spoons_max:
            raise Invalid(f"Spoons go from 0 to {self.spoons_max}. Any number in between is fine.")
        return await self._change(actor, value, 0, "set")

    async def spend(self, actor: MemberView, count: int = 1) -> MemberView:
        return await self._change(actor, None, -abs(count), "spend")

    async def regain(self, actor: MemberView, count: int = 1) -> MemberView:
        return await self._change(actor, None, abs(count), "regain")

    async def set_start(self, actor: MemberView, value: int) -> MemberView:
        """The number each new day starts with. Today's meter is left as it is."""
        if not isinstance(value, int) or not 0 <= value <= self.spoons_max:
            raise Invalid(f"A day can start with 0 to {self.spoons_max} spoons.")

        def write() -> MemberView:
            member = Member.get_by_id(actor.id)
            member.spoons_start = value
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    async def set_timezone(self, actor: MemberView, name: str) -> MemberView:
        """Validate against the IANA zone list; the member's day follows it from now on."""
        canonical = await asyncio.to_thread(validate_timezone, name)
        now = self.clock()

        def write() -> MemberView:
            member = Member.get_by_id(actor.id)
            member.timezone = canonical
            member.save()
            return to_view(self.member_row_for_today(actor.id, now))

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    # -- looking back (only ever one's own days)
    async def days(self, actor: MemberView, count: int = 28) -> list[DayRecord]:
        """The last ``count`` local days, oldest first; a day with nothing logged has None values."""
        count = max(1, min(count, 400))
        end = self.today(actor)
        start = end - timedelta(days=count - 1)

        def query() -> list[DayRecord]:
            spoons: dict[date, int] = {}
            rows = (
                SpoonLog.select(SpoonLog.day, SpoonLog.spoons)
                .where(SpoonLog.member == actor.id, SpoonLog.day >= start, SpoonLog.day <= end)
                .order_by(SpoonLog.at, SpoonLog.id)
            )
            for row in rows:
                spoons[row.day] = row.spoons  # the last value of the day wins
            checkins = {
                c.day: c
                for c in CheckIn.select(CheckIn.day, CheckIn.mood, CheckIn.spoons).where(
                    CheckIn.member == actor.id, CheckIn.day >= start, CheckIn.day <= end
                )
            }
            result = []
            for offset in range(count):
                day = start + timedelta(days=offset)
                checkin = checkins.get(day)
                value = spoons.get(day, checkin.spoons if checkin else None)
                result.append(DayRecord(day, value, checkin.mood if checkin else None))
            return result

        return await self.store.read(query)
