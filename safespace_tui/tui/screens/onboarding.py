"""Onboarding screens: the charter a page at a time, the agreements, name and pronouns, the welcome.

Each is a whole screen (nothing of the group shows under it). A page dismisses with the way
the newcomer moved (+1 on, -1 back); a form gets its save as a callable (``save=``) that
answers None when saved or the kind words of a refusal, shown in place; nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static

from ...commands import parse
from ..messages import TypedWhileJoining

Save = Callable[..., Awaitable[str | None]]  # None: saved; else what to tell the newcomer
LEAVE_HINT = "Ctrl+Q leaves; your place keeps, and you pick up here next time."
# Under the title of every onboarding screen, so no narrow terminal cuts it off: help comes before
# anything else of the group does (commands.WHILE_JOINING).
HELP_HINT = "Need someone now? Ctrl+S reaches a senior member; F2 shows crisis lines."


def typed_command(screen: Screen[None], event: Input.Submitted, was: str) -> bool:
    """``/sos`` or ``/crisis`` typed in a box: asked of the session, never saved as a name or a
    welcome; the box goes back to what it held (``was``). Help is there from the first screen."""
    if parse(event.value) is None:
        return False
    screen.post_message(TypedWhileJoining(event.value))
    event.input.value = was
    return True


class CharterPage(Screen[int]):
    """One page of the group's charter."""

    AUTO_FOCUS = "#charter-page"

    BINDINGS = [
        Binding("enter,right,space,pagedown", "move(1)", "Next"),
        Binding("left,pageup", "move(-1)", "Back"),
    ]

    def __init__(self, body: str, number: int, total: int) -> None:
        super().__init__()
        self._body, self._number, self._total = body, number, total

    def compose(self) -> ComposeResult:
        with Vertical(id="onboarding", classes="onboarding"):
            title = "Welcome. Our charter" + (f", page {self._number + 1} of {self._total}" if self._total > 1 else "")
            yield Static(Text(title, "bold"), markup=False)
            yield Static(Text(HELP_HINT, "dim"), markup=False)
            with VerticalScroll(id="charter-page", can_focus=True):
                yield Static(Text(self._body), markup=False)  # the group's text: plain, never markup
            back = "   ·   ← back" if self._number else ""
            last = self._number + 1 >= self._total
            yield Static(Text(f"Enter: {'on to what we agree' if last else 'next page'}{back}", "dim"), markup=False)
            yield Static(Text(LEAVE_HINT, "dim"), markup=False)

    def action_move(self, step: int) -> None:
        if step < 0 and self._number == 0:
            return
        self.dismiss(step)


class AgreementsScreen(Screen[None]):
    """Each agreement ticked, one by one; Continue saves them."""

    # The form opens at its top (its title and the line about crisis help), not scrolled down to the
    # first box, as AUTO_FOCUS would at 48x20: the focus is set here, still before the first frame.
    AUTO_FOCUS = ""

    def __init__(self, agreements: tuple[tuple[str, str], ...], meaning: str, save: Save) -> None:
        super().__init__()
        self._agreements = agreements
        self._meaning = meaning
        self._save = save

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="onboarding", classes="onboarding"):
            yield Static(Text("What we agree", "bold"), markup=False)
            yield Static(Text(HELP_HINT, "dim"), markup=False)
            yield Static(Text(self._meaning), markup=False)
            yield Static(Text("Please tick each one (Space ticks, Tab moves on).", "dim"), markup=False)
            for key, words in self._agreements:
                yield Checkbox(Text(words), id=f"agree-{key}")
            yield Static("", id="onboarding-answer", markup=False)
            yield Button("I agree to all of these", id="agree-continue")
            yield Static(Text(LEAVE_HINT, "dim"), markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query(Checkbox).first(), scroll_visible=False)

    @on(Button.Pressed, "#agree-continue")
    async def _continue(self, event: Button.Pressed) -> None:
        event.stop()
        ticked = {box.id.removeprefix("agree-") for box in self.query(Checkbox) if box.value and box.id}
        refusal = await self._save(ticked)
        if refusal is None:
            self.dismiss(None)
        elif self.is_attached:
            self.query_one("#onboarding-answer", Static).update(Text(refusal))


