"""Members, their roles and their SSH keys: who may come in, and as whom.

Identity is the key, never the SSH user name. Admin operations here are called
by the ``safespace`` CLI (the operator, who already holds the data dir) and so
take no acting member; anything a member does in the app passes ``actor``.
"""

from __future__ import annotations

import builtins
import logging

from ..hub import MEMBERS, Hub, member_topic
from ..store.db import CannotSave, Store
from ..store.migrations import READ_ACCESS_CHANGES
from ..store.models import ROLES, STATUSES, Member, MemberKey, utcnow
from ..text import TextRejected, clean_display_name, clean_for_display, clean_line, validate_handle
from .audit import record_change
from .errors import Invalid, NotFound
from .views import KeyView, MemberView, PublicKey

log = logging.getLogger("safespace.members")


def to_view(member: Member) -> MemberView:
    # Cleaned again on the way out (not only on the way in): views are what screens show.
    return MemberView(
        id=member.id,
        handle=clean_for_display(member.handle, multiline=False),
        display_name=clean_for_display(member.display_name, multiline=False) or member.handle,
        role=member.role,
        status=member.status,
        status_note=clean_for_display(member.status_note, multiline=False),
        spoons=member.spoons,
        spoons_start=member.spoons_start,
        timezone=member.timezone,
        away_until=member.away_until,
        spoons_day=member.spoons_day,
        removed=member.removed_at is not None,
        pronouns=clean_for_display(member.pronouns, multiline=False),
        joining=member.joining,
    )


def _key_comment(key: PublicKey) -> str:
    """The key's comment cleaned for storing; a comment we cannot use is dropped, not refused."""
    try:
        return clean_line(key.comment, max_chars=200) if key.comment else ""
    except TextRejected:
        return ""


