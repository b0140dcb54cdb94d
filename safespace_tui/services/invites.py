"""Invites and the group's capacity: how a newcomer's key comes to open the door.

A code is 20 characters from a 31-letter alphabet (99 bits, shown as five groups of four),
so guessing is hopeless even without the rate limit; it is stored only as its SHA-256 (a code
this long needs no slow hash), works once, and ends (7 days unless said otherwise). Every
attempt counts against the address and the connection it came from (``Guesses``): once either
is spent, the code is not even looked at. A wrong, used, revoked or expired code all get the
same words (``NO_SUCH_CODE``), so an answer never tells a guesser which codes exist.

Capacity is the charter's "as leadership feels there is group space": members (those joining
too) plus invites still open may not pass it, unless an admin says so (``over_capacity``).
Operator actions (the ``safespace`` CLI, who holds the data dir) pass ``actor=None``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..hub import Hub
from ..store.db import Store
from ..store.models import GroupSetting, Invite, Member, MemberKey, Onboarding, utcnow
from ..text import TextRejected, clean_display_name, clean_for_display
from .audit import record_change
from .errors import Invalid, NotAllowed, NotFound, ServiceError
from .members import to_view
from .views import MemberView, PublicKey

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
CODE_LETTERS = 20
DEFAULT_DAYS = 7
MAX_DAYS = 90
GUESSES_PER_CONNECTION = 5
GUESSES_PER_ADDRESS = 10
GUESS_WINDOW = 3600.0  # seconds: an address gets GUESSES_PER_ADDRESS tries per hour
NO_SUCH_CODE = "That code didn't open the door. Please check it with the person who gave it to you."
TOO_MANY_HERE = "That's all the tries this connection has. Please check the code, then connect again."
TOO_MANY_FROM = "There have been many tries from where you are. Please wait an hour, then try again."
FULL = "The group is full just now ({members} of {capacity} seats, {open} invites open)."


class InviteRefused(ServiceError):
    """A code that did not open the door, or too many tries: ``.message`` says which, kindly."""


@dataclass(frozen=True)
class InviteView:
    id: int
    for_name: str
    created_at: datetime
    expires_at: datetime
    state: str  # open | used | revoked | expired
    redeemed_by: str = ""


@dataclass(frozen=True)
class Seats:
    capacity: int | None  # None: no limit set
    members: int  # active members, those still joining included
    invites_open: int

    @property
    def open(self) -> int | None:
        """Seats an invite may still take; None when there is no limit."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.members - self.invites_open)

    @property
    def words(self) -> str:
        if self.capacity is None:
            return f"{self.members} members, {self.invites_open} invites open; no capacity set."
        return (
            f"{self.members} members and {self.invites_open} invites open, of {self.capacity} seats: {self.open} open."
        )


def new_code() -> str:
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LETTERS))
    return "-".join(letters[i : i + 4] for i in range(0, CODE_LETTERS, 4))


def code_hash(code: str) -> str:
    """The stored form: SHA-256 of the code as typed, without spaces, dashes or case."""
    return hashlib.sha256(re.sub(r"[\s-]", "", code).lower().encode()).hexdigest()


