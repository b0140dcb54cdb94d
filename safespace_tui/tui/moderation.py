"""Moderation in the session (issue 11): the reports pane for leadership, and what a member is told.

* Leadership (senior members and admins): F12 or ``/reports`` opens the reports pane
  (``screens/reports_pane.py``). Its keys come here as ``ReportActed``; this asks what the action
  needs (a charter rule, how long, their own words, a confirmation) and the services decide
  (``services/reports.py``, ``services/moderation.py``: every permission check is there). A report
  made or decided anywhere (``REPORTS`` on the hub) refreshes every open pane, from the store.
* Everyone: a warning, a timeout or its lifting is told at once (``member_topic``), or at the
  next session if they were away, and stays on screen long enough to read.
"""

from __future__ import annotations

from ..hub import member_topic
from ..services.moderation import ModerationNotice
from ..services.private_talk import TalkView, WordSaid
from ..services.reports import REPORTS, ReportChanged, ReportView
from . import messages as requests
from .screens.crisis import Confirm, confirm_screen
from .screens.private_talk import PrivateTalkScreen
from .screens.reports_pane import Hours, ReportsScreen, Rule, WordsScreen, hours_screen, rule_screen
from .session_part import SessionPart

NOTICE_SECONDS = 60  # a warning or timeout stays up a minute: it is read, not glimpsed


