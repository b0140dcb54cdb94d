"""The daily check-in form: a few gentle questions, and who may see the answers.

Only spoons and mood are needed; everything else may stay empty. Saving posts a
compact card in #check-ins (edited in place if you change it later today).
Ctrl+O saves (Ctrl+S stays the SOS key everywhere), Esc closes without saving; Enter moves to the next field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import Enum

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ...services.checkins import MOODS, NEEDS, SLEEP, VISIBILITY, CheckInDraft, CheckInSaved, CheckInView, Reflection
from ...text import MAX_NOTE_CHARS
from ..messages import Refused
from ..widgets.choices import Choices
from ..widgets.form_error import show_form_error
from ..widgets.key_bar import KeyBar
from .crisis_keys_first import CrisisKeysFirst


def reflection_words(reflection: Reflection | None) -> str:
    """A gentle streak and a look at one's own recent weeks. Never a comparison with anyone else."""
    if reflection is None:
        return ""
    parts = []
    if reflection.streak >= 2:
        parts.append(f"{reflection.streak} days in a row.")
    elif reflection.checked_in_today:
        parts.append("You checked in today.")
    if reflection.week_days and reflection.before_days:
        parts.append(
            f"Your week so far: spoons {reflection.week_spoons:g}, mood {reflection.week_mood:g} on average"
            f" (the three weeks before: {reflection.before_spoons:g}, {reflection.before_mood:g})."
        )
    return " ".join(parts)


class Yesterday(Enum):
    """The form was left to fill in yesterday's check-in instead."""

    CHOSEN = "yesterday"


SaveCheckIn = Callable[[CheckInDraft], Awaitable[CheckInSaved | Refused]]


