"""The one command table: every slash command, its help line, its key and who may use it.

Dispatch, ``/help``, F1, the key line and Tab completion all read this table, so a command
exists in exactly one place. It knows nothing of Textual: a handler asks its front end
(``Frontend``, below) to show things, and the full-screen app (``tui/session.py``) and a
plain line mode can each implement that. The rules themselves stay in ``services/``.

A handler returns True when the member's text was used, False to give it back to them
(a typo in a command keeps the draft). It may raise ``TellMember``; the front end tells
the member its kind words in one place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal, Protocol

from .commands_mediation import mediation as _mediation
from .errors import TellMember
from .services import Services
from .services.channels import CRISIS_CHANNEL
from .services.cheers import CHEERS
from .services.goals import goals_text
from .services.moderation import MAX_HOURS, RULE_WORDS, local_until
from .services.private_talk import TalkView
from .services.reports import ReportView
from .services.spoons import zone
from .services.views import ChannelView, MemberView, MessageView, status_words

Severity = Literal["information", "warning", "error"]


class Frontend(Protocol):
    """What a command may ask of the session it was typed in (implemented per front end)."""

    @property
    def member(self) -> MemberView: ...

    @property
    def services(self) -> Services: ...

    def tell(self, words: str, *, severity: Severity = "information", timeout: float = 8) -> None: ...
    def member_changed(self, member: MemberView) -> None: ...
    def current_channel(self) -> ChannelView | None: ...
    async def join_channel(self, channel: ChannelView) -> None: ...
    def show_page(self, title: str, body: str) -> None: ...
    def show_help(self) -> None: ...
    def show_who_is_here(self) -> None: ...
    def open_status_menu(self) -> None: ...
    def offer_recharge(self) -> None: ...
    async def open_checkin(self, *, yesterday: bool) -> None: ...
    async def open_history(self) -> None: ...
    def open_step_away(self, note: str) -> None: ...
    def open_sos(self, note: str, *, by_key: bool) -> None: ...
    def open_crisis_lines(self) -> None: ...
    def open_withdraw(self) -> None: ...
    async def open_own_plan(self) -> None: ...
    async def open_plan_of(self, handle: str) -> None: ...
    def open_alerts(self) -> None: ...
    def pick_message_to_move(self, channel: ChannelView, messages: list[MessageView]) -> None: ...
    def show_quiet_members(self, quiet: list, days: int) -> None: ...
    async def open_notify_settings(self) -> None: ...
    async def send(self, text: str, *, content_warning: str = "") -> bool: ...
    def show_folded(self) -> bool: ...
    async def open_profile(self, handle: str) -> None: ...
    async def open_directory(self) -> None: ...
    async def open_deletion(self) -> None: ...
    def use_ascii_cheers(self, on: bool) -> None: ...
    def offer_win(self, words: str) -> None: ...
    def open_switcher(self) -> None: ...
    def show_found(self, title: str, found: list, *, empty: str) -> None: ...
    def edit_finished(self, typed: str, *, saved: bool) -> None: ...
    async def open_reports(self) -> None: ...
    async def open_talk(self, talk: TalkView) -> None: ...
    async def open_mediation(self) -> None: ...


Handler = Callable[[Frontend, "Typed"], Awaitable[bool]]


class Who(Enum):
    """Who may use a command; a command someone may not use is not offered to them."""

    MEMBER = "member"
    SENIOR = "senior"

    def allows(self, member: MemberView) -> bool:
        return self is Who.MEMBER or member.is_senior


@dataclass(frozen=True)
class Key:
    """A key that runs a command (with a fixed argument); ``label`` is what the key line shows."""

    key: str
    label: str
    argument: str = ""
    shown: str = ""  # how help writes the key ("Ctrl+S"); derived from ``key`` when empty
    over_everything: bool = True  # works over any widget and dialog (a text box's own keys too)

    @property
    def display(self) -> str:
        return self.shown or "+".join(
            part.capitalize() if len(part) > 1 else part.upper() for part in self.key.split("+")
        )


@dataclass(frozen=True)
class Command:
    name: str
    usage: str  # "/status available|low|recharging|away [note]"
    help: str  # what it does, in a few calm words
    handler: Handler
    keys: tuple[Key, ...] = ()
    who: Who = Who.MEMBER

    @property
    def help_line(self) -> str:
        keys = ", ".join(k.display + (f" {k.label}" if len(self.keys) > 1 else "") for k in self.keys)
        return f"{self.usage} — {self.help}" + (f" ({keys})" if keys else "")


@dataclass(frozen=True)
class Typed:
    """A command as asked for: ``/join wins`` is Typed('join', 'wins'); a key sets ``by_key``."""

    name: str
    argument: str
    by_key: bool = False


def parse(text: str) -> Typed | None:
    """``/join wins`` → Typed('join', 'wins'); plain text → None. '//x' sends '/x' literally."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    return Typed(head.lower(), rest.strip())


def unescape(text: str) -> str:
    stripped = text.lstrip()
    return stripped[1:] if stripped.startswith("//") else text


# -- the handlers -----------------------------------------------------------------------------

# what a member may type after /status, and what it means
STATUS_WORDS = {
    "available": "available",
    "here": "available",
    "ok": "available",
    "low": "low",
    "low-energy": "low",
    "recharging": "recharging",
    "recharge": "recharging",
    "dnd": "recharging",
    "quiet": "recharging",
    "away": "away",
}


