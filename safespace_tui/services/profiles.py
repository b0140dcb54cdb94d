"""Getting to know each other: a member's profile, each field with its own audience.

The charter's member area holds "a summary of our dx and therapeutic goals — not specifics about
trauma — … specific areas of challenge and triggers". Each field is shown to the group, to senior
members only, or only to its author; that rule lives here, in every read (``_shown``), and a
field someone may not read is simply absent: it looks exactly like a field left empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..hub import MEMBERS, Hub
from ..store.db import Store
from ..store.models import PROFILE_FIELDS as PROFILE_FIELDS  # the order of a profile's parts, for screens
from ..store.models import VISIBILITIES, Member, Profile, utcnow
from ..text import TextRejected, clean_display_name, clean_for_display, clean_line, clean_text
from .audit import SENIOR_FIELDS_READ, record
from .errors import Invalid, NotFound
from .members import to_view
from .views import MemberView

PROFILES = "profiles"  # hub topic: ProfileChanged, so open profiles and the directory follow

FIELD_LABELS = {
    "pronouns": "Pronouns",
    "about": "A few words",
    "diagnoses": "Diagnoses (a summary)",
    "goals": "Therapeutic goals",
    "challenges": "Areas of challenge",
    "triggers": "Triggers",
}
AUDIENCE_WORDS = {"group": "the group", "seniors": "senior members only", "me": "only me"}
MAX_FIELD_CHARS = 600
MAX_PRONOUNS_CHARS = 40
NOT_TRAUMA = (
    "Please don't write details of what happened to you here: a summary of diagnoses and goals, "
    "what is hard for you and what to be careful of is enough. Each field has its own audience."
)


@dataclass(frozen=True)
class ProfileField:
    name: str
    text: str
    shown_to: str  # group | seniors | me

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.name]


@dataclass(frozen=True)
class ProfileView:
    """A profile as one reader may see it: only the fields they may read, cleaned for display."""

    member: MemberView
    fields: tuple[ProfileField, ...]

    def text(self, name: str) -> str:
        return next((f.text for f in self.fields if f.name == name), "")

    def shown_to(self, name: str) -> str:
        return next((f.shown_to for f in self.fields if f.name == name), "group")

    @property
    def pronouns(self) -> str:
        return self.text("pronouns")


@dataclass(frozen=True)
class ProfileChanged:
    member_id: int


def may_read(reader: MemberView, owner_id: int, shown_to: str) -> bool:
    """The one rule: the owner reads everything; seniors-only fields need a senior member or admin."""
    if reader.id == owner_id:
        return True
    if shown_to == "group":
        return True
    return shown_to == "seniors" and reader.is_senior


def _shown(reader: MemberView, member: Member, profile: Profile | None) -> ProfileView:
    fields: list[ProfileField] = []
    if profile is not None:
        for name in PROFILE_FIELDS:
            shown_to = getattr(profile, name + "_to")
            text = getattr(profile, name)
            if text and may_read(reader, member.id, shown_to):
                fields.append(ProfileField(name, clean_for_display(text), shown_to))
    return ProfileView(to_view(member), tuple(fields))


def _clean_field(name: str, text: str) -> str:
    if not text.strip():
        return ""
    try:
        if name == "pronouns":
            return clean_line(text, max_chars=MAX_PRONOUNS_CHARS)
        return clean_text(text, max_chars=MAX_FIELD_CHARS)
    except TextRejected as error:
        raise Invalid(f"{FIELD_LABELS[name]}: {error.message}") from None


class ProfileService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    async def of(self, reader: MemberView, member_id: int, *, opened: bool = True) -> ProfileView:
        """``member_id``'s profile as ``reader`` may see it; a removed member is not found.

        A senior member opening someone's fields meant for senior members only is a sensitive
        read: it is recorded (``SENIOR_FIELDS_READ``, ids only). A page open when the profile
        changes is redrawn with ``opened=False``: the same read, not recorded again.
        """

        def query() -> ProfileView:
            member = Member.get_or_none(Member.id == member_id, Member.removed_at.is_null())
            if member is None:
                raise NotFound("No member by that name.")
            return _shown(reader, member, Profile.get_or_none(Profile.member == member_id))

        view = await self.store.read(query)
        if opened and reader.id != member_id and any(f.shown_to == "seniors" for f in view.fields):
            await self.store.write(lambda: record(reader.id, SENIOR_FIELDS_READ, subject_id=member_id))
        return view

    async def by_handle(self, reader: MemberView, handle: str) -> ProfileView:
        def find() -> int:
            member = Member.get_or_none(Member.handle == handle.lower().lstrip("@"), Member.removed_at.is_null())
            if member is None:
                raise NotFound(f"No member called {handle[:24]!r}.")
            return member.id

        return await self.of(reader, await self.store.read(find))

    async def directory(self, reader: MemberView) -> list[ProfileView]:
        """Everyone in the group with what ``reader`` may see of them (the directory page)."""

        def query() -> list[ProfileView]:
            members = list(Member.select().where(Member.removed_at.is_null()))
            profiles = {p.member_id: p for p in Profile.select()}
            views = [_shown(reader, m, profiles.get(m.id)) for m in members]
            return sorted(views, key=lambda v: v.member.display_name.lower())

        return await self.store.read(query)

    async def save_own(self, actor: MemberView, fields: dict[str, tuple[str, str]]) -> ProfileView:
        """Save the actor's own fields: name -> (text, audience). Fields not given stay as they are."""
        cleaned: dict[str, object] = {}
        for name, (text, shown_to) in fields.items():
            if name not in PROFILE_FIELDS:
                raise Invalid("That isn't a part of a profile.")
            if shown_to not in VISIBILITIES:
                raise Invalid("Each part can be shown to the group, to senior members only, or only to you.")
            cleaned[name] = _clean_field(name, text)
            cleaned[name + "_to"] = shown_to

        def write() -> ProfileView:
            member = Member.get_by_id(actor.id)
            profile, _ = Profile.get_or_create(member=actor.id)
            for key, value in cleaned.items():
                setattr(profile, key, value)
            profile.updated_at = utcnow()
            profile.save()
            return _shown(actor, member, profile)

        view = await self.store.write(write)
        self.hub.publish(PROFILES, ProfileChanged(actor.id))
        return view

    async def set_display_name(self, actor: MemberView, name: str) -> MemberView:
        """The name the group sees; changes everywhere at once (the member list, open profiles)."""
        try:
            name = clean_display_name(name)
        except TextRejected as error:
            raise Invalid(error.message) from None

        def write() -> MemberView:
            member = Member.get_by_id(actor.id)
            member.display_name = name
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        self.hub.publish(PROFILES, ProfileChanged(view.id))
        return view
