"""Keys and slash commands, in one calm place, read from the one command table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...commands import Command

# Keys that are not commands: writing, moving around, leaving.
OTHER_KEYS = (
    ("Ctrl+X", "quick exit: clears the screen and leaves at once, on every screen"),
    ("Enter", "send your message"),
    ("Ctrl+J", "new line in a message"),
    ("Tab", "after /, completes a command; otherwise moves between panes"),
    ("Ctrl+N", "next channel"),
    ("Ctrl+Q", "leave Safe Space (you can come back any time)"),
)


def help_text(commands: list[Command]) -> Text:
    """SOS and the crisis lines first, the keys that are not commands, then every command this
    member may use, each with its keys."""
    text = Text()
    text.append("Keys\n", "bold")
    crisis = [
        (key.display, command.help)
        for command in commands
        if command.name in ("sos", "crisis", "help")
        for key in command.keys
    ]
    for shown, words in [*crisis, *OTHER_KEYS]:
        text.append(f"  {shown:<8}", "bold")
        text.append(f" {words}\n")
    text.append("\nCommands (type them in the message box)\n", "bold")
    for command in commands:
        text.append(f"  {command.help_line}\n")
    text.append("\nEsc closes this.", "dim")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, commands: list[Command]) -> None:
        super().__init__()
        self._commands = commands

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(help_text(self._commands), markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss()
