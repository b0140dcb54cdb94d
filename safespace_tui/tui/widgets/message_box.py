"""Where a member writes. Enter sends; Ctrl+J (or a paste) adds a new line."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from ...text import MAX_MESSAGE_CHARS


class MessageBox(TextArea):
    class Submitted(Message):
        def __init__(self, box: MessageBox, text: str) -> None:
            super().__init__()
            self.box = box
            self.text = text

    class PasteRefused(Message):
        def __init__(self, size: int) -> None:
            super().__init__()
            self.size = size

    def __init__(self, *, id: str | None = None) -> None:
        # A steady cursor: each blink redrew the screen (~2.4 ms of server CPU per member per blink).
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                # Emptied now, not when the screen gets to it: keys typed meanwhile (a fast typist,
                # a laggy link) land in the empty box and are kept. The screen puts the text back
                # if it was not sent.
                self.clear()
                self.post_message(self.Submitted(self, text))
            return
        if event.key == "ctrl+j":
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)

    def restore_draft(self, draft: str) -> None:
        """Put an unsent draft back, ahead of anything typed since it was taken out."""
        self.load_text(draft + self.text)
        self.move_cursor(self.document.end)

    async def _on_paste(self, event: events.Paste) -> None:
        # A paste bigger than a message is refused whole, kindly: it stays in the member's clipboard.
        if len(self.text) + len(event.text) > MAX_MESSAGE_CHARS:
            event.stop()
            event.prevent_default()
            self.post_message(self.PasteRefused(len(event.text)))
            return
        await super()._on_paste(event)
        # Handled. Without this Textual's dispatch would also run TextArea._on_paste (it calls each
        # class's _on_paste along the MRO) and every paste would be inserted twice.
        event.prevent_default()