async def set_status(ui: Frontend, status: str, note: str = "") -> None:
    """Change the member's status and say what it means (also used by the status menu)."""
    view = await ui.services.members.set_status(ui.member, status, note)
    ui.member_changed(view)
    if status == "recharging":
        ui.tell(f"You're {status_words(status)}. It's quiet now: no bells or pop-ups until you change it.")
    else:
        ui.tell(f"Your status: {status_words(status)}.")


async def change_spoons(ui: Frontend, delta: int | None = None, *, to: int | None = None) -> None:
    """Spend, regain or set today's spoons; at 0 the front end gently offers to recharge."""
    spoons = ui.services.spoons
    before = ui.member.spoons
    if to is not None:
        view = await spoons.set(ui.member, to)
    elif delta is not None and delta > 0:
        view = await spoons.regain(ui.member, delta)
    else:
        view = await spoons.spend(ui.member, -(delta or -1))
    ui.member_changed(view)
    if before > 0 and view.spoons == 0 and view.status not in ("recharging", "away"):
        ui.offer_recharge()


async def _join(ui: Frontend, typed: Typed) -> bool:
    if not typed.argument:
        ui.tell("Which channel? For example: /join wins")
        return False
    await ui.join_channel(await ui.services.channels.by_name(typed.argument, ui.member))
    return True


async def _help(ui: Frontend, typed: Typed) -> bool:
    ui.show_help()
    return True


async def _here(ui: Frontend, typed: Typed) -> bool:
    ui.show_who_is_here()
    return True


async def _charter(ui: Frontend, typed: Typed) -> bool:
    ui.show_page("Our charter", await ui.services.texts.get("charter"))
    return True


async def _status(ui: Frontend, typed: Typed) -> bool:
    """/status [available|low|recharging|away] [note]; without a word, the menu."""
    if not typed.argument:
        ui.open_status_menu()
        return True
    word, _, note = typed.argument.partition(" ")
    if word.lower() == "low" and note.lower().startswith("energy"):
        note = note[6:].strip()
    status = STATUS_WORDS.get(word.lower())
    if status is None:
        ui.tell("Status can be available, low, recharging or away. For example: /status low", severity="warning")
        return False
    await set_status(ui, status, note)
    return True


async def _spoons(ui: Frontend, typed: Typed) -> bool:
    """/spoons N, /spoons +1, /spoons -2, /spoons start N; without a number, what you have."""
    maximum = ui.services.config.spoons_max
    member = ui.member
    words = typed.argument.split()
    if not words:
        ui.tell(
            f"You have {member.spoons} of {maximum} spoons today. /spoons N sets them, F8 and F9 spend or "
            f"regain one, and /spoons start N sets how many each day begins with (now {member.spoons_start})."
        )
        return True
    if words[0].lower() == "start" and len(words) == 2 and words[1].isdigit():
        view = await ui.services.spoons.set_start(member, int(words[1]))
        ui.member_changed(view)
        ui.tell(f"Each new day will start with {view.spoons_start} spoons.")
        return True
    number = words[0]
    if len(words) == 1 and re.fullmatch(r"[+-]?\d{1,3}", number):
        if number[0] in "+-":
            await change_spoons(ui, int(number))
        else:
            await change_spoons(ui, to=int(number))
        return True
    ui.tell(f"For spoons, give a number from 0 to {maximum}: for example /spoons 6, or /spoons -1.", severity="warning")
    return False


async def _timezone(ui: Frontend, typed: Typed) -> bool:
    """/timezone Area/City: your day (and when spoons start again) follows it, and so do the times shown."""
    if not typed.argument:
        ui.tell(
            f"Your day follows {ui.member.timezone}. Change it with /timezone Area/City, e.g. /timezone Europe/London."
        )
        return True
    view = await ui.services.spoons.set_timezone(ui.member, typed.argument)
    ui.member_changed(view)
    now: datetime = ui.services.spoons.clock().astimezone(zone(view.timezone))
    ui.tell(f"Your day now follows {view.timezone} (it's {now:%H:%M} there).")
    return True


async def _checkin(ui: Frontend, typed: Typed) -> bool:
    """/checkin for today, /checkin yesterday to fill in a missed day."""
    word = typed.argument.strip().lower()
    if word not in ("", "today", "yesterday"):
        ui.tell("/checkin opens today's check-in; /checkin yesterday fills in yesterday.", severity="warning")
        return False
    await ui.open_checkin(yesterday=word == "yesterday")
    return True


async def _history(ui: Frontend, typed: Typed) -> bool:
    await ui.open_history()
    return True


async def _sos(ui: Frontend, typed: Typed) -> bool:
    ui.open_sos(typed.argument, by_key=typed.by_key)
    return True


async def _withdraw(ui: Frontend, typed: Typed) -> bool:
    """/withdraw: "I'm okay now" or "that wasn't an SOS" (asks which; Esc keeps the SOS)."""
    ui.open_withdraw()
    return True


async def _away(ui: Frontend, typed: Typed) -> bool:
    ui.open_step_away(typed.argument)
    return True


