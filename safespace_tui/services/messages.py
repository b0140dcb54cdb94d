"""The one path a member's typed message takes: cleaned once, crisis rules, then posted.

Every chat message a member writes comes through ``MessageService.send``, whatever front end
they use. The text is cleaned here, once (text.clean_text); the crisis rules are one step
on the way, not a separate send path:

* The one rule for alerts: SOS words anywhere, a message written in #911, or ``to_crisis``
  (the member chose #911 for it, after the care check say): it goes to #911 and raises the
  member's alert or joins the one already open, in one transaction
  (CrisisService.post_crisis_message). A senior member writing in #911 while someone else's
  alert is open is answering it: that raises nothing.
* Self-harm phrases outside #911, not yet confirmed by the member: nothing is sent;
  ``care_check`` asks the member gently whether it belongs in #911.
* Otherwise it is posted where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..text import MAX_MESSAGE_CHARS, clean_text
from .channels import ChannelService
from .crisis import CrisisService, RaiseResult, has_sos_words, looks_like_self_harm
from .views import MemberView, MessageView


@dataclass(frozen=True)
class SendOutcome:
    """What became of a message the member sent.

    ``care_check``: nothing was sent; ask the member gently whether it belongs in #911.
    ``alert``: the message held the SOS words, went to #911 and raised an alert.
    """

    message: MessageView | None
    alert: RaiseResult | None = None
    care_check: bool = False
    moved: bool = False  # it went to #911 rather than to the channel it was written in


class MessageService:
    def __init__(self, config: Config, channels: ChannelService, crisis: CrisisService) -> None:
        self.config = config
        self.channels = channels
        self.crisis = crisis

    async def send(
        self, actor: MemberView, channel_id: int, body: str, *, care_checked: bool = False, to_crisis: bool = False
    ) -> SendOutcome:
        """Send what ``actor`` typed in ``channel_id`` under the group's rules (see the module).

        Raises TextRejected (kind words; the member's draft stays) for text we cannot accept.
        """
        text = clean_text(body, max_chars=MAX_MESSAGE_CHARS)
        crisis_id = await self.crisis.crisis_channel_id()
        sos_words = has_sos_words(text)
        in_crisis = to_crisis or channel_id == crisis_id
        if sos_words or in_crisis:
            if channel_id == crisis_id and await self.crisis.answering_in_crisis_channel(actor):
                return SendOutcome(await self.channels.post_clean(actor, crisis_id, text))
            message, alert = await self.crisis.post_crisis_message(actor, text, channel_id, sos_words=sos_words)
            return SendOutcome(message, alert=alert, moved=channel_id != message.channel_id)
        if self._needs_care_check(text, channel_id, crisis_id, care_checked):
            return SendOutcome(None, care_check=True)
        return SendOutcome(await self.channels.post_clean(actor, channel_id, text))

    def _needs_care_check(self, text: str, channel_id: int, crisis_id: int, care_checked: bool) -> bool:
        """Words of self-harm outside #911 the member has not yet been asked about."""
        if channel_id == crisis_id or care_checked:
            return False
        return looks_like_self_harm(text, self.config.self_harm_phrases)
