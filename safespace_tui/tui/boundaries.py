"""A member's boundaries in their session (issue 11): what arrives folded, and held messages.

Whether a message is folded is decided in services (``services/boundaries.py``, per reader);
this part asks it for each message this session shows, and hands the folded line to the
conversation widget. Opening a folded message happens only on this member's screen: nothing is
published, nobody is told. It also tells leadership when a held message waits for them, and an
author what leadership decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hub import member_topic
from ..services.channels import CRISIS_CHANNEL
from ..services.no_sales import HELD, HeldChanged
from ..services.views import MessageView
from .session_part import SessionPart

if TYPE_CHECKING:
    from .session import Session


class Boundaries(SessionPart):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # channel id -> is it #911; looked up once per channel, not once per message (a DOM query).
        # bench/profile_fanout.py --boundaries, 50 receivers: the fold decisions took 8.1 ms per
        # message with the query each time, 1.2 ms with this (of ~250-300 ms per broadcast)
        self._crisis: dict[int, bool] = {}

    def start(self) -> None:
        self.session.listen(member_topic(self.member.id), self._held_decided)
        if self.member.is_senior:
            self.session.listen(HELD, self._held_waiting)

    # -- folding, per reader -----------------------------------------------------------------
    def fold(self, message: MessageView) -> str | None:
        """The folded line this member sees instead of ``message``, or None."""
        in_crisis = self._crisis.get(message.channel_id)
        if in_crisis is None:
            name = self.session.main.channel_name(message.channel_id)
            in_crisis = name == CRISIS_CHANNEL
            if name:  # known: remembered (channels are never renamed)
                self._crisis[message.channel_id] = in_crisis
        return self.services.boundaries.fold(self.member, message, in_crisis_channel=in_crisis)

    def folds(self, messages: list[MessageView]) -> dict[int, str]:
        return {message.id: line for message in messages if (line := self.fold(message))}

    def muted(self, author_id: int) -> bool:
        """A muted member's mentions never ring (and they are never told)."""
        return author_id in self.services.boundaries.lens(self.member).muted

    # -- held messages ----------------------------------------------------------------------------
    def _held_waiting(self, event: HeldChanged) -> None:
        if self.session.taken_down() or event.held.status != "pending":
            return
        self.session.interrupt("held", "A message is waiting for leadership to approve or decline: /held", timeout=10)

    def _held_decided(self, event: object) -> None:
        if not isinstance(event, HeldChanged) or self.session.taken_down():
            return
        held = event.held
        if held.status == "approved":
            self.tell(f"Leadership approved your held message; it is now in #{held.channel_name}.", timeout=12)
        elif held.status == "declined":
            self.tell(
                "Leadership kept your held message back, so it was not posted. Thank you for asking first.",
                timeout=12,
            )
