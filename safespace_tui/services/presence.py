"""Who is online right now: derived from live sessions, never stored as truth.

A member with two terminals open is online until both close.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..hub import PRESENCE, Hub


@dataclass(frozen=True)
class PresenceChanged:
    member_id: int
    online: bool


class Presence:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._sessions: Counter[int] = Counter()
        self._roles: dict[int, str] = {}

    def connected(self, member_id: int, role: str) -> None:
        self._sessions[member_id] += 1
        self._roles[member_id] = role
        if self._sessions[member_id] == 1:
            self.hub.publish(PRESENCE, PresenceChanged(member_id, True))

    def disconnected(self, member_id: int) -> None:
        if self._sessions[member_id] <= 0:
            return
        self._sessions[member_id] -= 1
        if self._sessions[member_id] == 0:
            del self._sessions[member_id]
            self._roles.pop(member_id, None)
            self.hub.publish(PRESENCE, PresenceChanged(member_id, False))

    def role_changed(self, member_id: int, role: str) -> None:
        if member_id in self._sessions:
            self._roles[member_id] = role

    def is_online(self, member_id: int) -> bool:
        return self._sessions[member_id] > 0

    def online_ids(self) -> set[int]:
        return set(self._sessions)

    def online_seniors(self) -> set[int]:
        return {member_id for member_id, role in self._roles.items() if role in ("senior", "admin")}