async def _back(ui: Frontend, typed: Typed) -> bool:
    result = await ui.services.away.back(ui.member)
    if result is None:
        ui.tell("You're not marked away, so there's nothing to change.")
        return True
    ui.member_changed(result.member)
    ui.tell("Welcome back. The group can see you're here.")
    return True


async def _quiet_members(ui: Frontend, typed: Typed) -> bool:
    """/quiet-members [N]: members with no check-in shared for N days (senior members only)."""
    argument = typed.argument.strip() or "3"
    if not argument.isdigit():
        ui.tell("Give a number of days, for example /quiet-members 3.", severity="warning")
        return False
    days = int(argument)
    ui.show_quiet_members(await ui.services.checkins.quiet_members(ui.member, days), days)
    return True


async def _crisis(ui: Frontend, typed: Typed) -> bool:
    ui.open_crisis_lines()
    return True


async def _plan(ui: Frontend, typed: Typed) -> bool:
    """``/plan``: my own plan. ``/plan NAME``: a senior member reads NAME's plan (recorded)."""
    name = typed.argument.strip().lstrip("@").lower()
    if not name or name == ui.member.handle:
        await ui.open_own_plan()
    else:
        await ui.open_plan_of(name)
    return True


async def _alerts(ui: Frontend, typed: Typed) -> bool:
    ui.open_alerts()
    return True


async def _share_plan(ui: Frontend, typed: Typed) -> bool:
    """``/share-plan all`` or ``/share-plan NAME …``: which senior members may read my safety plan."""
    words = typed.argument.replace(",", " ").split()
    plans = ui.services.safety_plans
    if not words:
        shared = await plans.sharing(ui.member)
        whom = ", ".join(shared) if shared else "every senior member"
        ui.tell(f"Your safety plan is shared with {whom}. /share-plan all, or /share-plan NAME NAME, changes it.")
        return True
    shared = await plans.set_sharing(ui.member, None if words == ["all"] else words)
    whom = ", ".join(shared) if shared else "every senior member"
    ui.tell(f"Your safety plan is now shared with {whom} only." if shared else f"Shared with {whom}.")
    return True


async def _notify(ui: Frontend, typed: Typed) -> bool:
    """``/notify``: a senior member's notice settings (a form); ``/notify remove N`` removes address N."""
    words = typed.argument.split()
    if len(words) == 2 and words[0].lower() == "remove" and words[1].isdigit():
        view = await ui.services.notices.remove_address(ui.member, int(words[1]))
        ui.tell(f"Removed that address; {len(view.addresses)} left.")
        return True
    if words:
        # never echo what was typed: it may be an address (a secret)
        ui.tell("/notify opens your notice settings; /notify remove N removes address N.", severity="warning")
        return False
    await ui.open_notify_settings()
    return True


async def _oncall(ui: Frontend, typed: Typed) -> bool:
    """``/oncall [on|off]``: members about to press SOS see who is on call."""
    word = typed.argument.strip().lower()
    if word not in ("", "on", "off"):
        ui.tell("/oncall on or /oncall off (just /oncall switches it).", severity="warning")
        return False
    notices = ui.services.notices
    on = word == "on" if word else not (await notices.settings(ui.member)).on_call
    await notices.set_on_call(ui.member, on)
    if on:
        ui.tell("You're on call: a member about to press SOS sees your name. Thank you.")
    else:
        ui.tell("You're no longer on call. Rest well.")
    return True


async def _move(ui: Frontend, typed: Typed) -> bool:
    """``/move``: a senior member moves a recent message of this channel to #911."""
    channel = ui.current_channel()
    if channel is None:
        return True
    if channel.name == CRISIS_CHANNEL:
        ui.tell("This is #911 already.")
        return True
    messages = await ui.services.channels.history(ui.member, channel.id, limit=30)
    if not messages:
        ui.tell("There are no messages here to move.")
        return True
    ui.pick_message_to_move(channel, messages)
    return True


async def _channels(ui: Frontend, typed: Typed) -> bool:
    ui.open_switcher()
    return True


async def _search(ui: Frontend, typed: Typed) -> bool:
    """``/search words``: messages you may read that hold every word, newest first."""
    if not typed.argument.strip():
        ui.tell("Search for a word or two, for example: /search bath", severity="warning")
        return False
    found = await ui.services.search.search(ui.member, typed.argument)
    ui.show_found(
        f"Search: {typed.argument.strip()[:40]}", found, empty="Nothing found. Fewer or other words may help."
    )
    return True


async def _mentions(ui: Frontend, typed: Typed) -> bool:
    """``/mentions``: where you were mentioned since you last looked (or, if nowhere new, lately)."""
    found, fresh = await ui.services.search.mentions(ui.member)
    title = "Mentions since you last looked" if fresh else "Mentions (nothing new since you last looked)"
    ui.show_found(title, found, empty="Nobody has mentioned you yet.")
    return True


# -- joining: nominations, screening, invites, capacity (issue 10; the rules: services/nominations.py,
# services/invites.py). Text arguments, so every front end has them without a form of its own.

NOMINATE_HOW = (
    "To nominate someone, write /nominate NAME; how you know them; why they might fit. "
    "For example: /nominate dana; we met in a DBT group; she listens well. Only leadership reads it."
)


