"""Cheers: a small set of reactions on any message, to lift each other up.

A member may cheer only a message they may read (the rule of ``channels.visible_to``); a message
they may not read is "not found". A cheer is a toggle: the same one again takes it back. After
each change the message's counts are published on its channel's topic (``CheersChanged``), so
every session showing it redraws the line under it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..hub import Hub, channel_topic
from ..store.db import Store, tuples
from ..store.models import Cheer, Member, Message
from ..text import clean_for_display
from .channels import visible_to
from .errors import Invalid, NotFound
from .moderation import check_may_post
from .views import MemberView


@dataclass(frozen=True)
class CheerKind:
    name: str
    emoji: str
    ascii: str  # for terminals without emoji
    words: str  # what it means, for help and "who cheered"


CHEERS = (
    CheerKind("heart", "💜", "<3", "love"),
    CheerKind("hug", "🤗", "(hug)", "a hug"),
    CheerKind("strong", "💪", "(strong)", "you're strong"),
    CheerKind("star", "🌟", "*", "well done"),
    CheerKind("clap", "👏", "\\o/", "hooray"),
)
BY_NAME = {kind.name: kind for kind in CHEERS}
Counts = tuple[tuple[str, int], ...]  # (kind, count) in CHEERS order, only kinds with a count


@dataclass(frozen=True)
class CheersChanged:
    """Published on ``channel_topic(channel_id)`` after a cheer is given or taken back."""

    message_id: int
    channel_id: int
    counts: Counts


def _counts(rows: list[str]) -> Counts:
    counter = Counter(rows)
    return tuple((kind.name, counter[kind.name]) for kind in CHEERS if counter[kind.name])


def _readable(actor: MemberView, message_id: int) -> Message:
    message = Message.get_or_none((Message.id == message_id) & visible_to(actor))
    if message is None:
        raise NotFound("That message isn't there any more.")
    return message


class CheerService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    async def toggle(self, actor: MemberView, message_id: int, kind: str) -> CheersChanged:
        """Give this cheer, or take it back if given; returns (and publishes) the new counts."""
        if kind not in BY_NAME:
            raise Invalid("That isn't one of the cheers.")

        def write() -> CheersChanged:
            message = _readable(actor, message_id)
            check_may_post(actor)  # a timeout (issue 11): cheers wait too
            given = Cheer.get_or_none(Cheer.message == message_id, Cheer.member == actor.id, Cheer.kind == kind)
            if given is None:
                Cheer.create(message=message_id, member=actor.id, kind=kind)
            else:
                given.delete_instance()
            rows = [c.kind for c in Cheer.select(Cheer.kind).where(Cheer.message == message_id)]
            return CheersChanged(message_id, message.channel_id, _counts(rows))

        event = await self.store.write(write)
        self.hub.publish(channel_topic(event.channel_id), event)
        return event

    async def counts(self, actor: MemberView, message_ids: list[int]) -> dict[int, Counts]:
        """Counts for the messages shown (one query); messages ``actor`` may not read get none."""
        if not message_ids:
            return {}

        def query() -> dict[int, Counts]:
            rows = tuples(
                Cheer.select(Cheer.message, Cheer.kind)
                .join(Message)
                .where(Cheer.message.in_(message_ids), visible_to(actor))
            )
            kinds: dict[int, list[str]] = {}
            for message_id, kind in rows:
                kinds.setdefault(message_id, []).append(kind)
            return {message_id: _counts(found) for message_id, found in kinds.items()}

        return await self.store.read(query)

    async def who(self, actor: MemberView, message_id: int) -> list[tuple[CheerKind, list[str]]]:
        """Who gave each cheer on a message ``actor`` may read, by display name."""

        def query() -> list[tuple[CheerKind, list[str]]]:
            _readable(actor, message_id)
            rows = tuples(
                Cheer.select(Cheer.kind, Member.display_name)
                .join(Member)
                .where(Cheer.message == message_id, Member.removed_at.is_null())
                .order_by(Cheer.id)
            )
            names: dict[str, list[str]] = {}
            for kind, name in rows:
                names.setdefault(kind, []).append(clean_for_display(name, multiline=False))
            return [(kind, names[kind.name]) for kind in CHEERS if kind.name in names]

        return await self.store.read(query)
