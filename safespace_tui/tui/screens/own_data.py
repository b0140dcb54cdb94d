"""Your own data: asking for it to be deleted (a week to change your mind), or cancelling that.

A view: it says plainly what will go and what stays, and dismisses with what the member chose
(``DeletionChoice``); the session asks the service (services/deletion.py).
"""

from __future__ import annotations

from datetime import UTC
from enum import Enum

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...services.deletion import GRACE, REMOVED_TEXT, DeletionPending
from ...services.spoons import zone

EXPORT_HINT = (
    "To keep a copy of everything the group holds about you, add the word export to your usual ssh "
    "command: ssh … export > my-safespace.json"
)


class DeletionChoice(Enum):
    ASK = "ask"
    CANCEL = "cancel"


def deletion_words(pending: DeletionPending | None, timezone: str) -> Text:
    text = Text()
    text.append("Deleting your data\n\n", "bold")
    if pending is not None:
        due = pending.due_at.replace(tzinfo=UTC).astimezone(zone(timezone))
        text.append(f"Your data will be deleted on {due:%a} {due.day} {due:%B} at {due:%H:%M}. ")
        text.append("Until then you can change your mind.\n")
        return text
    text.append(
        f"In {GRACE.days} days your profile, goals, check-ins, spoons, safety plan and keys are deleted, and "
        f"the words of every message you wrote become “{REMOVED_TEXT}”. You can cancel any time before "
        "then with /delete-my-data. Afterwards your key no longer opens Safe Space.\n\n"
    )
    text.append(EXPORT_HINT, "dim")
    return text


class DeleteDataScreen(ModalScreen):
    """Dismisses with a ``DeletionChoice``, or None (Esc: nothing changes)."""

    AUTO_FOCUS = "#keep"  # the safe choice is the one Enter presses

    DEFAULT_CSS = """
    DeleteDataScreen {
        align: center middle;
    }
    DeleteDataScreen #delete-dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    DeleteDataScreen #delete-buttons {
        height: auto;
        margin-top: 1;
    }
    DeleteDataScreen #delete-buttons Button {
        margin-right: 2;
    }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, pending: DeletionPending | None, *, timezone: str = "UTC") -> None:
        super().__init__()
        self.pending = pending
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="delete-dialog"):
            yield Static(deletion_words(self.pending, self.timezone), markup=False)
            with Horizontal(id="delete-buttons"):
                if self.pending is None:
                    yield Button(f"Delete my data in {GRACE.days} days", id="ask", variant="error", compact=True)
                    yield Button("Keep my data", id="keep", compact=True)
                else:
                    yield Button("Cancel the deletion", id="cancel-deletion", variant="primary", compact=True)
                    yield Button("Leave it as it is", id="keep", compact=True)

    @on(Button.Pressed, "#ask")
    def _ask(self) -> None:
        self.dismiss(DeletionChoice.ASK)

    @on(Button.Pressed, "#cancel-deletion")
    def _cancel(self) -> None:
        self.dismiss(DeletionChoice.CANCEL)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
