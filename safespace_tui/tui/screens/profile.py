"""Getting to know each other: a member's profile, the members directory, and your own profile form.

Views only: they draw the ``ProfileView``s the session hands them (already filtered by
services/profiles.py to what this reader may see) and post ``ProfileWanted`` when a member is
chosen. Everything a member wrote is shown as ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...services.profiles import (
    AUDIENCE_WORDS,
    FIELD_LABELS,
    MAX_FIELD_CHARS,
    NOT_TRAUMA,
    PROFILE_FIELDS,
    ProfileView,
)
from ...services.views import status_words
from ..messages import ProfileWanted, Refused
from ..widgets.choices import Choices
from ..widgets.form_error import show_form_error

_DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} #{box} {{
    width: 80;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: round $primary;
    background: $surface;
    padding: 0 1;
}}
"""


def profile_text(profile: ProfileView, *, own: bool) -> Text:
    """The profile as one reader sees it: name, status, then each field they may read."""
    member = profile.member
    text = Text()
    text.append(member.display_name, "bold")
    text.append(f"  @{member.handle}", "dim")
    if profile.pronouns:
        text.append(f"  ({profile.pronouns})")
    text.append(f"\n{status_words(member.status)}")
    if member.status_note:
        text.append(f": {member.status_note}", "dim")
    text.append("\n")
    shown = [f for f in profile.fields if f.name != "pronouns"]
    if not shown:
        text.append("\nNothing shared here yet.", "dim")
    for field in shown:
        text.append(f"\n{field.label}", "bold")
        if field.shown_to != "group":
            text.append(f"  ({AUDIENCE_WORDS[field.shown_to]})", "dim")
        text.append(f"\n{field.text}\n")
    text.append("\n" + ("/profile changes yours.  " if own else "") + "Esc closes.", "dim")
    return text


class ProfileScreen(ModalScreen):
    """One member's profile; ``show`` redraws it when it changes (live, through the hub)."""

    AUTO_FOCUS = "#profile-page"

    DEFAULT_CSS = _DIALOG_CSS.format(name="ProfileScreen", box="profile-page")
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, profile: ProfileView, *, own: bool) -> None:
        super().__init__()
        self.profile = profile
        self.own = own

    @property
    def member_id(self) -> int:
        return self.profile.member.id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="profile-page", can_focus=True):
            yield Static(profile_text(self.profile, own=self.own), id="profile-text", markup=False)

    def show(self, profile: ProfileView) -> None:
        self.profile = profile
        self.query_one("#profile-text", Static).update(profile_text(profile, own=self.own))

    def action_close(self) -> None:
        self.dismiss(None)


def directory_line(profile: ProfileView) -> Text:
    member = profile.member
    # the status first, as in the member list, so a name cut short never hides it
    line = Text(overflow="ellipsis", no_wrap=True)
    line.append(f"{status_words(member.status)}  ", "dim")
    line.append(member.display_name, "bold")
    if profile.pronouns:
        line.append(f" ({profile.pronouns})")
    return line


class DirectoryScreen(ModalScreen):
    """Everyone in the group with their status and pronouns; Enter or a click opens a profile."""

    AUTO_FOCUS = "OptionList"

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="DirectoryScreen", box="directory")
        + """
    DirectoryScreen #directory-list {
        height: auto;
        max-height: 100%;
        border: none;
    }
    """
    )
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, profiles: list[ProfileView]) -> None:
        super().__init__()
        self.profiles = profiles

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="directory"):
            yield Static(Text("Members", "bold"), markup=False)
            yield OptionList(*self._options(), id="directory-list")
            yield Static(Text("Enter opens a profile. Esc closes.", "dim"), markup=False)

    def _options(self) -> list[Option]:
        return [Option(directory_line(p), id=str(p.member.id)) for p in self.profiles]

    def show(self, profiles: list[ProfileView]) -> None:
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        self.profiles = profiles
        listing.clear_options()
        listing.add_options(self._options())
        if highlighted is not None and profiles:
            listing.highlighted = min(highlighted, len(profiles) - 1)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(ProfileWanted(int(event.option.id)))

    def action_close(self) -> None:
        self.dismiss(None)


SaveProfile = Callable[[str, dict[str, tuple[str, str]]], Awaitable[ProfileView | Refused]]
_AUDIENCES = [("group", "group"), ("seniors", "seniors"), ("me", "only me")]


class ProfileForm(ModalScreen):
    """Your own profile: your name, pronouns and each field with who may read it. Ctrl+O saves."""

    # The form opens at its top (its title and the line about crisis help), not scrolled down to the
    # first box, as AUTO_FOCUS would at 48x20: the focus is set here, still before the first frame.
    AUTO_FOCUS = ""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="ProfileForm", box="profile-form")
        + """
    ProfileForm .field-label {
        text-style: bold;
        margin-top: 1;
    }
    ProfileForm #profile-warning {
        color: $text-muted;
    }
    ProfileForm #profile-error {
        color: $warning;
        height: auto;
    }
    ProfileForm .row {
        height: auto;
    }
    ProfileForm .row Label {
        width: 10;
    }
    ProfileForm #profile-buttons {
        height: auto;
        margin-top: 1;
    }
    ProfileForm #profile-buttons Button {
        margin-right: 2;
    }
    """
    )
    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+o", "save", "Save")]

    def __init__(self, profile: ProfileView, save: SaveProfile) -> None:
        """``save(display_name, fields)`` is the session's; it answers with the saved view or why not."""
        super().__init__()
        self.profile = profile
        self._save = save

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="profile-form"):
            yield Static(Text("Your profile", "bold"), markup=False)
            yield Static(Text(NOT_TRAUMA), id="profile-warning", markup=False)
            yield Label("Your name in the group", classes="field-label")
            yield Input(self.profile.member.display_name, id="display-name", max_length=40, compact=True)
            for name in PROFILE_FIELDS:
                yield Label(FIELD_LABELS[name], classes="field-label")
                limit = 40 if name == "pronouns" else MAX_FIELD_CHARS
                yield Input(self.profile.text(name), id=f"field-{name}", max_length=limit, compact=True)
                with Horizontal(classes="row"):
                    yield Label("Shown to")
                    yield Choices(_AUDIENCES, selected=self.profile.shown_to(name), id=f"to-{name}")
            yield Static("", id="profile-error", markup=False)
            with Horizontal(id="profile-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    async def action_save(self) -> None:
        fields = {
            name: (
                self.query_one(f"#field-{name}", Input).value,
                self.query_one(f"#to-{name}", Choices).value or "group",
            )
            for name in PROFILE_FIELDS
        }
        result = await self._save(self.query_one("#display-name", Input).value, fields)
        if isinstance(result, Refused):
            show_form_error(self.query_one("#profile-error", Static), result.message)
            return
        self.dismiss(result)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#display-name", Input), scroll_visible=False)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    async def _save_pressed(self) -> None:
        await self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()
