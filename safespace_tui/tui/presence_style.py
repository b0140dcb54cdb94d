"""How presence looks: a symbol and a colour for each state, so colour is never the only signal."""

from __future__ import annotations

from rich.text import Text

from ..services.views import MemberView

OFFLINE = ("○", "grey50", "offline")
STATUS_STYLE = {
    "available": ("●", "green", "available"),
    "low": ("◐", "yellow", "low energy"),
    "recharging": ("☾", "magenta", "recharging"),
    "away": ("→", "blue", "away"),
}


def presence_parts(member: MemberView, online: bool) -> tuple[str, str, str]:
    """(symbol, colour, words) for a member right now."""
    if not online:
        return OFFLINE
    return STATUS_STYLE.get(member.status, STATUS_STYLE["available"])


def presence_label(member: MemberView, online: bool) -> Text:
    symbol, colour, _words = presence_parts(member, online)
    label = Text()
    label.append(symbol + " ", colour)
    label.append(member.display_name, "" if online else "grey50")
    if member.is_senior:
        label.append(" ✚", "dim")
    return label
