"""The line of cheers under a message ("💜 2  🤗 1", or "<3 2  (hug) 1" without emoji), and the
keys that give them in the conversation's message-selection mode (``message_selection.py``)."""

from __future__ import annotations

from rich.text import Text

from ...services.cheers import BY_NAME, CHEERS, Counts
from .message_selection import MessageAction

CHEER_ACTIONS = (
    *(MessageAction(str(n), f"cheer:{kind.name}", f"{kind.emoji}") for n, kind in enumerate(CHEERS, start=1)),
    MessageAction("w", "cheers-who", "who cheered"),
)
CHEER_ACTIONS_ASCII = (
    *(MessageAction(str(n), f"cheer:{kind.name}", kind.ascii) for n, kind in enumerate(CHEERS, start=1)),
    MessageAction("w", "cheers-who", "who cheered"),
)


def cheer_symbol(name: str, *, ascii_only: bool) -> str:
    kind = BY_NAME[name]
    return kind.ascii if ascii_only else kind.emoji


def cheer_text(counts: Counts, *, ascii_only: bool) -> Text:
    text = Text()
    for i, (name, count) in enumerate(counts):
        if i:
            text.append("  ")
        text.append(f"{cheer_symbol(name, ascii_only=ascii_only)} {count}", "dim")
    return text
