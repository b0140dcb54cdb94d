"""The main screen: channels, the conversation, who is here, and the message box."""

from __future__ import annotations

import logging

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static

from ...hub import MEMBERS, PRESENCE, channel_topic
from ...services.channels import MessageEdited, MessagePosted, may_see
from ...services.crisis import MessageMoved
from ...services.errors import ServiceError
from ...services.presence import PresenceChanged
from ...services.views import ChannelView, MemberView
from ...store.db import StoreFull
from ...text import MAX_MESSAGE_CHARS, TextRejected
from ..commands import COMMANDS, Command, parse_command, unescape
from ..widgets.channel_list import ChannelList
from ..widgets.key_bar import KeyBar
from ..widgets.member_list import MemberList
from ..widgets.message_box import MessageBox
from ..widgets.message_log import MessageLog
from ..widgets.status_bar import StatusBar
from .crisis_keys_first import CrisisKeysFirst
from .text_page import TextPage

log = logging.getLogger("safespace.tui")


STORE_FULL = (
    "Your message couldn't be saved just now: the server is out of room. Nothing was sent and "
    "your draft is still here. Please try again in a little while; the admins can make room."
)


class MainScreen(CrisisKeysFirst):
    # Below 72 columns (a phone) the side panes would leave the conversation a few characters
    # wide: they are hidden (app.tcss), and Ctrl+N, /join and F1 still reach every channel.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-normal")]
    BINDINGS = [
        Binding("ctrl+n", "next_channel", "Next channel"),
        Binding("ctrl+b", "previous_channel", "Prev channel", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._unsubscribe: list = []
        self.current: ChannelView | None = None
        # Member and presence changes heard before the member list is drawn; None once it is.
        self._early_member_events: list | None = []

    @property
    def member(self) -> MemberView:
        return self.app.member

    @property
    def services(self):
        return self.app.services

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="channels-pane"):
                yield Static("Channels", classes="pane-title", markup=False)
                yield ChannelList(id="channels")
            with Vertical(id="conversation"):
                yield Static("", id="channel-title", markup=False)
                yield MessageLog(id="messages", timezone=self.member.timezone)
                yield MessageBox(self.submit_text, id="message-box")
            with Vertical(id="members-pane"):
                yield Static("Members", classes="pane-title", markup=False)
                yield MemberList(id="members")
        yield StatusBar(id="status-bar")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(MessageBox).focus()
        self._load()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    @work(exclusive=True, group="load")
    async def _load(self) -> None:
        services = self.services
        hub = services.hub
        # Listening before reading: a change made while the lists load is not lost (it waits,
        # and is applied after the list it is newer than).
        self._unsubscribe.append(hub.subscribe(PRESENCE, self._on_hub_presence))
        self._unsubscribe.append(hub.subscribe(MEMBERS, self._on_hub_member))
        channels = await services.channels.list_for(self.member)
        members = await services.members.list()
        self.query_one(ChannelList).set_channels(channels)
        self.query_one(MemberList).set_members(members, services.presence.online_ids())
        early, self._early_member_events = self._early_member_events, None
        for apply_change in early:
            apply_change()
        for channel in channels:
            self._unsubscribe.append(hub.subscribe(channel_topic(channel.id), self._on_hub_message))
        if channels:
            await self.show_channel(channels[0])

    # -- hub callbacks run in the publisher's task: hand over, do nothing heavy.
    # There ``self.app`` is the *publisher's* app (Textual's active_app is a context variable),
    # so a callback must not look at self.member or self.app: every check runs in our own task.
    def _on_hub_message(self, event: MessagePosted) -> None:
        self.call_next(self._hub_message, event)

    def _taken_down(self) -> bool:
        """A hub event handed over with call_next can run after this session began to close,
        when the screen's widgets are already gone: then it is dropped, quietly."""
        return not self.is_attached or not self.query(MessageLog)

    async def _hub_message(self, event) -> None:
        if self._taken_down():
            return
        if isinstance(event, MessageEdited):  # a check-in card changed
            self._message_edited(event)
        elif isinstance(event, MessageMoved):
            await self._message_moved(event)
        elif may_see(self.member, event.message):
            self._message_arrived(event)

    def _on_hub_presence(self, event: PresenceChanged) -> None:
        self.call_next(self._presence_changed, event)

    def _presence_changed(self, event: PresenceChanged) -> None:
        if self._early_member_events is not None:
            self._early_member_events.append(lambda: self._presence_changed(event))
        elif not self._taken_down():
            self.query_one(MemberList).set_online(event.member_id, event.online)

    def _on_hub_member(self, member: MemberView) -> None:
        self.call_next(self._member_changed, member)

    def _message_arrived(self, event: MessagePosted) -> None:
        message = event.message
        self.app.heard(message)  # a mention rings, unless this member is recharging (app.may_interrupt)
        if self.current is not None and message.channel_id == self.current.id:
            self.query_one(MessageLog).append(message)
            self._mark_read(message.channel_id, message.id)
        elif message.author_id != self.member.id:
            self.query_one(ChannelList).bump_unread(message.channel_id)

    async def _message_moved(self, event: MessageMoved) -> None:
        """A senior member moved a message to #911: redraw the channel it left or joined, if shown."""
        if self.current is not None and self.current.id in (event.from_channel_id, event.message.channel_id):
            await self.show_channel(self.current)

    def _message_edited(self, event: MessageEdited) -> None:
        """Show the new words, or drop the message if its author narrowed who may see it."""
        message = event.message
        if self.current is None or message.channel_id != self.current.id:
            return
        if may_see(self.member, message):
            self.query_one(MessageLog).replace(message)
        else:
            self.query_one(MessageLog).remove_message(message.id)

    def _member_changed(self, member: MemberView) -> None:
        if self._early_member_events is not None:
            self._early_member_events.append(lambda: self._member_changed(member))
            return
        if self._taken_down():
            return
        members = self.query_one(MemberList)
        if member.removed:  # (if it is this member, the session is closing)
            members.remove_member(member.id)
            return
        if member.id == self.member.id:
            self.app.member_changed(member)
        members.update_member(member)

    def _mark_read(self, channel_id: int, message_id: int) -> None:
        self.services.channels.mark_read(self.member, channel_id, message_id)

    # -- channels
    async def show_channel(self, channel: ChannelView) -> None:
        self.current = channel
        channels = self.query_one(ChannelList)
        channels.set_current(channel.id)
        title = Text("#" + channel.name, "bold")
        if channel.topic:
            title.append("  " + channel.topic, "dim")
        self.query_one("#channel-title", Static).update(title)
        page = self.services.config.history_page
        history = await self.services.channels.history(self.member, channel.id)
        if self.current is not channel:
            return
        log_widget = self.query_one(MessageLog)
        log_widget.set_messages(history, has_older=len(history) >= page)
        if history:
            self._mark_read(channel.id, history[-1].id)

    async def join_by_name(self, name: str) -> None:
        channel = await self.services.channels.by_name(name)
        known = {c.id: c for c in self.query_one(ChannelList).channels}
        await self.show_channel(known.get(channel.id, channel))

    @on(OptionList.OptionSelected, "#channels")
    async def _channel_selected(self, event: OptionList.OptionSelected) -> None:
        channel_id = int(event.option.id)
        for channel in self.query_one(ChannelList).channels:
            if channel.id == channel_id:
                await self.show_channel(channel)
        self.query_one(MessageBox).focus()

    async def _step_channel(self, step: int) -> None:
        channels = self.query_one(ChannelList).channels
        if not channels or self.current is None:
            return
        ids = [c.id for c in channels]
        index = ids.index(self.current.id) if self.current.id in ids else 0
        await self.show_channel(channels[(index + step) % len(channels)])

    async def action_next_channel(self) -> None:
        await self._step_channel(1)

    async def action_previous_channel(self) -> None:
        await self._step_channel(-1)

    @on(MessageLog.LoadOlder)
    async def _load_older(self, event: MessageLog.LoadOlder) -> None:
        if self.current is None:
            return
        channel = self.current
        page = self.services.config.history_page
        older = await self.services.channels.history(self.member, channel.id, before_id=event.before_id)
        if self.current is channel:
            self.query_one(MessageLog).prepend(older, has_older=len(older) >= page)

    # -- writing
    async def submit_text(self, text: str) -> None:
        """Send or run what the member wrote (the box has given it up); put it back if not sent."""
        command = parse_command(text)
        box = self.query_one(MessageBox)
        sent = False
        try:
            if command is not None:
                sent = await self.run_command(command)
            else:
                sent = await self.send_text(unescape(text))
        except TextRejected as error:
            self.app.tell(error.message, severity="warning")
        except ServiceError as error:
            self.app.tell(error.message, severity="warning")
        except StoreFull:
            log.error("member %s could not post: the database cannot be written", self.member.id)
            self.app.tell(STORE_FULL, severity="error", timeout=15)
        finally:
            if not sent:
                box.restore_draft(text)

    def show_own_message(self, message) -> None:
        """The sender sees their message as soon as it is saved; the hub's copy is then skipped.

        It is drawn in the same frame as the emptied box: the log hands its repaint to this
        screen now (what it would do when next idle) rather than after the work that every
        receiving session has queued on the loop by then (+240-300 ms with 50 receivers).
        """
        if self.current is not None and message.channel_id == self.current.id:
            log_widget = self.query_one(MessageLog)
            log_widget.append(message)
            log_widget._check_refresh()

    async def send_text(self, text: str) -> bool:
        """Post to the current channel under the crisis rules (services.crisis.send, via the app):
        SOS words go to #911 with an alert; self-harm talk outside #911 is asked about first.
        Returns False to keep the draft. Raises TextRejected / ServiceError with kind words."""
        if self.current is None:
            return False
        return await self.app.send_message(self, self.current, text)

    async def run_command(self, command: Command) -> bool:
        """Run a slash command; returns False to put the draft back in the box."""
        if command.name == "join":
            if not command.argument:
                self.app.tell("Which channel? For example: /join wins")
                return False
            await self.join_by_name(command.argument)
            return True
        if command.name == "help":
            self.app.action_help()
            return True
        if command.name == "here":  # the member list, also where the pane is hidden (narrow screens)
            members = self.query_one(MemberList).described(max(min(self.size.width - 14, 70), 20))  # inside the page's border and padding
            self.app.push_screen(TextPage("Who is here", "\n".join(members) or "Nobody yet."))
            return True
        handler = getattr(self.app, f"command_{command.name.replace('-', '_')}", None)
        if handler is not None:
            return bool(await handler(command.argument))
        self.app.tell(f"There's no /{command.name[:20]} command. /help lists the ones there are.", severity="warning")
        return False

    @on(MessageBox.PasteRefused)
    def _paste_refused(self, event: MessageBox.PasteRefused) -> None:
        self.app.tell(
            f"That paste is very long ({event.size:,} characters); a message holds up to {MAX_MESSAGE_CHARS:,}. "
            "Nothing was sent and your draft is unchanged. You could paste it in parts.",
            severity="warning",
        )


__all__ = ["MainScreen", "COMMANDS"]
