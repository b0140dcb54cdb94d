"""How things read in line mode: one plain line each, no colour, no boxes, no cursor movement.

Every string that leaves the line mode passes ``plain`` (member text has already been through
``text.clean_for_display``): a second, stricter net at the stream itself, so no escape
sequence, control character or bidi override from another member can act on a screen reader's
terminal, whatever path it came by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from ..config import CrisisLine
from ..services.notices import Reach
from ..services.spoons import zone
from ..services.views import MessageView
from ..text import clean_for_display

# Anything a terminal could act on: C0 (newline kept), DEL and C1 controls. text.py removed
# escape sequences with their payloads already; what is left of one here is dropped too.
_CONTROLS_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
MAX_NAME_CHARS = 40


def plain(text: str) -> str:
    """``text`` safe to write to a member's terminal as-is: cleaned, then no control character."""
    return _CONTROLS_RE.sub("", clean_for_display(text))


def name(text: str) -> str:
    """A name or channel on one line (a name can never break the line it is in)."""
    return plain(text).replace("\n", " ")[:MAX_NAME_CHARS]


def local_time(moment: datetime, timezone: str) -> str:
    """HH:MM in the member's own zone (stored times are naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(timezone)).strftime("%H:%M")


def message_line(message: MessageView, channel: str, timezone: str) -> str:
    """``#living-room 10:42 ann: words``; later lines of a long message are indented under it."""
    if message.removed:  # issue 11: its words were taken back; only that it was said remains
        body = "(hidden by leadership)" if message.removed == "leadership" else "(message deleted)"
    else:
        body = plain(message.body).replace("\n", "\n  ") + (" (edited)" if message.edited else "")
    return f"#{name(channel)} {local_time(message.created_at, timezone)} {name(message.author_handle)}: {body}"


def crisis_lines(lines: Iterable[CrisisLine]) -> str:
    """The crisis lines, one per line (configured by the admin; cleaned all the same)."""
    return "\n".join(f"  {name(line.name)}: {plain(line.contact)}" for line in lines)


def _names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reach(reach: Reach, lines: Iterable[CrisisLine]) -> str:
    """Who an SOS would reach right now, honestly: the app's confirm dialog, in words."""
    if reach.online:
        people = "1 senior member is" if reach.online == 1 else f"{reach.online} senior members are"
        text = f"{people} online"
        if reach.on_call_online:
            verb = "is" if len(reach.on_call_online) == 1 else "are"
            text += f" ({_names(reach.on_call_online)} {verb} on call)"
        text += " and will be alerted right away."
        if reach.on_call_notified:
            text += f" {_names(reach.on_call_notified)}, on call, will get a notice too."
        return text
    saved = "seniors are being notified" if reach.notified else "it waits for the first senior member who connects"
    return (
        f"No senior member is online. Your SOS would be saved, {saved}, and here are crisis lines you can reach now:\n"
        + crisis_lines(lines)
    )
