"""A member's day inside the app: a part of the session controller (``tui/session.py``).

Status, spoons, the daily check-in, my days, stepping away. The slash commands and keys
for them are in the one command table (``safespace_tui/commands.py``); this part opens
the dialogs they need and acts on what the member chose. All rules live in services/.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from .. import commands
from ..services.away import SteppedAway, parse_until
from ..services.channels import LIVING_ROOM
from ..services.checkins import CheckInDraft, CheckInSaved
from ..services.spoons import local_day
from .messages import Refused
from .screens.checkin import CheckInScreen, Yesterday
from .screens.day_history import HistoryScreen
from .screens.status_menu import MenuAction, RechargeOffer, StatusMenu
from .screens.step_away import StepAwayScreen
from .session_part import SessionPart

log = logging.getLogger("safespace.tui")

DAY_CHECK_SECONDS = 60.0
SHARED_WITH = {"group": "", "seniors": " Senior members can see it.", "me": " Only you can see it."}


class MyDay(SessionPart):
    # -- the day itself -------------------------------------------------------------------------
    def start(self) -> None:
        """At session start: begin today's spoons if a new local day began, then check each minute."""
        self.app.run_worker(self._begin_day(greet=True), group="day", exclusive=True)
        self.app.set_interval(DAY_CHECK_SECONDS, self._day_tick, name="day-check")

    def _day_tick(self) -> None:
        if self.member.spoons_day != local_day(self.member.timezone, self.services.spoons.clock()):
            self.app.run_worker(self._begin_day(greet=False), group="day", exclusive=True)

    async def _begin_day(self, greet: bool) -> None:
        try:
            view = await self.services.spoons.ensure_today(self.member)
        except Exception:
            log.exception("could not start the day for member %s", self.member.id)
            return
        self.session.member_changed(view)
        if greet and view.status == "away":
            until = f" until {view.away_until:%a} {view.away_until.day} {view.away_until:%b}" if view.away_until else ""
            self.session.tell(f"Welcome. You're marked away{until}. Type /back whenever you'd like to be here again.")

    # -- status and spoons ------------------------------------------------------------------------
    def open_status_menu(self) -> None:
        if not isinstance(self.app.screen, StatusMenu):
            self.app.push_screen(StatusMenu(self.member.status), self._status_chosen)

    async def _status_chosen(self, choice: str | MenuAction | None) -> None:
        if choice is MenuAction.STEP_AWAY:
            self.open_step_away("")
        elif choice is MenuAction.BACK:
            await self.session.run_key("back", "")
        elif isinstance(choice, str):
            await self.session.told(commands.set_status(self.session, choice))

    def offer_recharge(self) -> None:
        self.app.push_screen(RechargeOffer(), self._recharge_answered)

    async def _recharge_answered(self, recharge: bool | None) -> None:
        if recharge:
            await self.session.told(commands.set_status(self.session, "recharging"))

    async def spoon_key(self, delta: int) -> None:
        """A click on the meter's [-] or [+]: the same as F8 / F9."""
        await commands.change_spoons(self.session, delta)

    # -- the check-in -----------------------------------------------------------------------------
    async def open_checkin(self, *, yesterday: bool) -> None:
        if isinstance(self.app.screen, CheckInScreen):
            return
        checkins = self.services.checkins
        member = await self.services.spoons.ensure_today(self.member)
        self.session.member_changed(member)
        today = member.spoons_day or local_day(member.timezone, self.services.spoons.clock())
        day = today - timedelta(days=1) if yesterday else today
        existing = await checkins.get(member, day)
        if existing is not None and not existing.editable:
            self.session.tell("Yesterday's check-in is already there, and stays as it was. Today is a fresh page.")
            return
        earlier = None if yesterday else await checkins.get(member, today - timedelta(days=1))
        form = CheckInScreen(
            day=day,
            today=today,
            spoons=member.spoons,
            spoons_max=self.services.config.spoons_max,
            existing=existing,
            reflection=await checkins.reflection(member),
            can_backfill=not yesterday and earlier is None,
            save=self._save_checkin,
        )
        self.app.push_screen(form, self._checkin_done)

    async def _save_checkin(self, draft: CheckInDraft) -> CheckInSaved | Refused:
        """The form's save: the saved check-in, or why not (the form shows the words in place)."""
        return await self.session.told(self.services.checkins.save(self.member, draft), quietly=True)

    async def _checkin_done(self, result: CheckInSaved | Yesterday | None) -> None:
        if isinstance(result, Yesterday):
            await self.open_checkin(yesterday=True)
            return
        if result is None:
            return
        self.session.member_changed(result.member)
        thanks = "Thank you for checking in." if result.created else "Your check-in is updated."
        try:
            streak = (await self.services.checkins.reflection(self.member)).streak
        except Exception:
            log.exception("could not read the streak of member %s", self.member.id)
            streak = 0
        self.session.tell(
            f"{thanks}{SHARED_WITH[result.checkin.visibility]}" + (f" {streak} days in a row." if streak >= 2 else "")
        )

    # -- looking back -----------------------------------------------------------------------------
    async def open_history(self) -> None:
        if isinstance(self.app.screen, HistoryScreen):
            return
        member = self.member
        days = await self.services.spoons.days(member, 28)
        today = days[-1].day
        moods = await self.services.checkins.moods(member, today.replace(day=1), today)
        self.app.push_screen(
            HistoryScreen(
                days=days,
                moods=moods,
                today=today,
                spoons_max=self.services.config.spoons_max,
                reflection=await self.services.checkins.reflection(member),
                moods_of=self._moods_of,
            )
        )

    async def _moods_of(self, first: date, last: date) -> dict[date, int]:
        return await self.services.checkins.moods(self.member, first, last)

    # -- stepping away ----------------------------------------------------------------------------
    def open_step_away(self, note: str) -> None:
        if not isinstance(self.app.screen, StepAwayScreen):
            self.app.push_screen(StepAwayScreen(note=note, step_away=self._step_away), self._stepped_away)

    async def _step_away(self, *, leaving: bool, until: str, note: str, line: str = "leaving") -> SteppedAway | Refused:
        """The dialog's confirm: what happened, or why not (the dialog shows the words in place)."""

        async def step() -> SteppedAway:
            day = None if leaving else parse_until(until, self.services.away.today(self.member))
            return await self.services.away.step_away(self.member, leaving=leaving, until=day, note=note, line=line)

        return await self.session.told(step(), quietly=True)

    def _stepped_away(self, result: SteppedAway | None) -> None:
        if result is None:
            return
        self.session.member_changed(result.member)
        if result.member.away_until is None and result.member.status_note.startswith("left"):
            self.session.tell(
                f"Your note is in #{LIVING_ROOM}. Take good care of yourself; the door stays open.", timeout=12
            )
        else:
            self.session.tell(
                f"Your note is in #{LIVING_ROOM}, and your status is away. Type /back when you're here again."
            )
