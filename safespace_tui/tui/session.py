"""The session controller: one per member's session, the only part of the app that acts.

It holds the member, the services and the hub subscriptions, and the one rule for bells
and pop-ups (``may_interrupt``). Screens and widgets post requests (``tui/messages.py``)
that the App hands here; this answers by calling methods on the screens it owns (the main
screen, and the dialogs it pushes). It implements ``commands.Frontend``, so every slash
command and its key runs through the one command table (``safespace_tui/commands.py``).

Two parts keep their own areas, composed here rather than mixed in: crisis care
(``tui/crisis_care.py``) and a member's day (``tui/my_day.py``).

Hub callbacks run in the publisher's task: they only hand over (``app.call_next``), and what
is handed over may run after the session began to close, so it checks ``taken_down`` first.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App

from .. import commands
from ..commands import Severity
from ..errors import TellMember
from ..hub import CHANNELS, MEMBERS, PRESENCE, channel_topic
from ..services import Services
from ..services.channels import CRISIS_CHANNEL, MessageEdited, MessagePosted, may_see
from ..services.cheers import CheersChanged, Counts
from ..services.crisis import MessageMoved, has_sos_words
from ..services.deletion import ChannelRewritten
from ..services.notices import CareView
from ..services.presence import PresenceChanged
from ..services.views import ChannelView, MemberView, MessageView
from ..text import MAX_MESSAGE_CHARS
from . import messages as requests
from .belonging import Belonging
from .boundaries import Boundaries
from .crisis_care import CrisisCare
from .getting_around import GettingAround
from .joining import Joining
from .mediation import MediationPart
from .messages import Refused
from .moderation import Moderation
from .my_day import MyDay
from .own_words import ACTIONS as OWN_WORDS_ACTIONS
from .own_words import OwnWords
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.notify import NotifyScreen
from .screens.quiet_members import QuietMembersScreen
from .screens.text_page import TextPage
from .watch import Watch
from .widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from ..services.checkins import QuietMember
    from ..services.private_talk import TalkView
    from ..services.search import Found

log = logging.getLogger("safespace.tui")

FIRST_CHANNEL_WAIT = 10.0  # seconds words typed on arrival wait for the first channel to open
STILL_LOADING = (
    "Your channels are still loading, so nothing was sent; your words are back in the box. "
    "Ctrl+S reaches a senior member at any moment."
)
T = TypeVar("T")


def mentions(body: str, handle: str) -> bool:
    """``@handle`` as a word (``@ann.`` at the end of a sentence counts; ``@anna`` does not).

    Most messages hold no ``@``: then no pattern is compiled or run (each receiver's first
    message compiled its member's pattern, ~0.1 ms, all in the first fan-out after they connect)."""
    return "@" in body and _mention_of(handle).search(body) is not None


@lru_cache(maxsize=1024)
def _mention_of(handle: str) -> re.Pattern[str]:
    """Compiled once per member: every receiver of every message asks, and with 200 handles
    ``re``'s own cache of compiled patterns was compiling them again (1.2 % of the server's busy
    CPU in a fan-out to 200)."""
    return re.compile(r"(?<![\w@])@" + re.escape(handle) + r"(?![a-z0-9_-])(?!\.[a-z0-9])", re.IGNORECASE)


class Session:
    """One member's session in the full-screen app (see the module docstring)."""

    def __init__(self, app: App, services: Services, member: MemberView) -> None:
        self.app = app
        self._services = services
        self._member = member
        self.main = MainScreen(member, spoons_max=services.config.spoons_max)
        self.crisis = CrisisCare(self)
        self.day = MyDay(self)
        self.around = GettingAround(self)
        self._told_up = False  # told once that Up brings back a refused command
        self._channel_shown = asyncio.Event()  # a channel is open: what is typed has somewhere to go
        self.settled = asyncio.Event()  # the first screen and its lists are drawn (or never will be)
        self._arriving: dict[int, list[MessageView]] = {}  # channel id -> live while its page is read
        self.boundaries = Boundaries(self)  # CWs, trigger filter, mutes, held messages (issue 11)
        self.watch = Watch(self)  # the seniors' docked monitoring pane (issue 14)
        self.joining = Joining(self)  # onboarding a newcomer; who hears of joining (issue 10)
        self.belonging = Belonging(self)  # profiles and the members directory (issue 10)
        self.own_words = OwnWords(self)  # edit and delete one's own messages; reports (issue 11)
        self.moderation = Moderation(self)  # the reports pane; warnings and timeouts (issue 11)
        self.mediation = MediationPart(self)  # told of mediations one is in (issue 11)
        self._unsubscribe: list[Callable[[], None]] = []
        self._closed = False
        # Member and presence changes heard before the member list is drawn; None once it is.
        self._early: list[Callable[[], None]] | None = []
        self._handlers: dict[type, Callable[[Any], Awaitable[None] | None]] = {
            requests.Submitted: self._submitted,
            requests.ChannelChosen: self._channel_chosen,
            requests.OlderWanted: self._older_wanted,
            requests.PasteRefused: self._paste_refused,
            requests.CommandsOffered: self._commands_offered,
            requests.StatusClicked: lambda _request: self.open_status_menu(),
            requests.SpoonNudged: lambda request: self.day.spoon_key(request.delta),
            requests.AlertsWanted: lambda _request: self.crisis.refresh_pane(),
            requests.TakeAlert: lambda request: self.crisis.take(request.alert_id),
            requests.ResolveAlert: lambda request: self.crisis.resolve(request.alert_id, request.note),
            requests.HandOverWanted: lambda request: self.crisis.offer_hand_over(request.alert_id),
            requests.ReopenAlert: lambda request: self.crisis.reopen(request.alert_id),
            requests.ReadPlan: lambda request: self.crisis.read_plan(request.member_id, request.alert_id, request.name),
            requests.OpenCrisisThread: lambda _request: self.open_crisis_thread(),
            requests.SwitcherWanted: lambda _request: self.around.open_switcher(),
            requests.WatchAlertWanted: lambda request: self.watch.open_alert(request.alert_id),
            requests.SharedCheckInWanted: lambda request: self.watch.open_checkin(request.member_id),
            requests.ProfileWanted: lambda request: self.belonging.open_profile(request.member_id),
            requests.MessageActed: self._message_acted,
            requests.TypedWhileJoining: lambda request: self.joining.typed(request.text),
            requests.ReportActed: self.moderation.acted,
            requests.TalkSaid: self.moderation.talk_said,
        }

    # -- who, and with what -----------------------------------------------------------------
    @property
    def member(self) -> MemberView:
        return self._member

    @property
    def services(self) -> Services:
        return self._services

    # -- lifetime -----------------------------------------------------------------------------
    def start(self) -> None:
        """From the App's on_mount: the main screen first (the first frame), then what loads.
        A newcomer still joining sees their onboarding first, and nothing of the group."""
        if self.joining.onboard_first():
            self.crisis.start()  # a newcomer's own SOS: its steps are told in onboarding too
            self.settled.set()
            return
        self.main.fit_breakpoints(self.app.size)
        shown = self.app.push_screen(self.main)
        self.app.run_worker(self._load_then_settle(shown), group="load", exclusive=True)
        self.day.start()
        self.crisis.start()
        self.boundaries.start()
        self.joining.start()
        self.belonging.start()
        self.own_words.start()
        self.moderation.start()
        self.mediation.start()

    def joining_changed(self, member: MemberView) -> None:
        """A newcomer's own row changed during onboarding (their name, pronouns, time zone)."""
        self._member = member

    def joined(self, member: MemberView) -> None:
        """Onboarding is done: the session starts as any member's does, under their chosen name."""
        self._member = member
        self.main = MainScreen(member, spoons_max=self.services.config.spoons_max)
        self.start()

    def stop(self) -> None:
        self._closed = True
        self.watch.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def listen(self, topic: str, handler: Callable[[Any], Awaitable[None] | None]) -> None:
        """Subscribe ``handler`` to ``topic``; it runs in this session's own task, later."""
        self._unsubscribe.append(self.services.hub.subscribe(topic, lambda event: self.app.call_next(handler, event)))

    def taken_down(self) -> bool:
        """A hub event handed over can run after this session began to close: then it is dropped."""
        if self.member.joining:  # onboarding: the main screen is not up yet, and needn't be
            return self._closed
        return self._closed or self.main.taken_down

    # -- requests from screens and widgets: the one place a member's action is answered -----
    async def handle(self, request: requests.Request) -> None:
        handler = self._handlers.get(type(request))
        try:
            if handler is None:
                log.error("no handler for %s", type(request).__name__)
                return
            answer = handler(request)
            if answer is not None:  # a handler that has something to wait for
                await self.told(answer)
        finally:
            request.answered.set()

    async def told(self, action: Awaitable[T], *, quietly: bool = False) -> T | Refused:
        """Await ``action``; a refusal or a full disk (``TellMember``) is told kindly, never raised.

        The one place the app catches what a member should be told: every request and every
        form's save goes through here. ``quietly``: a form shows the words itself, in place.
        """
        try:
            return await action
        except TellMember as error:
            if not quietly:
                self.tell(error.message, severity="warning")
            return Refused(error.message)

    # -- interruptions: the one rule for bells and pop-ups a member did not ask for -----------
    @property
    def quiet(self) -> bool:
        """Recharging means do not disturb."""
        return self.member.status == "recharging"

    def may_interrupt(self, kind: str) -> bool:
        """May something this member did not just do ring the bell or pop up now?

        Check it (or use ``interrupt``) for every bell or pop-up someone else causes.
        * ``kind="sos"``: an SOS alert. Senior members are always interrupted, even while
          recharging, since answering SOS is their role; for anyone else the rule below holds.
        * any other kind: never while the member is recharging.
        A reply to the member's own action (``tell``) is not an interruption.
        """
        if kind == "sos" and self.member.is_senior:
            return True
        return not self.quiet

    def interrupt(self, kind: str, message: str, *, severity: Severity = "information", timeout: float = 8) -> bool:
        """Ring and pop up ``message`` only if ``may_interrupt(kind)``; returns whether it did."""
        if not self.may_interrupt(kind):
            return False
        self.ring()
        self.tell(message, severity=severity, timeout=timeout)
        return True

    def ring(self, times: int = 1) -> None:
        """The terminal bell, whatever the App's own bell rule (SOS rings even while recharging)."""
        for _ in range(times):
            App.bell(self.app)

    # -- commands.Frontend ----------------------------------------------------------------------
    def tell(self, words: str, *, severity: Severity = "information", timeout: float = 8) -> None:
        """A calm notification; never markup, since it may quote a member's words."""
        self.app.notify(words, severity=severity, timeout=timeout, markup=False)

    def member_changed(self, member: MemberView) -> None:
        """Our own member row changed (role, status, spoons, time zone): keep every view in step."""
        self._member = member
        self.main.member_changed(member)
        self.watch.member_changed(member)
        for screen in self.app.screen_stack:  # the bar may sit under a form or dialog just now
            if screen is not self.main:
                for bar in screen.query(StatusBar):
                    bar.show(member)

    def current_channel(self) -> ChannelView | None:
        return self.main.current

    async def join_channel(self, channel: ChannelView) -> None:
        known = {c.id: c for c in self.main.channels}
        await self._show(known.get(channel.id, channel))

    def show_page(self, title: str, body: str) -> None:
        self.app.push_screen(TextPage(title, body))

    def show_help(self) -> None:
        if not isinstance(self.app.screen, HelpScreen):
            self.app.push_screen(HelpScreen(commands.available_to(self.member)))

    def show_who_is_here(self) -> None:
        self.show_page("Who is here", "\n".join(self.main.who_is_here()) or "Nobody yet.")

    def open_switcher(self) -> None:
        self.around.open_switcher()

    def show_found(self, title: str, found: list[Found], *, empty: str) -> None:
        self.around.show_found(title, found, empty=empty)

    def show_quiet_members(self, quiet: list[QuietMember], days: int) -> None:
        self.app.push_screen(QuietMembersScreen(quiet, days, timezone=self.member.timezone))

    def open_status_menu(self) -> None:
        self.day.open_status_menu()

    async def open_notify_settings(self) -> None:
        """``/notify``: the senior's own notice settings; addresses are typed hidden and shown masked."""
        if any(isinstance(screen, NotifyScreen) for screen in self.app.screen_stack):
            return
        notices = self.services.notices

        async def save(kind: str, value: str) -> CareView | None:
            if kind == "address":
                change = notices.add_address(self.member, value)
            else:
                change = notices.set_quiet_hours(self.member, value)
            view = await self.told(change)
            if isinstance(view, CareView):
                self.tell("Saved. Thank you for being reachable." if kind == "address" else "Quiet hours saved.")
                return view
            return None

        self.app.push_screen(NotifyScreen(await notices.settings(self.member), save))

    def offer_recharge(self) -> None:
        self.day.offer_recharge()

    async def open_checkin(self, *, yesterday: bool) -> None:
        await self.day.open_checkin(yesterday=yesterday)

    async def open_history(self) -> None:
        await self.day.open_history()

    def open_step_away(self, note: str) -> None:
        self.day.open_step_away(note)

    def open_sos(self, note: str, *, by_key: bool) -> None:
        self.crisis.open_sos(note, source="key" if by_key else "command")

    def open_withdraw(self) -> None:
        self.crisis.open_withdraw()

    def quick_exit(self) -> None:
        """Ctrl+X: end the session now, no question, no farewell; the SSH side clears the screen,
        the scrollback and the window title (``SafeSpaceApp.quick_exited``)."""
        self.app.exit(result=None, return_code=0)

    def open_crisis_lines(self) -> None:
        self.crisis.toggle_crisis_lines()

    async def open_own_plan(self) -> None:
        await self.crisis.open_own_plan()

    async def open_plan_of(self, handle: str) -> None:
        await self.crisis.open_plan_of(handle)

    def open_alerts(self) -> None:
        self.watch.toggle()  # docked beside the conversation when wide enough (tui/watch.py)

    def pick_message_to_move(self, channel: ChannelView, messages: list[MessageView]) -> None:
        self.crisis.pick_message_to_move(channel, messages)

    def show_folded(self) -> bool:
        """``/show``: open the newest message folded for this member, on this screen only."""
        return self.main.unfold_newest()

    async def open_profile(self, handle: str) -> None:
        """``/profile``: your own form; ``/profile NAME``: their page, as you may see it (your own
        name: your page as you see it)."""
        if handle:
            await self.belonging.open_profile_of(handle)
        else:
            await self.belonging.open_own_form()

    async def open_directory(self) -> None:
        await self.belonging.open_directory()

    def offer_win(self, words: str) -> None:
        self.belonging.offer_win(words)

    def use_ascii_cheers(self, on: bool) -> None:
        self.main.use_ascii_cheers(on)

    async def open_deletion(self) -> None:
        await self.belonging.open_deletion()

    def edit_finished(self, typed: str, *, saved: bool) -> None:
        """``/edit`` answered: saved, the draft put aside comes back; refused, the edit stays in the box."""
        if saved:
            self.main.edit_done()
        else:
            self.main.restore_draft(typed)

    async def open_talk(self, talk: TalkView) -> None:
        """``/talk NAME``: a private conversation with leadership (or, for leadership, a member)."""
        self.moderation.open_talk(talk)

    async def open_reports(self) -> None:
        """``/reports`` or F12: the reports pane (leadership; the command table checks who)."""
        self.moderation.open_pane()

    async def open_mediation(self) -> None:
        await self.mediation.open_form()

    async def _message_acted(self, request: requests.MessageActed) -> None:
        """A key of the message-selection mode: one's own words and reports, or cheers."""
        if request.action in OWN_WORDS_ACTIONS:
            await self.own_words.message_acted(request.message_id, request.action)
        else:
            await self.belonging.message_acted(request.message_id, request.action)

    async def run_key(self, name: str, argument: str) -> None:
        """A key bound to a command in the table (F-keys, Ctrl+S): as if typed, never given back."""
        await self.told(commands.run(self, commands.Typed(name, argument, by_key=True)))

    # -- the conversation -------------------------------------------------------------------------
    async def _load_then_settle(self, shown: Awaitable[object]) -> None:
        try:
            await self._load_conversation(shown)
        finally:
            self.settled.set()

    async def _load_conversation(self, shown: Awaitable[object]) -> None:
        await shown  # the main screen is mounted: its lists exist
        services, member = self.services, self.member
        # Listening before reading: a change made while the lists load is not lost (it waits,
        # and is applied after the list it is newer than).
        self.listen(PRESENCE, self._presence_changed)
        self.listen(MEMBERS, self._member_event)
        self.listen(CHANNELS, self._channels_changed)
        await services.boundaries.load(member)  # what folds for this member, before anything is shown
        channels = await services.channels.list_for(member)
        members = await services.members.list()
        if self.taken_down():
            return
        self.main.set_channels(channels)
        self.main.set_members(members, services.presence.online_ids())
        early, self._early = self._early or [], None
        for apply_change in early:
            apply_change()
        for channel in channels:
            self.listen(channel_topic(channel.id), self._channel_event)
        if channels and self.main.current is None:  # unless the member already went somewhere (/join)
            await self._show(channels[0])
        await self.watch.start()  # senior members only

    async def _show(self, channel: ChannelView) -> None:
        self.main.show_channel(channel)
        self._channel_shown.set()
        channels = self.services.channels
        # Live messages, from the page's read until it is on screen (its cheers are read in
        # between): the page replaces the log, so one saved after the read would be wiped.
        arrived: list[MessageView] = []
        self._arriving[channel.id] = arrived
        try:
            last_read = await channels.last_read(self.member, channel.id)
            history = await channels.history(self.member, channel.id)
            has_older = len(history) >= self.services.config.history_page
            await self._show_history(channel, history, has_older=has_older, new_after=last_read, arrived=arrived)
        finally:
            if self._arriving.get(channel.id) is arrived:
                del self._arriving[channel.id]

    async def jump_to(self, message_id: int) -> None:
        """A search or mentions result: its channel, with the message marked and what was said around it."""
        channel_id, messages, has_older = await self.services.search.context(self.member, message_id)
        channel = next((c for c in self.main.channels if c.id == channel_id), None)
        if channel is None or self.taken_down():
            return
        self.main.show_channel(channel)
        await self._show_history(channel, messages, has_older=has_older, at=message_id)

    async def _show_history(
        self,
        channel: ChannelView,
        messages: list[MessageView],
        *,
        has_older: bool,
        new_after: int | None = None,
        at: int | None = None,
        arrived: list[MessageView] | None = None,
    ) -> None:
        """``messages`` as this reader sees them (their cheers, folded by their own boundaries);
        marked read once shown. One place for every full view of a channel. ``arrived``: live
        messages heard since ``messages`` were read, still growing while the cheers are read."""
        self.main.set_cheers(await self._cheers_of(messages))
        newest = messages[-1].id if messages else 0
        messages = messages + [m for m in arrived or () if m.id > newest]
        folds = self.boundaries.folds(messages)
        if (
            self.main.show_history(channel, messages, has_older=has_older, new_after=new_after, at=at, folds=folds)
            and messages
        ):
            self._mark_read(channel.id, messages[-1].id)

    async def _cheers_of(self, messages: list[MessageView]) -> dict[int, Counts]:
        return await self.services.cheers.counts(self.member, [m.id for m in messages])

    def _mark_read(self, channel_id: int, message_id: int) -> None:
        self.services.channels.mark_read(self.member, channel_id, message_id)

    async def _channel_event(
        self, event: MessagePosted | MessageEdited | MessageMoved | CheersChanged | ChannelRewritten
    ) -> None:
        if self.taken_down():
            return
        if isinstance(event, CheersChanged):  # counts only: shown where the message is shown
            self.main.cheers_changed(event)
        elif isinstance(event, ChannelRewritten):  # a member's words deleted at their request
            current = self.main.current
            if current is not None and current.id == event.channel_id:
                await self._show(current)
        elif isinstance(event, MessageEdited):  # a check-in card changed; its audience may have narrowed
            self.main.message_edited(
                event.message, visible=may_see(self.member, event.message), fold=self.boundaries.fold(event.message)
            )
        elif isinstance(event, MessageMoved):
            current = self.main.current
            if current is not None and current.id in (event.from_channel_id, event.message.channel_id):
                await self._show(current)
        elif may_see(self.member, event.message):
            self._message_arrived(event.message)

    def _message_arrived(self, message: MessageView) -> None:
        mine = message.author_id == self.member.id
        arriving = self._arriving.get(message.channel_id)
        if arriving is not None:
            arriving.append(message)
        if not mine and mentions(message.body, self.member.handle) and not self.boundaries.muted(message.author_id):
            where = self.main.channel_name(message.channel_id)
            self.interrupt(
                "mention", f"{message.author_name} mentioned you{f' in #{where}' if where else ''}.", timeout=6
            )
        if self.main.message_arrived(message, mine=mine, fold=self.boundaries.fold(message)):
            self._mark_read(message.channel_id, message.id)

    def _presence_changed(self, event: PresenceChanged) -> None:
        if self._early is not None:
            self._early.append(lambda: self._presence_changed(event))
        elif not self.taken_down():
            self.main.set_online(event.member_id, event.online)

    def _member_event(self, member: MemberView) -> None:
        if self._early is not None:
            self._early.append(lambda: self._member_event(member))
            return
        if self.taken_down():
            return
        if member.id == self.member.id and not member.removed:  # (removed: the session is closing)
            self.member_changed(member)
        self.main.member_updated(member)

    async def _channels_changed(self, _event: object) -> None:
        """An admin added, renamed, re-topicked or archived a channel: the lists and the title follow."""
        if self.taken_down() or self._early is not None:
            return  # still loading: the list being read is newer than the change
        channels = await self.services.channels.list_for(self.member)
        if self.taken_down():
            return
        known = {c.id for c in self.main.channels}
        self.main.set_channels(channels)
        for channel in channels:
            if channel.id not in known:
                self.listen(channel_topic(channel.id), self._channel_event)
        current = self.main.current
        if current is None:
            return
        fresh = next((c for c in channels if c.id == current.id), None)
        if fresh is None:
            self.tell(f"#{current.name} was archived; what was said there is kept.", timeout=6)
            if channels:
                await self._show(channels[0])
        elif (fresh.name, fresh.topic) != (current.name, current.topic):
            self.main.show_channel(fresh)

    async def _channel_chosen(self, request: requests.ChannelChosen) -> None:
        for channel in self.main.channels:
            if channel.id == request.channel_id:
                await self._show(channel)

    async def _older_wanted(self, request: requests.OlderWanted) -> None:
        channel = self.main.current
        if channel is None:
            return
        older = await self.services.channels.history(self.member, channel.id, before_id=request.before_id)
        self.main.set_cheers(await self._cheers_of(older))
        self.main.show_older(
            channel,
            older,
            has_older=len(older) >= self.services.config.history_page,
            folds=self.boundaries.folds(older),
        )

    def _commands_offered(self, request: requests.CommandsOffered) -> None:
        if request.mentions:
            self.tell("Members: " + "  ".join(request.names), timeout=6)
        elif request.names:
            self.tell("Commands: " + "  ".join("/" + name for name in request.names), timeout=6)
        else:
            self.tell(commands.unknown_words(request.typed, self.member), severity="warning")

    def _paste_refused(self, request: requests.PasteRefused) -> None:
        self.tell(
            f"That paste is very long ({request.size:,} characters); a message holds up to {MAX_MESSAGE_CHARS:,}. "
            "Nothing was sent and your draft is unchanged. You could paste it in parts.",
            severity="warning",
        )

    async def open_crisis_thread(self) -> None:
        """Close what is open over the conversation and show #911."""
        while self.app.screen is not self.main and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        await self.join_channel(await self.services.channels.by_name(CRISIS_CHANNEL))

    # -- writing: the one path every typed line takes ---------------------------------------
    async def _first_channel(self) -> ChannelView | None:
        """Words sent on arrival, before the first channel is open, wait for it (bounded) instead
        of going nowhere: an "SOS" typed the moment the screen appeared was given back to the box
        without a word, and reached nobody (seen in CI under load)."""
        try:
            await asyncio.wait_for(self._channel_shown.wait(), FIRST_CHANNEL_WAIT)
        except TimeoutError:
            return None
        return self.main.current

    async def _submitted(self, request: requests.Submitted) -> None:
        """Send or run what the member wrote (the box has given it up); give it back if not used."""
        text = request.text
        typed = commands.parse(text)
        used = await self.told(commands.run(self, typed) if typed is not None else self.send(commands.unescape(text)))
        if used is True:
            return
        if typed is None:  # words not sent (too long, say): they stay in the box to be changed
            self.main.restore_draft(text)
        elif not self._told_up:  # a command: the box stays empty for what comes next; Up recalls it
            self._told_up = True
            self.tell("Press Up to bring back what you typed.", timeout=5)

    async def send(
        self, text: str, *, care_checked: bool = False, to_crisis: bool = False, content_warning: str = ""
    ) -> bool:
        """Post ``text`` to the current channel under the crisis rules (in services): SOS words go
        to #911 with an alert; self-harm talk outside #911 is asked about first; the no-money rule
        may hold it (then the member is told why). False keeps the draft."""
        channel = self.main.current or await self._first_channel()
        if channel is None:
            self.tell(STILL_LOADING, severity="warning", timeout=10)
            return False
        try:
            outcome = await self.services.messages.send(
                self.member,
                channel.id,
                text,
                care_checked=care_checked,
                to_crisis=to_crisis,
                content_warning=content_warning,
            )
        except TellMember:
            raise
        except Exception:
            if not has_sos_words(text):
                raise
            log.exception("SOS message of member %s could not be saved", self.member.id)
            self.crisis.could_not_send()  # an SOS that could not be saved never fails silently
            return False
        if outcome.care_check:
            self.crisis.ask_before_posting(text)
            return False
        if outcome.held:
            self.tell(outcome.held, severity="warning", timeout=30)
            return False
        if outcome.message is not None:  # at once, not after the fan-out to everyone else
            self.main.show_own_message(outcome.message)
        if outcome.alert is not None:  # the member hears first what happened; #911 loads behind it
            self.crisis.show_sent(outcome.alert, moved=outcome.moved)
        if outcome.moved:
            await self.join_channel(await self.services.channels.by_name(CRISIS_CHANNEL))
        return True
