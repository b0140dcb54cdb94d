"""Joining, in the session: a newcomer's onboarding, and what members and leadership hear of it.

A member still joining (``MemberView.joining``) gets the onboarding screens before anything of
the group (``onboard_first``), picking up at the step and charter page where they stopped
(services/onboarding.py keeps it). Once done, the session starts as any member's does. Senior
members hear when someone joined; a nominator hears the outcome of their nomination, live or
at their next session, in kind words and never the screening notes.
"""

from __future__ import annotations

from .. import commands
from ..services.messages import SendOutcome
from ..services.nominations import Outcome, nomination_topic
from ..services.onboarding import AGREEMENTS, AGREEMENTS_MEANING, JOINED, welcome_line
from ..services.views import MemberView
from ..text import TextRejected, validate_handle
from .messages import Refused
from .screens.onboarding import AgreementsScreen, CharterPage, DetailsScreen, WelcomeScreen
from .session_part import SessionPart

WHILE_JOINING_WORDS = (
    "While you're joining, Ctrl+S (or /sos) reaches a senior member and F2 (or /crisis) shows the "
    "crisis lines. Everything else opens once you've joined."
)


class Joining(SessionPart):
    _posted: SendOutcome | None = None  # what became of the welcome line, once it is posted

    def onboard_first(self) -> bool:
        """A newcomer's session starts with onboarding (True), not the group."""
        if not self.member.joining:
            return False
        self.app.run_worker(self._onboard(), group="onboarding", exclusive=True)
        return True

    def start(self) -> None:
        """Listen for what a member of the group hears of joining."""
        if self.member.is_senior:
            self.session.listen(JOINED, self._someone_joined)
        self.session.listen(nomination_topic(self.member.id), self._outcome)
        self.app.run_worker(self._untold(), group="nominations")

    # -- onboarding, in order; each step saved before the next shows
    async def _onboard(self) -> None:
        services = self.services
        state = await services.onboarding.state(self.member)
        step, page, pages = state.step, state.charter_page, state.pages
        while step == "charter":
            page = max(0, page + await self.app.push_screen_wait(CharterPage(pages[page], page, len(pages))))
            step = await services.onboarding.charter_read(self.member, page, len(pages))
        if step == "agreements":
            await self.app.push_screen_wait(AgreementsScreen(AGREEMENTS, AGREEMENTS_MEANING, self._agree))
        if step in ("agreements", "details"):
            name = await self._suggested_name()
            await self.app.push_screen_wait(
                DetailsScreen(name, self.member.pronouns, self.member.timezone, self._details)
            )
        await self.app.push_screen_wait(WelcomeScreen(welcome_line(self.member), self._welcome))
        self.session.joined(self.member)
        posted, self._posted = self._posted, None
        if posted is not None and posted.alert is not None:  # a welcome with the SOS words: an SOS
            self.session.crisis.show_sent(posted.alert, moved=posted.moved)

    async def _suggested_name(self) -> str:
        if not self.member.handle.startswith("new-"):
            return self.member.handle  # chosen already (an onboarding resumed at the welcome)
        invited = await self.services.invites.invited_name(self.member.id)
        try:
            return validate_handle(invited.replace(" ", "-"))
        except TextRejected:  # a name we cannot use is simply not suggested
            return ""

    async def _agree(self, ticked: set[str]) -> str | None:
        answer = await self.session.told(self.services.onboarding.agree(self.member, ticked), quietly=True)
        return answer.message if isinstance(answer, Refused) else None

    async def _details(self, name: str, pronouns: str, timezone: str) -> str | None:
        answer = await self.session.told(
            self.services.onboarding.set_details(self.member, name, pronouns, timezone), quietly=True
        )
        if isinstance(answer, Refused):
            return answer.message
        self.session.joining_changed(answer)
        return None

    async def _welcome(self, line: str) -> str | None:
        answer = await self.session.told(self.services.onboarding.finish_and_post(self.member, line), quietly=True)
        if isinstance(answer, Refused):
            return answer.message
        member, self._posted = answer
        self.session.joining_changed(member)
        return None

    async def typed(self, text: str) -> None:
        """A /command typed in an onboarding box: help is always there (``commands.WHILE_JOINING``),
        nothing else of the group is yet."""
        typed = commands.parse(text)
        if typed is None:
            return
        if typed.name not in commands.WHILE_JOINING:
            self.tell(WHILE_JOINING_WORDS, timeout=15)
            return
        await self.session.told(commands.run(self.session, typed))

    # -- what members hear
    def _someone_joined(self, member: MemberView) -> None:
        if self.session.taken_down() or member.id == self.member.id:
            return
        self.session.interrupt(
            "joined", f"{member.display_name} has joined the group. A welcome in #living-room could mean a lot."
        )

    async def _outcome(self, outcome: Outcome) -> None:
        if self.session.taken_down():
            return
        if self.session.interrupt("nomination", outcome.words, timeout=15):
            await self.services.nominations.told(self.member, outcome.nomination_id)

    async def _untold(self) -> None:
        for outcome in await self.services.nominations.untold(self.member):
            await self._outcome(outcome)
