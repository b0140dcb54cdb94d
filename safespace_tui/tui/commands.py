"""Slash commands typed in the message box, for keyboard-only and phone users."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = {
    "join": "/join CHANNEL — go to a channel",
    "help": "/help — keys and commands",
    "here": "/here — who is here, and how they are (the member list, for narrow screens)",
    "charter": "/charter — the group's charter",
    "status": "/status available|low|recharging|away [note] — how you are (F5, or click your name)",
    "spoons": "/spoons N, /spoons -1, /spoons start N — today's spoons (F8 spend, F9 regain)",
    "timezone": "/timezone Area/City — when your day (and your spoons) start again",
    "checkin": "/checkin [yesterday] — today's check-in (F6)",
    "history": "/history — my days: spoons and mood over the weeks (F7)",
    "sos": "/sos [note] — ask a senior member for help now",
    "away": "/away [note] — step away for a while, or leave the group",
    "back": "/back — you're back",
    "quiet-members": "/quiet-members N — who hasn't shared a check-in for N days (senior members)",
    "crisis": "/crisis — crisis lines",
    "plan": "/plan — your safety plan (senior members: /plan NAME reads NAME's, and it is recorded)",
    "alerts": "/alerts — the alerts pane (senior members)",
    "move": "/move — move a message of this channel to #911 (senior members)",
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
