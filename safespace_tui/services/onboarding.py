"""Onboarding: from a redeemed invite to a member of the group, one step at a time.

Steps, stored as they are passed (so an onboarding left half-way resumes where it stopped):
``charter`` (the group's charter, a page at a time; the page is remembered), ``agreements``
(each one ticked, explicitly; which and when is kept), ``details`` (name in the safe
alphabet and unique, pronouns, time zone), ``welcome`` (a line for #living-room the newcomer
may edit before it posts), then done: the member is listed, their welcome posts, leadership
is told (``JOINED``). Only the joining member themself may take these steps.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..hub import MEMBERS, Hub
from ..store.db import Store
from ..store.models import Member, Onboarding, Profile, utcnow
from ..text import TextRejected, clean_line, clean_text, validate_handle
from .channels import LIVING_ROOM
from .crisis import looks_like_self_harm
from .errors import Invalid, NotFound
from .group_texts import GroupTextService
from .members import to_view
from .messages import MessageService, SendOutcome
from .spoons import validate_timezone
from .views import MemberView

JOINED = "joined"  # hub topic: a newcomer finished onboarding (event: the MemberView)
STEPS = ("charter", "agreements", "details", "welcome", "done")
PAGE_CHARS = 600  # a charter page: paragraphs up to about this many characters (fits 48x20 with scrolling)
MAX_PRONOUNS = 40
# A hello that speaks of self-harm is not posted in #living-room (SOS words still raise an alert,
# as anywhere): said kindly, before anything changes.
CARE_FIRST = (
    "That sounds heavy, and you don't have to carry it alone. It belongs in #911, where a senior "
    "member can be with you: once you're in, write SOS there or press Ctrl+S. For now, please "
    "change this hello or empty it."
)
# Each agreement the newcomer ticks (key, words): short enough for one line at 48 columns;
# AGREEMENTS_MEANING says the rest, above them.
AGREEMENTS: tuple[tuple[str, str], ...] = (
    ("peer", "This is peer support, not therapy."),
    ("therapist", "My own therapist is encouraged here."),
    ("911", "Suicide and self-harm talk: in #911."),
    ("money", "No money and no sales, ever."),
    ("spoons", "I honour spoons and boundaries."),
)
AGREEMENTS_MEANING = (
    "To reach #911, write SOS or Emergency (or press Ctrl+S): a senior member comes. "
    "Spoons are our energy for the day; when they run out we rest, and everyone's limits are respected."
)


@dataclass(frozen=True)
class OnboardingView:
    step: str
    charter_page: int
    pages: tuple[str, ...]
    suggested_name: str = ""


def charter_pages(text: str, page_chars: int = PAGE_CHARS) -> tuple[str, ...]:
    """The charter in pages of whole paragraphs, each up to about ``page_chars`` characters."""
    pages: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if current and len(current) + len(paragraph) > page_chars:
            pages.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        pages.append(current)
    return tuple(pages) or ("",)


def welcome_line(member: MemberView) -> str:
    """The welcome offered for #living-room; the newcomer may change every word before it posts."""
    pronouns = f" ({member.pronouns})" if member.pronouns else ""
    return f"Hi everyone, I'm {member.display_name}{pronouns}. Glad to be here."


class OnboardingService:
    def __init__(self, store: Store, hub: Hub, texts: GroupTextService, messages: MessageService) -> None:
        self.store = store
        self.hub = hub
        self.texts = texts
        self.messages = messages

    async def state(self, actor: MemberView, suggested_name: str = "") -> OnboardingView:
        row = await self.store.read(lambda: _row(actor))
        pages = charter_pages(await self.texts.get("charter"))
        return OnboardingView(row.step, min(row.charter_page, len(pages) - 1), pages, suggested_name)

    async def charter_read(self, actor: MemberView, page: int, pages: int) -> str:
        """The newcomer reached ``page`` (0-based) of ``pages``; past the last, the agreements."""

        def write() -> str:
            row = _row(actor)
            if row.step == "charter":
                row.charter_page = max(0, page)
                if page >= pages:
                    row.step = "agreements"
                row.save()
            return row.step

        return await self.store.write(write)

    async def agree(self, actor: MemberView, ticked: set[str]) -> str:
        """Every agreement must be ticked, explicitly; which and when is kept."""
        missing = [words for key, words in AGREEMENTS if key not in ticked]
        if missing:
            raise Invalid(
                "Each of these keeps the group safe, so each needs a tick. If one doesn't sit right, "
                "you can talk it over with whoever invited you; your place keeps."
            )

        def write() -> str:
            row = _row(actor)
            if row.step == "agreements":
                row.agreed = ",".join(key for key, _ in AGREEMENTS)
                row.agreed_at = utcnow()
                row.step = "details"
                row.save()
            return row.step

        return await self.store.write(write)

    async def set_details(self, actor: MemberView, name: str, pronouns: str, timezone: str) -> MemberView:
        """Name (a handle: safe alphabet, unique), pronouns and time zone; then the welcome step."""
        try:
            handle = validate_handle(name)
            clean_pronouns = clean_line(pronouns, max_chars=MAX_PRONOUNS) if pronouns.strip() else ""
        except TextRejected as error:
            raise Invalid(error.message) from None
        zone = await asyncio.to_thread(validate_timezone, timezone or "UTC")

        def write() -> MemberView:
            row = _row(actor)
            if row.step not in ("details", "welcome"):
                raise Invalid("Let's finish the step before this one first.")
            taken = (Member.handle == handle) | (Member.display_name == handle)
            if Member.select().where(taken, Member.id != actor.id).exists():
                raise Invalid(f"Someone here is already called {handle}. Please choose another name.")
            member = Member.get_by_id(actor.id)
            member.handle = member.display_name = handle
            member.pronouns, member.timezone = clean_pronouns, zone
            member.save()
            # the profile shows pronouns too (services/profiles.py); one answer, asked once
            Profile.insert(member=actor.id, pronouns=clean_pronouns).on_conflict(
                conflict_target=[Profile.member], update={Profile.pronouns: clean_pronouns}
            ).execute()
            row.step = "welcome"
            row.save()
            return to_view(member)

        return await self.store.write(write)

    async def finish(self, actor: MemberView, welcome: str) -> MemberView:
        """The newcomer is a member now: listed, their welcome posted, leadership told.

        An empty welcome posts nothing: the app never adds words they did not choose.
        """
        return (await self.finish_and_post(actor, welcome))[0]

    async def finish_and_post(self, actor: MemberView, welcome: str) -> tuple[MemberView, SendOutcome | None]:
        """``finish``, with what became of the welcome: one with the SOS words went to #911 and
        raised an alert, which the newcomer must be shown as any SOS is (None: nothing posted)."""
        text = clean_text(welcome) if welcome.strip() else ""  # refused before anything changes
        if text and looks_like_self_harm(text, self.messages.config.self_harm_phrases):
            raise Invalid(CARE_FIRST)

        def write() -> MemberView:
            row = _row(actor)
            if row.step != "welcome":
                raise Invalid("Let's finish the step before this one first.")
            row.step, row.finished_at = "done", utcnow()
            row.save()
            member = Member.get_by_id(actor.id)
            member.joining = False
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        outcome = None
        if text:
            living_room = await self.messages.channels.by_name(LIVING_ROOM)
            outcome = await self.messages.send(view, living_room.id, text)
        self.hub.publish(JOINED, view)
        return view, outcome


def _row(actor: MemberView) -> Onboarding:
    row = Onboarding.get_or_none(Onboarding.member == actor.id)
    if row is None:
        raise NotFound("There's no onboarding waiting for you.")
    return row
