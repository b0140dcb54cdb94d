"""Slash commands typed in the message box, for keyboard-only and phone users."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = {
    "join": "/join CHANNEL — go to a channel",
    "help": "/help — keys and commands",
    "charter": "/charter — the group's charter",
    "status": "/status available|low|recharging|away — how you are",
    "spoons": "/spoons N — set today's spoons",
    "checkin": "/checkin — today's check-in",
    "sos": "/sos [note] — ask a senior member for help now",
    "away": "/away [note] — step away for a while",
    "back": "/back — you're back",
    "crisis": "/crisis — crisis lines",
    "plan": "/plan — your safety plan",
}


@dataclass(frozen=True)
class Command:
    name: str
    argument: str


def parse_command(text: str) -> Command | None:
    """``/join wins`` → Command('join', 'wins'); plain text → None. '//x' sends '/x' literally."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    return Command(head.lower(), rest.strip())


def unescape(text: str) -> str:
    stripped = text.lstrip()
    return stripped[1:] if stripped.startswith("//") else text
