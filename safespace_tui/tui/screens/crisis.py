"""The member's side of crisis care: the SOS confirm dialog, what happened after it, the crisis
lines, the gentle 911 question, and (for senior members) the alert notice and small dialogs.

Every member-written string here (names, notes, messages) is shown as ``rich.text.Text``,
never as markup. Colour is never the only signal: every state has a word or a symbol too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ... import crisis_words as words
from ...config import CrisisLine
from ...services.crisis import AlertView, RaiseResult
from ...services.notices import Reach
from ...services.spoons import zone
from ...services.views import MessageView
from ...text import MAX_NOTE_CHARS

SOURCE_WORDS = {
    "key": "the SOS key",
    "command": "/sos",
    "words": "a message (SOS words)",
    "911": "a message in #911",
}


# -- small helpers ---------------------------------------------------------------------------------


def local_time(moment: datetime, timezone: str) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone(timezone)).strftime("%H:%M")


def age(moment: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    hours, minutes = divmod(seconds // 60, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min ago"
    return f"{hours // 24} days ago"


def duration_words(seconds: float) -> str:
    if seconds < 90:
        whole = max(1, round(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def crisis_lines_text(lines: Iterable[CrisisLine]) -> Text:
    text = Text()
    for line in lines:
        text.append("  • ")
        text.append(line.name, "bold")
        text.append(": " + line.contact + "\n")
    return text


def option_number(option: Option) -> int:
    """The number an option was listed with (``Option(label, id=str(n))``)."""
    if option.id is None:
        raise TypeError("a numbered option is always made with an id")
    return int(option.id)


def who(alert: AlertView) -> str:
    return f"{alert.member_name} (@{alert.member_handle})"


# -- raising an SOS ---------------------------------------------------------------------------------


class SosConfirmScreen(ModalScreen[str | None]):
    """A short, calm question: an accidental press is one Esc away from nothing."""

    AUTO_FOCUS = "#sos-note"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, note: str = "", reach: Reach | None = None, lines: Iterable[CrisisLine] = ()) -> None:
        super().__init__()
        self._note = note
        self._reach = reach
        self._lines = tuple(lines)

    def compose(self) -> ComposeResult:
        title = Text("SOS: ask a senior member for help now?", "bold")
        body = Text("You can add a few words if you like; it's fine to leave this empty.")
        with Vertical(id="sos-dialog", classes="dialog"):
            yield Static(title, markup=False)
            yield Static(Text("Looking for who is online…", "dim"), id="sos-reach", markup=False)
            yield Static(body, markup=False)
            yield Input(
                value=self._note[:MAX_NOTE_CHARS],
                placeholder="A few words (optional)",
                id="sos-note",
                max_length=MAX_NOTE_CHARS,
            )
            yield Static(Text("Enter sends the SOS   ·   Esc cancels, nothing is sent", "dim"), markup=False)

    def on_mount(self) -> None:
        if self._reach is not None:
            self.show_reach(self._reach, self._lines)

    @on(Input.Submitted, "#sos-note")
    def _send(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_reach(self, reach: Reach, lines: Iterable[CrisisLine]) -> None:
        """Who an SOS would reach now, honestly (services/notices.py ``reach``)."""
        if self.is_attached:
            self.query_one("#sos-reach", Static).update(reach_text(reach, lines))


def _names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reach_text(reach: Reach, lines: Iterable[CrisisLine]) -> Text:
    """ "2 senior members are online (sam is on call)", or no one online: saved, notified, the lines."""
    text = Text()
    if reach.online:
        people = "1 senior member is" if reach.online == 1 else f"{reach.online} senior members are"
        text.append(f"{people} online", "bold")
        if reach.on_call_online:
            verb = "is" if len(reach.on_call_online) == 1 else "are"
            text.append(f" ({_names(reach.on_call_online)} {verb} on call)")
        text.append(" and will be alerted right away.")
        if reach.on_call_notified:
            text.append(f" {_names(reach.on_call_notified)}, on call, will get a notice too.")
        return text
    text.append("No senior member is online. ", "bold")
    if reach.notified:
        text.append("Your SOS is saved, seniors are being notified, and here are crisis lines you can reach now:\n")
    else:
        text.append(
            "Your SOS is saved for the first senior member who connects, and here are crisis lines you can reach now:\n"
        )
    text.append_text(crisis_lines_text(lines))
    return text


class SosSentScreen(ModalScreen[None]):
    """What happened, in calm words: who was alerted (or honestly: nobody yet), and the crisis lines."""

    AUTO_FOCUS = "#sos-sent"

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(
        self,
        result: RaiseResult,
        lines: Iterable[CrisisLine],
        escalate_after: float,
        *,
        moved: bool = False,
        joining: bool = False,
    ) -> None:
        super().__init__()
        self.joining = joining  # a newcomer in onboarding: no #911 yet; they stay where they are
        self.result = result
        self.lines = tuple(lines)
        self.escalate_after = escalate_after
        self.moved = moved
        self.taken_by = ""

    @property
    def alert_id(self) -> int:
        return self.result.alert.id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sos-sent", classes="dialog", can_focus=True):
            yield Static(self._text(), id="sos-sent-text", markup=False)

    def _text(self) -> Text:
        count = self.result.seniors_alerted
        text = Text()
        if count:
            text.append("Your SOS was sent.\n", "bold")
            people = "1 senior member was" if count == 1 else f"{count} senior members were"
            text.append(f"{people} alerted just now and will be with you as soon as they can.\n")
            if self.moved:
                text.append("Your message is in #911, where they will find you.\n")
            text.append(
                f"If nobody answers within {duration_words(self.escalate_after)}, they will all be alerted again.\n"
            )
        else:
            text.append("Your SOS is saved.\n", "bold")
            text.append("No senior member is online right now. ")
            text.append("Your alert will be the first thing the next senior member sees when they connect.\n")
            if self.moved:
                text.append("Your message is in #911.\n")
        if self.joining:
            text.append(words.JOINING_STAY + "\n")
        if self.taken_by:
            where = "They will reach out to you." if self.joining else "You can talk in #911."
            text.append(f"\n✓ {self.taken_by} is with you now. {where}\n", "bold")
        text.append(
            "\nYou don't have to wait alone. These lines are open now:\n"
            if not count
            else "\nIf you are in danger right now, please also reach out:\n"
        )
        text.append_text(crisis_lines_text(self.lines))
        text.append("\n" + words.WITHDRAW_HINT + "\n")
        text.append("Esc closes this   ·   F2 shows these lines any time", "dim")
        return text

    def taken(self, name: str) -> None:
        self.taken_by = name
        self.query_one("#sos-sent-text", Static).update(self._text())

    def action_close(self) -> None:
        self.dismiss()


class CrisisLinesScreen(ModalScreen[None]):
    """The crisis lines from the config, one key (F2) away on every screen."""

    AUTO_FOCUS = "#crisis-lines"

    BINDINGS = [Binding("escape,enter,q,f2", "close", "Close")]

    def __init__(self, lines: Iterable[CrisisLine], intro: str = "", *, sos_key: str = "Ctrl+S") -> None:
        super().__init__()
        self.lines = tuple(lines)
        self.intro = intro
        self.sos_key = sos_key

    def compose(self) -> ComposeResult:
        text = Text()
        if self.intro:
            text.append(self.intro + "\n\n", "bold")
        text.append("Crisis lines\n", "bold")
        text.append("If you are in danger or can't keep yourself safe, please reach out now:\n")
        text.append_text(crisis_lines_text(self.lines))
        text.append(f"\nTo reach a senior member here: {self.sos_key}, or type /sos.\n")
        text.append(words.QUICK_EXIT_LINE + "\n")
        text.append("Esc closes this.", "dim")
        with VerticalScroll(id="crisis-lines", classes="dialog", can_focus=True):
            yield Static(text, markup=False)

    def action_close(self) -> None:
        self.dismiss()


Choice = TypeVar("Choice", bound=Enum)


class ChoiceScreen(ModalScreen[Choice], Generic[Choice]):
    """A short question answered with a number key (or Esc); dismisses with one of its enum values."""

    def __init__(
        self,
        title: str,
        body: str,
        choices: list[tuple[str, Choice, str]],
        *,
        escape: Choice,
        dialog_id: str = "choice",
    ) -> None:
        """``choices``: (key, value, label); Esc returns ``escape``."""
        super().__init__()
        self._title = title
        self._body = body
        self._choices = choices
        self._escape = escape
        self._dialog_id = dialog_id

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(self._title + "\n", "bold")
        text.append(self._body + "\n\n")
        for key, _value, label in self._choices:
            text.append(f"  {key}  ", "bold reverse")
            text.append(f" {label}\n")
        text.append("\n  Esc ", "bold")
        text.append(" " + next((label for _k, v, label in self._choices if v == self._escape), "cancel"), "dim")
        with Vertical(id=self._dialog_id, classes="dialog"):
            yield Static(text, markup=False)

    def on_key(self, event: events.Key) -> None:
        for key, value, _label in self._choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return
        if event.key == "escape":
            event.stop()
            self.dismiss(self._escape)


class CareAnswer(Enum):
    """Where a member chose to post a message the care check asked about."""

    TO_911 = "911"
    HERE = "here"
    EDIT = "edit"


def care_check_screen() -> ChoiceScreen[CareAnswer]:
    """Asked before a message that sounds like self-harm or suicidal talk goes to a main channel."""
    return ChoiceScreen(
        "Before this goes out",
        "Thank you for putting this into words. It sounds like a lot to carry. "
        "Our charter keeps talk like this in #911, where senior members keep watch and can be with you. "
        "Where would you like it to go? It's your choice.",
        [
            ("1", CareAnswer.TO_911, "Post it in #911"),
            ("2", CareAnswer.HERE, "Post it here anyway"),
            ("3", CareAnswer.EDIT, "Let me edit it first"),
        ],
        escape=CareAnswer.EDIT,
        dialog_id="care-check",
    )


class Confirm(Enum):
    YES = "yes"
    NO = "no"


def confirm_screen(title: str, body: str, yes: str) -> ChoiceScreen[Confirm]:
    """A deliberate second step: 1 does it, Esc does not (a letter typed by mistake does nothing)."""
    return ChoiceScreen(title, body, [("1", Confirm.YES, yes)], escape=Confirm.NO, dialog_id="confirm")


class CloseChoice(Enum):
    """The short notes a senior may close an alert with, or their own words."""

    SAFE = words.CLOSE_NOTES[0]
    FALSE_ALARM = words.CLOSE_NOTES[1]
    CRISIS_LINE = words.CLOSE_NOTES[2]
    OWN_NOTE = "own"
    KEEP_OPEN = "keep"

    @property
    def note(self) -> str:
        return "" if self in (CloseChoice.OWN_NOTE, CloseChoice.KEEP_OPEN) else self.value


def close_screen(member: str) -> ChoiceScreen[CloseChoice]:
    """Closing an alert asks first, and needs a note (a choice counts)."""
    return ChoiceScreen(
        words.CLOSE_TITLE.format(member=member),
        words.CLOSE_BODY.format(member=member),
        [
            ("1", CloseChoice.SAFE, CloseChoice.SAFE.value),
            ("2", CloseChoice.FALSE_ALARM, CloseChoice.FALSE_ALARM.value),
            ("3", CloseChoice.CRISIS_LINE, CloseChoice.CRISIS_LINE.value),
            ("4", CloseChoice.OWN_NOTE, "Write my own note"),
        ],
        escape=CloseChoice.KEEP_OPEN,
        dialog_id="close-alert",
    )


class WithdrawAnswer(Enum):
    OKAY_NOW = "okay"
    NOT_AN_SOS = "not sos"
    KEEP = "keep"


def withdraw_screen() -> ChoiceScreen[WithdrawAnswer]:
    """The member takes their own SOS back, in their own words."""
    return ChoiceScreen(
        words.WITHDRAW_TITLE,
        words.WITHDRAW_BODY,
        [("1", WithdrawAnswer.OKAY_NOW, "I'm okay now"), ("2", WithdrawAnswer.NOT_AN_SOS, "That wasn't an SOS")],
        escape=WithdrawAnswer.KEEP,
        dialog_id="withdraw",
    )


class PickSeniorScreen(ModalScreen[int | None]):
    """Hand an alert on: to one of the senior members who can come now, or back to everyone (0)."""

    AUTO_FOCUS = "#hand-over-list"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, member: str, seniors: list[tuple[int, str]]) -> None:
        super().__init__()
        self.member = member
        self.seniors = seniors

    def compose(self) -> ComposeResult:
        options = [Option(Text("Back to every senior member"), id="0")]
        options += [Option(Text(name), id=str(member_id)) for member_id, name in self.seniors]
        with Vertical(id="hand-over", classes="dialog"):
            yield Static(Text(f"Hand {self.member}'s alert on", "bold"), markup=False)
            yield Static(Text("They are told at once. Enter hands it on · Esc cancels", "dim"), markup=False)
            yield OptionList(*options, id="hand-over-list")

    @on(OptionList.OptionSelected, "#hand-over-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(option_number(event.option))

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteScreen(ModalScreen[str | None]):
    """One line of text (e.g. a private resolution note); Esc cancels."""

    AUTO_FOCUS = "#note-input"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, placeholder: str = "", *, max_length: int = 2000) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._placeholder = placeholder
        self._max = max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(Text(self._title, "bold"), markup=False)
            yield Static(Text(self._body), markup=False)
            yield Input(placeholder=self._placeholder, id="note-input", max_length=self._max)
            yield Static(Text("Enter saves   ·   Esc cancels", "dim"), markup=False)

    @on(Input.Submitted, "#note-input")
    def _done(self, event: Input.Submitted) -> None:
        """An empty note is not an answer: the dialog stays (a stray Enter closes nothing)."""
        event.stop()
        if event.value.strip():
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- senior members ------------------------------------------------------------------------------------


class MoveMessageScreen(ModalScreen[int | None]):
    """A senior member picks a recent message of this channel to move to #911."""

    AUTO_FOCUS = "#move-list"

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, channel_name: str, messages: list[MessageView], timezone: str = "UTC") -> None:
        super().__init__()
        self.channel_name = channel_name
        self.messages = messages
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        options = []
        for message in reversed(self.messages):  # newest first
            label = Text()
            label.append(local_time(message.created_at, self.timezone) + " ", "dim")
            label.append(message.author_name, "bold")
            body = " ".join(message.body.split())
            label.append("  " + (body if len(body) <= 70 else body[:69] + "…"))
            options.append(Option(label, id=str(message.id)))
        with Vertical(id="move-dialog", classes="dialog"):
            yield Static(Text(f"Move a message from #{self.channel_name} to #911", "bold"), markup=False)
            yield Static(
                Text("The author is told gently; the move is recorded. Enter moves · Esc cancels", "dim"), markup=False
            )
            yield OptionList(*options, id="move-list")

    @on(OptionList.OptionSelected, "#move-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(option_number(event.option))

    def action_cancel(self) -> None:
        self.dismiss(None)
