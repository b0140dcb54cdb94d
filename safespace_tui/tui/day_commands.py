"""A member's day inside the app: status, spoons, the check-in, stepping away (issue 4).

``DayCommands`` is mixed into ``SafeSpaceApp``. It holds the slash commands
(``command_<name>``, dispatched by MainScreen.run_command), the actions behind the
keys in ``DAY_BINDINGS`` (F5-F9, shown in the footer; function keys reach the app
over SSH through XTermParser and never collide with typing in the message box),
and the handlers for clicks on the bottom bar. All rules live in services/; this
module only asks and shows.

The rule for bells and pop-ups is not here: it is ``SafeSpaceApp.may_interrupt``.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from textual.binding import Binding

from ..services.checkins import CheckInSaved
from ..services.errors import TOLD_ERRORS
from ..services.spoons import local_day, zone
from ..services.views import MemberView, MessageView
from .presence_style import STATUS_STYLE
from .screens.checkin import CheckInScreen
from .screens.day_history import HistoryScreen
from .screens.quiet_members import QuietMembersScreen
from .screens.status_menu import BACK, STEP_AWAY, RechargeOffer, StatusMenu
from .screens.step_away import StepAwayScreen
from .widgets.spoon_meter import SpoonMeter
from .widgets.status_bar import StatusBar

log = logging.getLogger("safespace.tui")

# F1 is help and F2-F4 and Ctrl+S are crisis care (tui/crisis_care.py); these follow them.
STATUS_KEY, CHECKIN_KEY, HISTORY_KEY, SPEND_KEY, REGAIN_KEY = "f5", "f6", "f7", "f8", "f9"
# priority: TextArea binds F6/F7 (select line/all), and these must work over any widget.
DAY_BINDINGS = [
    Binding(STATUS_KEY, "status_menu", "Status", priority=True),
    Binding(CHECKIN_KEY, "checkin", "Check-in", priority=True),
    Binding(HISTORY_KEY, "history", "My days", priority=True),
    Binding(SPEND_KEY, "spend_spoon", "-spoon", priority=True),
    Binding(REGAIN_KEY, "regain_spoon", "+spoon", priority=True),
]

# what a member may type after /status, and what it means
STATUS_WORDS = {
    "available": "available",
    "here": "available",
    "ok": "available",
    "low": "low",
    "low-energy": "low",
    "recharging": "recharging",
    "recharge": "recharging",
    "dnd": "recharging",
    "quiet": "recharging",
    "away": "away",
}

DAY_CHECK_SECONDS = 60.0


def mentions(body: str, handle: str) -> bool:
    """``@handle`` as a word (``@ann.`` at the end of a sentence counts; ``@anna`` does not)."""
    pattern = r"(?<![\w@])@" + re.escape(handle) + r"(?![a-z0-9_-])(?!\.[a-z0-9])"
    return re.search(pattern, body, re.IGNORECASE) is not None


def status_words(status: str) -> str:
    symbol, _colour, words = STATUS_STYLE.get(status, STATUS_STYLE["available"])
    return f"{symbol} {words}"


class DayCommands:
    """Mixed into SafeSpaceApp (which provides member, services, tell, interrupt, member_changed)."""

    member: MemberView

    # -- the day itself
    def start_day(self) -> None:
        """At session start: begin today's spoons if a new local day began, then check each minute."""
        self.run_worker(self._begin_day(greet=True), group="day", exclusive=True)
        self.set_interval(DAY_CHECK_SECONDS, self._day_tick, name="day-check")

    def _day_tick(self) -> None:
        today = local_day(self.member.timezone, self.services.spoons.clock())
        if self.member.spoons_day != today:
            self.run_worker(self._begin_day(greet=False), group="day", exclusive=True)

    async def _begin_day(self, greet: bool) -> None:
        try:
            view = await self.services.spoons.ensure_today(self.member)
        except Exception:
            log.exception("could not start the day for member %s", self.member.id)
            return
        self.member_changed(view)
        if greet and view.status == "away":
            until = f" until {view.away_until:%a} {view.away_until.day} {view.away_until:%b}" if view.away_until else ""
            self.tell(f"Welcome. You're marked away{until}. Type /back whenever you'd like to be here again.")

    def heard(self, message: MessageView) -> None:
        """A message this member may see has arrived: ring and pop up only if it is for them."""
        if message.author_id == self.member.id or not mentions(message.body, self.member.handle):
            return
        self.interrupt("mention", f"{message.author_name} mentioned you{self._where(message.channel_id)}.", timeout=6)

    def _where(self, channel_id: int) -> str:
        from .widgets.channel_list import ChannelList

        for screen in self.screen_stack:
            for channels in screen.query(ChannelList):
                for channel in channels.channels:
                    if channel.id == channel_id:
                        return f" in #{channel.name}"
        return ""

    # -- status
    async def command_status(self, argument: str) -> bool:
        """/status [available|low|recharging|away] [note]; without a word, the menu."""
        if not argument:
            self.action_status_menu()
            return True
        word, _, note = argument.partition(" ")
        if word.lower() == "low" and note.lower().startswith("energy"):
            note = note[6:].strip()
        status = STATUS_WORDS.get(word.lower())
        if status is None:
            self.tell("Status can be available, low, recharging or away. For example: /status low", severity="warning")
            return False
        await self.set_status(status, note)
        return True

    async def set_status(self, status: str, note: str = "") -> None:
        view = await self.services.members.set_status(self.member, status, note)
        self.member_changed(view)
        if status == "recharging":
            self.tell(f"You're {status_words(status)}. It's quiet now: no bells or pop-ups until you change it.")
        else:
            self.tell(f"Your status: {status_words(status)}.")

    def action_status_menu(self) -> None:
        if isinstance(self.screen, StatusMenu):
            return
        self.push_screen(StatusMenu(self.member.status), self._status_chosen)

    async def _status_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        try:
            if choice == STEP_AWAY:
                await self.command_away("")
            elif choice == BACK:
                await self.command_back("")
            else:
                await self.set_status(choice)
        except TOLD_ERRORS as error:
            self.tell(error.message, severity="warning")

    def on_status_bar_status_clicked(self, message: StatusBar.StatusClicked) -> None:
        self.action_status_menu()

    # -- spoons
    async def command_spoons(self, argument: str) -> bool:
        """/spoons N, /spoons +1, /spoons -2, /spoons start N; without a number, what you have."""
        maximum = self.services.config.spoons_max
        words = argument.split()
        if not words:
            self.tell(
                f"You have {self.member.spoons} of {maximum} spoons today. /spoons N sets them, F8 and F9 spend or "
                f"regain one, and /spoons start N sets how many each day begins with (now {self.member.spoons_start})."
            )
            return True
        if words[0].lower() == "start" and len(words) == 2 and words[1].isdigit():
            view = await self.services.spoons.set_start(self.member, int(words[1]))
            self.member_changed(view)
            self.tell(f"Each new day will start with {view.spoons_start} spoons.")
            return True
        number = words[0]
        if len(words) == 1 and re.fullmatch(r"[+-]?\d{1,3}", number):
            if number[0] in "+-":
                change = int(number)
                await self._change_spoons(
                    self.services.spoons.regain(self.member, change)
                    if change > 0
                    else self.services.spoons.spend(self.member, -change)
                )
            else:
                await self._change_spoons(self.services.spoons.set(self.member, int(number)))
            return True
        self.tell(f"For spoons, give a number from 0 to {maximum}: for example /spoons 6, or /spoons -1.", severity="warning")
        return False

    async def _change_spoons(self, change) -> None:
        before = self.member.spoons
        view = await change
        self.member_changed(view)
        if before > 0 and view.spoons == 0 and view.status not in ("recharging", "away"):
            self.push_screen(RechargeOffer(), self._recharge_offer_answered)

    async def _recharge_offer_answered(self, recharge: bool | None) -> None:
        if recharge:
            try:
                await self.set_status("recharging")
            except TOLD_ERRORS as error:
                self.tell(error.message, severity="warning")

    async def _spoon_key(self, delta: int) -> None:
        spoons = self.services.spoons
        try:
            await self._change_spoons(spoons.regain(self.member) if delta > 0 else spoons.spend(self.member))
        except TOLD_ERRORS as error:
            self.tell(error.message, severity="warning")

    async def action_spend_spoon(self) -> None:
        await self._spoon_key(-1)

    async def action_regain_spoon(self) -> None:
        await self._spoon_key(+1)

    async def on_spoon_meter_nudge(self, message: SpoonMeter.Nudge) -> None:
        await self._spoon_key(message.delta)

    async def command_timezone(self, argument: str) -> bool:
        """/timezone Area/City: your day (and when spoons start again) follows it."""
        if not argument:
            self.tell(f"Your day follows {self.member.timezone}. Change it with /timezone Area/City, e.g. /timezone Europe/London.")
            return True
        view = await self.services.spoons.set_timezone(self.member, argument)
        self.member_changed(view)
        now = self.services.spoons.clock().astimezone(zone(view.timezone))
        self.tell(f"Your day now follows {view.timezone} (it's {now:%H:%M} there).")
        return True

    # -- the check-in
    async def command_checkin(self, argument: str) -> bool:
        """/checkin for today, /checkin yesterday to fill in a missed day."""
        word = argument.strip().lower()
        if word not in ("", "today", "yesterday"):
            self.tell("/checkin opens today's check-in; /checkin yesterday fills in yesterday.", severity="warning")
            return False
        await self.open_checkin(yesterday=word == "yesterday")
        return True

    async def open_checkin(self, yesterday: bool = False) -> None:
        if isinstance(self.screen, CheckInScreen):
            return
        checkins = self.services.checkins
        member = await self.services.spoons.ensure_today(self.member)
        self.member_changed(member)
        today = member.spoons_day or local_day(member.timezone, self.services.spoons.clock())
        day = today - timedelta(days=1) if yesterday else today
        existing = await checkins.get(member, day)
        if existing is not None and not existing.editable:
            self.tell("Yesterday's check-in is already there, and stays as it was. Today is a fresh page.")
            return
        earlier = None if yesterday else await checkins.get(member, today - timedelta(days=1))
        self.push_screen(
            CheckInScreen(
                day=day,
                today=today,
                spoons=member.spoons,
                spoons_max=self.services.config.spoons_max,
                existing=existing,
                reflection=await checkins.reflection(member),
                can_backfill=not yesterday and earlier is None,
            ),
            self._checkin_done,
        )

    async def _checkin_done(self, result) -> None:
        if result == "yesterday":
            await self.open_checkin(yesterday=True)
            return
        if not isinstance(result, CheckInSaved):
            return
        self.member_changed(result.member)
        who = {"group": "", "seniors": " Senior members can see it.", "me": " Only you can see it."}[result.checkin.visibility]
        thanks = "Thank you for checking in." if result.created else "Your check-in is updated."
        try:
            streak = (await self.services.checkins.reflection(self.member)).streak
        except Exception:
            log.exception("could not read the streak of member %s", self.member.id)
            streak = 0
        self.tell(f"{thanks}{who}" + (f" {streak} days in a row." if streak >= 2 else ""))

    async def action_checkin(self) -> None:
        await self.open_checkin()

    # -- looking back
    async def command_history(self, argument: str) -> bool:
        await self.open_history()
        return True

    async def open_history(self) -> None:
        if isinstance(self.screen, HistoryScreen):
            return
        member = self.member
        days = await self.services.spoons.days(member, 28)
        today = days[-1].day
        moods = await self.services.checkins.moods(member, today.replace(day=1), today)
        self.push_screen(
            HistoryScreen(
                days=days,
                moods=moods,
                today=today,
                spoons_max=self.services.config.spoons_max,
                reflection=await self.services.checkins.reflection(member),
            )
        )

    async def action_history(self) -> None:
        await self.open_history()

    # -- stepping away
    async def command_away(self, argument: str) -> bool:
        """/away [note]: choose 'for a while (until a date)' or 'leaving the group'."""
        if not isinstance(self.screen, StepAwayScreen):
            self.push_screen(StepAwayScreen(note=argument), self._stepped_away)
        return True

    def _stepped_away(self, result) -> None:
        if result is None:
            return
        self.member_changed(result.member)
        if result.member.away_until is None and result.member.status_note.startswith("left"):
            self.tell("Your note is in #living-room. Take good care of yourself; the door stays open.", timeout=12)
        else:
            self.tell("Your note is in #living-room, and your status is away. Type /back when you're here again.")

    async def command_back(self, argument: str) -> bool:
        result = await self.services.away.back(self.member)
        if result is None:
            self.tell("You're not marked away, so there's nothing to change.")
            return True
        self.member_changed(result.member)
        self.tell("Welcome back. The group can see you're here.")
        return True

    # -- for senior members
    async def command_quiet_members(self, argument: str) -> bool:
        """/quiet-members [N]: members with no check-in shared for N days (senior members only)."""
        argument = argument.strip() or "3"
        if not argument.isdigit():
            self.tell("Give a number of days, for example /quiet-members 3.", severity="warning")
            return False
        days = int(argument)
        quiet = await self.services.checkins.quiet_members(self.member, days)
        self.push_screen(QuietMembersScreen(quiet, days))
        return True
