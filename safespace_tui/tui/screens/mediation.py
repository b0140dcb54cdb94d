"""Asking for mediation (issue 11): a small form, ``/mediation`` with nothing after it.

With whom, and a few words only leadership reads; above them, the member's own mediations and
how they stand. Enter in the name box goes to the words (a priority binding, in the key's own
turn, as in onboarding: under load the letters after Enter must not land in the name box); Enter
in the words asks, through ``save`` (the session's call to the service). A refusal is shown in the
form and nothing typed is lost; Esc closes it. Everything else about mediation is typed
(``/mediation …``, commands_mediation.py), so the line mode has all of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...services.mediation import WORDS_MAX
from ..widgets.form_error import show_form_error

Ask = Callable[[str, str], Awaitable[str | None]]  # (with whom, words) -> None: asked; else why not


class MediationScreen(ModalScreen[None]):
    """Your mediations, and a request for a new one."""

    # The form opens at its top (the member's mediations), not scrolled down to the first box, as
    # AUTO_FOCUS would at 48x20: the focus is set in on_mount, still before the first frame (as the
    # onboarding and profile forms do).
    AUTO_FOCUS = ""
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "enter", show=False, priority=True)]

    def __init__(self, mine: list[str], ask: Ask) -> None:
        super().__init__()
        self._mine = mine
        self._ask = ask

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="mediation-form", classes="dialog"):
            yield Static(Text("Mediation", "bold"), markup=False)
            for line in self._mine or ["You have no mediations. /mediation N shows one's times."]:
                yield Static(Text(line), markup=False)
            yield Static(Text("Ask for mediation with someone (leadership finds a mediator):"), markup=False)
            yield Input(placeholder="their name", id="mediation-with", max_length=24)
            yield Static(Text("A few words about it. Only leadership reads them; optional."), markup=False)
            yield Input(placeholder="a few words, or nothing", id="mediation-words", max_length=WORDS_MAX)
            yield Static("", id="mediation-answer", markup=False)
            yield Static(Text("Enter: next, then ask   ·   Esc closes   ·   /mediation help: every step", "dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#mediation-with", Input), scroll_visible=False)

    async def action_enter(self) -> None:
        box = self.focused
        if not isinstance(box, Input):
            return
        if box.id == "mediation-with":
            self.focus_next()
            return
        with_whom = self.query_one("#mediation-with", Input).value
        refusal = await self._ask(with_whom, box.value)
        if refusal is None:
            self.dismiss(None)
        elif self.is_attached:
            show_form_error(self.query_one("#mediation-answer", Static), refusal)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter is the binding's (above), in its own turn

    def action_close(self) -> None:
        self.dismiss(None)
