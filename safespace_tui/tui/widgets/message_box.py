"""Where a member writes. Enter sends; Ctrl+J (or a paste) adds a new line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from ...text import MAX_MESSAGE_CHARS


class MessageBox(TextArea):
    """A TextArea that sends on Enter and refuses an oversized paste.

    It overrides ``TextArea._on_key`` and ``_on_paste``: private names, but the way Textual's own
    TextArea guide extends the widget (listed and guarded in textual_fixes).
    """

    class PasteRefused(Message):
        def __init__(self, size: int) -> None:
            super().__init__()
            self.size = size

    def __init__(self, submit: Callable[[str], Awaitable[None]], *, id: str | None = None) -> None:
        """``submit(text)`` sends or runs what was written (and puts it back if it was not sent)."""
        self._submit = submit
        # A steady cursor: each blink redrew the screen (~2.4 ms of server CPU per member per blink).
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                # Sent from here, not in a message to the screen: a key that arrived meanwhile
                # (a fast typist, a laggy link) went into the box before the screen emptied it,
                # and was erased with it. Keys now wait until this is done, and land after it.
                # The emptied box and the sent line are also drawn in one frame.
                self.clear()
                await self._submit(text)
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
