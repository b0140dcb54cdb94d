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
* Boundaries (issue 11), after the crisis rules, never before them: flood control (a burst and a
  sustained rate, services/flood.py), then the no-money rule: a message that solicits is held
  before anyone sees it (services/no_sales.py) and its author is told why.
* Otherwise it is posted where it was written, with its content warning if it has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..text import MAX_MESSAGE_CHARS, clean_text
from .boundaries import clean_cw
from .channels import ChannelService
from .crisis import CrisisService, RaiseResult, has_sos_words, looks_like_self_harm
from .flood import FloodGate
from .moderation import check_may_post
from .no_sales import HELD_WORDS, NoSalesService
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
    held: str = ""  # nothing was sent: the no-money rule held it; these are the words to tell the member


class MessageService:
    def __init__(
        self, config: Config, channels: ChannelService, crisis: CrisisService, no_sales: NoSalesService
    ) -> None:
        self.config = config
        self.channels = channels
        self.crisis = crisis
        self.no_sales = no_sales
        self.flood = FloodGate(config.flood_burst, config.flood_per_minute)

    async def send(
        self,
        actor: MemberView,
        channel_id: int,
        body: str,
        *,
        care_checked: bool = False,
        to_crisis: bool = False,
        content_warning: str = "",
        continuing: bool = False,
    ) -> SendOutcome:
        """Send what ``actor`` typed in ``channel_id`` under the group's rules (see the module).

        Raises TextRejected (kind words; the member's draft stays) for text we cannot accept,
        and Flooded when the member writes faster than the group can read (``continuing``: a line of
        a paste after its first, in the line mode: it goes as the first went; see services/flood.py).
        """
        text = clean_text(body, max_chars=MAX_MESSAGE_CHARS)
        cw = clean_cw(content_warning) if content_warning else ""
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
        await self.channels.store.read(lambda: check_may_post(actor))  # a timeout; never SOS or #911 (above)
        self.flood.take(actor.id, continuing=continuing)
        kind = self.no_sales.solicits(text)
        if kind is not None:
            await self.no_sales.hold(actor, channel_id, text, kind, cw)
            return SendOutcome(None, held=HELD_WORDS.format(kind=kind))
        return SendOutcome(await self.channels.post_clean(actor, channel_id, text, content_warning=cw))

    def warm_up(self) -> None:
        """Compile the self-harm phrase pattern at start: made on first use, it was compiled in the
        first message anyone sent after a start, ahead of that message's fan-out."""
        looks_like_self_harm("", self.config.self_harm_phrases)

    def _needs_care_check(self, text: str, channel_id: int, crisis_id: int, care_checked: bool) -> bool:
        """Words of self-harm outside #911 the member has not yet been asked about."""
        if channel_id == crisis_id or care_checked:
            return False
        return looks_like_self_harm(text, self.config.self_harm_phrases)
