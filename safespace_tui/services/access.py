"""Noticing member changes made outside this process: the ``safespace`` CLI is another process.

Its hub events never reach the server, so this service looks at the store every
``session_check_interval`` seconds and publishes what changed, as the CLI would have in
process: a new role, handle or display name on ``MEMBERS`` and the member's own topic (a new
role matters at once: services check the session's MemberView, and SOS alerts go to the
seniors presence knows of), a removed member on ``MEMBERS``, and keys that no longer open
the door on ``ACCESS_REVOKED``. The SSH server only listens for that last one and closes
those sessions; it never looks at members itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..hub import MEMBERS, Hub, member_topic
from .members import MemberService
from .presence import Presence
from .views import MemberView

log = logging.getLogger("safespace.access")

ACCESS_REVOKED = "access-revoked"
"""Hub topic: keys of live sessions that were revoked, or whose member was removed."""


@dataclass(frozen=True)
class AccessRevoked:
    """Published on ``ACCESS_REVOKED``: sessions opened with these keys must close now."""

    key_ids: frozenset[int]


class AccessWatch:
    """Looks at members and keys now and then; publishes what another process changed."""

    def __init__(self, members: MemberService, presence: Presence, hub: Hub, interval: float) -> None:
        self.members = members
        self.presence = presence
        self.hub = hub
        self.interval = interval
        self._seen: dict[int, tuple[str, str, str]] | None = None  # id -> (role, handle, name)
        # what the last full look saw: the store's count of member and key changes, and the live keys it checked
        self._looked_at: tuple[int, frozenset[int]] | None = None
        # rounds so far, and those that looked at every member and live key: the server's status line
        # shows both (counts only), so a test can see which rounds looked without a clock
        self.rounds = 0
        self.looks = 0
        # more looks at what the CLI may have changed, taken on each round (channels: channel_admin.py)
        self.also: list[Callable[[], Awaitable[None]]] = []

    async def run(self, live_key_ids: Callable[[], set[int]]) -> None:
        """The server's watch loop; ``live_key_ids`` names the keys live sessions use. Never dies of an error."""
        while True:
            try:
                await self.check(live_key_ids())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("access check failed; trying again")
            await asyncio.sleep(self.interval)

    async def check(self, live_key_ids: set[int]) -> None:
        """One look: revoked keys among ``live_key_ids``, then member changes since the last look.

        Skipped when no member or key changed since the last full look (``access_changes``: a
        count SQLite's triggers keep, the CLI's writes included) and no live key is new to it (a
        session opened since may use a key revoked just before). A look at every member and live
        key is 11.1 ms of CPU with 200 members (bench/access_watch.py); when the token was every
        commit, each chat message and read marker made the next round one.
        The token is taken before the reads, so a change made during them is looked at again.
        The ``also`` looks run every round: they go by the clock as well as by the store.
        """
        self.rounds += 1
        token = await self.members.access_changes()
        looked = self._looked_at
        if token is None or looked is None or looked[0] != token or not live_key_ids <= looked[1]:
            self.looks += 1
            revoked = await self.members.revoked_among(live_key_ids)
            if revoked:
                log.info("%d live keys no longer open the door", len(revoked))
                self.hub.publish(ACCESS_REVOKED, AccessRevoked(frozenset(revoked)))
            await self._publish_member_changes()
            # a revoked key still live next round is published again, until its session is gone
            self._looked_at = None if revoked or token is None else (token, frozenset(live_key_ids))
        for look in self.also:
            await look()

    async def _publish_member_changes(self) -> None:
        """Members new or changed (role, handle, display name) since the last look, and those removed.

        The first look only remembers: nothing has changed yet as far as this process knows.
        """
        members = await self.members.list()
        current = {m.id: (m.role, m.handle, m.display_name) for m in members}
        seen, self._seen = self._seen, current
        if seen is None:
            return
        for member in members:
            if seen.get(member.id) != current[member.id]:
                log.info("member %s changed outside the server (role %s)", member.id, member.role)
                self.presence.role_changed(member.id, member.role)
                self.hub.publish(MEMBERS, member)
                self.hub.publish(member_topic(member.id), member)
        for member_id in seen.keys() - current.keys():  # removed: member lists drop them
            log.info("member %s removed outside the server", member_id)
            role, handle, display_name = seen[member_id]
            self.hub.publish(MEMBERS, MemberView(member_id, handle, display_name, role, removed=True))