class MemberService:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    # -- who is this key?
    async def for_key(self, fingerprint: str) -> tuple[MemberView, int] | None:
        """The active member holding this key and the key's id, or None."""

        def query() -> tuple[MemberView, int] | None:
            row = (
                MemberKey.select(MemberKey, Member)
                .join(Member)
                .where(
                    MemberKey.fingerprint == fingerprint,
                    MemberKey.revoked_at.is_null(),
                    Member.removed_at.is_null(),
                )
                .first()
            )
            return (to_view(row.member), row.id) if row else None

        return await self.store.read(query)

    async def revoked_among(self, key_ids: set[int]) -> set[int]:
        """Of these key ids, the ones revoked or whose member was removed (sessions to close)."""
        if not key_ids:
            return set()

        def query() -> set[int]:
            rows = (
                MemberKey.select(MemberKey.id)
                .join(Member)
                .where(
                    MemberKey.id.in_(list(key_ids)),
                    MemberKey.revoked_at.is_null(),
                    Member.removed_at.is_null(),
                )
            )
            return key_ids - {row.id for row in rows}

        return await self.store.read(query)

    async def access_changes(self) -> int | None:
        """The count SQLite's triggers raise when a member or key changes in a way the access watcher
        reads (store/migrations.py, ``access_triggers``), by this process or another (the CLI); a
        chat message or a read marker leaves it alone. None if its row is gone: look every round."""

        def query() -> int | None:
            row = self.store.db.execute_sql(READ_ACCESS_CHANGES).fetchone()
            return None if row is None else int(row[0])

        return await self.store.read(query)

    async def get(self, member_id: int) -> MemberView:
        def query() -> MemberView:
            member = Member.get_or_none(Member.id == member_id, Member.removed_at.is_null())
            if member is None:
                raise NotFound("No member by that name.")
            return to_view(member)

        return await self.store.read(query)

    async def by_handle(self, handle: str) -> MemberView:
        def query() -> MemberView:
            member = Member.get_or_none(Member.handle == handle.lower(), Member.removed_at.is_null())
            if member is None:
                raise NotFound(f"No member called {handle!r}.")
            return to_view(member)

        return await self.store.read(query)

    async def list(self) -> list[MemberView]:
        def query() -> list[MemberView]:
            rows = Member.select().where(Member.removed_at.is_null(), ~Member.joining).order_by(Member.handle)
            return [to_view(m) for m in rows]

        return await self.store.read(query)

    async def count_admins(self) -> int:
        return await self.store.read(
            lambda: Member.select().where(Member.role == "admin", Member.removed_at.is_null()).count()
        )

    # -- operator actions (CLI)
    async def add(
        self, handle: str, key: PublicKey, *, role: str = "member", display_name: str | None = None
    ) -> MemberView:
        """The operator adds a member (or brings one back) with a key; an audit row says so."""
        try:
            handle = validate_handle(handle)
            name = clean_display_name(display_name or handle)
        except TextRejected as error:
            raise Invalid(error.message) from None
        if role not in ROLES:
            raise Invalid(f"Role must be one of: {', '.join(ROLES)}.")
        comment = _key_comment(key)

        def write() -> MemberView:
            existing = Member.get_or_none(Member.handle == handle)
            if existing is not None and existing.removed_at is None:
                raise Invalid(f"There is already a member called {handle!r}.")
            if MemberKey.select().where(MemberKey.fingerprint == key.fingerprint).exists():
                raise Invalid("That key already belongs to a member. Each key opens exactly one door.")
            if existing is not None:  # someone who left, invited back: their history is theirs again
                existing.removed_at = None
                existing.role = role
                existing.save()
                member = existing
            else:
                member = Member.create(handle=handle, display_name=name, role=role)
            MemberKey.create(member=member, fingerprint=key.fingerprint, public_key=key.text, comment=comment)
            record_change(None, "member.add", subject_id=member.id, detail=f"as {role}, key {key.fingerprint}")
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    async def set_role(self, handle: str, role: str, *, by: MemberView | None = None) -> MemberView:
        """A new role (``by``: the admin in the app; None: the operator); an audit row says so."""
        if role not in ROLES:
            raise Invalid(f"Role must be one of: {', '.join(ROLES)}.")

        def write() -> MemberView:
            member = self._active(handle)
            if role != "admin":
                _not_the_last_admin(member, "change their role")
            record_change(by.id if by else None, "member.role", subject_id=member.id, detail=f"{member.role} -> {role}")
            member.role = role
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        self.hub.publish(member_topic(view.id), view)
        return view

    async def remove(self, handle: str, *, by: MemberView | None = None, why: str = "") -> MemberView:
        """Mark removed (messages stay, attributed); live sessions close via the session watcher.
        ``by``: the admin who removed them in the app (None: the operator); an audit row says so."""

        def write() -> MemberView:
            member = self._active(handle)
            _not_the_last_admin(member, "remove them")
            record_change(by.id if by else None, "member.remove", subject_id=member.id, detail=why[:150])
            member.removed_at = utcnow()
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    async def removable(self, handle: str) -> MemberView:
        """The member ``remove`` would remove, or its refusal (no such member; the group's only
        admin), asked before anyone is asked to confirm: a "yes" must never lead to a "no"."""

        def read() -> MemberView:
            member = self._active(handle)
            _not_the_last_admin(member, "remove them")
            return to_view(member)

        return await self.store.read(read)

    async def was_removed(self, handle: str) -> bool:
        """Whether ``handle`` names a member who was removed (adding them again brings them back)."""
        return await self.store.read(
            lambda: Member.select().where(Member.handle == handle.lower(), Member.removed_at.is_null(False)).exists()
        )

    async def restore(self, handle: str) -> MemberView:
        """Bring a removed member back: the same row, so their messages and history are theirs again.
        Their keys open again unless they were revoked (``member key add`` gives a new one)."""

        def write() -> MemberView:
            member = Member.get_or_none(Member.handle == handle.lower())
            if member is None:
                raise NotFound(f"No member called {handle!r}.")
            if member.removed_at is None:
                raise Invalid(f"{member.handle} is a member already; nothing to restore.")
            record_change(None, "member.restore", subject_id=member.id)
            member.removed_at = None
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    async def add_key(self, handle: str, key: PublicKey) -> KeyView:
        """A new key for a member, or for one who was removed (it opens once they are restored)."""
        comment = _key_comment(key)

        def write() -> KeyView:
            member = Member.get_or_none(Member.handle == handle.lower())
            if member is None:
                raise NotFound(f"No member called {handle!r}.")
            if MemberKey.select().where(MemberKey.fingerprint == key.fingerprint).exists():
                raise Invalid("That key is already registered.")
            row = MemberKey.create(member=member, fingerprint=key.fingerprint, public_key=key.text, comment=comment)
            record_change(None, "key.add", subject_id=member.id, detail=key.fingerprint)
            return _key_view(row, member)

        return await self.store.write(write)

    async def revoke_key(self, handle: str, fingerprint: str) -> KeyView:
        def write() -> KeyView:
            member = self._active(handle)
            row = MemberKey.get_or_none(
                MemberKey.member == member, MemberKey.fingerprint == fingerprint, MemberKey.revoked_at.is_null()
            )
            if row is None:
                raise NotFound(f"{handle} has no active key with fingerprint {fingerprint}.")
            row.revoked_at = utcnow()
            row.save()
            record_change(None, "key.revoke", subject_id=member.id, detail=fingerprint)
            return _key_view(row, member)

        return await self.store.write(write)

    async def keys(self, handle: str) -> builtins.list[KeyView]:  # plain `list` here is the method above
        def query() -> builtins.list[KeyView]:
            member = self._active(handle)
            return [
                _key_view(k, member)
                for k in MemberKey.select().where(MemberKey.member == member).order_by(MemberKey.id)
            ]

        return await self.store.read(query)

    # -- presence, remembered
    async def note_seen(self, member_id: int) -> None:
        """Remember that the member was here just now (their session closed): the seniors'
        quiet-members list shows it. Only a nicety: a disk that cannot be written loses it."""

        def write() -> None:
            Member.update(last_seen_at=utcnow()).where(Member.id == member_id).execute()

        try:
            await self.store.write(write)
        except CannotSave:
            log.warning("could not note when member %s was last here", member_id)

    # -- a member's own choices
    async def set_status(self, actor: MemberView, status: str, note: str = "") -> MemberView:
        if status not in STATUSES:
            raise Invalid(f"Status can be one of: {', '.join(STATUSES)}.")
        note = clean_line(note) if note.strip() else ""

        def write() -> MemberView:
            member = Member.get_by_id(actor.id)
            member.status = status
            member.status_note = note
            if status != "away":
                member.away_until = None
            member.save()
            return to_view(member)

        view = await self.store.write(write)
        self.hub.publish(MEMBERS, view)
        return view

    @staticmethod
    def _active(handle: str) -> Member:
        member = Member.get_or_none(Member.handle == handle.lower(), Member.removed_at.is_null())
        if member is None:
            raise NotFound(f"No member called {handle!r}.")
        return member


def _key_view(row: MemberKey, member: Member) -> KeyView:
    return KeyView(
        id=row.id,
        member_handle=member.handle,
        fingerprint=row.fingerprint,
        comment=row.comment,
        added_at=row.added_at,
        revoked_at=row.revoked_at,
        member_removed=member.removed_at is not None,
    )


def _not_the_last_admin(member: Member, change: str) -> None:
    """Inside a write: the group always keeps an admin (someone who can add members and keys)."""
    if member.role != "admin":
        return
    others = Member.select().where(Member.role == "admin", Member.removed_at.is_null(), Member.id != member.id)
    if not others.exists():
        raise Invalid(
            f"{member.handle} is the group's only admin, so we can't {change}. "
            "Make someone else an admin first: safespace member role NAME admin"
        )
