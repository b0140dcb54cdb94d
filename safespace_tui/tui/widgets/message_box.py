"""Where a member writes. Enter sends; Ctrl+J (or a paste) adds a new line; Tab after / or @ completes;
Up in an empty box recalls what was entered before (a refused command is never lost); Ctrl+T starts
a content warning; Enter in an empty box opens the newest folded message; editing one's own message
(``e`` in message-selection mode) puts it here behind ``/edit N``, Esc cancels."""

from __future__ import annotations

import os.path

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from ...text import MAX_MESSAGE_CHARS, clean_typing
from ..messages import CommandsOffered, PasteRefused, Submitted
from ..textual_fixes import ThemeAppliedOnce

ZWJ = "\u200d"
EDIT_PREFIX = "/edit "  # the marker in front of one's own message being edited (issue 11)


class MessageBox(ThemeAppliedOnce, TextArea):
    """A TextArea that sends on Enter and refuses an oversized paste.

    It overrides ``TextArea._on_key`` and ``_on_paste``: private names, but the way Textual's own
    TextArea guide extends the widget (listed and guarded in textual_fixes).
    """

    BINDINGS = [Binding("ctrl+t", "content_warning", "CW", show=False)]

    class EmptyEnter(Message):
        """Enter with nothing to send: the screen opens the newest message folded for this reader."""

    def __init__(self, *, command_names: list[str], id: str | None = None) -> None:
        """``command_names``: the commands this member may use, which Tab completes after ``/``."""
        self.command_names = command_names
        self.handles: list[str] = []  # members' handles, which Tab completes after ``@``
        self._entered: list[str] = []  # what was entered, oldest first (Up recalls it)
        self._recalled: int | None = None  # index into _entered while recalling
        self._set_aside: str | None = None  # the draft put aside while one's own message is edited
        # A steady cursor: each blink redrew the screen (~2.4 ms of server CPU per member per blink).
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.cursor_blink = False

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.remember(text)
                # Emptied here, at once, so the sent text can never be erased with a key typed
                # next. The box then waits until the session has answered (Submitted says why):
                # keys that arrive meanwhile wait too and land after it, in the emptied box or
                # behind a draft the session gave back (restore_draft).
                self.clear()
                submitted = Submitted(text)
                self.screen.post_message(submitted)  # from the screen: this box is busy until answered
                await submitted.answered.wait()
            else:
                self.post_message(self.EmptyEnter())
            return
        if event.key == "escape" and self._set_aside is not None and self.text.startswith(EDIT_PREFIX):
            event.stop()
            event.prevent_default()
            self.finish_edit()  # Esc cancels the edit: the message stays as it was
            return
        if event.key == "tab" and self._completing():
            event.stop()
            event.prevent_default()
            self._complete()
            return
        if event.key == "tab" and self._mention_typed() is not None:
            event.stop()
            event.prevent_default()
            self._complete_mention()
            return
        if event.key in ("up", "down") and self._recall(-1 if event.key == "up" else 1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "ctrl+j":
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.character == ZWJ:
            # The joiner inside a typed ❤️‍🩹 arrives as its own key, which Textual calls unprintable
            # and the TextArea dropped: the emoji was saved as ❤️🩹. clean_text judges it on send.
            event.stop()
            event.prevent_default()
            self.insert(ZWJ)
            return
        await super()._on_key(event)

    def replace(
        self, insert: str, start: Location, end: Location, *, maintain_selection_offset: bool = True
    ) -> EditResult:
        """Every typed key and paste lands through here: cleaned first (``text.clean_typing``), so
        a pasted C1 control, escape sequence or bidi override never reaches the member's own
        terminal when the box is drawn."""
        return super().replace(clean_typing(insert), start, end, maintain_selection_offset=maintain_selection_offset)

    def _completing(self) -> bool:
        """A command name is being typed: ``/sta`` and nothing after it."""
        text = self.text
        return text.startswith("/") and not text.startswith("//") and not any(c.isspace() for c in text)

    def _complete(self) -> None:
        typed = self.text[1:].lower()
        matches = [name for name in self.command_names if name.startswith(typed)]
        common = os.path.commonprefix(matches)  # noqa: RUF071 - names, not paths: the character-wise prefix is the point
        if len(matches) == 1:
            self.load_text(f"/{matches[0]} ")
        elif len(common) > len(typed):
            self.load_text(f"/{common}")
        else:
            self.post_message(CommandsOffered(typed, matches))
            return
        self.move_cursor(self.document.end)

    # -- what was entered before ------------------------------------------------------------------
    def remember(self, text: str) -> None:
        """Keep ``text`` for Up; the last 50 entries (a session's worth of commands)."""
        if not self._entered or self._entered[-1] != text:
            self._entered.append(text)
            del self._entered[:-50]
        self._recalled = None

    def _recall(self, step: int) -> bool:
        """Up (``step`` -1) in an empty box, or on an entry just recalled, shows the one before;
        Down the one after. Anything else (a draft being written) keeps Up for moving the cursor."""
        showing = self._recalled
        if showing is None:
            if self.text or step > 0 or not self._entered:
                return False
            index = len(self._entered) - 1
        else:
            if self.text != self._entered[showing]:
                self._recalled = None
                return False
            index = showing + step
        if index < 0:
            return True  # the oldest is shown already
        if index >= len(self._entered):
            self._recalled = None
            self.clear()
            return True
        self._recalled = index
        self.load_text(self._entered[index])
        self.move_cursor(self.document.end)
        return True

    # -- @name -------------------------------------------------------------------------------------
    def _mention_typed(self) -> str | None:
        """The part of a handle typed after ``@`` just before the cursor, or None."""
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        at = before.rfind("@")
        if at < 0 or (at > 0 and not before[at - 1].isspace()):
            return None
        typed = before[at + 1 :]
        if any(c.isspace() for c in typed):
            return None
        return typed

    def _complete_mention(self) -> None:
        typed = (self._mention_typed() or "").lower()
        matches = sorted(h for h in self.handles if h.lower().startswith(typed))
        if not matches:
            return
        common = matches[0] if len(matches) == 1 else os.path.commonprefix(matches)  # noqa: RUF071 - handles, not paths
        ending = " " if len(matches) == 1 else ""
        if len(common) > len(typed) or ending:
            self.insert(common[len(typed) :] + ending)
        if len(matches) > 1:
            self.post_message(CommandsOffered("@" + typed, ["@" + m for m in matches], mentions=True))

    # -- keys and pastes that arrived elsewhere on the screen ----------------------------------------
    def take_key(self, character: str) -> None:
        """A key typed while the conversation or the channel list had the focus: it is the member's
        writing, so it lands here (it was dropped, and a member typed on into nothing)."""
        self.focus()
        self.insert(character)

    def take_paste(self, text: str) -> None:
        """A paste that arrived while something else had the focus: the same rules as a paste here."""
        self.focus()
        if len(self.text) + len(text) > MAX_MESSAGE_CHARS:
            self.post_message(PasteRefused(len(text)))
            return
        self.insert(text)

    def action_content_warning(self) -> None:
        """Ctrl+T: begin the draft with ``/cw `` (the member types the topic, a colon, then the message)."""
        if not self.text.lstrip().lower().startswith("/cw "):
            self.load_text("/cw " + self.text.lstrip())
        self.move_cursor((0, 4))

    def start_edit(self, message_id: int, body: str) -> None:
        """Your own words (issue 11): the message's words in the box behind the marker
        ``/edit N``; Enter saves through the command table, Esc cancels. A draft being written
        is put aside, and comes back when the edit is done or cancelled."""
        if self._set_aside is None:
            self._set_aside = "" if self.text.startswith(EDIT_PREFIX) else self.text
        self.load_text(f"{EDIT_PREFIX}{message_id} {body}")
        self.move_cursor(self.document.end)
        self.focus()

    def finish_edit(self) -> None:
        """The edit was saved or cancelled: the draft put aside comes back (and nothing else)."""
        draft, self._set_aside = self._set_aside or "", None
        self.load_text(draft)
        self.move_cursor(self.document.end)

    def take_out(self, draft: str) -> None:
        """Remove ``draft`` from the front of the box (it was sent after all), keeping what followed."""
        if self.text.startswith(draft):
            self.load_text(self.text[len(draft) :])
            self.move_cursor(self.document.end)

    def restore_draft(self, draft: str) -> None:
        """Put an unsent draft back, ahead of anything typed since it was taken out."""
        self.load_text(draft + self.text)
        self.move_cursor(self.document.end)

    async def _on_paste(self, event: events.Paste) -> None:
        # A paste bigger than a message is refused whole, kindly: it stays in the member's clipboard.
        if len(self.text) + len(event.text) > MAX_MESSAGE_CHARS:
            event.stop()
            event.prevent_default()
            self.post_message(PasteRefused(len(event.text)))
            return
        await super()._on_paste(event)
        # Handled. Without this Textual's dispatch would also run TextArea._on_paste (it calls each
        # class's _on_paste along the MRO) and every paste would be inserted twice.
        event.prevent_default()
