"""How presence looks: a symbol and a colour for each state, so colour is never the only signal.

Online/offline comes from live sessions; the status is what a member chose. Both show:
the member list groups people under "Here now" / "Not here" (words), and each line
carries the status symbol (a shape) in the status colour. The colours are from the 16
basic ANSI colours so they read on any terminal.
"""

from __future__ import annotations

from rich.text import Text

from ..services.checkins import spoon_bar
from ..services.views import STATUSES, MemberView

OFFLINE = ("○", "grey50", "offline")
STATUS_COLOUR = {"available": "green", "low": "yellow", "recharging": "magenta", "away": "cyan"}
STATUS_STYLE = {status: (symbol, STATUS_COLOUR[status], words) for status, (symbol, words) in STATUSES.items()}
STATUS_ORDER = tuple(STATUSES)
STATUS_HINT = {
    "available": "here and glad to talk",
    "low": "here, with little energy",
    "recharging": "do not disturb: no bells or pop-ups",
    "away": "not around (no note posted)",
}


def status_parts(member: MemberView) -> tuple[str, str, str]:
    """(symbol, colour, words) for the status a member chose."""
    return STATUS_STYLE.get(member.status, STATUS_STYLE["available"])


def presence_parts(member: MemberView, online: bool) -> tuple[str, str, str]:
    """(symbol, colour, words) for a member right now.

    Offline and "available" says nothing more than offline; an offline member who chose
    low energy, recharging or away keeps that symbol (dimmed), since it tells the group something.
    """
    if online:
        return status_parts(member)
    if member.status == "available" or member.status not in STATUS_STYLE:
        return OFFLINE
    symbol, _colour, words = status_parts(member)
    return symbol, "grey50", f"offline, {words}"


def presence_label(member: MemberView, online: bool) -> Text:
    symbol, colour, _words = presence_parts(member, online)
    label = Text()
    label.append(symbol + " ", colour)
    label.append(member.display_name, "" if online else "grey50")
    if member.is_senior:
        label.append(" ✚", "dim")
    return label


def spoon_badge(spoons: int, spoons_max: int) -> Text:
    """``6 ##--``: the number and a four-cell bar, plain ASCII."""
    bar = spoon_bar(spoons, spoons_max, cells=4)
    filled = bar.count("#")
    badge = Text(f"{spoons:>2} ")
    badge.append(bar[:filled], "bold")
    badge.append(bar[filled:], "dim")
    return badge


def member_line(member: MemberView, online: bool, spoons: int | None, spoons_max: int, width: int) -> Text:
    """One member-list line fitted to ``width`` cells: symbol, name (cut with …), senior mark, spoons."""
    label = presence_label(member, online)
    badge = spoon_badge(spoons, spoons_max) if spoons is not None else Text()
    room = max(width - badge.cell_len - (1 if badge else 0), 4)
    if label.cell_len > room:
        label.truncate(room - 1)
        label.append("…")
    if badge:
        label.append(
            " " * (width - label.cell_len - badge.cell_len) if width > label.cell_len + badge.cell_len else " "
        )
        label.append_text(badge)
    return label


# Short words: the pane is 18 columns; the status menu and /status say them in full.
LEGEND = (
    ("●", "available"),
    ("◐", "low"),
    ("☾", "recharging"),
    ("→", "away"),
    (OFFLINE[0], "offline"),
    ("✚", "senior"),
)


def legend_lines(width: int) -> list[Text]:
    """What the symbols mean, wrapped to ``width`` (the member list's header and /here): a
    symbol is never the only thing that says how someone is."""
    colours = {symbol: colour for symbol, colour, _words in STATUS_STYLE.values()}
    lines = [Text()]
    for symbol, words in LEGEND:
        piece = Text(symbol + " ", colours.get(symbol, "dim"))
        piece.append(words, "dim")
        if lines[-1].cell_len and lines[-1].cell_len + 1 + piece.cell_len > width:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append(" ")
        lines[-1].append_text(piece)
    return lines


def note_line(note: str, width: int) -> Text:
    """A member's status note ("taking a bath, back later") under their name, cut with … to fit."""
    text = Text("  " + " ".join(note.split()), "dim italic", no_wrap=True)
    if text.cell_len > width:
        text.truncate(max(width - 1, 1))
        text.append("…", "dim")
    return text