async def _nominate(ui: Frontend, typed: Typed) -> bool:
    """``/nominate NAME; how you know them; why they might fit``: any member; leadership reads it."""
    parts = [part.strip() for part in typed.argument.split(";", 2)]
    if len(parts) < 3 or not all(parts):
        ui.tell(NOMINATE_HOW, timeout=15)
        return False
    view = await ui.services.nominations.nominate(ui.member, *parts)
    ui.tell(f"Thank you. Leadership will read your nomination of {view.name} and let you know.")
    return True


def _nomination_lines(view) -> list[str]:
    state = {"": "not decided yet", "invite": "invited", "wait": "waiting", "decline": "declined"}[view.decision]
    lines = [
        f"{view.id}. {view.name}, nominated by {view.nominator} on {view.created_at:%Y-%m-%d}: {state}",
        f"   How they know them: {view.how_known}",
        f"   Why they might fit: {view.why_fit}",
    ]
    lines += [f"   Note from {note.author} ({note.created_at:%Y-%m-%d}): {note.body}" for note in view.notes]
    return lines


async def _nominations(ui: Frontend, typed: Typed) -> bool:
    """``/nominations``: leadership reads every nomination with its notes (recorded), and the seats."""
    nominations = await ui.services.nominations.list(ui.member)
    seats = await ui.services.invites.seats(ui.member)
    lines = [seats.words, ""]
    for view in nominations:
        lines += [*_nomination_lines(view), ""]
    if not nominations:
        lines.append("No nominations yet.")
    lines.append("/screen N words adds a private note; /decide N invite|wait|decline decides.")
    ui.show_page("Nominations (leadership only)", "\n".join(lines))
    return True


async def _screen(ui: Frontend, typed: Typed) -> bool:
    """``/screen N words``: a private screening note on nomination N (never shown to the nominator)."""
    number, _, words = typed.argument.partition(" ")
    if not number.isdigit() or not words.strip():
        ui.tell("Write /screen N and your note, e.g. /screen 3 spoke with her today.", severity="warning")
        return False
    view = await ui.services.nominations.add_note(ui.member, int(number), words)
    ui.tell(f"Noted, on the nomination of {view.name}.")
    return True


def show_code(ui: Frontend, code: str, invite) -> None:
    """An invite code, shown once: it is never stored, only its hash."""
    who = f" for {invite.for_name}" if invite.for_name else ""
    ui.show_page(
        "An invite code",
        f"Invite {invite.id}{who}:\n\n    {code}\n\nPlease send it to them privately. They connect with "
        f"ssh -p PORT join@HOST and type the code. It works once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC. "
        "This is the only time it is shown.",
    )


async def _decide(ui: Frontend, typed: Typed) -> bool:
    """``/decide N invite|wait|decline``: the nominator is told kindly; invite shows the code once."""
    words = typed.argument.split()
    if len(words) < 2 or not words[0].isdigit():
        ui.tell("Write /decide N invite, /decide N wait or /decide N decline.", severity="warning")
        return False
    over = len(words) > 2 and words[2] == "--over-capacity"
    decided = await ui.services.nominations.decide(ui.member, int(words[0]), words[1].lower(), over_capacity=over)
    if decided.invite is not None:
        show_code(ui, decided.code, decided.invite)
    else:
        ui.tell(f"Decided: {words[1].lower()}. {decided.nomination.nominator} will be told kindly, without the notes.")
    return True


async def _invite(ui: Frontend, typed: Typed) -> bool:
    """``/invite [NAME] [--over-capacity]``: leadership makes an invite code (admins may pass capacity)."""
    words = typed.argument.split()
    over = "--over-capacity" in words
    name = " ".join(word for word in words if word != "--over-capacity")
    code, invite = await ui.services.invites.create(ui.member, name, over_capacity=over)
    show_code(ui, code, invite)
    return True


async def _capacity(ui: Frontend, typed: Typed) -> bool:
    """``/capacity``: the seats; ``/capacity N`` (admins) sets how many members the group holds."""
    word = typed.argument.strip().lower()
    if not word:
        ui.tell((await ui.services.invites.seats(ui.member)).words, timeout=12)
        return True
    if not word.isdigit() and word != "none":
        ui.tell("Write /capacity N (a number of members), or /capacity none.", severity="warning")
        return False
    seats = await ui.services.invites.set_capacity(ui.member, int(word) if word.isdigit() else None)
    ui.tell(seats.words, timeout=12)
    return True


async def _profile(ui: Frontend, typed: Typed) -> bool:
    """``/profile``: your own (a form); ``/profile NAME``: theirs, only what you may read."""
    await ui.open_profile(typed.argument.strip().lstrip("@").lower())
    return True


async def _members(ui: Frontend, typed: Typed) -> bool:
    await ui.open_directory()
    return True


async def _cheers(ui: Frontend, typed: Typed) -> bool:
    """``/reactions``: how to cheer; ``/reactions ascii`` or ``emoji``: how cheers are drawn here.
    (Not ``/cheers``: ``/che`` then Tab stays ``/checkin``, the command members type most.)"""
    word = typed.argument.strip().lower()
    if word in ("ascii", "emoji"):
        ui.use_ascii_cheers(word == "ascii")
        ui.tell("Cheers are drawn as " + ("plain text in this session." if word == "ascii" else "emoji again."))
        return True
    ui.tell(
        "To cheer a message: F10 (or Shift+Tab), Up/Down to choose it, then a number: "
        + "  ".join(f"{n} {k.emoji} {k.ascii}" for n, k in enumerate(CHEERS, start=1))
        + ". w shows who cheered, Esc goes back. /reactions ascii if the emoji look wrong.",
        timeout=15,
    )
    return True


