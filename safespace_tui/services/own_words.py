"""Your own words (issue 11): a member edits or deletes a message they wrote.

Only the author may, and only their own chat messages; anyone else asking is told "not found",
exactly as for a message that does not exist, so nobody learns what they may not touch. An edit
keeps the group's rules: the text is cleaned once (text.clean_text), the no-money rule applies
(otherwise a harmless message could be edited into a sale after it was read), and words asking
for help go as a new message, where the crisis rules raise an alert. A delete empties the body
in the store (``secure_delete`` zeroes the freed bytes; the search index follows by trigger) and
``Store.checkpoint`` then merges the index and empties the -wal, so the words leave every file on
disk; a "message deleted" line remains. Either change is published as ``MessageEdited``, so every
session showing the channel redraws it live.
"""

from __future__ import annotations

from ..hub import Hub, channel_topic
from ..store.db import Store
from ..store.models import Member, Message, utcnow
from ..text import MAX_MESSAGE_CHARS, clean_text
from .channels import MessageEdited, message_view
from .crisis import has_sos_words
from .errors import Invalid, NotFound
from .moderation import check_may_post
from .no_sales import NoSalesService
from .rooms import check_may_post as check_room_open
from .views import MemberView, MessageView

NOT_FOUND = "There's no such message."
EDITABLE_KINDS = ("chat",)  # check-in cards, SOS messages and notices have their own paths
SOS_IN_EDIT = (
    "Words asking for help go as a new message, so a senior member sees them. Send them as a new "
    "message, or type /sos. Your message was not changed."
)
SALE_IN_EDIT = (
    "This looks like it asks for money or sells something, which our charter keeps out of Safe Space, "
    "so the edit was not saved. Your message is as it was."
)


def own_message(actor: MemberView, message_id: int) -> Message:
    """Inside a store transaction: ``actor``'s own editable message, or NotFound (as for none)."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None or message.author_id != actor.id or message.removed:
        raise NotFound(NOT_FOUND)
    if message.kind not in EDITABLE_KINDS:
        raise Invalid("Only chat messages can be edited or deleted here.")
    return message


class OwnWordsService:
    def __init__(self, store: Store, hub: Hub, no_sales: NoSalesService) -> None:
        self.store = store
        self.hub = hub
        self.no_sales = no_sales

    async def editable(self, actor: MemberView, message_id: int) -> MessageView:
        """The message ``actor`` is about to edit (its words go into their message box)."""

        def query() -> MessageView:
            message = own_message(actor, message_id)
            return message_view(message, Member.get_by_id(actor.id))

        return await self.store.read(query)

    async def edit(self, actor: MemberView, message_id: int, body: str) -> MessageView:
        """Replace the words of ``actor``'s own message; every session shows it "(edited)"."""
        text = clean_text(body, max_chars=MAX_MESSAGE_CHARS)
        if has_sos_words(text):
            raise Invalid(SOS_IN_EDIT)
        if self.no_sales.solicits(text) is not None:
            raise Invalid(SALE_IN_EDIT)

        def write() -> MessageView:
            message = own_message(actor, message_id)
            check_may_post(actor)  # a timeout (issue 11): edits wait too
            check_room_open(actor, message.channel_id)  # a closed mediation room is read-only (issue 11)
            message.body = text
            message.edited_at = utcnow()
            message.save()
            return message_view(message, Member.get_by_id(actor.id))

        view = await self.store.write(write)
        self.hub.publish(channel_topic(view.channel_id), MessageEdited(view))
        return view

    async def delete(self, actor: MemberView, message_id: int) -> MessageView:
        """Take back ``actor``'s own message: its words leave the store and every file on disk."""

        def write() -> MessageView:
            message = own_message(actor, message_id)
            message.body = ""
            message.content_warning = ""
            message.removed = "author"
            message.save()
            return message_view(message, Member.get_by_id(actor.id))

        view = await self.store.write(write)
        self.hub.publish(channel_topic(view.channel_id), MessageEdited(view))
        await self.store.checkpoint()
        return view
