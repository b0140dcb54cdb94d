"""Channels changed by an admin: renamed, re-topicked, archived (``safespace channel …``), and
open sessions told at once.

The CLI is another process: its hub events never reach the server. So the server's access watch
(services/access.py) also runs ``ChannelAdmin.check`` each round, which compares the channels with
what it saw last and publishes ``ChannelsChanged`` on the hub's ``CHANNELS`` topic; each session
then reads its channel list again (services/channels.py ``list_for``), which leaves archived ones out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..hub import CHANNELS, Hub
from ..store.db import Store, tuples
from ..store.models import Channel, utcnow
from ..text import clean_line
from .channels import CRISIS_CHANNEL, DEFAULT_CHANNELS, validate_channel_name
from .errors import Invalid, NotFound
from .rooms import all_rooms
from .views import ChannelView

log = logging.getLogger("safespace.channels")
_KEPT = {name for name, _topic, _position in DEFAULT_CHANNELS}  # the group's own: never renamed or archived


@dataclass(frozen=True)
class ChannelsChanged:
    """Published on ``CHANNELS``: read the channel list again (names, topics, what is archived)."""


class ChannelAdmin:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub
        self._seen: set[tuple] | None = None

    async def rename(self, name: str, new_name: str) -> ChannelView:
        new_name = validate_channel_name(new_name)

        def write(channel: Channel) -> None:
            if Channel.select().where(Channel.name == new_name).exists():
                raise Invalid(f"There is already a channel called {new_name!r}.")
            channel.name = new_name

        return await self._change(name, write, keep_defaults=True)

    async def set_topic(self, name: str, topic: str) -> ChannelView:
        cleaned = clean_line(topic, max_chars=200) if topic.strip() else ""

        def write(channel: Channel) -> None:
            channel.topic = cleaned

        return await self._change(name, write, keep_defaults=False)

    async def archive(self, name: str) -> ChannelView:
        """Out of every list and closed to new messages; what was said stays (and in backups)."""

        def write(channel: Channel) -> None:
            channel.archived_at = utcnow()

        return await self._change(name, write, keep_defaults=True)

    async def _change(self, name: str, change, *, keep_defaults: bool) -> ChannelView:
        name = name.strip().lstrip("#").lower()

        def write() -> ChannelView:
            channel = Channel.get_or_none(
                Channel.name == name, Channel.archived_at.is_null(), Channel.id.not_in(all_rooms())
            )
            if channel is None:  # a mediation room is its people's alone: not the operator's to change
                raise NotFound(f"There's no open channel called {name!r}.")
            if keep_defaults and channel.name in _KEPT:
                why = " (SOS messages go there)" if channel.name == CRISIS_CHANNEL else ""
                raise Invalid(f"#{channel.name} is one of the group's own channels{why}; it stays as it is.")
            change(channel)
            channel.save()
            return ChannelView(channel.id, channel.name, channel.topic)

        view = await self.store.write(write)
        self.hub.publish(CHANNELS, ChannelsChanged())
        return view

    async def check(self) -> None:
        """One look (from the server's access watch): publish if the channels changed since the last."""
        seen = set(
            await self.store.read(
                lambda: tuples(Channel.select(Channel.id, Channel.name, Channel.topic, Channel.archived_at))
            )
        )
        before, self._seen = self._seen, seen
        if before is not None and before != seen:
            log.info("channels changed outside the server")
            self.hub.publish(CHANNELS, ChannelsChanged())
