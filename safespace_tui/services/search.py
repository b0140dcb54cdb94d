"""Finding things: search over what was said, /mentions, and a message shown in its context.

Every query here reads only what the acting member may read (``channels.visible_to``): a message
they may not read is never a result, and a jump to one looks exactly like "not found". The words
are matched with SQLite FTS5 (``store.models.MessageSearch``, kept in step by triggers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..store.db import Store
from ..store.models import Channel, Member, MentionsSeen, Message, MessageSearch
from .channels import message_view, visible_to
from .errors import Invalid, NotFound
from .views import MemberView, MessageView

RESULTS = 50  # newest first; enough to find it, few enough to read on a phone
CONTEXT_BEFORE = 20  # messages shown above a result jumped to
CONTEXT_AFTER = 400  # and below it, up to the newest (history_page-sized pages load further up)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Found:
    """A message found, with where it was said."""

    message: MessageView
    channel_name: str


def match_expression(words: str) -> str:
    """What a member typed as an FTS5 query: each word must appear, the last as a prefix
    ("bath hel" finds "bath helps"). Words only, each quoted, so no FTS5 syntax (NEAR, *, ")
    a member types can make the query fail or mean something else."""
    found = _WORD.findall(words)
    if not found:
        raise Invalid("Search for a word or two, for example: /search bath")
    quoted = [f'"{word}"' for word in found[:8]]
    quoted[-1] += "*"
    return " ".join(quoted)


def mentions_handle(body: str, handle: str) -> bool:
    """``@handle`` as a word (``@ann.`` at the end of a sentence counts; ``@anna`` does not)."""
    pattern = r"(?<![\w@])@" + re.escape(handle) + r"(?![a-z0-9_-])(?!\.[a-z0-9])"
    return re.search(pattern, body, re.IGNORECASE) is not None


class SearchService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def search(self, actor: MemberView, words: str, *, limit: int = RESULTS) -> list[Found]:
        """Messages ``actor`` may read that hold every word, newest first."""
        expression = match_expression(words)
        return await self.store.read(self._matching, actor, expression, limit)

    def _matching(self, actor: MemberView, expression: str, limit: int, after_id: int = 0) -> list[Found]:
        rows = (
            Message.select(Message, Member, Channel.name)
            .join(MessageSearch, on=(MessageSearch.rowid == Message.id))
            .switch(Message)
            .join(Member, on=(Message.author == Member.id))
            .switch(Message)
            .join(Channel, on=(Message.channel == Channel.id))
            .where(
                MessageSearch.match(expression),
                visible_to(actor),
                MessageSearch.rowid > after_id,
                Channel.archived_at.is_null(),  # an archived channel is out of sight, like the lists
                Message.removed == "",  # hidden by leadership: its words stay stored, never found (issue 11)
            )
            # Newest first by the index's own rowid: FTS5 then walks its matches from the newest
            # and stops at ``limit``; ordered by message.id it sorted every match first
            # (bench/search.py, 100,000 messages, its most common word: p50 492 ms -> 16 ms).
            .order_by(MessageSearch.rowid.desc())
            .limit(limit)
        )
        return [Found(message_view(row, row.author), row.channel.name) for row in rows]

    async def mentions(self, actor: MemberView, *, limit: int = RESULTS) -> tuple[list[Found], bool]:
        """Where ``actor`` was mentioned since they last looked (newest first), and whether these
        are new: with nothing new, the last few mentions instead. Looking moves the marker on."""

        def work() -> tuple[list[Found], bool]:
            seen = MentionsSeen.get_or_none(MentionsSeen.member == actor.id)
            seen_id = seen.last_seen_id if seen is not None else 0
            found = self._mentioning(actor, limit, after_id=seen_id)
            fresh = bool(found)
            if not found:
                found = self._mentioning(actor, limit)
            newest = max((f.message.id for f in found), default=seen_id)
            if newest > seen_id:
                (
                    MentionsSeen.insert(member=actor.id, last_seen_id=newest)
                    .on_conflict(conflict_target=[MentionsSeen.member], update={MentionsSeen.last_seen_id: newest})
                    .execute()
                )
            return found[:limit], fresh

        return await self.store.write(work)

    def _mentioning(self, actor: MemberView, limit: int, after_id: int = 0) -> list[Found]:
        """Messages by others naming ``@handle`` (FTS finds the word; the pattern checks the @)."""
        handle = actor.handle
        candidates = self._matching(actor, f'"{handle}"', limit * 4, after_id=after_id)
        return [f for f in candidates if f.message.author_id != actor.id and mentions_handle(f.message.body, handle)]

    async def context(self, actor: MemberView, message_id: int) -> tuple[int, list[MessageView], bool]:
        """``message_id`` with what was said around it: (channel id, messages oldest first, whether
        older ones exist). A message ``actor`` may not read is NotFound, like one that never was."""

        def query() -> tuple[int, list[MessageView], bool]:
            target = Message.select().where(Message.id == message_id, visible_to(actor)).first()
            if target is None:
                raise NotFound("That message isn't there any more.")

            def rows(*conditions, order, limit: int) -> list[MessageView]:
                found = (
                    Message.select(Message, Member)
                    .join(Member, on=(Message.author == Member.id))
                    .where(Message.channel == target.channel_id, visible_to(actor), *conditions)
                    .order_by(order)
                    .limit(limit)
                )
                return [message_view(m, m.author) for m in found]

            before = rows(Message.id < message_id, order=Message.id.desc(), limit=CONTEXT_BEFORE + 1)
            after = rows(Message.id >= message_id, order=Message.id, limit=CONTEXT_AFTER)
            has_older = len(before) > CONTEXT_BEFORE
            return target.channel_id, [*reversed(before[:CONTEXT_BEFORE]), *after], has_older

        return await self.store.read(query)
