"""Who is here: each member with an online/offline symbol and colour (never colour alone)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...services.views import MemberView
from ..presence_style import presence_label


class MemberList(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._members: dict[int, MemberView] = {}
        self._online: set[int] = set()

    def set_members(self, members: list[MemberView], online: set[int]) -> None:
        self._members = {m.id: m for m in members}
        self._online = set(online)
        self._redraw()

    def update_member(self, member: MemberView) -> None:
        self._members[member.id] = member
        self._redraw()

    def remove_member(self, member_id: int) -> None:
        self._members.pop(member_id, None)
        self._redraw()

    def set_online(self, member_id: int, online: bool) -> None:
        (self._online.add if online else self._online.discard)(member_id)
        self._redraw()

    def is_online(self, member_id: int) -> bool:
        return member_id in self._online

    def _redraw(self) -> None:
        ordered = sorted(
            self._members.values(), key=lambda m: (m.id not in self._online, m.display_name.lower())
        )
        text = Text()
        for member in ordered:
            if text:
                text.append("\n")
            text.append_text(presence_label(member, member.id in self._online))
        self.update(text)
