"""Getting around: search and /mentions results, and the channel switcher (Ctrl+K).

Views only: they show what the session hands them and post what the member chose
(``JumpTo``) or dismiss with it (the switcher). Every line is built as ``Text`` from
already-cleaned words, never markup. Both fit a phone: one result is one or two lines.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...services.search import Found
from ...services.views import ChannelView
from ...text import isolate_rtl

_SNIPPET = 120  # characters of a message shown in a result


def found_line(found: Found, zone: ZoneInfo) -> Text:
    """``#living-room  Tue 10:42  ann: the words…``: where, when, who, what."""
    message = found.message
    when = message.created_at.replace(tzinfo=UTC).astimezone(zone)
    body = " ".join(message.body.split())
    if len(body) > _SNIPPET:
        body = body[: _SNIPPET - 1] + "…"
    line = Text(overflow="fold")
    line.append("#" + found.channel_name, "bold")
    line.append(f"  {when:%a %d %b %H:%M}  ", "dim")
    line.append(isolate_rtl(message.author_name), "bold")
    line.append(": " + isolate_rtl(body))
    return line


class FoundScreen(ModalScreen[Found | None]):
    """A list of messages found; Enter (or a click) dismisses with the chosen one, which the
    session shows in its channel."""

    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, title: str, found: list[Found], zone: ZoneInfo, *, empty: str) -> None:
        super().__init__()
        self._title = title
        self._found = found
        self._zone = zone
        self._empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="found-dialog", classes="dialog"):
            heading = Text(self._title, "bold")
            if self._found:
                heading.append(f"\n{len(self._found)} found, newest first. Enter shows it; Esc closes.", "dim")
            else:
                heading.append("\n" + self._empty, "dim")
            yield Static(heading, markup=False)
            if self._found:
                yield OptionList(
                    *(Option(found_line(f, self._zone), id=str(i)) for i, f in enumerate(self._found)),
                    id="found-list",
                )

    @on(OptionList.OptionSelected, "#found-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._found[int(event.option.id or 0)])


class ChannelSwitcher(ModalScreen[int | None]):
    """Every channel with its unread count; Enter goes there. The way round at phone width,
    where the channel list is hidden (and a quick one at any width)."""

    AUTO_FOCUS = "OptionList"

    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, channels: list[ChannelView], unread: dict[int, int], current_id: int | None) -> None:
        super().__init__()
        self._channels = channels
        self._unread = unread
        self._current_id = current_id

    def compose(self) -> ComposeResult:
        options = []
        for channel in self._channels:
            label = Text("▸ " if channel.id == self._current_id else "  ")
            label.append("#" + channel.name, "bold" if channel.id == self._current_id else "")
            count = self._unread.get(channel.id, 0)
            if count and channel.id != self._current_id:
                label.append(f"  {count} unread", "bold")
            options.append(Option(label, id=str(channel.id)))
        with Vertical(id="switcher-dialog", classes="dialog"):
            yield Static(Text("Go to a channel", "bold"), markup=False)
            yield OptionList(*options, id="switcher-list")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        ids = [c.id for c in self._channels]
        listing.highlighted = ids.index(self._current_id) if self._current_id in ids else 0

    @on(OptionList.OptionSelected, "#switcher-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id) if event.option.id is not None else None)