def parse_expiry(words: str) -> timedelta:
    """``7d``, ``12h`` or ``30m`` -> a duration (at most MAX_DAYS); raises Invalid."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([dhm])\s*", words.lower())
    if match is None:
        raise Invalid("Give how long the invite lasts as days, hours or minutes: 7d, 12h or 30m.")
    number, unit = int(match.group(1)), match.group(2)
    span = {"d": timedelta(days=number), "h": timedelta(hours=number), "m": timedelta(minutes=number)}[unit]
    if span <= timedelta(0) or span > timedelta(days=MAX_DAYS):
        raise Invalid(f"An invite can last from a minute to {MAX_DAYS} days.")
    return span


def clean_for_name(name: str) -> str:
    if not name.strip():
        return ""
    try:
        return clean_display_name(name)
    except TextRejected as error:
        raise Invalid(error.message) from None


class Guesses:
    """How many wrong codes an address and a connection may still try (in memory: a restart forgets).

    Per connection: GUESSES_PER_CONNECTION in all. Per address: GUESSES_PER_ADDRESS in any
    GUESS_WINDOW seconds. Every attempt is counted before the code is looked at (so attempts
    made at once cannot slip past the limit); one that opens is given back (``refund``), so
    newcomers behind one address (a shared network) are not held back by each other's success.
    ``clock`` is monotonic time in seconds.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._by_address: dict[str, deque[float]] = {}
        # weakly: a connection that closed leaves by itself
        self._by_connection: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()

    def spend(self, address: str, connection: object) -> str | None:
        """Count one attempt; the words to say instead of looking at the code, or None."""
        now = self.clock()
        tries = self._by_address.setdefault(address, deque())
        while tries and tries[0] <= now - GUESS_WINDOW:
            tries.popleft()
        if len(tries) >= GUESSES_PER_ADDRESS:
            return TOO_MANY_FROM
        if self._by_connection.get(connection, 0) >= GUESSES_PER_CONNECTION:
            return TOO_MANY_HERE
        tries.append(now)
        self._by_connection[connection] = self._by_connection.get(connection, 0) + 1
        return None

    def refund(self, address: str, connection: object) -> None:
        """The attempt opened the door: it does not count against anyone."""
        tries = self._by_address.get(address)
        if tries:
            tries.pop()
        if self._by_connection.get(connection, 0) > 0:
            self._by_connection[connection] -= 1

    def exhausted(self, address: str, connection: object) -> str | None:
        """The words to say when this address (first) or this connection has no tries left, or None."""
        now = self.clock()
        recent = [t for t in self._by_address.get(address, ()) if t > now - GUESS_WINDOW]
        if len(recent) >= GUESSES_PER_ADDRESS:
            return TOO_MANY_FROM
        if self._by_connection.get(connection, 0) >= GUESSES_PER_CONNECTION:
            return TOO_MANY_HERE
        return None