async def _goals(ui: Frontend, typed: Typed) -> bool:
    """``/goals``: yours, with progress; ``/goals add WORDS``; ``/goals done N``."""
    word, _, rest = typed.argument.strip().partition(" ")
    goals = ui.services.goals
    if word.lower() == "add":
        goal = await goals.add(ui.member, rest)
        ui.tell(f"Goal {goal.number} set: {goal.title}. /progress {goal.number} WORDS notes a step.")
    elif word.lower() == "done" and rest.strip().isdigit():
        title = await goals.done(ui.member, int(rest))
        ui.tell(f"Set down: {title}. However it went, it counted.")
    elif word:
        ui.tell("/goals lists yours, /goals add WORDS sets one, /goals done N sets one down.", severity="warning")
        return False
    else:
        ui.show_page("My goals", goals_text(await goals.own(ui.member)))
    return True


async def _progress(ui: Frontend, typed: Typed) -> bool:
    """``/progress N WORDS``: a step towards goal N; then the offer to share it in #wins."""
    number, _, words = typed.argument.strip().partition(" ")
    if not number.isdigit() or not words.strip():
        ui.tell("Write /progress, the goal's number, then a few words: /progress 1 walked to the shop.")
        return False
    goal = await ui.services.goals.progress(ui.member, int(number), words)
    ui.offer_win(f"{goal.title}: {goal.notes[-1][1]}")
    return True


async def _delete_my_data(ui: Frontend, typed: Typed) -> bool:
    """Asks first; a week's grace, cancellable with the same command."""
    await ui.open_deletion()
    return True


MODE_WORDS = {"line": "in the plain line mode", "full": "in the full-screen app"}


async def _mode(ui: Frontend, typed: Typed) -> bool:
    """``/mode line|full``: how the member's next sessions open (line: for screen readers, slow links)."""
    preferences = ui.services.preferences
    if not typed.argument:
        mode = await preferences.session_mode(ui.member.id)
        ui.tell(f"Your sessions open {MODE_WORDS[mode]}. /mode line or /mode full changes it.")
        return True
    mode = await preferences.set_session_mode(ui.member, typed.argument)
    ui.tell(f"From your next connection, Safe Space opens {MODE_WORDS[mode]}. ssh line@host always gives plain lines.")
    return True


# -- boundaries (issue 11): content warnings, the trigger filter, mutes, held messages ---------


async def _cw(ui: Frontend, typed: Typed) -> bool:
    """``/cw TOPIC: message``: readers see it folded behind the topic and choose to open it."""
    topic, colon, body = typed.argument.partition(":")
    if not colon or not topic.strip() or not body.strip():
        ui.tell("Write the topic, a colon, then your message: /cw grief: today is hard. (Ctrl+T starts one.)")
        return False
    return await ui.send(body.strip(), content_warning=topic)


async def _show(ui: Frontend, typed: Typed) -> bool:
    if not ui.show_folded():
        ui.tell("Nothing here is folded for you just now.")
    return True


def _listed(words: list[str] | tuple[str, ...]) -> str:
    return ", ".join(words) if words else "nothing yet"


async def _refold(ui: Frontend) -> None:
    """Boundaries changed: the conversation on screen is shown again, folded the new way."""
    channel = ui.current_channel()
    if channel is not None:
        await ui.join_channel(channel)


async def _triggers(ui: Frontend, typed: Typed) -> bool:
    """``/triggers``, ``/triggers add WORD``, ``/triggers remove WORD``, ``/triggers on|off``."""
    boundaries = ui.services.boundaries
    verb, _, word = typed.argument.strip().partition(" ")
    verb = verb.lower()
    if verb == "add":
        lens = await boundaries.add_trigger(ui.member, word)
        ui.tell(
            f"Added. Messages with it now arrive folded for you ({len(lens.triggers)} on your list; only you see it)."
        )
    elif verb == "remove":
        lens = await boundaries.remove_trigger(ui.member, word)
        ui.tell("Removed from your list.")
    elif verb in ("on", "off"):
        lens = await boundaries.set_filter(ui.member, verb == "on")
        ui.tell(
            "Your trigger filter is on."
            if lens.triggers_on
            else "Your trigger filter is off; /triggers on brings it back."
        )
    elif not verb:
        lens = await boundaries.load(ui.member)
        state = "on" if lens.triggers_on else "off"
        ui.show_page(
            "Your trigger filter",
            f"Only you see this list. The filter is {state}.\n\nWords and topics: {_listed(lens.triggers)}\n\n"
            "/triggers add WORD, /triggers remove WORD, /triggers on, /triggers off.\n"
            "A message with one of them arrives folded; Enter in an empty message box (or /show) opens it.",
        )
    else:
        ui.tell("/triggers add WORD, /triggers remove WORD, /triggers on or /triggers off.", severity="warning")
        return False
    if verb:
        await _refold(ui)
    return True


