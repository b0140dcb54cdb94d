"""One member's line-mode session: the ``commands.Frontend`` for a plain stream of lines.

The full-screen app's controller (``tui/session.py``) answers commands with screens; this one
answers with lines, and a dialog becomes a short question-by-question dialogue on the same
input line (``ask``). Lines typed arrive one at a time from the SSH side (asyncssh's line
editor: the member's real cursor stays on the input line, and Up recalls what they entered).

Two tasks, so a dialogue never holds back an alert: ``run`` reads what the member types (and
the dialogues ask there), ``_events`` writes what the hub reports (messages, alerts), in order.
Everything written goes through ``render.plain``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from .. import commands
from .. import crisis_words as words
from ..commands import Severity
from ..commands_mediation import overview
from ..errors import TellMember
from ..hub import ALERTS, MEMBERS, channel_topic, member_topic
from ..services import Services
from ..services.away import parse_until
from ..services.channels import CRISIS_CHANNEL, WINS, MessageEdited, MessagePosted, may_see
from ..services.checkins import MOODS, NEEDS, SLEEP, VISIBILITY, CheckInDraft, QuietMember
from ..services.crisis import (
    AlertAcknowledged,
    AlertEscalated,
    AlertHanded,
    AlertRaised,
    AlertReopened,
    AlertResolved,
    AlertReturned,
    AlertView,
    AlertWithdrawn,
    MessageMoved,
    RaiseResult,
    WithdrawReason,
    has_sos_words,
)
from ..services.errors import NotFound
from ..services.mediation import MediationNotice
from ..services.moderation import ModerationNotice
from ..services.private_talk import TalkView, WordSaid
from ..services.reports import OUTCOME_WORDS, REPORTS, ReportChanged
from ..services.safety_plans import NO_PLAN, SafetyPlanView
from ..services.search import Found
from ..services.spoons import zone
from ..services.views import ChannelView, MemberView, MessageView, status_words
from . import render

log = logging.getLogger("safespace.line")

HISTORY_LINES = 15  # messages shown on joining a channel: enough to pick up the thread, few to listen to
# Lines waiting to be answered: above MOST_WAITING the SSH side stops reading (a paste of many lines
# waits in the client's SSH window, nothing is dropped), below FEW_WAITING it reads again.
MOST_WAITING = 32
FEW_WAITING = 4
RECALL = " Press Up to get your text back."
OUR_SIDE = "Something went wrong on our side with that line, and it may not have gone out." + RECALL
GREETING = (
    "Safe Space, line mode. Type to talk; /help lists the commands. "
    "/sos asks a senior member for help now; /crisis lists crisis lines. Ctrl+D leaves; "
    "Ctrl+X leaves at once and clears the window."
)
BAD_UTF8 = "Part of that line could not be read as text, so nothing was sent." + RECALL
LINE_KEYS = (
    "  //text sends a line that starts with a slash. Up and Down go through what you entered;\n"
    "  Left, Right, Home and End move in the line. Ctrl+D leaves; Ctrl+X leaves at once and clears the window."
)
STATUS_QUESTION = "How are you? Type available, low, recharging or away (Enter keeps it as it is)."


class Output(Protocol):
    """Where lines go: the SSH channel through its line editor (``ssh/line_channel.py``)."""

    def write(self, text: str) -> None: ...
    def bell(self) -> None: ...
    def close(self) -> None: ...
    def pause_input(self) -> None: ...
    def resume_input(self) -> None: ...


class _Closed(Exception):
    """The member left while a question was open."""


class LineSession:
    """One member's line-mode session (see the module docstring)."""

    def __init__(self, services: Services, member: MemberView, output: Output) -> None:
        self._services = services
        self._member = member
        self.output = output
        self.current: ChannelView | None = None
        self.channels: dict[int, ChannelView] = {}
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._events: asyncio.Queue[tuple[Callable[[Any], Awaitable[None] | None], Any]] = asyncio.Queue()
        self._dialogue: Callable[[], Awaitable[None]] | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._shown: set[int] = set()  # own messages written already (at once, before the fan-out)
        # whether each waiting line came behind others (a paste of lines): flood control counts a
        # paste once (services/flood.py); ``_continuing`` is the current line's
        self._behind: collections.deque[bool] = collections.deque()
        self._continuing = False
        self._folded: list[MessageView] = []  # written folded for this member (issue 11); /show opens them
        self._closed = False
        self._paused = False  # the SSH side stopped reading: many lines are waiting

    # -- who, and with what (commands.Frontend) -------------------------------------------------
    @property
    def member(self) -> MemberView:
        return self._member

    @property
    def services(self) -> Services:
        return self._services

    # -- lifetime -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Greet, load, then answer each line until the member leaves (or the session is closed)."""
        events = asyncio.create_task(self._write_events(), name=f"line-events-{self.member.id}")
        try:
            await self._start()
            while (line := await self._next_line()) is not None:
                try:
                    await self.entered(line)
                except _Closed:
                    raise
                except Exception:  # a fault of ours in one line must not end the member's session
                    log.exception("line session of member %s: a line failed", self.member.id)
                    self.write(OUR_SIDE)
        except _Closed:
            pass
        finally:
            self.stop()
            events.cancel()

    def received(self, line: str) -> None:
        """A line the member entered (from the SSH side, without its newline)."""
        if not self._closed:
            self._behind.append(not self._lines.empty())
            self._lines.put_nowait(line)
            if self._lines.qsize() == MOST_WAITING:
                self._paused = True
                self.output.pause_input()

    async def _next_line(self) -> str | None:
        """The next line entered (None: the session ends); reading resumes once few are waiting."""
        line = await self._lines.get()
        self._continuing = self._behind.popleft() if self._behind else False
        if self._paused and self._lines.qsize() <= FEW_WAITING:
            self._paused = False
            self.output.resume_input()
        return line

    def stop(self) -> None:
        """End the session: no more lines, no more events."""
        if self._closed:
            return
        self._closed = True
        self._lines.put_nowait(None)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def listen(self, topic: str, handler: Callable[[Any], Awaitable[None] | None]) -> None:
        """Hub events are written by this session's own events task, in the order they came."""
        self._unsubscribe.append(
            self.services.hub.subscribe(topic, lambda event: self._events.put_nowait((handler, event)))
        )

    async def _write_events(self) -> None:
        while True:
            handler, event = await self._events.get()
            if self._closed:
                continue
            try:
                answer = handler(event)
                if answer is not None:
                    await answer
            except Exception:  # one event that fails must not end the session
                log.exception("line session of member %s: an event failed", self.member.id)

    async def _start(self) -> None:
        services, member = self.services, self.member
        self.listen(ALERTS, self._alert_event)
        self.listen(member_topic(member.id), self._personal_event)
        self.listen(member_topic(member.id), self._report_decided)
        self.listen(member_topic(member.id), self._moderated)
        self.listen(member_topic(member.id), self._mediation_told)
        if member.is_senior:
            self.listen(REPORTS, self._report_waiting)
        self.listen(MEMBERS, self._member_event)
        self.write(GREETING)
        await services.boundaries.load(member)  # what arrives folded for this member (issue 11)
        try:
            self.member_changed(await services.spoons.ensure_today(member))
        except Exception:  # today's spoons can wait; the session goes on
            log.exception("could not start the day for member %s", member.id)
        channels = await services.channels.list_for(member)
        self.channels = {c.id: c for c in channels}
        for channel in channels:
            self.listen(channel_topic(channel.id), self._channel_event)
        if member.status == "away":
            self.write("You're marked away. Type /back whenever you'd like to be here again.")
        if channels and self.current is None:
            await self.join_channel(channels[0])
        for told in await services.mediation.on_arrival(member):
            self.write(told)
        if member.is_senior:
            await self._show_waiting_alerts()
        for notice in await services.moderation.untold(member):  # a warning or timeout while away
            self.write(notice.words)

    # -- writing ----------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        """One or more lines, made plain (``render.plain``); never markup, never a control code."""
        if not self._closed:
            self.output.write(render.plain(text) + "\n")

    def ring(self) -> None:
        self.output.bell()

    # -- reading: what the member typed -----------------------------------------------------------
    async def entered(self, line: str) -> None:
        """A line the member entered: a command from the table, or a message to the current channel."""
        if "\ufffd" in line:  # bytes that were not UTF-8 (the SSH side decodes with "replace")
            self.tell(BAD_UTF8, severity="warning")
            return
        if not line.strip():
            return
        typed = commands.parse(line)
        try:
            if typed is not None:
                used = await commands.run(self, typed)
            else:
                used = await self.send(commands.unescape(line))
        except TellMember as error:
            self._dialogue = None  # a dialogue asked for before the refusal is not started later
            self.tell(error.message + RECALL, severity="warning")
            return
        dialogue, self._dialogue = self._dialogue, None
        if dialogue is not None:
            await dialogue()
        elif used is False and typed is None:
            self.write("Nothing was sent." + RECALL)

    async def ask(self, question: str) -> str:
        """Write ``question`` and wait for the member's next line (a dialogue's one step)."""
        self.write(question)
        line = await self._next_line()
        if line is None:
            raise _Closed
        return line.strip()

    async def ask_choice(self, question: str, choices: list[str]) -> int | None:
        """A numbered question: the index chosen, or None for Enter (or anything else: nothing happens)."""
        listed = "\n".join(f"  {number}. {choice}" for number, choice in enumerate(choices, 1))
        answer = await self.ask(f"{question}\n{listed}\nType a number, or press Enter for none of these.")
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return int(answer) - 1
        return None

    def _later(self, dialogue: Callable[[], Awaitable[None]]) -> None:
        """A sync Frontend method that needs questions: run once the command is done."""
        self._dialogue = dialogue

    async def told(self, action: Awaitable[Any]) -> Any:
        """Await ``action``; a refusal is told kindly and gives None."""
        try:
            return await action
        except TellMember as error:
            self.tell(error.message, severity="warning")
            return None

    # -- commands.Frontend -------------------------------------------------------------------------
    def tell(self, words: str, *, severity: Severity = "information", timeout: float = 8) -> None:
        self.write(("Please note: " if severity == "error" else "") + words)

    def member_changed(self, member: MemberView) -> None:
        self._member = member

    def current_channel(self) -> ChannelView | None:
        return self.current

    async def join_channel(self, channel: ChannelView) -> None:
        if channel.id not in self.channels:  # new since this session began (a mediation room): follow it
            self.channels[channel.id] = channel
            self.listen(channel_topic(channel.id), self._channel_event)
        channel = self.channels[channel.id]
        history = await self.services.channels.history(self.member, channel.id, limit=HISTORY_LINES)
        self.current = channel
        self.write(f"You're in #{render.name(channel.name)}. What you type goes here.")
        if channel.topic:
            self.write(f"Topic: {render.plain(channel.topic)}")
        for message in history:
            self._write_message(message)
        if history:
            self.services.channels.mark_read(self.member, channel.id, history[-1].id)

    def show_page(self, title: str, body: str) -> None:
        self.write(f"{title}:\n{body}\n(end of {title})")

    def show_help(self) -> None:
        lines = [f"  {c.usage}: {c.help}" for c in commands.available_to(self.member)]
        self.show_page("Commands", "\n".join(lines) + "\n" + LINE_KEYS)

    def show_who_is_here(self) -> None:
        self._later(self._who_is_here)

    async def _who_is_here(self) -> None:
        online = self.services.presence.online_ids()
        members = [m for m in await self.services.members.list() if not m.removed]
        members.sort(key=lambda m: (m.id not in online, m.handle))
        lines = []
        for m in members:
            where = "online" if m.id in online else "not connected"
            note = f", “{render.plain(m.status_note)}”" if m.status_note else ""
            who = f"{render.name(m.display_name)} (@{render.name(m.handle)})"
            lines.append(f"  {who}: {where}, {status_words(m.status)}{note}")
        self.show_page("Who is here", "\n".join(lines) or "Nobody yet.")

    def open_status_menu(self) -> None:
        async def ask() -> None:
            answer = (await self.ask(STATUS_QUESTION)).lower()
            if answer:
                await self.told(commands.run(self, commands.Typed("status", answer)))

        self._later(ask)

    def offer_recharge(self) -> None:
        async def ask() -> None:
            answer = await self.ask(
                "You're out of spoons for today. Rest and recharge? Type yes to be quiet for a while."
            )
            if answer.lower() in ("y", "yes"):
                await self.told(commands.set_status(self, "recharging"))

        self._later(ask)

    async def open_checkin(self, *, yesterday: bool) -> None:
        await CheckIn(self, yesterday=yesterday).run()

    async def open_history(self) -> None:
        days = await self.services.spoons.days(self.member, 14)
        lines = []
        for day in days:
            mood = f", mood {MOODS[day.mood]}" if day.mood in MOODS else ""
            spoons = "no" if day.spoons is None else str(day.spoons)
            lines.append(f"  {day.day:%a %d %b}: {spoons} spoons{mood}")
        self.show_page("My days (the last two weeks)", "\n".join(lines) or "No days yet.")

    def open_step_away(self, note: str) -> None:
        async def ask() -> None:
            choice = await self.ask_choice(
                "Step away for a while? Your note goes to the living room.",
                ["Step away, with no date to come back", "Step away until a date", "Leave the group"],
            )
            if choice is None:
                self.write("Nothing changed.")
                return
            until = ""
            if choice == 1:
                until = await self.ask("Until when? A date like 2026-12-01, or a number of days such as 7.")
            away = self.services.away

            async def step() -> Any:
                day = None if choice == 2 else parse_until(until, away.today(self.member))
                return await away.step_away(self.member, leaving=choice == 2, until=day, note=note)

            result = await self.told(step())
            if result is not None:
                self.member_changed(result.member)
                self.write("Your note is in the living room. Type /back when you're here again. Take care.")

        self._later(ask)

    def open_sos(self, note: str, *, by_key: bool) -> None:
        async def ask() -> None:
            try:
                self.write(
                    render.reach(await self.services.notices.reach(self.member), self.services.config.crisis_lines)
                )
            except Exception:  # who would be reached is a courtesy: never a reason not to ask
                log.exception("could not read who an SOS of member %s would reach", self.member.id)
            answer = await self.ask(
                "Send an SOS to the senior members now? Type yes to send it. Anything else cancels."
            )
            if answer.lower() not in ("y", "yes"):
                self.write("No SOS was sent. /sos is here whenever you need it.")
                return
            try:
                result = await self.services.crisis.raise_alert(self.member, "command", note)
            except TellMember as error:
                self.write(error.message + "\n" + render.crisis_lines(self.services.config.crisis_lines))
                return
            except Exception:
                log.exception("SOS of member %s could not be saved", self.member.id)
                self.write(words.COULD_NOT_SEND + "\n" + render.crisis_lines(self.services.config.crisis_lines))
                return
            self.show_sent(result, moved=False)

        self._later(ask)

    def show_sent(self, result: RaiseResult, *, moved: bool) -> None:
        """What happens now, after an SOS: the same words as the app's dialog, as lines."""
        if result.joined:
            self.write(words.joined_for_member())
            return
        count = result.seniors_alerted
        if count:
            people = "1 senior member was" if count == 1 else f"{count} senior members were"
            text = f"Your SOS was sent. {people} alerted just now and will be with you as soon as they can."
            text += " Your message is in #911, where they will find you." if moved else ""
            text += "\nIf you are in danger right now, please also reach out:"
        else:
            text = (
                "Your SOS is saved. No senior member is online right now. Your alert will be the first thing "
                "the next senior member sees when they connect.\n"
                "You don't have to wait alone. These lines are open now:"
            )
        self.write(text + "\n" + render.crisis_lines(self.services.config.crisis_lines) + "\n" + words.WITHDRAW_HINT)

    def open_crisis_lines(self) -> None:
        self.show_page("Crisis lines, open now", render.crisis_lines(self.services.config.crisis_lines))

    def open_withdraw(self) -> None:
        async def ask() -> None:
            choice = await self.ask_choice(
                f"{words.WITHDRAW_TITLE} {words.WITHDRAW_BODY}", ["I'm okay now", "It wasn't an SOS"]
            )
            if choice is None:
                self.write("Your SOS stays as it is.")
                return
            reason = (WithdrawReason.OKAY_NOW, WithdrawReason.NOT_AN_SOS)[choice]
            withdrawn = await self.told(self.services.crisis.withdraw(self.member, reason))
            if withdrawn:
                self.write(words.withdrawn_for_member(any(a.message_id for a in withdrawn)))
            elif withdrawn is not None:
                self.write(words.WITHDRAW_NOTHING_OPEN)

        self._later(ask)

    async def open_own_plan(self) -> None:
        plan = await self.services.safety_plans.get_own(self.member)
        if plan is None:
            self.write("You have no safety plan yet. The full-screen app (connect without line@) helps you write one.")
            return
        self._show_plan(plan)

    async def open_plan_of(self, handle: str) -> None:
        try:
            plan = await self.services.safety_plans.read_by_handle(self.member, handle)
        except NotFound as error:
            self.tell(error.message)
            return
        self._show_plan(plan)

    def _show_plan(self, plan: SafetyPlanView) -> None:
        lines = [f"  {section.title}: {text}" for section, text in plan.sections() if text]
        self.show_page(f"{render.name(plan.member_name)}'s safety plan", "\n".join(lines) or NO_PLAN)

    def open_alerts(self) -> None:
        self._later(self._alerts_dialogue)

    def pick_message_to_move(self, channel: ChannelView, messages: list[MessageView]) -> None:
        async def ask() -> None:
            recent = messages[-9:]
            choice = await self.ask_choice(
                f"Which message of #{render.name(channel.name)} goes to #911?",
                [render.message_line(m, channel.name, self.member.timezone)[:120] for m in recent],
            )
            if choice is not None:
                moved = await self.told(self.services.crisis.move_message_to_crisis(self.member, recent[choice].id))
                if moved is not None:
                    self.write("Moved to #911. Its author has been told gently.")

        self._later(ask)

    def open_switcher(self) -> None:
        """``/channels``: every channel as a line; ``/join NAME`` goes there (no picker to move in)."""
        lines = [
            f"  #{render.plain(c.name)}" + (" (here)" if c is self.current else "") for c in self.channels.values()
        ]
        self.show_page("Channels", "\n".join(lines) + "\n/join NAME goes to one.")

    def show_found(self, title: str, found: list[Found], *, empty: str) -> None:
        """Search results and mentions as plain lines, newest first, each with its channel and time."""
        lines = [render.message_line(f.message, f.channel_name, self.member.timezone) for f in found]
        self.show_page(title, "\n".join(lines) if lines else empty)

    def show_quiet_members(self, quiet: list[QuietMember], days: int) -> None:
        lines = [
            f"  {render.name(q.member.display_name)} (@{q.member.handle}): "
            + (f"{q.days} days since {q.last_day:%d %b}" if q.last_day is not None else "no check-in shared yet")
            for q in quiet
        ]
        self.show_page(f"No check-in shared for {days} days", "\n".join(lines) or "Everyone has shared one.")

    async def open_notify_settings(self) -> None:
        self.write("Notice settings are in the full-screen app for now: connect without line@ and type /notify.")

    async def open_profile(self, handle: str) -> None:
        """``/profile NAME``: their page as you may read it; ``/profile``: yours (editing is in the app)."""
        profiles = self.services.profiles
        if handle:
            profile = await self.told(profiles.by_handle(self.member, handle))
        else:
            profile = await self.told(profiles.of(self.member, self.member.id))
        if profile is None:
            return
        lines = [f"  {field.label}: {render.plain(field.text)}" for field in profile.fields if field.text]
        if not handle:
            lines.append("  (Editing your profile is in the full-screen app: /mode full, or ssh full@host.)")
        self.show_page(
            f"{render.name(profile.member.display_name)}'s profile", "\n".join(lines) or "Nothing shared yet."
        )

    async def open_directory(self) -> None:
        lines = []
        for profile in await self.services.profiles.directory(self.member):
            member = profile.member
            pronouns = f" ({render.name(profile.pronouns)})" if profile.pronouns else ""
            lines.append(
                f"  {render.name(member.display_name)} (@{render.name(member.handle)}){pronouns}: "
                f"{status_words(member.status)}"
            )
        self.show_page("Members", "\n".join(lines) or "Nobody yet.")

    async def open_deletion(self) -> None:
        """/delete-my-data: asks first; a week to change your mind (the same command cancels)."""
        deletion = self.services.deletion
        pending = await deletion.pending(self.member)

        async def ask() -> None:
            if pending is None:
                answer = await self.ask(
                    "Delete what the group holds about you? It happens in a week, and you can cancel until "
                    "then with /delete-my-data. Type delete to ask for it; anything else changes nothing."
                )
                if answer.lower() == "delete":
                    asked = await self.told(deletion.ask(self.member))
                    if asked is not None:
                        self.write(f"{self._due_words(asked.due_at)} You can cancel until then with /delete-my-data.")
                else:
                    self.write("Nothing changed.")
                return
            answer = await self.ask(
                f"{self._due_words(pending.due_at)} Type cancel to keep everything; anything else leaves it as it is."
            )
            if answer.lower() == "cancel" and await self.told(deletion.cancel(self.member)) is True:
                self.write("Cancelled. Nothing will be deleted.")

        self._later(ask)

    def _due_words(self, due: datetime) -> str:
        local = due.replace(tzinfo=UTC).astimezone(zone(self.member.timezone))
        return f"Your data will be deleted on {local:%a} {local.day} {local:%B}."

    async def open_mediation(self) -> None:
        """``/mediation`` (the app's small form): here, your mediations and every step, as lines."""
        await overview(self)

    def edit_finished(self, typed: str, *, saved: bool) -> None:
        """``/edit``: the line mode has no box to put words back in; the answer said what happened."""

    def use_ascii_cheers(self, on: bool) -> None:
        """Cheers are drawn by the app; line mode shows none, so there is nothing to change."""

    def offer_win(self, words: str) -> None:
        """After a step towards a goal: share it in #wins? Only if the member says so."""

        async def ask() -> None:
            answer = await self.ask("Share this step in #wins? Type yes to share it; anything else keeps it to you.")
            if answer.lower() not in ("y", "yes"):
                return
            wins = await self.services.channels.by_name(WINS)
            outcome = await self.told(self.services.messages.send(self.member, wins.id, words))
            if outcome is not None and outcome.care_check:
                self.write(f"Your note is kept. You could post it in #{WINS} yourself, in your own time.")
            elif outcome is not None and outcome.message is not None:
                self._write_own(outcome.message)

        self._later(ask)

    # -- sending ------------------------------------------------------------------------------------
    def show_folded(self) -> bool:
        """``/show``: the newest message written folded for this member, in full (told to nobody)."""
        if not self._folded:
            return False
        message = self._folded.pop()
        channel = self.channels.get(message.channel_id)
        self.write(render.message_line(message, channel.name if channel else "?", self.member.timezone))
        return True

    async def send(
        self, text: str, *, care_checked: bool = False, to_crisis: bool = False, content_warning: str = ""
    ) -> bool:
        """The one path a typed message takes (services.messages.send), as in the app."""
        channel = self.current
        if channel is None:
            self.write("There's no channel to write in yet. /join CHANNEL chooses one." + RECALL)
            return True
        try:
            outcome = await self.services.messages.send(
                self.member,
                channel.id,
                text,
                care_checked=care_checked,
                to_crisis=to_crisis,
                content_warning=content_warning,
                continuing=self._continuing,
            )
        except TellMember:
            raise
        except Exception:
            if not has_sos_words(text):
                raise
            log.exception("SOS message of member %s could not be saved", self.member.id)
            self.write(words.COULD_NOT_SEND + "\n" + render.crisis_lines(self.services.config.crisis_lines))
            return True
        if outcome.care_check:
            self._later(lambda: self._care_check(text))
            return True
        if outcome.held:  # the no-money rule (issue 11): nobody saw it
            self.tell(outcome.held + RECALL, severity="warning")
            return True
        if outcome.message is not None:
            self._write_own(outcome.message)
        if outcome.alert is not None:
            self.show_sent(outcome.alert, moved=outcome.moved)
        if outcome.moved:
            await self.join_channel(await self.services.channels.by_name(CRISIS_CHANNEL))
        return True

    async def _care_check(self, text: str) -> None:
        choice = await self.ask_choice(
            "Before this goes out: thank you for putting this into words. It sounds like a lot to carry. "
            "Our charter keeps talk like this in #911, where senior members keep watch and can be with you. "
            "Where would you like it to go? It's your choice.",
            ["Post it in #911", "Post it here anyway"],
        )
        if choice is None:
            self.write("Nothing was sent." + RECALL)
            return
        try:
            await self.send(text, care_checked=True, to_crisis=choice == 0)
        except TellMember as error:
            self.tell(error.message + RECALL, severity="warning")

    # -- what the hub reports -----------------------------------------------------------------------
    def _write_message(self, message: MessageView) -> None:
        channel = self.channels.get(message.channel_id)
        where = channel.name if channel is not None else "?"
        fold = self.services.boundaries.fold(self.member, message, in_crisis_channel=where == CRISIS_CHANNEL)
        if fold:  # a CW, this member's trigger filter or a mute (issue 11): one line, /show opens it
            self._folded = [*self._folded[-49:], message]
            when = render.local_time(message.created_at, self.member.timezone)
            self.write(f"#{render.name(where)} {when} {fold.replace('Enter to show', '/show opens it')}")
            return
        self.write(render.message_line(message, where, self.member.timezone))

    def _write_own(self, message: MessageView) -> None:
        """The member's own message, at once (not after the fan-out to everyone else); once only."""
        self._shown.add(message.id)
        self._write_message(message)

    def _channel_event(self, event: object) -> None:
        if isinstance(event, MessagePosted) and may_see(self.member, event.message):
            message = event.message
            if message.id in self._shown:
                self._shown.discard(message.id)
                return
            self._write_message(message)
            if self.current is not None and message.channel_id == self.current.id:
                self.services.channels.mark_read(self.member, message.channel_id, message.id)
        elif isinstance(event, MessageEdited) and event.message.kind == "chat" and may_see(self.member, event.message):
            self._write_message(event.message)  # edited, deleted or hidden (issue 11): its new line, once more
        elif isinstance(event, MessageMoved):
            self.write(f"A message was moved to #{CRISIS_CHANNEL}.")

    def _member_event(self, member: MemberView) -> None:
        if member.id == self.member.id and not member.removed:
            self.member_changed(member)

    async def _report_decided(self, event: object) -> None:
        """The outcome of this member's report (issue 11): which kind, never the details."""
        if isinstance(event, ReportChanged) and event.status in OUTCOME_WORDS:
            self.write(OUTCOME_WORDS[event.status])
            await self.services.reports.mark_told(self.member, event.report_id)

    async def _moderated(self, event: object) -> None:
        """A warning, a timeout or its lifting (issue 11): told at once, in leadership's fixed words;
        and a line of a private conversation with leadership."""
        if isinstance(event, WordSaid) and event.word.author_id != self.member.id:
            self.ring()
            self.write(
                f"(privately) {event.word.author_name}: {event.word.body}   — /talk {event.author_handle} WORDS answers"
            )
        elif isinstance(event, ModerationNotice):
            self.ring()
            self.write(event.words)
            if event.moderation_id:
                await self.services.moderation.mark_told(self.member, event.moderation_id)

    async def open_talk(self, talk: TalkView) -> None:
        """``/talk NAME``: the conversation as lines (``/talk NAME words`` answers)."""
        lines = [f"{w.author_name}: {w.body}" for w in talk.words] or ["Nothing said yet."]
        lines.append(f"Only the two of you can read this. /talk {talk.other_handle} WORDS answers.")
        self.show_page(f"Talking privately with {talk.other_name}", "\n".join(lines))

    async def open_reports(self) -> None:
        """``/reports``: the open reports as lines (the app shows its pane)."""
        self.show_page("Reports", commands.reports_page(await self.services.reports.open_reports(self.member)))

    def _mediation_told(self, event: object) -> None:
        """A mediation this member is in changed (issue 11): fixed words, never anyone's own."""
        if isinstance(event, MediationNotice):
            self.write(event.words)

    def _report_waiting(self, event: ReportChanged) -> None:
        if event.status == "open":
            self.write("A message was reported and waits for leadership: /reports")

    def _personal_event(self, event: object) -> None:
        if not isinstance(event, MessageMoved) or event.message.author_id != self.member.id:
            return
        if event.moved_by_id != self.member.id:
            self.write(
                "A senior member moved one of your messages to #911, where they can look after you. That's all right."
            )

    async def _alert_event(self, event: Any) -> None:
        alert: AlertView = event.alert
        if alert.member_id == self.member.id:
            self._alert_for_me(event)
        elif self.member.is_senior:
            await self._alert_for_senior(event)

    def _alert_for_me(self, event: Any) -> None:
        """Each step of the member's own SOS, in the app's warm words (crisis_words.py)."""
        alert = event.alert
        if isinstance(event, AlertEscalated):
            self.write(words.STILL_WAITING + "\n" + render.crisis_lines(self.services.config.crisis_lines))
        elif isinstance(event, AlertAcknowledged):
            self.write(words.taken_for_member(alert.acknowledged_by_name))
        elif isinstance(event, AlertReturned):
            self.write(words.returned_for_member(event.held_by_name))
        elif isinstance(event, AlertHanded):
            self.write(words.handed_for_member(event.from_name, alert.acknowledged_by_name))
        elif isinstance(event, AlertResolved):
            self.write(words.closed_for_member(alert.resolved_by_name))
        elif isinstance(event, AlertReopened):
            self.write(words.reopened_for_member(event.by_name))

    async def _alert_for_senior(self, event: Any) -> None:
        """An alert as a line with the bell, whatever the senior is doing (even mid-dialogue)."""
        alert = event.alert
        who = f"{render.name(alert.member_name)} (@{alert.member_handle})"
        if isinstance(event, AlertRaised | AlertEscalated | AlertReturned):
            if isinstance(event, AlertEscalated):
                headline = words.still_waiting_headline(who, alert.escalations)
            elif isinstance(event, AlertReturned):
                headline = words.returned_headline(event.held_by_name, alert.member_name)
            elif not alert.saved:
                headline = words.unsaved_headline(who)
            else:
                headline = words.sos_headline(who)
            quoted = alert.note or alert.message_excerpt
            waiting = await self.services.crisis.waiting_count(self.member)
            self.ring()
            self.write(
                f"SOS {render.local_time(alert.created_at, self.member.timezone)}: {headline}."
                + (f" “{render.plain(quoted)}”" if quoted else "")
                + f" {words.waiting_count(waiting)} Type /alerts to be with them."
            )
        elif isinstance(event, AlertHanded) and alert.acknowledged_by_id == self.member.id:
            self.ring()
            self.write(words.handed_to_you(event.from_name, alert.member_name))
        elif isinstance(event, AlertAcknowledged) and alert.acknowledged_by_id != self.member.id:
            self.write(f"{alert.acknowledged_by_name} took {alert.member_name}'s alert: “I'm with you.”")
        elif isinstance(event, AlertResolved) and alert.resolved_by_id != self.member.id:
            self.write(f"{alert.resolved_by_name} closed {alert.member_name}'s alert.")
        elif isinstance(event, AlertWithdrawn):
            self.write(f"{alert.member_name} took their SOS back: “{event.reason.value}”.")

    async def _show_waiting_alerts(self) -> None:
        alerts = await self.services.crisis.list_open(self.member)
        waiting = [a for a in alerts if not a.is_acknowledged and a.member_id != self.member.id]
        if waiting:
            self.ring()
            for alert in waiting:
                who = f"{render.name(alert.member_name)} (@{alert.member_handle})"
                self.write(
                    f"SOS waiting since {render.local_time(alert.created_at, self.member.timezone)}: "
                    f"{words.sos_headline(who)}."
                )
            self.write(f"{words.waiting_count(len(waiting))} Type /alerts to be with them.")

    # -- the seniors' alerts, as a dialogue ------------------------------------------------------------
    async def _alerts_dialogue(self) -> None:
        """/alerts: the open alerts, numbered; t N takes one, c N closes it, p N reads their plan."""
        alerts = [a for a in await self.services.crisis.list_for_pane(self.member) if a.is_open]
        if not alerts:
            self.write("No alert is open. Thank you for keeping watch.")
            return
        lines = []
        for number, alert in enumerate(alerts, 1):
            held = f"with {alert.acknowledged_by_name}" if alert.is_acknowledged else "WAITING for a senior member"
            quoted = alert.note or alert.message_excerpt
            lines.append(
                f"  {number}. {render.name(alert.member_name)} (@{alert.member_handle}), "
                f"{render.local_time(alert.created_at, self.member.timezone)}, {held}"
                + (f": “{render.plain(quoted)}”" if quoted else "")
            )
        answer = await self.ask(
            "Open alerts:\n" + "\n".join(lines) + "\nType t and a number to be with them (t 1), c and a number "
            "to close an alert, p and a number to read their safety plan, or press Enter to go back."
        )
        action, _, chosen = answer.lower().partition(" ")
        chosen = chosen.strip()
        if action not in ("t", "c", "p") or not chosen.isdigit() or not 1 <= int(chosen) <= len(alerts):
            if answer:
                self.write("Nothing changed. /alerts lists them again.")
            return
        alert = alerts[int(chosen) - 1]
        if action == "t":
            await self._take(alert)
        elif action == "c":
            await self._close(alert)
        else:
            await self._read_plan(alert)

    async def _take(self, alert: AlertView) -> None:
        view = await self.told(self.services.crisis.acknowledge(self.member, alert.id))
        if view is None:
            return
        if view.acknowledged_by_id == self.member.id:
            self.write(f"You're with {view.member_name} now; they have been told. /join 911 opens #911.")
        else:
            self.write(f"{view.acknowledged_by_name} is already with {view.member_name}.")

    async def _close(self, alert: AlertView) -> None:
        choice = await self.ask_choice(
            words.CLOSE_TITLE.format(member=render.name(alert.member_name)) + " " + words.CLOSE_BODY,
            list(words.CLOSE_NOTES),
        )
        if choice is None:
            self.write("The alert stays open.")
            return
        view = await self.told(self.services.crisis.resolve(self.member, alert.id, words.CLOSE_NOTES[choice]))
        if view is not None:
            self.write(f"{view.member_name}'s alert is closed. Thank you for being there. {words.SPOONS_REMINDER}")

    async def _read_plan(self, alert: AlertView) -> None:
        answer = await self.ask(words.PLAN_BODY.format(member=render.name(alert.member_name)) + " Type yes to read it.")
        if answer.lower() not in ("y", "yes"):
            return
        try:
            plan = await self.services.safety_plans.read(self.member, alert.member_id, alert_id=alert.id)
        except NotFound:
            self.write(f"{render.name(alert.member_name)} hasn't shared a safety plan.")
            return
        self._show_plan(plan)


