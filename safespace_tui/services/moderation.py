"""Moderation (issue 11, the rest of "Reports and moderation"): leadership warns a member or gives
them a timeout, and lifts it; admins may remove a member from the reports pane.

* A warning is fixed, kind words naming one charter rule (``RULES``), with leadership's own words
  if they want. The member is told at once (``ModerationNotice`` on their ``member_topic``) or at
  their next session (``untold``).
* A timeout makes a member read-only until a time (at most ``MAX_HOURS``): messages, cheers and
  edits are refused kindly with the end time in the member's own time zone (``check_may_post``,
  called by those services). SOS, /sos, #911 and check-ins are never refused: they never call it.
  It ends by itself: the end time is compared with the clock at each post, no job runs. A newer
  timeout replaces the older one; leadership may lift it early.
* Every action is an audit row (ids and fixed words only; leadership's own words stay in the
  moderation row, which only the member and leadership read). Whoever is not leadership is told
  "not found", as for a member who does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..hub import Hub, member_topic
from ..store.db import Store
from ..store.models import Member, Moderation, utcnow
from ..text import clean_for_display, clean_line
from .audit import record
from .errors import Invalid, NotAllowed, NotFound
from .members import MemberService
from .spoons import zone
from .views import MemberView

WARNED = "member.warn"
TIMED_OUT = "member.timeout"
LIFTED = "member.timeout_lift"
REMOVED = "member.remove"
MAX_HOURS = 72  # three days: longer than that is a conversation, not a pause
WORDS_MAX = 300
NOT_FOUND = "There's no such member."
# the charter rules leadership may name, in the order they are offered: (name, the charter's words)
RULES = (
    ("respect", "We respect each person's path as their own."),
    ("911", "Suicidal ideation and self-harm talk stay off the main channels, in #911."),
    ("boundaries", "We set appropriate limits and boundaries, so we stay healthy in our interactions."),
    ("money", "We do not exchange money nor solicit money; no sales or marketing of any kind."),
)
RULE_WORDS = dict(RULES)


@dataclass(frozen=True)
class ModerationNotice:
    """On the member's ``member_topic``: a warning or a timeout (or its end), in words for them."""

    moderation_id: int
    kind: str  # warning | timeout | lifted
    words: str