class Moderation(SessionPart):
    def start(self) -> None:
        self.session.listen(member_topic(self.member.id), self._moderated)
        if self.member.is_senior:
            self.session.listen(REPORTS, self._reports_changed)
        self.app.run_worker(self._on_arrival(), group="moderation")

    async def _on_arrival(self) -> None:
        """A warning or a running timeout given while the member was away."""
        for notice in await self.services.moderation.untold(self.member):
            if self.session.taken_down():
                return
            self.tell(notice.words, severity="warning", timeout=NOTICE_SECONDS)

    async def _moderated(self, event: object) -> None:
        if isinstance(event, WordSaid):
            self._word_said(event)
            return
        if not isinstance(event, ModerationNotice) or self.session.taken_down():
            return
        if self.session.may_interrupt("moderation"):  # shown at once; the bell keeps quiet while recharging
            self.session.ring()
        self.tell(event.words, severity="warning", timeout=NOTICE_SECONDS)
        if event.moderation_id:
            await self.services.moderation.mark_told(self.member, event.moderation_id)

    # -- the pane ------------------------------------------------------------------------------------
    @property
    def pane(self) -> ReportsScreen | None:
        return next((s for s in self.app.screen_stack if isinstance(s, ReportsScreen)), None)

    def open_pane(self) -> None:
        """F12 or ``/reports``: the pane (it asks for its reports once mounted)."""
        if self.pane is None:
            self.app.push_screen(ReportsScreen(self.member.timezone, admin=self.member.role == "admin"))

    async def _reports_changed(self, event: ReportChanged) -> None:
        if not self.session.taken_down() and self.pane is not None:
            await self._refresh()

    async def _refresh(self) -> None:
        reports = await self.session.told(self.services.reports.open_reports(self.member))
        pane = self.pane
        if isinstance(reports, list) and pane is not None and not self.session.taken_down():
            pane.show_reports(reports)

    async def acted(self, request: requests.ReportActed) -> None:
        """A key of the pane on one report (or ``refresh``)."""
        if request.action == "refresh":
            await self._refresh()
            return
        pane = self.pane
        report = next((r for r in pane.reports if r.id == request.report_id), None) if pane else None
        if report is None:
            return
        if request.action in ("hide", "dismiss"):
            hide = request.action == "hide"
            decided = await self.session.told(self.services.reports.decide(self.member, report.id, hide=hide))
            if isinstance(decided, str):
                done = "Hidden for everyone" if hide else "It stays up"
                self.tell(f"{done}. Whoever reported it is thanked and told the outcome, nothing more.")
        elif request.action == "warn":
            self.app.push_screen(
                rule_screen(f"Warn {report.message.author_name}"), lambda rule: self._warn_rule(report, rule)
            )
        elif request.action == "timeout":
            self.app.push_screen(
                hours_screen(report.message.author_name), lambda hours: self._timeout_hours(report, hours)
            )
        elif request.action == "remove":
            self._offer_removal(report)
        elif request.action == "talk":
            talk = await self.session.told(self.services.private_talk.open(self.member, report.message.author_id))
            if isinstance(talk, TalkView):
                self.open_talk(talk)

    # -- talking privately ----------------------------------------------------------------------------
    def open_talk(self, talk: TalkView) -> None:
        """The conversation's screen (once: coming back to it shows the one already open)."""
        for screen in self.app.screen_stack:
            if isinstance(screen, PrivateTalkScreen) and screen.talk.id == talk.id:
                return
        self.app.push_screen(PrivateTalkScreen(talk, self.member.timezone))

    async def talk_said(self, request: requests.TalkSaid) -> None:
        await self.session.told(self.services.private_talk.say(self.member, request.talk_id, request.text))

    def _word_said(self, event: WordSaid) -> None:
        """A line of one of this member's private conversations: shown where it is open; else,
        if it is from the other party, a notice saying how to read it."""
        if self.session.taken_down():
            return
        for screen in self.app.screen_stack:
            if isinstance(screen, PrivateTalkScreen) and screen.talk.id == event.word.talk_id:
                screen.add(event.word)
                return
        if event.word.author_id != self.member.id:
            self.session.interrupt(
                "talk", f"{event.word.author_name} wrote to you privately: /talk {event.author_handle}", timeout=20
            )

    def _warn_rule(self, report: ReportView, rule: Rule | None) -> None:
        if rule is None or rule is Rule.CANCEL:
            return

        async def written(words: str | None) -> None:
            if words is not None:
                moderation = self.services.moderation
                warned = await self.session.told(
                    moderation.warn(self.member, report.message.author_id, rule.value, words)
                )
                if isinstance(warned, int):
                    self.tell(f"{report.message.author_name} is told, kindly. It is in the audit log.")

        self.app.push_screen(WordsScreen(f"Warn {report.message.author_name}"), written)

    def _timeout_hours(self, report: ReportView, hours: Hours | None) -> None:
        if hours is None or hours is Hours.CANCEL:
            return

        def ruled(rule: Rule | None) -> None:
            if rule is None or rule is Rule.CANCEL:
                return

            async def written(words: str | None) -> None:
                if words is None:
                    return
                moderation = self.services.moderation
                author = report.message.author_id
                until = await self.session.told(moderation.timeout(self.member, author, hours.value, rule.value, words))
                if not isinstance(until, requests.Refused):
                    self.tell(
                        f"{report.message.author_name} can read but not post for {hours.value} h, and is told why. "
                        f"/timeout lift {report.message.author_handle} ends it early."
                    )

            self.app.push_screen(WordsScreen(f"A timeout for {report.message.author_name}"), written)

        self.app.push_screen(rule_screen(f"A timeout for {report.message.author_name}"), ruled)

    def _offer_removal(self, report: ReportView) -> None:
        """Admins: the one member removal there is, after a confirmation (the service checks too)."""
        name = report.message.author_name

        async def answered(choice: Confirm | None) -> None:
            if choice is Confirm.YES:
                removed = await self.session.told(
                    self.services.moderation.remove(self.member, report.message.author_id, f"report {report.id}")
                )
                if not isinstance(removed, requests.Refused):
                    self.tell(f"{name} is removed from the group; their sessions close. It is in the audit log.")

        self.app.push_screen(
            confirm_screen(
                f"Remove {name} from the group?",
                "Their sessions close now and their key no longer opens the door; what they wrote stays. "
                "The operator can restore them (safespace member restore).",
                f"Remove {name}",
            ),
            answered,
        )