async def _mute(ui: Frontend, typed: Typed) -> bool:
    name = await ui.services.boundaries.mute(ui.member, typed.argument)
    ui.tell(f"Muted {name}. Their messages arrive folded for you and their mentions don't ring. Nobody is told.")
    await _refold(ui)
    return True


async def _unmute(ui: Frontend, typed: Typed) -> bool:
    name = await ui.services.boundaries.unmute(ui.member, typed.argument)
    ui.tell(f"{name} is no longer muted for you. Their messages show as usual.")
    await _refold(ui)
    return True


async def _muted(ui: Frontend, typed: Typed) -> bool:
    ui.tell(f"You have muted: {_listed(await ui.services.boundaries.muted(ui.member))}. Only you see this.")
    return True


async def _ask_leaders(ui: Frontend, typed: Typed) -> bool:
    await ui.services.no_sales.ask_leadership(ui.member)
    ui.tell("Sent to leadership. You'll be told here whether it can be posted.")
    return True


async def _held(ui: Frontend, typed: Typed) -> bool:
    """``/held``: messages held by the no-money rule waiting for leadership; ``/held approve|decline N``."""
    words = typed.argument.lower().split()
    no_sales = ui.services.no_sales
    if len(words) == 2 and words[0] in ("approve", "decline") and words[1].isdigit():
        held, _ = await no_sales.decide(ui.member, int(words[1]), approve=words[0] == "approve")
        ui.tell(f"Held message {held.id} {held.status}; {held.author_handle} is told.")
        return True
    if words:
        ui.tell("/held lists them; /held approve N or /held decline N decides one.", severity="warning")
        return False
    waiting = await no_sales.pending(ui.member)
    lines = [f"{h.id}. {h.author_handle} in #{h.channel_name} ({h.kind}):\n   {h.body}" for h in waiting]
    ui.show_page(
        "Held messages",
        "\n\n".join(lines) + "\n\n/held approve N posts it as written; /held decline N keeps it back."
        if lines
        else "No held message is waiting.",
    )
    return True


async def _edit(ui: Frontend, typed: Typed) -> bool:
    """``/edit N new words``: change one's own message N (``e`` in message-selection mode writes
    this into the box). Refused, the words go back into the box to be changed; nothing is lost."""
    number, _, words = typed.argument.strip().partition(" ")
    if not number.isdigit() or not words.strip():
        ui.tell("To edit a message, choose it (F10 or Shift+Tab, then e), change the words and press Enter.")
        return False
    try:
        await ui.services.own_words.edit(ui.member, int(number), words)
    except TellMember as refused:
        ui.tell(refused.message, severity="warning", timeout=15)
        ui.edit_finished(f"/edit {typed.argument.strip()}", saved=False)
        return True
    ui.tell("Saved. It shows as edited.", timeout=4)
    ui.edit_finished("", saved=True)
    return True


def _report_text(report: ReportView) -> str:
    """One open report for leadership: who reported, why, and the message among its neighbours."""
    lines = [f"Report {report.id}: #{report.channel_name}, reported by {report.reporter_handle}: {report.reason}"]
    if report.note:
        lines.append(f"   their note: {report.note}")
    for message in (*report.before, report.message, *report.after):
        marker = ">>" if message.id == report.message.id else "  "
        words = message.body or "(message deleted)"
        if message.id == report.message.id and message.removed == "leadership":
            words += "  (hidden)"
        lines.append(f" {marker} {message.author_name}: {words}")
    return "\n".join(lines)


def reports_page(waiting: list[ReportView]) -> str:
    """The open reports as plain text (the line mode's /reports; the app shows its pane)."""
    if not waiting:
        return "No report is waiting."
    return (
        "\n\n".join(_report_text(r) for r in waiting)
        + "\n\n/reports hide N [why] hides the message (a line remains); /reports dismiss N [why] leaves it."
    )


RULES_HINT = "Rules: " + ", ".join(RULE_WORDS) + "."


async def _warn(ui: Frontend, typed: Typed) -> bool:
    """``/warn NAME RULE [your words]``: a kind, fixed-form warning naming a charter rule."""
    words = typed.argument.split(maxsplit=2)
    if len(words) < 2:
        ui.tell("/warn NAME RULE [your own words]. " + RULES_HINT, severity="warning")
        return False
    member = await ui.services.members.by_handle(words[0].lstrip("@"))
    await ui.services.moderation.warn(ui.member, member.id, words[1].lower(), words[2] if len(words) > 2 else "")
    ui.tell(f"{member.display_name} is told, kindly, now or when they next come in. It is in the audit log.")
    return True


async def _timeout(ui: Frontend, typed: Typed) -> bool:
    """``/timeout NAME HOURS RULE [your words]``: read-only for a while; ``/timeout lift NAME`` ends it."""
    words = typed.argument.split(maxsplit=3)
    moderation = ui.services.moderation
    if len(words) == 2 and words[0].lower() == "lift":
        member = await ui.services.members.by_handle(words[1].lstrip("@"))
        await moderation.lift(ui.member, member.id)
        ui.tell(f"{member.display_name} can post again, and is told so.")
        return True
    if len(words) < 3 or not words[1].isdigit():
        ui.tell(
            f"/timeout NAME HOURS RULE [your own words] (1 to {MAX_HOURS} hours). " + RULES_HINT, severity="warning"
        )
        return False
    member = await ui.services.members.by_handle(words[0].lstrip("@"))
    rule = words[2].lower()
    until = await moderation.timeout(ui.member, member.id, int(words[1]), rule, words[3] if len(words) > 3 else "")
    ui.tell(f"{member.display_name} can read but not post until {local_until(until, ui.member.timezone)}; told why.")
    return True


