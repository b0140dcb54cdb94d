"""A member's saved choice of session: the plain line mode or the full-screen app (issue 12).

``ssh line@host`` always gives the line mode; any other user name gives what the member chose
with ``/mode line|full`` (the app until they choose). Read once per login (ssh/server.py), so a
change applies from the next connection. Only the member may change their own.
"""

from __future__ import annotations

from ..store.db import Store
from ..store.models import SessionPreference, utcnow
from .errors import Invalid
from .views import MemberView

MODES = ("line", "full")


class PreferenceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def session_mode(self, member_id: int) -> str:
        """ "line" or "full" ("full" if the member never chose)."""

        def query() -> str:
            row = SessionPreference.get_or_none(SessionPreference.member == member_id)
            return row.mode if row is not None and row.mode in MODES else "full"

        return await self.store.read(query)

    async def set_session_mode(self, actor: MemberView, mode: str) -> str:
        """The acting member's own choice; raises Invalid (kind words) for anything but line or full."""
        mode = mode.strip().lower()
        if mode not in MODES:
            raise Invalid("/mode line gives plain lines (for screen readers and slow links); /mode full the app.")

        def write() -> str:
            (
                SessionPreference.insert(member=actor.id, mode=mode, updated_at=utcnow())
                .on_conflict(conflict_target=[SessionPreference.member], update={"mode": mode, "updated_at": utcnow()})
                .execute()
            )
            return mode

        return await self.store.write(write)
