"""A member's own boundaries: content warnings, a private trigger filter and mutes (issue 11).

Everything here is private to the member who set it: nobody is ever told they were muted, and
nobody else can read a member's trigger words. Whether a message arrives folded is decided here,
per reader (``fold``), and the conversation widget only draws the folded line it is given.

The decision runs for every reader of every message (fifty sessions: fifty calls per message),
so each member's boundaries are read once and kept in memory as a ``Lens``: a frozenset of muted
ids and one compiled pattern. Changing them replaces the lens, so every session of that member
follows at once.

Crisis first: a senior member reading #911 never gets anything folded there (a muted member's
SOS, or words on a trigger list, must still reach them as always), and mutes never touch the
alert itself, which is not a chat message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import TellMember
from ..hub import Hub
from ..store.db import Store
from ..store.models import BoundarySettings, Member, Mute, Profile, TriggerWord
from ..text import clean_line
from .errors import Invalid, NotFound
from .views import MemberView, MessageView

MAX_TRIGGERS = 100
MAX_TRIGGER_CHARS = 40
MAX_CW_CHARS = 60
# The folded lines a reader sees. The trigger line never names the word that matched.
MUTED_FOLD = "A muted member's message — Enter to show"
TRIGGER_FOLD = "Folded by your filter — Enter to show"


def cw_fold(topic: str) -> str:
    return f"CW: {topic} — Enter to show"


def trigger_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of a member's words: whole words, any case, with common endings
    (``drink`` also finds ``drinks`` and ``drinking``; ``car crash`` across any spacing)."""
    if not words:
        return None
    alternatives = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:s|es|ed|ing)?(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Lens:
    """What one member has asked not to meet unwarned (see the module)."""

    triggers: tuple[str, ...] = ()
    triggers_on: bool = True
    muted: frozenset[int] = frozenset()
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, triggers: tuple[str, ...], triggers_on: bool, muted: frozenset[int]) -> Lens:
        return cls(triggers, triggers_on, muted, trigger_pattern(triggers))


NO_LENS = Lens()


def fold(lens: Lens, reader: MemberView, message: MessageView, *, in_crisis_channel: bool) -> str | None:
    """The folded line ``reader`` sees instead of ``message``, or None to show it.

    Never one's own words; never anything in #911 for a senior member. Mute first, then the
    trigger filter (also on the CW topic, which then stays unsaid), then the author's CW. The
    line names the author, except for a muted member.
    """
    if message.author_id == reader.id or (in_crisis_channel and reader.is_senior):
        return None
    if message.author_id in lens.muted:
        return MUTED_FOLD  # not even the name
    pattern = lens.pattern if lens.triggers_on else None
    if pattern is not None and (pattern.search(message.body) or pattern.search(message.content_warning)):
        return f"{message.author_name}  {TRIGGER_FOLD}"
    if message.content_warning:
        return f"{message.author_name}  {cw_fold(message.content_warning)}"
    return None


def profile_trigger_words(member_id: int) -> list[str]:
    """The "triggers" field of the member's profile (issue 10), split at commas, semicolons and
    line ends; inside a store read. Empty while they have not written one."""
    profile = Profile.get_or_none(Profile.member == member_id)
    if profile is None or not profile.triggers.strip():
        return []
    return [word for word in re.split(r"[,;\n]+", profile.triggers) if word.strip()]


def clean_cw(topic: str) -> str:
    """A content warning's topic, as stored: one short line."""
    topic = clean_line(topic, max_chars=200).strip(" :") if topic.strip(" :") else ""
    if not topic:
        raise Invalid("A content warning needs a topic: /cw TOPIC: your message")
    if len(topic) > MAX_CW_CHARS:
        raise Invalid(f"Keep the content warning short (up to {MAX_CW_CHARS} characters); your message is unchanged.")
    return topic


def _clean_trigger(word: str) -> str:
    word = " ".join(clean_line(word, max_chars=200).lower().split()) if word.strip() else ""
    if not word:
        raise Invalid("Which word or topic? For example: /triggers add knives")
    if len(word) > MAX_TRIGGER_CHARS:
        raise Invalid(f"Keep each word or topic under {MAX_TRIGGER_CHARS} characters.")
    return word