async def _talk(ui: Frontend, typed: Typed) -> bool:
    """``/talk NAME [words]``: a private conversation between a member and one of leadership
    (leadership opens it; a member answers). ``/talk`` alone: the ones you have."""
    name, _, words = typed.argument.strip().partition(" ")
    talks = ui.services.private_talk
    if not name:
        mine = await talks.mine(ui.member)
        if len(mine) == 1:
            await ui.open_talk(mine[0])
        elif mine:
            ui.tell(
                "Private conversations with: " + ", ".join(t.other_handle for t in mine) + ". /talk NAME opens one."
            )
        else:
            ui.tell("You have no private conversation. Leadership can start one with you; /sos reaches them now.")
        return True
    talk = await talks.with_handle(ui.member, name)
    if words.strip():
        await talks.say(ui.member, talk.id, words)
        ui.tell(f"Sent to {talk.other_name}; only the two of you can read it.")
    else:
        await ui.open_talk(talk)
    return True


async def _reports(ui: Frontend, typed: Typed) -> bool:
    """``/reports``: open reports for leadership; ``/reports hide N [why]`` or ``dismiss N [why]``."""
    words = typed.argument.split(maxsplit=2)
    reports = ui.services.reports
    if len(words) >= 2 and words[0].lower() in ("hide", "dismiss") and words[1].isdigit():
        hide = words[0].lower() == "hide"
        await reports.decide(ui.member, int(words[1]), hide=hide, why=words[2] if len(words) > 2 else "")
        done = "The message is hidden for everyone" if hide else "The message stays up"
        ui.tell(f"{done}. Whoever reported it is thanked and told the outcome, nothing more.")
        return True
    if words:
        ui.tell("/reports lists them; /reports hide N or /reports dismiss N decides one.", severity="warning")
        return False
    await ui.open_reports()
    return True


# -- the table --------------------------------------------------------------------------------
# The order is the order of /help, and of the keys on the key line: crisis care first, so SOS
# and the crisis lines are never cut off on a narrow screen.

