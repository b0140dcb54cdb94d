"""``/mediation`` (issue 11): one command with a word for each step, in every front end.

Text arguments, so the full-screen app and the plain line mode both have every step without a
form of their own. The rules are in services/mediation.py; this only reads what was typed and
says what happened. One row in the command table (commands.py) points here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .services.mediation import MediationView, SlotView

if TYPE_CHECKING:
    from .commands import Frontend, Typed

HOW = (
    "/mediation ask NAME: a few words — ask for mediation with NAME (only leadership reads your words)\n"
    "/mediation N — the times offered for mediation N, in your own time zone\n"
    "/mediation pick N SLOT — the time that suits you\n"
    "/mediation reschedule N — ask for another time\n"
    "/mediation decline N — not go ahead; no reason is needed"
)
HOW_LEADERSHIP = (
    "Leadership: /mediation list, /mediation assign N NAME [NAME], /mediation note N (an outcome, recorded)\n"
    "Mediators: /mediation slots add 2026-12-03 18:00 60 (your own time zone), /mediation close N: outcome"
)
STATES = {
    "requested": "waiting for leadership",
    "scheduling": "picking a time",
    "confirmed": "time agreed",
    "open": "room open",
    "closed": "closed",
    "declined": "not going ahead",
}
_ASK = re.compile(r"^ask\s+@?([A-Za-z0-9_.-]+)\s*(?::\s*(.*))?$", re.DOTALL)
_CLOSE = re.compile(r"^close\s+(\d+)\s*:?\s*(.*)$", re.DOTALL)


def mediation_line(view: MediationView) -> str:
    """ "3. ann and bea, mediated by sam: time agreed, Thu 3 Dec 18:00-19:00 (Europe/Paris)" """
    by = f", mediated by {' and '.join(view.mediators)}" if view.mediators else ""
    when = f", {view.when}" if view.when and view.state in ("confirmed", "open") else ""
    room = f", #{view.room}" if view.room else ""
    line = f"{view.id}. {view.requester} and {view.other}{by}: {STATES.get(view.state, view.state)}{when}{room}"
    return line + (f"\n   their words: {view.words}" if view.words else "")


def slot_line(slot: SlotView) -> str:
    picked = f" — picked by {', '.join(slot.picked_by)}" if slot.picked_by else ""
    return f"slot {slot.id}: {slot.when}, {slot.minutes} min, offered by {slot.mediator}{picked}"


async def mediation(ui: Frontend, typed: Typed) -> bool:
    """``/mediation …``: the word after it says which step (see ``HOW``)."""
    argument = typed.argument.strip()
    verb, _, rest = argument.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    service = ui.services.mediation
    if not argument:
        await ui.open_mediation()  # the app: a small form; the line mode: the overview
        return True
    if verb == "help":
        return await overview(ui)
    if verb.isdigit() and not rest:
        return await _slots(ui, int(verb))
    if verb == "ask":
        found = _ASK.match(argument)
        if found is None:
            ui.tell("Write /mediation ask NAME: a few words. For example: /mediation ask bea: we keep clashing")
            return False
        view = await service.ask(ui.member, found.group(1), found.group(2) or "")
        ui.tell(f"Asked (mediation {view.id}). Only leadership reads your words; you'll be told here what happens.")
        return True
    if verb == "list":
        found_list = await service.requests(ui.member)
        body = "\n\n".join(mediation_line(v) for v in found_list) or "No mediation is under way."
        ui.show_page("Mediations (leadership only)", body + "\n\n" + HOW_LEADERSHIP)
        return True
    if verb == "slots":
        return await _add_slot(ui, rest)
    if verb == "close":
        closing = _CLOSE.match(argument)
        if closing is None:
            ui.tell("Write /mediation close N: a short outcome note for leadership.", severity="warning")
            return False
        await service.close(ui.member, int(closing.group(1)), closing.group(2))
        ui.tell(f"Mediation {closing.group(1)} is closed. The note is for leadership; the room is read-only now.")
        return True
    numbers = rest.split()
    if not numbers or not numbers[0].isdigit():
        ui.tell("/mediation help shows your mediations and what you can do.", severity="warning")
        return False
    number = int(numbers[0])
    if verb == "assign" and len(numbers) > 1:
        view = await service.assign(ui.member, number, numbers[1:])
        ui.tell(f"Mediators for {view.id}: {' and '.join(view.mediators)}. Everyone is told kindly, without the words.")
    elif verb == "pick" and len(numbers) == 2 and numbers[1].isdigit():
        view = await service.pick(ui.member, number, int(numbers[1]))
        agreed = f"agreed, {view.when}." if view.when else "waiting for the others."
        ui.tell(f"Thank you. Mediation {view.id}: {agreed}")
    elif verb == "decline":
        await service.decline(ui.member, number)
        ui.tell(f"Mediation {number} won't go ahead. That's okay; the others are told kindly, without a reason.")
    elif verb == "reschedule":
        await service.reschedule(ui.member, number)
        ui.tell(f"Mediation {number} is back to picking a time; the others are told.")
    elif verb == "note":
        ui.show_page(f"Outcome of mediation {number} (leadership only)", await service.outcome(ui.member, number))
    else:
        ui.tell("/mediation help shows your mediations and what you can do.", severity="warning")
        return False
    return True


async def overview(ui: Frontend) -> bool:
    """Your mediations and every step you may take."""
    mine = await ui.services.mediation.mine(ui.member)
    body = "\n".join(mediation_line(v) for v in mine) or "You have no mediations."
    how = HOW + ("\n" + HOW_LEADERSHIP if ui.member.is_senior else "")
    ui.show_page("Mediation", f"{body}\n\n{how}")
    return True


async def _slots(ui: Frontend, number: int) -> bool:
    view, slots = await ui.services.mediation.slots(ui.member, number)
    lines = [mediation_line(view), "", f"Times offered, in your time zone ({ui.member.timezone}):"]
    lines += [slot_line(s) for s in slots] or ["None yet. You'll be told when the mediators offer some."]
    lines += ["", f"/mediation pick {number} SLOT picks one; it is agreed when everyone picks the same."]
    ui.show_page(f"Mediation {number}", "\n".join(lines))
    return True


async def _add_slot(ui: Frontend, rest: str) -> bool:
    words = rest.split()
    if len(words) != 4 or words[0].lower() != "add" or not words[3].isdigit():
        ui.tell("Write /mediation slots add 2026-12-03 18:00 60 (date, time in your zone, minutes).")
        return False
    slot = await ui.services.mediation.add_slot(ui.member, words[1], words[2], int(words[3]))
    ui.tell(f"Offered: slot {slot.id}, {slot.when}. The people you mediate for see it in their own time zone.")
    return True
