"""The channel list, with how many unread messages each channel holds."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...services.views import ChannelView


class ChannelList(OptionList):
    """Selecting a channel posts OptionList.OptionSelected with the channel id as option id."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._channels: list[ChannelView] = []
        self._unread: dict[int, int] = {}
        self.current_id: int | None = None

    def set_channels(self, channels: list[ChannelView]) -> None:
        self._channels = list(channels)
        self._unread = {c.id: c.unread for c in channels}
        self._redraw()

    @property
    def channels(self) -> list[ChannelView]:
        return self._channels

    def set_current(self, channel_id: int) -> None:
        self.current_id = channel_id
        self._unread[channel_id] = 0
        self._redraw()

    def bump_unread(self, channel_id: int) -> None:
        if channel_id != self.current_id:
            self._unread[channel_id] = self._unread.get(channel_id, 0) + 1
            self._redraw()

    def unread(self, channel_id: int) -> int:
        return self._unread.get(channel_id, 0)

    def unread_elsewhere(self) -> int:
        """Unread messages in every channel but the one shown."""
        return sum(count for channel_id, count in self._unread.items() if channel_id != self.current_id)

    def _redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        options = []
        for channel in self._channels:
            label = Text()
            marker = "▸ " if channel.id == self.current_id else "  "
            label.append(marker)
            label.append("#" + channel.name, "bold" if channel.id == self.current_id else "")
            count = self._unread.get(channel.id, 0)
            if count and channel.id != self.current_id:
                label.append(f" ({count})", "bold")
            options.append(Option(label, id=str(channel.id)))
        self.add_options(options)
        if highlighted is not None and highlighted < len(options):
            self.highlighted = highlighted
