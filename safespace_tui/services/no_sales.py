"""No money, no sales: messages that solicit are held before anyone sees them (issue 11).

The charter forbids "sales or marketing of any kind". ``solicits`` finds what looks like asking
for money or selling (sales_words.py, configurable); services/messages.py ``send`` holds such a
message here instead of posting it, and tells its author kindly why. The author may rephrase
(the draft comes back), or send the held message to leadership (``ask_leadership``); a senior
member or admin then approves it (it is posted as the author wrote it) or declines it. Only the
author and leadership ever see a held message; each decision is an audit row (ids only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..hub import Hub, member_topic
from ..store.db import Store
from ..store.models import Channel, HeldMessage, Member, utcnow
from ..text import clean_for_display
from .audit import HELD_APPROVED, HELD_DECLINED, record
from .channels import ChannelService
from .errors import NotFound
from .members import to_view
from .views import MemberView, MessageView

HELD = "held-messages"  # hub topic: a held message was sent to leadership, or decided
HELD_WORDS = (
    "This looks like it asks for money or sells something ({kind}), so it was held and nobody has seen "
    "it. Our charter keeps Safe Space free of sales and money requests, so that everyone here can trust "
    "why others reach out. You can rephrase it (your words are back in the box), or type /ask-leaders to "
    "send it to leadership to approve."
)


@dataclass(frozen=True)
class HeldView:
    id: int
    author_id: int
    author_handle: str
    channel_id: int
    channel_name: str
    body: str
    kind: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class HeldChanged:
    """Published on ``HELD`` (leadership's sessions) and on the author's ``member_topic``."""

    held: HeldView


def _view(row: HeldMessage) -> HeldView:
    return HeldView(
        id=row.id,
        author_id=row.author_id,
        author_handle=clean_for_display(row.author.handle, multiline=False),
        channel_id=row.channel_id,
        channel_name=clean_for_display(row.channel.name, multiline=False),
        body=clean_for_display(row.body),
        kind=row.reason,
        status=row.status,
        created_at=row.created_at,
    )


class NoSalesService:
    def __init__(self, config: Config, store: Store, hub: Hub, channels: ChannelService) -> None:
        self.store = store
        self.hub = hub
        self.channels = channels
        self.patterns = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in config.solicitation_patterns]

    def solicits(self, text: str) -> str | None:
        """The kind of soliciting ``text`` looks like ("a payment handle"), or None."""
        for kind, pattern in self.patterns:
            if pattern.search(text):
                return kind
        return None

    async def hold(self, actor: MemberView, channel_id: int, text: str, kind: str, content_warning: str = "") -> int:
        """Keep the message where only its author (and, if asked, leadership) can reach it."""

        def write() -> int:
            # one held message per member at a time: a newer one replaces what was never sent on
            HeldMessage.delete().where(HeldMessage.author == actor.id, HeldMessage.status == "held").execute()
            row = HeldMessage.create(
                author=actor.id, channel=channel_id, body=text, content_warning=content_warning, reason=kind
            )
            return row.id

        return await self.store.write(write)

    async def ask_leadership(self, actor: MemberView) -> HeldView:
        """Send the member's held message to leadership to approve."""

        def write() -> HeldView:
            row = (
                HeldMessage.select()
                .where(HeldMessage.author == actor.id, HeldMessage.status == "held")
                .order_by(HeldMessage.id.desc())
                .first()
            )
            if row is None:
                raise NotFound("You have no held message to send. Messages are held only when they look like sales.")
            row.status = "pending"
            row.save()
            return _view(row)

        view = await self.store.write(write)
        self.hub.publish(HELD, HeldChanged(view))
        return view

    async def pending(self, actor: MemberView) -> list[HeldView]:
        """Held messages waiting for leadership (senior members and admins only)."""
        if not actor.is_senior:
            raise NotFound("There's nothing here.")

        def query() -> list[HeldView]:
            rows = (
                HeldMessage.select(HeldMessage, Member, Channel)
                .join(Member, on=(HeldMessage.author == Member.id))
                .switch(HeldMessage)
                .join(Channel)
                .where(HeldMessage.status == "pending")
                .order_by(HeldMessage.id)
            )
            return [_view(row) for row in rows]

        return await self.store.read(query)

    async def decide(self, actor: MemberView, held_id: int, *, approve: bool) -> tuple[HeldView, MessageView | None]:
        """Approve (post it, as its author wrote it) or decline a pending held message."""
        if not actor.is_senior:
            raise NotFound("There's no held message with that number.")

        def write() -> tuple[HeldView, MemberView | None]:
            row = HeldMessage.get_or_none(HeldMessage.id == held_id, HeldMessage.status == "pending")
            if row is None:
                raise NotFound("There's no held message with that number waiting. /held lists them.")
            row.status = "approved" if approve else "declined"
            row.decided_by_id = actor.id
            row.decided_at = utcnow()
            row.save()
            record(actor.id, HELD_APPROVED if approve else HELD_DECLINED, subject_id=row.author_id, detail=row.reason)
            author = Member.get_by_id(row.author_id)
            return _view(row), (to_view(author) if approve and author.removed_at is None else None)

        view, author = await self.store.write(write)
        message = None
        if author is not None:
            text, cw = await self.store.read(lambda: _body_and_cw(held_id))
            message = await self.channels.post_clean(author, view.channel_id, text, content_warning=cw)
            await self.store.write(
                lambda: HeldMessage.update(message=message.id).where(HeldMessage.id == held_id).execute()
            )
        self.hub.publish(HELD, HeldChanged(view))
        self.hub.publish(member_topic(view.author_id), HeldChanged(view))
        return view, message


def _body_and_cw(held_id: int) -> tuple[str, str]:
    row = HeldMessage.get_by_id(held_id)
    return row.body, row.content_warning
