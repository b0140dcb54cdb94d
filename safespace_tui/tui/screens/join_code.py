"""The one screen ``ssh join@host`` shows: a box for an invite code, and nothing of the group."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

WELCOME = (
    "Welcome. This door is for people invited to Safe Space.\n\n"
    "Please type or paste the invite code you were given, then press Enter. "
    "Take your time; dashes and spaces don't matter."
)


class CodeEntered(Message):
    """The newcomer pressed Enter on a code (the app asks the SSH side whether it opens)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class CodeScreen(Screen[None]):
    AUTO_FOCUS = "#join-code"

    def compose(self) -> ComposeResult:
        with Vertical(id="join-dialog", classes="dialog"):
            yield Static(Text("Safe Space", "bold"), markup=False)
            yield Static(Text(WELCOME), markup=False)
            yield Input(placeholder="invite code, e.g. abcd-efgh-jkmn-pqrs-tuvw", id="join-code", max_length=80)
            yield Static("", id="join-answer", markup=False)
            yield Static(Text("Enter tries the code   ·   Ctrl+Q leaves", "dim"), markup=False)

    @on(Input.Submitted, "#join-code")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.query_one("#join-answer", Static).update(Text("Checking…", "dim"))
            self.post_message(CodeEntered(event.value))

    @on(Input.Changed, "#join-code")
    def _changed(self, event: Input.Changed) -> None:
        """A new try: the last answer goes, so it is never read as the answer to this one."""
        self.query_one("#join-answer", Static).update("")

    def refused(self, words: str, *, final: bool) -> None:
        """The code did not open: say so, keep what was typed so it can be corrected."""
        self.query_one("#join-answer", Static).update(Text(words))
        if final:
            self.query_one("#join-code", Input).disabled = True
