"""Talking privately (issue 11): a conversation between a member and one member of leadership.

The smallest honest thing: there were no private rooms to reuse, so this is one table of pairs
(``PrivateTalk``: a member and a leader, made on demand, from the reports pane or ``/talk``) and
one of their lines (``PrivateWord``). Only those two see that it exists or read it: anyone else,
admins too, is told "not found", exactly as for a conversation that does not exist. Leadership
opens it (an audit row: a moderation action); a member can answer but not open one. A timeout
never stops it: a member in a timeout can always talk with leadership. Lines are cleaned on the
way in (text.clean_text) and again on the way out; each is published to both parties'
``member_topic`` after it is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..hub import Hub, member_topic
from ..store.db import Store
from ..store.models import Member, PrivateTalk, PrivateWord
from ..text import MAX_MESSAGE_CHARS, clean_for_display, clean_text
from .audit import record
from .errors import Invalid, NotFound
from .views import MemberView

TALK_OPENED = "talk.open"
NOT_FOUND = "There's no such private conversation."
SHOWN = 200  # lines shown when a conversation opens: the newest


@dataclass(frozen=True)
class WordView:
    id: int
    talk_id: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class TalkView:
    """A conversation as one of its two parties sees it: who the other is, and what was said."""

    id: int
    member_id: int
    leader_id: int
    other_id: int
    other_name: str
    other_handle: str
    words: tuple[WordView, ...]


@dataclass(frozen=True)
class WordSaid:
    """On both parties' ``member_topic``: a new line of their private conversation."""

    word: WordView
    other_name: str  # the name of whoever did not write it, for the writer's own other sessions
    author_handle: str


def _name(member: Member) -> str:
    return clean_for_display(member.display_name, multiline=False) or member.handle


def _word_view(row: PrivateWord, author: Member) -> WordView:
    return WordView(row.id, row.talk_id, author.id, _name(author), clean_for_display(row.body), row.created_at)


def _party(actor: MemberView, talk_id: int) -> PrivateTalk:
    """Inside a transaction: the conversation if ``actor`` is one of its two parties, else NotFound."""
    talk = PrivateTalk.get_or_none(PrivateTalk.id == talk_id)
    if talk is None or actor.id not in (talk.member_id, talk.leader_id):
        raise NotFound(NOT_FOUND)
    return talk


def _view(actor: MemberView, talk: PrivateTalk) -> TalkView:
    other = Member.get_by_id(talk.leader_id if actor.id == talk.member_id else talk.member_id)
    rows = (
        PrivateWord.select(PrivateWord, Member)
        .join(Member, on=(PrivateWord.author == Member.id))
        .where(PrivateWord.talk == talk.id)
        .order_by(PrivateWord.id.desc())
        .limit(SHOWN)
    )
    words = tuple(reversed([_word_view(row, row.author) for row in rows]))
    handle = clean_for_display(other.handle, multiline=False)
    return TalkView(talk.id, talk.member_id, talk.leader_id, other.id, _name(other), handle, words)


class PrivateTalkService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    async def open(self, actor: MemberView, member_id: int) -> TalkView:
        """Leadership opens (or comes back to) a private conversation with a member."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)

        def write() -> TalkView:
            member = Member.get_or_none(Member.id == member_id, Member.removed_at.is_null())
            if member is None:
                raise NotFound("There's no such member.")
            if member.id == actor.id:
                raise Invalid("That's you. A private conversation is with someone else.")
            talk, made = PrivateTalk.get_or_create(member=member.id, leader=actor.id)
            if made:
                record(actor.id, TALK_OPENED, subject_id=member.id, detail=f"talk {talk.id}")
            return _view(actor, talk)

        return await self.store.write(write)

    async def with_handle(self, actor: MemberView, handle: str) -> TalkView:
        """``/talk NAME``: leadership opens one with anyone; a member finds the one leadership
        opened with them (there is none to find otherwise: "not found")."""

        def find() -> tuple[int, int | None]:
            other = Member.get_or_none(Member.handle == handle.strip().lstrip("@").lower(), Member.removed_at.is_null())
            if other is None:
                raise NotFound(f"No member called {handle.strip()[:24]!r}.")
            talk = PrivateTalk.get_or_none(
                ((PrivateTalk.member == actor.id) & (PrivateTalk.leader == other.id))
                | ((PrivateTalk.member == other.id) & (PrivateTalk.leader == actor.id))
            )
            return other.id, (talk.id if talk is not None else None)

        other_id, talk_id = await self.store.read(find)
        if talk_id is not None:
            return await self.get(actor, talk_id)
        if actor.is_senior:  # none yet: leadership opens one
            return await self.open(actor, other_id)
        raise NotFound(NOT_FOUND)

    async def get(self, actor: MemberView, talk_id: int) -> TalkView:
        return await self.store.read(lambda: _view(actor, _party(actor, talk_id)))

    async def mine(self, actor: MemberView) -> list[TalkView]:
        """Every private conversation ``actor`` is a party to, newest first (``/talk`` alone)."""

        def query() -> list[TalkView]:
            rows = PrivateTalk.select().where((PrivateTalk.member == actor.id) | (PrivateTalk.leader == actor.id))
            return [_view(actor, talk) for talk in rows.order_by(PrivateTalk.id.desc())]

        return await self.store.read(query)

    async def say(self, actor: MemberView, talk_id: int, body: str) -> WordView:
        """A line from one party to the other; never stopped by a timeout."""
        text = clean_text(body, max_chars=MAX_MESSAGE_CHARS)

        def write() -> tuple[WordView, int, str]:
            talk = _party(actor, talk_id)
            author = Member.get_by_id(actor.id)
            row = PrivateWord.create(talk=talk.id, author=actor.id, body=text)
            other_id = talk.leader_id if actor.id == talk.member_id else talk.member_id
            return _word_view(row, author), other_id, _name(Member.get_by_id(other_id))

        word, other_id, other_name = await self.store.write(write)
        said = WordSaid(word, other_name, actor.handle)
        for member_id in (other_id, actor.id):  # the writer's other sessions too
            self.hub.publish(member_topic(member_id), said)
        return word
