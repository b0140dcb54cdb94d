"""Goals: your own list (a page), and the offer to share a step of progress in #wins.

Views only. The offer shows the exact words that would be posted and dismisses with True
(post them) or False / None (keep them to yourself); the session posts.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...services.channels import WINS


class ShareWinOffer(ModalScreen):
    """Offered after a note of progress: post it to #wins? Never forced; Esc keeps it private."""

    DEFAULT_CSS = """
    ShareWinOffer {
        align: center middle;
    }
    ShareWinOffer #win-dialog {
        width: 64;
        max-width: 100%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    ShareWinOffer #win-buttons {
        height: auto;
        margin-top: 1;
    }
    ShareWinOffer Button {
        margin-right: 2;
    }
    """
    AUTO_FOCUS = "#share"
    BINDINGS = [Binding("escape", "keep", "Keep it to myself")]

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Progress noted. ", "bold")
        text.append(f"Would you like to share it in #{WINS}? It would say:\n\n")
        text.append(self.words, "italic")
        with Vertical(id="win-dialog"):
            yield Static(text, markup=False)
            with Horizontal(id="win-buttons"):
                yield Button(f"Share in #{WINS}", id="share", variant="primary", compact=True)
                yield Button("Keep it to myself", id="keep", compact=True)

    @on(Button.Pressed, "#share")
    def _share(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(False)
