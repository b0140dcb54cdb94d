"""Crisis care inside every session, mixed into SafeSpaceApp so it works on any screen.

* Members: the SOS key and ``/sos`` (confirm dialog), the SOS words in messages (through
  ``services.crisis.send``), the gentle 911 question, the crisis lines (F2), their safety plan (F4).
* Senior members and admins: a prominent notice and the terminal bell for every alert on
  whatever screen they are on, the monitoring pane (F3), escalations, and the alerts that
  waited while no senior was online, shown first thing when they connect.

The app subscribes to the hub here; hub callbacks only hand over with ``call_next``.
The rules (who may do what) are all in ``services/``; this module only shows and asks.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from ..hub import ALERTS, member_topic
from ..services.channels import CRISIS_CHANNEL
from ..services.crisis import AlertAcknowledged, AlertEscalated, AlertRaised, AlertResolved, MessageMoved, has_sos_words
from ..services.errors import TOLD_ERRORS, NotFound, ServiceError
from ..services.safety_plans import NO_PLAN
from ..text import TextRejected
from .crisis_keys import SOS_KEY_LABEL
from .screens.alerts import AlertsScreen
from .screens.crisis import (
    AlertNoticeScreen,
    CrisisLinesScreen,
    MoveMessageScreen,
    SosConfirmScreen,
    SosSentScreen,
    care_check_screen,
)
from .screens.safety_plan import SafetyPlanScreen, SafetyPlanViewScreen

if TYPE_CHECKING:
    from ..services.views import ChannelView

log = logging.getLogger("safespace.tui")


COULD_NOT_SEND = (
    "Something went wrong on our side and your SOS could not be saved. "
    "We're so sorry. Please reach out to one of these lines now, or try Ctrl+S again."
)
STILL_WAITING = (
    "No senior member has answered yet, so we have alerted them all again. "
    "You matter, and you don't have to wait alone."
)


class CrisisCare:
    """Methods SafeSpaceApp gains; ``self`` is the App (services, member, tell)."""

    _crisis_unsubscribe: list

    # -- lifetime --------------------------------------------------------------------------------
    def start_crisis_care(self) -> None:
        """Call from the app's on_mount, after the main screen is pushed."""
        hub = self.services.hub
        self._crisis_unsubscribe = [
            hub.subscribe(ALERTS, self._on_hub_alert),
            hub.subscribe(member_topic(self.member.id), self._on_hub_personal),
        ]
        if self.member.is_senior:
            self._show_waiting_alerts()

    def stop_crisis_care(self) -> None:
        for unsubscribe in getattr(self, "_crisis_unsubscribe", ()):
            unsubscribe()
        self._crisis_unsubscribe = []

    # -- hub callbacks: hand over only ------------------------------------------------------------
    def _on_hub_alert(self, event) -> None:
        if self.member.is_senior or event.alert.member_id == self.member.id:
            self.call_next(self._alert_event, event)

    def _on_hub_personal(self, event) -> None:
        if isinstance(event, MessageMoved):
            self.call_next(self._message_moved, event)

    # -- what an alert event means for this session ----------------------------------------------
    def _ring(self, times: int = 1) -> None:
        # SOS rings even for a senior who is recharging: App.bell, not any quieter override.
        for _ in range(times):
            App.bell(self)

    def _alert_event(self, event) -> None:
        alert = event.alert
        mine = alert.member_id == self.member.id
        pane = self._alerts_pane()
        if pane is not None:
            pane.reload()
        notice = self._notice(create=False)
        if notice is not None and alert.id in notice.alert_ids:
            notice.update_alert(alert)
        if isinstance(event, AlertRaised):
            if not mine:
                self._ring()
                self._show_notice(alert)
        elif isinstance(event, AlertEscalated):
            if mine:
                if not isinstance(self.screen, CrisisLinesScreen):
                    self.push_screen(CrisisLinesScreen(self.services.config.crisis_lines, STILL_WAITING, sos_key=SOS_KEY_LABEL))
            else:
                self._ring(3)
                self._show_notice(alert, escalated=True)
                self.tell(
                    f"STILL WAITING: {alert.member_name} (@{alert.member_handle}) asked for help and nobody has answered.",
                    severity="error",
                    timeout=30,
                )
        elif isinstance(event, AlertAcknowledged):
            by = alert.acknowledged_by_name
            if mine:
                for screen in self.screen_stack:
                    if isinstance(screen, SosSentScreen) and screen.alert_id == alert.id:
                        screen.taken(by)
                self.tell(f"{by} has seen your SOS and is with you now. You can talk in #911.", timeout=30)
            elif alert.acknowledged_by_id != self.member.id:
                self.tell(f"{by} took {alert.member_name}'s alert: “I'm with you.”", timeout=15)
        elif isinstance(event, AlertResolved):
            by = alert.resolved_by_name
            if mine:
                self.tell(
                    f"{by} has closed your SOS. If you need help again, {SOS_KEY_LABEL} or /sos is always here.",
                    timeout=20,
                )
            elif alert.resolved_by_id != self.member.id:
                self.tell(f"{by} resolved {alert.member_name}'s alert.", timeout=15)

    def _alerts_pane(self) -> AlertsScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, AlertsScreen):
                return screen
        return None

    def _notice(self, *, create: bool, backlog: bool = False) -> AlertNoticeScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, AlertNoticeScreen):
                return screen
        if not create:
            return None
        notice = AlertNoticeScreen(self.member.timezone, backlog=backlog)
        self.push_screen(notice, callback=self._notice_closed)
        return notice

    def _show_notice(self, alert, *, escalated: bool = False, backlog: bool = False) -> None:
        if isinstance(self.screen, AlertsScreen):
            # The pane is open and already shows it; say so in words too.
            word = "STILL WAITING" if escalated else "SOS"
            self.tell(f"{word}: {alert.member_name} (@{alert.member_handle}) needs help now.", severity="error", timeout=20)
            return
        notice = self._notice(create=True, backlog=backlog)
        notice.add(alert, escalated=escalated)

    def _notice_closed(self, open_pane: bool | None) -> None:
        if open_pane:
            self.action_alerts()

    @work(group="crisis-backlog")
    async def _show_waiting_alerts(self) -> None:
        """First thing for a senior who connects: alerts nobody has taken yet."""
        alerts = await self.services.crisis.list_open(self.member)
        waiting = [a for a in alerts if not a.is_acknowledged and a.member_id != self.member.id]
        if not waiting:
            return
        self._ring()
        notice = self._notice(create=True, backlog=True)
        for alert in reversed(waiting):
            notice.add(alert, escalated=alert.escalations > 0)

    def _message_moved(self, event: MessageMoved) -> None:
        if event.message.author_id == self.member.id and event.moved_by_id != self.member.id:
            self.tell("A senior member moved one of your messages to #911, where they can look after you. That's all right.", timeout=20)

    # -- SOS ------------------------------------------------------------------------------------
    def action_sos(self) -> None:
        self._open_sos("key", "")

    async def command_sos(self, argument: str) -> bool:
        self._open_sos("command", argument)
        return True

    def _open_sos(self, source: str, note: str) -> None:
        if any(isinstance(s, SosConfirmScreen) for s in self.screen_stack):
            return

        def chosen(note: str | None) -> None:
            if note is not None:
                self._raise_alert(source, note)

        self.push_screen(SosConfirmScreen(note), callback=chosen)

    @work(group="sos")
    async def _raise_alert(self, source: str, note: str) -> None:
        try:
            result = await self.services.crisis.raise_alert(self.member, source, note)
        except Exception:
            log.exception("SOS of member %s could not be saved", self.member.id)
            self._could_not_send()
            return
        self._show_sent(result, moved=False)

    def _show_sent(self, result, *, moved: bool) -> None:
        config = self.services.config
        self.push_screen(SosSentScreen(result, config.crisis_lines, config.sos_escalate_after, moved=moved))

    def _could_not_send(self) -> None:
        self.push_screen(CrisisLinesScreen(self.services.config.crisis_lines, COULD_NOT_SEND, sos_key=SOS_KEY_LABEL))

    # -- sending a message under the crisis rules (called by MainScreen.send_text) ---------------
    async def send_message(self, screen, channel: ChannelView, text: str) -> bool:
        """Send ``text`` as typed in ``channel``; False keeps the draft in the box.

        Raises TextRejected / ServiceError with kind words (the caller shows them).
        """
        try:
            outcome = await self.services.crisis.send(self.member, channel.id, text)
        except (TextRejected, ServiceError):
            raise
        except Exception:
            if has_sos_words(text):  # an SOS that could not be saved must never fail silently
                log.exception("SOS message of member %s could not be saved", self.member.id)
                self._could_not_send()
                return False
            raise
        if outcome.care_check:
            self.push_screen(care_check_screen(), callback=lambda choice: self._care_answer(screen, channel, text, choice))
            return False
        await self._after_send(screen, outcome)
        return True

    async def _after_send(self, screen, outcome) -> None:
        if outcome.message is not None and screen is not None and screen.is_attached:
            screen.show_own_message(outcome.message)  # at once, not after the fan-out to everyone else
        if outcome.alert is not None:  # the member hears first what happened; #911 loads behind it
            self._show_sent(outcome.alert, moved=outcome.moved)
        if outcome.moved and screen is not None and screen.is_attached:
            await screen.join_by_name(CRISIS_CHANNEL)

    def _care_answer(self, screen, channel: ChannelView, text: str, choice: str | None) -> None:
        if choice in ("911", "here"):
            self._send_after_care(screen, channel, text, choice == "911")
        else:
            box = screen.query_one("#message-box") if screen.is_attached else None
            if box is not None:
                box.focus()

    @work(group="care-send")
    async def _send_after_care(self, screen, channel: ChannelView, text: str, to_crisis: bool) -> None:
        try:
            outcome = await self.services.crisis.send(self.member, channel.id, text, care_checked=True, to_crisis=to_crisis)
        except (TextRejected, ServiceError) as error:
            self.tell(error.message, severity="warning")
            return
        if screen.is_attached:
            screen.query_one("#message-box").clear()
        await self._after_send(screen, outcome)
        if to_crisis and outcome.alert is None:
            self.tell(f"It's in #911. If you'd like a senior member to come now, press {SOS_KEY_LABEL} or type /sos.", timeout=15)

    # -- crisis lines, plans, the pane ------------------------------------------------------------
    def action_crisis_lines(self) -> None:
        if isinstance(self.screen, CrisisLinesScreen):
            self.screen.dismiss()  # F2 again closes them
        else:
            self.push_screen(CrisisLinesScreen(self.services.config.crisis_lines, sos_key=SOS_KEY_LABEL))

    async def command_crisis(self, argument: str) -> bool:
        self.action_crisis_lines()
        return True

    def action_safety_plan(self) -> None:
        if not any(isinstance(s, SafetyPlanScreen) for s in self.screen_stack):
            self._open_own_plan()

    @work(exclusive=True, group="own-plan")
    async def _open_own_plan(self) -> None:
        plan = await self.services.safety_plans.get_own(self.member)
        reads = await self.services.audit.plan_reads_of(self.member)
        if not any(isinstance(s, SafetyPlanScreen) for s in self.screen_stack):
            self.push_screen(SafetyPlanScreen(plan, reads))

    async def command_plan(self, argument: str) -> bool:
        """``/plan``: my own plan. ``/plan NAME``: a senior member reads NAME's plan (recorded)."""
        if not argument.strip() or argument.strip().lstrip("@").lower() == self.member.handle:
            self.action_safety_plan()
            return True
        try:
            plan = await self.services.safety_plans.read_by_handle(self.member, argument)
        except NotFound as error:
            self.tell(error.message)
            return True
        self.push_screen(SafetyPlanViewScreen(plan, audited=plan.member_id != self.member.id, timezone=self.member.timezone))
        return True

    async def open_plan_of(self, member_id: int, *, alert_id: int | None = None, name: str = "") -> None:
        try:
            plan = await self.services.safety_plans.read(self.member, member_id, alert_id=alert_id)
        except NotFound:
            self.tell(f"{name or 'This member'} hasn't shared a safety plan." if self.member.is_senior else NO_PLAN)
            return
        self.push_screen(SafetyPlanViewScreen(plan, audited=plan.member_id != self.member.id, timezone=self.member.timezone))

    def action_alerts(self) -> None:
        if not self.member.is_senior:
            self.tell(f"The alerts pane is for senior members. If you need help now, press {SOS_KEY_LABEL} or type /sos.")
            return
        pane = self._alerts_pane()
        if pane is not None and self.screen is pane:
            self.pop_screen()
            return
        notice = self._notice(create=False)
        if notice is not None and self.screen is notice:
            notice.dismiss(True)  # its callback opens the pane
            return
        if pane is None:
            self.push_screen(AlertsScreen())

    async def command_alerts(self, argument: str) -> bool:
        self.action_alerts()
        return True

    def _main_screen(self):
        from .screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    async def open_crisis_thread(self) -> None:
        main = self._main_screen()
        if main is None:
            return
        while self.screen is not main and len(self.screen_stack) > 1:
            self.pop_screen()
        await main.join_by_name(CRISIS_CHANNEL)

    async def command_move(self, argument: str) -> bool:
        """``/move``: a senior member moves a recent message of this channel to #911."""
        if not self.member.is_senior:
            self.tell("Moving messages is for senior members. If something here worries you, you could mention it in #911.")
            return True
        main = self._main_screen()
        if main is None or main.current is None:
            return True
        channel = main.current
        if channel.name == CRISIS_CHANNEL:
            self.tell("This is #911 already.")
            return True
        messages = await self.services.channels.history(self.member, channel.id, limit=30)
        if not messages:
            self.tell("There are no messages here to move.")
            return True

        async def chosen(message_id: int | None) -> None:
            if message_id is None:
                return
            try:
                await self.services.crisis.move_message_to_crisis(self.member, message_id)
            except TOLD_ERRORS as error:
                self.tell(error.message, severity="warning")
                return
            self.tell("Moved to #911. Its author has been told gently.")

        self.push_screen(MoveMessageScreen(channel.name, messages, self.member.timezone), callback=chosen)
        return True

    # -- the footer: the alerts key only for those who can use it --------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "alerts" and not self.member.is_senior:
            return False
        return True