def local_until(until: datetime, timezone: str) -> str:
    """The end of a timeout in the member's own time zone: "Tue 1 Dec, 21:30 (Europe/Berlin)"."""
    local = until.replace(tzinfo=UTC).astimezone(zone(timezone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({timezone})"


def warning_words(rule: str, words: str, by: str) -> str:
    """The fixed form of a warning: kind, naming the charter rule, never shaming."""
    text = (
        f"A note from leadership ({by}): one of your messages went against our charter: “{RULE_WORDS[rule]}” "
        "Nothing else happens; we would like everyone to feel safe here, you too."
    )
    return text + (f" In their words: {words}" if words else "")


def timeout_words(rule: str, words: str, until: datetime, timezone: str) -> str:
    """What a member in a timeout is told: why, until when (their own time), what still works."""
    text = (
        f"Leadership has paused your posting until {local_until(until, timezone)}, because of our charter: "
        f"“{RULE_WORDS[rule]}” You can still read. Ctrl+S, /sos, #911 and check-ins always work."
    )
    return text + (f" In their words: {words}" if words else "")


def paused_words(until: datetime, timezone: str) -> str:
    return (
        f"Your posting is paused by leadership until {local_until(until, timezone)}; nothing was sent. "
        "Ctrl+S, /sos, #911 and check-ins always work."
    )


class PostingPaused(NotAllowed):
    """A member in a timeout tried to post, cheer or edit: told kindly, with the end time."""


def paused_until(member_id: int, now: datetime | None = None) -> datetime | None:
    """Inside a store transaction (or a read): the end of ``member_id``'s timeout, if one runs now.
    The newest timeout not lifted counts; it has ended by itself once ``until`` has passed."""
    row = (
        Moderation.select(Moderation.until)
        .where(Moderation.member == member_id, Moderation.kind == "timeout", Moderation.lifted_at.is_null())
        .order_by(Moderation.id.desc())
        .first()
    )
    if row is None or row.until is None or row.until <= (now or utcnow()):
        return None
    return row.until


def check_may_post(actor: MemberView, now: datetime | None = None) -> None:
    """Inside a store transaction: refuse kindly if ``actor`` is in a timeout (PostingPaused)."""
    until = paused_until(actor.id, now)
    if until is not None:
        raise PostingPaused(paused_words(until, actor.timezone))


def _subject(member_id: int) -> Member:
    member = Member.get_or_none(Member.id == member_id, Member.removed_at.is_null())
    if member is None:
        raise NotFound(NOT_FOUND)
    return member


def _checked(actor: MemberView, rule: str, words: str) -> str:
    if not actor.is_senior:
        raise NotFound(NOT_FOUND)
    if rule not in RULE_WORDS:
        raise Invalid("Please name one of the charter rules: " + ", ".join(RULE_WORDS) + ".")
    return clean_line(words, max_chars=WORDS_MAX) if words.strip() else ""


class ModerationService:
    def __init__(self, store: Store, hub: Hub, members: MemberService) -> None:
        self.store = store
        self.hub = hub
        self.members = members

    async def remove(self, actor: MemberView, member_id: int, why: str = "") -> MemberView:
        """An admin removes a member from the reports pane: the one member removal there is
        (services/members.py; their sessions close, their words stay), an audit row by the admin.
        Anyone else is told "not found"."""
        if actor.role != "admin":
            raise NotFound(NOT_FOUND)
        member = await self.members.get(member_id)
        if member.removed:
            raise NotFound(NOT_FOUND)
        if member.id == actor.id:
            raise Invalid("That's you. Another admin, or the operator, can do that.")
        why = clean_line(why, max_chars=150) if why.strip() else ""
        return await self.members.remove(member.handle, by=actor, why=why)

    async def warn(self, actor: MemberView, member_id: int, rule: str, words: str = "") -> int:
        """Leadership warns a member, naming a charter rule; they are told at once or next session."""
        words = _checked(actor, rule, words)

        def write() -> ModerationNotice:
            member = _subject(member_id)
            if member.id == actor.id:
                raise Invalid("That's you. A warning is for someone else.")
            row = Moderation.create(member=member.id, by=actor.id, kind="warning", rule=rule, words=words)
            record(actor.id, WARNED, subject_id=member.id, detail=f"rule {rule}")
            return ModerationNotice(row.id, "warning", warning_words(rule, words, actor.display_name))

        notice = await self.store.write(write)
        self.hub.publish(member_topic(member_id), notice)
        return notice.moderation_id

    async def timeout(
        self,
        actor: MemberView,
        member_id: int,
        hours: float,
        rule: str,
        words: str = "",
        *,
        now: datetime | None = None,
    ) -> datetime:
        """Leadership makes a member read-only for ``hours`` (1 to MAX_HOURS; ``now`` is when it
        starts, the clock by default). Returns the end (UTC). A newer timeout replaces an older."""
        words = _checked(actor, rule, words)
        if not 0 < hours <= MAX_HOURS:
            raise Invalid(f"A timeout lasts from 1 to {MAX_HOURS} hours.")
        start = now or utcnow()
        until = start + timedelta(hours=hours)

        def write() -> ModerationNotice:
            member = _subject(member_id)
            if member.id == actor.id or member.role != "member":
                raise Invalid("A timeout is for a member; leadership talk such things over among themselves.")
            Moderation.update(lifted_at=start).where(
                Moderation.member == member.id, Moderation.kind == "timeout", Moderation.lifted_at.is_null()
            ).execute()
            row = Moderation.create(
                member=member.id, by=actor.id, kind="timeout", rule=rule, words=words, until=until, created_at=start
            )
            record(actor.id, TIMED_OUT, subject_id=member.id, detail=f"rule {rule}, {hours:g} h")
            return ModerationNotice(row.id, "timeout", timeout_words(rule, words, until, member.timezone))

        notice = await self.store.write(write)
        self.hub.publish(member_topic(member_id), notice)
        return until

    async def lift(self, actor: MemberView, member_id: int) -> None:
        """Leadership ends a member's timeout early; the member is told they can post again."""
        if not actor.is_senior:
            raise NotFound(NOT_FOUND)

        def write() -> ModerationNotice:
            member = _subject(member_id)
            if paused_until(member.id) is None:
                raise Invalid(f"{clean_for_display(member.handle, multiline=False)} has no timeout running.")
            now = utcnow()
            rows = Moderation.update(lifted_at=now).where(
                Moderation.member == member.id, Moderation.kind == "timeout", Moderation.lifted_at.is_null()
            )
            rows.execute()
            record(actor.id, LIFTED, subject_id=member.id)
            return ModerationNotice(0, "lifted", "Leadership lifted your pause: you can post again. Welcome back.")

        notice = await self.store.write(write)
        self.hub.publish(member_topic(member_id), notice)

    async def paused_until(self, actor: MemberView) -> datetime | None:
        """The end of ``actor``'s own timeout, if one runs now."""
        return await self.store.read(lambda: paused_until(actor.id))

    async def untold(self, actor: MemberView) -> list[ModerationNotice]:
        """Warnings, and a timeout still running, that ``actor`` has not been shown yet (they were
        away); marked shown as they are returned."""

        def write() -> list[ModerationNotice]:
            rows = list(
                Moderation.select()
                .where(Moderation.member == actor.id, Moderation.told == False)  # noqa: E712
                .order_by(Moderation.id)
            )
            notices = []
            for row in rows:
                if row.kind == "warning":
                    by = Member.get_by_id(row.by_id).display_name
                    notices.append(ModerationNotice(row.id, "warning", warning_words(row.rule, row.words, by)))
                elif row.lifted_at is None and row.until is not None and row.until > utcnow():
                    words = timeout_words(row.rule, row.words, row.until, actor.timezone)
                    notices.append(ModerationNotice(row.id, "timeout", words))
            if rows:
                Moderation.update(told=True).where(Moderation.id.in_([row.id for row in rows])).execute()
            return notices

        return await self.store.write(write)

    async def mark_told(self, actor: MemberView, moderation_id: int) -> None:
        """The member's session showed them this warning or timeout."""

        def write() -> None:
            Moderation.update(told=True).where(Moderation.id == moderation_id, Moderation.member == actor.id).execute()

        await self.store.write(write)
