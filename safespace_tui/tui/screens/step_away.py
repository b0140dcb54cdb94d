"""Stepping away for a while (until a date, if you like) or leaving the group.

Either way a short, kind note goes to #living-room and your status becomes away;
/back returns. Leaving deletes nothing, and the dialog says plainly how to take a copy
of your data (``ssh host export``) or have it deleted (/delete-my-data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...services.away import LEAVING_LINES, LEAVING_WORDS, SteppedAway
from ...services.channels import LIVING_ROOM
from ...text import MAX_NOTE_CHARS
from ..messages import Refused
from ..widgets.choices import Choices


class StepAwayScreen(ModalScreen):
    """Dismisses with the ``SteppedAway`` result, or None."""

    DEFAULT_CSS = """
    StepAwayScreen {
        align: center middle;
    }
    StepAwayScreen #away-dialog {
        width: 76;
        max-width: 98%;
        height: auto;
        max-height: 95%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    StepAwayScreen .dialog-title {
        text-style: bold;
    }
    StepAwayScreen .row {
        height: auto;
        margin-top: 1;
    }
    StepAwayScreen .row Label {
        width: 10;
        text-style: bold;
    }
    StepAwayScreen .row Input {
        width: 1fr;
    }
    StepAwayScreen #away-words {
        margin-top: 1;
        color: $text-muted;
        height: auto;
    }
    StepAwayScreen #away-error {
        color: $warning;
        height: auto;
    }
    StepAwayScreen #away-buttons {
        height: auto;
        margin-top: 1;
    }
    StepAwayScreen #away-buttons Button {
        margin-right: 2;
    }
    """

    AUTO_FOCUS = "#away-kind"
    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+o", "confirm", "Step away")]

    def __init__(self, *, note: str = "", step_away: Callable[..., Awaitable[SteppedAway | Refused]]) -> None:
        """``step_away(leaving=, until=, note=)`` is the session's; it answers with what happened, or why not."""
        super().__init__()
        self.note = note
        self._step_away = step_away

    def on_mount(self) -> None:
        self.query_one("#line-row").display = False  # only when leaving

    def compose(self) -> ComposeResult:
        with Vertical(id="away-dialog"):
            yield Static("Stepping away", classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("How")
                yield Choices(
                    [("while", "for a while"), ("leaving", "leaving the group")],
                    selected="while",
                    numbered=True,
                    id="away-kind",
                )
            with Horizontal(classes="row", id="until-row"):
                yield Label("Until")
                yield Input(
                    placeholder="a date like 2026-12-01, or a number of days (optional)", id="away-until", compact=True
                )
            with Horizontal(classes="row", id="line-row"):
                yield Label("Or say")
                yield Choices(
                    [(key, words) for key, words in LEAVING_LINES.items()], selected="leaving", id="away-line"
                )
            with Horizontal(classes="row"):
                yield Label("Note")
                yield Input(
                    self.note,
                    placeholder="a few words for the group (optional)",
                    id="away-note",
                    max_length=MAX_NOTE_CHARS,
                    compact=True,
                )
            yield Static(self._words("while"), id="away-words", markup=False)
            yield Static("", id="away-error", markup=False)
            with Horizontal(id="away-buttons"):
                yield Button("Step away", id="confirm", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @staticmethod
    def _words(kind: str) -> str:
        if kind == "leaving":
            return (
                f"Your note goes to #{LIVING_ROOM} just as you wrote it; with no note, the line you picked. "
                + LEAVING_WORDS
            )
        return (
            f"A note goes to #{LIVING_ROOM} so the group knows, and your status becomes away. "
            "Type /back when you're here again. Nothing is deleted."
        )

    @on(Choices.Changed, "#away-kind")
    def _kind_changed(self, event: Choices.Changed) -> None:
        kind = event.choices.value or "while"
        self.query_one("#until-row").display = kind == "while"
        self.query_one("#line-row").display = kind == "leaving"
        self.query_one("#away-words", Static).update(Text(self._words(kind)))
        self.query_one("#confirm", Button).label = "Leave the group" if kind == "leaving" else "Step away"

    async def action_confirm(self) -> None:
        kind = self.query_one("#away-kind", Choices).value or "while"
        result = await self._step_away(
            leaving=kind == "leaving",
            until=self.query_one("#away-until", Input).value if kind == "while" else "",
            note=self.query_one("#away-note", Input).value,
            line=self.query_one("#away-line", Choices).value or "leaving",
        )
        if isinstance(result, Refused):
            self.query_one("#away-error", Static).update(Text(result.message))
            return
        self.dismiss(result)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    async def _confirm(self) -> None:
        await self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()
