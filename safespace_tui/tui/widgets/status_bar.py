"""The bar at the bottom: your own name and presence."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...services.views import MemberView
from ..presence_style import presence_parts


class StatusBar(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def on_mount(self) -> None:
        self.show(self.app.member)

    def show(self, member: MemberView) -> None:
        symbol, colour, words = presence_parts(member, True)
        text = Text()
        text.append(f" {symbol} ", colour)
        text.append(member.display_name, "bold")
        text.append(f"  {words}", colour)
        if member.status_note:
            text.append(f" — {member.status_note}", "dim")
        self.update(text)