class CheckInScreen(CrisisKeysFirst):
    """Dismisses with the saved ``CheckInSaved``, ``Yesterday.CHOSEN``, or None when closed."""

    DEFAULT_CSS = """
    CheckInScreen {
        align: center top;
    }
    CheckInScreen #checkin-form {
        width: 100%;
        max-width: 110;
        height: 1fr;
        padding: 0 1;
    }
    CheckInScreen #checkin-title {
        text-style: bold;
        height: 1;
    }
    CheckInScreen #checkin-reflection {
        color: $text-muted;
        height: auto;
    }
    CheckInScreen .row {
        height: auto;
        margin-top: 1;
    }
    CheckInScreen .row Label {
        width: 15;
        text-style: bold;
    }
    CheckInScreen .row .hint {
        width: auto;
        color: $text-muted;
        padding-left: 1;
    }
    CheckInScreen #spoons {
        width: 6;
    }
    CheckInScreen .row Input {
        width: 1fr;
    }
    CheckInScreen #checkin-error {
        color: $warning;
        height: auto;
    }
    CheckInScreen #checkin-buttons {
        height: auto;
        margin-top: 1;
    }
    CheckInScreen #checkin-buttons Button {
        margin-right: 2;
    }
    """

    KEY_LINE_FIRST = ("ctrl+o",)  # Save shows on a phone (widgets/key_bar.py)
    AUTO_FOCUS = "#spoons"  # at compose, before the first key can arrive
    BINDINGS = [
        Binding("ctrl+o", "save", "Save"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(
        self,
        *,
        day: date,
        today: date,
        spoons: int,
        spoons_max: int,
        existing: CheckInView | None = None,
        reflection: Reflection | None = None,
        can_backfill: bool = False,
        save: SaveCheckIn,
    ) -> None:
        """``save(draft)`` stores it (the session's); it answers with what was saved, or why not."""
        super().__init__()
        self._save = save
        self.day = day
        self.today = today
        self.spoons_max = spoons_max
        self.existing = existing
        self.reflection = reflection
        self.can_backfill = can_backfill
        self._start_spoons = existing.spoons if existing else max(0, min(spoons, spoons_max))

    def compose(self) -> ComposeResult:
        e = self.existing
        which = "Today's check-in" if self.day == self.today else "Yesterday's check-in"
        title = f"{which} · {self.day:%A} {self.day.day} {self.day:%B}" + ("  (changing it)" if e else "")
        with VerticalScroll(id="checkin-form"):
            yield Static(title, id="checkin-title", markup=False)
            yield Static(reflection_words(self.reflection), id="checkin-reflection", markup=False)
            with Horizontal(classes="row"):
                yield Label("Spoons")
                yield Input(str(self._start_spoons), id="spoons", restrict=r"[0-9]{0,2}", max_length=2, compact=True)
                yield Static(f"of {self.spoons_max} (needed)", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label("Mood")
                yield Choices(
                    [(str(n), f"{n} {word}") for n, word in MOODS.items()],
                    selected=str(e.mood) if e else None,
                    numbered=True,
                    id="mood",
                )
            with Horizontal(classes="row"):
                yield Label("Sleep")
                yield Choices(
                    [(s, s) for s in SLEEP], selected=e.sleep if e and e.sleep else None, numbered=True, id="sleep"
                )
            with Horizontal(classes="row"):
                yield Label("I'd like")
                yield Choices([(n, n) for n in NEEDS], multiple=True, selected=set(e.needs) if e else None, id="needs")
            with Horizontal(classes="row"):
                yield Label("Warning signs")
                yield Input(
                    e.warning_signs if e else "",
                    id="warning-signs",
                    placeholder="only you and senior members see these (optional)",
                    max_length=MAX_NOTE_CHARS,
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("A win")
                yield Input(
                    e.win if e else "",
                    id="win",
                    placeholder="big or small (optional, also shared in #wins)",
                    max_length=MAX_NOTE_CHARS,
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("Note")
                yield Input(
                    e.note if e else "",
                    id="note",
                    placeholder="a few words (optional)",
                    max_length=MAX_NOTE_CHARS,
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("Who may see it")
                yield Choices(list(VISIBILITY.items()), selected=e.visibility if e else "group", id="visibility")
            yield Static("", id="checkin-error", markup=False)
            with Horizontal(id="checkin-buttons"):
                yield Button("Save check-in", id="save", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)
                if self.can_backfill and self.day == self.today and not e:
                    yield Button("Fill in yesterday instead", id="yesterday", compact=True)
        yield KeyBar()

    # -- reading the form
    def draft(self) -> CheckInDraft:
        """What the form says now; raises ValueError with calm words if spoons or mood are missing."""
        raw = self.query_one("#spoons", Input).value.strip()
        if not raw.isdigit() or int(raw) > self.spoons_max:
            raise ValueError(f"Spoons: please give a number from 0 to {self.spoons_max}.")
        mood = self.query_one("#mood", Choices).value
        if mood is None:
            raise ValueError("Mood: please pick the number closest to how you are, 1 to 5.")
        return CheckInDraft(
            spoons=int(raw),
            mood=int(mood),
            sleep=self.query_one("#sleep", Choices).value or "",
            needs=self.query_one("#needs", Choices).values,
            warning_signs=self.query_one("#warning-signs", Input).value,
            win=self.query_one("#win", Input).value,
            note=self.query_one("#note", Input).value,
            visibility=self.query_one("#visibility", Choices).value or "group",
            day=self.day,
        )

    def _show_error(self, words: str) -> None:
        show_form_error(self.query_one("#checkin-error", Static), words)

    # -- actions
    async def action_save(self) -> None:
        try:
            draft = self.draft()
        except ValueError as error:
            self._show_error(str(error))
            return
        saved = await self._save(draft)
        if isinstance(saved, Refused):
            self._show_error(saved.message)  # the draft stays as it is
            return
        self.dismiss(saved)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    async def _save_pressed(self) -> None:
        await self.action_save()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()

    @on(Button.Pressed, "#yesterday")
    def _yesterday_pressed(self) -> None:
        self.dismiss(Yesterday.CHOSEN)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()
