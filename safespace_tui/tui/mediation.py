"""Mediation in the session (issue 11): a part of the session controller that tells its member.

The steps themselves are typed (``/mediation …``, commands_mediation.py); what this part adds is
being told: live, in fixed words, when something changes in a mediation the member is in (a
reminder within the hour, the room opening), and, as the session starts, the times and rooms
already set. A new room joins the channel list through ``CHANNELS`` (tui/session.py).
"""

from __future__ import annotations

from ..commands_mediation import mediation_line
from ..hub import member_topic
from ..services.mediation import MediationNotice, MediationView
from .messages import Refused
from .screens.mediation import MediationScreen
from .session_part import SessionPart


class MediationPart(SessionPart):
    def start(self) -> None:
        self.session.listen(member_topic(self.member.id), self._told)
        self.app.run_worker(self._on_arrival(), group="mediation")

    async def _on_arrival(self) -> None:
        for words in await self.services.mediation.on_arrival(self.member):
            if self.session.taken_down():
                return
            self.tell(words, timeout=20)

    async def open_form(self) -> None:
        """``/mediation``: the member's own mediations, and a request for a new one."""
        mine = await self.services.mediation.mine(self.member)
        self.app.push_screen(MediationScreen([mediation_line(v) for v in mine], self._ask))

    async def _ask(self, with_whom: str, words: str) -> str | None:
        asked = await self.session.told(self.services.mediation.ask(self.member, with_whom, words), quietly=True)
        if isinstance(asked, Refused):
            return asked.message
        assert isinstance(asked, MediationView)
        self.tell(f"Asked (mediation {asked.id}). Only leadership reads your words; you'll be told here what happens.")
        return None

    def _told(self, event: object) -> None:
        """Not while recharging (no pop-ups then); the next session start says what still matters."""
        if isinstance(event, MediationNotice) and not self.session.taken_down():
            self.session.interrupt("mediation", event.words, timeout=20)
