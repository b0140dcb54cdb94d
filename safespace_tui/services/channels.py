"""Channels and messages: who may read what, and persist-then-publish for every post."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from functools import cache

from peewee import JOIN, fn

from ..hub import Hub, channel_topic
from ..store.db import Store, tuples
from ..store.models import Channel, Member, Message, ReadMarker
from ..text import MAX_MESSAGE_CHARS, clean_for_display, clean_line, clean_text
from .errors import Invalid, NotFound
from .rooms import ROOM_PREFIX, all_rooms, check_may_post, hidden_rooms
from .views import ChannelView, MemberView, MessageView

# The channels every group has, named here and nowhere else.
LIVING_ROOM = "living-room"  # stepping away and coming back are said here
CHECK_INS = "check-ins"  # the daily check-in cards
WINS = "wins"  # a check-in's win, seen by the same people as its card
CRISIS_CHANNEL = "911"  # SOS words send a message here, with an alert
DEFAULT_CHANNELS = (
    (LIVING_ROOM, "Everyday talk. Say hello, say goodbye, say how it's going.", 10),
    (CHECK_INS, "Daily check-ins: a few words about today.", 20),
    (WINS, "Progress, big or small. We celebrate it together.", 30),
    (CRISIS_CHANNEL, "For crisis. Say SOS or Emergency and a senior member will come.", 40),
)
READ_MARKERS_SAVED_AFTER = 1.0  # seconds: every session's read markers in one transaction
log = logging.getLogger("safespace.channels")
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class MessagePosted:
    """Published on ``channel_topic(id)`` after the message is committed."""

    message: MessageView


@dataclass(frozen=True)
class MessageEdited:
    """Published on ``channel_topic(id)`` after an edit is committed (a check-in card, say).

    Its visibility may have narrowed: a viewer who may no longer see it must drop it.
    """

    message: MessageView


def message_view(message: Message, author: Member) -> MessageView:
    """What anyone is shown of ``message``: a deleted or hidden one has no words, not even its CW."""
    removed = message.removed
    return MessageView(
        id=message.id,
        channel_id=message.channel_id,
        author_id=author.id,
        author_handle=clean_for_display(author.handle, multiline=False),
        author_name=clean_for_display(author.display_name, multiline=False) or author.handle,
        body="" if removed else clean_for_display(message.body),  # cleaned before it is shown, as well as stored
        created_at=message.created_at,
        kind=message.kind,
        visibility=message.visibility,
        content_warning="" if removed else clean_for_display(message.content_warning, multiline=False),
        edited=message.edited_at is not None,
        removed=removed,
    )


def _shown_topic(topic: str) -> str:
    return clean_for_display(topic, multiline=False)


def visible_to(actor: MemberView):
    """The messages ``actor`` may read: group posts, and restricted ones they are allowed."""
    condition = (Message.visibility == "group") | (Message.author == actor.id)
    if actor.is_senior:
        condition = condition | (Message.visibility == "seniors")
    return condition & Message.channel.not_in(hidden_rooms(actor))  # a private room they're not in: nothing


def may_see(actor: MemberView, message: MessageView) -> bool:
    if message.visibility == "group" or message.author_id == actor.id:
        return True
    return message.visibility == "seniors" and actor.is_senior


def validate_channel_name(name: str) -> str:
    name = name.strip().lstrip("#").lower()
    if not _CHANNEL_NAME.match(name):
        raise Invalid("Channel names use a-z, 0-9 and '-', start with a letter or digit, up to 32 characters.")
    if name.startswith(ROOM_PREFIX):  # kept for mediation rooms: "already exists" would give one away
        raise Invalid(f"Names starting with {ROOM_PREFIX!r} are kept for mediation rooms. Please choose another.")
    return name


class ChannelService:
    def __init__(self, store: Store, hub: Hub, history_page: int = 100) -> None:
        self.store = store
        self.hub = hub
        self.history_page = history_page
        self._unsaved_reads: dict[tuple[int, int], int] = {}  # (member, channel) -> last read id
        self._saving_reads: asyncio.Task | None = None

    async def ensure_defaults(self) -> None:
        def write() -> None:
            for name, topic, position in DEFAULT_CHANNELS:
                Channel.get_or_create(name=name, defaults={"topic": topic, "position": position})

        await self.store.write(write)

    async def add(self, name: str, topic: str = "") -> ChannelView:
        name = validate_channel_name(name)
        topic = clean_line(topic, max_chars=200) if topic.strip() else ""

        def write() -> ChannelView:
            if Channel.select().where(Channel.name == name).exists():
                raise Invalid(f"There is already a channel called {name!r}.")
            channel = Channel.create(name=name, topic=topic)
            return ChannelView(channel.id, channel.name, _shown_topic(channel.topic))

        return await self.store.write(write)

    async def by_name(self, name: str, actor: MemberView | None = None) -> ChannelView:
        """The channel called ``name``; with ``actor``, a private room they are not in is not found.
        Without ``actor`` (the server's own lookups), private rooms are never found."""
        name = name.strip().lstrip("#").lower()

        def query() -> ChannelView:
            channel = Channel.get_or_none(
                Channel.name == name,
                Channel.archived_at.is_null(),
                Channel.id.not_in(hidden_rooms(actor)) if actor is not None else Channel.id.not_in(all_rooms()),
            )
            if channel is None:
                raise NotFound(f"There's no channel called {name!r}. Try /join {LIVING_ROOM}.")
            return ChannelView(channel.id, channel.name, _shown_topic(channel.topic))

        return await self.store.read(query)

    async def list_for(self, actor: MemberView) -> list[ChannelView]:
        """Every channel with the number of messages ``actor`` has not read yet."""
        await self.save_read_markers()  # counts from what was read a moment ago, too

        def query() -> list[ChannelView]:
            markers = {m.channel_id: m.last_read_id for m in ReadMarker.select().where(ReadMarker.member == actor.id)}
            result = []
            for channel in (
                Channel.select()
                .where(Channel.archived_at.is_null(), Channel.id.not_in(hidden_rooms(actor)))
                .order_by(Channel.position, Channel.name)
            ):
                unread = (
                    Message.select()
                    .where(
                        Message.channel == channel.id,
                        Message.id > markers.get(channel.id, 0),
                        Message.author != actor.id,
                        visible_to(actor),
                    )
                    .count()
                )
                result.append(ChannelView(channel.id, channel.name, _shown_topic(channel.topic), unread))
            return result

        return await self.store.read(query)

    async def history(
        self, actor: MemberView, channel_id: int, before_id: int | None = None, limit: int | None = None
    ) -> list[MessageView]:
        """Up to ``limit`` messages older than ``before_id`` (oldest first). Uses the (channel, id) index."""
        limit = min(limit or self.history_page, 500)

        def query() -> list[MessageView]:
            rows = (
                Message.select(Message, Member)
                .join(Member, on=(Message.author == Member.id))
                .where(Message.channel == channel_id, visible_to(actor))
            )
            if before_id is not None:
                rows = rows.where(Message.id < before_id)
            rows = rows.order_by(Message.id.desc()).limit(limit)
            return [message_view(m, m.author) for m in reversed(list(rows))]

        return await self.store.read(query)

    async def post(
        self, actor: MemberView, channel_id: int, body: str, *, kind: str = "chat", visibility: str = "group"
    ) -> MessageView:
        """Clean, commit, then tell subscribers. Raises TextRejected with a kind message.

        Not a member's typed chat: that goes through services/messages.py (the crisis rules).
        """
        text = clean_text(body, max_chars=MAX_MESSAGE_CHARS)
        return await self.post_clean(actor, channel_id, text, kind=kind, visibility=visibility)

    async def post_clean(
        self,
        actor: MemberView,
        channel_id: int,
        body: str,
        *,
        kind: str = "chat",
        visibility: str = "group",
        content_warning: str = "",
    ) -> MessageView:
        """Commit ``body``, already cleaned by text.clean_text, then tell subscribers."""

        def write() -> MessageView:
            channel = Channel.get_or_none(Channel.id == channel_id)
            if channel is None:
                raise NotFound("That channel is gone.")
            if channel.archived_at is not None:
                raise Invalid(f"#{channel.name} was archived, so it takes no new messages. Your words are still here.")
            check_may_post(actor, channel_id)
            author = Member.get_by_id(actor.id)
            message = Message.create(
                channel=channel,
                author=author,
                body=body,
                kind=kind,
                visibility=visibility,
                content_warning=content_warning,
            )
            record_read(actor.id, channel_id, message.id)
            return message_view(message, author)

        view = await self.store.write(write)
        self.hub.publish(channel_topic(channel_id), MessagePosted(view))
        return view

    def mark_read(self, actor: MemberView, channel_id: int, message_id: int) -> None:
        """Remember what ``actor`` has seen; saved within a second, with every other session's.

        Every session viewing a channel reads every message: one transaction (and fsync) each
        would be fifty per message. A crash loses at most a second of read markers, which only
        makes an unread count one or two too high.
        """
        key = (actor.id, channel_id)
        if message_id > self._unsaved_reads.get(key, 0):
            self._unsaved_reads[key] = message_id
        if self._saving_reads is None:
            self._saving_reads = asyncio.get_running_loop().create_task(self._save_reads_soon())

    async def _save_reads_soon(self) -> None:
        try:
            await asyncio.sleep(READ_MARKERS_SAVED_AFTER)
        finally:
            self._saving_reads = None
        await self.save_read_markers()

    async def save_read_markers(self) -> None:
        """Save every remembered read marker now (before counting unread, and at shutdown)."""
        if not self._unsaved_reads:
            return
        reads, self._unsaved_reads = self._unsaved_reads, {}

        def write() -> None:
            record_reads([(member_id, channel_id, message_id) for (member_id, channel_id), message_id in reads.items()])

        try:
            await self.store.write(write)
        except Exception:  # a full disk, say: unread counts may be high; nobody's words are lost
            log.warning("could not save %d read markers", len(reads), exc_info=True)

    async def last_read(self, actor: MemberView, channel_id: int) -> int:
        """The newest message ``actor`` had seen in the channel (0: none): where "new since you
        were last here" begins."""
        unsaved = self._unsaved_reads.get((actor.id, channel_id), 0)

        def query() -> int:
            marker = ReadMarker.get_or_none(ReadMarker.member == actor.id, ReadMarker.channel == channel_id)
            return marker.last_read_id if marker is not None else 0

        return max(unsaved, await self.store.read(query))

    async def list_all(self) -> list[tuple[ChannelView, int]]:
        """For the CLI: every channel and its message count."""

        def query() -> list[tuple[ChannelView, int]]:
            rows = tuples(
                Channel.select(Channel.id, Channel.name, Channel.topic, fn.COUNT(Message.id))
                .join(Message, JOIN.LEFT_OUTER, on=(Message.channel == Channel.id))
                .where(Channel.id.not_in(all_rooms()))  # private rooms: `safespace mediation list` names them
                .group_by(Channel.id)
                .order_by(Channel.position, Channel.name)
            )
            return [(ChannelView(id_, name, _shown_topic(topic)), count) for id_, name, topic, count in rows]

        return await self.store.read(query)


def record_reads(reads: list[tuple[int, int, int]]) -> None:
    """Inside a write transaction: many (member, channel, message) read markers at once, each never
    moving back, in one prepared statement. Every session viewing a channel reads every message:
    200 upserts built one by one through the ORM were 2.6 % of the server's busy CPU in a fan-out
    to 200 sessions (the writer's thread holds the interpreter while it builds them).
    """
    ReadMarker._meta.database.cursor().executemany(_read_marker_upsert(), reads)


@cache
def _read_marker_upsert() -> str:
    """The one rule for a read marker: inserted, or moved forward only (the stored MAX)."""
    meta = ReadMarker._meta
    columns = [meta.columns[name].column_name for name in ("member_id", "channel_id", "last_read_id")]
    member, channel, last_read = (f'"{column}"' for column in columns)
    return (
        f'INSERT INTO "{meta.table_name}" ({member}, {channel}, {last_read}) VALUES (?, ?, ?) '
        f"ON CONFLICT ({member}, {channel}) DO UPDATE SET {last_read} = MAX({last_read}, excluded.{last_read})"
    )


def record_read(member_id: int, channel_id: int, message_id: int) -> None:
    """Inside a write transaction: the member has read up to ``message_id`` (never moves back).

    Every service that posts on a member's behalf calls it, so one's own words are never unread.
    """
    record_reads([(member_id, channel_id, message_id)])
