"""A private conversation between a member and one member of leadership (issue 11).

Opened from the reports pane (``p``) or with ``/talk NAME``. What was said is handed down by the
session (``show``, ``add``); Enter in the box posts ``TalkSaid`` and the line comes back through
the hub like any other, so every session of both parties shows the same. Lines are the members'
words, already cleaned by the service, drawn as ``Text`` (never markup).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from ...services.private_talk import TalkView, WordView
from ...text import MAX_MESSAGE_CHARS
from ..messages import TalkSaid
from ..widgets.key_bar import KeyBar
from .crisis import local_time
from .crisis_keys_first import CrisisKeysFirst


class PrivateTalkScreen(CrisisKeysFirst):
    AUTO_FOCUS = "#talk-input"
    BINDINGS = [Binding("escape", "close", "Back")]

    def __init__(self, talk: TalkView, timezone: str = "UTC") -> None:
        super().__init__()
        self.talk = talk
        self.timezone = timezone
        self._words: list[WordView] = list(talk.words)

    def compose(self) -> ComposeResult:
        with Vertical(id="talk-body"):
            title = Text(f"Talking privately with {self.talk.other_name}", "bold")
            title.append("  only the two of you can read this", "dim")
            yield Static(title, id="talk-title", markup=False)
            with VerticalScroll(id="talk-log"):
                yield Static("", id="talk-lines", markup=False)
            yield Input(placeholder="write here; Enter sends", id="talk-input", max_length=MAX_MESSAGE_CHARS)
        yield KeyBar()

    def on_mount(self) -> None:
        self._draw()

    def add(self, word: WordView) -> None:
        """A new line (from either party, through the hub)."""
        if all(w.id != word.id for w in self._words):
            self._words.append(word)
            self._draw()

    def _draw(self) -> None:
        text = Text()
        if not self._words:
            text.append("Nothing said yet. Take your time.", "dim")
        for word in self._words:
            text.append(local_time(word.created_at, self.timezone) + " ", "dim")
            text.append(word.author_name, "bold")
            text.append("  " + word.body + "\n")
        self.query_one("#talk-lines", Static).update(text)
        self.query_one("#talk-log", VerticalScroll).scroll_end(animate=False)

    @on(Input.Submitted, "#talk-input")
    def _send(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(TalkSaid(self.talk.id, event.value))
            event.input.value = ""

    def action_close(self) -> None:
        self.app.pop_screen()