class BoundaryService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub
        self._lenses: dict[int, Lens] = {}
        # Member profiles (issue 10): given a member id, inside a store read, the words of their
        # profile's "triggers" field. Copied into the private list once, the first time the member's
        # boundaries are read with a profile that has some; from then on the list is theirs to change.
        self.profile_triggers: Callable[[int], list[str]] = profile_trigger_words

    # -- the lens, read once per member ------------------------------------------------------
    def lens(self, actor: MemberView) -> Lens:
        """The member's lens if loaded (``load``), else one that folds nothing but CWs."""
        return self._lenses.get(actor.id, NO_LENS)

    def fold(self, actor: MemberView, message: MessageView, *, in_crisis_channel: bool) -> str | None:
        return fold(self.lens(actor), actor, message, in_crisis_channel=in_crisis_channel)

    async def load(self, actor: MemberView) -> Lens:
        """Read the member's boundaries (seeding triggers from the profile once) and keep them."""
        lens = self._lenses.get(actor.id)
        if lens is None:
            lens = self._lenses[actor.id] = await self.store.write(lambda: self._read(actor.id, seed=True))
        return lens

    def _read(self, member_id: int, *, seed: bool = False) -> Lens:
        settings, _ = BoundarySettings.get_or_create(member=member_id)
        seeds = self.profile_triggers(member_id) if seed and not settings.seeded else []
        for word in seeds[:MAX_TRIGGERS]:
            try:
                TriggerWord.insert(member=member_id, word=_clean_trigger(word)).on_conflict_ignore().execute()
            except TellMember:  # an empty or unusable word in the profile: skipped
                continue
        if seeds:
            settings.seeded = True
            settings.save()
        words = tuple(
            t.word for t in TriggerWord.select().where(TriggerWord.member == member_id).order_by(TriggerWord.word)
        )
        muted = frozenset(m.muted_id for m in Mute.select(Mute.muted).where(Mute.member == member_id))
        return Lens.of(words, not settings.triggers_off, muted)

    async def _change(self, actor: MemberView, change: Callable[[], None]) -> Lens:
        def write() -> Lens:
            change()
            return self._read(actor.id)

        lens = self._lenses[actor.id] = await self.store.write(write)
        return lens

    # -- triggers ---------------------------------------------------------------------------------
    async def add_trigger(self, actor: MemberView, word: str) -> Lens:
        word = _clean_trigger(word)
        await self.load(actor)

        def change() -> None:
            if TriggerWord.select().where(TriggerWord.member == actor.id).count() >= MAX_TRIGGERS:
                raise Invalid(f"Your list holds up to {MAX_TRIGGERS} words; remove one to add another.")
            TriggerWord.insert(member=actor.id, word=word).on_conflict_ignore().execute()

        return await self._change(actor, change)

    async def remove_trigger(self, actor: MemberView, word: str) -> Lens:
        word = _clean_trigger(word)
        await self.load(actor)

        def change() -> None:
            if not TriggerWord.delete().where(TriggerWord.member == actor.id, TriggerWord.word == word).execute():
                raise NotFound("That word isn't on your list. /triggers shows your list.")

        return await self._change(actor, change)

    async def set_filter(self, actor: MemberView, on: bool) -> Lens:
        await self.load(actor)

        def change() -> None:
            BoundarySettings.update(triggers_off=not on).where(BoundarySettings.member == actor.id).execute()

        return await self._change(actor, change)

    # -- mutes ------------------------------------------------------------------------------------
    async def mute(self, actor: MemberView, handle: str) -> str:
        """Mute ``handle`` for ``actor`` only; returns the name muted. Never told to anyone else."""
        return await self._set_mute(actor, handle, muted=True)

    async def unmute(self, actor: MemberView, handle: str) -> str:
        return await self._set_mute(actor, handle, muted=False)

    async def _set_mute(self, actor: MemberView, handle: str, *, muted: bool) -> str:
        handle = handle.strip().lstrip("@").lower()
        if not handle:
            raise Invalid("Whom? For example: /mute NAME")
        await self.load(actor)
        names: list[str] = []

        def change() -> None:
            member = Member.get_or_none(Member.handle == handle, Member.removed_at.is_null())
            if member is None:
                raise NotFound(f"There's no member called {handle[:24]!r}.")
            if member.id == actor.id:
                raise Invalid("You can't mute yourself. If you need a break, /away or recharging may help.")
            names.append(member.handle)
            if muted:
                Mute.insert(member=actor.id, muted=member.id).on_conflict_ignore().execute()
            else:
                Mute.delete().where(Mute.member == actor.id, Mute.muted == member.id).execute()

        await self._change(actor, change)
        return names[0]

    async def muted(self, actor: MemberView) -> list[str]:
        """The handles ``actor`` has muted (theirs alone to read)."""
        lens = await self.load(actor)
        if not lens.muted:
            return []

        def query() -> list[str]:
            rows = Member.select(Member.handle).where(Member.id.in_(list(lens.muted))).order_by(Member.handle)
            return [m.handle for m in rows]

        return await self.store.read(query)
