"""For senior members: who has not shared a check-in for a while (a gentle nudge to reach out).

The list comes from a service that refuses anyone who is not senior; it never shows
what anyone wrote, and check-ins kept "only me" are never counted or revealed.
"""

from __future__ import annotations

from datetime import UTC

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...services.checkins import QuietMember
from ...services.spoons import zone
from ..presence_style import status_parts


def quiet_text(quiet: list[QuietMember], days: int, timezone: str = "UTC") -> Text:
    text = Text()
    text.append(f"No check-in shared for {days} day{'s' if days != 1 else ''} or more\n", "bold")
    text.append("A kind word can help; nobody has to check in.\n\n", "dim")
    if not quiet:
        text.append("Everyone has checked in within that time.")
        return text
    for item in quiet:
        symbol, colour, words = status_parts(item.member)
        text.append(f"{symbol} ", colour)
        text.append(item.member.display_name, "bold")
        text.append(f" ({item.member.handle})  ", "dim")
        if item.last_day is None:
            text.append("no check-in shared yet")
        else:
            text.append(f"{item.days} days (last {item.last_day:%a} {item.last_day.day} {item.last_day:%b})")
        if item.last_seen is not None:
            seen = item.last_seen.replace(tzinfo=UTC).astimezone(zone(timezone))
            text.append(f"  · last here {seen:%a} {seen.day} {seen:%b}", "dim")
        if item.member.status == "away":
            text.append(f"  · {words}", colour)
        text.append("\n")
    return text


class QuietMembersScreen(ModalScreen):
    DEFAULT_CSS = """
    QuietMembersScreen {
        align: center middle;
    }
    QuietMembersScreen #quiet-dialog {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    """

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, quiet: list[QuietMember], days: int, *, timezone: str = "UTC") -> None:
        super().__init__()
        self.quiet = quiet
        self.days = days
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="quiet-dialog"):
            yield Static(quiet_text(self.quiet, self.days, self.timezone), markup=False)
            yield Static("Esc closes.", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
