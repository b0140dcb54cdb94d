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
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...config import CrisisLine
from ...services.crisis import AlertView, RaiseResult
from ...services.notices import Reach
from ...services.spoons import zone
from ...services.views import MessageView
from ...text import MAX_NOTE_CHARS

SOURCE_WORDS = {"key": "the SOS key", "command": "/sos", "words": "a message (SOS words)"}


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
        self.query_one("#sos-note", Input).focus()
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

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(
        self, result: RaiseResult, lines: Iterable[CrisisLine], escalate_after: float, *, moved: bool = False
    ) -> None:
        super().__init__()
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

    def on_mount(self) -> None:
        self.query_one("#sos-sent").focus()

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
        if self.taken_by:
            text.append(f"\n✓ {self.taken_by} is with you now. You can talk in #911.\n", "bold")
        text.append(
            "\nYou don't have to wait alone. These lines are open now:\n"
            if not count
            else "\nIf you are in danger right now, please also reach out:\n"
        )
        text.append_text(crisis_lines_text(self.lines))
        text.append("\nEsc closes this   ·   F2 shows these lines any time", "dim")
        return text

    def taken(self, name: str) -> None:
        self.taken_by = name
        self.query_one("#sos-sent-text", Static).update(self._text())

    def action_close(self) -> None:
        self.dismiss()


class CrisisLinesScreen(ModalScreen[None]):
    """The crisis lines from the config, one key (F2) away on every screen."""

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
        text.append("Esc closes this.", "dim")
        with VerticalScroll(id="crisis-lines", classes="dialog", can_focus=True):
            yield Static(text, markup=False)

    def on_mount(self) -> None:
        self.query_one("#crisis-lines").focus()

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


class NoteScreen(ModalScreen[str | None]):
    """One line of text (e.g. a private resolution note); Esc cancels."""

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

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    @on(Input.Submitted, "#note-input")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- senior members ------------------------------------------------------------------------------------


class AlertNoticeScreen(ModalScreen[bool]):
    """The prominent alert a senior member sees on top of whatever screen they are on.

    Enter opens the alerts pane; Esc closes this (the alert stays open in the pane, F3).
    Nothing here acts on the alert, so a senior typing when it appears cannot take it by accident.
    """

    BINDINGS = [
        Binding("enter", "open_pane", "Open alerts (F3)"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, timezone: str = "UTC", *, backlog: bool = False) -> None:
        super().__init__()
        self.timezone = timezone
        self.backlog = backlog
        self._alerts: dict[int, AlertView] = {}
        self._escalated: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="alert-notice", classes="dialog", can_focus=True):
            yield Static("", id="alert-notice-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#alert-notice").focus()
        self._redraw()

    @property
    def alert_ids(self) -> set[int]:
        return set(self._alerts)

    def add(self, alert: AlertView, *, escalated: bool = False) -> None:
        self._alerts[alert.id] = alert
        if escalated:
            self._escalated[alert.id] = alert.escalations
        self._redraw()

    def update_alert(self, alert: AlertView) -> None:
        if alert.id in self._alerts:
            self._alerts[alert.id] = alert
            self._redraw()

    def _redraw(self) -> None:
        try:
            static = self.query_one("#alert-notice-text", Static)
        except NoMatches:
            return  # not composed yet: on_mount draws
        text = Text()
        waiting = [a for a in self._alerts.values() if a.is_open and not a.is_acknowledged]
        if self.backlog:
            text.append("While no senior member was online\n", "bold")
        for alert in sorted(self._alerts.values(), key=lambda a: a.id, reverse=True):
            if alert.id in self._escalated and alert.is_open and not alert.is_acknowledged:
                text.append(" ⚠ STILL WAITING ", "bold reverse red")
                text.append(f" {who(alert)}: nobody has answered yet ({alert.escalations}× alerted)\n", "bold")
            else:
                text.append(" ⚠ SOS ", "bold reverse red")
                text.append(f" {who(alert)} needs help now\n", "bold")
            source = SOURCE_WORDS.get(alert.source, alert.source)
            detail = f"   {local_time(alert.created_at, self.timezone)} ({age(alert.created_at)}) · from {source}"
            text.append(detail + "\n")
            words = alert.note or alert.message_excerpt
            if words:
                text.append("   “" + words + "”\n", "italic")
            if alert.resolved_at is not None:
                text.append(f"   ✓ resolved by {alert.resolved_by_name}\n")
            elif alert.is_acknowledged:
                text.append(f"   ✓ {alert.acknowledged_by_name} is with them (“I'm with you”)\n")
            else:
                text.append("   nobody has taken this yet\n")
            text.append("\n")
        count = len(waiting)
        text.append(
            f"{count} waiting for a senior member.\n" if count != 1 else "1 waiting for a senior member.\n", "bold"
        )
        text.append("Enter: open the alerts pane (F3)   ·   Esc: close (the alert stays open)", "dim")
        static.update(text)

    def action_open_pane(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)


class MoveMessageScreen(ModalScreen[int | None]):
    """A senior member picks a recent message of this channel to move to #911."""

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

    def on_mount(self) -> None:
        self.query_one("#move-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#move-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(option_number(event.option))

    def action_cancel(self) -> None:
        self.dismiss(None)
