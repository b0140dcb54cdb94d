"""Crisis care inside every session: a part of the session controller (``tui/session.py``).

* Members: the SOS confirm dialog, what happened after it, the gentle 911 question, the
  crisis lines (F2) and their safety plan (F4).
* Senior members and admins: a prominent notice and the terminal bell for every alert on
  whatever screen they are on, the monitoring pane (F3), escalations, alerts that come back
  because their senior had to step away, and the alerts still waiting, shown first thing when
  they connect.

A notice never takes the focus: it is a toast over whatever the senior is doing, so a line
they are typing goes on into their message box. Acting on an alert is a deliberate step: F3,
then a key in the pane, then (to close it or open a plan) a confirmation. Issue 9: a modal
notice that took Enter, over a pane where single letters acted, let a senior's typing take
and close a member's alert.

The rules (who may do what) are all in ``services/``; this only shows and asks. Hub events
arrive through ``Session.listen``, so they already run in this session's own task.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from textual.screen import Screen

from .. import crisis_words as words
from ..commands import BY_NAME
from ..hub import ALERTS, member_topic
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
    HoldingEnough,
    MessageMoved,
    RaiseResult,
    ReturnReason,
    SosNotSaved,
    WithdrawReason,
)
from ..services.debriefs import MAX_DEBRIEF_CHARS, DebriefView
from ..services.errors import NotFound
from ..services.safety_plans import NO_PLAN, SafetyPlanView
from ..services.views import ChannelView, MessageView
from .messages import Refused
from .screens.alerts import AlertsScreen
from .screens.crisis import (
    SOURCE_WORDS,
    CareAnswer,
    CrisisLinesScreen,
    MoveMessageScreen,
    NoteScreen,
    PickSeniorScreen,
    SosConfirmScreen,
    SosSentScreen,
    WithdrawAnswer,
    age,
    care_check_screen,
    local_time,
    who,
    withdraw_screen,
)
from .screens.safety_plan import SafetyPlanScreen, SafetyPlanViewScreen
from .session_part import SessionPart

log = logging.getLogger("safespace.tui")
S = TypeVar("S", bound=Screen)

SOS_KEY_LABEL = BY_NAME["sos"].keys[0].display
COULD_NOT_SEND = words.COULD_NOT_SEND
STILL_WAITING = words.STILL_WAITING
NOTICE_SECONDS = 120  # a notice stays this long; the alert stays in the pane (F3) until it is closed

AlertEvent = (
    AlertRaised
    | AlertEscalated
    | AlertAcknowledged
    | AlertResolved
    | AlertReturned
    | AlertHanded
    | AlertReopened
    | AlertWithdrawn
)


class CrisisCare(SessionPart):
    _listening = False  # started once: in onboarding (a newcomer's own SOS), or with the group

    # -- lifetime --------------------------------------------------------------------------------
    def start(self) -> None:
        if self._listening:  # a newcomer who finishes joining keeps what onboarding started
            return
        self._listening = True
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
        if mine:
            self._tell_member(event)
        elif isinstance(event, AlertRaised | AlertEscalated | AlertReturned | AlertHanded):
            await self._tell_senior(event)
        elif isinstance(event, AlertAcknowledged) and alert.acknowledged_by_id != self.member.id:
            self.tell(f"{alert.acknowledged_by_name} took {alert.member_name}'s alert: “I'm with you.”", timeout=15)
        elif isinstance(event, AlertResolved) and alert.resolved_by_id != self.member.id:
            self.tell(f"{alert.resolved_by_name} closed {alert.member_name}'s alert.", timeout=15)
        elif isinstance(event, AlertReopened):
            self.tell(f"{event.by_name} opened {alert.member_name}'s alert again; it is waiting.", timeout=15)
        elif isinstance(event, AlertWithdrawn):
            self.tell(f"{alert.member_name} took their SOS back: “{event.reason.value}”.", timeout=20)
        if self._alerts_pane() is not None:  # after the notice: the bell and the words come first
            await self.refresh_pane()

    def _tell_member(self, event: AlertEvent) -> None:
        """Each step of the member's own SOS, in warm words (crisis_words.py)."""
        alert = event.alert
        if isinstance(event, AlertEscalated):
            if not isinstance(self.app.screen, CrisisLinesScreen):
                self.app.push_screen(
                    CrisisLinesScreen(self.services.config.crisis_lines, STILL_WAITING, sos_key=SOS_KEY_LABEL)
                )
        elif isinstance(event, AlertAcknowledged):
            self._show_taken(alert.id, alert.acknowledged_by_name)
            taken = words.taken_for_joining if self.member.joining else words.taken_for_member
            self.tell(taken(alert.acknowledged_by_name), timeout=30)
        elif isinstance(event, AlertReturned):
            self._show_taken(alert.id, "")
            if event.reason is ReturnReason.HANDED_BACK:
                self.tell(words.handed_back_for_member(event.held_by_name), timeout=30)
            else:
                self.tell(words.returned_for_member(event.held_by_name), timeout=30)
        elif isinstance(event, AlertHanded):
            self._show_taken(alert.id, alert.acknowledged_by_name)
            if self.member.joining:  # no #911 for them yet: the senior reaches out
                self.tell(words.taken_for_joining(alert.acknowledged_by_name), timeout=30)
            else:
                self.tell(words.handed_for_member(event.from_name, alert.acknowledged_by_name), timeout=30)
        elif isinstance(event, AlertResolved):
            self.tell(words.closed_for_member(alert.resolved_by_name), timeout=30)
        elif isinstance(event, AlertReopened):
            self.tell(words.reopened_for_member(event.by_name), timeout=20)

    def _show_taken(self, alert_id: int, name: str) -> None:
        """The member's "SOS sent" dialog names who is with them now, or nobody (never a stale name)."""
        for screen in self.app.screen_stack:
            if isinstance(screen, SosSentScreen) and screen.alert_id == alert_id:
                screen.taken(name)

    async def _tell_senior(self, event: AlertRaised | AlertEscalated | AlertReturned | AlertHanded) -> None:
        alert = event.alert
        if isinstance(event, AlertHanded):
            if alert.acknowledged_by_id == self.member.id:
                self.session.ring()
                self.notice("With you now", words.handed_to_you(event.from_name, alert.member_name), alert)
            elif alert.acknowledged_by_id is not None:
                self.tell(f"{event.from_name} handed {alert.member_name}'s alert to {alert.acknowledged_by_name}.")
            return
        waiting = await self._waiting_count()
        if isinstance(event, AlertEscalated):
            self.session.ring(3)
            title, headline = "⚠ STILL WAITING", words.still_waiting_headline(who(alert), alert.escalations)
        elif isinstance(event, AlertReturned):
            if event.reason is ReturnReason.HANDED_BACK:
                headline = words.handed_back_headline(event.held_by_name, alert.member_name)
            else:
                headline = words.returned_headline(event.held_by_name, alert.member_name)
            self.session.ring()
            title = "⚠ SOS waiting again"
        elif not alert.saved:  # told from memory: the store could not write it
            self.session.ring(3)
            title, headline = words.UNSAVED_TITLE, words.unsaved_headline(who(alert))
        else:
            self.session.ring()
            title, headline = "⚠ SOS", words.sos_headline(who(alert))
        self.notice(title, headline, alert, waiting=waiting)

    async def _waiting_count(self) -> int:
        """Every alert waiting for a senior now (the store's count, not this session's notices)."""
        return await self.services.crisis.waiting_count(self.member)

    def notice(self, title: str, headline: str, alert: AlertView, *, waiting: int | None = None) -> None:
        """A toast on whatever screen the senior is on: it never takes the focus (see the module)."""
        if self.session.taken_down():
            return
        if isinstance(self.app.screen, AlertsScreen):  # the pane shows it already: a line, not a card over it
            self.tell(f"{title}: {headline}", severity="error", timeout=10)
            return
        source = SOURCE_WORDS.get(alert.source, alert.source)
        lines = [
            headline,
            f"{local_time(alert.created_at, self.member.timezone)} ({age(alert.created_at)}) · from {source}",
        ]
        quoted = alert.note or alert.message_excerpt
        if quoted:
            lines.append(f"“{quoted}”")
        if waiting is not None:
            lines.append(words.waiting_count(waiting))
        lines.append(words.NOTICE_KEYS)
        self.app.notify("\n".join(lines), title=title, severity="error", timeout=NOTICE_SECONDS, markup=False)

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

    async def _show_waiting_alerts(self) -> None:
        """First thing for a senior who connects: alerts nobody has taken yet, said honestly."""
        alerts = await self.services.crisis.list_open(self.member)
        waiting = [a for a in alerts if not a.is_acknowledged and a.member_id != self.member.id]
        if not waiting or self.session.taken_down():
            return
        self.session.ring()
        for alert in reversed(waiting):
            title = "⚠ " + words.waiting_since(alert.seniors_notified)
            self.notice(title, words.sos_headline(who(alert)), alert, waiting=len(waiting))

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
        except SosNotSaved as unsaved:  # the seniors online were told from memory; say so honestly
            self.app.push_screen(
                CrisisLinesScreen(self.services.config.crisis_lines, unsaved.message, sos_key=SOS_KEY_LABEL)
            )
            return
        except Exception:
            log.exception("SOS of member %s could not be saved", self.member.id)
            self.could_not_send()
            return
        self.show_sent(result, moved=False)

    def show_sent(self, result: RaiseResult, *, moved: bool) -> None:
        if result.joined:  # the member's SOS is already open: no second alert, and no second dialog
            self.tell(words.joined_for_member(), timeout=15)
            return
        config = self.services.config
        sent = SosSentScreen(
            result, config.crisis_lines, config.sos_escalate_after, moved=moved, joining=self.member.joining
        )
        self.app.push_screen(sent)

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
        if sent is True:  # in #911 it raised the member's alert: the SOS dialog says what happens next
            self.session.main.clear_draft(text)

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
        if pane is None:
            self.app.push_screen(AlertsScreen(self.member.timezone))

    async def refresh_pane(self) -> None:
        pane = self._alerts_pane()
        if pane is None:
            return
        alerts = await self.services.crisis.list_for_pane(self.member)
        online = {a.member_id for a in alerts if self.services.presence.is_online(a.member_id)}
        held = sum(1 for a in alerts if a.is_open and a.acknowledged_by_id == self.member.id)
        if pane.is_attached:
            pane.show_alerts(alerts, online, held)

    async def take(self, alert_id: int) -> None:
        try:
            view = await self.services.crisis.acknowledge(self.member, alert_id)
        except HoldingEnough as error:
            self.tell(f"{error.message} {words.HOLDING_ENOUGH}", severity="warning", timeout=15)
            return
        if view.acknowledged_by_id == self.member.id:
            hint = " p opens their safety plan;" if view.has_plan else ""
            self.tell(f"You're with {view.member_name} now; they have been told.{hint} t opens #911.")
        else:
            self.tell(f"{view.acknowledged_by_name} is already with {view.member_name}.")
        await self.refresh_pane()

    async def offer_hand_over(self, alert_id: int) -> None:
        """h in the pane: to a senior who can come now, or back to everyone."""
        view = await self.services.crisis.get(self.member, alert_id)
        if view.acknowledged_by_id != self.member.id:
            self.tell("Only the senior member who is with them can hand this alert on.", severity="warning")
            return
        online = self.services.presence.online_seniors() - {self.member.id, view.member_id}
        seniors = [
            (m.id, m.display_name)
            for m in await self.services.members.list()
            if m.id in online and m.status not in ("away", "recharging")
        ]

        def chosen(to: int | None) -> None:
            if to is not None:
                self.app.run_worker(self._hand_over(alert_id, to or None), group="hand-over")

        self.app.push_screen(PickSeniorScreen(view.member_name, seniors), callback=chosen)

    async def _hand_over(self, alert_id: int, to: int | None) -> None:
        view = await self.session.told(self.services.crisis.hand_over(self.member, alert_id, to))
        if isinstance(view, AlertView):
            where = view.acknowledged_by_name if to else "every senior member"
            self.tell(f"{view.member_name}'s alert is with {where} now. Thank you.")
        await self.refresh_pane()

    async def resolve(self, alert_id: int, note: str) -> None:
        view = await self.services.crisis.resolve(self.member, alert_id, note)
        self.tell(f"{view.member_name}'s alert is closed. Thank you for being there.")
        await self.refresh_pane()
        self.offer_debrief(view)

    def offer_debrief(self, alert: AlertView) -> None:
        """Responder care after closing: a private word to leadership (Esc skips) and their own spoons."""
        if self.session.taken_down():
            return

        def written(note: str | None) -> None:
            if note is not None and note.strip():
                self.app.run_worker(self._save_debrief(alert.id, note), group="debrief")
            self.tell(words.SPOONS_REMINDER, timeout=20)

        body = words.DEBRIEF_BODY.format(member=alert.member_name)
        self.app.push_screen(
            NoteScreen(words.DEBRIEF_TITLE, body, words.DEBRIEF_PLACEHOLDER, max_length=MAX_DEBRIEF_CHARS),
            callback=written,
        )

    async def _save_debrief(self, alert_id: int, note: str) -> None:
        saved = await self.session.told(self.services.debriefs.save(self.member, alert_id, note))
        if isinstance(saved, DebriefView):
            self.tell(words.DEBRIEF_SAVED)

    async def reopen(self, alert_id: int) -> None:
        view = await self.services.crisis.reopen(self.member, alert_id)
        self.tell(f"{view.member_name}'s alert is open again and waiting. a takes it.")
        await self.refresh_pane()

    # -- the member takes their own SOS back --------------------------------------------------------
    def open_withdraw(self) -> None:
        def answered(answer: WithdrawAnswer | None) -> None:
            reasons = {
                WithdrawAnswer.OKAY_NOW: WithdrawReason.OKAY_NOW,
                WithdrawAnswer.NOT_AN_SOS: WithdrawReason.NOT_AN_SOS,
            }
            if answer in reasons:
                self.app.run_worker(self._withdraw(reasons[answer]), group="withdraw")

        self.app.push_screen(withdraw_screen(), callback=answered)

    async def _withdraw(self, reason: WithdrawReason) -> None:
        withdrawn = await self.services.crisis.withdraw(self.member, reason)
        if not withdrawn:
            self.tell(words.WITHDRAW_NOTHING_OPEN)
            return
        for screen in list(self.app.screen_stack):
            if isinstance(screen, SosSentScreen):
                screen.dismiss()
        self.tell(words.withdrawn_for_member(any(a.message_id for a in withdrawn)), timeout=20)
        current = self.session.main.current
        if current is not None:
            await self.session.join_channel(current)

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