class InviteService:
    def __init__(self, store: Store, hub: Hub, clock: Callable[[], float]) -> None:
        self.store = store
        self.hub = hub
        self.guesses = Guesses(clock)

    # -- capacity
    async def seats(self, actor: MemberView | None = None) -> Seats:
        """Seats taken and open: leadership and the operator only."""
        _leadership(actor)
        return await self.store.read(_seats)

    async def set_capacity(self, actor: MemberView | None, capacity: int | None) -> Seats:
        """How many members the group holds (None: no limit); admins and the operator only."""
        if actor is not None and actor.role != "admin":
            raise NotAllowed("Only an admin can change how many members the group holds.")
        if capacity is not None and not 1 <= capacity <= 10_000:
            raise Invalid("Capacity is a number of members, from 1 to 10,000.")

        def write() -> Seats:
            if capacity is None:
                GroupSetting.delete().where(GroupSetting.name == "capacity").execute()
            else:
                GroupSetting.insert(name="capacity", value=str(capacity)).on_conflict(
                    conflict_target=[GroupSetting.name], update={GroupSetting.value: str(capacity)}
                ).execute()
            return _seats()

        return await self.store.write(write)

    # -- invites
    async def create(
        self,
        actor: MemberView | None,
        for_name: str = "",
        *,
        lasts: timedelta = timedelta(days=DEFAULT_DAYS),
        over_capacity: bool = False,
        nomination_id: int | None = None,
    ) -> tuple[str, InviteView]:
        """A new code (returned once, never stored) and its view. Leadership only; past capacity
        only with ``over_capacity`` from an admin (or the operator)."""
        _leadership(actor)
        if over_capacity and actor is not None and actor.role != "admin":
            raise NotAllowed("Only an admin can invite past the group's capacity.")
        name = clean_for_name(for_name)
        code = new_code()

        def write() -> InviteView:
            seats = _seats()
            if seats.open == 0 and not over_capacity:
                raise NotAllowed(
                    FULL.format(members=seats.members, capacity=seats.capacity, open=seats.invites_open)
                    + " An admin can raise the capacity, or invite past it."
                )
            row = Invite.create(
                code_hash=code_hash(code),
                for_name=name,
                created_by=actor.id if actor else None,
                nomination=nomination_id,
                expires_at=utcnow() + lasts,
            )
            record_change(actor.id if actor else None, "invite.create", detail=f"invite {row.id}")
            return _invite_view(row)

        return code, await self.store.write(write)

    async def list(self, actor: MemberView | None = None) -> list[InviteView]:
        _leadership(actor)

        def query() -> list[InviteView]:
            return [_invite_view(row) for row in Invite.select().order_by(Invite.id.desc())]

        return await self.store.read(query)

    async def revoke(self, actor: MemberView | None, invite_id: int) -> InviteView:
        _leadership(actor)

        def write() -> InviteView:
            row = Invite.get_or_none(Invite.id == invite_id)
            if row is None or _state(row) != "open":
                raise NotFound(f"There's no open invite number {invite_id}.")
            row.revoked_at = utcnow()
            row.save()
            record_change(actor.id if actor else None, "invite.revoke", detail=f"invite {row.id}")
            return _invite_view(row)

        return await self.store.write(write)

    async def redeem(self, code: str, key: PublicKey, address: str, connection: object) -> tuple[MemberView, int]:
        """Bind ``key`` to a new member (still joining) if ``code`` is open; the member and key id.

        Counted first (``Guesses``; given back if it opens); every code that does not open says
        NO_SUCH_CODE.
        """
        refusal = self.guesses.spend(address, connection)
        if refusal is not None:
            raise InviteRefused(refusal)
        digest = code_hash(code)

        def write() -> tuple[MemberView, int]:
            row = Invite.get_or_none(Invite.code_hash == digest)
            if row is None or _state(row) != "open":
                raise InviteRefused(NO_SUCH_CODE)
            if MemberKey.select().where(MemberKey.fingerprint == key.fingerprint).exists():
                raise InviteRefused("That key already opens the door for a member: connect without join@.")
            member = Member.create(handle=_free_handle(), display_name=row.for_name or "newcomer", joining=True)
            member_key = MemberKey.create(member=member, fingerprint=key.fingerprint, public_key=key.text)
            Onboarding.create(member=member)
            row.redeemed_at = utcnow()
            row.redeemed_by = member
            row.save()
            record_change(member.id, "member.joined", subject_id=member.id, detail=f"invite {row.id}")
            return to_view(member), member_key.id

        opened = await self.store.write(write)
        self.guesses.refund(address, connection)
        return opened

    async def invited_name(self, member_id: int) -> str:
        """The name an invite was made for (a suggestion for the newcomer's own), or ""."""
        row = await self.store.read(lambda: Invite.get_or_none(Invite.redeemed_by == member_id))
        return clean_for_display(row.for_name, multiline=False) if row else ""


def _leadership(actor: MemberView | None) -> None:
    if actor is not None and not actor.is_senior:
        raise NotFound("There's nothing to show here.")


def _seats() -> Seats:
    setting = GroupSetting.get_or_none(GroupSetting.name == "capacity")
    members = Member.select().where(Member.removed_at.is_null()).count()
    invites = (
        Invite.select()
        .where(Invite.redeemed_at.is_null(), Invite.revoked_at.is_null(), Invite.expires_at > utcnow())
        .count()
    )
    return Seats(int(setting.value) if setting else None, members, invites)


def _state(row: Invite) -> str:
    if row.redeemed_at is not None:
        return "used"
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= utcnow():
        return "expired"
    return "open"


def _invite_view(row: Invite) -> InviteView:
    redeemed = Member.get_or_none(Member.id == row.redeemed_by_id) if row.redeemed_by_id else None
    return InviteView(
        id=row.id,
        for_name=clean_for_display(row.for_name, multiline=False),
        created_at=row.created_at,
        expires_at=row.expires_at,
        state=_state(row),
        redeemed_by=clean_for_display(redeemed.handle, multiline=False) if redeemed else "",
    )


def _free_handle() -> str:
    """A placeholder handle until the newcomer chooses their name (``new-`` and 6 letters)."""
    while True:
        handle = "new-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Member.select().where(Member.handle == handle).exists():
            return handle
