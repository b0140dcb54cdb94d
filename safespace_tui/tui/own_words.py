"""Your own words and reports in the session (issue 11): a part of the session controller.

Keys of the message-selection mode (``widgets/message_selection.py`` WORDS_ACTIONS): ``e`` puts
one's own message into the box behind ``/edit N`` (Enter saves through the command table, Esc
cancels), ``d`` deletes it after a confirm, ``r`` reports someone else's message with a reason and
an optional note. The rules (only the author; who may see what) are in services/own_words.py and
services/reports.py; a refusal reads "not found". Leadership is told live that a report waits;
a reporter is told the outcome, live or at their next session.
"""

from __future__ import annotations

from ..hub import member_topic
from ..services.reports import OUTCOME_WORDS, REPORTS, THANKS, ReportChanged
from ..services.views import MessageView
from .screens.crisis import Confirm, confirm_screen
from .screens.report import ReportNoteScreen, ReportReason, reason_screen
from .session_part import SessionPart

ACTIONS = ("edit", "delete", "report")


class OwnWords(SessionPart):
    def start(self) -> None:
        self.session.listen(member_topic(self.member.id), self._report_decided)
        if self.member.is_senior:
            self.session.listen(REPORTS, self._report_waiting)
        self.app.run_worker(self._on_arrival(), group="reports")

    async def _on_arrival(self) -> None:
        """Outcomes decided while the member was away; for leadership, how many reports wait."""
        reports = self.services.reports
        for report_id, status in await reports.untold_outcomes(self.member):
            await self._tell_outcome(report_id, status)
        waiting = await reports.open_count(self.member)
        if waiting and not self.session.taken_down():
            noun = "report waits" if waiting == 1 else "reports wait"
            self.tell(f"{waiting} {noun} for leadership: /reports", severity="warning", timeout=12)

    async def message_acted(self, message_id: int, action: str) -> None:
        if action == "edit":
            message = await self.session.told(self.services.own_words.editable(self.member, message_id))
            if isinstance(message, MessageView):
                self.session.main.edit_in_box(message)
        elif action == "delete":
            self.app.push_screen(
                confirm_screen(
                    "Delete your message?",
                    "Its words are removed for good; a line saying a message was deleted stays.",
                    "Delete it",
                ),
                lambda answer: self._delete(message_id, answer),
            )
        elif action == "report":
            self.app.push_screen(reason_screen(), lambda reason: self._reason_chosen(message_id, reason))

    async def _delete(self, message_id: int, answer: Confirm | None) -> None:
        if answer is Confirm.YES:
            deleted = await self.session.told(self.services.own_words.delete(self.member, message_id))
            if isinstance(deleted, MessageView):
                self.tell("Deleted. Its words are gone.", timeout=4)

    def _reason_chosen(self, message_id: int, reason: ReportReason | None) -> None:
        if reason is None or reason is ReportReason.CANCEL:
            return

        async def noted(note: str | None) -> None:
            if note is not None:
                reports = self.services.reports
                sent = await self.session.told(reports.report(self.member, message_id, reason.value, note))
                if isinstance(sent, int):
                    self.tell(THANKS, timeout=10)

        self.app.push_screen(ReportNoteScreen(), noted)

    def _report_waiting(self, event: ReportChanged) -> None:
        if self.session.taken_down() or event.status != "open":
            return
        self.session.interrupt("report", "A message was reported and waits for leadership: /reports", timeout=12)

    async def _report_decided(self, event: object) -> None:
        if isinstance(event, ReportChanged) and not self.session.taken_down():
            await self._tell_outcome(event.report_id, event.status)

    async def _tell_outcome(self, report_id: int, status: str) -> None:
        words = OUTCOME_WORDS.get(status)
        if words is not None and not self.session.taken_down():
            self.tell(words, timeout=15)
            await self.services.reports.mark_told(self.member, report_id)
