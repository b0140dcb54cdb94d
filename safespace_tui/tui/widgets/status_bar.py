"""The bar at the bottom: your own name and status (click it to change), and your spoon meter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ...services.views import MemberView
from ..messages import StatusClicked
from ..presence_style import status_parts
from .spoon_meter import SpoonMeter


def own_status_text(member: MemberView) -> Text:
    symbol, colour, words = status_parts(member)
    text = Text()
    text.append(f" {symbol} ", f"bold {colour}")
    text.append(member.display_name, "bold")
    text.append(f"  {words}", colour)
    if member.away_until is not None and member.status == "away":
        text.append(f" until {member.away_until:%a} {member.away_until.day} {member.away_until:%b}", colour)
    if member.status_note:
        text.append(f" — {member.status_note}", "dim")
    return text


class OwnStatus(Static):
    """Your name and status. Clicking it asks to change the status (a StatusClicked request)."""

    DEFAULT_CSS = """
    OwnStatus {
        width: 1fr;
        height: 1;
    }
    OwnStatus:hover {
        text-style: underline;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.tooltip = "Click to change your status"

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(StatusClicked())


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
    }
    StatusBar #watch-summary {
        width: auto;
        display: none;
        padding: 0 1;
    }
    """

    def __init__(self, member: MemberView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._member = member

    def compose(self) -> ComposeResult:
        yield OwnStatus(id="own-status")
        yield Static("", id="watch-summary", markup=False)  # senior members only (tui/watch.py)
        yield SpoonMeter(id="spoon-meter")

    def on_mount(self) -> None:
        self.show(self._member)

    def show(self, member: MemberView) -> None:
        self.query_one(OwnStatus).update(own_status_text(member))
        services = getattr(self.app, "services", None)
        maximum = services.config.spoons_max if services is not None else 12
        self.query_one(SpoonMeter).show(member.spoons, maximum)

    def show_watch(self, summary: Text | None) -> None:
        """The seniors' one-line summary ("⚠ 1 waiting · 2 struggling"); None hides it."""
        line = self.query_one("#watch-summary", Static)
        line.display = summary is not None
        if summary is not None:
            line.update(summary)