class CheckIn:
    """/checkin in line mode: one question at a time; Enter skips what may be skipped."""

    def __init__(self, session: LineSession, *, yesterday: bool) -> None:
        self.session = session
        self.yesterday = yesterday

    async def run(self) -> None:
        session = self.session
        services = session.services
        member = await services.spoons.ensure_today(session.member)
        session.member_changed(member)
        today = member.spoons_day or services.spoons.clock().date()
        day = today - timedelta(days=1) if self.yesterday else today
        existing = await services.checkins.get(member, day)
        if existing is not None and not existing.editable:
            session.write("Yesterday's check-in is already there, and stays as it was. Today is a fresh page.")
            return
        session.write(
            f"Check-in for {'yesterday' if self.yesterday else 'today'}, a few short questions. "
            "Type cancel at any question to stop; nothing is saved until the end."
        )
        try:
            draft = await self._questions(member.spoons, services.config.spoons_max)
        except _Cancelled:
            session.write("Check-in cancelled; nothing was saved.")
            return
        draft = CheckInDraft(**{**draft.__dict__, "day": day})
        saved = await session.told(services.checkins.save(session.member, draft))
        if saved is None:
            session.write("Your check-in was not saved. /checkin starts it again.")
            return
        session.member_changed(saved.member)
        shared = {"group": "", "seniors": " Senior members can see it.", "me": " Only you can see it."}
        session.write(
            ("Thank you for checking in." if saved.created else "Your check-in is updated.")
            + shared.get(saved.checkin.visibility, "")
        )

    async def _question(self, text: str) -> str:
        answer = await self.session.ask(text)
        if answer.lower() == "cancel":
            raise _Cancelled
        return answer

    async def _questions(self, spoons: int, maximum: int) -> CheckInDraft:
        while True:
            answer = await self._question(f"Spoons: how many do you have, 0 to {maximum}? (Enter keeps {spoons}.)")
            if not answer:
                break
            if answer.isdigit() and 0 <= int(answer) <= maximum:
                spoons = int(answer)
                break
            self.session.write(f"Please give a number from 0 to {maximum}.")
        moods = ", ".join(f"{n} {w}" for n, w in MOODS.items())
        while True:
            answer = await self._question(f"Mood: {moods}. Type the number.")
            if answer.isdigit() and int(answer) in MOODS:
                mood = int(answer)
                break
            self.session.write("Mood: please pick one, from 1 (struggling) to 5 (bright).")
        sleep = ""
        answer = (await self._question(f"Sleep: {', '.join(SLEEP)}? (Enter skips.)")).lower()
        if answer in SLEEP:
            sleep = answer
        elif answer:
            self.session.write("I didn't catch that, so sleep is left out.")
        answer = await self._question(f"What would help today: {', '.join(NEEDS)}? Any, with commas. (Enter skips.)")
        needs = tuple(n for n in NEEDS if n in [part.strip().lower() for part in answer.split(",")])
        win = await self._question("A win, however small? (Enter skips.)")
        note = await self._question("Anything else you'd like to say? (Enter skips.)")
        visibility = "group"
        choices = list(VISIBILITY)
        listed = ", ".join(f"{n} {w}" for n, w in enumerate(VISIBILITY.values(), 1))
        answer = await self._question(f"Who may see it: {listed}? (Enter: the group.)")
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            visibility = choices[int(answer) - 1]
        return CheckInDraft(
            spoons=spoons, mood=mood, sleep=sleep, needs=needs, win=win, note=note, visibility=visibility
        )


class _Cancelled(Exception):
    """The member typed cancel during the check-in."""
