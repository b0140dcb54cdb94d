"""Crisis care inside every session: a part of the session controller (``tui/session.py``).

* Members: the SOS confirm dialog, what happened after it, the gentle 911 question, the
  crisis lines (F2) and their safety plan (F4).
* Senior members and admins: a prominent notice and the terminal bell for every alert on
  whatever screen they are on, the monitoring pane (F3), escalations, and the alerts that
  waited while no senior was online, shown first thing when they connect.

The rules (who may do what) are all in ``services/``; this only shows and asks. Hub events
arrive through ``Session.listen``, so they already run in this session's own task.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

from textual.screen import Screen

from ..commands import BY_NAME
from ..hub import ALERTS, member_topic
from ..services.crisis import (
    AlertAcknowledged,
    AlertEscalated,
    AlertRaised,
    AlertResolved,
    AlertView,
    MessageMoved,
    RaiseResult,
)
from ..services.errors import NotFound
from ..services.safety_plans import NO_PLAN, SafetyPlanView
from ..services.views import ChannelView, MemberView, MessageView
from .messages import Refused
from .screens.alerts import AlertsScreen
from .screens.crisis import (
    AlertNoticeScreen,
    CareAnswer,
    CrisisLinesScreen,
    MoveMessageScreen,
    SosConfirmScreen,
    SosSentScreen,
    care_check_screen,
)
from .screens.safety_plan import SafetyPlanScreen, SafetyPlanViewScreen

if TYPE_CHECKING:
    from ..services import Services
    from .session import Session

log = logging.getLogger("safespace.tui")
S = TypeVar("S", bound=Screen)

SOS_KEY_LABEL = BY_NAME["sos"].keys[0].display
COULD_NOT_SEND = (
    "Something went wrong on our side and your SOS could not be saved. "
    "We're so sorry. Please reach out to one of these lines now, or try Ctrl+S again."
)
STILL_WAITING = (
    "No senior member has answered yet, so we have alerted them all again. "
    "You matter, and you don't have to wait alone."
)

AlertEvent = AlertRaised | AlertEscalated | AlertAcknowledged | AlertResolved


class CrisisCare:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.app = session.app

    @property
    def member(self) -> MemberView:
        return self.session.member

    @property
    def services(self) -> Services:
        return self.session.services

    def tell(self, words: str, **options) -> None:
        self.session.tell(words, **options)

    # -- lifetime --------------------------------------------------------------------------------
    def start(self) -> None:
        self.session.listen(ALERTS, self._alert_event)
        self.session.listen(member_topic(self.member.id), self._personal_event)
        if self.member.is_senior:
            self.app.run_worker(self._show_waiting_alerts(), group="crisis-backlog")

    # -- what an alert event means for this session ----------------------------------------------
    async def _alert_event(self, event: AlertEvent) -> None:
        alert = event.alert
        mine = alert.member_id == self.member.id
        if not (mine or self.member.is_senior) or self.session.taken_down():
            return
        if self._alerts_pane() is not None:
            await self.refresh_pane()
        notice = self._find(AlertNoticeScreen)
        if notice is not None and alert.id in notice.alert_ids:
            notice.update_alert(alert)
        if isinstance(event, AlertRaised):
            if not mine:
                self.session.ring()
                self._show_notice(alert)
        elif isinstance(event, AlertEscalated):
            self._escalated(alert, mine)
        elif isinstance(event, AlertAcknowledged):
            self._acknowledged(alert, mine)
        elif isinstance(event, AlertResolved):
            self._resolved(alert, mine)

    def _escalated(self, alert: AlertView, mine: bool) -> None:
        if mine:
            if not isinstance(self.app.screen, CrisisLinesScreen):
                self.app.push_screen(
                    CrisisLinesScreen(self.services.config.crisis_lines, STILL_WAITING, sos_key=SOS_KEY_LABEL)
                )
            return
        self.session.ring(3)
        self._show_notice(alert, escalated=True)
        self.tell(
            f"STILL WAITING: {alert.member_name} (@{alert.member_handle}) asked for help and nobody has answered.",
            severity="error",
            timeout=30,
        )

    def _acknowledged(self, alert: AlertView, mine: bool) -> None:
        by = alert.acknowledged_by_name
        if mine:
            for screen in self.app.screen_stack:
                if isinstance(screen, SosSentScreen) and screen.alert_id == alert.id:
                    screen.taken(by)
            self.tell(f"{by} has seen your SOS and is with you now. You can talk in #911.", timeout=30)
        elif alert.acknowledged_by_id != self.member.id:
            self.tell(f"{by} took {alert.member_name}'s alert: “I'm with you.”", timeout=15)

    def _resolved(self, alert: AlertView, mine: bool) -> None:
        by = alert.resolved_by_name
        if mine:
            self.tell(
                f"{by} has closed your SOS. If you need help again, {SOS_KEY_LABEL} or /sos is always here.", timeout=20
            )
        elif alert.resolved_by_id != self.member.id:
            self.tell(f"{by} resolved {alert.member_name}'s alert.", timeout=15)

    def _personal_event(self, event: object) -> None:
        if not isinstance(event, MessageMoved) or self.session.taken_down():
            return
        if event.message.author_id == self.member.id and event.moved_by_id != self.member.id:
            self.tell(
                "A senior member moved one of your messages to #911, where they can look after you. That's all right.",
                timeout=20,
            )

    def _find(self, kind: type[S]) -> S | None:
        for screen in self.app.screen_stack:
            if isinstance(screen, kind):
                return screen
        return None

    def _alerts_pane(self) -> AlertsScreen | None:
        return self._find(AlertsScreen)

    def _show_notice(self, alert: AlertView, *, escalated: bool = False, backlog: bool = False) -> None:
        if isinstance(self.app.screen, AlertsScreen):
            # The pane is open and already shows it; say so in words too.
            word = "STILL WAITING" if escalated else "SOS"
            self.tell(
                f"{word}: {alert.member_name} (@{alert.member_handle}) needs help now.", severity="error", timeout=20
            )
            return
        notice = self._find(AlertNoticeScreen)
        if notice is None:
            notice = AlertNoticeScreen(self.member.timezone, backlog=backlog)
            self.app.push_screen(notice, callback=self._notice_closed)
        notice.add(alert, escalated=escalated)

    def _notice_closed(self, open_pane: bool | None) -> None:
        if open_pane:
            self.toggle_alerts()

    async def _show_waiting_alerts(self) -> None:
        """First thing for a senior who connects: alerts nobody has taken yet."""
        alerts = await self.services.crisis.list_open(self.member)
        waiting = [a for a in alerts if not a.is_acknowledged and a.member_id != self.member.id]
        if not waiting or self.session.taken_down():
            return
        self.session.ring()
        for alert in reversed(waiting):
            self._show_notice(alert, escalated=alert.escalations > 0, backlog=True)

    # -- SOS ------------------------------------------------------------------------------------
    def open_sos(self, note: str, *, source: str) -> None:
        """The confirm dialog first (a stray key must not raise an SOS); ``source``: key or command."""
        if self._find(SosConfirmScreen) is not None:
            return

        def chosen(note: str | None) -> None:
            if note is not None:
                self.app.run_worker(self._raise_alert(source, note), group="sos")

        confirm = SosConfirmScreen(note)
        self.app.push_screen(confirm, callback=chosen)
        self.app.run_worker(self._show_reach(confirm), group="sos-reach")

    async def _show_reach(self, confirm: SosConfirmScreen) -> None:
        """Who would be reached, read while the member decides (never delays the dialog or the SOS)."""
        reach = await self.services.notices.reach(self.member)
        if not self.session.taken_down():
            confirm.show_reach(reach, self.services.config.crisis_lines)

    async def _raise_alert(self, source: str, note: str) -> None:
        try:
            result = await self.services.crisis.raise_alert(self.member, source, note)
        except Exception:
            log.exception("SOS of member %s could not be saved", self.member.id)
            self.could_not_send()
            return
        self.show_sent(result, moved=False)

    def show_sent(self, result: RaiseResult, *, moved: bool) -> None:
        config = self.services.config
        self.app.push_screen(SosSentScreen(result, config.crisis_lines, config.sos_escalate_after, moved=moved))

    def could_not_send(self) -> None:
        self.app.push_screen(
            CrisisLinesScreen(self.services.config.crisis_lines, COULD_NOT_SEND, sos_key=SOS_KEY_LABEL)
        )

    # -- the gentle question before self-harm talk goes to a main channel ------------------------
    def ask_before_posting(self, text: str) -> None:
        def answered(choice: CareAnswer | None) -> None:
            if choice in (CareAnswer.TO_911, CareAnswer.HERE):
                self.app.run_worker(
                    self._post_after_care(text, to_crisis=choice is CareAnswer.TO_911), group="care-send"
                )
            else:
                self.session.main.focus_box()

        self.app.push_screen(care_check_screen(), callback=answered)

    async def _post_after_care(self, text: str, *, to_crisis: bool) -> None:
        sent = await self.session.told(self.session.send(text, care_checked=True, to_crisis=to_crisis))
        if sent is not True:
            return
        self.session.main.clear_draft(text)
        if to_crisis:
            self.tell(
                f"It's in #911. If you'd like a senior member to come now, press {SOS_KEY_LABEL} or type /sos.",
                timeout=15,
            )

    # -- crisis lines and safety plans ------------------------------------------------------------
    def toggle_crisis_lines(self) -> None:
        if isinstance(self.app.screen, CrisisLinesScreen):
            self.app.screen.dismiss()  # F2 again closes them
        else:
            self.app.push_screen(CrisisLinesScreen(self.services.config.crisis_lines, sos_key=SOS_KEY_LABEL))

    async def open_own_plan(self) -> None:
        if self._find(SafetyPlanScreen) is not None:
            return
        plan = await self.services.safety_plans.get_own(self.member)
        reads = await self.services.audit.plan_reads_of(self.member)
        if self._find(SafetyPlanScreen) is None:
            self.app.push_screen(
                SafetyPlanScreen(
                    plan, reads, timezone=self.member.timezone, save=self._save_plan, delete=self._delete_plan
                )
            )

    async def _save_plan(self, values: dict[str, object]) -> SafetyPlanView | None:
        plan = await self.session.told(self.services.safety_plans.save_own(self.member, **values))
        if not isinstance(plan, SafetyPlanView):
            return None
        self.tell("Your safety plan is saved.")
        return plan

    async def _delete_plan(self) -> bool:
        deleted = await self.session.told(self.services.safety_plans.delete_own(self.member))
        if isinstance(deleted, Refused):
            return False
        self.tell("Your safety plan is deleted.")
        return True

    async def open_plan_of(self, handle: str) -> None:
        """``/plan NAME``: a senior member reads NAME's plan (recorded); anyone else: not found."""
        try:
            plan = await self.services.safety_plans.read_by_handle(self.member, handle)
        except NotFound as error:
            self.tell(error.message)
            return
        self._show_plan(plan)

    async def read_plan(self, member_id: int, alert_id: int, name: str) -> None:
        """From the alerts pane: the plan of the member who raised ``alert_id`` (recorded)."""
        try:
            plan = await self.services.safety_plans.read(self.member, member_id, alert_id=alert_id)
        except NotFound:
            self.tell(f"{name or 'This member'} hasn't shared a safety plan." if self.member.is_senior else NO_PLAN)
            return
        self._show_plan(plan, during_alert=True)

    def _show_plan(self, plan: SafetyPlanView, *, during_alert: bool = False) -> None:
        audited = plan.member_id != self.member.id
        timezone = self.member.timezone
        self.app.push_screen(SafetyPlanViewScreen(plan, audited=audited, timezone=timezone, during_alert=during_alert))

    # -- the seniors' pane ------------------------------------------------------------------------
    def toggle_alerts(self) -> None:
        """F3: open the pane, or close it; from a notice, the pane."""
        pane = self._alerts_pane()
        if pane is not None and self.app.screen is pane:
            self.app.pop_screen()
            return
        notice = self._find(AlertNoticeScreen)
        if notice is not None and self.app.screen is notice:
            notice.dismiss(True)  # its callback opens the pane
            return
        if pane is None:
            self.app.push_screen(AlertsScreen(self.member.timezone))

    async def refresh_pane(self) -> None:
        pane = self._alerts_pane()
        if pane is None:
            return
        alerts = await self.services.crisis.list_open(self.member)
        online = {a.member_id for a in alerts if self.services.presence.is_online(a.member_id)}
        if pane.is_attached:
            pane.show_alerts(alerts, online)

    async def take(self, alert_id: int) -> None:
        view = await self.services.crisis.acknowledge(self.member, alert_id)
        if view.acknowledged_by_id == self.member.id:
            hint = " p opens their safety plan;" if view.has_plan else ""
            self.tell(f"You're with {view.member_name} now; they have been told.{hint} t opens #911.")
        else:
            self.tell(f"{view.acknowledged_by_name} is already with {view.member_name}.")
        await self.refresh_pane()

    async def resolve(self, alert_id: int, note: str) -> None:
        view = await self.services.crisis.resolve(self.member, alert_id, note)
        self.tell(f"{view.member_name}'s alert is resolved. Thank you for being there.")
        await self.refresh_pane()

    # -- moving a message to #911 (senior members) ---------------------------------------------
    def pick_message_to_move(self, channel: ChannelView, messages: list[MessageView]) -> None:
        def chosen(message_id: int | None) -> None:
            if message_id is not None:
                self.app.run_worker(self._move(message_id), group="move")

        self.app.push_screen(MoveMessageScreen(channel.name, messages, self.member.timezone), callback=chosen)

    async def _move(self, message_id: int) -> None:
        moved = await self.session.told(self.services.crisis.move_message_to_crisis(self.member, message_id))
        if isinstance(moved, MessageView):
            self.tell("Moved to #911. Its author has been told gently.")
