"""A calm page of text (the charter, say) over the current screen; Esc closes it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class TextPage(ModalScreen):
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(self._title + "\n\n", "bold")
        text.append(self._body)  # the group's text: plain, never markup
        text.append("\n\nEsc closes this.", "dim")
        with VerticalScroll(id="text-page", can_focus=True):
            yield Static(text, markup=False)

    def on_mount(self) -> None:
        self.query_one("#text-page").focus()

    def action_close(self) -> None:
        self.dismiss()
