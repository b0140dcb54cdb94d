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
    ("Ctrl+S", "SOS: ask a senior member for help now (asks first; Esc cancels)"),
    ("F2", "crisis lines, on every screen"),
    ("F4", "your safety plan"),
    ("F3", "the alerts pane (senior members)"),
    ("Enter", "send your message"),
    ("Ctrl+J", "new line in a message"),
    ("Ctrl+N", "next channel"),
    ("Tab", "move between panes"),
    ("F1", "this help"),
    ("F5", "your status (or click your name at the bottom)"),
    ("F6", "today's check-in"),
    ("F7", "my days: spoons and mood over the weeks"),
    ("F8 / F9", "spend / regain a spoon"),
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
