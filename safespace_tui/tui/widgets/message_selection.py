"""Choosing one message of the conversation with the keyboard, for any action on it.

The conversation log (``message_log.py``) uses this when it has focus (Shift+Tab from the message
box, or F10): the newest message is selected and highlighted, Up/Down move the selection, a key of
the action table acts on the selected message (posting ``MessageActed`` with the action's name),
and Esc gives the keys back to the message box. The table maps keys to action names and is all a
new feature adds (cheers today; editing or quoting later); the session answers the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...services.views import MessageView


@dataclass(frozen=True)
class MessageAction:
    key: str  # as Textual names it: "1", "w"
    action: str  # what the session is asked to do: "cheer:heart", "cheers-who"
    label: str  # for the hint line


class MessageSelection:
    """Which message is selected (by id, so it survives messages arriving or being trimmed)."""

    def __init__(self, actions: tuple[MessageAction, ...] = ()) -> None:
        self.message_id: int | None = None
        self.actions = {a.key: a for a in actions}

    def start(self, messages: list[MessageView]) -> None:
        """Select the newest message (or keep the one selected, if it is still shown)."""
        if not any(m.id == self.message_id for m in messages):
            self.message_id = messages[-1].id if messages else None

    def move(self, messages: list[MessageView], step: int) -> None:
        ids = [m.id for m in messages]
        if not ids:
            self.message_id = None
            return
        index = ids.index(self.message_id) if self.message_id in ids else len(ids) - 1
        self.message_id = ids[max(0, min(len(ids) - 1, index + step))]

    def lines(self, messages: list[MessageView], line_counts: list[int]) -> range | None:
        """The log's lines the selected message occupies (to highlight and to scroll to)."""
        start = 0
        for message, count in zip(messages, line_counts, strict=False):
            if message.id == self.message_id:
                return range(start, start + count)
            start += count
        return None

    def action_for(self, key: str) -> MessageAction | None:
        return self.actions.get(key) if self.message_id is not None else None

    def hint(self) -> str:
        keys = "  ".join(f"{a.key} {a.label}" for a in self.actions.values())
        return f"Up/Down choose a message  {keys}  Esc back to writing"


# Your own words and reports (issue 11): the service refuses anyone but the author (e, d) as
# "not found"; r reports someone else's message to leadership. First in the hint: at 100 columns
# the title line has 60, and these three fit before the cheers' keys are cut off.
WORDS_ACTIONS = (
    MessageAction("e", "edit", "edit"),
    MessageAction("d", "delete", "delete"),
    MessageAction("r", "report", "report"),
)
