"""A senior member's own notice settings (``/notify``): where an SOS reaches them outside the app.

Addresses are secrets: the new one is typed into a password field (it never shows on screen),
and the ones kept are shown only masked (``ntfy://…c9f2``). Saving goes through ``save`` (the
session answers with the new settings, or None when it told the member why not).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...services.notices import CareView, clock_words

Save = Callable[[str, str], Awaitable[CareView | None]]  # ("address" | "quiet", value)


def settings_text(view: CareView) -> Text:
    text = Text()
    text.append("You're on call.\n" if view.on_call else "You're not on call (/oncall changes it).\n")
    if view.quiet_from is not None and view.quiet_until is not None:
        text.append(f"Quiet hours: {clock_words(view.quiet_from)}-{clock_words(view.quiet_until)}, your time.\n")
    else:
        text.append("No quiet hours: a notice may come at any time.\n")
    if not view.addresses:
        text.append("No addresses yet: an SOS reaches you only while you're connected.\n")
    for address in view.addresses:
        text.append(f"  {address.id}. {address.masked}\n")
    if view.addresses:
        text.append("/notify remove N removes one.\n", "dim")
    return text


class NotifyScreen(ModalScreen[None]):
    AUTO_FOCUS = "#notify-url"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, view: CareView, save: Save) -> None:
        super().__init__()
        self.view = view
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="notify-dialog", classes="dialog"):
            yield Static(Text("Notices when an SOS waits", "bold"), markup=False)
            yield Static(
                Text(
                    "When an SOS is raised and no senior member is online, or nobody has taken it in time, "
                    'you get a short notice: "An SOS is waiting in Safe Space" (no names, no words).'
                ),
                markup=False,
            )
            yield Static(settings_text(self.view), id="notify-settings", markup=False)
            yield Input(placeholder="Add an address, e.g. ntfy://your-topic", id="notify-url", password=True)
            quiet = self.view.quiet_words.removeprefix("quiet ") if self.view.quiet_from is not None else ""
            yield Input(value=quiet, placeholder="Quiet hours, e.g. 22:00-07:00, or off", id="notify-quiet")
            yield Static(Text("Enter saves a field   ·   Esc closes", "dim"), markup=False)

    @on(Input.Submitted, "#notify-url")
    async def _add(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            await self._saved(await self._save("address", event.value), event.input)

    @on(Input.Submitted, "#notify-quiet")
    async def _quiet(self, event: Input.Submitted) -> None:
        event.stop()
        await self._saved(await self._save("quiet", event.value), None)

    async def _saved(self, view: CareView | None, clear: Input | None) -> None:
        if view is None or not self.is_attached:
            return
        self.view = view
        self.query_one("#notify-settings", Static).update(settings_text(view))
        if clear is not None:
            clear.value = ""

    def action_close(self) -> None:
        self.dismiss()
