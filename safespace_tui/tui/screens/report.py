"""Reporting a message (issue 11): a reason from a few fixed ones, then an optional note."""

from __future__ import annotations

from enum import Enum

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...services.reports import NOTE_MAX, REASON_WORDS
from .crisis import ChoiceScreen


class ReportReason(Enum):
    """The fixed reasons (services/reports.py REASONS), and Esc."""

    UNKIND = "unkind"
    UNSAFE = "unsafe"
    SELLING = "selling"
    OTHER = "other"
    CANCEL = "cancel"


def reason_screen() -> ChoiceScreen[ReportReason]:
    reasons = [r for r in ReportReason if r is not ReportReason.CANCEL]
    return ChoiceScreen(
        "Report this message",
        "Leadership (senior members and admins) will look at it. The author is not told who reported it. "
        "What is the matter?",
        [(str(n), r, REASON_WORDS[r.value].capitalize()) for n, r in enumerate(reasons, start=1)],
        escape=ReportReason.CANCEL,
        dialog_id="report-reason",
    )


class ReportNoteScreen(ModalScreen[str | None]):
    """A few words for leadership, if the member wants: Enter sends (empty is fine), Esc cancels."""

    AUTO_FOCUS = "#report-note-input"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="report-note", classes="dialog"):
            yield Static(Text("Anything leadership should know?", "bold"), markup=False)
            yield Static(Text("Optional, and only leadership reads it."), markup=False)
            yield Input(placeholder="a few words, or nothing", id="report-note-input", max_length=NOTE_MAX)
            yield Static(Text("Enter sends the report   ·   Esc cancels it", "dim"), markup=False)

    @on(Input.Submitted, "#report-note-input")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