class DetailsScreen(Screen[None]):
    """Name (how the group sees you), pronouns, time zone."""

    # The form opens at its top (its title and the line about crisis help), not scrolled down to the
    # first box, as AUTO_FOCUS would at 48x20: the focus is set here, still before the first frame.
    AUTO_FOCUS = ""

    # Enter moves to the next box in the key's own turn. Through Input.Submitted the focus moved
    # only when that message was handled, after the next letters had gone into the same box (under
    # load: "t" in the name box, "hey/them" as pronouns; test_joining_e2e).
    BINDINGS = [Binding("enter", "enter", show=False, priority=True)]

    def __init__(self, name: str, pronouns: str, timezone: str, save: Save) -> None:
        super().__init__()
        self._values = (name, pronouns, timezone)
        self._save = save

    def compose(self) -> ComposeResult:
        name, pronouns, timezone = self._values
        with VerticalScroll(id="onboarding", classes="onboarding"):
            yield Static(Text("About you", "bold"), markup=False)
            yield Static(Text(HELP_HINT, "dim"), markup=False)
            yield Static(Text("Your name here: 2 to 24 of a-z, 0-9 and - _ . (no spaces)."), markup=False)
            yield Input(value=name, placeholder="name, e.g. dana", id="details-name", max_length=24)
            yield Static(Text("Pronouns, if you'd like to share them."), markup=False)
            yield Input(value=pronouns, placeholder="e.g. she/her, they/them", id="details-pronouns", max_length=40)
            yield Static(Text("Your time zone: your day and your spoons follow it."), markup=False)
            yield Input(value=timezone, placeholder="Area/City, e.g. Europe/London", id="details-timezone")
            yield Static("", id="onboarding-answer", markup=False)
            yield Static(Text("Enter goes to the next box; on the last, it saves.", "dim"), markup=False)

    async def action_enter(self) -> None:
        box = self.focused
        if not isinstance(box, Input):
            return
        if box.id != "details-timezone" and parse(box.value) is None:
            self.focus_next()
        else:
            await box.action_submit()  # the last box saves; a typed /sos is asked of the session

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#details-name", Input), scroll_visible=False)

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        boxes = ("details-name", "details-pronouns", "details-timezone")
        was = dict(zip(boxes, self._values, strict=True)).get(event.input.id or "", "")
        if typed_command(self, event, was):
            return
        if event.input.id != "details-timezone":
            self.focus_next()
            return
        name, pronouns, zone = (self.query_one(f"#details-{n}", Input).value for n in ("name", "pronouns", "timezone"))
        refusal = await self._save(name, pronouns, zone)
        if refusal is None:
            self.dismiss(None)
        elif self.is_attached:
            self.query_one("#onboarding-answer", Static).update(Text(refusal))


class WelcomeScreen(Screen[None]):
    """A hello for #living-room, the newcomer's to change before it posts."""

    AUTO_FOCUS = "#welcome-line"

    def __init__(self, line: str, save: Save) -> None:
        super().__init__()
        self._line = line
        self._save = save

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="onboarding", classes="onboarding"):
            yield Static(Text("Say hello", "bold"), markup=False)
            yield Static(Text(HELP_HINT, "dim"), markup=False)
            yield Static(
                Text(
                    "This goes to #living-room when you press Enter. Change any word you like, "
                    "or empty it to post nothing."
                ),
                markup=False,
            )
            yield Input(value=self._line, id="welcome-line", max_length=500, select_on_focus=False)
            yield Static("", id="onboarding-answer", markup=False)
            yield Static(
                Text(
                    "Your safety plan can wait: once you're in, F4 or /plan opens it whenever you like.",
                    "dim",
                ),
                markup=False,
            )

    @on(Input.Submitted, "#welcome-line")
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if typed_command(self, event, self._line):
            return
        refusal = await self._save(event.value)
        if refusal is None:
            self.dismiss(None)
        elif self.is_attached:
            self.query_one("#onboarding-answer", Static).update(Text(refusal))