COMMANDS: tuple[Command, ...] = (
    Command("join", "/join CHANNEL", "go to a channel", _join),
    Command("here", "/here", "who is here, and how they are (the member list, for narrow screens)", _here),
    Command(
        "sos",
        "/sos [note]",
        "ask a senior member for help now (asks first; Esc cancels)",
        _sos,
        (Key("ctrl+s", "SOS", shown="Ctrl+S"),),
    ),
    Command("crisis", "/crisis", "crisis lines, on every screen", _crisis, (Key("f2", "Crisis lines"),)),
    Command("withdraw", "/withdraw", "take back your SOS: I'm okay now, or it wasn't an SOS", _withdraw),
    Command("alerts", "/alerts", "the alerts pane", _alerts, (Key("f3", "Alerts"),), Who.SENIOR),
    Command(
        "plan",
        "/plan",
        "your safety plan (senior members: /plan NAME reads NAME's, and it is recorded)",
        _plan,
        (Key("f4", "My plan", over_everything=False),),
    ),
    Command("help", "/help", "this help: every key and command", _help, (Key("f1", "Help", over_everything=False),)),
    Command(
        "status",
        "/status available|low|recharging|away [note]",
        "how you are (or click your name)",
        _status,
        (Key("f5", "Status"),),
    ),
    Command("checkin", "/checkin [yesterday]", "today's check-in", _checkin, (Key("f6", "Check-in"),)),
    Command("history", "/history", "my days: spoons and mood over the weeks", _history, (Key("f7", "My days"),)),
    Command(
        "spoons",
        "/spoons N, /spoons -1, /spoons start N",
        "today's spoons",
        _spoons,
        (Key("f8", "-spoon", "-1"), Key("f9", "+spoon", "+1")),
    ),
    Command("charter", "/charter", "the group's charter", _charter),
    Command("timezone", "/timezone Area/City", "when your day (and your spoons) start again", _timezone),
    Command("away", "/away [note]", "step away for a while, or leave the group", _away),
    Command("back", "/back", "you're back", _back),
    Command("channels", "/channels", "every channel, with unread counts (Ctrl+K on the main screen)", _channels),
    Command("search", "/search words", "find messages you can read; Enter shows one in its place", _search),
    Command("mentions", "/mentions", "where you were mentioned since you last looked", _mentions),
    Command(
        "quiet-members", "/quiet-members N", "who hasn't shared a check-in for N days", _quiet_members, who=Who.SENIOR
    ),
    Command("move", "/move", "move a message of this channel to #911", _move, who=Who.SENIOR),
    Command("share-plan", "/share-plan all|NAME…", "which senior members may read your safety plan", _share_plan),
    Command("notify", "/notify", "where an SOS reaches you when you're not connected", _notify, who=Who.SENIOR),
    Command("oncall", "/oncall [on|off]", "show members you're on call for SOS", _oncall, who=Who.SENIOR),
    Command("nominate", "/nominate NAME; how; why", "suggest someone to invite (leadership reads it)", _nominate),
    Command("nominations", "/nominations", "nominations, screening notes and seats", _nominations, who=Who.SENIOR),
    Command("screen", "/screen N note", "a private screening note on nomination N", _screen, who=Who.SENIOR),
    Command("decide", "/decide N invite|wait|decline", "decide a nomination", _decide, who=Who.SENIOR),
    Command("invite", "/invite [NAME]", "make an invite code (shown once)", _invite, who=Who.SENIOR),
    Command("capacity", "/capacity [N]", "seats open; admins set how many the group holds", _capacity, who=Who.SENIOR),
    Command("profile", "/profile [NAME]", "your profile and name (or NAME's profile)", _profile),
    Command("members", "/members", "everyone in the group, with status and pronouns", _members),
    Command(
        "reactions",
        "/reactions [ascii|emoji]",
        "cheer a message (F10, then a number); ascii for plain terminals",
        _cheers,
    ),
    Command("goals", "/goals [add WORDS | done N]", "your goals and the steps towards them", _goals),
    Command("progress", "/progress N WORDS", "a step towards goal N (then share it in #wins, if you like)", _progress),
    Command(
        "delete-my-data",
        "/delete-my-data",
        "delete what the group holds about you (a week to change your mind)",
        _delete_my_data,
    ),
    Command("mode", "/mode line|full", "plain lines (screen readers, slow links) or the full-screen app", _mode),
    Command("cw", "/cw TOPIC: message", "send with a content warning (Ctrl+T in the message box starts one)", _cw),
    Command("show", "/show", "open the newest folded message (or Enter in an empty message box)", _show),
    Command("triggers", "/triggers [add|remove WORD, on|off]", "your private trigger filter", _triggers),
    Command("mute", "/mute NAME", "fold someone's messages for you only; they are never told", _mute),
    Command("unmute", "/unmute NAME", "stop muting someone", _unmute),
    Command("muted", "/muted", "whom you have muted", _muted),
    Command("ask-leaders", "/ask-leaders", "send your held message to leadership to approve", _ask_leaders),
    Command("held", "/held [approve|decline N]", "messages held by the no-money rule", _held, who=Who.SENIOR),
    Command("edit", "/edit N words", "change your own message (choose it with F10, then e)", _edit),
    Command(
        "reports",
        "/reports [hide|dismiss N]",
        "the reports pane: reported messages, in context",
        _reports,
        (Key("f12", "Reports", over_everything=False),),
        Who.SENIOR,
    ),
    Command("talk", "/talk [NAME] [words]", "a private conversation between you and leadership", _talk),
    Command("warn", "/warn NAME RULE [words]", "a kind warning naming a charter rule", _warn, who=Who.SENIOR),
    Command(
        "timeout",
        "/timeout NAME HOURS RULE [words], /timeout lift NAME",
        "read-only for a while",
        _timeout,
        who=Who.SENIOR,
    ),
    Command("mediation", "/mediation [ask NAME: words]", "ask for mediation, pick a time, see yours", _mediation),
)
BY_NAME = {command.name: command for command in COMMANDS}
WHILE_JOINING = ("sos", "crisis", "withdraw")  # a newcomer can always ask for help


def available_to(member: MemberView) -> list[Command]:
    """The commands ``member`` may use, in the table's order."""
    return [command for command in COMMANDS if command.who.allows(member)]


def find(name: str, member: MemberView) -> Command | None:
    """The command called ``name`` if ``member`` may use it; one they may not is as unknown.
    A newcomer still in onboarding has SOS, its withdrawal and the crisis lines only (issue 10)."""
    if member.joining and name not in WHILE_JOINING:
        return None
    command = BY_NAME.get(name)
    return command if command is not None and command.who.allows(member) else None


def complete(prefix: str, member: MemberView) -> list[str]:
    """Command names ``member`` may use that start with ``prefix`` (without the slash)."""
    prefix = prefix.lower()
    return [command.name for command in available_to(member) if command.name.startswith(prefix)]


def nearest(name: str, member: MemberView, limit: int = 3) -> list[str]:
    """Names close to a mistyped one ("/stauts" → status), only among what ``member`` may use."""
    names = [command.name for command in available_to(member)]
    return difflib.get_close_matches(name.lower(), names, n=limit, cutoff=0.6)


def unknown_words(name: str, member: MemberView) -> str:
    """What to say for a command that does not exist (or that this member may not use)."""
    close = nearest(name, member)
    hint = f" Did you mean {' or '.join('/' + n for n in close)}?" if close else ""
    return f"There's no /{name[:20]} command.{hint} /help lists the ones there are."


async def run(ui: Frontend, typed: Typed) -> bool:
    """Run ``typed`` for ``ui``'s member; False gives the text back to them."""
    command = find(typed.name, ui.member)
    if command is not None:
        return await command.handler(ui, typed)
    if typed.name in BY_NAME:  # there, but not for this member: not offered, and said kindly
        ui.tell(f"/{typed.name} is for senior members. If you need help now, press Ctrl+S or type /sos.")
    else:
        ui.tell(unknown_words(typed.name, ui.member), severity="warning")
    return False


def keys_of(commands: Iterable[Command]) -> list[tuple[Command, Key]]:
    return [(command, key) for command in commands for key in command.keys]
