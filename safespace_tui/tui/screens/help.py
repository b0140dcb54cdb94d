"""Keys and slash commands, in one calm place."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..commands import COMMANDS

KEYS = (
    ("Enter", "send your message"),
    ("Ctrl+J", "new line in a message"),
    ("Ctrl+N", "next channel"),
    ("Tab", "move between panes"),
    ("F1", "this help"),
    ("Ctrl+Q", "leave Safe Space (you can come back any time)"),
)


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Keys\n", "bold")
        for key, words in KEYS:
            text.append(f"  {key:<8}", "bold")
            text.append(f" {words}\n")
        text.append("\nCommands (type them in the message box)\n", "bold")
        for line in COMMANDS.values():
            text.append(f"  {line}\n")
        text.append("\nEsc closes this.", "dim")
        with VerticalScroll(id="help-dialog"):
            yield Static(text, markup=False)

    def action_dismiss(self) -> None:
        self.dismiss()
